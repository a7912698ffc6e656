"""Files: indicator, section and document rows → the contract's files, each written atomically.

A file is written to a temporary name in OUTDIR and renamed into place, so a crash never leaves a
half-written table behind (os.replace is atomic on one file system).
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..ingest.hygiene import writable
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


def _tmp_prefix(name: str) -> str:
    """The temporary file's prefix: the name's first characters (a name near the file system's 255 bytes would
    be too long with the prefix and the suffix around it)."""
    return "." + name[:40] + "."


def atomic_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_tmp_prefix(path.name), suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~UMASK)  # mkstemp makes 0600; outputs get the user's normal permissions
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def clean(s: str) -> str:
    """``s`` as UTF-8 can write it (``hygiene.writable``: a lone surrogate becomes U+FFFD, one character for one,
    so that offsets into the text stay right). The last resort: ingest mends every text it reads."""
    return writable(s)


def clean_rows(rows: list[dict]) -> list[dict]:
    """Rows whose strings UTF-8 can write (``clean``); the rows themselves when they all can (checked at once)."""
    strs = [v for r in rows for v in r.values() if type(v) is str]
    try:
        "\x1f".join(strs).encode("utf-8")
    except UnicodeEncodeError:
        return [{k: clean(v) if type(v) is str else v for k, v in r.items()} for r in rows]
    return rows


def encode_text(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return clean(text).encode("utf-8")


def write_bytes(path: Path, data: bytes) -> None:
    def w(tmp):
        with open(tmp, "wb") as f:
            f.write(data)

    atomic_write(path, w)


def write_text(path: Path, text: str) -> None:
    """A text file in UTF-8 as it is (no newline translation); a character UTF-8 cannot encode is replaced."""
    write_bytes(path, encode_text(text))


def frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    df = pd.DataFrame(rows, columns=columns)
    if "value" in columns:  # numbers, dates and codes share the column: keep each value as it is (no 1.0)
        df["value"] = pd.Series([r.get("value") for r in rows], dtype=object)
    return df


# ---------------------------------------------------------------- cells Excel would take for formulas
#
# indicators.csv has a BOM so that Excel opens it, and Excel evaluates a cell that begins with "=", "+", "-" or "@"
# (a context "- Tổ chức 12 hội nghị …" shows #NAME?); tab and carriage return can begin one too. As OWASP advises
# against CSV injection, such a cell of a column people read gets a leading "'" in the CSV; one that already
# begins with "'"s before such a character gets one more, so that ``unprotect`` gives back exactly what was
# written. Every reader of an OUTDIR's tables goes through ``unprotect`` (``read_table``: apply, the review pages
# rebuilt, the summary; ``vnreport eval``), so that round trips change nothing.
#
# Left exact, as programs compare them: indicators' ``text`` (the text file's span) and ``value`` (a no-year date
# ``--03-22``), and ``value_extracted`` (the value ``apply`` kept, the same kind of content); documents' ``issued``
# and ``period`` (normalised values too). Every other column of the three tables is protected: doc_id and
# source_file (a file name may begin with "-"), row ids, units, sections' labels and titles, contexts, documents'
# titles and reasons. The workbook is not protected: XlsxWriter writes strings as strings (the analyst's file,
# showing each text as written); the CSV is for programs.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
EXACT = {"indicators": frozenset({"text", "value", "value_extracted"}), "sections": frozenset(),
         "documents": frozenset({"issued", "period"})}


def protect(v):
    """A CSV cell Excel shows as written (see above); any other value as it is."""
    return "'" + v if type(v) is str and v and _FORMULA.match(v) else v


def unprotect(v):
    """The cell ``protect`` was given."""
    return v[1:] if type(v) is str and v[:1] == "'" and _FORMULA.match(v, 1) else v


def unprotect_row(key: str, row: dict) -> dict:
    """A row of ``key``'s CSV as read by the csv module, with the protection taken off (in place)."""
    exact = EXACT.get(key, frozenset())
    for c, v in row.items():
        if c not in exact and type(v) is str and v[:1] == "'":
            row[c] = unprotect(v)
    return row


def _table_key(path: Path) -> str | None:
    return path.stem if path.suffix == ".csv" and path.stem in EXACT else None


