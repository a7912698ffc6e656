"""Checks a file before any parser touches it, so that a hostile or broken file fails with one plain sentence
instead of a traceback, a hang or gigabytes of memory.

- Word .docx (a zip archive): the archive's directory is read from the file's end first (the record that
  says how many parts there are and how large the directory is), then the directory itself; nothing is
  decompressed to decide about sizes. Refused: a file that is not a zip (a renamed .doc, an encrypted Word file,
  junk), a zip bomb (too many parts, too large once unpacked, a part unpacking far larger than it is stored),
  a document body too large to load, and XML parts declaring a DTD or entities (Word never writes one; it is
  how an "entity bomb" expands a few bytes into gigabytes).
- Workbooks .xlsx and .ods are zip archives too and get the same checks (an .ods's content.xml and an .xlsx's
  sheets and shared strings bounded like a Word body). An .xls is a Compound File: nothing in it is compressed,
  so only its size is bounded. A file of another kind (an HTML page saved as .xls) is refused with what it is.
- PDF: not a PDF at all, or cut short (no ``%%EOF`` at its end: a copy or download that did not finish).
  Encrypted PDFs are recognised by the PDF reader itself (PDFium asks for the password).

Each check raises ``IngestError`` with the reason; the limits are the module constants below.
"""
from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

# ------------------------------------------------------------------------------------------- limits
# A real report is a few hundred kB unpacked (the corpus: 70 kB–850 kB, 15–18 parts); a long report with
# pictures a few tens of MB. The limits sit far above that and far below what would hurt the machine.

#: parts in a .docx; Word writes 10–30, a report with many pictures a few hundred. A zip of thousands of tiny
#: parts costs memory for the directory alone (a ZipInfo each) before anything is unpacked.
MAX_PARTS = 10_000
#: size of the zip's central directory, read before it is parsed (10,000 parts with long names fit in ~2 MB).
MAX_DIRECTORY_BYTES = 8 * 1024 * 1024
#: all parts together once unpacked (pictures included); above this the archive is a zip bomb, not a report.
MAX_TOTAL_UNPACKED = 200 * 1024 * 1024
#: the document body (word/document.xml) unpacked: python-docx/lxml hold it as a tree ~10× its size, and every
#: paragraph becomes text, blocks and rows. Measured: 5 MB of one-line paragraphs ("Tổ chức 12 hội nghị", 87,000
#: of them) is ~270 MB of memory through extraction; the corpus' bodies are 28–160 kB. 16 MB is a report of
#: well over a thousand pages.
MAX_DOCUMENT_XML = 16 * 1024 * 1024
#: a workbook's sheet data unpacked: each sheet of an .xlsx (and its shared strings), an .ods's content.xml. The
#: sheets are streamed, so this bounds time, not memory: 64 MB of sheet XML is about two million cells. A
#: district's "Biểu kèm theo" is a few hundred kB.
MAX_SHEET_XML = 64 * 1024 * 1024
#: an .xls (nothing compressed in it): xlrd holds the whole workbook in memory, a few times its size. Excel
#: 97–2003 sheets stop at 65,536 rows; the largest real ones are a few tens of MB.
MAX_XLS_BYTES = 100 * 1024 * 1024
#: unpacked ÷ stored size of one part: Word's XML compresses 5–35:1 (a very regular table maybe 60:1); a
#: deflate bomb reaches 1000:1. Only parts unpacking larger than RATIO_MIN_SIZE are judged (small parts cannot
#: hurt, and tiny ones compress oddly).
MAX_RATIO = 100
RATIO_MIN_SIZE = 2 * 1024 * 1024
#: bytes of a part read at a time when scanning the XML parts for a DTD (memory stays at one chunk).
SCAN_CHUNK = 1024 * 1024

# a PDF's header may be preceded by junk (up to 1 kB is accepted by readers); its end marker sits in the last
# bytes (some writers add a little padding or a newline after it)
PDF_HEAD = 1024
PDF_TAIL = 2048

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a Compound File: a .doc, or an encrypted .docx
EOCD_SIG = b"PK\x05\x06"
ZIP64_LOCATOR_SIG = b"PK\x06\x07"
ZIP64_EOCD_SIG = b"PK\x06\x06"
DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")


class ZipKind:
    """How the checks of a zip-based format name it in their reasons, and which of its parts is its body."""

    def __init__(self, noun: str, valid: str, writer: str, ext: str, body, limit: str, body_name: str) -> None:
        self.noun, self.valid, self.writer, self.ext = noun, valid, writer, ext  # "Word file", "Word .docx file"
        self.body, self.body_name = body, body_name  # which parts are the body, and how a reason names one
        self.limit = limit  # the name of the module constant bounding a body part's size


