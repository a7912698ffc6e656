"""Files: indicator, section and document rows → the contract's files, each written atomically.

A file is written to a temporary name in OUTDIR and renamed into place, so a crash never leaves a
half-written table behind (os.replace is atomic on one file system).
"""
from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..records import DOCUMENT_COLUMNS, EXTRA_INDICATOR_COLUMNS, INDICATOR_COLUMNS, SECTION_COLUMNS


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = _umask()

if TYPE_CHECKING:
    import pandas as pd
# pandas is imported where a whole table is read or written (the API, apply, summary), not in the batch's
# streaming writers: the batch's main process stays ~50 MB smaller


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
    import pandas as pd

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


XLSX_SHEETS = (("Indicators", "indicators"), ("Sections", "sections"), ("Documents", "documents"))
WIDTH_ROWS = 200  # column widths are measured on the header and the first rows of each sheet
EXCEL_ROWS = 1_048_576  # rows in an Excel sheet (the header included)
EXCEL_CELL = 32_767  # characters in an Excel cell


def _blank(v) -> bool:
    """None, NaN or pandas' NA (recognised without importing pandas)."""
    if v is None:
        return True
    t = type(v)
    if t is str or t is int:
        return False
    return (t is float and v != v) or t.__name__ == "NAType"


def as_text(v) -> str:
    """A cell as the CSV shows it (empty when missing)."""
    return "" if _blank(v) else str(v)


def records(df: pd.DataFrame) -> list[dict]:
    """A frame's rows as dicts in its column order."""
    cols = list(df.columns)
    return [dict(zip(cols, rec)) for rec in df.itertuples(index=False, name=None)]


def _sheet_class():
    from xlsxwriter.worksheet import Worksheet

    class LinkSheet(Worksheet):
        """The only formulas written here are ``HYPERLINK("…","…")``: XlsxWriter's scan of every formula for
        Excel 365's function names (some thirty regex substitutions a cell) has nothing to rename in them and
        was a fifth of the workbook's time."""

        def _prepare_formula(self, formula, expand_future_functions=False):
            return formula[1:] if formula.startswith("=") else formula

    return LinkSheet


