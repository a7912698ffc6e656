"""PDF reader (part of ingest): pypdfium2 for the text layer (fast: ~0.05 s for 20 pages), pdfplumber only
on pages that draw a table grid (its table finder is the best kept; ~0.1 s a page).

From the characters' boxes and font sizes it rebuilds what plain text extraction loses:
- superscript footnote marks ("2023" + "¹" reads "20231" in plain text) become Unicode superscripts,
- lines are re-joined into paragraphs (first-line indent, short last line, bullets, headings),
- running headers/footers and page numbers are dropped,
- the footnote area at a page's foot becomes footnote blocks anchored at their marks in the body.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
SUP_BACK = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
PAGE_NO = re.compile(r"^\s*(?:[-–]\s*)?(?:trang\s+)?\d{1,3}(?:\s*/\s*\d{1,3})?(?:\s*[-–])?\s*$", re.I)
BULLET = re.compile(r"^\s*(?:[-+•*–]\s|[a-zđ]\)\s|\d{1,2}(?:\.\d{1,2})*[.)]\s+\S|[IVXLC]{1,6}\s*[.\-–]\s*\S)")


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    page: int
    kind: str = "body"  # body | footnote | table
    rows: list = field(default_factory=list)  # table rows (kind == "table")


def _lines_of_page(tp, raw, height: float, boxes: list[tuple]) -> list[Line]:
    n = tp.count_chars()
    runs: list[list[tuple[str, tuple, float]]] = [[]]
    for i in range(n):
        u = raw.FPDFText_GetUnicode(tp.raw, i)
        if u in (13, 10):
            runs.append([])
            continue
        # PDFium reports a hyphen at a line end as a generated char (0x02) or a soft hyphen
        ch = "-" if u in (2, 0xFFFE, 0xAD) else chr(u)
        box = tp.get_charbox(i)
        if boxes and not ch.isspace():
            top = height - box[3]
            cx = (box[0] + box[2]) / 2
            if any(b[0] <= cx <= b[2] and b[1] - 1 <= top <= b[3] + 1 for b in boxes):
                continue
        runs[-1].append((ch, box, raw.FPDFText_GetFontSize(tp.raw, i)))
    # PDFium breaks a visual line where a superscript raises the baseline: join runs that share the line
    merged: list[list[tuple[str, tuple, float]]] = []
    for run in runs:
        ink = [b for c, b, _ in run if not c.isspace()]
        if not ink:
            continue
        if merged:
            prev = [b for c, b, _ in merged[-1] if not c.isspace()]
            lo, hi = min(b[1] for b in ink), max(b[3] for b in ink)
            plo, phi = min(b[1] for b in prev), max(b[3] for b in prev)
            overlap = min(hi, phi) - max(lo, plo)
            if overlap > 0.4 * min(hi - lo, phi - plo) and min(b[0] for b in ink) >= max(b[2] for b in prev) - 2:
                gap = min(b[0] for b in ink) - max(b[2] for b in prev)
                if gap > 1.5 and not merged[-1][-1][0].isspace() and not run[0][0].isspace():
                    merged[-1].append((" ", (0, 0, 0, 0), 0))
                merged[-1].extend(run)
                continue
        merged.append(run)
    out = []
    for run in merged:
        sizes = [s for ch, _, s in run if not ch.isspace() and s > 0]
        big = max(sizes) if sizes else 0
        text = "".join(ch.translate(SUP) if ch.isdigit() and ch.isascii() and big and s < 0.8 * big else ch
                       for ch, _, s in run).rstrip()
        ink = [b for ch, b, _ in run if not ch.isspace()]
        body = [s for ch, _, s in run if not ch.isspace() and s >= 0.8 * big] or sizes
        out.append(Line(text, min(b[0] for b in ink), max(b[2] for b in ink), height - max(b[3] for b in ink),
                        height - min(b[1] for b in ink), statistics.median(body) if body else 0, 0))
    return out


def _tables(plumber_page) -> list[tuple[tuple, list[list[str]]]]:
    out = []
    for t in plumber_page.find_tables():
        rows = [[re.sub(r"\s+", " ", c or "").strip() for c in row] for row in t.extract()]
        if len(rows) >= 2 and max(len(r) for r in rows) >= 2:
            out.append((t.bbox, rows))
    return out


def read(path, TextBuilder, IngestError):
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        msg = str(e).lower()
        if "password" in msg:
            raise IngestError("the PDF is encrypted (password-protected)") from None
        raise IngestError("not a valid PDF (corrupt, truncated or another format renamed .pdf)") from None
    plumber = None
    pages: list[list[Line]] = []
    try:
        for pno in range(len(pdf)):
            page = pdf[pno]
            width, height = page.get_size()
            paths = sum(1 for _ in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=2))
            tables = []
            if paths >= 4:
                if plumber is None:
                    import pdfplumber

                    plumber = pdfplumber.open(str(path))
                tables = _tables(plumber.pages[pno])
            tp = page.get_textpage()
            lines = _lines_of_page(tp, raw, height, [b for b, _ in tables])
            for bbox, rows in tables:
                lines.append(Line("", bbox[0], bbox[2], bbox[1], bbox[3], 0, 0, "table", rows))
            for ln in lines:
                ln.page = pno + 1
            lines.sort(key=lambda ln: (round(ln.top, 0), ln.x0))
            pages.append(lines)
            tp.close()
            page.close()
    finally:
        if plumber is not None:
            plumber.close()
        npages = len(pdf)
        pdf.close()
    if not any(ln.text.strip() or ln.rows for p in pages for ln in p):
        raise IngestError("the PDF has no text layer (a scanned image?); run OCR first")
    _drop_running_lines(pages)
    _mark_footnotes(pages)
    text, blocks = _assemble(pages, TextBuilder)
    return text, blocks, npages


def _drop_running_lines(pages: list[list[Line]]) -> None:
    """Page numbers and running headers/footers: lines in a page's top or bottom band that are a number
    or repeat on most pages."""
    def band(lines):
        body = [x for x in lines if x.kind == "body"]
        if not body:
            return []
        top, bottom = min(x.top for x in lines), max(x.bottom for x in lines)
        return [x for x in body if x.top <= top + 1 or x.bottom >= bottom - 1]

    bands = [band(lines) for lines in pages]
    seen = Counter(re.sub(r"\d+", "#", ln.text.strip()) for b in bands for ln in b)
    for lines, edge in zip(pages, bands):
        drop = {id(ln) for ln in edge
                if PAGE_NO.match(ln.text) or (len(pages) >= 3 and seen[re.sub(r"\d+", "#", ln.text.strip())]
                                              >= max(3, len(pages) // 2))}
        lines[:] = [ln for ln in lines if id(ln) not in drop]


def _mark_footnotes(pages: list[list[Line]]) -> None:
    sizes = [ln.size for p in pages for ln in p if ln.kind == "body" and ln.size]
    if not sizes:
        return
    body = Counter(round(s) for s in sizes).most_common(1)[0][0]
    for lines in pages:
        # the footnote area: from the first small line that opens with a superscript mark, to the page end
        for k, ln in enumerate(lines):
            if ln.kind == "body" and ln.size and ln.size < 0.9 * body and ln.text.lstrip()[:1] in "¹²³⁴⁵⁶⁷⁸⁹⁰":
                rest = lines[k:]
                if all(x.kind != "body" or (x.size and x.size < 0.9 * body) for x in rest):
                    for x in rest:
                        if x.kind == "body":
                            x.kind = "footnote"
                    break


def _assemble(pages: list[list[Line]], TextBuilder):
    from .records import Block
    from .segment import parse_heading

    tb = TextBuilder()
    marks: dict[str, int] = {}
    tno = 0
    all_body = [ln for p in pages for ln in p if ln.kind == "body"]
    left = statistics.median([ln.x0 for ln in all_body]) if all_body else 0
    right = max((ln.x1 for ln in all_body), default=0)
    prev: Line | None = None
    para_open = False

    def new_block(ln: Line, kind: str):
        b = Block(kind, tb.pos, tb.pos, page=ln.page)
        tb.blocks.append(b)
        return b

    block = None
    for lines in pages:
        foot: list[Line] = []
        for ln in lines:
            if ln.kind == "footnote":
                foot.append(ln)
                continue
            if ln.kind == "table":
                if para_open:
                    tb.add("\n")
                    para_open = False
                tno += 1
                for ri, row in enumerate(ln.rows):
                    start = tb.pos
                    spans, pos = [], start
                    for c in row:
                        spans.append((pos, pos + len(c)))
                        pos += len(c) + 1
                    tb.add("\t".join(row), "table", page=ln.page, table=tno, row=ri, cells=spans)
                    tb.add("\n")
                prev = None
                continue
            text = ln.text.strip()
            starts_new = (
                prev is None or not para_open
                or BULLET.match(text) is not None or parse_heading(text) is not None
                or ln.x0 > left + 12
                or prev.x1 < right - 0.15 * (right - left)
                or (prev.page == ln.page and ln.top - prev.bottom > 1.2 * max(prev.bottom - prev.top, 1))
                or prev.text.rstrip().endswith(":")
            )
            if starts_new:
                if para_open:
                    tb.add("\n")
                block = new_block(ln, "paragraph")
            else:
                tb.add(" ")
                if prev.page != ln.page:  # the paragraph goes on over a page break: a new block for the page
                    block = new_block(ln, "paragraph")
            for m in re.finditer(r"[¹²³⁴⁵⁶⁷⁸⁹⁰]+", text):
                marks.setdefault(m.group().translate(SUP_BACK), tb.pos + m.start())
            tb.add(text)
            block.end = tb.pos
            para_open = True
            prev = ln
        # this page's footnotes, each a block anchored at its mark in the body
        fblock = None
        for ln in foot:
            text = ln.text.strip()
            m = re.match(r"[¹²³⁴⁵⁶⁷⁸⁹⁰]+", text)
            if m or fblock is None:
                if para_open:
                    tb.add("\n")
                fblock = Block("footnote", tb.pos, tb.pos, page=ln.page,
                               anchor=marks.get(m.group().translate(SUP_BACK)) if m else None)
                tb.blocks.append(fblock)
            else:
                tb.add(" ")
            tb.add(text)
            fblock.end = tb.pos
            para_open = True
        if foot:
            prev = None
    if para_open:
        tb.add("\n")
    return tb.text(), tb.blocks
