"""PDF reader (part of ingest): pypdfium2 for the text layer (fast: ~0.05 s for 20 pages), pdfplumber only
on pages that draw a table grid (its table finder is the best kept; ~0.1 s a page).

From the characters' boxes and font sizes, and the page's drawings, it rebuilds what plain text extraction
loses, so that the text reads like the document's own text rendition:
- superscript footnote marks ("2023" + "¹" reads "20231" in plain text) become Unicode superscripts,
- lines are re-joined into paragraphs (first-line indent, short last line, bullets, headings), also over a
  page break and past the footnotes at the page's foot; a line ending in "KH-" goes on without a space,
- running headers/footers and page numbers are dropped,
- the footnote area at a page's foot (below the separator rule, or from the first small line opening with a
  mark) becomes footnote blocks anchored at their marks in the body; a footnote goes on over several lines
  and from one page's foot onto the next page's foot as one block; footnotes follow the paragraph that is
  open at the page end,
- tables: cells are read from the characters inside pdfplumber's cell boxes; a word broken inside a narrow
  cell ("12/6" | "3") is joined again; only visible rules make a grid (white paragraph borders do not);
  a table continued on the next page keeps its number, its repeated header rows are dropped and a row split
  by the page break is joined,
- charts (a frame holding bars, slices or legend keys) are drawings, not text: their labels are dropped,
- legacy fonts whose ToUnicode map draws "ƣ"/"Ƣ" for "ư"/"Ư" are repaired in Vietnamese documents.
"""
from __future__ import annotations

import ctypes
import functools
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from .legacy import syllable, table as legacy_table  # syllable: also used by the tests as pdf.syllable

SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
SUP_BACK = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
MARKS = "¹²³⁴⁵⁶⁷⁸⁹⁰"
PAGE_NO = re.compile(r"^\s*(?:[-–]\s*)?(?:trang\s+)?\d{1,3}(?:\s*/\s*\d{1,3})?(?:\s*[-–])?\s*$", re.I)
BULLET = re.compile(r"^\s*(?:[-+•*–]\s|[a-zđ]\)\s|\d{1,2}(?:\.\d{1,2})*[.)]\s+\S|[IVXLC]{1,6}\s*[.\-–]\s*\S)")
# a line ending in a hyphen glued to a word or number ("Kế hoạch số 5756/KH-" | "UBND"): no space when re-joined
GLUED_HYPHEN = re.compile(r"[\w/][-‐]$")


@dataclass(slots=True)
class Ch:
    """A character of the text layer in top-left page coordinates (spaces may have no box); ``ink``: drawn (not
    white space)."""

    c: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    ink: bool = True


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
    first_w: float = 0.0  # width of the first drawn character
    cols: list = field(default_factory=list)  # table column widths
    table: int | None = None  # table number, given when assembling (continued tables share it)


# ------------------------------------------------------------------------------------------- reading
def read(path, TextBuilder, IngestError, ocr: bool = True):
    """(text, blocks, pages) of a PDF. Every page's text layer is judged (``readable``); a page without text that
    shows an image (a scan), or whose text does not read as Vietnamese, is read by OCR when ``ocr`` is on and
    tesseract is installed, and its blocks are marked ``ocr``. Without OCR, an unreadable page fails the document
    (``text layer unreadable``) and a PDF that is all scans fails with ``no text layer``; a scanned page among
    pages of text is passed over."""
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
    widths: list[float] = []
    rules: list[list[tuple[float, float, float]]] = []  # per page: thin horizontal rules (x0, x1, top)
    ocr_pages: set[int] = set()
    scans: list[int] = []
    try:
        for pno in range(len(pdf)):
            page = pdf[pno]
            width, height = page.get_size()
            tp = page.get_textpage()
            runs = _runs(tp, raw, height)
            graphics = _graphics(page, raw, height)
            charts = _charts(graphics, [c for r in runs for c in r if c.ink], width * height)
            tables = []
            if len(graphics["paths"]) >= 4:
                if plumber is None:
                    import pdfplumber

                    plumber = pdfplumber.open(str(path))
                tables = [t for t in _tables(plumber.pages[pno], graphics["edges"])
                          if not any(_inside(_center(t[0]), f) for f in charts)]
            lines = _lines(runs, tables, charts)
            for ln in lines:
                ln.page = pno + 1
            lines.sort(key=lambda ln: (round(ln.top, 0), ln.x0))
            pages.append(lines)
            rules.append(graphics["rules"])
            widths.append(width)
            tp.close()
            page.close()
        _repair_legacy(pages)
        _decode_unnamed_legacy(pages)
        ocr_pages, scans = _read_unreadable(pdf, pages, ocr, IngestError)
        for k in ocr_pages:
            rules[k - 1] = []
    finally:
        if plumber is not None:
            plumber.close()
        npages = len(pdf)
        pdf.close()
    if not any(ln.text.strip() or ln.rows for p in pages for ln in p):
        from . import ocr as ocrmod

        if ocr_pages:
            raise IngestError(NO_TEXT)
        if not scans:
            raise IngestError(BLANK)
        raise IngestError(ocrmod.NOT_INSTALLED if ocr else ocrmod.NO_TEXT_LAYER)
    _drop_running_lines(pages)
    _mark_footnotes(pages, rules)
    _continue_tables(pages)
    text, blocks = _assemble(pages, widths, TextBuilder)
    for b in blocks:
        b.ocr = b.page in ocr_pages
    return text, blocks, npages