class XlsxStream:
    """The workbook written as rows arrive, into a temporary file that ``close`` moves into place. Sheets
    ``Indicators`` (each row's ``review`` cell links to its place in the review page), ``Sections`` and
    ``Documents``; frozen header, filters, numbers as numbers, dates as dates, columns as wide as the first rows'
    values. A sheet that reaches Excel's 1,048,576 rows goes on in ``Indicators 2`` … (added after the others).

    XlsxWriter in constant-memory mode: each row goes to disk as it is written and strings are written in the
    row (openpyxl's write-only mode keeps every string in the workbook's shared-string table until the end, so
    the batch's memory grew with the number of rows; it also took ~3× the time)."""

    def __init__(self, path: Path, columns: dict[str, list[str]]):
        import xlsxwriter

        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix="." + self.path.name + ".", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        self.wb = xlsxwriter.Workbook(self.tmp, {"constant_memory": True, "tmpdir": str(self.path.parent),
                                                 "strings_to_numbers": False, "strings_to_formulas": False,
                                                 "strings_to_urls": False})
        self.sheet_class = _sheet_class()
        self.formats = {"int": self.wb.add_format({"num_format": "#,##0"}),
                        "float": self.wb.add_format({"num_format": "#,##0.0##"}),
                        "date": self.wb.add_format({"num_format": "yyyy-mm-dd"}),
                        "link": self.wb.add_format({"font_color": "#0563C1", "underline": 1})}
        self.columns = columns
        self.names = dict((key, name) for name, key in XLSX_SHEETS)
        self.sheets: dict[str, list] = {}  # key: its sheets, the last one being written (the others are full)
        self.rows: dict[str, int] = {}  # key: rows written in its last sheet (the header included)
        self.widths: dict[str, list[int]] = {}
        self.seen: dict[str, int] = {}
        for _, key in XLSX_SHEETS:
            self.sheets[key] = [self._sheet(key)]
            self.widths[key] = [len(c) + 3 for c in columns[key]]
            self.seen[key] = 0

    def _sheet(self, key: str):
        n = len(self.sheets.get(key, []))
        ws = self.wb.add_worksheet(self.names[key] + (f" {n + 1}" if n else ""), worksheet_class=self.sheet_class)
        ws.freeze_panes(1, 0)
        for j, col in enumerate(self.columns[key]):
            ws.write_string(0, j, col)
        self.rows[key] = 1
        return ws

    def _value(self, key: str, col: str, v, kind):
        if _blank(v):
            return None
        if col in ("value", "value_extracted") and kind is not None and v != "":
            return _excel_value(kind, v)
        if col == "ref_date" and v:
            return _excel_value("date", v)
        if col in ("char_start", "char_end", "page", "table", "pages", "chars", "indicators",
                   "level") and isinstance(v, str) and v.isdigit():
            return int(v)
        return v

    def _write(self, ws, r: int, j: int, key: str, col: str, v, rec: dict) -> None:
        fmt = self.formats
        if key == "indicators" and col == "review":  # each row links to its place in the page
            label = v if isinstance(v, str) and v else "review"
            target = review_link(str(rec["doc_id"]), str(rec["id"]))
            if len(target) <= 255:
                # a HYPERLINK formula rather than a cell hyperlink (a sheet holds at most 65,530 of those)
                ws.write_formula(r, j, f'=HYPERLINK("{target}","{label}")', fmt["link"], label)
            else:  # Excel's HYPERLINK takes at most 255 characters
                ws.write_url(r, j, target, fmt["link"], label)
        elif v is None or v == "":
            return
        elif isinstance(v, bool):
            ws.write_boolean(r, j, v)
        elif isinstance(v, (int, float)):
            ws.write_number(r, j, v, (fmt["int"] if isinstance(v, int) else fmt["float"])
                            if key == "indicators" and col in ("value", "value_extracted") else None)
        elif isinstance(v, dt.date):
            ws.write_datetime(r, j, v, fmt["date"])
        else:
            v = str(v)
            if len(v) > EXCEL_CELL:  # Excel's limit; the CSV keeps the whole text
                v = v[:EXCEL_CELL - 1] + "…"
            ws.write_string(r, j, v)

    def add(self, key: str, rows: list[dict]) -> None:
        cols, widths = self.columns[key], self.widths[key]
        for rec in rows:
            if self.rows[key] >= EXCEL_ROWS:
                self.sheets[key].append(self._sheet(key))
            ws, r = self.sheets[key][-1], self.rows[key]
            kind = rec.get("kind")
            measure = self.seen[key] < WIDTH_ROWS
            for j, col in enumerate(cols):
                v = self._value(key, col, rec.get(col), kind)
                self._write(ws, r, j, key, col, v, rec)
                if measure and v is not None:  # wide enough for the header and the first rows' values
                    widths[j] = max(widths[j], len(str(v)) + (4 if isinstance(v, int) and v >= 1000 else 0))
            self.rows[key] = r + 1
            self.seen[key] += 1

    def close(self) -> None:
        try:
            for key, sheets in self.sheets.items():
                for k, ws in enumerate(sheets):
                    for j, w in enumerate(self.widths[key]):
                        ws.set_column(j, j, min(60, max(8, w) + 1))
                    rows = self.rows[key] if k == len(sheets) - 1 else EXCEL_ROWS
                    ws.autofilter(0, 0, rows - 1, len(self.columns[key]) - 1)
            self.wb.close()
            os.chmod(self.tmp, 0o666 & ~UMASK)
            os.replace(self.tmp, self.path)
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        self.sheets = {}  # the sheets' row files are unnamed temporary files: gone with the workbook
        if os.path.exists(self.tmp):
            os.unlink(self.tmp)


