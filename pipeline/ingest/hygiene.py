"""Text hygiene: characters no reader of a report should meet, mended at ingest one for one, so that every offset
stays exact (a text file's offsets still index the file as decoded; a built text's blocks are unchanged).

- an unpaired UTF-16 surrogate (a PDF's broken text layer, a mis-decoded file) → U+FFFD, the replacement
  character: it cannot even be written to a UTF-8 file;
- NUL and the other control characters (but tab, line feed, carriage return and form feed, which lay out text)
  → a space;
- a byte order mark or zero-width space inside the text (files pasted together, web copies) → a space;
- private-use characters (the Symbol and Wingdings bullets Word puts in lists, U+F0B7 …) → the bullet they draw
  where it is known (``encodings/private_use.toml``, data), else U+FFFD.
"""
from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources

SURROGATE = re.compile("[\ud800-\udfff]")
BAD = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff\ufeff\u200b\U000f0000-\U0010ffff]")
REPLACEMENT = "\ufffd"


@lru_cache(maxsize=1)
def private_use() -> dict[int, str]:
    data = tomllib.loads(resources.files("pipeline.ingest").joinpath("encodings", "private_use.toml")
                         .read_text(encoding="utf-8"))
    return {int(k, 16): v for k, v in data["glyphs"].items()}


def _one(m: re.Match) -> str:
    ch = m.group()
    o = ord(ch)
    if o < 0xA0 or ch in "\ufeff\u200b":
        return " "
    if 0xE000 <= o <= 0xF8FF:
        return private_use().get(o, REPLACEMENT)
    return REPLACEMENT


def writable(s: str) -> str:
    """``s`` as UTF-8 can write it: a lone surrogate (a file name that is not UTF-8, a reader's slip) becomes U+FFFD,
    one character for one. The writers' last resort and the file names' mend; a document's text gets ``mend``."""
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE.sub(REPLACEMENT, s)
    return s


def mend(s: str) -> str:
    """``s`` with every character above replaced, one for one (same length)."""
    return BAD.sub(_one, s) if BAD.search(s) else s