# ------------------------------------------------------------------------------- unreadable pages
#: a page with fewer drawn characters than this that shows an image is a scan
SCAN_CHARS = 40
#: … when its images cover at least this share of the page
SCAN_COVER = 0.25
#: a page whose text lies over an image covering this share of it has an OCR layer (a scanner's)
OCR_LAYER_COVER = 0.5
NO_TEXT = "a scanned PDF with no text layer, and OCR found no text on its pages (a blank or picture-only scan?)"
BLANK = "no text on its pages: no text layer and no scanned image (a blank PDF?)"


def _page_chars(lines: list[Line]) -> str:
    return "".join(ln.text for ln in lines) + "".join(c for ln in lines for r in ln.rows for c in r)


def _lines_text(lines: list[Line]) -> str:
    return "\n".join([ln.text for ln in lines] + ["\t".join(r) for ln in lines for r in ln.rows])


def _image_cover(page, raw, area: float) -> float:
    """The share of the page covered by its image objects (a scanned page is one image; logos and stamps are
    small)."""
    cover = 0.0
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        try:
            left, bottom, right, top = obj.get_bounds()
        except Exception:  # noqa: BLE001 - an image without bounds covers nothing we can measure
            continue
        cover += max(0.0, right - left) * max(0.0, top - bottom)
    return min(1.0, cover / area) if area > 0 else 0.0


def _read_unreadable(pdf, pages: list[list[Line]], ocr: bool, IngestError) -> tuple[set[int], list[int]]:
    """Pages that are scans or whose text layer is not Vietnamese as written, read again by OCR (their lines
    replaced): the 1-based numbers of the pages read so, and the 0-based indexes of the scanned pages. Without OCR
    an unreadable text layer fails the document. A page's images are measured only where the answer matters (a
    page without text, a page whose text does not read): a tenth of a text PDF's reading time otherwise."""
    import pypdfium2.raw as raw

    from . import ocr as ocrmod
    from .readable import MAX_ALIEN, judge

    @functools.cache
    def cover(k: int) -> float:
        page = pdf[k]
        try:
            width, height = page.get_size()
            return _image_cover(page, raw, width * height)
        finally:
            page.close()

    scans, garbled = [], []
    for k, lines in enumerate(pages):
        if len(_page_chars(lines).strip()) < SCAN_CHARS:
            if cover(k) >= SCAN_COVER:
                scans.append(k)
                continue
        verdict = judge(_lines_text(lines))
        # a page whose letters are of the wrong script is a broken font map wherever it is; a page of words that
        # are not Vietnamese, or Vietnamese without its marks, is a poor OCR layer only over a scanned image (a
        # page of drawn text in another language is read as it is)
        if verdict.readable is False and (verdict.alien > MAX_ALIEN or cover(k) >= OCR_LAYER_COVER):
            garbled.append((k, verdict))
    if not scans and not garbled:
        return set(), scans
    if not (ocr and ocrmod.available()):
        if garbled:
            nums = _ranges([k + 1 for k, _ in garbled])
            how = f"run without --no-ocr to read {'it' if len(garbled) == 1 else 'them'} by OCR" if not ocr else \
                ocrmod.INSTALL + " to read it by OCR"
            raise IngestError(f"text layer unreadable (page{'s' if len(garbled) > 1 else ''} {nums}: "
                              f"{garbled[0][1].why}); {how}")
        return set(), scans  # scanned pages among pages of text are passed over (all-scan PDFs fail in read)
    done = set()
    for k in sorted(scans + [k for k, _ in garbled]):
        page = pdf[k]
        try:
            pages[k] = ocrmod.page_lines(page, k + 1, Line, IngestError)
        finally:
            page.close()
        done.add(k + 1)
    text = "\n".join(_lines_text(pages[k - 1]) for k in sorted(done))
    verdict = judge(text)
    if verdict.readable is False and garbled:
        raise IngestError(f"text layer unreadable, and OCR could not read it either ({verdict.why})")
    return done, scans


def _ranges(nums: list[int]) -> str:
    """1, 2, 3, 5 → "1–3, 5"."""
    out, start = [], None
    for i, n in enumerate(nums):
        if start is None:
            start = n
        if i + 1 == len(nums) or nums[i + 1] != n + 1:
            out.append(str(start) if start == n else f"{start}–{n}")
            start = None
    return ", ".join(out)


