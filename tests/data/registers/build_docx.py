"""Build docx/<name>.docx from txt/<name>.txt, the way a real office's Word file holds the same report.

    .venv/bin/python tests/data/registers/build_docx.py        # rewrites tests/data/registers/docx/*.docx

The txt is the reference (the gold indexes it); this script lays the same content out as Word would:
- the letterhead (first two tab rows) as a borderless 2-column table, one paragraph per printed line;
- "BÁO CÁO" and the title lines centred and bold;
- headings as paragraphs: some levels with the built-in styles "Heading 1/2/3", others as plain bold
  paragraphs (per report, see REPORTS[...]["styles"]);
- data tables as real Word tables: a two-row header whose spanning cells are merged horizontally
  (gridSpan) and whose single cells are merged vertically (vMerge); a total row whose label spans the
  STT and label columns (the txt row has fewer cells);
- the closing block ("Nơi nhận:" | signature) as a borderless 2-column table;
- footnotes as real Word footnotes: a /word/footnotes.xml part (separators -1 and 0, then the notes) and
  w:footnoteReference runs where the txt has "[n]";
- in one report a few runs stored with decomposed accents (Unicode NFD), as some offices' files are.
"""
from __future__ import annotations

import re
import sys
import unicodedata
from datetime import datetime
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

HERE = Path(__file__).resolve().parent
FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# Per report: the printed lines of the letterhead cells and of the closing block's signature cell (they
# are joined with one space in the txt), the row-1 spans of each data table's header (in table order),
# the style of each heading level ("Heading N" or "bold"/"bolditalic" plain paragraphs) and the
# substrings stored in NFD.
REPORTS = {
    "ubnd_xa_ktxh_6thang2025": {
        "letterhead": [[["UBND HUYỆN ĐỒNG SƠN", "ỦY BAN NHÂN DÂN XÃ TÂN HÒA"],
                        ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]],
                       [["Số: 45/BC-UBND"], ["Tân Hòa, ngày 18 tháng 6 năm 2025"]]],
        "signature": ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Lê Văn Thắng"],
        "tables": [[1, 1, 2, 1, 1]],
        "styles": {"part": "bold", "roman": "Heading 1", "num": "Heading 2", "sub": "Heading 3",
                   "letter": "bolditalic"},
        "nfd": [],
    },
    "doan_tn_nam2025": {
        "letterhead": [[["TỈNH ĐOÀN BÌNH SƠN", "BCH ĐOÀN XÃ PHÚ LỘC"], ["ĐOÀN TNCS HỒ CHÍ MINH"]],
                       [["Số: 28-BC/ĐTN"], ["Phú Lộc, ngày 12 tháng 12 năm 2025"]]],
        "signature": ["TM. BAN CHẤP HÀNH ĐOÀN XÃ", "BÍ THƯ", "Trần Thị Mai Hương"],
        "tables": [[1, 1, 2, 2, 1]],
        "styles": {"part": "bold", "roman": "Heading 1", "num": "bold", "sub": "Heading 3",
                   "letter": "bolditalic"},
        "nfd": ["Ban Chấp hành Đoàn xã tổ chức 14 buổi sinh hoạt chính trị",
                "Trong năm kết nạp 142 đoàn viên mới",
                "thanh niên tình nguyện hỗ trợ chuyển đổi số",
                "Chi đoàn thôn Phú Bình",
                "Công tác Đoàn và phong trào thanh thiếu nhi tiếp tục có chuyển biến tích cực",
                "tổng dư nợ các dự án thanh niên vay vốn"],
    },
    "hoi_ccb_nam2025": {
        "letterhead": [[["HỘI CCB TỈNH BÌNH SƠN", "HỘI CCB XÃ ĐÔNG HƯNG"],
                        ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]],
                       [["Số: 36/BC-CCB"], ["Đông Hưng, ngày 05 tháng 12 năm 2025"]]],
        "signature": ["TM. BAN CHẤP HÀNH", "CHỦ TỊCH", "Phạm Văn Hùng"],
        "tables": [[1, 1, 1, 2, 2, 1], [1, 1, 1, 2, 1]],
        "styles": {"part": "bold", "roman": "bold", "num": "Heading 2", "sub": "Heading 3",
                   "letter": "Heading 3"},
        "nfd": [],
    },
    "hoi_nd_huyen_6thang2025": {
        "letterhead": [[["HỘI NÔNG DÂN TỈNH BÌNH SƠN", "BCH HỘI NÔNG DÂN HUYỆN THANH LÂM"],
                        ["HỘI NÔNG DÂN VIỆT NAM"]],
                       [["Số: 52-BC/HND"], ["Thanh Lâm, ngày 16 tháng 6 năm 2025"]]],
        "signature": ["TM. BAN THƯỜNG VỤ", "CHỦ TỊCH", "Nguyễn Văn Tuấn"],
        "tables": [[1, 1, 1, 3, 1]],
        "styles": {"part": "bold", "roman": "Heading 1", "num": "Heading 2", "sub": "Heading 3",
                   "letter": "bolditalic"},
        "nfd": [],
    },
    "bcd_ntm_huyen_nam2024": {
        "letterhead": [[["UBND HUYỆN THANH LÂM", "BAN CHỈ ĐẠO CÁC CHƯƠNG TRÌNH MTQG"],
                        ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]],
                       [["Số: 38/BC-BCĐ"], ["Thanh Lâm, ngày 20 tháng 12 năm 2024"]]],
        "signature": ["KT. TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", "PHÓ CHỦ TỊCH UBND HUYỆN", "Hoàng Minh Đức"],
        "tables": [[1, 1, 2, 1]],
        "styles": {"part": "bold", "roman": "bold", "num": "Heading 2", "sub": "bold",
                   "letter": "bolditalic"},
        "nfd": ["Văn phòng Điều phối nông thôn mới huyện",
                "Thu nhập bình quân đầu người khu vực nông thôn ước đạt",
                "tổng số tiền 3.865.400.000 đồng",
                "Ngân sách huyện, xã"],
    },
    "hoi_ctd_xa_9thang2025": {
        "letterhead": [[["HỘI CTĐ TỈNH BÌNH SƠN", "HỘI CHỮ THẬP ĐỎ XÃ PHÚ LỘC"],
                        ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]],
                       [["Số: 17/BC-CTĐ"], ["Phú Lộc, ngày 25 tháng 9 năm 2025"]]],
        "signature": ["TM. BAN CHẤP HÀNH", "CHỦ TỊCH", "Đỗ Thị Thu Hà"],
        "tables": [[1, 1, 1, 2, 1]],
        "styles": {"part": "bold", "roman": "Heading 1", "num": "bold", "sub": "Heading 3",
                   "letter": "Heading 3"},
        "nfd": [],
    },
}

