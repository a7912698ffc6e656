"""Scanned and unreadable PDF pages: read by OCR (tesseract, Vietnamese) by default when it is installed, per page,
straightened first; every value read so carries the note "read by OCR". Without OCR (``--no-ocr``, or tesseract
missing) such a PDF is a failed row that says why and what to do.

Every PDF is built here: a report's text rendition printed into page images (with a little skew and noise) and
saved as a PDF; a text PDF of the corpus with a scanned page appended; a scanned page under a poor OCR layer; a
page whose text layer is a broken font map. Skipped when tesseract or its Vietnamese model is missing, unless
VNREPORT_REQUIRE_OCR=1 (CI).
"""
import ctypes
import os
import sys
from collections import Counter
from pathlib import Path

import pytest

from conftest import CORPUS
from pipeline.extraction import Extractor
from pipeline.ingest import IngestError, ingest
from pipeline.ingest import ocr
from pipeline.ingest.readable import judge
from pipeline.run import process, run

sys.path.insert(0, str(Path(__file__).parent / "data"))
from scan import scan  # noqa: E402  (the printer-and-scanner simulation, shared with the benchmark)

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
REPORT = CORPUS / "txt" / "003_6617312135f34f8a.txt"


def needs_ocr():
    if ocr.available():
        return
    if os.environ.get("VNREPORT_REQUIRE_OCR") == "1":
        pytest.fail("VNREPORT_REQUIRE_OCR=1 but tesseract with Vietnamese (tesseract-ocr-vie) is not installed")
    pytest.skip("tesseract with Vietnamese (tesseract-ocr-vie) not installed")


def needs_font():
    if not FONT.exists():
        pytest.skip("DejaVu Sans (fonts-dejavu-core) not installed")


def key(r) -> tuple:
    v = r["value"]
    try:
        v = float(v)
    except (TypeError, ValueError):
        pass
    return r["kind"], v


@pytest.fixture(scope="module")
def scanned_report(tmp_path_factory):
    """Report 003's text rendition printed at 11 pt, scanned at 200 dpi with ±0.8° of skew, noise and specks."""
    needs_font()
    path = tmp_path_factory.mktemp("scan") / "003_scanned.pdf"
    scan(REPORT.read_text(encoding="utf-8"), path)
    return path


@pytest.fixture(scope="module")
def scanned_run(scanned_report):
    needs_ocr()
    return run([scanned_report])  # no option: OCR is the default


def test_a_scanned_report_gives_its_values_with_no_option(scanned_run):
    """≥ 0.90 of the text rendition's (kind, value) rows come back from the scan, each flagged."""
    doc = scanned_run.documents[0]
    assert doc["status"] == "ok", doc
    txt = Counter(map(key, run([REPORT]).indicators))
    got = Counter(map(key, scanned_run.indicators))
    recall = sum((txt & got).values()) / sum(txt.values())
    precision = sum((txt & got).values()) / sum(got.values())
    assert recall >= 0.90 and precision >= 0.90, (recall, precision, (txt - got), (got - txt))
    assert all("read by OCR" in r["note"] for r in scanned_run.indicators)
    text = scanned_run.texts[doc["doc_id"]]
    assert all(text[r["char_start"]:r["char_end"]] == r["text"] for r in scanned_run.indicators)
    assert judge(text).readable


def test_without_ocr_a_scan_fails_saying_why(scanned_report):
    with pytest.raises(IngestError) as e:
        ingest(scanned_report, "s", "scanned.pdf", ocr=False)
    assert "no text layer" in str(e.value) and "scanned" in str(e.value) and "--no-ocr" in str(e.value)
    d = run([scanned_report], ocr=False).documents[0]
    assert d["status"] == "failed" and "no text layer" in d["error"]