def _frame_cells(df: pd.DataFrame, key: str, fn, first: list[str]) -> pd.DataFrame:
    """``df`` with ``fn`` applied to the cells of its protected columns that begin with one of ``first`` (a copy
    when any does: the caller's frame is left as it was)."""
    out = df
    for c in df.columns:
        if c in EXACT[key] or df[c].dtype.kind in "iufbmM":
            continue
        try:
            hit = df[c].str[:1].isin(first)
        except AttributeError:  # no strings in the column
            continue
        if hit.any():
            new = df.loc[hit, c].map(fn)
            if out is df:
                out = df.copy()
            out.loc[hit, c] = new
    return out


def write_csv(path: Path, df: pd.DataFrame, key: str | None = None) -> None:
    """A table as CSV with a BOM; ``key`` (indicators, sections, documents) protects its cells (see above)."""
    if key is not None:
        df = _frame_cells(df, key, protect, ["'", "=", "+", "-", "@", "\t", "\r"])
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


# ---------------------------------------------------------------- the review pages' names
#
# A document's review page is ``review/<doc_id>.html`` where that name is short and portable: at most 100
# characters and 150 bytes, letters and digits of any script (in NFC, the form every system keeps) with spaces and
# the punctuation below, not beginning with a space, a dot or a dash, not ending with a space or a dot, not a name
# Windows reserves (CON, NUL, COM1 …), not "index". So no character Windows forbids (<>:"/\|?*), no control
# characters, no "#" or "%" (a link would read them as its fragment or an escape). Otherwise, and for all the
# documents of a run whose names differ only in case or Unicode form (they would be one file on Windows and macOS),
# the page is a readable ASCII slug of the doc_id with a short hash of it: ``Bao-cao-ket-qua-…-1f2e3d4c.html``.
# The name depends only on the doc_id and, for those twins, on the run's doc_ids: the same inputs give the same
# names. documents.csv's ``review_page`` keeps it for every ok document; every link reads it from there.
PAGE_PUNCT = frozenset(" -_.,()[]+=!~&;'@$")
PAGE_CHARS, PAGE_BYTES, SLUG_CHARS = 100, 150, 40
_RESERVED = re.compile(r"(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])", re.I)
LINK_CHARS = 255  # a HYPERLINK formula's target, at most


def _page_char(c: str) -> bool:
    return c in PAGE_PUNCT or unicodedata.category(c)[0] in "LNM"


def portable(doc_id: str) -> bool:
    """Whether ``<doc_id>.html`` is a short, portable file name (see above; twins aside)."""
    if not doc_id or len(doc_id) > PAGE_CHARS or doc_id[0] in " .-" or doc_id[-1] in " .":
        return False
    if not all(map(_page_char, doc_id)) or unicodedata.normalize("NFC", doc_id) != doc_id:
        return False
    if len(doc_id.encode("utf-8")) + 5 > PAGE_BYTES:
        return False
    return doc_id.casefold() != "index" and not _RESERVED.fullmatch(doc_id.split(".")[0].rstrip(" "))


def page_slug(doc_id: str, digits: int = 8) -> str:
    """A short unique name: the doc_id's letters without marks, ASCII, then a hash of the doc_id."""
    h = hashlib.sha256(doc_id.encode("utf-8", "surrogatepass")).hexdigest()[:digits]
    s = unicodedata.normalize("NFKD", doc_id.replace("đ", "d").replace("Đ", "D"))
    s = re.sub(r"[^A-Za-z0-9]+", "-", "".join(c for c in s if not unicodedata.combining(c))).strip("-")
    if len(s) > SLUG_CHARS:
        s = s[:SLUG_CHARS]
        s = s[:s.rfind("-")] if s.rfind("-") > SLUG_CHARS // 2 else s
    return f"{s or 'doc'}-{h}.html"


