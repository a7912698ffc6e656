"""OCR for the pages of a PDF that have no readable text: a scanned report, a scanned last page or annex, or a page
whose text layer decodes to nonsense (``readable``). Each such page is rendered with PDFium at 300 dpi (what
tesseract is trained for), straightened (``deskew``), cleared of scanner noise (``despeckle``) and read by the ``tesseract`` command with its Vietnamese
model (Debian/Ubuntu: ``apt install tesseract-ocr tesseract-ocr-vie``). No Python binding is needed; tesseract
runs one page at a time, single-threaded (the batch runs documents in parallel).

Tesseract's TSV output gives every word with its box and its block, paragraph and line; the words of a line
become one of the PDF reader's ``Line`` records in page points, so that an OCR'd page goes through the same
assembly as a page with a text layer (paragraphs re-joined by their indents and gaps, page numbers and running
headers dropped).

OCR is on by default when tesseract is installed (``--no-ocr`` turns it off). A long scan must not hit the batch's
per-document timeout merely for being long: ``on_page`` (set by the worker process) is told before each page, and
the batch adds ``PAGE_BUDGET`` seconds to the document's allowance.
"""
from __future__ import annotations

import csv
import functools
import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

#: install hint (Debian/Ubuntu package names)
INSTALL = "install tesseract-ocr and tesseract-ocr-vie (Debian/Ubuntu: sudo apt install tesseract-ocr tesseract-ocr-vie)"
#: the reason a PDF without a text layer fails when OCR is off (tests look for "no text layer" and "scanned")
NO_TEXT_LAYER = "no text layer (a scanned PDF); OCR is off (--no-ocr): run without --no-ocr to read it"
#: the reason when tesseract or its Vietnamese model is missing
NOT_INSTALLED = f"no text layer (a scanned PDF); reading it needs OCR: {INSTALL}"
#: the note every value read from an OCR'd page carries
NOTE = "read by OCR"
DPI = 300
MAX_PIXELS = 40_000_000  # a poster-sized page is rendered smaller (tesseract's time grows with the pixels)
LANG = "vie"
#: seconds tesseract may take on one page before the document fails (a normal A4 page: 2–10 s)
PAGE_TIMEOUT = 180
#: seconds each OCR'd page adds to the document's --timeout allowance
PAGE_BUDGET = 60

#: called with no argument before each page is read (the batch's worker extends the document's allowance)
on_page = None


@functools.lru_cache(maxsize=1)
def available() -> bool:
    """Whether the ``tesseract`` command is installed with the Vietnamese model."""
    exe = shutil.which("tesseract")
    if not exe:
        return False
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    langs = {ln.strip() for ln in (out.stdout + out.stderr).splitlines()}
    return LANG in langs


def render(page):
    """A page as a grey PIL image at ``DPI`` (less for a very large page), and the scale used (pixels a point)."""
    w, h = page.get_size()
    scale = DPI / 72
    if w * h * scale * scale > MAX_PIXELS:
        scale = (MAX_PIXELS / (w * h)) ** 0.5
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        img = bitmap.to_pil().convert("L")
    finally:
        bitmap.close()
    return img, scale


def skew_angle(img, limit: float = 5.0, step: float = 0.25) -> float:
    """The angle (degrees, counter-clockwise) that levels the text lines of a page image: the rotation under which
    the rows of ink are sharpest (the projection-profile method, on a quarter-size copy).

    Written here rather than taken from a library: the ones that do it (deskew, OpenCV, scikit-image) bring
    ~100 MB of dependencies for these twenty lines of NumPy and Pillow, both already installed."""
    import numpy as np
    from PIL import Image

    small = img.resize((max(1, img.width // 4), max(1, img.height // 4)), Image.Resampling.BILINEAR)
    ink = small.point(lambda v: 255 if v < 160 else 0)  # dark pixels as ink, on black
    if not np.asarray(ink).any():
        return 0.0
    best, best_score = 0.0, -1.0
    for k in range(int(-limit / step), int(limit / step) + 1):
        angle = k * step
        rows = np.asarray(ink.rotate(angle, resample=Image.Resampling.NEAREST), dtype=np.float32).sum(axis=1)
        score = float(np.square(np.diff(rows)).sum())
        if score > best_score:
            best, best_score = angle, score
    return best


def deskew(img):
    """The page image turned so that its lines run level (unchanged when the skew is under a quarter degree)."""
    from PIL import Image

    angle = skew_angle(img)
    if abs(angle) < 0.25:
        return img
    return img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def despeckle(img):
    """Scanner noise and specks removed (a 3×3 median: at 300 dpi a letter's stroke is 4–8 pixels wide and keeps
    its shape, while the grain and dust of a scan go; on the noisy test scans it turned "á5,5 triệu ú đồng" back
    into "45,5 triệu đồng")."""
    from PIL import ImageFilter

    return img.filter(ImageFilter.MedianFilter(3))


def tesseract_tsv(img, IngestError) -> str:
    """Tesseract's TSV (words with their boxes) for a page image."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    with tempfile.TemporaryDirectory(prefix="vnreport-ocr-") as tmp:
        path = Path(tmp) / "page.png"
        img.save(path, dpi=(DPI, DPI))
        try:
            out = subprocess.run(["tesseract", str(path), "stdout", "-l", LANG, "--dpi", str(DPI), "--psm", "3",
                                  "tsv"], capture_output=True, env=env, timeout=PAGE_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise IngestError(f"OCR took longer than {PAGE_TIMEOUT} s on a page") from None
        except OSError:
            raise IngestError(NOT_INSTALLED) from None
    if out.returncode != 0:
        first = (out.stderr.decode("utf-8", "replace").strip().splitlines() or ["unknown error"])[-1]
        raise IngestError(f"OCR failed on a page ({first[:120]})")
    return out.stdout.decode("utf-8", "replace")


def tsv_lines(tsv: str, scale: float, page: int, Line) -> list:
    """Tesseract's words grouped into its lines, as ``Line`` records in page points (``scale`` pixels a point).
    Words it is not sure are words at all (confidence below 10: specks, stamp edges) are left out when alone on
    their line."""
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for r in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if r.get("level") != "5" or not (r.get("text") or "").strip():
            continue
        groups.setdefault((r["block_num"], r["par_num"], r["line_num"]), []).append(r)
    out = []
    for words in groups.values():
        try:
            conf = [float(w["conf"]) for w in words]
        except (TypeError, ValueError):
            conf = [100.0]
        if max(conf) < 10:
            continue
        x0 = min(int(w["left"]) for w in words) / scale
        x1 = max(int(w["left"]) + int(w["width"]) for w in words) / scale
        top = min(int(w["top"]) for w in words) / scale
        bottom = max(int(w["top"]) + int(w["height"]) for w in words) / scale
        text = " ".join(w["text"].strip() for w in words)
        first = words[0]
        first_w = int(first["width"]) / scale / max(1, len(first["text"].strip()))
        # size 0: OCR'd lines are never taken for footnotes (a font size is not known)
        out.append(Line(text, x0, x1, top, bottom, 0.0, page, first_w=first_w))
    out.sort(key=lambda ln: (round(ln.top), ln.x0))
    return out


def page_lines(page, pno: int, Line, IngestError) -> list:
    """The lines of one PDF page read by OCR (``pno`` 1-based)."""
    if on_page is not None:
        on_page()
    img, scale = render(page)
    img = despeckle(deskew(img))
    return tsv_lines(tesseract_tsv(img, IngestError), scale, pno, Line)
