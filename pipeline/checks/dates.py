"""(e) A date after the report's own date.

Flags: a ``date`` value later than the report's issue date read from its letterhead (``documents.csv`` ``issued``;
only when that is a full date): a full date after it, or a month after its month ("tháng 12/2023" in a report of
20/11/2023): "date after the report's date (2023-11-20)". A document reference's date ("Kế hoạch số 132/KH-…
ngày 13/12/2023") is flagged only when it is a full date.

Leaves alone: planned dates — a sentence with ``dự kiến``, ``kế hoạch`` (not the type of a document reference),
``sẽ``, ``phấn đấu`` … (``patterns/checks.toml [dates] plan_words``), a date in the report's plan part (a
heading with ``phương hướng``, ``nhiệm vụ …`` (``plan_sections``) or the second part, "Phần thứ hai"
(``plan_parts``)), a table whose title or headings say so; dates without a year; periods; every date when the
report's own date is missing or not a full date, or when its dates contradict it (three or more and at least a
fifth of them after it: the letterhead's date is the odd one out).
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

import regex

from ..records import Indicator
from .common import Doc, Words

FULL = regex.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MONTH = regex.compile(r"[0-9]{4}-[0-9]{2}")
DOUBTFUL_AT = 3  # this many dates after the report's date, a fifth of its dates or more: its date is doubtful


def flag(doc: Doc, w: Words) -> Iterator[tuple[Indicator, str]]:
    issued = doc.issued or ""
    if not FULL.fullmatch(issued):
        return
    plan_rx = w.rx("dates", "plan_words")
    refs = [r for r in doc.rows if r.kind == "doc_ref"]
    ref_starts = [r.char_start for r in refs]
    plan_paths: dict[str, bool] = {}
    flagged, dated = [], 0
    for r in doc.rows:
        if r.kind != "date":
            continue
        v = str(r.value)
        dated += bool(FULL.fullmatch(v) or MONTH.fullmatch(v))
        full = FULL.fullmatch(v)
        if full:
            if v <= issued:
                continue
        elif MONTH.fullmatch(v):
            if v <= issued[:7] or _reference_date(r, refs, ref_starts, doc.text):
                continue  # a reference's date is suspicious only when it is a full date
        else:
            continue
        if _planned_section(r.section_path, doc, w, plan_paths):
            continue
        ctx = r.context
        for ref in refs[max(0, bisect_left(ref_starts, r.char_start - 600)):bisect_left(ref_starts, r.char_end + 600)]:
            ctx = ctx.replace(" ".join(ref.text.split()), " ")  # "Kế hoạch số 132/KH-…": a document, not a plan
        if plan_rx.search(ctx):
            continue
        if r.origin == "table" and plan_rx.search(f"{r.section_title} {r.row} {r.col}"):
            continue
        flagged.append(r)
    # many of the report's dates after its own: the letterhead's date is the odd one (a licence's date read as
    # the report's, a year mistyped), not they
    if len(flagged) >= DOUBTFUL_AT and len(flagged) * 5 >= dated:
        return
    for r in flagged:
        yield r, w.note("date", issued=issued)


def _reference_date(r: Indicator, refs: list[Indicator], starts: list[int], text: str) -> bool:
    """The date is the issue date of the document reference right before it."""
    k = bisect_left(starts, r.char_start) - 1
    return k >= 0 and 0 <= r.char_start - refs[k].char_end <= 15 and \
        bool(regex.fullmatch(r"[\s,]*(?:(?i:ban hành|ký)\s*)?(?:(?i:ngày|tháng)\s*)?", text[refs[k].char_end:r.char_start]))


def _planned_section(path: str, doc: Doc, w: Words, memo: dict[str, bool]) -> bool:
    """The value stands in the report's plan part: a heading on its path says so, or its part is the second."""
    if not path:
        return False
    if path not in memo:
        parts = path.split(" > ")
        plan = parts[0].strip().lower() in w.get("dates", "plan_parts", [])
        rx = w.rx("dates", "plan_sections")
        for k in range(1, len(parts) + 1):
            title = doc.sections.get(" > ".join(parts[:k]), ("", ""))[0]
            if rx.search(title):
                plan = True
                break
        memo[path] = plan
    return memo[path]