def page_name(doc_id: str) -> str:
    """The review page's file name of ``doc_id`` alone (``page_names`` also parts the run's twins)."""
    return f"{doc_id}.html" if portable(doc_id) else page_slug(doc_id)


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def page_names(doc_ids) -> dict[str, str]:
    """doc_id → its review page's file name, for the doc_ids of a run: names that would be one file where case
    or Unicode form do not count are slugs, all of them (whatever the order of the inputs)."""
    names = {d: page_name(d) for d in dict.fromkeys(doc_ids)}
    seen = {}
    for n in names.values():
        seen[_fold(n)] = seen.get(_fold(n), 0) + 1
    for d, n in names.items():
        if seen[_fold(n)] > 1 and n == f"{d}.html":
            names[d] = page_slug(d)
    digits = 8
    while True:  # a slug that meets another name (a hash's first digits in common): longer hashes for those
        by: dict[str, list[str]] = {}
        for d, n in names.items():
            by.setdefault(_fold(n), []).append(d)
        twins = [d for ds in by.values() if len(ds) > 1 for d in ds]
        if not twins or digits >= 64:
            return names
        digits *= 2
        for d in twins:
            names[d] = page_slug(d, digits)


REVIEW_DIR = "review/"


def valid_page(v) -> str:
    """documents.csv's ``review_page`` when it is a page of OUTDIR's review folder, else ""."""
    if not isinstance(v, str) or not v.startswith(REVIEW_DIR) or not v.endswith(".html"):
        return ""
    name = v[len(REVIEW_DIR):]
    return v if name and name != "index.html" and not set("/\\\0") & set(name) and name not in (".", "..") else ""


def review_pages(documents: list[dict]) -> dict[str, str]:
    """doc_id → its review page's path relative to OUTDIR: documents.csv's ``review_page``, or for an OUTDIR
    written before that column, the name computed from the run's doc_ids."""
    names = page_names(as_text(d.get("doc_id")) for d in documents)
    return {as_text(d.get("doc_id")): valid_page(d.get("review_page")) or REVIEW_DIR + names[as_text(d.get("doc_id"))]
            for d in documents}


def _anchor_char(c: str) -> bool:
    return c == ":" or _page_char(c)


def review_link(page: str, row_id: str, doc_id: str = "") -> str:
    """The review page's address of a row, relative to OUTDIR (where the workbook is), as Excel's HYPERLINK takes
    it: at most 255 characters. ``page`` is the page's path (``review/….html``), its name already portable; the
    row's id is the fragment when it fits and holds only such characters (no "#", "%", quotes), else its number
    (the page takes ``#12`` for ``<doc_id>:12``), else none: the link always opens the page."""
    row_id = str(row_id)
    if len(page) + 1 + len(row_id) <= LINK_CHARS and all(map(_anchor_char, row_id)):
        return f"{page}#{row_id}"
    tail = row_id[len(doc_id) + 1:] if doc_id and row_id.startswith(doc_id + ":") else ""
    if tail.isdigit() and len(page) + 1 + len(tail) <= LINK_CHARS:
        return f"{page}#{tail}"
    return page if len(page) <= LINK_CHARS else ""


XLSX_SHEETS = (("Indicators", "indicators"), ("Sections", "sections"), ("Documents", "documents"))  # the contract's


# ---------------------------------------------------------------- the workbook's words
#
# The workbook is the analyst's file: its sheet names and headings are in the language of the run (Vietnamese by
# default, the contract's names with ``--lang en``). Its values are those of the CSVs whatever the language: the
# kinds (count, money …), origins, statuses, review states and reasons are the contract's codes, which filters,
# formulas (COUNTIFS(…;"money")), the review pages, decisions.csv and summary.xlsx share; a Vietnamese heading's
# comment says what each code means and which CSV column it is. The English words are the msgids (with a context:
# "sheet", "column", "kind" …), so that English gives back the contract's names exactly.


def pgettext(context: str, msgid: str, lang: str | None = None) -> str:
    """``msgid`` in ``context`` (gettext's msgctxt) in ``lang`` (default: the current language)."""
    from .. import i18n

    return i18n.translations(i18n.resolve(lang) if lang else i18n.current()).pgettext(context, msgid)


def sheet_names(lang: str | None = None) -> dict[str, str]:
    """table → its sheet's name in ``lang`` (at most 31 characters, none of []:*?/\\)."""
    return {"indicators": pgettext("sheet", "Indicators", lang), "sections": pgettext("sheet", "Sections", lang),
            "documents": pgettext("sheet", "Documents", lang)}


