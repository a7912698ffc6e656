"""The heading tree: the shapes of headings real reports use, and the lines that only look like one."""
from pipeline.ingest import read_text_blocks
from pipeline.segment import parse_heading, part_label, segment


def paths(text):
    out = segment(text, read_text_blocks(text))
    return [(s.path, s.title) for s in out.sections], out


def test_levels_and_paths():
    text = ("Phần thứ nhất\nKẾT QUẢ\nI. CÔNG TÁC HƯỚNG DẪN\n1. Tuyên truyền\n2. Vận động\n2.1. Tình hình\n"
            "2.2.1. Chi tiết\na) Mục nhỏ\nII- KẾT QUẢ KHÁC\nPhần thứ hai\nNHIỆM VỤ\n1. Tập trung\n")
    got, _ = paths(text)
    assert [p for p, _ in got] == [
        "Phần thứ nhất", "Phần thứ nhất > I", "Phần thứ nhất > I > 1", "Phần thứ nhất > I > 2",
        "Phần thứ nhất > I > 2 > 2.1", "Phần thứ nhất > I > 2 > 2.1 > 2.2.1",
        "Phần thứ nhất > I > 2 > 2.1 > 2.2.1 > a", "Phần thứ nhất > II", "Phần thứ hai", "Phần thứ hai > 1"]
    assert got[0][1] == "KẾT QUẢ" and got[-2][1] == "NHIỆM VỤ"


def test_repeated_part_takes_its_position():
    got, _ = paths("Phần thứ nhất\nA\nI. MỘT\nPhần thứ nhất\nB\n1. Hai\n")
    assert [p for p, _ in got] == ["Phần thứ nhất", "Phần thứ nhất > I", "Phần thứ hai", "Phần thứ hai > 1"]
    assert part_label("PHẦN THỨ NHẤT", 2) == "PHẦN THỨ HAI"
    assert part_label("Phần II", 2) == "Phần II" and part_label("Phần I", 3) == "Phần III"


def test_wrapped_capital_heading_and_markdown_and_bold():
    text = ("#### Phần thứ nhất\n\n### KẾT QUẢ CÔNG TÁC\n\n## **II. KẾT QUẢ THỰC HIỆN CHƯƠNG TRÌNH PHỐI HỢP VÀ \n\n"
            "THỐNG NHẤT HÀNH ĐỘNG NĂM 2023**\n\n### **1. Việc tổ chức quán triệt**\n\nNội dung.\n")
    got, _ = paths(text)
    assert got[0] == ("Phần thứ nhất", "KẾT QUẢ CÔNG TÁC")
    assert got[1] == ("Phần thứ nhất > II", "KẾT QUẢ THỰC HIỆN CHƯƠNG TRÌNH PHỐI HỢP VÀ THỐNG NHẤT HÀNH ĐỘNG NĂM 2023")
    assert got[2] == ("Phần thứ nhất > II > 1", "Việc tổ chức quán triệt")


def test_heading_running_into_body_text():
    got, _ = paths("I. KẾT QUẢ\n2.3. Kết quả triển khai Phong trào “Đoàn kết, sáng tạo” Tiếp tục thực hiện tốt.\n")
    assert got[1] == ("I > 2.3", "Kết quả triển khai Phong trào “Đoàn kết, sáng tạo”")


def test_not_headings():
    text = ("I. KẾT QUẢ\n1. Tình hình\n"
            "30 triệu đồng hỗ trợ hộ nghèo.\n"
            "989.100.000 đồng, (trong đó 300 suất quà)\n"
            "1 Thông báo số 507-TB/HU ngày 10/3/2023\n"
            "¹ Chương trình số 13-CTr/HU\n"
            "28/8/2023 tổ chức hội nghị\n"
            "TT\tTên đơn vị\tSố hội nghị\n1\tHuyện A\t6\n")
    got, _ = paths(text)
    assert [p for p, _ in got] == ["I", "I > 1"]


def test_duplicate_and_restarted_numbers():
    text = ("I. ĐẶC ĐIỂM\n1. Tình hình chung\nx\n1. Thuận lợi\ny\n2. Khó khăn\n2.1. Chi tiết\n"
            "1. Một điểm trong danh sách\n")
    got, _ = paths(text)
    assert [p for p, _ in got] == ["I", "I > 1", "I > 1", "I > 2", "I > 2 > 2.1"]


def test_closing_block_ends_the_outline():
    text = "I. KẾT QUẢ\nCó 5 xã.\nNơi nhận:\n- Lưu VT.\nBẢNG SỐ LIỆU\nTT\tĐơn vị\tSố\n1\tXã A\t5\n"
    got, outline = paths(text)
    assert outline.closing == text.index("Nơi nhận")
    assert outline.at(text.index("Có 5")).path == "I"
    assert outline.at(text.index("Xã A")) is None


def test_appendix_table_outside_outline_keeps_its_title(extractor):
    from pipeline.records import Document

    text = ("I. KẾT QUẢ\nCó 5 xã.\nNơi nhận:\n- Lưu VT.\n\nBẢNG TỔNG HỢP SỐ LIỆU\n(Kèm theo Báo cáo số 44/BC-HU)\n"
            "TT\tTên đơn vị\tSố hội nghị\tSố người\nA\tB\t1\t2\n1\tXã A\t6\t650\n")
    doc = Document("d", "d.txt", "txt", text=text, blocks=read_text_blocks(text))
    rows = extractor.run(doc, segment(text, doc.blocks))
    cells = [r for r in rows if r.origin == "table"]
    assert [(r.value, r.row, r.col) for r in cells] == [(6, "Xã A", "Số hội nghị"), (650, "Xã A", "Số người")]
    assert all(r.section_path == "" and r.section_title == "BẢNG TỔNG HỢP SỐ LIỆU" for r in cells)
    assert [r.section_path for r in rows if r.kind == "count" and r.origin == "body"] == ["I"]


