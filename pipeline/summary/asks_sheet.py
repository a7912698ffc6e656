"""The first sheet of summary.xlsx: the template's asks, one row each in template order, one column per report
(headed by its issuer), then the province total.

A cell is the report's answer as a number, its qualifier kept in sight by the number format (``trên 1.215``,
Vietnamese digit grouping whatever the spreadsheet's locale); its comment gives the report's own words and the row
ids, and its link opens the value in the review page. ``parts`` cells (parts added, no total given) and
``conflict`` cells (two figures disagree) are shaded, a legend under the table says so; a report that gives nothing
reads ``chưa báo cáo`` (not reported), never 0.

The second row says in words which period each report covers (``năm 2023``, ``6 tháng đầu năm 2024``). The total
adds counts and money only, and never two reports of different periods (a 9-month and an annual report): such a
total is left empty with the reason in its comment, and the period row says the periods differ.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from .. import i18n
from ..outputs.files import pgettext
from . import sums
from .sheets import (GRID, HEAD_FILL, HEAD_FONT, LINE, WRAP_TOP, headings_for, lines_needed, page_setup,
                     sheet_name)

PARTS_FILL = PatternFill("solid", fgColor="FFF2CC")
CONFLICT_FILL = PatternFill("solid", fgColor="F8CBAD")
PERIOD_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="E2EFDA")
MISSING_FONT = Font(name="Calibri", size=10, italic=True, color="8C8C8C")
LINK_FONT = Font(name="Calibri", size=11, color="1F4E78", underline="single")
NOTE_FONT = Font(name="Calibri", size=10, italic=True, color="595959")
ADDABLE = ("count", "money")
KEPT_QUALIFIERS = ("trên", "hơn", "gần", "khoảng", "ước")
VIETNAMESE_LOCALE = "[$-42A]"  # Excel's locale id of vi-VN: "1.215" and "12,5" wherever the file is opened
WIDTHS = {"path": 18, "title": 28, "ask": 46, "kind": 10, "unit": 13, "doc": 17, "total": 16}


def number_format(value: float, qualifier: str, kind: str) -> str:
    base = "#,##0" if float(value).is_integer() else "#,##0.0##"
    if kind == "percent":
        base = base + '"%"'
    q = qualifier.replace('"', "")
    fmt = f'"{q} "{base}' if q else base
    return (VIETNAMESE_LOCALE + fmt) if i18n.current() == "vi" else fmt


def kind_word(kind: str) -> str:
    from ..outputs.files import kind_name

    return kind_name(kind)


PERIOD = re.compile(r"^(\d{4})-(\d{2})(?:-\d{2})?/(\d{4})-(\d{2})(?:-\d{2})?$")


def period_words(period: str) -> str:
    """A period in words: ``2023-01/2023-12`` → ``năm 2023``, ``2024-01/2024-06`` → ``6 tháng đầu năm 2024``."""
    if not period:
        return pgettext("summary", "not stated")
    m = PERIOD.match(period.strip())
    if not m:
        return period
    y1, m1, y2, m2 = (int(x) for x in m.groups())
    if y1 == y2:
        span = (m1, m2)
        named = {(1, 12): pgettext("period", "year {year}"), (1, 6): pgettext("period", "first 6 months of {year}"),
                 (7, 12): pgettext("period", "last 6 months of {year}"), (1, 9): pgettext("period", "9 months of {year}"),
                 (1, 3): pgettext("period", "quarter I/{year}"), (4, 6): pgettext("period", "quarter II/{year}"),
                 (7, 9): pgettext("period", "quarter III/{year}"), (10, 12): pgettext("period", "quarter IV/{year}")}
        if span in named:
            return named[span].format(year=y1)
    return f"{m1:02d}/{y1}–{m2:02d}/{y2}"


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
    q = next((a.qualifier for a in got if a.qualifier in KEPT_QUALIFIERS), "")
    return total, q, ""


def review_link(dest: Path, outdir: Path, page: str, row_id: str) -> str:
    if not page:
        return ""
    target = os.path.relpath(Path(outdir) / page, Path(dest)).replace(os.sep, "/")
    return f"{target}#{row_id}"


def _missing(c) -> None:
    c.value, c.font = pgettext("summary", "not reported"), MISSING_FONT
    c.alignment = Alignment(horizontal="center", vertical="top")


def asks_sheet(wb, result, answers, periods: dict[str, str], pages: dict[str, str], outdir: Path) -> None:
    """``answers``: every (ask, document) answer in ask order then column order (answers.answer_all)."""
    ws = wb.create_sheet(sheet_name("Asks"), 0)
    docs = list(dict.fromkeys(a.doc_id for a in answers))
    heads = headings_for()
    names = [heads["template_path"], heads["template_title"], heads["ask"], heads["kind"], heads["unit"],
             *(result.columns.get(d, d) for d in docs), pgettext("summary", "Province total")]
    widths = [WIDTHS["path"], WIDTHS["title"], WIDTHS["ask"], WIDTHS["kind"], WIDTHS["unit"]] + \
        [WIDTHS["doc"]] * len(docs) + [WIDTHS["total"]]
    ws.append(names)
    for j, (name, w) in enumerate(zip(names, widths), 1):
        c = ws.cell(row=1, column=j)
        c.font, c.fill, c.border = HEAD_FONT, HEAD_FILL, GRID
        c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[c.column_letter].width = w
    ws.row_dimensions[1].height = LINE * min(6, max(lines_needed(n, w) for n, w in zip(names, widths))) + 4

    # row 2: the period each report covers
    spans = [periods.get(d, "") for d in docs]
    differ = len({s for s in spans if s}) > 1
    last = (pgettext("summary", "periods differ: only reports of one period are added") if differ
            else period_words(next((s for s in spans if s), "")))
    row2 = [pgettext("summary", "Reporting period"), "", "", "", "", *[period_words(s) for s in spans], last]
    ws.append(row2)
    for j in range(1, len(names) + 1):
        c = ws.cell(row=2, column=j)
        c.fill, c.border, c.alignment = PERIOD_FILL, GRID, Alignment(wrap_text=True, vertical="top")
        warn = differ and j == len(names)
        c.font = Font(name="Calibri", size=10, italic=True, bold=warn, color="C00000" if warn else "000000")
    ws.row_dimensions[2].height = LINE * max(lines_needed(v, w) for v, w in zip(row2, widths)) + 2

    per_ask: dict = {}
    for a in answers:
        per_ask.setdefault(a.ask, []).append(a)
    r, section = 2, None
    for ask, got in per_ask.items():
        r += 1
        by_doc = {a.doc_id: a for a in got}
        first = ask.template_path != section  # a section's path and title once, on its first ask
        section = ask.template_path
        ws.append([ask.template_path if first else None, ask.template_title if first else None, ask.ask,
                   kind_word(ask.kind), ask.unit])
        for j in range(1, 6):
            c = ws.cell(row=r, column=j)
            c.border, c.alignment = GRID, WRAP_TOP
        for j, d in enumerate(docs, 6):
            c = ws.cell(row=r, column=j)
            c.border = GRID
            a = by_doc.get(d)
            if a is None or a.status == "not reported":
                _missing(c)
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
            if a.where == "parent":
                status += "\n" + pgettext("summary", "found under a neighbouring heading of the report")
            elif a.where == "report":
                status += "\n" + pgettext("summary", "found elsewhere in the report")
            if a.status == "parts":
                c.fill = PARTS_FILL
            elif a.status == "conflict":
                c.fill = CONFLICT_FILL
            words = "\n".join(f"« {x[:300]} »" for x in a.texts[:4])
            rows = pgettext("summary", "rows")
            note = Comment(f"{status}\n{words}\n{rows}: {' '.join(a.ids)}", "vnreport")
            note.width, note.height = 320, min(420, 70 + 15 * (len(words) // 45 + len(a.texts) + 2))
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
        else:
            _missing(c)
        cells = [(ask.ask, WIDTHS["ask"]), (ask.unit, WIDTHS["unit"])]
        if first:
            cells += [(ask.template_title, WIDTHS["title"]), (ask.template_path, WIDTHS["path"])]
        ws.row_dimensions[r].height = LINE * min(5, max(lines_needed(x, w) for x, w in cells))
    ws.auto_filter.ref = f"A1:{ws.cell(row=1, column=len(names)).column_letter}{max(3, r)}"
    legend = [(PARTS_FILL, pgettext("summary", "parts added: the report gives the parts, not their total")),
              (CONFLICT_FILL, pgettext("summary", "figures disagree: the report gives two different figures; "
                                                  "the first is shown, the comment gives both")),
              (None, pgettext("summary", "not reported: the report gives no figure for this ask (not 0). Each "
                                         "figure's comment quotes the report; its link opens the review page."))]
    r += 1
    for fill, text in legend:
        r += 1
        c = ws.cell(row=r, column=3, value=text)
        c.font, c.alignment = NOTE_FONT, Alignment(wrap_text=True, vertical="top")
        if fill is not None:
            ws.cell(row=r, column=2).fill = fill
        ws.row_dimensions[r].height = LINE * lines_needed(text, WIDTHS["ask"])
    ws.freeze_panes = "D3"
    page_setup(ws)
    ws.print_title_rows = "1:2"