def write_xlsx(path: Path, indicators: pd.DataFrame, sections: pd.DataFrame, documents: pd.DataFrame) -> None:
    x = XlsxStream(path, {"indicators": list(indicators.columns), "sections": list(sections.columns),
                          "documents": list(documents.columns)})
    try:
        for key, df in (("indicators", indicators), ("sections", sections), ("documents", documents)):
            x.add(key, records(df))
    except BaseException:
        x.abort()
        raise
    x.close()


COLUMNS = {"indicators": INDICATOR_COLUMNS + EXTRA_INDICATOR_COLUMNS, "sections": SECTION_COLUMNS,
           "documents": DOCUMENT_COLUMNS}


def typed_frame(rows: list[dict], key: str) -> pd.DataFrame:
    """One table's rows as the files write them (the integer columns nullable integers)."""
    df = frame(rows, COLUMNS[key])
    for c in INT_COLUMNS[key]:
        df[c] = df[c].astype("Int64")
    return df


class TableStream:
    """indicators.csv, sections.csv, documents.csv and indicators.xlsx written one document at a time: each into
    a temporary file in OUTDIR, moved into place by ``close`` (all four) — a batch that stops half-way leaves the
    previous complete files, never half ones. The CSV bytes are those ``write_all`` writes for the same rows
    (pandas' ``to_csv`` is the csv module with the same dialect; rows here are plain dicts, no frame built)."""

    def __init__(self, outdir: Path, xlsx: bool = True):
        self.outdir = Path(outdir)
        self.outdir.mkdir(parents=True, exist_ok=True)
        self.files, self.tmps, self.writers = {}, {}, {}
        try:
            for key, cols in COLUMNS.items():
                fd, tmp = tempfile.mkstemp(prefix=f".{key}.csv.", suffix=".tmp", dir=self.outdir)
                os.close(fd)
                os.chmod(tmp, 0o666 & ~UMASK)
                self.tmps[key] = tmp
                f = self.files[key] = open(tmp, "w", encoding="utf-8-sig", newline="")
                w = self.writers[key] = csv.writer(f, lineterminator="\n")
                w.writerow(cols)
            self.xlsx = XlsxStream(self.outdir / "indicators.xlsx", COLUMNS) if xlsx else None
        except BaseException:
            self.abort()
            raise

    def add(self, indicators: list[dict], sections: list[dict], document: dict) -> dict[str, list[dict]]:
        """Append one document's rows; returns them as the tables hold them (each a dict in the table's column
        order, for the review page and the DocBin)."""
        out = {}
        for key, rows in (("indicators", indicators), ("sections", sections), ("documents", [document])):
            cols = COLUMNS[key]
            recs = out[key] = [{c: r.get(c) for c in cols} for r in rows]
            if recs:
                self.writers[key].writerows(r.values() for r in recs)  # None is written empty
                if self.xlsx is not None:
                    self.xlsx.add(key, recs)
        return out

    def close(self) -> None:
        try:
            for f in self.files.values():
                f.close()
            if self.xlsx is not None:
                self.xlsx.close()
            for key, tmp in self.tmps.items():
                os.replace(tmp, self.outdir / f"{key}.csv")
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        for f in self.files.values():
            f.close()
        for tmp in self.tmps.values():
            if os.path.exists(tmp):
                os.unlink(tmp)
        if getattr(self, "xlsx", None) is not None:
            self.xlsx.abort()


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


def read_table(path: Path) -> pd.DataFrame:
    """One table of an OUTDIR as written, every cell a string (empty for none), so that rewriting it changes
    nothing but what the caller changed."""
    import pandas as pd

    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def read_tables(outdir: Path) -> dict[str, pd.DataFrame]:
    """The three tables of an OUTDIR (``read_table``)."""
    return {key: read_table(outdir / f"{key}.csv") for key in ("indicators", "sections", "documents")}


def write_tables(outdir: Path, tables: dict[str, pd.DataFrame]) -> None:
    for key in ("indicators", "sections", "documents"):
        write_csv(outdir / f"{key}.csv", tables[key])
    write_xlsx(outdir / "indicators.xlsx", tables["indicators"], tables["sections"], tables["documents"])
