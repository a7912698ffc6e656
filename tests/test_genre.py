"""The columns added with the genre: row ids, total rows, notes for the analyst."""
from pipeline.ingest import read_text_blocks
from pipeline.records import Document
from pipeline.segment import segment


def run_text(extractor, text, doc_id="ex"):
    doc = Document(doc_id, f"{doc_id}.txt", "txt", text=text, blocks=read_text_blocks(text))
    return extractor.run(doc, segment(text, doc.blocks))


def test_ids_follow_text_order_and_are_stable(extractor):
    text = "Tổ chức 12 hội nghị với 1.200 lượt người; hỗ trợ 50 triệu đồng ngày 05/6/2025."
    a = run_text(extractor, text, "r1")
    b = run_text(extractor, text, "r1")
    assert [r.id for r in a] == [f"r1:{n}" for n in range(1, len(a) + 1)]
    assert [r.id for r in a] == [r.id for r in b]
    assert [r.char_start for r in a] == sorted(r.char_start for r in a)


def test_total_rows_are_flagged(extractor):
    text = "TT\tĐơn vị\tSố hội viên\n1\tXã A\t120\n2\tXã B\t80\nTổng cộng\t\t200\n"
    rows = run_text(extractor, text)
    assert {(r.value, r.total) for r in rows} == {(120, ""), (80, ""), (200, "yes")}


def test_ambiguous_separators_get_a_note(extractor):
    rows = run_text(extractor, "thu giữ 1.234.5678g ma túy và 1,75kg cần sa")
    got = {(r.value, r.unit, r.note) for r in rows}
    assert got == {(1234.5678, "g", "ambiguous separators"), (1.75, "kg", "")}


def test_ranges_give_two_rows(extractor):
    rows = run_text(extractor, "hỗ trợ 20 - 30 triệu đồng/hộ và tổ chức từ 3 đến 5 buổi")
    got = sorted((r.kind, r.value, r.qualifier, r.per, r.unit) for r in rows)
    assert got == [("count", 3, "từ", "", "buổi"), ("count", 5, "đến", "", "buổi"),
                   ("money", 20000000, "từ", "hộ", "VND"), ("money", 30000000, "đến", "hộ", "VND")]


def test_page_furniture_of_converted_pdf_text(extractor):
    """Page-number lines of a text converted from PDF are read past: "- 12 -", "Trang 12/35", a bare number beside a
    form feed or in the run of page numbers (a page or more apart); a bare number after its label stays its value;
    offsets and texts stay the document's own."""
    from pipeline.extraction.extractor import page_furniture

    para = "Hội đã tổ chức nhiều hoạt động tuyên truyền cho hội viên tại các chi hội trên địa bàn xã. " * 8
    text = (para + "\n\n2\n\n" + para + "kết nạp\n\n3\n\n45 hội viên mới. " + para + "\n\nSố chi hội:\n\n12\n\n"
            + para + "\n\f4\n" + para + "đạt 95\n\n- 5 -\n\n% kế hoạch;\nTrang 6/9\nSTT\n1\nXã A\n2\nXã B\n")
    spans = [text[a:z].strip() for a, z in page_furniture(text, ["trang"])]
    assert spans == ["2", "3", "4", "- 5 -", "Trang 6/9"]
    rows = run_text(extractor, text)
    got = [(r.kind, r.value, r.unit) for r in rows]
    assert ("count", 45, "hội viên") in got and ("count", 12, "chi hội") in got
    assert ("percent", 95, "%") in got
    assert not any(r.value in (2, 3, 4, 5) for r in rows)
    for r in rows:
        assert text[r.char_start:r.char_end] == r.text
    pct = next(r for r in rows if r.kind == "percent")
    assert "- 5 -" not in pct.context  # the sentence reads on across the page break