def kind_name(kind: str, lang: str | None = None) -> str:
    """An indicator kind in words (``count`` → ``số lượng``); an unknown kind as it is."""
    names = {"count": pgettext("kind", "count", lang), "money": pgettext("kind", "money", lang),
             "percent": pgettext("kind", "percent", lang), "ratio": pgettext("kind", "ratio", lang),
             "date": pgettext("kind", "date", lang), "period": pgettext("kind", "period", lang),
             "doc_ref": pgettext("kind", "doc_ref", lang), "table_cell": pgettext("kind", "table_cell", lang)}
    return names.get(kind, kind)


def headings(key: str, lang: str | None = None) -> dict[str, str]:
    """table → {CSV column: the workbook's heading in ``lang``} (English: the column's name)."""
    common = {
        "doc_id": pgettext("column", "doc_id", lang), "source_file": pgettext("column", "source_file", lang),
        "kind": pgettext("column", "kind", lang), "value": pgettext("column", "value", lang),
        "unit": pgettext("column", "unit", lang), "qualifier": pgettext("column", "qualifier", lang),
        "doc_type": pgettext("column", "doc_type", lang), "ref_date": pgettext("column", "ref_date", lang),
        "section_path": pgettext("column", "section_path", lang),
        "section_title": pgettext("column", "section_title", lang), "origin": pgettext("column", "origin", lang),
        "text": pgettext("column", "text", lang), "context": pgettext("column", "context", lang),
        "char_start": pgettext("column", "char_start", lang), "char_end": pgettext("column", "char_end", lang),
        "page": pgettext("column", "page", lang), "table": pgettext("column", "table", lang),
        "row": pgettext("column", "row", lang), "col": pgettext("column", "col", lang),
        "per": pgettext("column", "per", lang), "id": pgettext("column", "id", lang),
        "total": pgettext("column", "total", lang), "note": pgettext("column", "note", lang),
        "review": pgettext("column", "review", lang),
        "value_extracted": pgettext("column", "value_extracted", lang),
        "review_note": pgettext("column", "review_note", lang),
        "level": pgettext("column", "level", lang), "label": pgettext("column", "label", lang),
        "format": pgettext("column", "format", lang), "status": pgettext("column", "status", lang),
        "error": pgettext("column", "error", lang), "pages": pgettext("column", "pages", lang),
        "chars": pgettext("column", "chars", lang), "indicators": pgettext("column", "indicators", lang),
        "seconds": pgettext("column", "seconds", lang), "issuer": pgettext("column", "issuer", lang),
        "number": pgettext("column", "number", lang), "issued": pgettext("column", "issued", lang),
        "period": pgettext("column", "period", lang), "sha256": pgettext("column", "sha256", lang),
        "review_page": pgettext("column", "review_page", lang),
    }
    own = {"sections": {"title": pgettext("section column", "title", lang)},
           "documents": {"title": pgettext("document column", "title", lang)}}.get(key, {})
    return {col: own.get(col) or common.get(col) or col for col in COLUMNS[key]}


def heading_notes(key: str, lang: str | None = None) -> dict[str, str]:
    """CSV column → the comment on its heading: which CSV column it is and what its codes mean (none in English,
    where the heading is the column's name and the codes are words)."""
    from .. import i18n

    if (lang and i18n.resolve(lang) or i18n.current()) == i18n.SOURCE:
        return {}
    column = pgettext("note", "{table}.csv column: {column}", lang)
    legends = {
        "kind": ", ".join(f"{k} = {kind_name(k, lang)}" for k in
                          ("count", "money", "percent", "ratio", "date", "period", "doc_ref")),
        "origin": pgettext("note", "body = body text, footnote = footnote, table = table", lang),
        "total": pgettext("note", "yes = the total row of a table", lang),
        "review": pgettext("note", "ok = right, wrong = wrong, fixed = corrected (the value extracted is in "
                                   "value_extracted); empty = not yet reviewed, the link opens the review page",
                           lang),
        "status": pgettext("note", "ok = read, failed = not read (the reason is in the next column), "
                                   "skipped = not a report", lang),
        "qualifier": pgettext("note", "a word that bounds the value: trên, gần, từ, đến …", lang),
    }
    out = {}
    for col in COLUMNS[key]:
        note = column.format(table=key, column=col)
        legend = legends.get(col) if key in ("indicators", "documents") else None
        out[col] = note + ("\n" + legend if legend else "")
    return out


