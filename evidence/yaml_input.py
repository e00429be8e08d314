"""The one reader for YAML that comes with a bundle: safe types only, and no aliases.

An alias repeats a whole node, and aliases of aliases multiply: a few hundred bytes can
expand to gigabytes (the "billion laughs"). Bundle metadata never needs them, so an
anchor or alias is refused where it appears, before anything is expanded.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.error import Mark, MarkedYAMLError
from yaml.events import AliasEvent, NodeEvent

__all__ = ["ALIASES_REFUSED", "YamlAliasRefused", "read_bundle_yaml"]

ALIASES_REFUSED = "YAML aliases are not accepted"


class YamlAliasRefused(MarkedYAMLError):
    """An anchor (`&name`) or alias (`*name`) in bundle YAML."""


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that raises at the first anchor or alias instead of composing it."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent) or (
            isinstance(event, NodeEvent) and event.anchor is not None
        ):
            mark = event.start_mark if isinstance(event.start_mark, Mark) else None
            raise YamlAliasRefused(problem=ALIASES_REFUSED, problem_mark=mark)
        return super().compose_node(parent, index)


def read_bundle_yaml(text: str, where: str) -> Any:
    """Parse one YAML document from a bundle. Errors (`yaml.YAMLError`, aliases
    included) name `where`, the file the text came from."""
    try:
        return yaml.load(text, Loader=_NoAliasLoader)
    except yaml.YAMLError as error:
        if isinstance(error, MarkedYAMLError) and error.problem_mark is not None:
            error.problem_mark.name = where
        raise
