"""The PDF reader: agreement with the text rendition, tables over page breaks, footnotes over lines and
pages, paragraphs re-joined, charts, legacy-font repair. Synthetic PDFs are written by a small writer below
(standard Helvetica, WinAnsi text); the real reports come from ../shared when it is beside the checkout."""
import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from conftest import SHARED

from pipeline.ingest import pdf as pdfmod
from pipeline.ingest import ingest

EXTRA = SHARED / "corpus-extra"
H01 = EXTRA / "pdf" / "h01_lamdong-ubnd-cchc-nam2025.pdf"
H06 = EXTRA / "pdf" / "h06_lamdong-snv-chiso-par-papi-pci-2025.pdf"
needs_extra = pytest.mark.skipif(not (EXTRA / "pdf").is_dir() or not (EXTRA / "txt").is_dir(),
                                 reason="shared/corpus-extra not beside the checkout")


# ------------------------------------------------------------------------------------ a tiny PDF writer
# Helvetica advance widths (AFM), code points 32–126
HELV = dict(zip(map(chr, range(32, 127)), [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667,
    556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556,
    556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722,
    500, 500, 500, 334, 260, 334, 584]))
RIGHT = 523  # the right margin of the synthetic pages (left 72)


def width(s: str, size: float) -> float:
    return sum(HELV.get(c, 556) for c in s) * size / 1000


def esc(s: str) -> bytes:
    return s.encode("latin-1").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


class Page:
    def __init__(self, w: float = 595, h: float = 842):
        self.w, self.h, self.ops = w, h, []

    def text(self, x: float, top: float, s: str, size: float = 12, rise: float = 0, to: float | None = None,
             font: str = "F1"):
        """``top`` from the page top, as the reader sees it; ``to``: justify the line to end there."""
        return self.runs(x, top, [(s, size, rise)], to, font)

    def runs(self, x: float, top: float, parts: list[tuple[str, float, float]], to: float | None = None,
             font: str = "F1"):
        """One line of pieces (text, size, rise): a raised small "1" is a footnote mark. Fonts: F1 Helvetica,
        F2 ".VnTime" and F3 ".VnTimeH" (TCVN3 legacy fonts, not embedded)."""
        size = max(p[1] for p in parts)
        y = self.h - top - size
        tw = 0.0
        if to is not None:
            spaces = sum(t.count(" ") for t, _, _ in parts)
            tw = (to - x - sum(width(t, z) for t, z, _ in parts)) / max(spaces, 1)
        op = b"BT %.3f Tw %.2f %.2f Td " % (tw, x, y)
        for t, z, rise in parts:
            op += b"/%s %.2f Tf %.2f Ts (" % (font.encode(), z, rise) + esc(t) + b") Tj "
        self.ops.append(op + b"ET")
        return self

    def line(self, x0, top0, x1, top1, rgb=(0, 0, 0), w=0.5):
        self.ops.append(b"%.3f %.3f %.3f RG %.2f w %.2f %.2f m %.2f %.2f l S" % (
            *rgb, w, x0, self.h - top0, x1, self.h - top1))
        return self

    def rect(self, x0, top, x1, bottom, fill=None, stroke=None):
        op = b"%.2f %.2f %.2f %.2f re " % (x0, self.h - bottom, x1 - x0, bottom - top)
        if fill:
            op = b"%.3f %.3f %.3f rg " % fill + op
        if stroke:
            op = b"%.3f %.3f %.3f RG 0.5 w " % stroke + op
        self.ops.append(op + (b"B" if fill and stroke else b"f" if fill else b"S"))
        return self

    def grid(self, xs: list[float], tops: list[float]):
        for t in tops:
            self.line(xs[0], t, xs[-1], t)
        for x in xs:
            self.line(x, tops[0], x, tops[-1])
        return self


