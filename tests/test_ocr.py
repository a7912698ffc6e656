"""Image-only (scanned) PDFs: without OCR a failed row saying "no text layer"; with ``ingest(..., ocr=True)``
tesseract (Vietnamese) reads each page and the numbers come out as rows with their page.

The PDF is built here: Vietnamese text drawn with DejaVu Sans into 300 dpi page images saved as a PDF (no text
layer). Skipped when tesseract or its Vietnamese model is missing, unless VNREPORT_REQUIRE_OCR=1 (CI).
"""
import inspect
import os
from pathlib import Path

import pytest

from pipeline.extraction import Extractor
from pipeline.ingest import IngestError, ingest
from pipeline.ingest import ocr
from pipeline.run import process, run

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PAGES = [
    ["BÁO CÁO", "Kết quả công tác dân vận năm 2024", "",
     "1. Tổ chức 12 hội nghị, thu hút 1.250 lượt người tham dự.",
     "2. Vận động 350 hộ gia đình ủng hộ 45,5 triệu đồng."],
    ["3. Kết nạp 27 hội viên mới, đạt 98,5% kế hoạch."],
]


def needs_ocr():
    if ocr.available():
        return
    if os.environ.get("VNREPORT_REQUIRE_OCR") == "1":
        pytest.fail("VNREPORT_REQUIRE_OCR=1 but tesseract with Vietnamese (tesseract-ocr-vie) is not installed")
    pytest.skip("tesseract with Vietnamese (tesseract-ocr-vie) not installed")


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    from PIL import Image, ImageDraw, ImageFont

    if not FONT.exists():
        pytest.skip("DejaVu Sans (fonts-dejavu-core) not installed")
    font = ImageFont.truetype(str(FONT), 46)  # ~11 pt at 300 dpi
    images = []
    for lines in PAGES:
        img = Image.new("L", (2480, 3508), 255)  # A4 at 300 dpi
        d = ImageDraw.Draw(img)
        for k, line in enumerate(lines):
            d.text((250, 300 + 80 * k), line, font=font, fill=0)
        images.append(img)
    path = tmp_path_factory.mktemp("scan") / "scanned.pdf"
    images[0].save(path, "PDF", resolution=300, save_all=True, append_images=images[1:])
    return path


def test_without_ocr_no_text_layer(scanned):
    with pytest.raises(IngestError) as e:
        ingest(scanned, "s", "scanned.pdf")
    assert "no text layer" in str(e.value) and "--ocr" in str(e.value)
    d = run([scanned]).documents[0]
    assert d["status"] == "failed" and "no text layer" in d["error"]


def test_ocr_reads_the_numbers(scanned):
    needs_ocr()
    doc = ingest(scanned, "s", "scanned.pdf", ocr=True)
    assert doc.pages == 2 and doc.format == "pdf"
    assert "Tổ chức 12 hội nghị" in doc.text
    assert {b.page for b in doc.blocks} == {1, 2}
    assert all(b.kind == "paragraph" for b in doc.blocks)
    rows, _, _ = process(doc, Extractor())
    got = {(r.kind, r.value, r.unit) for r in rows}
    assert ("count", 12, "hội nghị") in got or ("count", 12.0, "hội nghị") in got, got
    assert any(r.kind == "count" and float(r.value) == 1250 and r.unit == "lượt người" for r in rows), got
    assert any(r.kind == "money" and int(r.value) == 45_500_000 for r in rows), got
    assert any(r.kind == "percent" and float(r.value) == 98.5 and r.page == 2 for r in rows), got
    for r in rows:
        assert doc.text[r.char_start:r.char_end] == r.text


def test_ocr_paragraphs_split_at_numbering():
    text = "BÁO CÁO\nKết quả năm 2024\n\n1. Tổ chức 12 hội nghị, thu\nhút 1.250 lượt người.\n2. Vận động\n- Kế hoạch số 5/KH-\nMTTQ\f"
    assert ocr.paragraphs(text) == ["BÁO CÁO Kết quả năm 2024", "1. Tổ chức 12 hội nghị, thu hút 1.250 lượt người.",
                                    "2. Vận động", "- Kế hoạch số 5/KH-MTTQ"]


def test_ocr_not_installed_is_a_plain_failure(scanned, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on the PATH
    ocr.available.cache_clear()
    try:
        with pytest.raises(IngestError) as e:
            ingest(scanned, "s", "scanned.pdf", ocr=True)
    finally:
        ocr.available.cache_clear()
    assert str(e.value) == "OCR needs tesseract with Vietnamese (tesseract-ocr-vie), not installed"


def test_text_pdf_is_not_ocred(monkeypatch):
    """A PDF with a text layer is read from it even with ocr=True (tesseract never runs)."""
    from conftest import CORPUS

    monkeypatch.setattr(ocr, "read", lambda *a, **k: pytest.fail("OCR ran on a PDF with a text layer"))
    doc = ingest(CORPUS / "pdf" / "004_f162b015986022fe.pdf", "x", "x.pdf", ocr=True)
    assert doc.text.strip()


@pytest.mark.skipif("ocr" not in inspect.signature(run).parameters, reason="run() does not take ocr= yet")
def test_run_with_ocr(scanned):
    needs_ocr()
    res = run([scanned], ocr=True)
    assert res.documents[0]["status"] == "ok", res.documents[0]
    assert any(r["kind"] == "count" and r["unit"] == "hội nghị" for r in res.indicators)


def test_command_line_ocr(scanned, tmp_path):
    import csv

    from pipeline.cli import main

    needs_ocr()
    rc = main(["extract", str(scanned), "-o", str(tmp_path / "plain"), "--no-progress"])
    assert rc == 1
    rc = main(["extract", str(scanned), "-o", str(tmp_path / "ocr"), "--no-progress", "--ocr", "--no-cache"])
    assert rc == 0
    with open(tmp_path / "ocr" / "indicators.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert {("count", "12", "hội nghị"), ("count", "1250", "lượt người")} <= {(r["kind"], r["value"], r["unit"])
                                                                               for r in rows}