def test_tesseract_missing_says_what_to_install(scanned_report, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on the PATH
    ocr.available.cache_clear()
    try:
        with pytest.raises(IngestError) as e:
            ingest(scanned_report, "s", "scanned.pdf")
    finally:
        ocr.available.cache_clear()
    assert "scanned" in str(e.value) and "tesseract-ocr-vie" in str(e.value) and "install" in str(e.value)


def test_text_pdf_is_not_ocred(monkeypatch):
    """A PDF whose text layer reads well is read from it (tesseract never runs)."""
    monkeypatch.setattr(ocr, "tesseract_tsv", lambda *a, **k: pytest.fail("OCR ran on a PDF with a text layer"))
    for name in ("004_f162b015986022fe.pdf", "000_f9135524f0dbee1e.pdf"):
        doc = ingest(CORPUS / "pdf" / name, "x", name)
        assert doc.text.strip() and not any(b.ocr for b in doc.blocks)


def scanned_pdf(tmp: Path, text: str, **kw):
    """``text`` printed and scanned (``scan``), opened with pypdfium2 for the test to add to."""
    import pypdfium2 as pdfium

    needs_font()
    path = tmp / "scan.pdf"
    scan(text, path, **kw)
    return pdfium.PdfDocument(str(path))


# ------------------------------------------------------------------------------ a scanned last page
@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """Report 004's PDF with a scanned annex page appended."""
    import pypdfium2 as pdfium

    tmp = tmp_path_factory.mktemp("mixed")
    annex = scanned_pdf(tmp, "PHỤ LỤC\nKết quả năm 2024: tổ chức 17 hội nghị, vận động 235 hộ gia đình ủng hộ "
                             "45,5 triệu đồng.\nTỷ lệ hộ được hỗ trợ đạt 98,5%.", seed=3)
    pdf = pdfium.PdfDocument(str(CORPUS / "pdf" / "004_f162b015986022fe.pdf"))
    n = len(pdf)
    pdf.import_pages(annex)
    out = tmp / "004_with_scanned_annex.pdf"
    pdf.save(str(out))
    return out, n


def test_only_the_scanned_page_is_ocred(mixed, monkeypatch):
    needs_ocr()
    path, n = mixed
    calls = []
    real = ocr.tesseract_tsv
    monkeypatch.setattr(ocr, "tesseract_tsv", lambda *a, **k: calls.append(1) or real(*a, **k))
    doc = ingest(path, "m", path.name)
    assert len(calls) == 1 and doc.pages == n + 1
    assert {b.page for b in doc.blocks if b.ocr} == {n + 1}
    plain = ingest(CORPUS / "pdf" / "004_f162b015986022fe.pdf", "p", "p.pdf")
    assert doc.text.startswith(plain.text.rstrip("\n")[:2000])
    rows, _, _ = process(doc, Extractor())
    annex = [r for r in rows if r.page == n + 1]
    assert {(r.kind, float(r.value)) for r in annex} >= {("count", 17), ("count", 235), ("money", 45_500_000),
                                                        ("percent", 98.5)}
    assert all(r.note == "read by OCR" for r in annex)
    assert not any("read by OCR" in r.note for r in rows if r.page != n + 1)


def test_without_ocr_the_scanned_page_is_passed_over(mixed):
    path, n = mixed
    doc = ingest(path, "m", path.name, ocr=False)
    assert not any(b.ocr for b in doc.blocks) and max(b.page for b in doc.blocks) == n


# ------------------------------------------------------------------------------ unreadable text layers
def _add_text(pdf, page, lines: list[str], invisible: bool, size: float = 11.0) -> None:
    """Lines of text drawn on ``page`` in Helvetica (Windows-1252 characters), or laid invisibly over it as a
    scanner's OCR layer is."""
    import pypdfium2.raw as raw

    font = raw.FPDFText_LoadStandardFont(pdf.raw, b"Helvetica")
    _, height = page.get_size()
    for k, line in enumerate(lines):
        obj = raw.FPDFPageObj_CreateTextObj(pdf.raw, font, size)
        buf = ctypes.create_string_buffer((line + "\0").encode("utf-16-le"))
        raw.FPDFText_SetText(obj, ctypes.cast(buf, ctypes.POINTER(raw.FPDF_WCHAR)))
        if invisible:
            raw.FPDFTextObj_SetTextRenderMode(obj, raw.FPDF_TEXTRENDERMODE_INVISIBLE)
        raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 72, height - 90 - 16 * k)
        raw.FPDFPage_InsertObject(page.raw, obj)
    raw.FPDFPage_GenerateContent(page.raw)


