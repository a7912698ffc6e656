"""(d) A share above 100%.

Flags: a percentage above 100 that is said as a share ("Tỷ lệ hộ dân sử dụng nước hợp vệ sinh đạt 105%"):
"share above 100%".

Leaves alone: growth, comparison and plan attainment — a percentage after ``tăng``, ``vượt``, ``gấp``, ``bằng``,
``chỉ số``, ``hoàn thành`` … in its clause (``patterns/checks.toml [shares] growth_before``), or followed by
``kế hoạch``, ``chỉ tiêu``, ``dự toán``, ``so với``, ``cùng kỳ`` … (``attainment_after``): "đạt 115% kế hoạch",
"tăng 120%", "bằng 130% so với cùng kỳ"; a table cell whose row or column heading says so (``growth_headers``:
``So sánh``, ``TH/KH``, ``Chỉ số giá``); every percentage up to 100.
"""
from __future__ import annotations

from collections.abc import Iterator

import regex

from ..records import Indicator
from .common import Doc, Words, amount

CLAUSE_START = regex.compile(r".*(?:[.;:!?\n\t(]|,(?![0-9]))", regex.S)


def flag(doc: Doc, w: Words) -> Iterator[tuple[Indicator, str]]:
    before_rx = w.rx("shares", "growth_before")
    after_rx = w.rx("shares", "attainment_after")
    header_rx = w.rx("shares", "growth_headers")
    text = doc.text
    for r in doc.rows:
        if r.kind != "percent":
            continue
        v = amount(r)
        if v is None or v <= 100:
            continue
        if r.origin == "table" and r.col and header_rx.search(f"{r.row} {r.col}"):
            continue
        lo = max(0, r.char_start - 200)
        before = text[lo:r.char_start]
        m = CLAUSE_START.match(before)
        clause = before[m.end():] if m else before
        after = regex.split(r"[.;!?\n\t]|,(?![0-9])", text[r.char_end:r.char_end + 60], maxsplit=1)[0]
        if before_rx.search(clause) or after_rx.search(after):
            continue
        yield r, w.note("share")