def write_pdf(path: Path, pages: list[Page]) -> Path:
    objs: list[bytes] = []
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages))).encode()
    objs.append(b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(pages))
    objs.append(b"<< /F1 %d 0 R /F2 %d 0 R /F3 %d 0 R >>" % tuple(4 + 2 * len(pages) + k for k in range(3)))
    for i, p in enumerate(pages):
        stream = b"\n".join(p.ops)
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font 3 0 R >> "
                    b"/Contents %d 0 R >>" % (p.w, p.h, 5 + 2 * i))
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for base in (b".VnTime", b".VnTimeH"):  # code 0xAD is the soft hyphen, TCVN3's "ư"
        objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /" + base + b" /Encoding << /BaseEncoding "
                    b"/WinAnsiEncoding /Differences [173 /sfthyphen] >> >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def body_lines(page: Page, top: float, lines: list[str], left: float = 72, indent: float = 0, size: float = 12,
               lead: float = 15) -> float:
    for k, s in enumerate(lines):
        page.text(left + (indent if k == 0 else 0), top + k * lead, s, size)
    return top + len(lines) * lead


def justified(n: int, word: str = "lorem") -> str:
    return " ".join([word] * n)


def read(path: Path):
    return ingest(path, path.stem, path.name)


# ------------------------------------------------------------------------------ 1. agreement with txt
def rows(out):
    with open(out / "indicators.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@needs_extra
@pytest.mark.parametrize("doc", ["h01_lamdong-ubnd-cchc-nam2025", "h06_lamdong-snv-chiso-par-papi-pci-2025"])
def test_extra_pdfs_agree_with_their_text(run_folder, doc):
    _, txt = run_folder(EXTRA / "txt", "extra-txt")
    rc, pdf = run_folder(EXTRA / "pdf", "extra-pdf")
    assert rc == 0
    a = Counter((r["kind"], r["value"]) for r in rows(txt) if r["doc_id"] == doc)
    b = Counter((r["kind"], r["value"]) for r in rows(pdf) if r["doc_id"] == doc)
    both = sum((a & b).values())
    recall, precision = both / max(1, sum(a.values())), both / max(1, sum(b.values()))
    assert recall >= 0.97 and precision >= 0.97, (recall, precision, sorted((a - b).items())[:20],
                                                  sorted((b - a).items())[:20])


@needs_extra
def test_extra_pdf_offsets_are_exact(run_folder):
    _, out = run_folder(EXTRA / "pdf", "extra-pdf")
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (out / "text").glob("*.txt")}
    for r in rows(out):
        assert texts[r["doc_id"]][int(r["char_start"]):int(r["char_end"])] == r["text"], r


@needs_extra
def test_chart_labels_and_cell_wraps_are_not_read():
    """h06 draws bar charts (data labels 9.49, axis 0–16, legend) and ranks wrapped in narrow cells
    ("12/6" | "3"): the charts give no text and the ranks read 12/63 as in the document."""
    doc = read(H06)
    assert "KẾT QUẢ CHỈ SỐ PAR INDEX NĂM 2024" not in doc.text  # the chart's title is a drawing
    assert not re.search(r"\b\d{1,2}/6 3\b", doc.text)
    assert "12/63" in doc.text and "99,9%" in doc.text and "Thứ hạng" in doc.text
    first = next(b for b in doc.blocks if b.kind == "table" and doc.text[b.start:b.end].startswith("1\t"))
    assert doc.text[first.start:first.end].split("\t")[:5] == ["1", "Công tác chỉ đạo, điều hành", "9,49/ 9,5",
                                                                "99,9%", "12/63"]


