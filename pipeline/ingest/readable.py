"""Is a text Vietnamese as written? The judge of a PDF page's text layer (and of what OCR gives back).

A text layer can decode to nonsense and still look like text to a program: old fonts embedded without a usable
Unicode map give ``UBND 7ӌ1+ L¿O CAI`` (glyph numbers and Mac Roman letters where the page shows ``UBND TỈNH LÀO
CAI``), and a poor OCR layer left by a scanner gives ``ceNG HoA xA ngI cnu Ncnie``. Values read from such text are
noise, so a page is judged before it is used, by the grammar of the written language rather than by a dictionary:

- its words are Vietnamese syllables (``legacy.syllable``: onset, rhyme, coda) written in one case pattern
  (``lower``, ``Title`` or ``UPPER``; ``ceNG`` and ``xA`` are not how anyone writes);
- a fair share of them carry the letters and tone marks of Vietnamese (``tỉnh``, ``được``): Vietnamese prose has
  more than half its syllables marked, a text stripped of its marks (a bad OCR layer) almost none;
- letters from other scripts (Cyrillic ``ӌ``, Armenian …) and symbols glued inside words (``ng‡y``, ``L¿O``) are
  the marks of a wrong font map.

Words that are neither right nor wrong are left out of the count: abbreviations in capitals (``UBND``, ``KH-SCT``,
``QĐ``), codes with digits, single letters. A page with too few words to judge is not judged (None). An English
page (its commonest words) is readable too: annexes and names of laws in English are not noise.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .legacy import syllable

TOKEN = re.compile(r"\S+")
EDGE = re.compile(r"^[\W_]+|[\W_]+$")
ASCII_ABBR = re.compile(r"^[A-ZĐ]{2,8}$")
#: words needed before a page is judged
MIN_WORDS = 12
#: share of judged words that must be Vietnamese syllables in one case pattern
MIN_VALID = 0.7
#: share of those syllables that must carry a Vietnamese letter or tone mark
MIN_MARKED = 0.2
#: share of foreign-script letters or in-word symbols (of all letters) that condemns a page
MAX_ALIEN = 0.05
ENGLISH = frozenset("the of and to in for is on that by with as at from be this are or an it which".split())


@dataclass(frozen=True)
class Verdict:
    readable: bool | None  # None: too little text to judge
    words: int  # the words judged
    valid: float  # share of them that are Vietnamese syllables written in one case
    marked: float  # share of those that carry Vietnamese letters or tone marks
    alien: float  # share of letters that are of another script or glued to symbols

    @property
    def why(self) -> str:
        if self.readable is not False:
            return ""
        if self.alien > MAX_ALIEN:
            return "letters of other scripts and symbols inside words (a font without a usable Unicode map)"
        if self.valid < MIN_VALID:
            return "its words are not Vietnamese words"
        return "Vietnamese without its tone marks (a poor OCR layer)"


def _latin(ch: str) -> bool:
    return ch.isascii() or ch in "ºª" or "LATIN" in unicodedata.name(ch, "")


def _case_ok(w: str) -> bool:
    return w.islower() or w.isupper() or (w[0].isupper() and w[1:].islower())


def _marked(w: str) -> bool:
    return not w.isascii()


def judge(text: str) -> Verdict:
    """The verdict on ``text`` (a page's text layer, or the text OCR read)."""
    text = unicodedata.normalize("NFC", text)
    letters = alien = 0
    judged = valid = marked = english = 0
    for tok in TOKEN.findall(text):
        core = EDGE.sub("", tok)
        if not core:
            continue
        n_alpha = sum(ch.isalpha() for ch in core)
        if not n_alpha:
            continue
        letters += n_alpha
        bad = sum(1 for ch in core if ch.isalpha() and not _latin(ch))
        # a symbol between letters ("ng‡y", "L¿O", "th·ng"); hyphens, slashes, dots and apostrophes join words
        bad += sum(1 for a, ch, b in zip(core, core[1:], core[2:])
                   if a.isalpha() and b.isalpha() and not ch.isalnum() and ch not in "-/.,;:()'’&_@…")
        alien += bad
        if bad:
            judged += 1
            continue
        if not core.isalpha():
            continue  # codes, numbers with letters (KH-SCT, 05/KH, 2a)
        if len(core) == 1 or ASCII_ABBR.match(core) and not syllable(core):
            continue  # a letter, an abbreviation (UBND, MTTQ)
        judged += 1
        if core.lower() in ENGLISH:
            english += 1
        if _case_ok(core) and syllable(core):
            valid += 1
            marked += _marked(core)
    v = valid / judged if judged else 1.0
    m = marked / valid if valid else 0.0
    a = alien / letters if letters else 0.0
    if judged < MIN_WORDS:  # a few words: only a mass of foreign letters condemns them
        readable = False if a > 0.1 and alien >= 5 else None
    elif a > MAX_ALIEN:
        readable = False
    elif english >= 0.15 * judged:
        readable = True  # an English page
    else:
        readable = v >= MIN_VALID and m >= MIN_MARKED
    return Verdict(readable, judged, round(v, 3), round(m, 3), round(a, 4))


def readable(text: str) -> bool:
    """``text`` reads as Vietnamese (or is too short to say otherwise)."""
    return judge(text).readable is not False
