"""Real files as offices save them: a file is known by its content, its text is clean, tracked changes read as
accepted, and ``../shared/corpus-wild`` (75 real files: scans, signed PDFs, broken text layers, old .doc, HTML
saved as .doc, spreadsheets, long Vietnamese names) goes through as one batch: no traceback, a row per file,
≥ 90% ok, every ok document's text readable, every value from a scan flagged "read by OCR".

Each class of file is built here, except the real batch, which is read from ``../shared`` (never copied).
"""
import csv
import io
import os
import re
import shutil
import zipfile
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from conftest import CORPUS, SHARED
from pipeline.ingest import ingest, ocr
from pipeline.ingest.hygiene import mend
from pipeline.ingest.readable import judge
from pipeline.ingest.sniff import sniff

WILD = SHARED / "corpus-wild"
GOOD_DOCX = CORPUS / "docx" / "004_f162b015986022fe.docx"
GOOD_PDF = CORPUS / "pdf" / "004_f162b015986022fe.pdf"


def office_needed():
    from pipeline.ingest.office import soffice

    if soffice():
        return
    if os.environ.get("VNREPORT_REQUIRE_OFFICE") == "1":
        pytest.fail("VNREPORT_REQUIRE_OFFICE=1 but LibreOffice is not installed")
    pytest.skip("LibreOffice not installed")


# ------------------------------------------------------------------------------ known by content
def test_a_docx_saved_as_doc_is_read_as_docx(tmp_path, monkeypatch):
    from pipeline.ingest import office

    monkeypatch.setattr(office, "soffice", lambda: None)  # no LibreOffice needed: it is a .docx inside
    p = tmp_path / "bao-cao.doc"
    shutil.copy(GOOD_DOCX, p)
    assert sniff(p) == "docx"
    doc = ingest(p, "d", p.name)
    assert doc.format == "docx" and doc.text == ingest(GOOD_DOCX, "g", "g.docx").text


def test_junk_before_the_pdf_header(tmp_path):
    p = tmp_path / "upload.pdf"
    p.write_bytes(b"\x00\x01upload-id=1666571906\n" + GOOD_PDF.read_bytes())
    assert sniff(p) == "pdf"
    assert ingest(p, "u", p.name).text == ingest(GOOD_PDF, "g", "g.pdf").text


def test_a_pdf_saved_as_doc(tmp_path):
    p = tmp_path / "x.doc.doc"
    shutil.copy(GOOD_PDF, p)
    doc = ingest(p, "x", p.name)
    assert doc.format == "pdf" and doc.pages == 7


def test_html_and_rtf_saved_as_doc(tmp_path):
    office_needed()
    html = tmp_path / "to-trinh.doc"
    html.write_text('\n   <figure class="table"><table><tr><td>Số hội nghị</td><td>12</td></tr></table></figure>'
                    "<p>Ủy ban nhân dân tỉnh đã tổ chức 12 hội nghị với 1.250 lượt người tham dự.</p>",
                    encoding="utf-8")
    assert sniff(html) == "html"
    doc = ingest(html, "h", html.name)
    assert doc.format == "html" and "1.250 lượt người" in doc.text
    rtf = tmp_path / "cong-van.doc"
    rtf.write_text(r"{\rtf1\ansi\deff0 {\fonttbl {\f0 Times;}}\f0 T\u7893? ch\u7913?c 12 h\u7897?i ngh\u7883?.\par}",
                   encoding="ascii")
    assert sniff(rtf) == "rtf"
    doc = ingest(rtf, "r", rtf.name)
    assert doc.format == "rtf" and "Tổ chức 12 hội nghị" in doc.text


def test_plain_text_stays_text(tmp_path):
    p = tmp_path / "ghi-chu.txt"
    p.write_text("<p>Trích dẫn một đoạn HTML trong báo cáo: 12 hội nghị.</p>\n", encoding="utf-8")
    assert ingest(p, "t", p.name).format == "txt"


# ------------------------------------------------------------------------------ text hygiene
def test_mend_is_one_for_one():
    raw = "Tổ\x00chức\x07 12\ud800 hội\ufeffnghị \uf0b7 gạch \uf0a7 ô \ue123 x\u200by\tz\n\r\f"
    clean = mend(raw)
    assert len(clean) == len(raw)
    assert clean == "Tổ chức  12\ufffd hội nghị • gạch ▪ ô \ufffd x y\tz\n\r\f"
    clean.encode("utf-8")  # writable
    assert mend("Báo cáo năm 2024") == "Báo cáo năm 2024"


def test_control_characters_in_a_text_file_keep_offsets(tmp_path):
    from pipeline.run import run

    p = tmp_path / "bao-cao.txt"
    raw = "I. KẾT QUẢ\n\x01Tổ chức 12 hội nghị\x1b, vận động \ufeff45,5 triệu đồng.\n"
    p.write_text(raw, encoding="utf-8")
    res = run([p])
    text = res.texts["bao-cao"]
    assert len(text) == len(raw) and "\x01" not in text and "\ufeff" not in text
    assert {(r["kind"], float(r["value"])) for r in res.indicators} >= {("count", 12), ("money", 45_500_000)}
    for r in res.indicators:
        assert text[r["char_start"]:r["char_end"]] == r["text"] == raw[r["char_start"]:r["char_end"]]