def test_quarter_and_month_runs_normalise():
    from pipeline.normalise import months_of_year

    assert months_of_year(None, None, "I", "2024", "II") == "2024-01/2024-06"
    assert months_of_year(None, None, "2", "2025", "4") == "2025-04/2025-12"
    assert months_of_year(None, None, "III", "2024", "II") is None
    assert months_of_year(None, None, "III", "2024") == "2024-07/2024-09"


def test_units_inherited_from_the_sentence(extractor):
    """A label-first item of a breakdown counts the breakdown's noun; a bracketed year pair after a counted figure
    takes its noun; a statistics block under a "Số …:" head counts the head's noun; names are no items."""
    rows = run_text(extractor, "Ủy ban Kiểm tra kỷ luật 14 đảng viên (cảnh cáo 05, khiển trách 09); "
                               "tội phạm giảm 12 vụ (85/97); tăng 2 vụ so với cùng kỳ (14/12).")
    got = [(r.kind, r.value, r.unit) for r in rows]
    assert got == [("count", 14, "đảng viên"), ("count", 5, "đảng viên"), ("count", 9, "đảng viên"),
                   ("count", 12, "vụ"), ("ratio", "85/97", "vụ"), ("count", 2, "vụ"), ("ratio", "14/12", "vụ")]
    rows = run_text(extractor, "Số vụ án:\n- Khởi tố mới: 12\n- Đã xét xử: 10\nTổng số hội viên: 30\n")
    assert [(r.value, r.unit) for r in rows] == [(12, "vụ án"), (10, "vụ án"), (30, "hội viên")]
    rows = run_text(extractor, "phối hợp với 03 đơn vị (Đoàn KTQP 356, Đồn Biên phòng 315)")
    assert [(r.value, r.unit) for r in rows] == [(3, "đơn vị")]
    # a pair after a percent has no counted noun; a pair after a plain count with no comparison may be a date
    rows = run_text(extractor, "tỷ lệ giảm 1,2% (4,5/5,7); tổ chức 12 hội nghị (20/10)")
    assert [(r.kind, r.value, r.unit) for r in rows] == [
        ("percent", 1.2, "%"), ("ratio", "4.5/5.7", ""), ("count", 12, "hội nghị"), ("date", "--10-20", "")]


def test_footnotes_of_text_files_are_footnotes_where_they_sit(extractor):
    """A text file's note is known as a footnote whatever way the text writes its mark (Markdown [^n], <sup>n</sup>,
    a PDF's superscript, "(n)", a number glued to the cited word), and its values keep the section where the note's
    text sits, as the evaluation places every value by its offset; a note after the closing block stays outside the
    outline."""
    for mark, line in (("[^1]", "[^1]: Kế hoạch"), ("<sup>1</sup>", "<sup>1</sup> Kế hoạch"), ("¹", "¹ Kế hoạch"),
                       ("(1)", "(1)Kế hoạch"), ("[1]", "[1] Kế hoạch"), ("1", "1 Kế hoạch")):
        text = (f"I. KẾT QUẢ\n1. Tuyên truyền\nBan Thường vụ ban hành các văn bản chỉ đạo{mark}. Tổ chức 5 hội nghị.\n"
                f"2. Vận động\nVận động 30 hộ.\n{line} gồm 12 văn bản hướng dẫn.\n3. Kiểm tra\nKiểm tra 4 xã.\n")
        rows = run_text(extractor, text)
        note = next(r for r in rows if r.value == 12)
        assert (note.section_path, note.origin) == ("I > 2", "footnote"), (mark, note)
        assert next(r for r in rows if r.value == 30).section_path == "I > 2"
    text = ("I. KẾT QUẢ\n1. Tuyên truyền\nBan hành văn bản[1].\nNơi nhận:\n- Lưu VT.\n"
            "[1] Gồm 12 văn bản hướng dẫn.\n")
    note = next(r for r in run_text(extractor, text) if r.value == 12)
    assert (note.section_path, note.origin) == ("", "footnote")
