"""Files: indicator, section and document rows → the contract's files, each written atomically.

A file is written to a temporary name in OUTDIR and renamed into place, so a crash never leaves a
half-written table behind (os.replace is atomic on one file system).
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pandas as pd

from ..records import DOCUMENT_COLUMNS, EXTRA_INDICATOR_COLUMNS, INDICATOR_COLUMNS, SECTION_COLUMNS


def atomic_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
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


def _excel_value(kind: str, value):
    if kind == "date" and isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


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
                    elif col == "ref_date" and v:
                        v = _excel_value("date", v)
                    row.append(v)
                ws.append(row)
            if name == "Indicators":
                for col in ("value", "ref_date"):
                    j = list(df.columns).index(col) + 1
                    for cell in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                        if isinstance(cell[0].value, dt.date):
                            cell[0].number_format = "yyyy-mm-dd"
            ws.freeze_panes = "A2"
            if ws.max_row >= 1 and ws.max_column >= 1:
                ws.auto_filter.ref = f"A1:{get_column_letter(ws.max_column)}{max(ws.max_row, 1)}"
            for j, col in enumerate(df.columns, 1):
                ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, len(col) + 2))
        wb.save(tmp)

    atomic_write(path, w)


def write_all(outdir: Path, indicators: list[dict], sections: list[dict], documents: list[dict]) -> dict:
    ind = frame(indicators, INDICATOR_COLUMNS + EXTRA_INDICATOR_COLUMNS)
    sec = frame(sections, SECTION_COLUMNS)
    docs = frame(documents, DOCUMENT_COLUMNS)
    for df, cols in ((ind, ["page", "table", "char_start", "char_end"]), (sec, ["page", "level"]),
                     (docs, ["pages", "chars", "indicators"])):
        for c in cols:
            df[c] = df[c].astype("Int64")
    write_csv(outdir / "indicators.csv", ind)
    write_csv(outdir / "sections.csv", sec)
    write_csv(outdir / "documents.csv", docs)
    write_xlsx(outdir / "indicators.xlsx", ind, sec, docs)
    return {"indicators": ind, "sections": sec, "documents": docs}