def _docx_with(tmp_path: Path, name: str, body_xml: str) -> Path:
    """The corpus .docx with its body's first paragraph replaced by ``body_xml``."""
    out = tmp_path / name
    with zipfile.ZipFile(GOOD_DOCX) as z, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as w:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename == "word/document.xml":
                s = data.decode("utf-8")
                start = s.index("<w:p ", s.index("<w:body>")) if "<w:p " in s else s.index("<w:p>")
                end = s.index("</w:p>", start) + len("</w:p>")
                data = (s[:start] + body_xml + s[end:]).encode("utf-8")
            w.writestr(info, data)
    return out


def test_private_use_bullets_in_word(tmp_path):
    p = _docx_with(tmp_path, "pua.docx", '<w:p><w:r><w:t>\uf0b7 Tổ chức 12 hội nghị \ue777</w:t></w:r></w:p>')
    text = ingest(p, "p", p.name).text
    assert "• Tổ chức 12 hội nghị \ufffd" in text and not re.search("[\ue000-\uf8ff]", text)


def test_tracked_changes_read_as_accepted(tmp_path):
    body = ('<w:p><w:r><w:t xml:space="preserve">Đã tổ chức </w:t></w:r>'
            '<w:del w:id="1" w:author="A"><w:r><w:delText>99</w:delText></w:r></w:del>'
            '<w:ins w:id="2" w:author="A"><w:r><w:t>12</w:t></w:r></w:ins>'
            '<w:r><w:t xml:space="preserve"> hội nghị</w:t></w:r>'
            '<w:moveFrom w:id="3" w:author="A"><w:r><w:t xml:space="preserve"> (chuyển đi 77 lượt)</w:t></w:r>'
            '</w:moveFrom><w:r><w:t>.</w:t></w:r></w:p>')
    p = _docx_with(tmp_path, "tracked.docx", body)
    text = ingest(p, "t", p.name).text
    assert "Đã tổ chức 12 hội nghị." in text
    assert "99" not in text.split("hội nghị.")[0] and "chuyển đi 77" not in text


# ------------------------------------------------------------------------------ the real folder
def _scans() -> set[str]:
    """The corpus' own list of its scanned PDFs (format column "pdf scan" of its README)."""
    out = set()
    for line in (WILD / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 7 and cells[6].startswith("pdf scan"):
            out.add(cells[5])
    return out


@pytest.fixture(scope="module")
def wild_batch(tmp_path_factory):
    from pipeline.cli import main

    if not (WILD / "files").is_dir():
        pytest.skip("../shared/corpus-wild not here")
    if not ocr.available() and os.environ.get("VNREPORT_REQUIRE_OCR") == "1":
        pytest.fail("VNREPORT_REQUIRE_OCR=1 but tesseract with Vietnamese is not installed")
    out = tmp_path_factory.mktemp("wild")
    err = io.StringIO()
    with redirect_stderr(err):
        rc = main(["extract", str(WILD / "files"), "-o", str(out), "--no-progress"])
    with open(out / "documents.csv", encoding="utf-8-sig") as f:
        docs = list(csv.DictReader(f))
    with open(out / "indicators.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    return rc, err.getvalue(), out, docs, rows


def test_the_real_folder_never_stops(wild_batch):
    rc, err, out, docs, _ = wild_batch
    files = sorted(p.relative_to(WILD / "files").as_posix() for p in (WILD / "files").rglob("*") if p.is_file())
    assert rc in (0, 1) and "Traceback" not in err
    assert sorted(d["source_file"].lstrip("'") for d in docs) == files  # a row for every file
    ok = [d for d in docs if d["status"] == "ok"]
    assert len(ok) >= 0.9 * len(files), [(d["source_file"], d["error"]) for d in docs if d["status"] != "ok"]
    for d in docs:
        assert d["status"] == "ok" or (d["error"] and "\n" not in d["error"]), d


def test_every_ok_text_is_readable(wild_batch):
    _, _, out, docs, _ = wild_batch
    for d in docs:
        if d["status"] != "ok":
            continue
        text = (out / "text" / f"{d['doc_id']}.txt").read_text(encoding="utf-8")
        assert text.strip() and judge(text).readable is not False, (d["source_file"], judge(text))


def test_values_from_scans_are_flagged(wild_batch):
    _, _, out, docs, rows = wild_batch
    scans = {d["doc_id"] for d in docs if d["source_file"].lstrip("'") in _scans()}
    if not ocr.available():
        pytest.skip("tesseract with Vietnamese not installed: the scans are failed rows")
    assert len(scans) >= 8
    from_scans = [r for r in rows if r["doc_id"] in scans]
    assert from_scans and all("read by OCR" in r["note"] for r in from_scans)
    assert {d["status"] for d in docs if d["doc_id"] in scans} == {"ok"}
