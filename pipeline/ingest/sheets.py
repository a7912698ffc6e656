"""Spreadsheets (.xlsx, .xls, .ods): every sheet a table, read with the same table model as Word and PDF tables.

The text is a readable rendering of the workbook that the offsets index: per sheet, the sheet's name on a line of
its own (a paragraph), the title lines above its table (a paragraph each: "BIỂU TỔNG HỢP …", "Đơn vị tính:
người", as a Word report writes them above its table), then the table, one tab-joined ``table`` block a row with
its cells' offsets; a blank line between sheets. Entirely empty rows are skipped and columns empty in every row
dropped, so a stray cell far to the right or a spacer column costs nothing. Merged cells keep their value in the
top-left cell and leave the rest empty, as ``read_docx`` does for gridSpan/vMerge, so merged header rows give the
same column header paths as a Word table's.

Cells read as the analyst sees them in the workbook, written the Vietnamese way that the extraction rules read:
numbers by their number format (``#,##0`` → ``1.245``, ``0.0%`` → ``49,8%``, ``General`` 1234.0 → ``1234`` and
130.7 → ``130,7``; ``.`` groups thousands, ``,`` marks decimals), dates ``dd/mm/yyyy``, formulas by the value the
workbook saved for them (a formula never computed by a spreadsheet program, as libraries write them, is empty).
The words of a number format ("#,##0 \"đ\"", "[$₫-42A]") are left out: what a number counts comes from its
headers and the "Đơn vị tính" line, as in a Word table. Error values (#N/A, #DIV/0!) read as empty (``ERRORS``).

Readers:
- .xlsx: openpyxl (already a dependency), in read-only mode: it streams each sheet's rows instead of building the
  sheet in memory, gives every cell's number format (a percent cell stores 0.498 and shows 49,8%) and the value
  saved for a formula. Merged ranges, which read-only mode leaves out, are read from the sheet's XML here.
- .xls: xlrd, the reader of Excel 97–2003 files: values, number formats (``formatting_info``) and merged ranges.
- .ods: content.xml streamed with lxml, the format being plain XML: every cell carries its value, its type
  (float, percentage, currency, date …), the text LibreOffice shows (from which the decimals are taken) and its
  spans; covered cells are marked as such.
python-calamine 0.9.1 (Rust calamine) was tried first: it reads all three formats fast, but it gives no number formats
(a percent cell comes back as 0.498, which would read as 0,498%), merged ranges only for xlsx/xls, and it builds
each sheet as a dense grid from the first cell to the last: a workbook with one cell in A1 and one in XFD1048576
made it abort the whole process on a failed allocation, which no ``except`` catches — one bad file would end a
batch.

Hidden sheets are skipped: they hold the lookup lists behind drop-downs (codes such as 1660638226), scratch
work and old copies; what the district reports is on the sheets it shows, and a formula on a visible sheet that
draws on a hidden one shows its saved value. Chart sheets hold no cells.

Limits: reading stops after ``MAX_ROWS`` rows with text or ``MAX_CHARS`` characters of cell text in a workbook
(a register of every household, not a report), or after ``MAX_CELLS`` cells looked at (empty ones included); the
document stays ok with what was read, and a last line in its text says that the rest was not read.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

#: rows with text read from one workbook (every sheet together); a district's "Biểu kèm theo" has tens to a few
#: hundred, a list of all the province's units a few thousand
MAX_ROWS = 20_000
#: characters of cell text read from one workbook
MAX_CHARS = 2_000_000
#: cells looked at, empty ones included (a sheet formatted down to its last row stores a cell per row)
MAX_CELLS = 5_000_000
#: a line of the sheet's first rows standing alone above its table is a title line when no longer than this
TITLE_CHARS = 200
#: the last line of a workbook read only in part (no digits, so that no rule reads a value in it)
CUT_NOTE = ("(Phần còn lại của bảng tính không được đọc: bảng tính vượt giới hạn đọc "
            "(hai mươi nghìn dòng hoặc hai triệu ký tự).)")

#: ERRORS: a cell whose value is an error (#N/A, #DIV/0!, #REF!) is read as empty: it holds no figure, and a form
#: sent blank fills whole columns with them (a VLOOKUP waiting for its input shows #N/A on every row).
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
SPACE = re.compile(r"\s+")


@dataclass
class _Sheet:
    """Marks the start of a sheet in a reader's stream; the rows that follow are its rows."""

    name: str
    hidden: bool