def note_legend(lang: str | None = None) -> str:
    """The comment on the note column's heading: what its orange rows mean and how to keep only them, then (in a
    language other than the notes' own English) the notes the review pages' catalogue knows, in words."""
    from .. import i18n
    from .review.templates import catalogue, tr

    lang = i18n.resolve(lang) if lang else i18n.current()
    strings = catalogue(lang)
    lines, said = [tr(strings, "workbook.note_legend")], set()
    if lang != i18n.SOURCE:
        for k, v in strings.items():
            if k.startswith("note.") and isinstance(v, str) and v not in said:
                said.add(v)
                lines.append(f"{k[5:]} = {v}")
    return "\n".join(lines)


def workbook_lang(path: Path) -> str | None:
    """The language an ``indicators.xlsx`` was written in (by its first sheet's name), None when not known."""
    from zipfile import BadZipFile

    from .. import i18n

    try:
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        try:
            first = wb.sheetnames[0] if wb.sheetnames else ""
        finally:
            wb.close()
    except (OSError, BadZipFile, KeyError, ValueError):
        return None
    return next((lang for lang in i18n.LANGS if sheet_names(lang)["indicators"] == first), None)


def find_sheet(wb, key: str):
    """``key``'s sheet of an ``indicators.xlsx`` opened with openpyxl, whatever the language it was written in: by
    its name in any language, else by its place (Indicators, Sections, Documents are the first three)."""
    from .. import i18n

    for lang in i18n.LANGS:
        name = sheet_names(lang)[key]
        if name in wb.sheetnames:
            return wb[name]
    return wb.worksheets[[k for _, k in XLSX_SHEETS].index(key)]


def column_names(key: str, header) -> list[str]:
    """The CSV columns of a sheet's heading row, whatever its language (a heading not known is kept)."""
    from .. import i18n

    back = {}
    for lang in i18n.LANGS:
        for col, head in headings(key, lang).items():
            back.setdefault(head, col)
    return [back.get(h, h) for h in header]


