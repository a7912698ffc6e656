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


XLSX_SHEETS = (("Indicators", "indicators"), ("Sections", "sections"), ("Documents", "documents"))
WIDTH_ROWS = 200  # column widths are measured on the header and the first rows of each sheet


def _blank(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v))


class XlsxStream:
    """The workbook written as rows arrive (openpyxl's write-only mode: rows go to disk, not memory), into a
    temporary file that ``close`` moves into place. Sheets ``Indicators`` (each row's ``review`` cell links to its
    place in the review page), ``Sections`` and ``Documents``; frozen header, filters, numbers as numbers, dates
    as dates, columns as wide as the first rows' values."""

    def __init__(self, path: Path, columns: dict[str, list[str]]):
        from openpyxl import Workbook

        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix="." + self.path.name + ".", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        self.wb = Workbook(write_only=True)
        self.columns = columns
        self.sheets, self.pending, self.rows = {}, {}, {}
        for name, key in XLSX_SHEETS:
            ws = self.wb.create_sheet(name)
            ws.freeze_panes = "A2"
            self.sheets[key], self.pending[key], self.rows[key] = ws, [list(columns[key])], 1

    def _cells(self, key: str, df: pd.DataFrame) -> list[list]:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        ws, cols = self.sheets[key], list(df.columns)
        kinds = df["kind"].tolist() if "kind" in df.columns else None
        link = Font(color="0563C1", underline="single")
        out = []
        for i, rec in enumerate(df.itertuples(index=False)):
            row = []
            for col, v in zip(cols, rec):
                if _blank(v):
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
                if key == "indicators" and col in ("value", "value_extracted", "ref_date"):
                    fmt = ("yyyy-mm-dd" if isinstance(v, dt.date) else None if isinstance(v, bool) else
                           "#,##0" if isinstance(v, int) else "#,##0.0##" if isinstance(v, float) else None)
                    if fmt:
                        c = WriteOnlyCell(ws, v)
                        c.number_format = fmt
                        v = c
                elif key == "indicators" and col == "review":  # each row links to its place in the page
                    row_ = dict(zip(cols, rec))
                    label = v if isinstance(v, str) and v else "review"
                    target = review_link(str(row_["doc_id"]), str(row_["id"]))
                    if len(target) <= 255:
                        # a HYPERLINK formula, not a cell hyperlink: openpyxl keeps every cell hyperlink of a
                        # write-only sheet in memory until the end (~0.5 kB a row, memory growing with the batch)
                        c = WriteOnlyCell(ws, f'=HYPERLINK("{target}","{label}")')
                    else:  # Excel's HYPERLINK takes at most 255 characters
                        c = WriteOnlyCell(ws, label)
                        c.hyperlink = target
                    c.font = link
                    v = c
                row.append(v)
            out.append(row)
        return out

    def add(self, key: str, df: pd.DataFrame) -> None:
        rows = self._cells(key, df)
        self.rows[key] += len(rows)
        if self.pending[key] is None:
            for r in rows:
                self.sheets[key].append(r)
            return
        self.pending[key].extend(rows)
        if len(self.pending[key]) > WIDTH_ROWS:
            self._flush(key)

    def _flush(self, key: str) -> None:
        from openpyxl.utils import get_column_letter

        ws, rows = self.sheets[key], self.pending[key]
        self.pending[key] = None
        for j, col in enumerate(self.columns[key], 1):  # wide enough for the header and the first rows' values
            seen = []
            for r in rows[1:WIDTH_ROWS + 1]:
                v = r[j - 1]
                v = v.value if hasattr(v, "coordinate") or type(v).__name__ == "WriteOnlyCell" else v
                if v is not None:
                    seen.append(len(str(v)) + (4 if isinstance(v, int) and v >= 1000 else 0))
            ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, len(col) + 3, *seen, 0) + 1)
        for r in rows:
            ws.append(r)

    def close(self) -> None:
        from openpyxl.utils import get_column_letter

        try:
            for key, ws in self.sheets.items():
                if self.pending[key] is not None:
                    self._flush(key)
                ws.auto_filter.ref = f"A1:{get_column_letter(len(self.columns[key]))}{self.rows[key]}"
            self.wb.save(self.tmp)
            os.chmod(self.tmp, 0o666 & ~UMASK)
            os.replace(self.tmp, self.path)
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        for ws in getattr(self, "sheets", {}).values():  # end the sheets' own temporary files cleanly
            try:
                ws.close()
                os.unlink(ws._writer.out)
            except Exception:  # noqa: BLE001 — best effort while already failing
                pass
        self.sheets = {}
        if os.path.exists(self.tmp):
            os.unlink(self.tmp)


def write_xlsx(path: Path, indicators: pd.DataFrame, sections: pd.DataFrame, documents: pd.DataFrame) -> None:
    x = XlsxStream(path, {"indicators": list(indicators.columns), "sections": list(sections.columns),
                          "documents": list(documents.columns)})
    try:
        for key, df in (("indicators", indicators), ("sections", sections), ("documents", documents)):
            x.add(key, df)
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
    previous complete files, never half ones. The CSV bytes are those ``write_all`` writes for the same rows."""

    def __init__(self, outdir: Path, xlsx: bool = True):
        self.outdir = Path(outdir)
        self.outdir.mkdir(parents=True, exist_ok=True)
        self.files, self.tmps = {}, {}
        try:
            for key in COLUMNS:
                fd, tmp = tempfile.mkstemp(prefix=f".{key}.csv.", suffix=".tmp", dir=self.outdir)
                os.close(fd)
                os.chmod(tmp, 0o666 & ~UMASK)
                self.tmps[key] = tmp
                f = self.files[key] = open(tmp, "w", encoding="utf-8-sig", newline="")
                typed_frame([], key).to_csv(f, index=False, lineterminator="\n")
            self.xlsx = XlsxStream(self.outdir / "indicators.xlsx", COLUMNS) if xlsx else None
        except BaseException:
            self.abort()
            raise

    def add(self, indicators: list[dict], sections: list[dict], document: dict) -> dict[str, pd.DataFrame]:
        """Append one document's rows; returns its three typed frames (for the review page and the DocBin)."""
        out = {}
        for key, rows in (("indicators", indicators), ("sections", sections), ("documents", [document])):
            df = out[key] = typed_frame(rows, key)
            if rows:
                df.to_csv(self.files[key], index=False, header=False, lineterminator="\n")
                if self.xlsx is not None:
                    self.xlsx.add(key, df)
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
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def read_tables(outdir: Path) -> dict[str, pd.DataFrame]:
    """The three tables of an OUTDIR (``read_table``)."""
    return {key: read_table(outdir / f"{key}.csv") for key in ("indicators", "sections", "documents")}


def write_tables(outdir: Path, tables: dict[str, pd.DataFrame]) -> None:
    for key in ("indicators", "sections", "documents"):
        write_csv(outdir / f"{key}.csv", tables[key])
    write_xlsx(outdir / "indicators.xlsx", tables["indicators"], tables["sections"], tables["documents"])
