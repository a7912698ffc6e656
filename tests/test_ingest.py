"""Readers: Word numbering and footnotes, PDF superscripts, footers and pages, text encodings."""

import docx
import pytest
from docx.oxml.ns import qn
from lxml import etree

from conftest import CORPUS
from pipeline.ingest import IngestError, ingest, read_docx

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _numbered_docx(path):
    d = docx.Document()
    d.add_paragraph("x", style="List Number")  # makes sure the numbering part exists
    numbering = d.part.numbering_part.element
    an = etree.SubElement(numbering, qn("w:abstractNum"), {qn("w:abstractNumId"): "90"})
    for ilvl, (fmt, text) in enumerate((("upperRoman", "%1."), ("decimal", "%2."), ("decimal", "%2.%3."))):
        lvl = etree.SubElement(an, qn("w:lvl"), {qn("w:ilvl"): str(ilvl)})
        etree.SubElement(lvl, qn("w:start"), {qn("w:val"): "1"})
        etree.SubElement(lvl, qn("w:numFmt"), {qn("w:val"): fmt})
        etree.SubElement(lvl, qn("w:lvlText"), {qn("w:val"): text})
    # abstractNum elements must come before num elements
    first_num = numbering.find(qn("w:num"))
    first_num.addprevious(an)
    num = etree.SubElement(numbering, qn("w:num"), {qn("w:numId"): "90"})
    etree.SubElement(num, qn("w:abstractNumId"), {qn("w:val"): "90"})
    body = d.element.body
    body.remove(body[0])

    def para(text, ilvl=None):
        p = d.add_paragraph(text)
        if ilvl is not None:
            ppr = p._p.get_or_add_pPr()
            npr = etree.SubElement(ppr, qn("w:numPr"))
            etree.SubElement(npr, qn("w:ilvl"), {qn("w:val"): str(ilvl)})
            etree.SubElement(npr, qn("w:numId"), {qn("w:val"): "90"})

    para("KẾT QUẢ CÔNG TÁC", 0)
    para("Tuyên truyền", 1)
    para("Đã tổ chức 12 hội nghị.")
    para("Vận động", 1)
    para("Tình hình", 2)
    para("NHIỆM VỤ", 0)
    para("Tập trung", 1)
    d.save(path)


def test_docx_automatic_numbering(tmp_path):
    _numbered_docx(tmp_path / "n.docx")
    text, _, _ = read_docx(tmp_path / "n.docx")
    assert text.splitlines() == ["I. KẾT QUẢ CÔNG TÁC", "1. Tuyên truyền", "Đã tổ chức 12 hội nghị.",
                                 "2. Vận động", "2.1. Tình hình", "II. NHIỆM VỤ", "1. Tập trung"]


def test_docx_footnotes_tables_and_headings():
    doc = ingest(CORPUS / "docx" / "002_42f08eaff795a7ac.docx", "002", "002.docx")
    notes = [b for b in doc.blocks if b.kind == "footnote"]
    assert len(notes) >= 10 and all(b.anchor is not None and b.anchor < notes[0].start for b in notes)
    assert doc.text[notes[0].start] == "¹"
    assert doc.text[notes[0].anchor] == "¹"  # the mark in the body, rendered as a superscript digit
    tables = {b.table for b in doc.blocks if b.kind == "table"}
    assert len(tables) >= 3
    assert any(b.kind == "heading" for b in doc.blocks)


def test_pdf_superscripts_pages_and_footnotes():
    doc = ingest(CORPUS / "pdf" / "002_42f08eaff795a7ac.pdf", "002", "002.pdf")
    assert doc.pages == 22
    assert "năm 2023¹" in doc.text and "20231" not in doc.text
    notes = [b for b in doc.blocks if b.kind == "footnote"]
    assert notes and all(b.anchor is not None for b in notes[:5])
    assert {b.page for b in doc.blocks} == set(range(1, 23))
    # running page numbers are not content: no line is a bare number
    assert not any(line.strip().isdigit() for line in doc.text.splitlines())


def test_pdf_and_docx_failures_are_plain(tmp_path):
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4\n% truncated")
    (tmp_path / "b.docx").write_bytes(b"not a zip")
    for name, words in (("a.pdf", "not a valid PDF"), ("b.docx", "not a valid Word")):
        with pytest.raises(IngestError, match=words):
            ingest(tmp_path / name, "x", name)


def test_encrypted_pdf_is_a_plain_failure(tmp_path):
    pikepdf = pytest.importorskip("pikepdf")
    with pikepdf.open(CORPUS / "pdf" / "004_f162b015986022fe.pdf") as pdf:
        pdf.save(tmp_path / "locked.pdf", encryption=pikepdf.Encryption(owner="o", user="u", R=4))
    with pytest.raises(IngestError, match="encrypted"):
        ingest(tmp_path / "locked.pdf", "x", "locked.pdf")