# what a poor OCR layer makes of a Vietnamese page: the marks lost, the letters' case and shapes confused
POOR_LAYER = ["UY BAN NHAN DAN XA THANH BINH CQNG HoA xA HQI cHU NGHIA VIeT NAM",
              "DQc lfp - Tg do - Hgnh phric", "BAo CAo kEt qua cOng tAc dAn vfn nAm 2024",
              "Tg chric mu0i bay hQi nghi, thu hrit dOng dAo nhAn dAn tham du.",
              "VAn dQng cAc hQ gia dinh rlng hQ quy Vi nguoi ngheo trOn dia bAn xA."]
# a font without a usable Unicode map: Windows-1252 letters read as Mac Roman (à → ‡, á → ·, À → ¿)
BROKEN_MAP = ["UBND X¿ THANH B›NH", "C‘ng t·c d‚n vÀn n„m 2024 ng‡y 12 th·ng 5",
              "T’ ch¯c 17 hÙi ngh’ v‡ vÀn ÆÙng 235 hÙ gia Æ“nh Ò ng hÙ",
              "Quˇ V“ ng›Íi ngh eo Æ„ Æ›Óc s¯ dÙng Æ ng m¯c Æ ch v‡ Æ ng quy Æ’nh",
              "K’t qu‡ c‘ng t·c n„m 2024 Æ„ Æ›Óc b·o c·o UBND huyÀn"]


@pytest.fixture(scope="module")
def poor_layer(tmp_path_factory):
    """A scanned page (an image) under a poor OCR layer, as office scanners leave them."""
    tmp = tmp_path_factory.mktemp("layer")
    pdf = scanned_pdf(tmp, "BÁO CÁO\nKết quả công tác dân vận năm 2024\nTổ chức 17 hội nghị, thu hút 1.250 lượt "
                           "người tham dự.\nVận động 235 hộ gia đình ủng hộ Quỹ “Vì người nghèo” 45,5 triệu đồng.",
                      skew=0.0, seed=5)
    _add_text(pdf, pdf[0], POOR_LAYER, invisible=True)
    out = tmp / "poor_layer.pdf"
    pdf.save(str(out))
    return out


def test_a_poor_ocr_layer_is_read_again(poor_layer):
    needs_ocr()
    doc = ingest(poor_layer, "p", "poor_layer.pdf")
    assert "hội nghị" in doc.text and "CQNG" not in doc.text
    assert all(b.ocr for b in doc.blocks)
    rows, _, _ = process(doc, Extractor())
    assert {("count", 17.0), ("count", 1250.0), ("money", 45_500_000.0)} <= {(r.kind, float(r.value)) for r in rows}


def test_without_ocr_a_poor_layer_fails(poor_layer):
    with pytest.raises(IngestError) as e:
        ingest(poor_layer, "p", "poor_layer.pdf", ocr=False)
    assert str(e.value).startswith("text layer unreadable (page 1: ")