def _runs(tp, raw, height: float) -> list[list[Ch]]:
    """The page's characters as PDFium's text lines, a line broken by a raised superscript joined again;
    text set in a TCVN3 font (.VnTime …) decoded to Unicode."""
    runs: list[list[Ch]] = [[]]
    buf, flags = ctypes.create_string_buffer(128), ctypes.c_int()
    fonts: dict[bytes, str | None] = {}
    # the raw calls with reused buffers (pypdfium2's get_charbox helper allocates four doubles per character);
    # the page's text in one call (a call per character was a fifth of the PDF time)
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    refs = tuple(ctypes.byref(v) for v in (left, right, bottom, top))
    loose = raw.FS_RECTF()
    loose_ref = ctypes.byref(loose)
    text_page = tp.raw
    get_font_info, get_box = raw.FPDFText_GetFontInfo, raw.FPDFText_GetCharBox
    get_loose, get_size = raw.FPDFText_GetLooseCharBox, raw.FPDFText_GetFontSize
    n = tp.count_chars()
    text = _page_text(raw, text_page, n)
    last = None  # the current run's last drawn character
    for i in range(n):
        u = ord(text[i]) if text is not None else raw.FPDFText_GetUnicode(text_page, i)
        if u in (13, 10):
            runs.append([])
            last = None
            continue
        get_font_info(text_page, i, buf, 128, ctypes.byref(flags))
        name = buf.value
        if name not in fonts:
            fonts[name] = legacy_font(name.decode("latin-1"))
        legacy = fonts[name]
        if legacy:
            ch = tcvn3_char(u, upper=legacy == "tcvn3-upper")
        else:
            # PDFium reports a hyphen at a line end as a generated char (0x02) or a soft hyphen
            ch = "-" if u in (2, 0xFFFE, 0xAD) else chr(u)
        if ch.isspace():  # white space is placed by its neighbours: its box is never read
            runs[-1].append(Ch(ch, 0, 0, 0, 0, 0, False))
            continue
        if not get_box(text_page, i, *refs):
            from pypdfium2 import PdfiumError

            raise PdfiumError("Failed to get charbox.")
        x0, x1 = left.value, right.value
        # horizontally the advance box (ink plus side bearings), which is what lines are set by
        if get_loose(text_page, i, loose_ref) and loose.right > loose.left:
            x0, x1 = loose.left, loose.right
        c = Ch(ch, x0, x1, height - top.value, height - bottom.value, get_size(text_page, i))
        # PDFium sometimes hangs the next line's first glyph (a footnote's mark) on a line: a glyph back at the
        # left, off the line's height, starts a new line
        if last is not None and c.x0 < last.x0 - 2 and min(c.bottom, last.bottom) <= max(c.top, last.top):
            runs.append([])
        last = c
        runs[-1].append(c)
    merged: list[list[Ch]] = []
    for run in runs:
        ink = [c for c in run if c.ink]
        if not ink:
            continue
        if merged:
            prev = [c for c in merged[-1] if c.ink]
            top, bottom = min(c.top for c in ink), max(c.bottom for c in ink)
            ptop, pbottom = min(c.top for c in prev), max(c.bottom for c in prev)
            overlap = min(bottom, pbottom) - max(top, ptop)
            if overlap > 0.4 * min(bottom - top, pbottom - ptop) and \
                    min(c.x0 for c in ink) >= max(c.x1 for c in prev) - 2:
                gap = min(c.x0 for c in ink) - max(c.x1 for c in prev)
                if gap > 1.5 and merged[-1][-1].ink and run[0].ink:
                    merged[-1].append(Ch(" ", 0, 0, 0, 0, 0, False))
                merged[-1].extend(run)
                continue
        merged.append(run)
    return merged


def _page_text(raw, text_page, n: int) -> str | None:
    """The page's text as PDFium indexes its characters (``None`` when a character outside the BMP makes the
    UTF-16 text longer than the character count: then each character is read alone)."""
    buf = (ctypes.c_ushort * (n + 1))()
    got = raw.FPDFText_GetText(text_page, 0, n, buf)
    text = bytes(buf)[: 2 * max(0, got - 1)].decode("utf-16-le", "surrogatepass")
    return text if len(text) == n else None


def _color(get, obj) -> tuple[int, ...] | None:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not get(obj, ctypes.byref(r), ctypes.byref(g), ctypes.byref(b), ctypes.byref(a)):
        return None
    return r.value, g.value, b.value, a.value


def _graphics(page, raw, height: float) -> dict:
    """The page's vector drawings that matter: visible rules and borders (four or more send the page to
    pdfplumber's table finder), frames (rectangles that may hold a chart), filled marks (bars, slices,
    legend keys) and thin horizontal rules (a footnote separator)."""
    paths, frames, marks, rules, edges = [], [], [], [], []
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=2):
        try:
            left, bottom, right, top = obj.get_bounds()
        except Exception:  # noqa: BLE001 - a path without bounds draws nothing we use
            continue
        box = (left, height - top, right, height - bottom)
        w, h = right - left, top - bottom
        fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
        raw.FPDFPath_GetDrawMode(obj.raw, ctypes.byref(fill_mode), ctypes.byref(stroke))
        fill = _color(raw.FPDFPageObj_GetFillColor, obj.raw) if fill_mode.value else None
        line = _color(raw.FPDFPageObj_GetStrokeColor, obj.raw) if stroke.value else None
        visible_fill = fill is not None and fill[3] > 0 and min(fill[:3]) < 235
        visible_line = line is not None and line[3] > 0 and min(line[:3]) < 235
        if visible_line or (visible_fill and min(w, h) <= 2):
            paths.append(box)  # a visible rule or border: what a table grid is drawn with
        if (line is not None and not _white_rgb(line)) or (fill is not None and not _white_rgb(fill)):
            # the drawing as pdfplumber's table finder sees it (a rect's four edges), handed to it directly so
            # that it need not parse the whole page with pdfminer only to find these (40% of the PDF time)
            # pdfium's bounds take in half the stroke width; pdfplumber's edges run along the path itself
            half = 0.0
            if stroke.value:
                sw = ctypes.c_float()
                if raw.FPDFPageObj_GetStrokeWidth(obj.raw, ctypes.byref(sw)):
                    half = max(0.0, min(sw.value / 2, w / 2, h / 2))
            x0, x1, y0, y1 = left + half, right - half, bottom + half, top - half
            edges.append({"object_type": "rect", "x0": x0, "x1": x1, "top": height - y1, "bottom": height - y0,
                          "doctop": height - y1, "y0": y0, "y1": y1, "width": x1 - x0, "height": y1 - y0})
        if w >= 80 and h >= 40 and raw.FPDFPath_CountSegments(obj.raw) <= 6:
            frames.append(box)
        if visible_fill and w >= 2 and h >= 2:
            marks.append((box, fill[:3]))
        if h <= 1.5 and w >= 30 and (visible_fill or visible_line):
            rules.append((box[0], box[2], box[1]))
    return {"paths": paths, "frames": frames, "marks": marks, "rules": rules, "edges": edges}