HEADING_RX = [("part", re.compile(r"^Phần thứ \w+$")), ("roman", re.compile(r"^[IVX]+\.\s")),
              ("sub", re.compile(r"^\d+\.\d+\.\s")), ("num", re.compile(r"^\d+\.\s")),
              ("letter", re.compile(r"^[a-zđ]\)\s"))]
FOOTNOTE_LINE = re.compile(r"^\[(\d+)\]\s(.*)$")
FOOTNOTE_MARK = re.compile(r"\[(\d+)\]")


def heading_level(line: str) -> str | None:
    return next((lv for lv, rx in HEADING_RX if rx.match(line)), None)


def parse(txt: str):
    """The txt as a list of items: ("letterhead", rows) ("title", lines) ("heading", level, line)
    ("parttitle", line) ("para", line) ("table", rows) ("closing", cells) ("blank",); plus footnotes."""
    lines = txt.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    items, notes = [], {}
    i, closed = 0, False
    while i < len(lines):
        line = lines[i]
        if closed:
            m = FOOTNOTE_LINE.match(line)
            if m:
                notes[int(m.group(1))] = m.group(2)
            elif line.strip():
                raise ValueError(f"unexpected line after the closing block: {line!r}")
            i += 1
            continue
        if "\t" in line:
            rows = []
            while i < len(lines) and "\t" in lines[i]:
                rows.append(lines[i].split("\t"))
                i += 1
            if not items:
                items.append(("letterhead", rows))
            elif rows[0][0].startswith("Nơi nhận"):
                items.append(("closing", rows[0]))
                closed = True
            else:
                items.append(("table", rows))
            continue
        if not line.strip():
            items.append(("blank",))
        elif line == "BÁO CÁO":
            title = [line]
            while i + 1 < len(lines) and lines[i + 1].strip():
                i += 1
                title.append(lines[i])
            items.append(("title", title))
        elif heading_level(line):
            lv = heading_level(line)
            items.append(("heading", lv, line))
            if lv == "part":
                i += 1
                items.append(("parttitle", lines[i]))
        else:
            items.append(("para", line))
        i += 1
    return items, notes