# ------------------------------------------------------------------------------ 2. continued tables
def table_pages(tmp_path: Path, repeat_header: bool) -> Path:
    xs = [72, 110, 330, 420]
    header = ["No", "Item", "Share (%)"]
    p1 = Page()
    top = body_lines(p1, 72, ["1. Results"])
    top = body_lines(p1, top + 10, ["Results of the year are in the table below."])
    tops = [650 + 20 * k for k in range(6)]  # header + 4 rows, down to the page foot
    p1.grid(xs, tops)
    cells = [header, ["1", "Alpha", "10,5"], ["2", "Beta", "20,5"], ["3", "Gamma", "30,5"], ["4", "Delta", "40,5"]]
    for r, t in zip(cells, tops):
        for x, s in zip(xs, r):
            p1.text(x + 4, t + 4, s, 10)
    p2 = Page()
    rows2 = ([header] if repeat_header else []) + [["5", "Epsilon", "50,5"], ["6", "Zeta", "60,5"]]
    tops2 = [72 + 20 * k for k in range(len(rows2) + 1)]
    p2.grid(xs, tops2)
    for r, t in zip(rows2, tops2):
        for x, s in zip(xs, r):
            p2.text(x + 4, t + 4, s, 10)
    body_lines(p2, tops2[-1] + 20, ["2. Next part"])
    return write_pdf(tmp_path / f"table-{repeat_header}.pdf", [p1, p2])


@pytest.mark.parametrize("repeat_header", [True, False])
def test_table_continued_on_next_page_keeps_its_number_and_header(tmp_path, repeat_header):
    doc = read(table_pages(tmp_path, repeat_header))
    rows_ = [b for b in doc.blocks if b.kind == "table"]
    assert {b.table for b in rows_} == {1}
    assert {b.page for b in rows_} == {1, 2}
    texts = [doc.text[b.start:b.end] for b in rows_]
    assert texts.count("No\tItem\tShare (%)") == 1  # the repeated header row is not a row of the table
    assert texts[-1] == "6\tZeta\t60,5"
    # the table model gives the page-2 values the column header of page 1
    from pipeline.segment import segment
    from pipeline.extraction.tables import read_tables

    cells, _ = read_tables(doc.blocks, doc.text, segment(doc.text, doc.blocks))
    zeta = [c for c in cells if c.row == "Zeta"]
    assert zeta and zeta[0].col == "Share (%)" and zeta[0].table == 1


def test_row_split_by_the_page_break_is_one_row(tmp_path):
    xs = [72, 110, 330, 420]
    p1 = Page()
    body_lines(p1, 72, ["Table 1"])
    tops = [720, 740, 760, 790]
    p1.grid(xs, tops)
    for r, t in zip([["No", "Item", "Count"], ["1", "Alpha", "12"]], tops):
        for x, s in zip(xs, r):
            p1.text(x + 4, t + 4, s, 10)
    p1.text(76, 764, "2", 10).text(114, 764, "Total of the files received", 10)
    p2 = Page()
    p2.grid(xs, [72, 92, 112])
    p2.text(110 + 4, 76, "on paper and online", 10)
    for x, s in zip(xs, ["3", "Gamma", "7"]):
        p2.text(x + 4, 96, s, 10)
    doc = read(write_pdf(tmp_path / "split.pdf", [p1, p2]))
    texts = [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "table"]
    assert any("Total of the files received on paper and online" in t for t in texts), texts
    assert not any(t.startswith("\t") for t in texts), texts


# ---------------------------------------------------------------------------------------- 3. footnotes
def footnote_pages(tmp_path: Path) -> Path:
    full = justified(11)
    p1 = Page()
    p1.text(72, 72, "Report", 12)
    p1.runs(90, 102, [("The council met twice in 2023", 12, 0), ("1", 7, 5), (" and decided on the plan.", 12, 0)])
    for k in range(38):
        p1.text(90 if k == 0 else 72, 132 + 15 * k, full, 12, to=RIGHT)
    p1.line(72, 742, 216, 742)
    p1.runs(72, 748, [("1", 6, 3), (" Plan No. 12/KH-UBND of 05/3/2023 on the work of", 9, 0)])
    p1.text(72, 759, "the year, with a second line that", 9)
    p2 = Page()
    p2.text(72, 72, "the page and ends here with 15 meetings.", 12)
    p2.text(90, 87, "A new paragraph starts with an indent and runs on to the right margin.", 12, to=RIGHT)
    p2.text(72, 102, "It ends here.", 12)
    p2.line(72, 742, 216, 742)
    p2.text(72, 748, "runs on to the foot of the next page.", 9)
    return write_pdf(tmp_path / "notes.pdf", [p1, p2])


