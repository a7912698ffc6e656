"""The first sheet of summary.xlsx: the template's asks, one row each in template order, one column per report
(headed by its issuer), then the province total.

A cell is the report's answer as a number, its qualifier kept in sight by the number format (``trên 1.215``);
its comment gives the report's own words and the row ids, and its link opens the value in the review page.
``parts`` cells (parts added, no total given) and ``conflict`` cells (two figures disagree) are shaded and say so;
a report that gives nothing reads ``chưa báo cáo`` (not reported), never 0.

The second row says which period each report covers. The total adds counts and money only, only over reports of
one period (a 9-month and an annual report are never added), keeping ``trên``/``gần``; when the periods differ the
total is left empty and the row says why.
"""
from __future__ import annotations

import os
from pathlib import Path

from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from ..outputs.files import pgettext
from . import sums
from .workbook import GRID, HEAD_FILL, HEAD_FONT, LINE, WRAP_TOP, lines_needed, page_setup

PARTS_FILL = PatternFill("solid", fgColor="FFF2CC")
CONFLICT_FILL = PatternFill("solid", fgColor="F8CBAD")
PERIOD_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="E2EFDA")
MISSING_FONT = Font(name="Calibri", size=10, italic=True, color="8C8C8C")
LINK_FONT = Font(name="Calibri", size=11, color="1F4E78", underline="single")
ADDABLE = ("count", "money")


def number_format(value: float, qualifier: str, kind: str) -> str:
    base = "#,##0" if float(value).is_integer() else "#,##0.0##"
    if kind == "percent":
        base = base + '"%"'
    q = qualifier.replace('"', "")
    return f'"{q} "{base}' if q else base


def kind_word(kind: str) -> str:
    from ..outputs.files import kind_name

    return kind_name(kind)


def period_words(period: str) -> str:
    return period or pgettext("summary", "not stated")


def province_total(answers, kind: str, periods: dict[str, str]):
    """(value, qualifier, why not) of the province total of one ask's answers."""
    if kind not in ADDABLE:
        return None, "", pgettext("summary", "rates are not added")
    got = [a for a in answers if a.status in ("reported", "parts", "conflict") and sums.number(a.value) is not None]
    if not got:
        return None, "", ""
    spans = {periods.get(a.doc_id, "") for a in got}
    if len(spans) > 1:
        return None, "", pgettext("summary", "reports of different periods are not added")
    total = sum(sums.number(a.value) for a in got)
    q = next((a.qualifier for a in got if a.qualifier in ("trên", "hơn", "gần", "khoảng", "ước")), "")
    return total, q, ""


def review_link(dest: Path, outdir: Path, page: str, row_id: str) -> str:
    if not page:
        return ""
    target = os.path.relpath(Path(outdir) / page, Path(dest)).replace(os.sep, "/")
    return f"{target}#{row_id}"


def asks_sheet(wb, result, answers, periods: dict[str, str], pages: dict[str, str], outdir: Path) -> None:
    """``answers``: every (ask, document) answer in ask order then column order (answers.answer_all)."""
    from .workbook import headings_for, sheet_name

    ws = wb.create_sheet(sheet_name("Asks"), 0)
    docs = list(result.columns)
    heads = headings_for()
    names = [heads["template_path"], heads["template_title"], heads["ask"], heads["kind"], heads["unit"],
             *result.columns.values(), pgettext("summary", "Province total")]
    widths = [22, 34, 48, 10, 14] + [16] * len(docs) + [16]
    ws.append(names)
    for j, (name, w) in enumerate(zip(names, widths), 1):
        c = ws.cell(row=1, column=j)
        c.font, c.fill, c.border = HEAD_FONT, HEAD_FILL, GRID
        c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[c.column_letter].width = w
    ws.row_dimensions[1].height = LINE * max(lines_needed(n, w) for n, w in zip(names, widths)) + 4

    # row 2: the period each report covers
    spans = [periods.get(d, "") for d in docs]
    differ = len({s for s in spans if s}) > 1
    last = pgettext("summary", "periods differ: no total") if differ else period_words(next((s for s in spans if s), ""))
    ws.append([pgettext("summary", "Reporting period"), "", "", "", "", *[period_words(s) for s in spans], last])
    for j in range(1, len(names) + 1):
        c = ws.cell(row=2, column=j)
        c.fill, c.border, c.alignment = PERIOD_FILL, GRID, Alignment(wrap_text=True, vertical="top")
        c.font = Font(name="Calibri", size=10, italic=True, bold=differ and j == len(names),
                      color="C00000" if differ and j == len(names) else "000000")

    per_ask: dict = {}
    for a in answers:
        per_ask.setdefault(a.ask, []).append(a)
    r = 2
    for ask, got in per_ask.items():
        r += 1
        by_doc = {a.doc_id: a for a in got}
        ws.append([ask.template_path, ask.template_title, ask.ask, kind_word(ask.kind), ask.unit])
        for j in range(1, 6):
            c = ws.cell(row=r, column=j)
            c.border, c.alignment = GRID, WRAP_TOP
        for j, d in enumerate(docs, 6):
            c = ws.cell(row=r, column=j)
            c.border = GRID
            a = by_doc.get(d)
            if a is None or a.status == "not reported":
                c.value, c.font = pgettext("summary", "not reported"), MISSING_FONT
                c.alignment = Alignment(horizontal="center", vertical="top")
                continue
            x = sums.number(a.value)
            c.value = (int(x) if x is not None and x.is_integer() else x) if x is not None else a.value
            if x is not None:
                c.number_format = number_format(x, a.qualifier, ask.kind)
            elif a.qualifier:
                c.value = f"{a.qualifier} {a.value}"
            c.alignment = Alignment(horizontal="right", vertical="top")
            status = {"reported": pgettext("summary", "reported"),
                      "parts": pgettext("summary", "parts added, no total given"),
                      "conflict": pgettext("summary", "figures disagree: check")}[a.status]
            if a.status == "parts":
                c.fill = PARTS_FILL
            elif a.status == "conflict":
                c.fill = CONFLICT_FILL
            words = "\n".join(f"« {x[:300]} »" for x in a.texts[:4])
            rows = pgettext("summary", "rows")
            note = Comment(f"{status}\n{words}\n{rows}: {' '.join(a.ids)}", "vnreport")
            note.width, note.height = 320, min(420, 60 + 14 * (len(words) // 45 + len(a.texts)))
            c.comment = note
            link = review_link(result.dest, outdir, pages.get(d, ""), a.ids[0]) if a.ids else ""
            if link:
                c.hyperlink = link
                c.font = LINK_FONT
        total, q, why = province_total(got, ask.kind, periods)
        c = ws.cell(row=r, column=len(names))
        c.border, c.fill = GRID, TOTAL_FILL
        if total is not None:
            c.value = int(total) if float(total).is_integer() else total
            c.number_format = number_format(total, q, ask.kind)
            c.font = Font(name="Calibri", size=11, bold=True)
            c.alignment = Alignment(horizontal="right", vertical="top")
        elif why:
            c.value, c.font = "—", MISSING_FONT
            c.alignment = Alignment(horizontal="center", vertical="top")
            c.comment = Comment(why, "vnreport")
        ws.row_dimensions[r].height = LINE * max(lines_needed(ask.template_title, 34), lines_needed(ask.ask, 48),
                                                 1)
    ws.freeze_panes = "D3"
    ws.auto_filter.ref = f"A1:{ws.cell(row=1, column=len(names)).column_letter}{max(3, r)}"
    page_setup(ws)
