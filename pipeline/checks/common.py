"""What the checks share: their words (``patterns/checks.toml``), a whole-word phrase matcher, one document as
the checks see it, the numbers of a row and the note they add."""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

import regex

from .. import normalise as N
from ..grammar import table
from ..records import Block, Indicator

NUMERAL = regex.compile(r"[0-9]+(?:[.,][ ]?[0-9]+)*")
SEP = "; "  # several notes on one value


def phrases(items) -> regex.Pattern:
    """The phrases as one case-insensitive regex: whole words (a phrase that begins or ends with a letter or digit
    needs no letter or digit beside it), any white space between its words. Longest first."""
    alts = []
    for p in sorted(set(items), key=len, reverse=True):
        body = r"\s+".join(regex.escape(w) for w in p.split())
        lead = r"(?<![\p{L}\p{M}0-9])" if regex.match(r"[\p{L}0-9]", p) else ""
        tail = r"(?![\p{L}\p{M}0-9])" if regex.search(r"[\p{L}\p{M}0-9]$", p) else ""
        alts.append(lead + body + tail)
    return regex.compile("|".join(alts) if alts else r"(?!)", regex.I)


@dataclass
class Words:
    """patterns/checks.toml, its word lists compiled."""

    data: dict
    notes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        self.notes = self.data.get("notes", {})
        self._rx: dict[str, regex.Pattern] = {}

    def rx(self, section: str, key: str) -> regex.Pattern:
        name = f"{section}.{key}"
        if name not in self._rx:
            self._rx[name] = phrases(self.data.get(section, {}).get(key, []))
        return self._rx[name]

    def get(self, section: str, key: str, default=None):
        return self.data.get(section, {}).get(key, default)

    def note(self, key: str, **fill) -> str:
        return self.notes[key].format(**fill)


@lru_cache(maxsize=4)
def words(path: str | None = None) -> Words:
    return Words(table("checks", path))


@dataclass
class Doc:
    """One document as the checks see it: its text (the offsets of ``rows`` index it), its blocks (table rows with
    their cells), its values in text order, the report's own date and its headings (path → title, label)."""

    text: str
    rows: list[Indicator]
    blocks: list[Block] = field(default_factory=list)
    issued: str = ""
    sections: dict[str, tuple[str, str]] = field(default_factory=dict)


def add_note(row: Indicator, note: str) -> None:
    """Add ``note`` to the row's notes (joined with ``; ``), once."""
    have = row.note.split(SEP) if row.note else []
    if note not in have:
        row.note = SEP.join(have + [note])


def amount(row: Indicator) -> float | None:
    """A count's or an amount's value as a number (None for a value that is not one)."""
    try:
        return float(row.value)
    except (TypeError, ValueError):
        return None


def ratio(row: Indicator) -> tuple[float, float] | None:
    try:
        a, b = str(row.value).split("/")
        return float(a), float(b)
    except (TypeError, ValueError):
        return None


def slack(row: Indicator) -> float:
    """How far a written figure may stand from the exact one: half its last digit when it is rounded (a decimal,
    or a scale word: "22.143 tỷ đồng", "130,7 triệu"), else nothing."""
    v = amount(row)
    m = NUMERAL.search(row.text or "")
    if v is None or not m:
        return 0.0
    try:
        n = N.number(m.group())
    except ValueError:
        return 0.0
    if not n:
        return 0.0
    scale = abs(v / n)
    s = str(n)
    decimals = len(s.split(".")[1]) if isinstance(n, float) and "." in s else 0
    if scale <= 1.000001 and not decimals:
        return 0.0
    return 0.5 * (10 ** -decimals) * max(scale, 1.0)


def fmt(v: float) -> str:
    """A number as the note shows it: the contract's plain form (7, not 07 or 7.0)."""
    if float(v).is_integer():
        return str(int(v))
    return f"{v:.6f}".rstrip("0").rstrip(".")


BRACKET = regex.compile(r"[()]")


class Brackets:
    """Every bracketed group "( … )" of a text that closes within ``limit`` characters, nested ones included, as
    (offset of "(", offset after ")"), sorted; looked up by position in logarithmic time."""

    def __init__(self, text: str, limit: int = 1000):
        self.limit = limit
        spans, stack = [], []
        for m in BRACKET.finditer(text):
            i = m.start()
            if m.group() == "(":
                stack.append(i)
            elif stack:
                a = stack.pop()
                if i - a <= limit:
                    spans.append((a, i + 1))
        self.spans = sorted(spans)
        self.starts = [a for a, _ in self.spans]
        self.end_at = dict(self.spans)  # "(" at a → the offset after its ")"

    def __iter__(self):
        return iter(self.spans)

    def within(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """The groups that open at or after ``lo`` and close by ``hi``."""
        i, j = bisect_left(self.starts, lo), bisect_left(self.starts, hi)
        return [(a, b) for a, b in self.spans[i:j] if b <= hi]

    def around(self, pos: int) -> list[tuple[int, int]]:
        """The groups that hold ``pos`` (open before it, close after it)."""
        i, j = bisect_left(self.starts, pos - self.limit), bisect_left(self.starts, pos)
        return [(a, b) for a, b in self.spans[i:j] if b > pos]


# where the clause a value stands in begins: after the last . ; : ! ? line break, tab or comma (not a number's), and,
# when asked, an opening bracket
_CLAUSE_START = {False: regex.compile(r".*(?:[.;:!?\n\t]|,(?![0-9]))", regex.S),
                 True: regex.compile(r".*(?:[.;:!?\n\t(]|,(?![0-9]))", regex.S)}


def clause_before(text: str, start: int, reach: int, bracket: bool = False) -> str:
    """The text of the clause before offset ``start``, looking back at most ``reach`` characters (``bracket``: an
    opening bracket begins a clause too)."""
    before = text[max(0, start - reach):start]
    m = _CLAUSE_START[bracket].match(before)
    return before[m.end():] if m else before