def _white_rgb(c: tuple[int, ...]) -> bool:
    """pdfplumber's test of a white border (every channel at least 0.95), on pdfium's 0-255 colours."""
    return all(v >= 0.95 * 255 for v in c[:3])


def _inside(p: tuple[float, float], box: tuple, pad: float = 1.0) -> bool:
    return box[0] - pad <= p[0] <= box[2] + pad and box[1] - pad <= p[1] <= box[3] + pad


def _center(box: tuple) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def _charts(g: dict, ink: list[Ch], page_area: float) -> list[tuple]:
    """Chart areas: a frame (at most half the page) holding at least three filled marks without text in
    them, of two colours or more (series, legend keys, slices) or standing on one baseline at different
    heights (bars)."""
    out: list[tuple] = []
    centers = [((c.x0 + c.x1) / 2, (c.top + c.bottom) / 2) for c in ink]
    for f in sorted(g["frames"], key=lambda b: -(b[2] - b[0]) * (b[3] - b[1])):
        area = (f[2] - f[0]) * (f[3] - f[1])
        if area > 0.5 * page_area or any(_inside(_center(f), o, 0) for o in out):
            continue
        marks = [(b, col) for b, col in g["marks"]
                 if b[0] >= f[0] - 1 and b[2] <= f[2] + 1 and b[1] >= f[1] - 1 and b[3] <= f[3] + 1
                 and (b[2] - b[0]) * (b[3] - b[1]) < 0.5 * area
                 and not any(b[0] < x < b[2] and b[1] < y < b[3] for x, y in centers)]
        if len(marks) < 3:
            continue
        colours = {col for _, col in marks}
        bases = Counter(round(b[3]) for b, _ in marks)
        base, n = bases.most_common(1)[0]
        heights = {round(b[3] - b[1]) for b, _ in marks if round(b[3]) == base}
        if len(colours) >= 2 or (n >= 3 and len(heights) >= 2):
            out.append(f)
    return out


def _white(c) -> bool:
    if c is None or isinstance(c, str):
        return False
    if isinstance(c, (int, float)):
        return c >= 0.95
    c = tuple(c)
    if len(c) == 4:  # CMYK
        return all(v <= 0.05 for v in c)
    return all(isinstance(v, (int, float)) and v >= 0.95 for v in c)


def _visible(obj) -> bool:
    """pdfplumber objects that are seen: white or unstroked borders (a paragraph's white frame) make no grid."""
    kind = obj.get("object_type")
    if kind in ("line", "curve"):
        return bool(obj.get("stroke", True)) and not _white(obj.get("stroking_color"))
    if kind == "rect":
        return (bool(obj.get("stroke")) and not _white(obj.get("stroking_color"))) or \
            (bool(obj.get("fill")) and not _white(obj.get("non_stroking_color")))
    return True


def _tables(plumber_page, edges: list[dict] | None = None) -> list[tuple[tuple, list[list[tuple | None]]]]:
    """Tables drawn with a visible grid: (bbox, rows of cell boxes; None where a merged cell goes on). With
    ``edges`` (the page's visible drawings, read by pdfium) pdfplumber's finder works from them alone."""
    out = []
    if edges is not None:
        if len(edges) < 2:
            return out
        found = plumber_page.find_tables({"vertical_strategy": "explicit", "horizontal_strategy": "explicit",
                                          "explicit_vertical_lines": edges, "explicit_horizontal_lines": edges})
    else:
        found = plumber_page.filter(_visible).find_tables()
    for t in found:
        rows = [list(r.cells) for r in t.rows]
        if max(len(r) for r in rows) >= 2:  # one row may be the rest of a table from the page before
            out.append((t.bbox, rows))
    return out


def _text(chars: list[Ch]) -> str:
    """A piece of a line: digits much smaller than the line's text become superscripts (footnote marks)."""
    sizes = [c.size for c in chars if c.ink and c.size > 0]
    big = max(sizes) if sizes else 0
    return "".join(c.c.translate(SUP) if c.c.isdigit() and c.c.isascii() and big and c.size < 0.8 * big else c.c
                   for c in chars)