class Builder:
    def __init__(self, name: str):
        self.name = name
        self.cfg = REPORTS[name]
        self.doc = docx.Document()
        st = self.doc.styles["Normal"]
        st.font.name = "Times New Roman"
        st.font.size = Pt(13)
        fn_text = self.doc.styles.add_style("Footnote Text", WD_STYLE_TYPE.PARAGRAPH)
        fn_text.base_style = self.doc.styles["Normal"]
        fn_text.font.size = Pt(10)
        fn_ref = self.doc.styles.add_style("Footnote Reference", WD_STYLE_TYPE.CHARACTER)
        fn_ref.font.superscript = True
        self.fn_text_id, self.fn_ref_id = fn_text.style_id, fn_ref.style_id

    # ---------------------------------------------------------------------------------- runs
    def runs(self, par, text: str, bold=False, italic=False, marks=True):
        """Add text as runs: "[n]" marks become footnote references, NFD substrings their own run."""
        parts = FOOTNOTE_MARK.split(text) if marks else [text]
        for k, part in enumerate(parts):
            if k % 2:
                self.footnote_ref(par, int(part))
                continue
            for seg, nfd in self.nfd_split(part):
                if not seg:
                    continue
                r = par.add_run(unicodedata.normalize("NFD", seg) if nfd else seg)
                r.bold, r.italic = bold or None, italic or None

    def nfd_split(self, text: str):
        for sub in self.cfg["nfd"]:
            j = text.find(sub)
            if j >= 0:
                return self.nfd_split(text[:j]) + [(sub, True)] + self.nfd_split(text[j + len(sub):])
        return [(text, False)]

    def footnote_ref(self, par, n: int):
        r = par.add_run()
        rpr = OxmlElement("w:rPr")
        rs = OxmlElement("w:rStyle")
        rs.set(qn("w:val"), self.fn_ref_id)
        rpr.append(rs)
        r._r.append(rpr)
        ref = OxmlElement("w:footnoteReference")
        ref.set(qn("w:id"), str(n))
        r._r.append(ref)
        self.used_notes.append(n)

    # ------------------------------------------------------------------------------- blocks
    def para(self, text, bold=False, italic=False, center=False, style=None):
        p = self.doc.add_paragraph(style=style)
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.runs(p, text, bold, italic)
        return p

    def heading(self, level: str, line: str):
        style = self.cfg["styles"][level]
        if style.startswith("Heading"):
            p = self.doc.add_paragraph(style=style)
            self.runs(p, line)
        else:
            p = self.para(line, bold=True, italic=style == "bolditalic", center=level == "part")
        return p

    @staticmethod
    def no_borders(table):
        tbl_pr = table._tbl.tblPr
        borders = OxmlElement("w:tblBorders")
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            e = OxmlElement(f"w:{edge}")
            e.set(qn("w:val"), "nil")
            borders.append(e)
        tbl_pr.append(borders)

    def cell_lines(self, cell, lines, bold=False, italic=False, center=True):
        cell.text = ""
        for k, line in enumerate(lines):
            p = cell.paragraphs[0] if k == 0 else cell.add_paragraph()
            if center:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self.runs(p, line, bold=bold, italic=italic)

    def letterhead(self, rows):
        spec = self.cfg["letterhead"]
        t = self.doc.add_table(rows=2, cols=2)
        self.no_borders(t)
        for r, row in enumerate(rows):
            for c, cell_text in enumerate(row):
                lines = spec[r][c]
                assert " ".join(lines) == cell_text, (self.name, lines, cell_text)
                self.cell_lines(t.cell(r, c), lines, bold=r == 0, italic=(r, c) == (1, 1))

    def closing(self, cells):
        left, right = cells
        lines = re.split(r" (?=- )", left)
        assert " ".join(lines) == left
        sig = self.cfg["signature"]
        assert " ".join(sig) == right, (sig, right)
        t = self.doc.add_table(rows=1, cols=2)
        self.no_borders(t)
        cl = t.cell(0, 0)
        cl.text = ""
        for k, line in enumerate(lines):
            p = cl.paragraphs[0] if k == 0 else cl.add_paragraph()
            r = p.add_run(line)
            r.bold, r.italic = (True, True) if k == 0 else (None, None)
        self.cell_lines(t.cell(0, 1), sig, bold=True)

    def table(self, rows, spans):
        head1, head2, body = rows[0], rows[1], rows[2:]
        ncols = sum(spans)
        assert len(head1) == len(spans) and len(head2) == ncols, (self.name, head1, head2, spans)
        t = self.doc.add_table(rows=len(rows), cols=ncols)
        t.style = self.doc.styles["Table Grid"]
        c = 0
        for text, s in zip(head1, spans):
            if s == 1:
                assert head2[c] == "", (self.name, head2, c)
                cell = t.cell(0, c).merge(t.cell(1, c))  # vMerge restart / continue
                self.cell_lines(cell, [text], bold=True)
            else:
                cell = t.cell(0, c).merge(t.cell(0, c + s - 1))  # gridSpan
                self.cell_lines(cell, [text], bold=True)
                for k in range(c, c + s):
                    assert head2[k], (self.name, head2, k)
                    self.cell_lines(t.cell(1, k), [head2[k]], bold=True)
            c += s
        for r, row in enumerate(body, start=2):
            lead = ncols - len(row)  # a total row: its label spans the first lead+1 columns
            assert lead >= 0, (self.name, row)
            if lead:
                cell = t.cell(r, 0).merge(t.cell(r, lead))
                self.cell_lines(cell, [row[0]], bold=True)
                cells = row[1:]
                start = lead + 1
            else:
                cells, start = row, 0
            for k, text in enumerate(cells):
                label = start + k == 1 and not lead
                self.cell_lines(t.cell(r, start + k), [text] if text else [], bold=bool(lead), center=not label)

    def footnotes_part(self, notes: dict[int, str]):
        missing = sorted(set(self.used_notes) ^ set(notes))
        assert not missing, (self.name, "footnote marks without text or texts without mark", missing)
        from xml.sax.saxutils import escape

        def p(inner, style=True):
            ppr = (f'<w:pPr><w:pStyle w:val="{self.fn_text_id}"/></w:pPr>' if style else
                   '<w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>')
            return f"<w:p>{ppr}{inner}</w:p>"

        xml = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               f'<w:footnotes xmlns:w="{W_NS}" xmlns:r="{R_NS}">',
               f'<w:footnote w:type="separator" w:id="-1">{p("<w:r><w:separator/></w:r>", False)}</w:footnote>',
               f'<w:footnote w:type="continuationSeparator" w:id="0">'
               f'{p("<w:r><w:continuationSeparator/></w:r>", False)}</w:footnote>']
        for n in sorted(notes):
            text = notes[n]
            runs = (f'<w:r><w:rPr><w:rStyle w:val="{self.fn_ref_id}"/></w:rPr><w:footnoteRef/></w:r>'
                    f'<w:r><w:t xml:space="preserve"> </w:t></w:r>')
            for seg, nfd in self.nfd_split(text):
                if seg:
                    seg = unicodedata.normalize("NFD", seg) if nfd else seg
                    runs += f'<w:r><w:t xml:space="preserve">{escape(seg)}</w:t></w:r>'
            xml.append(f'<w:footnote w:id="{n}">{p(runs)}</w:footnote>')
        xml.append("</w:footnotes>")
        blob = "".join(xml).encode("utf-8")
        part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES_CT, blob, self.doc.part.package)
        self.doc.part.relate_to(part, RT.FOOTNOTES)
        # settings: which footnotes are the separators (as Word writes it)
        settings = self.doc.settings.element
        fpr = OxmlElement("w:footnotePr")
        for i in ("-1", "0"):
            f = OxmlElement("w:footnote")
            f.set(qn("w:id"), i)
            fpr.append(f)
        compat = settings.find(qn("w:compat"))
        if compat is not None:
            compat.addprevious(fpr)
        else:
            settings.append(fpr)

    def build(self, txt: str) -> docx.Document:
        items, notes = parse(txt)
        self.used_notes = []
        tables = iter(self.cfg["tables"])
        for item in items:
            kind = item[0]
            if kind == "letterhead":
                self.letterhead(item[1])
            elif kind == "title":
                for k, line in enumerate(item[1]):
                    self.para(line, bold=True, center=True)
            elif kind == "heading":
                self.heading(item[1], item[2])
            elif kind == "parttitle":
                self.para(item[1], bold=True, center=True)
            elif kind == "para":
                self.para(item[1])
            elif kind == "blank":
                self.doc.add_paragraph()
            elif kind == "table":
                self.table(item[1], next(tables))
            elif kind == "closing":
                self.closing(item[1])
        assert next(tables, None) is None, (self.name, "more table specs than tables")
        if notes:
            self.footnotes_part(notes)
        cp = self.doc.core_properties  # fixed, so that a rebuild gives the same parts
        cp.author = cp.last_modified_by = "vnreport tests"
        cp.title = self.name
        cp.created = cp.modified = datetime(2025, 12, 15, 8, 0, 0)
        cp.revision = 1
        return self.doc


def main(argv: list[str]) -> int:
    names = argv or sorted(REPORTS)
    out = HERE / "docx"
    out.mkdir(exist_ok=True)
    for name in names:
        txt = (HERE / "txt" / f"{name}.txt").read_text(encoding="utf-8")
        d = Builder(name).build(txt)
        path = out / f"{name}.docx"
        d.save(str(path))
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