DOCX = ZipKind("Word file", "Word .docx file", "Word", ".docx", lambda n: n == "word/document.xml",
               "MAX_DOCUMENT_XML", "the Word document's text")
XLSX = ZipKind("workbook", "Excel .xlsx workbook", "Excel", ".xlsx",
               lambda n: n.startswith("xl/worksheets/") or n == "xl/sharedStrings.xml", "MAX_SHEET_XML",
               "a sheet of the workbook")
ODS = ZipKind("spreadsheet", "OpenDocument .ods spreadsheet", "LibreOffice", ".ods", lambda n: n == "content.xml",
              "MAX_SHEET_XML", "the spreadsheet's content")


class Refused(Exception):
    """Raised inside the checks; ``check`` turns it into the caller's error type."""


def check(path: Path, fmt: str, error: type[Exception] = Exception) -> None:
    """Raise ``error(reason)`` when ``path`` (of format ``fmt``: docx, pdf …) must not be parsed."""
    try:
        if fmt == "docx":
            check_docx(path)
        elif fmt in ("xlsx", "xls", "ods"):
            check_workbook(path, fmt)
        elif fmt == "pdf":
            check_pdf(path)
    except Refused as e:
        raise error(str(e)) from None


def damage(fmt: str) -> tuple[tuple[type[BaseException], ...], str]:
    """The errors a parser raises on a file damaged inside (a garbled XML part, a broken deflate stream, a page
    PDFium cannot load), and the plain reason to give instead."""
    if fmt == "docx":
        from docx.opc.exceptions import OpcError
        from lxml import etree

        return ((etree.LxmlError, zlib.error, zipfile.BadZipFile, EOFError, OpcError, KeyError, ValueError),
                "not a valid Word .docx file (a damaged part inside it: save it again from Word)")
    if fmt == "pdf":
        import pypdfium2
        from pdfminer.psexceptions import PSException

        return ((pypdfium2.PdfiumError, PSException),
                "not a valid PDF (damaged: a page or its contents could not be read)")
    return (), ""


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB"


# --------------------------------------------------------------------------------------------- docx
def check_docx(path: Path) -> None:
    _check_zip(path, DOCX)


def _check_zip(path: Path, kind: ZipKind, head_checked: bool = False) -> None:
    size = path.stat().st_size
    if size == 0:
        raise Refused("the file is empty (0 bytes)")
    with open(path, "rb") as f:
        head = f.read(8)
        if head.startswith(OLE_MAGIC) and not head_checked:
            f.seek(0)
            sample = f.read(1024 * 1024)
            if "EncryptedPackage".encode("utf-16-le") in sample:
                raise Refused("the Word file is encrypted (password-protected); save it without a password")
            raise Refused("not a .docx file: an old Word 97–2003 document (.doc) renamed .docx; "
                          "save it as .docx or name it .doc")
        if not head.startswith(b"PK"):
            raise Refused(f"not a valid {kind.valid} (not a zip archive: corrupt or another format renamed "
                          f"{kind.ext})")
        entries, dir_size = _zip_directory(f, size, kind)
    if entries > MAX_PARTS:
        raise Refused(f"refused: the {kind.noun} has {entries:,} parts (limit {MAX_PARTS:,}; a zip bomb?)")
    if dir_size > MAX_DIRECTORY_BYTES:
        raise Refused(f"refused: the {kind.noun}'s zip directory is {_mb(dir_size)} (limit "
                      f"{_mb(MAX_DIRECTORY_BYTES)}; a zip bomb?)")
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            _check_sizes(infos, kind)
            for info in infos:
                _check_no_dtd(z, info, kind)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, ValueError,
            RuntimeError, OSError, struct.error) as e:
        if isinstance(e, (FileNotFoundError, PermissionError)):
            raise
        raise Refused(f"not a valid {kind.valid} (a damaged or truncated zip archive)") from None


def _zip_directory(f, size: int, kind: ZipKind = DOCX) -> tuple[int, int]:
    """(number of parts, central directory size) from the end-of-central-directory record, without reading
    the directory; zip64 records are followed."""
    tail_len = min(size, 22 + 65535)  # the record plus the longest comment
    f.seek(size - tail_len)
    tail = f.read(tail_len)
    at = tail.rfind(EOCD_SIG)
    if at < 0 or len(tail) - at < 22:
        raise Refused(f"not a valid {kind.valid} (a truncated or damaged zip archive)")
    _, _, _, _, entries, dir_size, dir_offset, _ = struct.unpack("<4sHHHHIIH", tail[at:at + 22])
    loc = at - 20
    if loc >= 0 and tail[loc:loc + 4] == ZIP64_LOCATOR_SIG:  # zip64: the real counts are in another record
        (z64_offset,) = struct.unpack("<Q", tail[loc + 8:loc + 16])
        if z64_offset + 56 > size:
            raise Refused(f"not a valid {kind.valid} (a damaged zip archive)")
        f.seek(z64_offset)
        rec = f.read(56)
        if rec[:4] != ZIP64_EOCD_SIG:
            raise Refused(f"not a valid {kind.valid} (a damaged zip archive)")
        entries, dir_size = struct.unpack("<QQ", rec[32:48])
    return entries, dir_size