WIDTH_ROWS = 200  # column widths are measured on the header and the first rows of each sheet
EXCEL_ROWS = 1_048_576  # rows in an Excel sheet (the header included)
EXCEL_CELL = 32_767  # characters in an Excel cell
EXCEL_LITERAL = 255  # characters in a string inside a formula
# how a cell is written
STRING, NUMBER, FORMULA, DATE, BOOLEAN, BLANK = "string", "number", "formula", "date", "boolean", "blank"
NOTED_FILL = "#FCE4D6"  # a row with a note (a value to check first): light orange, as the review page marks it
NOTED_INK = "#9C4A00"  # its note cell's text


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
    ``Documents``, named and headed in ``lang`` (default: the current language; ``Chỉ tiêu``, ``Mục``, ``Tài liệu``
    in Vietnamese); frozen header, filters, numbers as numbers, dates as dates, columns as wide as the first rows'
    values. A sheet that reaches Excel's 1,048,576 rows goes on in ``Indicators 2`` … (added after the others).
    An indicator row with a ``note`` (a value to check first) is filled light orange from end to end, its note in
    dark orange; the note column's heading is orange too and its comment says so in the run's language (words from
    the review pages' catalogue, which also names the notes it knows): filtering that column to its non-blank cells
    leaves the rows to check first.

    XlsxWriter in constant-memory mode: each row goes to disk as it is written and strings are written in the
    row (openpyxl's write-only mode keeps every string in the workbook's shared-string table until the end, so
    the batch's memory grew with the number of rows; it also took ~3× the time)."""

    def __init__(self, path: Path, columns: dict[str, list[str]], lang: str | None = None):
        import xlsxwriter

        from .. import i18n

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
                        "link": self.wb.add_format({"font_color": "#0563C1", "underline": 1}),
                        "head": self.wb.add_format({"bold": True})}
        # a row with a note: each cell's own format with the fill (formats are per cell in constant-memory mode)
        fill = {"bg_color": NOTED_FILL, "pattern": 1}
        self.noted = {None: self.wb.add_format(fill),
                      "int": self.wb.add_format({**fill, "num_format": "#,##0"}),
                      "float": self.wb.add_format({**fill, "num_format": "#,##0.0##"}),
                      "date": self.wb.add_format({**fill, "num_format": "yyyy-mm-dd"}),
                      "link": self.wb.add_format({**fill, "font_color": "#0563C1", "underline": 1}),
                      "note": self.wb.add_format({**fill, "font_color": NOTED_INK, "bold": True}),
                      "head": self.wb.add_format({**fill, "bold": True, "font_color": NOTED_INK})}
        self.noted_of = {id(self.formats[k]): self.noted[k] for k in ("int", "float", "date", "link")}
        self.columns = columns
        self.lang = i18n.resolve(lang) if lang else i18n.current()
        self.names = sheet_names(self.lang)
        self.heads = {key: [headings(key, self.lang).get(c, c) if key in COLUMNS else c for c in cols]
                      for key, cols in columns.items()}
        self.notes = {key: heading_notes(key, self.lang) if key in COLUMNS else {} for key in columns}
        if "note" in columns.get("indicators", ()):
            legend = note_legend(self.lang)
            own = self.notes["indicators"].get("note")
            self.notes["indicators"]["note"] = own + "\n" + legend if own else legend
        self.link_label = pgettext("link", "review", self.lang)
        self.sheets: dict[str, list] = {}  # key: its sheets, the last one being written (the others are full)
        self.rows: dict[str, int] = {}  # key: rows written in its last sheet (the header included)
        self.widths: dict[str, list[int]] = {}
        self.seen: dict[str, int] = {}
        for _, key in XLSX_SHEETS:
            self.sheets[key] = [self._sheet(key)]
            self.widths[key] = [len(h) + 3 for h in self.heads[key]]
            self.seen[key] = 0

    def _sheet(self, key: str):
        n = len(self.sheets.get(key, []))
        ws = self.wb.add_worksheet(self.names[key] + (f" {n + 1}" if n else ""), worksheet_class=self.sheet_class)
        ws.freeze_panes(1, 0)
        notes = self.notes[key]
        for j, (col, head) in enumerate(zip(self.columns[key], self.heads[key])):
            ws.write_string(0, j, head, self.noted["head"] if key == "indicators" and col == "note"
                            else self.formats["head"])
            if notes.get(col):
                # tall enough for its lines (some 42 characters a line at twice the usual width)
                lines = sum(-(-len(line) // 42) or 1 for line in notes[col].split("\n"))
                ws.write_comment(0, j, notes[col], {"x_scale": 2, "y_scale": max(1.2, 0.22 * lines)})
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

    def _cell(self, key: str, col: str, v, rec: dict, pages: dict | None):
        """How one cell is written: (how, value, format), None for an empty cell."""
        fmt = self.formats
        if key == "indicators" and col == "review":  # each row links to its place in the page
            label = v if isinstance(v, str) and v else self.link_label
            doc_id = as_text(rec.get("doc_id"))
            page = (pages or {}).get(doc_id) or REVIEW_DIR + page_name(doc_id)
            target = review_link(page, as_text(rec.get("id")), doc_id)
            if not target:
                return (STRING, label, None)
            # a HYPERLINK formula rather than a cell hyperlink (a sheet holds at most 65,530 of those); its
            # strings in double quotes, a quote doubled (the names the batch gives and the fragment hold none)
            target, text = target.replace('"', '""'), label[:EXCEL_LITERAL].replace('"', '""')
            return (FORMULA, f'=HYPERLINK("{target}","{text}")', fmt["link"], label)
        if v is None or v == "":
            return None
        if isinstance(v, bool):
            return (BOOLEAN, v, None)
        if isinstance(v, (int, float)):
            return (NUMBER, v, (fmt["int"] if isinstance(v, int) else fmt["float"])
                    if key == "indicators" and col in ("value", "value_extracted") else None)
        if isinstance(v, dt.date):
            return (DATE, v, fmt["date"])
        v = str(v)
        if len(v) > EXCEL_CELL:  # Excel's limit; the CSV keeps the whole text
            v = v[:EXCEL_CELL - 1] + "…"
        return (STRING, v, None)

    def prepare(self, key: str, rows: list[dict], pages: dict | None = None) -> list:
        """One document's rows as the cells to write, every value converted and every link built, nothing written:
        a row that cannot be converted leaves the workbook as it was (the sheets are streamed, a row once written
        stays). ``rows`` are writable (``clean_rows``); ``pages``: doc_id → its review page (``review_pages``)."""
        cols = self.columns[key]
        out = []
        note_at = cols.index("note") if key == "indicators" and "note" in cols else None
        for rec in rows:
            kind = rec.get("kind")
            values = [self._value(key, col, rec.get(col), kind) for col in cols]
            cells = [self._cell(key, col, v, rec, pages) for col, v in zip(cols, values)]
            if note_at is not None and values[note_at]:
                cells = self._noted(cells, note_at)
            out.append((values, cells))
        return out

    def _noted(self, cells: list, note_at: int) -> list:
        """A row to check first: every cell filled (an empty one too, so the row reads as one band), its note in
        dark orange."""
        out = []
        for j, cell in enumerate(cells):
            if cell is None:
                out.append((BLANK, None, self.noted[None]))
                continue
            fmt = self.noted["note"] if j == note_at else \
                self.noted_of.get(id(cell[2]), self.noted[None]) if cell[2] is not None else self.noted[None]
            out.append((cell[0], cell[1], fmt, *cell[3:]))
        return out

    def write(self, key: str, prepared: list) -> None:
        """Rows as ``prepare`` gave them."""
        widths = self.widths[key]
        for values, cells in prepared:
            if self.rows[key] >= EXCEL_ROWS:
                self.sheets[key].append(self._sheet(key))
            ws, r = self.sheets[key][-1], self.rows[key]
            for j, cell in enumerate(cells):
                if cell is None:
                    continue
                how = cell[0]
                if how is STRING:
                    ws.write_string(r, j, cell[1], cell[2])
                elif how is NUMBER:
                    ws.write_number(r, j, cell[1], cell[2])
                elif how is FORMULA:
                    ws.write_formula(r, j, cell[1], cell[2], cell[3])
                elif how is DATE:
                    ws.write_datetime(r, j, cell[1], cell[2])
                elif how is BLANK:
                    ws.write_blank(r, j, None, cell[2])
                else:
                    ws.write_boolean(r, j, cell[1], cell[2])
            if self.seen[key] < WIDTH_ROWS:  # wide enough for the header and the first rows' values
                for j, v in enumerate(values):
                    if v is not None:
                        widths[j] = max(widths[j], len(str(v)) + (4 if isinstance(v, int) and v >= 1000 else 0))
            self.rows[key] = r + 1
            self.seen[key] += 1

    def add(self, key: str, rows: list[dict], pages: dict | None = None) -> None:
        # a string UTF-8 cannot write would fail when its row is flushed, later (TableStream.prepare hands over
        # rows already made writable)
        self.write(key, self.prepare(key, clean_rows(rows), pages))

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


def write_xlsx(path: Path, indicators: pd.DataFrame, sections: pd.DataFrame, documents: pd.DataFrame,
               lang: str | None = None) -> None:
    """The workbook of three tables, in ``lang`` (default: the current language)."""
    x = XlsxStream(path, {"indicators": list(indicators.columns), "sections": list(sections.columns),
                          "documents": list(documents.columns)}, lang)
    try:
        pages = review_pages(records(documents))
        for key, df in (("indicators", indicators), ("sections", sections), ("documents", documents)):
            x.add(key, records(df), pages)
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


@dataclass
class Prepared:
    """One document's rows ready to append (``TableStream.prepare``)."""

    records: dict[str, list[dict]]  # table → rows as dicts in the table's column order
    cells: dict[str, list[list]]  # table → CSV rows
    sheets: dict[str, list]  # table → workbook rows (``XlsxStream.prepare``)


class TableStream:
    """indicators.csv, sections.csv, documents.csv and indicators.xlsx written one document at a time: each into
    a temporary file in OUTDIR, moved into place by ``close`` (all four) — a batch that stops half-way leaves the
    previous complete files, never half ones. The CSV bytes are those ``write_all`` writes for the same rows
    (pandas' ``to_csv`` is the csv module with the same dialect; rows here are plain dicts, no frame built)."""

    def __init__(self, outdir: Path, xlsx: bool = True, lang: str | None = None):
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
            self.xlsx = XlsxStream(self.outdir / "indicators.xlsx", COLUMNS, lang) if xlsx else None
        except BaseException:
            self.abort()
            raise

    def prepare(self, indicators: list[dict], sections: list[dict], document: dict) -> Prepared:
        """One document's rows made ready to append, nothing written: each a dict in its table's column order
        (``records``, for the review page and the DocBin; strings UTF-8 can write), its CSV cells (protected) and
        its workbook cells. A row that cannot be converted fails here and leaves every table as it was."""
        doc_id = as_text(document.get("doc_id"))
        pages = {doc_id: valid_page(document.get("review_page")) or REVIEW_DIR + page_name(doc_id)}
        recs, cells, sheets = {}, {}, {}
        for key, rows in (("indicators", indicators), ("sections", sections), ("documents", [document])):
            cols, exact = COLUMNS[key], EXACT[key]
            recs[key] = clean_rows([{c: r.get(c) for c in cols} for r in rows])
            protected = [j for j, c in enumerate(cols) if c not in exact]
            out = cells[key] = []
            for r in recs[key]:
                row = list(r.values())  # None is written empty
                for j in protected:
                    v = row[j]
                    if type(v) is str and v and v[0] in "'=+-@\t\r":
                        row[j] = protect(v)
                out.append(row)
            if self.xlsx is not None:
                sheets[key] = self.xlsx.prepare(key, recs[key], pages)
        return Prepared(recs, cells, sheets)

    def append(self, prepared: Prepared) -> None:
        """Append a document's prepared rows to every table. Should writing fail half-way, the CSVs are cut back
        to where they were (the workbook's cells are ready: writing them only fails with the disk)."""
        marks = {key: f.tell() for key, f in self.files.items()}
        try:
            for key, rows in prepared.cells.items():
                if rows:
                    self.writers[key].writerows(rows)
            if self.xlsx is not None:
                for key, rows in prepared.sheets.items():
                    if rows:
                        self.xlsx.write(key, rows)
        except Exception:
            for key, pos in marks.items():
                f = self.files[key]
                f.seek(pos)
                f.truncate()
            raise

    def add(self, indicators: list[dict], sections: list[dict], document: dict) -> dict[str, list[dict]]:
        """Append one document's rows (all or none); returns them as the tables hold them (``prepare``)."""
        prepared = self.prepare(indicators, sections, document)
        self.append(prepared)
        return prepared.records

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
    # every ok document's review page, as the batch names them
    pages = review_pages(documents)
    docs["review_page"] = [pages[as_text(d.get("doc_id"))] if d.get("status") == "ok" else d.get("review_page")
                           for d in documents]
    tables = {"indicators": ind, "sections": sec, "documents": docs}
    write_tables(outdir, tables)
    return tables


def read_table(path: Path) -> pd.DataFrame:
    """One table of an OUTDIR as written, every cell a string (empty for none) and unprotected (``unprotect``), so
    that rewriting it changes nothing but what the caller changed."""
    import pandas as pd

    path = Path(path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    key = _table_key(path)
    return df if key is None else _frame_cells(df, key, unprotect, ["'"])


def read_tables(outdir: Path) -> dict[str, pd.DataFrame]:
    """The three tables of an OUTDIR (``read_table``)."""
    return {key: read_table(outdir / f"{key}.csv") for key in ("indicators", "sections", "documents")}


def write_tables(outdir: Path, tables: dict[str, pd.DataFrame], lang: str | None = None) -> None:
    """The three CSVs (the contract's columns) and the workbook (in ``lang``, default the current language)."""
    for key in ("indicators", "sections", "documents"):
        write_csv(outdir / f"{key}.csv", tables[key], key)
    write_xlsx(outdir / "indicators.xlsx", tables["indicators"], tables["sections"], tables["documents"], lang)