class _Cut(Exception):
    """A limit was reached: the workbook is read up to here."""


# ------------------------------------------------------------------------------------------------ api
def read(path: Path, fmt: str, TextBuilder, IngestError):
    """The workbook at ``path`` as (text, blocks, pages=None). ``fmt`` (xlsx, xls or ods) is what its content shows
    (``ingest`` tells a file by its bytes: an .xlsx saved under .xls is read for what it is)."""
    stream = {"xlsx": _xlsx, "xls": _xls, "ods": _ods}[fmt]
    try:
        return _build(stream(path, IngestError), TextBuilder, IngestError)
    except IngestError:
        raise
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, TypeError, IndexError,
            AttributeError, struct.error, UnicodeDecodeError, OSError):
        raise IngestError(_damaged(fmt)) from None
    except Exception as e:  # lxml's and xlrd's own errors on a damaged file
        if type(e).__module__.split(".")[0] in ("lxml", "xlrd", "openpyxl", "xml"):
            raise IngestError(_damaged(fmt)) from None
        raise


_NAMES = {"xlsx": "the Excel .xlsx workbook", "xls": "the Excel 97–2003 .xls workbook",
          "ods": "the OpenDocument .ods spreadsheet"}


def _damaged(kind: str) -> str:
    return f"{_NAMES[kind]} is damaged and cannot be read; save it again from Excel or LibreOffice"


# ------------------------------------------------------------------------------------------- building
def _build(items, TextBuilder, IngestError):
    tb = TextBuilder()
    tno = 0
    rows: list[dict[int, str]] = []
    sheet: _Sheet | None = None
    hidden = 0
    nrows = nchars = 0
    cut = False

    def flush():
        nonlocal tno
        if sheet is None or not rows:
            return
        tno = _sheet_out(tb, sheet.name, rows, tno)

    try:
        for item in items:
            if isinstance(item, _Sheet):
                flush()
                sheet, rows = item, []
                hidden += item.hidden
                continue
            if not item:
                continue
            nrows += 1
            nchars += sum(map(len, item.values()))
            if nrows > MAX_ROWS or nchars > MAX_CHARS:
                raise _Cut
            rows.append(item)
    except _Cut:
        cut = True
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()  # the reader's files are closed by its generator's own ``finally``
    flush()
    if not tb.pos:
        more = " (hidden sheets are not read)" if hidden else ""
        raise IngestError(f"the workbook has no cells with text{more}")
    if cut:
        tb.add("\n")
        tb.add(CUT_NOTE, "paragraph")
        tb.add("\n")
    return tb.text(), tb.blocks, None


def _sheet_out(tb, name: str, rows: list[dict[int, str]], tno: int) -> int:
    """One sheet's lines: its name, the title lines above its table, then the table's rows."""
    k = 0
    if any(len(r) > 1 for r in rows):
        # "BIỂU TỔNG HỢP …", "(Kèm theo Báo cáo số …)", "Đơn vị tính: người": lines alone in the sheet's first
        # rows, above the first row with two cells, are the table's title as a Word report writes it; kept in
        # the table they would head every column's header path
        while k < len(rows) and len(rows[k]) == 1 and len(next(iter(rows[k].values()))) <= TITLE_CHARS:
            k += 1
    titles, table = rows[:k], rows[k:]
    if tb.pos:
        tb.add("\n")  # a blank line between sheets
    tb.add(_clean(name) or "Sheet", "paragraph", style="sheet")
    tb.add("\n")
    for r in titles:
        tb.add(next(iter(r.values())), "paragraph")
        tb.add("\n")
    if not table:
        return tno
    tno += 1
    cols = sorted(set().union(*table))  # columns with text in some row of the table; the others are dropped
    for i, r in enumerate(table):
        b = tb.add("\t".join(r.get(c, "") for c in cols), "table", table=tno, row=i)
        pos = b.start
        for c in tb.parts[-1].split("\t"):  # the row as added (cells hold no tabs)
            b.cells.append((pos, pos + len(c)))
            pos += len(c) + 1
        tb.add("\n")
    return tno


