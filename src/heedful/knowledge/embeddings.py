"""Embeddings of article revisions: which text is embedded, and how the matrix is stored.

An article is embedded as chunks, its title and each paragraph or list item apart (up to
MAX_CHUNKS), and matched by its closest chunk: one vector for a whole article would blur an FAQ
that answers several phrasings of a question into their average.
"""

from __future__ import annotations

import re

import numpy as np

from heedful.knowledge import encoder

MODEL = "all-MiniLM-L6-v2"
MAX_CHUNKS = 64
_MARKUP = re.compile(r"(!?\[([^\]]*)\]\([^)]*\))|[#>*_`|~]+")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def chunks(title: str, body: str) -> list[str]:
    """The title, then each paragraph or list item of the Markdown body, markup stripped."""
    out = [title.strip()]
    paragraph: list[str] = []

    def flush():
        text = " ".join(paragraph).strip()
        if text:
            out.append(text[:1000])
        paragraph.clear()

    for line in (body or "").splitlines():
        if not line.strip():
            flush()
            continue
        if _ITEM.match(line):
            flush()
            line = _ITEM.sub("", line)
        paragraph.append(_MARKUP.sub(lambda m: m.group(2) or " ", line).strip())
    flush()
    return [c for c in out if c][:MAX_CHUNKS]


def to_bytes(matrix: np.ndarray) -> bytes:
    return np.ascontiguousarray(matrix, dtype=np.float32).tobytes()


def from_bytes(data: bytes | memoryview | None) -> np.ndarray | None:
    if not data:
        return None
    matrix = np.frombuffer(bytes(data), dtype=np.float32)
    if matrix.size % encoder.DIM:
        return None
    return matrix.reshape(-1, encoder.DIM)


def embed(title: str, body: str) -> np.ndarray:
    return encoder.encode(chunks(title, body))