def test_bare_label_takes_next_line_as_title():
    got, _ = paths("Phần thứ nhất\n\nKẾT QUẢ\n\nI.\n\nĐẶC ĐIỂM TÌNH HÌNH\n\nNội dung\n")
    assert got == [("Phần thứ nhất", "KẾT QUẢ"), ("Phần thứ nhất > I", "ĐẶC ĐIỂM TÌNH HÌNH")]


def test_table_text_cells_are_read_with_their_row_and_column(extractor):
    from pipeline.records import Document

    text = ("I. KẾT QUẢ\nTT\tĐơn vị\tKết quả giải quyết\tTỷ lệ\n1\tXã A\t86/100 đơn\t86%\n"
            "2\tXã B\tđã giải quyết 12 đơn\t100%\n")
    doc = Document("d", "d.txt", "txt", text=text, blocks=read_text_blocks(text))
    rows = extractor.run(doc, segment(text, doc.blocks))
    got = [(r.kind, r.value, r.row, r.col, r.origin, r.section_path) for r in rows]
    assert got == [("ratio", "86/100", "Xã A", "Kết quả giải quyết", "table", "I"),
                   ("percent", 86, "Xã A", "Tỷ lệ", "table", "I"),
                   ("count", 12, "Xã B", "Kết quả giải quyết", "table", "I"),
                   ("percent", 100, "Xã B", "Tỷ lệ", "table", "I")]


def test_markdown_pipe_table(extractor):
    from pipeline.records import Document

    text = ("## I. KẾT QUẢ\n\n| TT | Đơn vị | Số hội nghị | Số người |\n|---|---|:---:|---|\n"
            "| 1 | Xã A | 6 | 650 |\n| 2 | Xã B | 4 | 1.200 |\n")
    doc = Document("d", "d.md", "md", text=text, blocks=read_text_blocks(text))
    rows = extractor.run(doc, segment(text, doc.blocks))
    assert [(r.value, r.row, r.col, r.section_path) for r in rows] == [
        (6, "Xã A", "Số hội nghị", "I"), (650, "Xã A", "Số người", "I"),
        (4, "Xã B", "Số hội nghị", "I"), (1200, "Xã B", "Số người", "I")]
    assert all(text[r.char_start:r.char_end] == r.text for r in rows)


def test_part_written_as_a_word():
    got, _ = paths("PHẦN MỘT\nKẾT QUẢ\nI. CHUNG\nPHẦN HAI: NHIỆM VỤ\n1. Tập trung\n")
    assert [p for p, _ in got] == ["PHẦN MỘT", "PHẦN MỘT > I", "PHẦN HAI", "PHẦN HAI > 1"]


def test_roman_numerals_must_follow_a_sequence():
    got, _ = paths("I. MỘT\nII. HAI\nC. KHÔNG PHẢI SỐ LA MÃ\nIV. BỐN\nIII. BA\n")
    assert [p for p, _ in got] == ["I", "II", "IV", "III"]


def test_a_zero_in_a_number_is_no_heading():
    """Outline numbers count from 1 at every level: "2.0 Chỉ số …" is a version or a score, not section 2.0."""
    assert parse_heading("2.0 Chỉ số năng lực cạnh tranh cấp tỉnh đạt 65,1 điểm") is None
    assert parse_heading("1.0. Kết quả") is None
    assert parse_heading("2.1. Kết quả") == (3, "2.1", "Kết quả")


def test_heading_after_a_decoration_on_its_line(extractor):
    """A conversion that joins a rule line onto the heading's line ("-----PHẦN I", "________ PHẦN II. …") keeps the
    heading; the values under it (and on its line) take its path."""
    from pipeline.records import Document

    for deco in ("-----", "________ ", "=====", "—————", "* * * ", "_____________"):
        assert parse_heading(f"{deco}PHẦN I") == (0, "PHẦN I", ""), deco
        assert parse_heading(f"{deco}II. KẾT QUẢ CÔNG TÁC") == (1, "II", "KẾT QUẢ CÔNG TÁC"), deco
    assert parse_heading("------ 12 hộ được hỗ trợ") is None
    assert parse_heading("...2.1. Chi tiết") is None
    text = ("-----PHẦN I\nKẾT QUẢ\n________ I. CÔNG TÁC TUYÊN TRUYỀN\nTổ chức 12 hội nghị.\n"
            "_____________ PHẦN II. NHIỆM VỤ NĂM 2025: phấn đấu kết nạp 300 hội viên\n1. Tập trung 5 nhiệm vụ.\n")
    got, _ = paths(text)
    assert [p for p, _ in got] == ["PHẦN I", "PHẦN I > I", "PHẦN II", "PHẦN II > 1"]
    assert got[0][1] == "KẾT QUẢ"
    doc = Document("d", "d.txt", "txt", text=text, blocks=read_text_blocks(text))
    rows = extractor.run(doc, segment(text, doc.blocks))
    assert [(r.value, r.section_path) for r in rows if r.kind == "count"] == [
        (12, "PHẦN I > I"), (300, "PHẦN II"), (5, "PHẦN II > 1")]
