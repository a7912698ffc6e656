"""(c) A ratio whose part exceeds its whole.

Flags: a ``ratio`` value ``a/b`` with ``a`` above ``b`` ("đã giải quyết được (120/100)"): "part above its whole
(120/100)".

Leaves alone: a pair comparing two periods — after ``tăng``, ``giảm``, ``so với``, ``cùng kỳ`` in its clause, or
in a table cell whose row or column heading says so (``patterns/checks.toml [ratios] compare_words``): "giảm 12 vụ
(85/97)", either may be larger; a division inside a formula ("(300/24,9)2 ≈ 145kg", "(7.000/13) x 1 = 538": an
operator or ``=`` beside the bracket); and every value the extractor did not give as a ratio (a score cell
"9,49/ 9,5" is a count: its kind says so).
"""
from __future__ import annotations

from collections.abc import Iterator

import regex

from ..records import Indicator
from .common import Doc, Words, clause_before, fmt, ratio

FORMULA = regex.compile(r"[=×⋅*+^≈√]|(?<![\p{L}])x(?![\p{L}])|[0-9]")


def flag(doc: Doc, w: Words) -> Iterator[tuple[Indicator, str]]:
    compare = w.rx("ratios", "compare_words")
    text = doc.text
    for r in doc.rows:
        if r.kind != "ratio":
            continue
        ab = ratio(r)
        if ab is None or ab[0] <= ab[1]:
            continue
        if compare.search(f"{r.row} {r.col}"):
            continue
        clause = clause_before(text, r.char_start, 160)
        after = text[r.char_end:r.char_end + 80]
        after = regex.split(r"[.;!?\n\t]", after, maxsplit=1)[0]
        if compare.search(clause) or compare.search(after):
            continue
        # a division in a formula: an operator right before or after its bracket
        near_before = text[max(0, r.char_start - 3):r.char_start].replace("(", "").strip()
        near_after = text[r.char_end:r.char_end + 4].replace(")", "").strip()
        if FORMULA.match(near_after[:1] or " ") or (near_before and FORMULA.search(near_before[-1:])):
            continue
        yield r, w.note("ratio", value=f"{fmt(ab[0])}/{fmt(ab[1])}")