def test_footnote_over_lines_and_pages_is_one_block(tmp_path):
    doc = read(footnote_pages(tmp_path))
    notes = [b for b in doc.blocks if b.kind == "footnote"]
    assert len(notes) == 1
    note = doc.text[notes[0].start:notes[0].end]
    assert note == ("¹ Plan No. 12/KH-UBND of 05/3/2023 on the work of the year, with a second line that "
                    "runs on to the foot of the next page.")
    assert doc.text[notes[0].anchor] == "¹" and doc.text[notes[0].anchor - 4:notes[0].anchor] == "2023"
    assert notes[0].anchor < notes[0].start
    # the body is not cut by the footnote: the paragraph goes on over the page break as one line, and the
    # note follows that paragraph
    lines = doc.text.splitlines()
    assert lines[2] == " ".join([justified(11)] * 38) + " the page and ends here with 15 meetings."
    assert lines[3].startswith("¹ Plan No.")
    assert lines[4] == "A new paragraph starts with an indent and runs on to the right margin. It ends here."
    para = next(b for b in doc.blocks if b.page == 2 and b.kind == "paragraph")
    assert doc.text[para.start:].startswith("the page and ends")


@needs_extra
def test_real_footnotes_continue_over_pages():
    doc = read(H01)
    notes = [b for b in doc.blocks if b.kind == "footnote"]
    assert len(notes) == 17  # as in the Word file
    assert all(b.anchor is not None and doc.text[b.anchor] in pdfmod.MARKS for b in notes)
    marks = [doc.text[b.start:b.end].split(" ")[0] for b in notes]
    assert marks == [str(n).translate(pdfmod.SUP) for n in range(1, 18)]
    second = doc.text[notes[1].start:notes[1].end]  # page 2's note goes on at the foot of page 3
    assert second.endswith("không phụ thuộc vào địa giới hành chính trên địa bàn tỉnh,...")
    assert "Kế hoạch số 5756/KH-UBND ngày 29/5/2025" in doc.text  # "5756/KH-" | page break | "UBND"


@needs_extra
def test_real_tables_continue_over_pages():
    doc = read(H01)
    by_table = {}
    for b in doc.blocks:
        if b.kind == "table":
            by_table.setdefault(b.table, []).append(b)
    texts = {t: [doc.text[b.start:b.end] for b in bs] for t, bs in by_table.items()}
    assert len(by_table) == 7  # Biểu mẫu 1–7, several over two pages
    assert any(len({b.page for b in bs}) > 1 for bs in by_table.values())
    for rows_ in texts.values():
        assert sum(r.startswith("STT\t") for r in rows_) == 1
    assert any(r.startswith("4.2.1.\tTổng số DVCTT có phát sinh hồ sơ (gồm các DVCTT có phát sinh hồ sơ trực "
                            "tuyến hoặc trực tiếp hoặc cả 2 hình thức)\tThủ tục\t599") for r in texts[7])