def _clean(s: str) -> str:
    """A cell's text on one line: line breaks and runs of spaces as one space, control characters dropped, NFC
    (so that the cells' offsets, counted here, stay those of the text)."""
    return unicodedata.normalize("NFC", SPACE.sub(" ", CONTROL.sub("", s)).strip())


class _Budget:
    """Counts the cells a reader looks at, empty ones included."""

    def __init__(self) -> None:
        self.cells = 0

    def spend(self, n: int) -> None:
        self.cells += n
        if self.cells > MAX_CELLS:
            raise _Cut


# --------------------------------------------------------------------------------------------- values
def show(value, fmt: str = "General") -> str:
    """A cell's value as the workbook shows it, written the Vietnamese way: ``.`` groups thousands, ``,`` marks
    decimals; dates dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d} {_clock(value.time())}"
    if isinstance(value, dt.date):
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    if isinstance(value, dt.time):
        return _clock(value)
    if isinstance(value, dt.timedelta):
        secs = int(value.total_seconds())
        return f"{secs // 3600}:{secs % 3600 // 60:02d}"
    if isinstance(value, (int, float)):
        return number(value, number_format(fmt))
    return _clean(str(value))


def _clock(t: dt.time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}" + (f":{t.second:02d}" if t.second else "")


@dataclass
class Format:
    """What a number format says about how a number is shown."""

    general: bool = True
    decimals: int = 0  # digits after the decimal mark (at most)
    min_decimals: int = 0  # digits shown even when zero ("0.0" 1, "0.##" 0)
    grouping: bool = False  # thousands grouped ("#,##0")
    percent: bool = False
    scale: int = 0  # thousands the number is divided by ("#,##0," shows 1234567 as 1.235)


QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')
PLACES = re.compile(r"[#0?][#0?,]*(?:\.[#0?]*)?,*|\.[#0?]+,*")


@lru_cache(maxsize=512)
def number_format(code: str | None) -> Format:
    """The first section of an Excel number format code ("#,##0.0%;-#,##0.0%") read into a ``Format``;
    General, text ("@") and scientific formats show a number as General does."""
    code = (code or "General").split(";")[0]
    bare = QUOTED.sub("", code)
    if "general" in bare.lower() or "E+" in bare.upper() or "E-" in bare.upper() or "/" in bare:
        return Format(percent="%" in bare)
    m = PLACES.search(bare)
    if not m:
        return Format(percent="%" in bare)
    part = m.group()
    body = part.rstrip(",")
    scale = len(part) - len(body)
    whole, _, frac = body.partition(".")
    return Format(general=False, decimals=sum(ch in "#0?" for ch in frac), min_decimals=frac.count("0"),
                  grouping="," in whole, percent="%" in bare, scale=scale)


def number(v: int | float, f: Format) -> str:
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return ""
    if f.percent:
        v = v * 100
    if f.scale:
        v = v / 1000 ** f.scale
    pct = "%" if f.percent else ""
    if f.general:
        return _general(v) + pct
    try:
        d = Decimal(repr(v)).quantize(Decimal(1).scaleb(-f.decimals), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return _general(v) + pct
    sign = "-" if d < 0 else ""
    whole, _, frac = f"{abs(d):f}".partition(".")
    frac = frac[:f.decimals]
    while len(frac) > f.min_decimals and frac.endswith("0"):
        frac = frac[:-1]
    if f.grouping:
        whole = _group(whole)
    if not frac and whole.strip("0.") == "":
        sign = ""
    return sign + whole + ("," + frac if frac else "") + pct


def _group(whole: str) -> str:
    head = len(whole) % 3 or 3
    return ".".join([whole[:head]] + [whole[i:i + 3] for i in range(head, len(whole), 3)])


def _general(v: int | float) -> str:
    """As Excel's General format: an integer as it is, else up to ten significant digits."""
    if isinstance(v, int) or (v.is_integer() and abs(v) < 1e15):
        return str(int(v))
    s = f"{v:.10g}"
    if "e" in s:
        s = f"{v:.12f}".rstrip("0").rstrip(".")
    return s.replace(".", ",")


