"""(d) A share above 100%.

Flags: a percentage above 100 that is said as a share: in running text, its clause names a share (``tỷ lệ``,
``chiếm`` …: ``patterns/checks.toml [shares] share_before``: "Tỷ lệ hộ dân sử dụng nước hợp vệ sinh đạt 105%") or
a noun follows it ("120% người đứng đầu"); in a table, a percentage cell: "share above 100%".

Leaves alone: growth, comparison and plan attainment — a percentage after ``tăng``, ``vượt``, ``gấp``, ``bằng``,
``chỉ số``, ``hoàn thành`` … in its clause (``patterns/checks.toml [shares] growth_before``), or followed by
``kế hoạch``, ``chỉ tiêu``, ``dự toán``, ``so với``, ``cùng kỳ`` … (``attainment_after``): "đạt 115% kế hoạch",
"tăng 120%", "bằng 130% so với cùng kỳ"; a table cell whose row or column heading says so (``growth_headers``:
``So sánh``, ``TH/KH``, ``Chỉ số giá``); a bare percentage after an amount, which is its attainment ("thu … được
8.520 triệu đồng, đạt 125,6%"); every percentage up to 100.
"""
from __future__ import annotations

from collections.abc import Iterator

import regex

from ..records import Indicator
from .common import Doc, Words, amount, clause_before



def flag(doc: Doc, w: Words) -> Iterator[tuple[Indicator, str]]:
    before_rx = w.rx("shares", "growth_before")
    after_rx = w.rx("shares", "attainment_after")
    header_rx = w.rx("shares", "growth_headers")
    share_rx = w.rx("shares", "share_before")
    not_noun = w.rx("shares", "not_nouns_after")
    text = doc.text
    for r in doc.rows:
        if r.kind != "percent":
            continue
        v = amount(r)
        if v is None or v <= 100:
            continue
        if r.origin == "table" and r.col and header_rx.search(f"{r.row} {r.col}"):
            continue
        clause = clause_before(text, r.char_start, 200, bracket=True)
        after = regex.split(r"[.;!?\n\t]|,(?![0-9])", text[r.char_end:r.char_end + 60], maxsplit=1)[0]
        if before_rx.search(clause) or after_rx.search(after):
            continue
        if r.origin != "table" or not r.col:  # in running text, only what is said as a share
            m = regex.match(r"\s*([\p{L}\p{M}]+(?:\s+[\p{L}\p{M}]+)?)", after)
            noun = m and m.group(1)[0].islower() and not not_noun.match(m.group(1))
            if not share_rx.search(clause) and not noun:
                continue
        yield r, w.note("share")