# --------------------------------------------------------------------------------- 5. paragraphs
def test_paragraph_lines_are_rejoined(tmp_path):
    full = justified(11)
    p = Page()
    p.text(90, 72, full, 12, to=RIGHT)
    p.text(72, 87, full + " Plan No. 5756/KH-", 12, to=RIGHT)
    p.text(72, 102, "UBND of the province for the period 2021", 12, to=RIGHT)
    p.text(72, 117, "- 2025 covers the index of competitiveness version", 12, to=RIGHT)
    p.text(72, 132, "2.0 (PCI) of the province and the following items:", 12)
    p.text(72, 147, "- the first item;", 12)
    p.text(90, 162, "A second paragraph.", 12)
    doc = read(write_pdf(tmp_path / "para.pdf", [p]))
    lines = doc.text.splitlines()
    assert lines[0] == (f"{full} {full} Plan No. 5756/KH-UBND of the province for the period 2021 - 2025 covers "
                        "the index of competitiveness version 2.0 (PCI) of the province and the following items:")
    assert lines[1:] == ["- the first item;", "A second paragraph."]


# ------------------------------------------------------------------------------------------ charts
def test_chart_text_is_dropped_and_white_frames_make_no_table(tmp_path):
    p = Page()
    p.text(72, 72, "Scores of the districts are shown below.", 12)
    p.rect(72, 100, 420, 300, fill=(1, 1, 1), stroke=(0.5, 0.5, 0.5))  # the chart area
    for k, (h, rgb) in enumerate([(80, (0.27, 0.45, 0.77)), (120, (0.93, 0.49, 0.19)), (60, (0.65, 0.65, 0.65))]):
        p.rect(120 + 60 * k, 260 - h, 150 + 60 * k, 260, fill=rgb)
        p.text(122 + 60 * k, 245 - h, f"{h / 10:.2f}", 6)
    p.text(150, 110, "CHART TITLE 2024", 12)
    p.text(100, 266, "0", 6).text(100, 200, "8", 6)
    # a paragraph in a white frame (invisible borders) is text, not a table
    p.rect(70, 320, 525, 360, stroke=(1, 1, 1))
    p.line(70, 340, 525, 340, rgb=(1, 1, 1))
    p.text(72, 324, "Framed paragraph with 12 meetings held.", 12)
    p.text(72, 344, "Another framed paragraph with 3 meetings.", 12)
    doc = read(write_pdf(tmp_path / "chart.pdf", [p]))
    assert "CHART TITLE" not in doc.text and "8.00" not in doc.text and "12.00" not in doc.text
    assert "Framed paragraph with 12 meetings held." in doc.text
    assert not any(b.kind == "table" for b in doc.blocks)


# ----------------------------------------------------------------------------------- cell wraps
def test_words_broken_in_narrow_cells():
    assert pdfmod.syllable("Điểm") and pdfmod.syllable("hạng") and pdfmod.syllable("người")
    assert not pdfmod.syllable("Điể") and not pdfmod.syllable("g") and not pdfmod.syllable("UBND")
    bw = pdfmod._broken_word
    assert bw("Điể", "m", False, False) and bw("hạn", "g", False, False)  # pieces of one syllable
    assert not bw("Thứ", "hạng", True, True)  # two syllables: a space, even where the line is full
    assert not bw("UBND", "tỉnh", True, True)
    assert bw("12/6", "3", False, False) and bw("99,9", "%", False, False)
    assert bw("ST", "T", False, True) and not bw("ST", "T", False, False)


def test_number_wrapped_in_a_narrow_cell(tmp_path):
    xs = [72, 200, 200 + width("12/6", 10) + 8]
    p = Page()
    p.text(72, 60, "Ranks", 12)
    p.grid(xs, [80, 100, 130])
    p.text(76, 84, "Item", 10).text(204, 84, "Rank", 10)
    p.text(76, 104, "Alpha", 10).text(204, 104, "12/6", 10).text(204, 116, "3", 10)
    doc = read(write_pdf(tmp_path / "narrow.pdf", [p]))
    assert "Alpha\t12/63" in doc.text