def _check_sizes(infos: list[zipfile.ZipInfo], kind: ZipKind = DOCX) -> None:
    if len(infos) > MAX_PARTS:
        raise Refused(f"refused: the {kind.noun} has {len(infos):,} parts (limit {MAX_PARTS:,}; a zip bomb?)")
    limit = globals()[kind.limit]
    total = 0
    for info in infos:
        total += info.file_size
        if total > MAX_TOTAL_UNPACKED:
            raise Refused(f"refused: the {kind.noun} unpacks to more than {_mb(MAX_TOTAL_UNPACKED)} "
                          "(a zip bomb?)")
        if info.file_size > RATIO_MIN_SIZE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise Refused(f"refused: a part of the {kind.noun} unpacks {ratio:,.0f} times its stored size "
                          f"(limit {MAX_RATIO}:1; a zip bomb?)")
        if kind.body(info.filename) and info.file_size > limit:
            raise Refused(f"refused: {kind.body_name} is {_mb(info.file_size)} of XML (limit {_mb(limit)})")


def _needles() -> list[bytes]:
    out = []
    for m in DTD_MARKERS:
        s = m.decode("ascii")
        out += [m, s.encode("utf-16-le"), s.encode("utf-16-be")]
    return out


NEEDLES = _needles()
OVERLAP = max(map(len, NEEDLES))


def _check_no_dtd(z: zipfile.ZipFile, info: zipfile.ZipInfo, kind: ZipKind = DOCX) -> None:
    """An XML part (any part whose first bytes open markup) with a DOCTYPE or ENTITY declaration is refused.
    The part is read in chunks; its declared size bounds what is read (zipfile stops there)."""
    if info.is_dir() or info.file_size == 0:
        return
    with z.open(info) as part:
        first = part.read(min(SCAN_CHUNK, info.file_size))
        probe = first.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
        if not probe.startswith(b"<"):
            return  # a picture, a font, an embedded binary: not XML
        prev = b""
        chunk = first
        while chunk:
            window = prev + chunk
            if any(n in window for n in NEEDLES):
                raise Refused(f"refused: the {kind.noun} contains an XML entity declaration, which "
                              f"{kind.writer} never writes (an entity bomb?)")
            prev = window[-OVERLAP:]
            chunk = part.read(SCAN_CHUNK)


# ------------------------------------------------------------------------------------------ workbooks
def check_workbook(path: Path, fmt: str) -> None:
    """An .xlsx or .ods (zip) gets the Word file's checks; an .xls (a Compound File) is bounded in size. The file
    is judged by its content: an .xlsx saved under .xls is checked as an .xlsx, and the other way round."""
    size = path.stat().st_size
    if size == 0:
        raise Refused("the file is empty (0 bytes)")
    with open(path, "rb") as f:
        head = f.read(1024)
        if head.startswith(OLE_MAGIC):
            f.seek(0)
            sample = f.read(1024 * 1024)
    if head.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in sample:
            raise Refused("the workbook is encrypted (password-protected); save it without a password")
        if size > MAX_XLS_BYTES:
            raise Refused(f"refused: the .xls workbook is {_mb(size)} (limit {_mb(MAX_XLS_BYTES)})")
        return
    if head.startswith(b"PK"):
        _check_zip(path, ODS if fmt == "ods" else XLSX, head_checked=True)
        return
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")) or b"<html" in start[:300]:
        raise Refused("not a workbook: a web page (HTML) saved as a spreadsheet; open it in Excel and save it "
                      "as .xlsx")
    if start.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        raise Refused("not a workbook: an Excel 2003 XML spreadsheet; open it in Excel and save it as .xlsx")
    ext = {"xlsx": ".xlsx", "xls": ".xls", "ods": ".ods"}[fmt]
    raise Refused(f"not a valid spreadsheet (corrupt, or another format renamed {ext})")


# ---------------------------------------------------------------------------------------------- pdf
def check_pdf(path: Path) -> None:
    size = path.stat().st_size
    if size == 0:
        raise Refused("the file is empty (0 bytes)")
    with open(path, "rb") as f:
        head = f.read(PDF_HEAD)
        if b"%PDF-" not in head:
            raise Refused("not a valid PDF (corrupt, or another format renamed .pdf)")
        f.seek(max(0, size - PDF_TAIL))
        tail = f.read()
    if b"%%EOF" not in tail:
        raise Refused("not a valid PDF: the file is truncated (it stops before its end; copy or download it again)")
