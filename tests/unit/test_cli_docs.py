"""Every command and option of `python -m indexer` and `python -m search_api` is documented,
in the one place decided for it, as `test_settings.py` holds docs/settings.md to the
settings. A command or option added without a line of docs fails here.

The commands are walked through the Click objects Typer builds, not parsed from --help.
Typer carries its own copy of Click, so the classes checked are `typer.core`'s.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

from indexer.cli import cli as indexer_cli
from search_api.cli import cli as search_api_cli

ROOT = Path(__file__).parents[2]
APPS = {"indexer": indexer_cli, "search_api": search_api_cli}
# Where each command is documented (file, section heading); the longest prefix decides.
PLACES = {
    ("indexer",): ("README.md", "Loading data"),
    ("indexer", "verify-package"): ("docs/chronologies.md", "Verification"),
    ("search_api", "serve"): ("README.md", "The two commands"),
    ("search_api", "users"): ("README.md", "Accounts"),
    ("search_api", "collections"): ("README.md", "Accounts"),
    ("search_api", "teams"): ("docs/chronologies.md", "Teams and shared chronologies"),
    ("search_api", "keys"): ("docs/chronologies.md", "Keys"),
}


Command = TyperCommand | TyperGroup


def walk(command: Command, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Command]]:
    yield path, command
    if isinstance(command, TyperGroup):
        for name, sub in sorted(command.commands.items()):
            yield from walk(sub, (*path, name))


COMMANDS = [
    found for name, app in APPS.items() for found in walk(typer.main.get_command(app), (name,))
]


def place(path: tuple[str, ...]) -> tuple[str, str]:
    for length in range(len(path), 0, -1):
        if path[:length] in PLACES:
            return PLACES[path[:length]]
    raise AssertionError(f"decide where `python -m {' '.join(path)}` is documented (PLACES)")


def section(file: str, heading: str) -> str:
    """The text under a Markdown heading, up to the next heading of the same or a higher
    level; `#` lines inside code blocks are shell comments, not headings."""
    lines = (ROOT / file).read_text(encoding="utf-8").splitlines()
    fenced, level, kept = False, 0, []
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        marks = len(line) - len(line.lstrip("#"))
        if not fenced and marks and line[marks:].startswith(" "):
            if level and marks <= level:
                break
            if line[marks:].strip() == heading:
                level = marks
                continue
        if level:
            kept.append(line)
    assert level, f"{file} has no section {heading!r}"
    return "\n".join(kept)


def mentioned(text: str, words: str) -> bool:
    """`words` as a whole: `--seed` is not found in `--seeds`, `snapshot` not in `snapshots`."""
    return re.search(rf"(?<![\w-]){re.escape(words)}(?![\w-])", text) is not None


def to_document(path: tuple[str, ...], command: Command) -> list[str]:
    """The command line of a command that runs something, and every option's long names."""
    wanted = [] if isinstance(command, TyperGroup) else [f"python -m {' '.join(path)}"]
    for param in command.params:
        if isinstance(param, TyperOption):
            wanted += [name for name in param.opts if name.startswith("--")]
    return wanted


def undocumented(path: tuple[str, ...], command: Command, text: str) -> list[str]:
    return [words for words in to_document(path, command) if not mentioned(text, words)]


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_and_option_is_documented(path: tuple[str, ...], command: Command) -> None:
    if not to_document(path, command):
        return  # a group without options, such as `python -m search_api` itself
    file, heading = place(path)
    assert undocumented(path, command, section(file, heading)) == [], f"{file}, {heading!r}"


def test_an_undocumented_option_is_caught() -> None:
    """The check itself: an option Typer adds is seen, and missing docs are reported."""
    app = typer.Typer(add_completion=False)

    @app.command()
    def load(report: str = "", dry_run: bool = False) -> None:
        """Stands in for a real command."""

    command = typer.main.get_command(app)
    text = "python -m indexer load path --report FILE; --dry-runs is another option"
    assert undocumented(("indexer", "load"), command, text) == ["--dry-run"]