# ------------------------------------------------------------------------------------- legacy fonts
def test_legacy_font_letters_are_repaired_in_vietnamese():
    broken = "Ngƣời dân đƣợc ƣu tiên; Ƣu đãi cho các trƣờng hợp khó khăn, thƣờng xuyên hỗ trợ"
    assert pdfmod.repair_legacy(broken) == ("Người dân được ưu tiên; Ưu đãi cho các trường hợp khó khăn, "
                                            "thường xuyên hỗ trợ")
    assert pdfmod.repair_legacy("Ƣ") == "Ƣ"  # not Vietnamese text: left alone
    assert pdfmod.repair_legacy("The letter ƣ (oi) in a linguistics paper") == "The letter ƣ (oi) in a linguistics paper"
    decomposed = "ngƣ\u0300i"  # a tone mark set on the mis-mapped letter
    assert pdfmod.repair_legacy("Người dân, " + decomposed) == "Người dân, ngừi"


def test_legacy_repair_runs_inside_the_reader(tmp_path, monkeypatch):
    """The reader repairs the whole document's lines and cells when the text is Vietnamese."""
    a = pdfmod.Line("Ngƣời dân đƣợc hỗ trợ đầy đủ", 0, 1, 0, 1, 12, 1)
    b = pdfmod.Line("", 0, 1, 0, 1, 0, 1, "table", [["Trƣờng", "Số lƣợng"]])
    pdfmod._repair_legacy([[a, b]])
    assert a.text == "Người dân được hỗ trợ đầy đủ" and b.rows == [["Trường", "Số lượng"]]


def test_tcvn3_fonts_are_decoded(tmp_path):
    """Text set in the TCVN3 fonts of the 1990s–2000s (.VnTime; .VnTimeH draws capitals) is Vietnamese."""
    assert pdfmod.legacy_font("ABCDEF+.VnTime,Bold") == "tcvn3" and pdfmod.legacy_font(".VnTimeH") == "tcvn3-upper"
    assert pdfmod.legacy_font("TimesNewRomanPSMT") is None and pdfmod.legacy_font("VNI-Times") is None
    assert "".join(pdfmod.tcvn3_char(ord(c)) for c in "n\u2212íc ®¹t tû ®ång") == "nước đạt tỷ đồng"
    p = Page()
    p.text(200, 60, "b¸o c¸o", 14, font="F3")
    p.text(72, 90, "Th¸ng 02 n¨m 2007 gi¸ trÞ s¶n xuÊt c«ng nghiÖp \xadíc ®¹t 39.897 tû ®ång.", 12, font="F2")
    doc = read(write_pdf(tmp_path / "tcvn3.pdf", [p]))
    assert doc.text == "BÁO CÁO\nTháng 02 năm 2007 giá trị sản xuất công nghiệp ước đạt 39.897 tỷ đồng.\n"


LEGACY = SHARED / "corpus-legacy"


@pytest.mark.skipif(not (LEGACY / "files").is_dir(), reason="shared/corpus-legacy not beside the checkout")
def test_tcvn3_pdf_agrees_with_its_transcript(tmp_path):
    from pipeline.cli import main

    name = "2007-1AF57_02-2007"
    for kind, src in (("pdf", LEGACY / "files" / f"{name}.pdf"), ("txt", LEGACY / "transcripts" / f"{name}.txt")):
        assert main(["extract", str(src), "-o", str(tmp_path / kind), "--no-progress"]) == 0
    a = Counter((r["kind"], r["value"]) for r in rows(tmp_path / "txt"))
    b = Counter((r["kind"], r["value"]) for r in rows(tmp_path / "pdf"))
    both = sum((a & b).values())
    assert both / sum(a.values()) >= 0.95 and both / sum(b.values()) >= 0.95
    text = (tmp_path / "pdf" / "text" / f"{name}.txt").read_text(encoding="utf-8")
    assert text.startswith("BÁO CÁO VỀ TÌNH HÌNH SẢN XUẤT KINH DOANH NGÀNH CÔNG\nNGHIỆP THÁNG 02")  # .VnTimeH
    assert "Tháng 02 năm 2007 giá trị sản xuất công nghiệp (GTSXCN) ước đạt 39.897 tỷ đồng" in text