def shown_format(value: float, shown: str, percent: bool) -> Format:
    """The format of a number from the text a spreadsheet shows for it ("1,245" for 1245: grouped; "49.8%" for
    0.498: one decimal), whatever the marks of the locale it was saved in; General when the text does not fit."""
    m = re.search(r"[0-9](?:[0-9.,\s\u00a0\u202f']*[0-9])?", shown or "")
    if not m:
        return Format(percent=percent)
    run = m.group()
    digits = re.sub(r"[^0-9]", "", run)
    v = abs(value * 100 if percent else value)
    for k in range(0, 16):
        if re.sub(r"[^0-9]", "", f"{v:.{k}f}").lstrip("0") == digits.lstrip("0"):
            marks = len(re.findall(r"[.,\s\u00a0\u202f']", run))
            return Format(general=False, decimals=k, min_decimals=k, grouping=marks > (1 if k else 0),
                          percent=percent)
    return Format(percent=percent)


# ---------------------------------------------------------------------------------------------- .xlsx
def _xlsx(path: Path, IngestError):
    import warnings

    import openpyxl

    # openpyxl warns of what it leaves out ("Data Validation extension is not supported") while it parses the
    # rows, that is between this generator's yields: its warnings are silenced for good (the same filter added
    # again replaces itself)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")
    budget = _Budget()
    fh = open(path, "rb")  # opened here: given a path, openpyxl refuses a name not ending .xlsx
    try:
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True, keep_links=False)
    except BaseException:
        fh.close()
        raise
    try:
        with zipfile.ZipFile(path) as z:
            parts = _xlsx_parts(z)
            for ws in wb.worksheets:
                if not hasattr(ws, "iter_rows"):
                    continue  # a chart sheet
                hidden = getattr(ws, "sheet_state", "visible") != "visible"
                yield _Sheet(ws.title, hidden)
                if hidden:
                    continue
                merged = _Merged(_xlsx_merges(z, parts.get(ws.title)))
                ws.reset_dimensions()  # the stored dimensions may be wrong: rows are read as they are
                for ri, row in enumerate(ws.iter_rows(), 1):
                    budget.spend(len(row) + 1)
                    cells: dict[int, str] = {}
                    covered = merged.row(ri)
                    for cell in row:
                        v = getattr(cell, "value", None)
                        if v is None or v == "" or cell.data_type == "e":
                            continue  # an error value (#N/A, #DIV/0!): see ERRORS
                        c = cell.column
                        if covered and any(c1 <= c <= c2 and not (ri == r1 and c == c1)
                                           for r1, c1, c2 in covered):
                            continue  # inside a merged range: only its top-left cell keeps its value
                        s = show(v, cell.number_format if isinstance(v, (int, float)) else "General")
                        if s:
                            cells[c] = s
                    yield cells
    finally:
        wb.close()
        fh.close()


def _xlsx_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the zip part holding its XML (from the workbook and its relationships)."""
    from lxml import etree

    try:
        book = etree.fromstring(z.read("xl/workbook.xml"), _xml_parser())
        rels = etree.fromstring(z.read("xl/_rels/workbook.xml.rels"), _xml_parser())
    except KeyError:
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for s in book.iter("{*}sheet"):
        rid = next((v for k, v in s.attrib.items() if k.endswith("}id")), None)
        t = targets.get(rid, "")
        if t:
            out[s.get("name")] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    return out


def _xlsx_merges(z: zipfile.ZipFile, part: str | None) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a sheet as (first row, first col, last row, last col), 1-based."""
    from lxml import etree
    from openpyxl.utils.cell import range_boundaries

    if not part or part not in z.namelist():
        return []
    out = []
    with z.open(part) as f:
        for _, el in etree.iterparse(f, tag="{*}mergeCell", resolve_entities=False, no_network=True):
            try:
                c1, r1, c2, r2 = range_boundaries(el.get("ref", ""))
            except (ValueError, TypeError):
                continue
            if None not in (c1, r1, c2, r2):
                out.append((r1, c1, r2, c2))
            el.clear()
    return out


