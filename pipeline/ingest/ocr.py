"""OCR for image-only (scanned) PDFs: each page rendered with PDFium at 300 dpi and read by the ``tesseract``
command with its Vietnamese model (Debian: ``apt install tesseract-ocr tesseract-ocr-vie``). No Python binding
is needed; tesseract runs one page at a time, single-threaded (the batch runs documents in parallel).

The text is built like the PDF reader's: one paragraph block per paragraph tesseract finds (its blank-line
separated blocks, lines re-joined), each with its page number.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

#: the reason a PDF without a text layer fails when OCR is not asked for (tests look for "no text layer" and
#: "scanned")
NO_TEXT_LAYER = "no text layer (a scanned PDF; run with --ocr to read it)"
#: the reason when --ocr is given but tesseract or its Vietnamese model is missing
NOT_INSTALLED = "OCR needs tesseract with Vietnamese (tesseract-ocr-vie), not installed"
DPI = 300
LANG = "vie"
#: seconds tesseract may take on one page before the document fails (a normal A4 page: 2–10 s)
PAGE_TIMEOUT = 180
GLUED_HYPHEN = re.compile(r"[\w/][-‐]$")


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


def read(path: Path, TextBuilder, IngestError):
    """(text, blocks, pages) of a PDF read by OCR; ``IngestError`` with a plain reason when it cannot be."""
    import pypdfium2 as pdfium

    if not available():
        raise IngestError(NOT_INSTALLED)
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise IngestError("the PDF is encrypted (password-protected)") from None
        raise IngestError("not a valid PDF (corrupt, truncated or another format renamed .pdf)") from None
    tb = TextBuilder()
    try:
        npages = len(pdf)
        with tempfile.TemporaryDirectory(prefix="vnreport-ocr-") as tmp:
            img = Path(tmp) / "page.png"
            for pno in range(npages):
                page = pdf[pno]
                try:
                    bitmap = page.render(scale=DPI / 72, grayscale=True)
                    bitmap.to_pil().save(img, dpi=(DPI, DPI))
                    bitmap.close()
                finally:
                    page.close()
                for para in paragraphs(_tesseract(img, IngestError)):
                    tb.add(para, "paragraph", page=pno + 1)
                    tb.add("\n")
    finally:
        pdf.close()
    text = tb.text()
    if not text.strip():
        raise IngestError("no text layer, and OCR found no text on its pages (a blank or picture-only scan?)")
    return text, tb.blocks, npages


def _tesseract(img: Path, IngestError) -> str:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        out = subprocess.run(["tesseract", str(img), "stdout", "-l", LANG, "--dpi", str(DPI), "--psm", "3"],
                             capture_output=True, env=env, timeout=PAGE_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise IngestError(f"OCR took longer than {PAGE_TIMEOUT} s on a page") from None
    except OSError:
        raise IngestError(NOT_INSTALLED) from None
    if out.returncode != 0:
        first = (out.stderr.decode("utf-8", "replace").strip().splitlines() or ["unknown error"])[-1]
        raise IngestError(f"OCR failed on a page ({first[:120]})")
    return out.stdout.decode("utf-8", "replace")


def paragraphs(ocr_text: str) -> list[str]:
    """Tesseract's output as paragraphs: blank lines separate them, and a line opening with a heading number or
    a bullet ("2. Vận động …", "- Tổ chức …", "a) …") starts a new one; the lines of one are joined with a space
    (none after a hyphen glued to a word: "KH-" | "MTTQ"); form feeds and stray whitespace dropped."""
    from ..segment import parse_heading
    from .pdf import BULLET

    out = []
    for chunk in re.split(r"\n\s*\n", ocr_text.replace("\f", "\n\n")):
        s = ""
        for ln in (x.strip() for x in chunk.splitlines()):
            if not ln:
                continue
            if s and (BULLET.match(ln) or parse_heading(ln) is not None):
                out.append(s)
                s = ""
            s = ln if not s else s + (ln if GLUED_HYPHEN.search(s) else " " + ln)
        if s:
            out.append(s)
    return [re.sub(r"[ \t]+", " ", x) for x in out]