def _line(chars: list[Ch]) -> Line | None:
    ink = [c for c in chars if c.ink]
    if not ink:
        return None
    sizes = [c.size for c in ink if c.size > 0]
    big = max(sizes) if sizes else 0
    body = [c.size for c in ink if c.size >= 0.8 * big] or sizes
    first = min(ink, key=lambda c: c.x0)
    return Line(_text(chars).strip(), min(c.x0 for c in ink), max(c.x1 for c in ink), min(c.top for c in ink),
                max(c.bottom for c in ink), statistics.median(body) if body else 0, 0,
                first_w=first.x1 - first.x0)


def _lines(runs: list[list[Ch]], tables: list, charts: list) -> list[Line]:
    """Body lines and table items of a page; characters inside a chart are dropped."""
    where: dict[tuple[int, int, int], list[list[Ch]]] = {}
    out: list[Line] = []

    def locate(c: Ch):
        p = ((c.x0 + c.x1) / 2, (c.top + c.bottom) / 2)
        if any(_inside(p, f, 0) for f in charts):
            return "drop"
        for ti, (bbox, rows) in enumerate(tables):
            if not _inside(p, bbox, 0):
                continue
            for ri, row in enumerate(rows):
                for ci, cb in enumerate(row):
                    if cb is not None and _inside(p, cb, 0):
                        return (ti, ri, ci)
            return "drop"  # inside the table but in no cell: a border glyph, nothing to read
        return "body"

    if not tables and not charts:  # most pages: every character is body text
        return [ln for ln in map(_line, runs) if ln is not None]
    for run in runs:
        segs: list[tuple[object, list[Ch]]] = []
        last = None
        for c in run:
            loc = locate(c) if c.ink else last
            if loc is None:
                continue
            if segs and segs[-1][0] == loc:
                segs[-1][1].append(c)
            else:
                segs.append((loc, [c]))
            last = loc
        for loc, chars in segs:
            if loc == "drop":
                continue
            if loc == "body":
                ln = _line(chars)
                if ln is not None:
                    out.append(ln)
            else:
                where.setdefault(loc, []).append(chars)
    for ti, (bbox, rows) in enumerate(tables):
        lines_of: dict[tuple[int, int], list[Line]] = {}
        for ri, row in enumerate(rows):
            for ci, cb in enumerate(row):
                if cb is None:
                    continue
                segs = [ln for ln in (_line(s) for s in where.get((ti, ri, ci), [])) if ln is not None]
                lines_of[(ri, ci)] = _cell_lines(segs)
        # the cells' padding: the closest any text comes to a cell's left and right edges
        lpad = min((ln.x0 - rows[ri][ci][0] for (ri, ci), ls in lines_of.items() for ln in ls), default=0)
        rpad = min((rows[ri][ci][2] - ln.x1 for (ri, ci), ls in lines_of.items() for ln in ls), default=0)
        lpad, rpad = max(0.0, lpad), max(0.0, rpad)
        texts = []
        for ri, row in enumerate(rows):
            texts.append([_cell_text(lines_of.get((ri, ci), []), cb, lpad, rpad) if cb is not None else ""
                          for ci, cb in enumerate(row)])
        if not any(t for r in texts for t in r):
            continue  # an empty grid (a drawing's gridlines): nothing to read
        ncols = max(len(r) for r in rows)
        widths = []
        for ci in range(ncols):
            xs = [(r[ci][0], r[ci][2]) for r in rows if ci < len(r) and r[ci] is not None]
            widths.append(round(min(b for _, b in xs) - max(a for a, _ in xs), 1) if xs else 0)
        out.append(Line("", bbox[0], bbox[2], bbox[1], bbox[3], 0, 0, "table", texts, cols=widths))
    return out


def _cell_lines(segs: list[Line]) -> list[Line]:
    """A cell's pieces of text as its visual lines, top to bottom."""
    segs.sort(key=lambda s: (s.top, s.x0))
    out: list[Line] = []
    for s in segs:
        if out and min(s.bottom, out[-1].bottom) - max(s.top, out[-1].top) > 0.4 * min(
                s.bottom - s.top, out[-1].bottom - out[-1].top):
            o = out[-1]
            a, b = (o, s) if o.x0 <= s.x0 else (s, o)
            sep = " " if b.x0 - a.x1 > 1.5 else ""
            out[-1] = Line(a.text + sep + b.text, a.x0, max(a.x1, b.x1), min(a.top, b.top),
                           max(a.bottom, b.bottom), max(a.size, b.size), 0, first_w=a.first_w)
        else:
            out.append(s)
    return out


def _cell_text(lines: list[Line], cb: tuple, lpad: float, rpad: float) -> str:
    """A cell's lines as one line of text. A word too long for a narrow cell is broken where the line is
    full ("Điể" | "m số", "12/6" | "3", "hạn" | "g"): such a line holds no space, and leaves no room for the
    next line's first character or ends in a piece of a Vietnamese syllable; it is joined without a space."""
    room = (cb[2] - cb[0]) - lpad - rpad
    out = ""
    for k, ln in enumerate(lines):
        if k and out:
            prev = lines[k - 1]
            glue = False
            if GLUED_HYPHEN.search(prev.text):
                glue = True
            elif " " not in prev.text:
                left = room - (prev.x1 - prev.x0)
                glue = _broken_word(prev.text, ln.text, left < ln.first_w + 0.5, left < ln.first_w + 4)
            out += "" if glue else " "
        out += ln.text
    return re.sub(r"\s+", " ", out).strip()