class _Merged:
    """Merged ranges looked up row by row (rows in increasing order): the ranges covering the row."""

    def __init__(self, ranges: list[tuple[int, int, int, int]]) -> None:
        self.todo = sorted(ranges)
        self.i = 0
        self.active: list[tuple[int, int, int, int]] = []

    def row(self, r: int) -> list[tuple[int, int, int]]:
        while self.i < len(self.todo) and self.todo[self.i][0] <= r:
            self.active.append(self.todo[self.i])
            self.i += 1
        if self.active:
            self.active = [m for m in self.active if m[2] >= r]
        return [(r1, c1, c2) for r1, c1, _, c2 in self.active]


# ----------------------------------------------------------------------------------------------- .xls
def _xls(path: Path, IngestError):
    import xlrd

    budget = _Budget()
    log = io.StringIO()  # xlrd writes its warnings to a log file (stdout by default)
    try:
        bk = xlrd.open_workbook(str(path), formatting_info=True, ragged_rows=True, on_demand=True, logfile=log)
    except xlrd.XLRDError as e:
        if "encrypt" in str(e).lower():
            raise IngestError("the workbook is encrypted (password-protected); "
                              "save it without a password") from None
        raise
    try:
        for i in range(bk.nsheets):
            sh = bk.sheet_by_index(i)
            hidden = sh.visibility != 0
            yield _Sheet(sh.name, hidden)
            if hidden:
                bk.unload_sheet(i)
                continue
            covered = set()
            for rlo, rhi, clo, chi in sh.merged_cells:
                if (rhi - rlo) * (chi - clo) <= 100_000:
                    covered.update((r, c) for r in range(rlo, rhi) for c in range(clo, chi)
                                   if (r, c) != (rlo, clo))
            for r in range(sh.nrows):
                n = sh.row_len(r)
                budget.spend(n + 1)
                cells: dict[int, str] = {}
                for c in range(n):
                    cell = sh.cell(r, c)
                    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK) or (r, c) in covered:
                        continue
                    s = _xls_cell(bk, sh, r, c, cell, xlrd)
                    if s:
                        cells[c] = s
                yield cells
            bk.unload_sheet(i)
    finally:
        bk.release_resources()


def _xls_cell(bk, sh, r: int, c: int, cell, xlrd) -> str:
    if cell.ctype == xlrd.XL_CELL_TEXT:
        return _clean(cell.value)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return show(bool(cell.value))
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return ""  # see ERRORS
    fmt = "General"
    try:
        fmt = bk.format_map[bk.xf_list[sh.cell_xf_index(r, c)].format_key].format_str
    except (KeyError, IndexError, AttributeError):
        pass
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            t = xlrd.xldate.xldate_as_tuple(cell.value, bk.datemode)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return show(cell.value, fmt)
        if t[:3] == (0, 0, 0):
            return show(dt.time(*t[3:]))
        return show(dt.datetime(*t))
    return show(cell.value, fmt)


# ----------------------------------------------------------------------------------------------- .ods
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
ODS_SKIP = (OFFICE + "annotation", TEXT + "note")  # comments and notes inside a cell are not its text
ODS_SPACE = (TEXT + "s", TEXT + "tab", TEXT + "line-break")


