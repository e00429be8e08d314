"""Record text as a reader sees it: safe Markdown, each block in its own direction, the
withheld marker in the block's language, and the query's words marked.

Transcripts and document pages are written in Markdown or plain text, often Arabic
after a Latin heading (`# Testimony …`). Rendered as one block they take the first
line's direction, so every paragraph, heading and list item is its own block with
`dir="auto"`, or with its direction written out when its first letter would turn it the
wrong way (an Arabic paragraph opening on a Latin name). The parser is markdown-it-py
with raw HTML off, links to http and https only, and no images: record text never
brings markup, scripts or requests of its own.

The index keeps public text with `[withheld]` where a protected name stood
(`evidence.redaction`). The marker is translated here, at render time, after the text
is read as the caller may read it, so only the fixed marker ever changes: no protected
value is looked at.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from babel.dates import format_datetime
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup

from evidence.gazetteer import load_gazetteer
from evidence.redaction import WITHHELD
from search_api.highlight import MatchTerms, matched_spans
from search_api.locale import current, human_date

__all__ = [
    "ARABIC_WITHHELD",
    "TextRenderer",
    "block_direction",
    "facility_name",
    "hit_pages",
    "human_time",
    "human_title",
    "plain",
]

ARABIC_WITHHELD = "[محجوب]"
# Stands for the marker while Markdown is parsed: private use, so never syntax.
_PLACEHOLDER = "\ue000"
_ARABIC_RANGES = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x08A0, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)
_DATED = re.compile(r"^(?:circa:)?\d{4}(?:-\d{2}){0,2}(?:/\d{4}(?:-\d{2}){0,2})?$")
_BLOCKS = {
    "paragraph_open",
    "heading_open",
    "list_item_open",
    "bullet_list_open",
    "ordered_list_open",
    "blockquote_open",
    "code_block",
    "fence",
}
# Record text sits under the page's own h1 and a section's h2.
_HEADING_SHIFT = 2


def _is_arabic(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _ARABIC_RANGES)


def _letters(text: str) -> tuple[str | None, int, int]:
    """The direction of the first letter, and how many letters are Arabic and not."""
    first: str | None = None
    arabic = other = 0
    for char in text:
        if _is_arabic(char) and char.isalpha():
            arabic += 1
            first = first or "rtl"
        elif char.isalpha():
            other += 1
            first = first or "ltr"
    return first, arabic, other


def block_direction(text: str) -> tuple[str, str | None]:
    """(the `dir` attribute, the direction it resolves to): `auto` unless the block's
    first letter disagrees with most of its letters; no letters resolve to nothing."""
    first, arabic, other = _letters(text)
    if first is None:
        return "auto", None
    most = "rtl" if arabic > other else "ltr"
    return ("auto" if first == most else most), most


def _marker(direction: str | None) -> str:
    return ARABIC_WITHHELD if direction == "rtl" else WITHHELD


def plain(text: object) -> Markup:
    """A short piece of record text (a title, a name, a tag), escaped, with the withheld
    marker in its own language."""
    value = str(text or "")
    _, direction = block_direction(value.replace(WITHHELD, ""))
    return Markup(html.escape(value.replace(WITHHELD, _marker(direction)), quote=False))


def facility_name(facility_id: str) -> str:
    """A gazetteer facility by its name in the reader's language."""
    facility = load_gazetteer().facilities.get(facility_id)
    if facility is None:
        return facility_id
    return facility.name_ar if current().lang == "ar" else facility.name_en


def human_title(title: str) -> str:
    """A stored title with its dates written for people: `Photo C-1 · circa:2012-05-23`
    becomes `Photo C-1 · c. 23 May 2012` (in the reader's language)."""
    parts = title.split(" · ")
    return " · ".join(
        human_date({"text": part, "approximate": part.startswith("circa:")})
        if _DATED.match(part)
        else part
        for part in parts
    )


def human_time(stamp: str) -> str:
    """A stored ISO timestamp (custody) in the reader's language and digits."""
    interface = current()
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    shown = format_datetime(
        moment, "d MMM y, HH:mm zzz", tzinfo=moment.tzinfo, locale=interface.language.babel_locale
    )
    return interface.digits_of(shown)


def hit_pages(pages: Sequence[dict[str, Any]], terms: MatchTerms) -> list[int]:
    """The numbers of the pages that hold one of the query's words."""
    return [int(page["n"]) for page in pages if matched_spans(str(page.get("text", "")), terms)]


class _Markdown(MarkdownIt):
    """CommonMark with raw HTML off and images off; links only to http and https."""

    def __init__(self) -> None:
        super().__init__("commonmark", {"html": False, "breaks": True})
        self.disable("image")
        self.add_render_rule("text", _render_text)
        self.add_render_rule("link_open", _render_link_open)

    def validateLink(self, url: str) -> bool:
        return url.strip().lower().startswith(("http://", "https://"))


def _render_text(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    renderer: TextRenderer = env["renderer"]
    return renderer.marked(tokens[idx].content, anchor=bool(env.get("anchor")))


def _render_link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
    return self.renderToken(tokens, idx, options, env)


_MARKDOWN = _Markdown()


class TextRenderer:
    """One page's text renderer: marks the query's words (`terms`), and gives the first
    mark it writes with `anchor` the id `hit`, where a snippet's link lands."""

    def __init__(self, terms: MatchTerms | None = None) -> None:
        self.terms = terms
        self.anchored = False

    def marked(self, text: str, *, anchor: bool = False) -> str:
        """Escaped text with the query's words in `<mark>`."""
        spans = matched_spans(text, self.terms) if self.terms else []
        parts: list[str] = []
        position = 0
        for start, end in spans:
            parts.append(html.escape(text[position:start], quote=False))
            hit = ' id="hit"' if anchor and not self.anchored else ""
            self.anchored = self.anchored or bool(hit)
            parts.append(f"<mark{hit}>{html.escape(text[start:end], quote=False)}</mark>")
            position = end
        parts.append(html.escape(text[position:], quote=False))
        return "".join(parts)

    def markdown(self, text: object, *, anchor: bool = False) -> Markup:
        """Record text as safe HTML, one block per paragraph, heading and list item."""
        source = str(text or "").replace(_PLACEHOLDER, "\ufffd").replace(WITHHELD, _PLACEHOLDER)
        tokens = _MARKDOWN.parse(source)
        _directed(tokens, source.splitlines())
        env: dict[str, Any] = {"renderer": self, "anchor": anchor}
        return Markup(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, env))


def _directed(tokens: list[Token], lines: list[str]) -> None:
    """Give each block its direction, shift headings below the page's own, and put the
    withheld marker in the language of the block it stands in."""
    stack: list[str | None] = [None]
    for token in tokens:
        resolved = stack[-1]
        if token.type in _BLOCKS and token.map and not token.hidden:
            block = "\n".join(lines[token.map[0] : token.map[1]])
            attribute, own = block_direction(block)
            token.attrSet("dir", attribute)
            resolved = own or resolved
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + _HEADING_SHIFT)}"
        if token.nesting == 1:
            stack.append(resolved)
        elif token.nesting == -1 and len(stack) > 1:
            stack.pop()
        marker = _marker(resolved)
        token.content = token.content.replace(_PLACEHOLDER, marker)
        for child in token.children or []:
            child.content = child.content.replace(_PLACEHOLDER, marker)
