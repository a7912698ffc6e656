"""Files: indicator, section and document rows → the contract's files, each written atomically.

A file is written to a temporary name in OUTDIR and renamed into place, so a crash never leaves a
half-written table behind (os.replace is atomic on one file system).
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from ..records import DOCUMENT_COLUMNS, EXTRA_INDICATOR_COLUMNS, INDICATOR_COLUMNS, SECTION_COLUMNS


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = _umask()


def atomic_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~UMASK)  # mkstemp makes 0600; outputs get the user's normal permissions
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_text(path: Path, text: str) -> None:
    def w(tmp):
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)

    atomic_write(path, w)


def frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns)
    if "value" in columns:  # numbers, dates and codes share the column: keep each value as it is (no 1.0)
        df["value"] = pd.Series([r.get("value") for r in rows], dtype=object)
    return df


def write_csv(path: Path, df: pd.DataFrame) -> None:
    atomic_write(path, lambda tmp: df.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n"))


NUMERIC_KINDS = ("count", "money", "percent")
INT_COLUMNS = {"indicators": ["page", "table", "char_start", "char_end"], "sections": ["page", "level"],
               "documents": ["pages", "chars", "indicators"]}


def _excel_value(kind: str, value):
    if kind == "date" and isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if kind in NUMERIC_KINDS and isinstance(value, str) and value:  # a table read back from CSV
        try:
            f = float(value)
        except ValueError:
            return value
        return int(f) if f.is_integer() and "." not in value else f
    return value


def review_link(doc_id: str, row_id: str) -> str:
    """The review page's address of a row, relative to OUTDIR (where the workbook is)."""
    return f"review/{quote(doc_id)}.html#{quote(row_id, safe=':')}"


def write_xlsx(path: Path, indicators: pd.DataFrame, sections: pd.DataFrame, documents: pd.DataFrame) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    def w(tmp):
        wb = Workbook()
        wb.remove(wb.active)
        for name, df in (("Indicators", indicators), ("Sections", sections), ("Documents", documents)):
            ws = wb.create_sheet(name)
            ws.append(list(df.columns))
            kinds = df["kind"].tolist() if "kind" in df.columns else None
            for i, rec in enumerate(df.itertuples(index=False)):
                row = []
                for col, v in zip(df.columns, rec):
                    if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)):
                        v = None
                    elif col == "value" and kinds is not None:
                        v = _excel_value(kinds[i], v)
                    elif col == "value_extracted" and kinds is not None and v:
                        v = _excel_value(kinds[i], v)
                    elif col == "ref_date" and v:
                        v = _excel_value("date", v)
                    elif col in ("char_start", "char_end", "page", "table", "pages", "chars", "indicators",
                                 "level") and isinstance(v, str) and v.isdigit():
                        v = int(v)
                    row.append(v)
                ws.append(row)
            if name == "Indicators" and "review" in df.columns:  # each row links to its place in the page
                from openpyxl.styles import Font

                j = list(df.columns).index("review") + 1
                link = Font(color="0563C1", underline="single")
                for r, (doc_id, row_id, state) in enumerate(zip(df["doc_id"], df["id"], df["review"]), 2):
                    cell = ws.cell(row=r, column=j)
                    cell.value = state if isinstance(state, str) and state else "review"
                    cell.hyperlink = review_link(str(doc_id), str(row_id))
                    cell.font = link
            if name == "Indicators":
                for col in ("value", "value_extracted", "ref_date"):
                    j = list(df.columns).index(col) + 1
                    for cell in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                        v = cell[0].value
                        if isinstance(v, dt.date):
                            cell[0].number_format = "yyyy-mm-dd"
                        elif isinstance(v, bool):
                            pass
                        elif isinstance(v, int):
                            cell[0].number_format = "#,##0"
                        elif isinstance(v, float):
                            cell[0].number_format = "#,##0.0##"
            ws.freeze_panes = "A2"
            if ws.max_row >= 1 and ws.max_column >= 1:
                ws.auto_filter.ref = f"A1:{get_column_letter(ws.max_column)}{max(ws.max_row, 1)}"
            for j, col in enumerate(df.columns, 1):  # wide enough for the header and the first rows' values
                seen = [len(str(v)) + (4 if isinstance(v, int) and v >= 1000 else 0)
                        for v in (c.value for c, in ws.iter_rows(min_row=2, max_row=201, min_col=j, max_col=j))
                        if v is not None]
                ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, len(col) + 3, *seen, 0) + 1)
        wb.save(tmp)

    atomic_write(path, w)


def write_all(outdir: Path, indicators: list[dict], sections: list[dict], documents: list[dict]) -> dict:
    ind = frame(indicators, INDICATOR_COLUMNS + EXTRA_INDICATOR_COLUMNS)
    sec = frame(sections, SECTION_COLUMNS)
    docs = frame(documents, DOCUMENT_COLUMNS)
    for df, key in ((ind, "indicators"), (sec, "sections"), (docs, "documents")):
        for c in INT_COLUMNS[key]:
            df[c] = df[c].astype("Int64")
    tables = {"indicators": ind, "sections": sec, "documents": docs}
    write_tables(outdir, tables)
    return tables


def read_tables(outdir: Path) -> dict[str, pd.DataFrame]:
    """The three tables of an OUTDIR as written, every cell a string (empty for none), so that rewriting them
    changes nothing but what the caller changed."""
    out = {}
    for key in ("indicators", "sections", "documents"):
        out[key] = pd.read_csv(outdir / f"{key}.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return out


def write_tables(outdir: Path, tables: dict[str, pd.DataFrame]) -> None:
    for key in ("indicators", "sections", "documents"):
        write_csv(outdir / f"{key}.csv", tables[key])
    write_xlsx(outdir / "indicators.xlsx", tables["indicators"], tables["sections"], tables["documents"])