def _ods(path: Path, IngestError):
    from lxml import etree

    budget = _Budget()
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        manifest = z.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
        if b"encryption-data" in manifest:
            raise IngestError("the spreadsheet is encrypted (password-protected); save it without a password")
        if "content.xml" not in names:
            raise IngestError("not a valid OpenDocument .ods spreadsheet (no content inside it)")
        hidden_styles: set[str] = set()
        with z.open("content.xml") as f:
            skipping = False
            depth = 0  # tables inside a cell (rare) are read as part of that cell, not as sheets
            for ev, el in etree.iterparse(f, events=("start", "end"), resolve_entities=False, no_network=True,
                                          tag=(TABLE + "table", TABLE + "table-row", STYLE + "style")):
                if el.tag == STYLE + "style":
                    if ev == "end":
                        props = el.find(STYLE + "table-properties")
                        if props is not None and props.get(TABLE + "display") == "false":
                            hidden_styles.add(el.get(STYLE + "name"))
                    continue
                if el.tag == TABLE + "table":
                    if ev == "start":
                        depth += 1
                        if depth == 1:
                            skipping = el.get(TABLE + "style-name") in hidden_styles
                            yield _Sheet(el.get(TABLE + "name") or "", skipping)
                    else:
                        depth -= 1
                        if depth == 0:
                            el.clear()
                    continue
                if ev != "end" or depth != 1:
                    continue
                repeat = int(el.get(TABLE + "number-rows-repeated") or 1)
                if not skipping:
                    cells = _ods_row(el, budget)
                    if cells:
                        for _ in range(min(repeat, MAX_ROWS + 1)):  # equal rows are stored once, repeated
                            yield dict(cells)
                    else:
                        budget.spend(1)
                el.clear()
                parent = el.getparent()
                while parent is not None and el.getprevious() is not None:
                    del parent[0]


def _ods_row(row, budget: _Budget) -> dict[int, str]:
    cells: dict[int, str] = {}
    c = 0
    for cell in row:
        if cell.tag not in (TABLE + "table-cell", TABLE + "covered-table-cell"):
            continue
        n = int(cell.get(TABLE + "number-columns-repeated") or 1)
        if cell.tag == TABLE + "table-cell" and (len(cell) or cell.get(OFFICE + "value-type")):
            s = _ods_cell(cell)
            if s:
                for k in range(min(n, 16_384)):  # equal cells side by side are stored once, repeated
                    cells[c + k] = s
                budget.spend(min(n, 16_384))
        c += n
    budget.spend(1)
    return cells


def _ods_cell(cell) -> str:
    if cell.get(CALCEXT + "value-type") == "error":
        return ""  # see ERRORS
    vt = cell.get(OFFICE + "value-type")
    shown = " ".join(_odf_text(p) for p in cell.iterchildren(TEXT + "p"))
    if vt in ("float", "percentage", "currency"):
        try:
            v = float(cell.get(OFFICE + "value"))
        except (TypeError, ValueError):
            return _clean(shown)
        f = shown_format(v, shown, vt == "percentage")
        return number(int(v) if v.is_integer() and abs(v) < 1e15 and f.general else v, f)
    if vt == "date":
        s = cell.get(OFFICE + "date-value") or ""
        try:
            return show(dt.datetime.fromisoformat(s) if "T" in s else dt.date.fromisoformat(s))
        except ValueError:
            return _clean(shown)
    if vt == "time":
        m = re.fullmatch(r"-?PT(\d+)H(\d+)M(\d+)(?:[.,]\d+)?S", cell.get(OFFICE + "time-value") or "")
        if m:
            return show(dt.timedelta(hours=int(m[1]), minutes=int(m[2]), seconds=int(m[3])))
        return _clean(shown)
    if vt == "boolean":
        return show((cell.get(OFFICE + "boolean-value") or "").lower() == "true")
    return _clean(shown or cell.get(OFFICE + "string-value") or "")


def _odf_text(el) -> str:
    out = [el.text or ""]
    for ch in el:
        if ch.tag in ODS_SPACE:
            out.append(" ")
        elif ch.tag not in ODS_SKIP:
            out.append(_odf_text(ch))
        out.append(ch.tail or "")
    return "".join(out)


def _xml_parser():
    """An XML parser that never loads an entity or a URL (the guard has refused DTDs already)."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True)
