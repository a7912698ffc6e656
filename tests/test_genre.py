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