LETTERS = r"[^\W\d_]+"


def _broken_word(a: str, b: str, full: bool, nearly_full: bool) -> bool:
    """Whether line ``a`` (one word) and the next line ``b`` are one word broken by the cell's edge."""
    ta = re.search(LETTERS + "$", a)
    hb = re.match(LETTERS, b)
    if not (ta and hb and ta.end() == len(a) and hb.start() == 0):
        if a[-1:].isdigit() and b[:1] in ("%", "/"):
            return True  # "99,9" | "%"
        if a[-1:].isdigit() and b[:1].isdigit():
            # a number broken in a narrow cell leaves a short tail ("12/6" | "3", "65,0" | "8")
            return nearly_full or len(b.split(" ")[0]) <= 2
        return full  # other signs: only the geometry says
    x, y = ta.group(), hb.group()
    vx, vy = syllable(x), syllable(y)
    if vx and vy:
        return False  # two syllables: "Thứ" | "hạng"
    if syllable(x + y):
        return True  # "Điể" | "m", "hạn" | "g"
    if not vx and not vy:
        return nearly_full  # pieces of a foreign word or an abbreviation: "ST" | "T"
    return False  # "UBND" | "tỉnh"


# --------------------------------------------------------------------------------- legacy fonts
# Fonts of the TCVN3/VNI era (and some broken ToUnicode maps) have the text layer say "ƣ"/"Ƣ"
# (U+01A3/U+01A2, LATIN LETTER OI) where the page shows "ư"/"Ư"; no Vietnamese word has them.
LEGACY = str.maketrans({"ƣ": "ư", "Ƣ": "Ư"})
VIET = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I)


# TCVN3 (ABC), the 8-bit encoding of the .VnTime/.VnArial fonts: byte → letter (the table is data:
# encodings/tcvn3.toml, shared with the .doc/.rtf and text-file readers in ``legacy``). PDFs made with those fonts
# carry the bytes as Latin-1/cp1252 characters ("B¸o c¸o" for "Báo cáo"); "ư" (0xAD, a soft hyphen) comes out
# as a soft hyphen, a minus sign or PDFium's generated line-end hyphen. The ...H fonts (.VnTimeH) draw
# the same codes as capitals.
TCVN3 = legacy_table("tcvn3").letters


def legacy_font(name: str) -> str | None:
    """"tcvn3" for a TCVN3 font (".VnTime", "ABCDEF+.VnArial,Bold"), "tcvn3-upper" for its capitals variant
    (".VnTimeH"); None for any other font."""
    family = re.split(r"[,\-]", name.split("+", 1)[-1])[0].strip()
    if not re.match(r"\.?Vn[A-Z]", family):
        return None
    return "tcvn3-upper" if family.endswith("H") else "tcvn3"


def tcvn3_char(u: int, upper: bool = False) -> str:
    """The letter a character code of a TCVN3 font stands for."""
    if u in (2, 0xAD, 0xFFFE, 0x2212):
        ch = "ư"
    else:
        ch = chr(u)
        if u > 0x7F:
            try:
                ch = TCVN3.get(ch.encode("cp1252")[0], ch)
            except UnicodeEncodeError:
                pass
    return ch.upper() if upper else ch


def is_vietnamese(text: str) -> bool:
    """Enough Vietnamese letters (or words spelt with the mis-mapped "ƣ") to call the text Vietnamese."""
    letters = sum(ch.isalpha() for ch in text)
    if not letters:
        return False
    viet = len(VIET.findall(text)) + len(re.findall(r"(?i)(?:ng|đ|tr|th|n|h|c|m|l|s|x)ƣ", text))
    return viet >= max(3, 0.03 * letters)


def repair_legacy(text: str) -> str:
    """Legacy-font mis-mappings in Vietnamese text: "ngƣời" → "người", "Ƣu tiên" → "Ưu tiên" (NFC)."""
    if ("ƣ" not in text and "Ƣ" not in text) or not is_vietnamese(text):
        return text
    return unicodedata.normalize("NFC", text.translate(LEGACY))


def _repair_legacy(pages: list[list[Line]]) -> None:
    sample = " ".join(ln.text for p in pages for ln in p) + " ".join(
        c for p in pages for ln in p for r in ln.rows for c in r)
    if ("ƣ" not in sample and "Ƣ" not in sample) or not is_vietnamese(sample):
        return
    for p in pages:
        for ln in p:
            ln.text = unicodedata.normalize("NFC", ln.text.translate(LEGACY))
            ln.rows = [[unicodedata.normalize("NFC", c.translate(LEGACY)) for c in r] for r in ln.rows]


def _decode_unnamed_legacy(pages: list[list[Line]]) -> None:
    """Legacy-font text whose font name does not tell (a VNI font, a TCVN3 font embedded under another name):
    the whole document's words decide (``legacy.guess_text``: plainly Vietnamese once decoded, and not before);
    then every line and cell that holds only byte characters is decoded."""
    from .legacy import decodable, decode_text, guess_text

    texts = [ln.text for p in pages for ln in p] + [c for p in pages for ln in p for r in ln.rows for c in r if c]
    sample = "\n".join(t for t in texts if t and decodable(t))
    enc = guess_text(sample) if sample else None
    if not enc:
        return
    for p in pages:
        for ln in p:
            if decodable(ln.text):
                ln.text = decode_text(ln.text, enc)
            ln.rows = [[decode_text(c, enc) if c and decodable(c) else c for c in r] for r in ln.rows]


