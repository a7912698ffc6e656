"""summary.xlsx: sheets Summary (the sums, each cell commented with the row ids it adds), Values (every
indicator row with its template section, an Excel table for PivotTables), Mapping (as mapping.csv) and
Unmapped (the sections left unmapped and the values outside the outline, with why).

Readable as opened and as printed: frozen headers, filters, wrapped titles, widths that fit the content,
``#,##0`` numbers, one shade per template section, landscape pages fitted to the width.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from ..outputs.files import atomic_write, pgettext
from . import sums
from .mapping import MAPPING_COLUMNS
from .sheets import (BAND, GRID, LINE, SUBDUED, WRAP_TOP, header, lines_needed, page_setup, sheet_name,
                     translated, unique)

NUMERIC_KINDS = ("count", "money", "percent")
VALUE_FIRST = ["id", "doc_id", "template_path", "template_title", "kind", "value", "unit", "qualifier", "per",
               "summed", "reason", "section_path", "section_title", "method", "text"]


def number_format(v) -> str:
    return "#,##0" if float(v).is_integer() else "#,##0.0##"


def cell_value(kind: str, v: str):
    if v == "" or v is None:
        return None
    if kind in NUMERIC_KINDS:
        x = sums.number(v)
        if x is not None:
            return int(x) if x.is_integer() and abs(x) < 1e15 else x
    if kind == "date" and len(v) == 10 and v[4] == "-":
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return v
    return v


def summary_sheet(wb: Workbook, result) -> None:
    ws = wb.create_sheet(sheet_name("Summary"))
    t = result.table
    docs = list(result.columns.values())
    widths = {"template_path": 25, "template_title": 46, "kind": 8, "unit": 20}
    widths.update({d: 16 if len(d) > 12 else 12 for d in docs})
    names = translated(list(t.columns[:4])) + list(t.columns[4:])
    header(ws, names, dict(zip(names, [widths.get(c, 14) for c in t.columns])))
    ws.row_dimensions[1].height = LINE * max(lines_needed(c, widths.get(c, 14)) for c in t.columns) + 4
    band, last = False, None
    for r, rec in enumerate(t.itertuples(index=False), 2):
        ws.append([None if (isinstance(v, float) and pd.isna(v)) else v for v in rec])
        first = rec[0] != last  # the first row of a template section shows its title in full
        if first:
            band, last = not band, rec[0]
        for j in range(1, len(t.columns) + 1):
            c = ws.cell(row=r, column=j)
            c.border = GRID
            c.alignment = WRAP_TOP
            if band:
                c.fill = BAND
        if not first:  # the same path and title again: one grey line, so the numbers stay close together
            for j in (1, 2):
                c = ws.cell(row=r, column=j)
                c.alignment, c.font = Alignment(vertical="top"), SUBDUED
        wrapped = [rec[3]] + ([rec[0], rec[1]] if first else [])
        cols = [widths["unit"]] + ([widths["template_path"], widths["template_title"]] if first else [])
        ws.row_dimensions[r].height = LINE * max(lines_needed(x, w) for x, w in zip(wrapped, cols))
        for j, d in enumerate(docs, 5):
            c = ws.cell(row=r, column=j)
            ids = result.ids.get((r - 2, d))
            if ids is None:
                continue
            c.number_format = number_format(c.value)
            c.alignment = Alignment(vertical="top", horizontal="right")
            note = Comment(pgettext("summary", "sum of {n} value(s):").format(n=len(ids)) + "\n" + "\n".join(ids),
                           "vnreport")
            note.width, note.height = 220, min(400, 40 + 15 * len(ids))
            c.comment = note
    ws.freeze_panes = "E2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(t.columns))}{max(2, len(t) + 1)}"
    page_setup(ws)


def values_sheet(wb: Workbook, values: pd.DataFrame) -> None:
    ws = wb.create_sheet(sheet_name("Values"))
    cols = [c for c in VALUE_FIRST if c in values.columns] + [c for c in values.columns if c not in VALUE_FIRST]
    widths = {"id": 24, "doc_id": 22, "template_path": 24, "template_title": 30, "kind": 9, "value": 14,
              "unit": 16, "reason": 26, "section_path": 22, "section_title": 28, "text": 28, "context": 50,
              "source_file": 22, "col": 24, "row": 18}
    names = unique(translated(cols))
    header(ws, names, {n: widths.get(c, 14) for n, c in zip(names, cols)}, wrap=False)
    ints = {"char_start", "char_end", "page", "table"}
    for rec in values[cols].itertuples(index=False):
        row = []
        kind = rec[cols.index("kind")]
        for c, v in zip(cols, rec):
            if c in ("value", "value_extracted"):
                v = cell_value(kind, v)
            elif c == "ref_date":
                v = cell_value("date", v)
            elif c in ints and isinstance(v, str) and v.isdigit():
                v = int(v)
            elif v == "":
                v = None
            row.append(v)
        ws.append(row)
    j = cols.index("value") + 1
    for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
        if isinstance(cell.value, (int, float)):
            cell.number_format = number_format(cell.value)
        elif isinstance(cell.value, dt.date):
            cell.number_format = "yyyy-mm-dd"
    ref = f"A1:{get_column_letter(len(cols))}{max(2, len(values) + 1)}"
    table = Table(displayName="Values", ref=ref)  # the table's name is for formulas: the same in every language
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)
    page_setup(ws, fit=False)


def plain_sheet(wb: Workbook, name: str, df: pd.DataFrame, widths: dict[str, float], formats: dict[str, str]) -> None:
    ws = wb.create_sheet(sheet_name(name))
    names = unique(translated(list(df.columns)))
    header(ws, names, {n: widths.get(c, 14) for n, c in zip(names, df.columns)}, wrap=False)
    for rec in df.itertuples(index=False):
        ws.append([None if (v == "" or (isinstance(v, float) and pd.isna(v))) else v for v in rec])
    for j, c in enumerate(df.columns, 1):
        for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
            cell.alignment = WRAP_TOP
            if c in formats and isinstance(cell.value, (int, float)):
                cell.number_format = formats[c]
    ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{max(2, len(df) + 1)}"
    page_setup(ws)


def unmapped_frame(result, template, sections: pd.DataFrame) -> pd.DataFrame:
    m = result.mapping
    v = result.values
    cols = ["doc_id", "section_path", "section_title", "why", "closest_template_path", "closest_score",
            "id", "kind", "value", "unit", "text"]
    rows = []
    for _, r in m[m["method"] == "unmapped"].iterrows():
        k = r["_closest"]
        close = template.nodes[int(k)].path if k is not None and k == k else ""
        why = pgettext("summary", "no template section close enough (best {score} < the threshold)").format(
            score=f"{r['score']:.2f}")
        vals = v[(v["doc_id"] == r["doc_id"]) & (v["section_path"] == r["section_path"])]
        base = [r["doc_id"], r["section_path"], r["section_title"], why, close, r["score"]]
        if vals.empty:
            rows.append(base + ["", "", "", "", ""])
        for _, x in vals.iterrows():
            rows.append(base + [x["id"], x["kind"], cell_value(x["kind"], x["value"]), x["unit"], x["text"]])
    outside = v[v["section_path"] == ""]
    for _, x in outside.iterrows():
        rows.append([x["doc_id"], "", x.get("section_title", ""),
                     pgettext("summary", "outside the numbered outline (preamble, closing, appendix)"), "", None, x["id"], x["kind"], cell_value(x["kind"], x["value"]), x["unit"], x["text"]])
    return pd.DataFrame(rows, columns=cols)


def write_workbook(path, result, template, sections: pd.DataFrame, asks=None) -> None:
    """``asks``: (answers, periods, review pages, OUTDIR) for the first sheet, the template's asks."""
    from .asks_sheet import asks_sheet

    def w(tmp):
        wb = Workbook()
        wb.remove(wb.active)
        if asks is not None:
            asks_sheet(wb, result, *asks)
        summary_sheet(wb, result)
        values_sheet(wb, result.values)
        plain_sheet(wb, "Mapping", result.mapping[MAPPING_COLUMNS],
                    {"doc_id": 24, "section_path": 26, "section_title": 44, "template_path": 26,
                     "template_title": 44, "score": 8, "method": 11}, {"score": "0.00"})
        plain_sheet(wb, "Unmapped", unmapped_frame(result, template, sections),
                    {"doc_id": 22, "section_path": 20, "section_title": 36, "why": 34, "closest_template_path": 24,
                     "closest_score": 9, "id": 24, "kind": 9, "value": 14, "unit": 16, "text": 36},
                    {"closest_score": "0.00", "value": "#,##0.##"})
        wb.save(tmp)

    atomic_write(path, w)
