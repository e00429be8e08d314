"""The audit page's list of actions holds every action the code writes, so none can be
left out of a filter."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from search_api.audit import ACTIONS, OUTCOMES

ROOT = Path(__file__).resolve().parents[2] / "search_api"
# Dotted constants that name an action, not a file or a field.
_DOTTED = re.compile(r"^(admin|audit|chronology|image|original|record|redactions|upload)\.[a-z_]+$")
_CALLS = {"audit", "record", "_audited_get", "_change"}


def _written_actions() -> set[str]:
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and _DOTTED.match(node.value)
                and not node.value.endswith((".html", ".json", ".docx", ".pdf"))
            ):
                found.add(node.value)
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                first = node.args[0] if node.args else None
                if name in _CALLS and isinstance(first, ast.Constant):
                    found.add(str(first.value))
    return found


def test_every_action_the_code_writes_is_in_the_list() -> None:
    written = _written_actions()
    missing = written - set(ACTIONS)
    assert not missing, f"add to search_api/audit.py ACTIONS: {sorted(missing)}"
    assert {"search", "export", "login", "chronology.export"} <= written


def test_every_outcome_has_a_name() -> None:
    assert set(OUTCOMES) >= {"ok", "failed", "refused", "rate_limited", "not_found"}