@pytest.fixture(scope="module")
def broken_map(tmp_path_factory):
    """A page of drawn text whose characters are a broken font map's (no image behind it)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    page = pdf.new_page(595, 842)
    _add_text(pdf, page, BROKEN_MAP, invisible=False)
    out = tmp_path_factory.mktemp("broken") / "broken_map.pdf"
    pdf.save(str(out))
    return out


def test_a_broken_font_map_never_passes_as_ok(broken_map):
    """Drawn mojibake: the text layer is unreadable, and OCR reads the same mojibake from the page: the document
    fails rather than give values read from noise."""
    with pytest.raises(IngestError) as e:
        ingest(broken_map, "b", "broken_map.pdf", ocr=False)
    assert "text layer unreadable" in str(e.value) and "--no-ocr" in str(e.value)
    needs_ocr()
    with pytest.raises(IngestError) as e:
        ingest(broken_map, "b", "broken_map.pdf")
    assert "text layer unreadable" in str(e.value) and "OCR could not read it either" in str(e.value)


# ------------------------------------------------------------------------------ the parts
def test_skew_is_measured_and_undone():
    from PIL import Image, ImageDraw, ImageFont

    needs_font()
    font = ImageFont.truetype(str(FONT), 40)
    img = Image.new("L", (1700, 2200), 255)
    d = ImageDraw.Draw(img)
    for k in range(30):
        d.text((150, 150 + 60 * k), "Tổ chức 12 hội nghị, thu hút 1.250 lượt người tham dự năm 2024.", font=font,
               fill=0)
    for angle in (2.0, -1.5):
        tilted = img.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
        assert abs(ocr.skew_angle(tilted) + angle) <= 0.3
    assert ocr.skew_angle(img) == 0.0
    assert ocr.deskew(img) is img


def test_tsv_lines_in_page_points():
    from pipeline.ingest.pdf import Line

    tsv = ("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
           "5\t1\t1\t1\t1\t1\t300\t600\t150\t40\t96\tTổ\n"
           "5\t1\t1\t1\t1\t2\t470\t600\t180\t40\t95\tchức\n"
           "5\t1\t1\t1\t2\t1\t300\t660\t90\t40\t91\t12\n"
           "5\t1\t2\t1\t1\t1\t2000\t3000\t20\t20\t3\t~\n")
    lines = ocr.tsv_lines(tsv, 300 / 72, 4, Line)
    assert [ln.text for ln in lines] == ["Tổ chức", "12"]  # the lone speck (confidence 3) is left out
    assert lines[0].page == 4 and lines[0].x0 == pytest.approx(72) and lines[0].top == pytest.approx(144)
    assert lines[0].x1 == pytest.approx(650 * 72 / 300) and lines[0].size == 0


def test_a_long_scan_is_not_timed_out_for_being_long(scanned_report, monkeypatch):
    """Each page read by OCR adds its budget to the document's --timeout allowance (the worker says so as it starts
    the page): with a budget the scan is read within a 2 s timeout; with none it times out."""
    needs_ocr()
    import time

    real = ocr.tesseract_tsv
    monkeypatch.setattr(ocr, "tesseract_tsv", lambda *a, **k: time.sleep(1.0) or real(*a, **k))
    monkeypatch.setattr(ocr, "PAGE_BUDGET", 60)
    ok = run([scanned_report], jobs=1, timeout=2.0).documents[0]
    assert ok["status"] == "ok", ok
    monkeypatch.setattr(ocr, "PAGE_BUDGET", 0)
    late = run([scanned_report], jobs=1, timeout=2.0).documents[0]
    assert late["status"] == "failed" and "--timeout" in late["error"]


def test_command_line_reads_scans_by_default(mixed, tmp_path):
    import csv

    from pipeline.cli import main

    needs_ocr()
    path, n = mixed
    assert main(["extract", str(path), "-o", str(tmp_path / "on"), "--no-progress"]) == 0
    with open(tmp_path / "on" / "indicators.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert {r["note"] for r in rows if r["page"] == str(n + 1)} == {"read by OCR"}
    assert main(["extract", str(path), "-o", str(tmp_path / "off"), "--no-progress", "--no-ocr"]) == 0
    with open(tmp_path / "off" / "indicators.csv", encoding="utf-8-sig") as f:
        assert not any(r["page"] == str(n + 1) for r in csv.DictReader(f))
