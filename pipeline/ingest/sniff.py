"""Know a file by its content, not its name. Offices save files under names that lie: an HTML page (a web
editor's output) or an RTF file saved as ``.doc``, a ``.docx`` named ``.doc``, a Word 97 file named ``.docx``, a
PDF with a few bytes of junk before ``%PDF`` (an upload script's), a PDF named ``.doc``. The reader is chosen by
what the bytes are; the extension only says that the file is meant to be a document.

Only signatures that cannot be mistaken are trusted (a zip's part names, a Compound File's stream names, a PDF
header, RTF's and HTML's opening); anything else is read as its extension says.
"""
from __future__ import annotations

import re
from pathlib import Path

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a Compound File: Word 97–2003, Excel 97–2003
PDF_HEAD = 1024  # readers accept a PDF header this far into the file
#: bytes of a Compound File searched for its stream names (its directory may sit anywhere; reports are small)
OLE_SCAN = 32 * 1024 * 1024
#: bytes at a zip's end searched for its part names (the central directory of an Office file is a few kB)
ZIP_TAIL = 256 * 1024
# an HTML page or fragment (a web editor's output saved as .doc opens with <figure>, <p>, <table> …)
HTML = re.compile(rb"(?is)^(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|p|"
                  rb"table|span|h[1-6]|figure|section|article|ol|ul|br|strong|em|b|i|img|a|font|center)[\s>/]")
ODF_TYPES = {b"application/vnd.oasis.opendocument.spreadsheet": "ods",
             b"application/vnd.oasis.opendocument.text": "odt"}


def sniff(path: Path) -> str | None:
    """The format the file's bytes show (``pdf``, ``docx``, ``xlsx``, ``ods``, ``odt``, ``doc``, ``xls``,
    ``rtf``, ``html``), or None when they show nothing certain (plain text, an unknown or damaged file)."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    if head.startswith(OLE_MAGIC):
        return _ole_kind(path)
    if b"%PDF-" in head[:PDF_HEAD]:
        return "pdf"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"{\\rtf"):
        return "rtf"
    if HTML.match(start):
        return "html"
    return None


def _zip_kind(path: Path) -> str | None:
    """A zip's kind by the part names in its central directory (read as bytes from the file's end: nothing is
    parsed or unpacked before the guard has checked the archive) or by an ODF's ``mimetype``, which the format
    stores first and uncompressed."""
    with open(path, "rb") as f:
        head = f.read(128)
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - ZIP_TAIL))
        tail = f.read()
    if head[30:38] == b"mimetype":
        for mime, kind in ODF_TYPES.items():
            if head[38:38 + len(mime)] == mime:
                return kind
    if b"word/document.xml" in tail:
        return "docx"
    if b"xl/workbook.xml" in tail:
        return "xlsx"
    return None  # another zip, or a damaged one: the reader for its extension says what is wrong with it


def _ole_kind(path: Path) -> str | None:
    with open(path, "rb") as f:
        data = f.read(OLE_SCAN)
    if "WordDocument".encode("utf-16-le") in data:
        return "doc"
    if "Workbook".encode("utf-16-le") in data or "Book\0".encode("utf-16-le") in data:
        return "xls"
    return None  # an encrypted Office file, or one of another kind: the reader says which
