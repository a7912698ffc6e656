"""Ingest: a file → one plain text plus blocks (paragraph / heading / table / footnote) with offsets and pages.

Every reader builds the text with a ``TextBuilder`` so that block offsets are exact by construction.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from ..records import Block, Document
from .hygiene import mend

SUPPORTED = {".txt": "txt", ".md": "md", ".docx": "docx", ".pdf": "pdf", ".doc": "doc", ".rtf": "rtf",
             ".xlsx": "xlsx", ".xls": "xls", ".ods": "ods"}
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


class IngestError(Exception):
    """A file that cannot be read; the message is one plain sentence for the user."""


class TextBuilder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.blocks: list[Block] = []

    def add(self, s: str, kind: str | None = None, **kw) -> Block | None:
        s = unicodedata.normalize("NFC", s)  # text we build (docx, pdf) is NFC from the start
        start = self.pos
        self.parts.append(s)
        self.pos += len(s)
        if kind:
            b = Block(kind=kind, start=start, end=self.pos, **kw)
            self.blocks.append(b)
            return b
        return None

    def text(self) -> str:
        return "".join(self.parts)


# ---------------------------------------------------------------------------------------------- text
def decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8")
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
                     (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(enc)
            except UnicodeDecodeError as e:
                raise IngestError(f"not valid {enc.upper()} text ({e.reason} at byte {e.start})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        from .legacy import decode_bytes

        legacy = decode_bytes(data)
        if legacy is None:
            raise IngestError(f"not UTF-8 text (byte {e.start} is invalid), nor plainly Vietnamese in UTF-16, "
                              "cp1258, TCVN3 or VNI; save it as UTF-8 and retry") from None
        return legacy[0]


def read_text(path: Path, fmt: str) -> tuple[str, list[Block], int | None]:
    data = path.read_bytes()
    if not data.strip():
        raise IngestError("the file is empty")
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        from .legacy import utf16

        if utf16(data) is None:
            raise IngestError("binary data, not a text file")
    text = decode(data)
    return text, read_text_blocks(text), None


PIPE_ROW = re.compile(r"^\s*\|.*\|.*\|\s*$")
PIPE_RULE = re.compile(r"^[\s|:\-]+$")
SPACED_BAR = re.compile(r"(?<=\S) \|(?= \S)")
# a footnote line: a superscript or <sup> mark, "(1)Text", or a small number before a capital ("1 Thông báo …")
FOOTNOTE_START = re.compile(r"^\s*(?:[\u00b9\u00b2\u00b3\u2070-\u2079]+|<sup>\d+</sup>|\(\d{1,2}\)(?=\S)|[1-9]\d?\s+[A-ZÀ-ỸĐ])")


def read_text_blocks(text: str) -> list[Block]:
    """One block a line: tab-separated lines are table rows (tabs that only indent a paragraph are not
    cells), lines opened by a footnote mark are footnotes."""
    blocks: list[Block] = []
    tno = 0
    for m in re.finditer(r"[^\n]+", text):
        line = m.group()
        kind = "table" if line.count("\t") >= 2 and "\t" in line.lstrip() else "paragraph"
        cells: list[tuple[int, int]] = []
        style = ""
        if kind == "paragraph" and len(SPACED_BAR.findall(line)) >= 2 and not PIPE_ROW.match(line):
            # "Đơn vị | Số hội viên | Tỷ lệ": cells written with " | " between them
            kind = "table"
            bars = [m.start() + x.start() for x in SPACED_BAR.finditer(line)]  # the space before each "|"
            starts = [m.start()] + [b + 3 for b in bars]
            cells = list(zip(starts, bars + [m.end()]))
        elif PIPE_ROW.match(line):  # a Markdown table row: | TT | Đơn vị | Số hội nghị |
            kind = "table"
            bars = [m.start() + k for k, ch in enumerate(line) if ch == "|" and (k == 0 or line[k - 1] != "\\")]
            cells = [(a + 1, z) for a, z in zip(bars, bars[1:])]
            if PIPE_RULE.match(line):
                style = "md-rule"
        if kind == "paragraph" and FOOTNOTE_START.match(line):
            kind = "footnote"
        hm = re.match(r"\s*(#{1,6})\s", line)
        b = Block(kind, m.start(), m.end(), style="md-h%d" % len(hm.group(1)) if hm else style, cells=cells)
        if kind == "table":  # consecutive tab-separated lines (blank lines between allowed) are one table
            prev = blocks[-1] if blocks else None
            if prev is None or prev.kind != "table" or text[prev.end:b.start].strip():
                tno += 1
            b.table = tno
        blocks.append(b)
    return blocks


# ---------------------------------------------------------------------------------------------- docx
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


TEXT_TAGS = {W + "t", W + "tab", W + "br", W + "cr", W + "footnoteReference"}
REMOVED = {W + "del", W + "moveFrom"}


def _removed(node, stop) -> bool:
    """``node`` lies inside a tracked deletion or the source of a tracked move (below ``stop``)."""
    p = node.getparent()
    while p is not None and p is not stop:
        if p.tag in REMOVED:
            return True
        p = p.getparent()
    return False


def _run_text(el, notes: dict[str, int], refs: list[tuple[str, int]], base: int) -> str:
    """Text of a paragraph element; footnote references become superscript digits."""
    out: list[str] = []
    for node in el.iter():
        tag = node.tag
        if tag in TEXT_TAGS and _removed(node, el):
            continue  # tracked changes read as accepted: text deleted or moved away is not there
        if tag == W + "t":
            out.append(node.text or "")
        elif tag == W + "tab":
            out.append("\t" if node.getparent().tag == W + "r" else "")
        elif tag in (W + "br", W + "cr"):
            out.append(" ")
        elif tag == W + "footnoteReference":
            fid = node.get(W + "id")
            num = notes.setdefault(fid, len(notes) + 1)
            refs.append((fid, base + sum(map(len, out))))
            out.append(str(num).translate(SUPERSCRIPT))
    return "".join(out)


def read_docx(path: Path) -> tuple[str, list[Block], int | None]:
    import zipfile

    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        d = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise IngestError("not a valid Word .docx file (corrupt, empty or encrypted)") from e
    from .docx_numbering import Numbering

    tb = TextBuilder()
    notes: dict[str, int] = {}
    refs: list[tuple[str, int]] = []
    styles = {s.style_id: s.name for s in d.styles}
    numbering = Numbering(d)
    tno = 0
    for child in d.element.body.iterchildren():
        if child.tag == W + "p":
            label = numbering.label(child)
            s = _run_text(child, notes, refs, tb.pos + (len(label) + 1 if label else 0))
            if not s.strip():
                continue
            if label and not s.lstrip().startswith(label):
                s = f"{label} {s}"  # an automatically numbered paragraph: the number as Word shows it
            ps = child.find(f"{W}pPr/{W}pStyle")
            style = styles.get(ps.get(W + "val"), "") if ps is not None else ""
            kind = "heading" if style.lower().startswith(("heading", "title")) else "paragraph"
            tb.add(s, kind, style=style)
            tb.add("\n")
        elif child.tag == W + "tbl":
            tno += 1
            rows = [tr for tr in child.iter(W + "tr") if tr.find(f"{W}trPr/{W}del") is None]  # deleted rows: gone
            for ri, tr in enumerate(rows):
                cells, spans = [], []
                for tc in tr.iterchildren(W + "tc"):
                    vm = tc.find(f"{W}tcPr/{W}vMerge")
                    cont = vm is not None and vm.get(W + "val") in (None, "continue")
                    txt = "" if cont else " ".join(
                        _run_text(p, notes, refs, 0) for p in tc.iter(W + "p")).strip()
                    gs = tc.find(f"{W}tcPr/{W}gridSpan")
                    n = int(gs.get(W + "val")) if gs is not None else 1
                    cells.extend([unicodedata.normalize("NFC", re.sub(r"\s+", " ", txt))] + [""] * (n - 1))
                start = tb.pos
                pos = start
                for i, c in enumerate(cells):
                    spans.append((pos, pos + len(c)))
                    pos += len(c) + 1
                tb.add("\t".join(cells), "table", table=tno, row=ri, cells=spans)
                tb.add("\n")
            tb.add("\n")
    # footnotes, in reference order, after the body; each keeps the offset of its mark as anchor
    fn_text = _docx_footnotes(d)
    anchors = {}
    for fid, off in refs:
        anchors.setdefault(fid, off)
    for fid, num in sorted(notes.items(), key=lambda kv: kv[1]):
        body = fn_text.get(fid, "").strip()
        if body:
            tb.add(str(num).translate(SUPERSCRIPT) + " " + body, "footnote", anchor=anchors.get(fid))
            tb.add("\n")
    return tb.text(), tb.blocks, None


def _docx_footnotes(d) -> dict[str, str]:
    out: dict[str, str] = {}
    for rel in d.part.rels.values():
        if rel.reltype.endswith("/footnotes"):
            from lxml import etree

            root = etree.fromstring(rel.target_part.blob)
            for fn in root.iter(W + "footnote"):
                if fn.get(W + "type") in ("separator", "continuationSeparator", "continuationNotice"):
                    continue
                paras = [_run_text(p, {}, [], 0) for p in fn.iter(W + "p")]
                out[fn.get(W + "id")] = re.sub(r"\s+", " ", " ".join(paras)).strip()
    return out


# ---------------------------------------------------------------------------------------------- pdf
def read_pdf(path: Path, ocr: bool = True) -> tuple[str, list[Block], int | None]:
    from . import pdf as pdfmod

    return pdfmod.read(path, TextBuilder, IngestError, ocr=ocr)


# ---------------------------------------------------------------------------------------------- api
def ingest(path: Path, doc_id: str, source_file: str, ocr: bool = True) -> Document:
    """One file as a Document. ``ocr``: read a PDF's scanned or unreadable pages with tesseract when it is
    installed (off: such a PDF fails with a plain reason)."""
    from . import guard

    fmt = SUPPORTED.get(path.suffix.lower())
    if fmt is None:
        raise IngestError(f"unsupported file type '{path.suffix or '(none)'}'")
    try:
        if path.stat().st_size == 0:
            raise IngestError("the file is empty (0 bytes)")
        fmt = by_content(path, fmt)
        guard.check(path, fmt, IngestError)  # bombs, non-zip .docx, truncated PDF: refused before parsing
        damaged, reason = guard.damage(fmt)  # a parser's error on a file damaged inside → a plain reason
        try:
            if fmt in ("txt", "md"):
                text, blocks, pages = read_text(path, fmt)
            elif fmt == "docx":  # runs in TCVN3/VNI fonts decoded
                from . import office

                text, blocks, pages = office.read_docx_legacy(path, IngestError, read_docx)
            elif fmt in ("doc", "rtf", "html", "odt"):  # through LibreOffice
                from . import office

                text, blocks, pages = office.read(path, IngestError, read_docx)
            elif fmt in ("xlsx", "xls", "ods"):  # every sheet a table
                from . import sheets

                text, blocks, pages = sheets.read(path, fmt, TextBuilder, IngestError)
            else:
                text, blocks, pages = read_pdf(path, ocr=ocr)
        except damaged:
            raise IngestError(reason) from None
    except FileNotFoundError:
        raise IngestError("the file disappeared before it could be read (moved or deleted during the run)") from None
    except PermissionError:
        raise IngestError("permission denied: the file cannot be read") from None
    except IsADirectoryError:
        raise IngestError("a folder, not a file") from None
    if not text.strip():
        raise IngestError("no text could be read (a scanned image without a text layer?)")
    text = mend(text)  # whatever the reader: one character for one, so the blocks' offsets (and a .txt's) hold
    return Document(doc_id=doc_id, source_file=source_file, format=fmt, text=text, blocks=blocks, pages=pages)


#: what a file's content may turn out to be, whatever its name says (``sniff``)
BY_CONTENT = {"pdf", "docx", "doc", "rtf", "html", "odt", "xlsx", "xls", "ods"}


def by_content(path: Path, fmt: str) -> str:
    """The format to read ``path`` as: what its bytes show (an HTML page or a .docx saved as .doc, junk before
    ``%PDF``, a PDF named .doc), else what its extension says. A text file stays text: it may quote anything."""
    from .sniff import sniff

    if fmt in ("txt", "md"):
        return fmt
    real = sniff(path)
    return real if real in BY_CONTENT else fmt


def nfc_view(text: str) -> tuple[str, list[int] | None]:
    """NFC text for matching, with a map from its offsets back to ``text`` (None when identical)."""
    n = unicodedata.normalize("NFC", text)
    if n == text:
        return text, None
    out, back = [], []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        chunk = unicodedata.normalize("NFC", text[i:j])
        for _ in chunk:
            back.append(i)
        out.append(chunk)
        i = j
    back.append(len(text))
    return "".join(out), back