# ------------------------------------------------------------------------------ page furniture
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


def _body_size(pages: list[list[Line]]) -> float:
    sizes = [round(ln.size) for p in pages for ln in p if ln.kind == "body" and ln.size]
    return Counter(sizes).most_common(1)[0][0] if sizes else 0


def _mark_footnotes(pages: list[list[Line]], rules: list[list[tuple]]) -> None:
    """The footnote area at a page's foot: the small lines under a separator rule drawn at the left margin
    (the area may go on from the previous page without a mark), or else from the first small line that
    opens with a superscript mark to the page end."""
    body = _body_size(pages)
    if not body:
        return
    lefts = [ln.x0 for p in pages for ln in p if ln.kind == "body"]
    margin = min(lefts) if lefts else 0

    def small(x: Line) -> bool:
        return x.kind == "body" and bool(x.size) and x.size < 0.9 * body

    for lines, page_rules in zip(pages, rules):
        area: list[Line] = []
        for x0, x1, top in sorted(page_rules, key=lambda r: r[2]):
            if x0 > margin + 12 or x1 - x0 > 0.6 * max((ln.x1 for ln in lines), default=x1):
                continue
            below = [ln for ln in lines if ln.top >= top - 1]
            if below and all(small(x) for x in below) and not any(
                    ln.top < top and ln.bottom > top for ln in lines if ln.kind == "table"):
                area = below
                break
        if not area:
            for k, ln in enumerate(lines):
                if small(ln) and ln.text.lstrip()[:1] in MARKS:
                    rest = lines[k:]
                    if all(x.kind != "body" or small(x) for x in rest):
                        area = [x for x in rest if x.kind == "body"]
                    break
        for x in area:
            x.kind = "footnote"


# ----------------------------------------------------------------------------------------- tables
def _norm_row(row: list[str]) -> tuple[str, ...]:
    return tuple(re.sub(r"\W+", "", c).lower() for c in row)


def _continue_tables(pages: list[list[Line]]) -> None:
    """A table that opens a page and goes on from the table that closed the previous page (blank pages
    between allowed) is the same table: it takes that table's number (``Line.table``), its repeated header
    rows are dropped, and a row the page break split is joined."""
    tno = 0
    last: Line | None = None  # the part of the table that ended the previous page
    first_rows: dict[int, list[list[str]]] = {}  # table number → rows of its first part
    for lines in pages:
        content = [ln for ln in lines if ln.kind in ("body", "table")]
        if not content:
            continue  # a blank page: a table may go on after it
        for k, ln in enumerate(content):
            if ln.kind != "table":
                continue
            if k == 0 and last is not None and _same_columns(last, ln, first_rows[last.table]):
                ln.table = last.table
                head = first_rows[last.table]
                n = 0
                while n < len(ln.rows) - 1 and n < len(head) and _norm_row(ln.rows[n]) == _norm_row(head[n]):
                    n += 1
                ln.rows = ln.rows[n:]
                _join_split_row(last, ln)
            else:
                tno += 1
                ln.table = tno
                first_rows[tno] = ln.rows
        end = content[-1]
        if end.kind != "table":
            last = None
        elif end.rows or last is None or end.table != last.table:
            last = end  # (a part that was only the rest of a split row leaves the previous part in place)


def _same_columns(a: Line, b: Line, head: list[list[str]]) -> bool:
    if len(a.cols) != len(b.cols):
        return False
    if b.rows and head and _norm_row(b.rows[0]) == _norm_row(head[0]) and any(b.rows[0]):
        return True  # the header row repeated on the new page
    return all(abs(x - y) <= 3 for x, y in zip(a.cols, b.cols))


def _join_split_row(prev: Line, cont: Line) -> None:
    """A row broken by the page break: the new part has no index or label of its own (its first cell is
    empty while the previous row's is not) and every piece of text in it goes on in lower case."""
    if not prev.rows or not cont.rows:
        return
    a, b = prev.rows[-1], cont.rows[0]
    if len(a) != len(b) or b[0] or not a[0] or not any(b):
        return
    if not all(not t or t[0].islower() or t[0] in ",;)…" for t in b):
        return
    prev.rows[-1] = [f"{x} {y}".strip() if y else x for x, y in zip(a, b)]
    cont.rows = cont.rows[1:]


# --------------------------------------------------------------------------------------- assembly
@dataclass
class Note:
    lines: list[Line]
    page: int
    mark: str | None


def _notes(pages: list[list[Line]]) -> list[Note]:
    """Footnotes over the whole document: a line opening with a mark starts one; any other line goes on
    with the one before it, also from the previous page's foot."""
    notes: list[Note] = []
    for lines in pages:
        for ln in lines:
            if ln.kind != "footnote":
                continue
            m = re.match(r"[¹²³⁴⁵⁶⁷⁸⁹⁰]+", ln.text.strip())
            if m or not notes:
                notes.append(Note([ln], ln.page, m.group().translate(SUP_BACK) if m else None))
            else:
                notes[-1].lines.append(ln)
    return notes


def _margins(pages: list[list[Line]], widths: list[float]) -> dict[int, tuple[float, float]]:
    """Left and right text margins per page (pages of one width share them: portrait, landscape)."""
    groups: dict[int, list[Line]] = {}
    for lines, width in zip(pages, widths):
        groups.setdefault(round(width), []).extend(ln for ln in lines if ln.kind == "body")
    out: dict[int, tuple[float, float]] = {}
    for pno, width in enumerate(widths, 1):
        body = groups[round(width)]
        if not body:
            continue
        left = statistics.median(ln.x0 for ln in body)
        x1s = sorted(ln.x1 for ln in body)
        right = x1s[int(0.9 * (len(x1s) - 1))]
        out[pno] = (left, right)
    return out


def _assemble(pages: list[list[Line]], widths: list[float], TextBuilder):
    from ..records import Block

    tb = TextBuilder()
    marks: dict[str, int] = {}
    margins = _margins(pages, widths)
    notes = _notes(pages)
    prev: Line | None = None
    para_open = False
    block = None

    def close():
        nonlocal para_open
        if para_open:
            tb.add("\n")
            para_open = False

    def flush_notes(before_page: float):
        """Footnotes of pages before ``before_page``, after the paragraph open at their page's end."""
        while notes and notes[0].page < before_page:
            n = notes.pop(0)
            close()
            b = Block("footnote", tb.pos, tb.pos, page=n.page, anchor=marks.get(n.mark) if n.mark else None)
            tb.blocks.append(b)
            tb.add(_join_lines([ln.text.strip() for ln in n.lines]))
            b.end = tb.pos
            tb.add("\n")

    for lines in pages:
        for ln in lines:
            if ln.kind == "footnote":
                continue
            if ln.kind == "table":
                close()
                flush_notes(ln.page)
                for ri, row in enumerate(ln.rows):
                    start = tb.pos
                    spans, pos = [], start
                    for c in row:
                        spans.append((pos, pos + len(c)))
                        pos += len(c) + 1
                    tb.add("\t".join(row), "table", page=ln.page, table=ln.table, row=ri, cells=spans)
                    tb.add("\n")
                prev = None
                continue
            text = ln.text.strip()
            if not text:
                continue
            left, right = margins.get(ln.page, (ln.x0, ln.x1))
            pleft, pright = margins.get(prev.page, (left, right)) if prev is not None else (left, right)
            starts_new = prev is None or not para_open or _starts_new(prev, ln, text, (pleft, pright), (left, right))
            if starts_new:
                close()
                flush_notes(ln.page)
                block = Block("paragraph", tb.pos, tb.pos, page=ln.page)
                tb.blocks.append(block)
            else:
                if not GLUED_HYPHEN.search(prev.text):
                    tb.add(" ")
                if prev.page != ln.page:  # the paragraph goes on over a page break: a new block for the page
                    block = Block("paragraph", tb.pos, tb.pos, page=ln.page)
                    tb.blocks.append(block)
            for m in re.finditer(r"[¹²³⁴⁵⁶⁷⁸⁹⁰]+", text):
                marks.setdefault(m.group().translate(SUP_BACK), tb.pos + m.start())
            tb.add(text)
            block.end = tb.pos
            para_open = True
            prev = ln
    close()
    flush_notes(float("inf"))
    return tb.text(), tb.blocks


def _starts_new(prev: Line, ln: Line, text: str, pmargins: tuple, margins: tuple) -> bool:
    """Whether ``ln`` opens a new paragraph after ``prev`` (first-line indent, short last line, bullets,
    headings, a gap). A line that fills the measure goes on into the next one, even where it ends in ":"
    or the next opens with "- " ("giai đoạn 2021" | "- 2025"); a wrapped centred line goes on centred."""
    from ..segment import parse_heading

    (pleft, pright), (left, right) = pmargins, margins
    measure = max(pright - pleft, 1)
    flush = prev.x1 >= pright - 0.02 * measure
    ended = prev.text.rstrip()[-1:] in ".;:!?"
    if prev.page == ln.page and ln.top - prev.bottom > 1.2 * max(prev.bottom - prev.top, 1):
        return True
    # a full line that has not ended its sentence goes on at the left margin, whatever the next line
    # opens with ("giai đoạn 2021" | "- 2025", "cấp tỉnh" | "2.0 (PCI) sau …")
    goes_on = flush and not ended and ln.x0 <= left + 2
    if parse_heading(text) is not None and not goes_on:
        return True
    if BULLET.match(text) is not None and not goes_on:
        return True
    if ln.x0 > left + 12:
        # a centred line under a long centred line of the same axis: the same paragraph, wrapped
        centred = abs((prev.x0 + prev.x1) / 2 - (ln.x0 + ln.x1) / 2) < 3 and prev.x0 > pleft + 12
        return not (centred and prev.x1 - prev.x0 >= 0.75 * measure and not ended and prev.page == ln.page)
    if prev.x1 < pright - 0.15 * measure:
        return True
    return prev.text.rstrip().endswith(":") and not flush


def _join_lines(texts: list[str]) -> str:
    out = ""
    for t in texts:
        if out and not GLUED_HYPHEN.search(out):
            out += " "
        out += t
    return out
