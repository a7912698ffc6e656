"""The consistency checks (pipeline/checks): every ``[[checks_example]]`` of patterns/checks.toml, and contradictions
planted in the real reports of corpus/txt — a part changed so the parts no longer add up, a ratio above its whole,
a share above 100%, a date after the report's date, a table total — each flagged, the untouched report not. Also a
contradiction the real wild corpus holds (a table's "Cộng" row that disagrees with its cells), and the stage's
place: every executor's ``process`` runs it, and a note is added once, after the extractor's own notes."""
import tomllib
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT, SHARED
from pipeline.checks import CHECKS, check, words
from pipeline.checks.common import add_note
from pipeline.ingest import ingest, read_text_blocks
from pipeline.records import Document, Indicator
from pipeline.segment import segment
from pipeline.stages import process

DATA = tomllib.loads((ROOT / "patterns" / "checks.toml").read_text(encoding="utf-8"))
EXAMPLES = DATA["checks_example"]
OWN = ("read by OCR", "ambiguous separators")  # the notes the checks leave as they are


def mine(row) -> list[str]:
    return [p for p in row.note.split("; ") if p and p not in OWN]


def run_text(extractor, text: str, issued: str = ""):
    doc = Document("ex", "ex.txt", "txt", text=text, blocks=read_text_blocks(text))
    outline = segment(text, doc.blocks)
    rows = extractor.run(doc, outline)
    sections = [{"section_path": s.path, "title": s.title, "label": s.label} for s in outline.sections]
    return check(rows, text, doc.blocks, issued, sections)


# ------------------------------------------------------------------------------------------ the examples
@pytest.mark.parametrize("ex", EXAMPLES, ids=[e["text"][:50] for e in EXAMPLES])
def test_example(extractor, ex):
    rows = run_text(extractor, ex["text"], ex.get("issued", ""))
    got = {(r.text, n) for r in rows for n in mine(r)}
    for want in ex["expect"]:
        assert any(t == want["text"] and n.startswith(want["note"]) for t, n in got), \
            f"{want['text']!r} should get {want['note']!r}; got {sorted(got)}"
    assert len(got) == len(ex["expect"]), f"unexpected notes: {sorted(got)}"


def test_every_check_has_examples_both_ways():
    """Each note of the words file is shown by an example, and each check by a negative example beside it."""
    notes = words().notes
    shown = {want["note"] for ex in EXAMPLES for want in ex["expect"]}
    for key, template in notes.items():
        head = template.split(" (")[0].split("{")[0]
        assert any(s.startswith(head) for s in shown), f"no example shows the note {key!r}"
    assert sum(1 for ex in EXAMPLES if not ex["expect"]) >= len(CHECKS) * 2
    assert len(EXAMPLES) >= 40


def test_each_check_says_what_it_flags_and_leaves_alone():
    for module in CHECKS:
        doc = module.__doc__ or ""
        assert "Flags:" in doc and "Leaves alone" in doc, module.__name__


def test_notes_join_and_keep_the_extractors_own():
    r = Indicator("d", "d.txt", "count", 5, note="read by OCR")
    add_note(r, "share above 100%")
    add_note(r, "share above 100%")
    assert r.note == "read by OCR; share above 100%"


# ------------------------------------------------------------------------------------------ planted in real reports
def run_file(extractor, path: Path, doc_id: str):
    doc = ingest(path, doc_id, path.name)
    rows, sections, meta = process(doc, extractor)
    return doc, rows, meta


def report(tmp_path, name: str, *edits: tuple[str, str]) -> Path:
    """A real report of corpus/txt with ``edits`` made (each string must be there exactly once)."""
    text = (CORPUS / "txt" / name).read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def noted(rows) -> list[tuple[str, str]]:
    return [(" ".join(r.text.split()), n) for r in rows for n in mine(r)]


# 000: "215 văn bản … (trong đó: 46 kế hoạch, 07 hướng dẫn, 151 công văn, 11 Thông báo)"; its one real
# contradiction, "862.796.456 đồng (trong đó … 744.304.560 listed)", is left as it is
REAL_000 = [("862.796.456 đồng", "parts do not add up to this total (24000000 + 480000000 + 119963000 + 120341560 = "
                                 "744304560)")]


def test_000_untouched_has_only_its_own_contradiction(extractor, tmp_path):
    _, rows, _ = run_file(extractor, report(tmp_path, "000_f9135524f0dbee1e.txt"), "000")
    assert noted(rows) == REAL_000


def test_000_parts_changed(extractor, tmp_path):
    path = report(tmp_path, "000_f9135524f0dbee1e.txt", ("07 hướng dẫn, 151 công văn", "07 hướng dẫn, 150 công văn"))
    _, rows, _ = run_file(extractor, path, "000")
    assert ("215 văn bản", "parts do not add up to this total (46 + 7 + 150 + 11 = 214)") in noted(rows)
    assert len(noted(rows)) == len(REAL_000) + 1


def test_000_part_above_total_and_breakdown_by_level(extractor, tmp_path):
    # "100 đơn = 100 vụ việc (cấp thành phố 77 đơn; cấp xã, phường 23 đơn)": a part raised above its total
    path = report(tmp_path, "000_f9135524f0dbee1e.txt", ("(cấp thành phố 77 đơn;", "(cấp thành phố 107 đơn;"))
    _, rows, _ = run_file(extractor, path, "000")
    got = noted(rows)
    assert ("107 đơn", "part above its total (107 > 100)") in got
    assert ("100 đơn", "parts do not add up to this total (107 + 23 = 130)") in got


def test_000_ratio_above_its_whole(extractor, tmp_path):
    # the extractor reads a bracketed pair whichever is larger ("(85/97)"), so a part above its whole reaches the
    # check written so; untouched, the same sentence gets no note
    same = report(tmp_path, "000_f9135524f0dbee1e.txt", ("86/100 đơn; số đơn", "(86/100) đơn; số đơn"))
    _, rows, _ = run_file(extractor, same, "000")
    assert noted(rows) == REAL_000
    above = report(tmp_path, "000_f9135524f0dbee1e.txt", ("86/100 đơn; số đơn", "(120/100) đơn; số đơn"))
    _, rows, _ = run_file(extractor, above, "000")
    assert ("120/100", "part above its whole (120/100)") in noted(rows)


def test_000_ratio_above_its_whole_as_written(extractor, tmp_path):
    """"120/100 đơn" as the report writes it is a ratio (not a day and month: 100 is no month) and is flagged."""
    path = report(tmp_path, "000_f9135524f0dbee1e.txt", ("86/100 đơn; số đơn", "120/100 đơn; số đơn"))
    _, rows, _ = run_file(extractor, path, "000")
    assert any(t.startswith("120/100") and n.startswith("part above its whole") for t, n in noted(rows))


def test_002_share_above_100(extractor, tmp_path):
    _, rows, _ = run_file(extractor, report(tmp_path, "002_42f08eaff795a7ac.txt"), "002")
    assert noted(rows) == []
    path = report(tmp_path, "002_42f08eaff795a7ac.txt",
                  ("- 100% người đứng đầu cấp ủy", "- 120% người đứng đầu cấp ủy"))
    _, rows, _ = run_file(extractor, path, "002")
    assert noted(rows) == [("120%", "share above 100%")]


# 002's appendix table "Ban Dân vận các cấp ban hành văn bản …": one office's row, its "Tổng số" column and the
# "Tổng cộng" row left blank in the report; filled in with the sums they must hold
TABLE_ROW = "1\tBDV Huyện ủy Phong Thổ\t\t18\t24\t17\t14"
TABLE_TOTAL = "Tổng cộng\t\t\t\t\t\t"


def test_002_table_totals(extractor, tmp_path):
    filled = (TABLE_ROW, "1\tBDV Huyện ủy Phong Thổ\t73\t18\t24\t17\t14"), \
        (TABLE_TOTAL, "Tổng cộng\t\t73\t18\t24\t17\t14")
    _, rows, _ = run_file(extractor, report(tmp_path, "002_42f08eaff795a7ac.txt", *filled), "002")
    assert noted(rows) == []
    wrong_row = filled[0], (TABLE_TOTAL, "Tổng cộng\t\t73\t18\t25\t17\t14")
    _, rows, _ = run_file(extractor, report(tmp_path, "002_42f08eaff795a7ac.txt", *wrong_row), "002")
    assert noted(rows) == [("25", "table total disagrees with its rows (24)")]
    # the office's own "Tổng số" changed: with one office, no other row confirms what the column adds up, but the
    # total row's cell below it now disagrees with it
    wrong_col = (TABLE_ROW, "1\tBDV Huyện ủy Phong Thổ\t75\t18\t24\t17\t14"), filled[1]
    _, rows, _ = run_file(extractor, report(tmp_path, "002_42f08eaff795a7ac.txt", *wrong_col), "002")
    assert noted(rows) == [("73", "table total disagrees with its rows (75)")]
    # two offices: the total column is read from the rows that agree with it
    two = (TABLE_ROW, TABLE_ROW.replace("\t\t18", "\t73\t18") + "\n2\tBDV Đảng ủy xã Sin Suối Hồ\t11\t2\t3\t4\t2"), \
        (TABLE_TOTAL, "Tổng cộng\t\t84\t20\t27\t21\t16")
    _, rows, _ = run_file(extractor, report(tmp_path, "002_42f08eaff795a7ac.txt", *two), "002")
    assert noted(rows) == []
    two_wrong = two[0][0], two[0][1].replace("\t11\t2", "\t13\t2")
    _, rows, _ = run_file(extractor, report(tmp_path, "002_42f08eaff795a7ac.txt", two_wrong, two[1]), "002")
    got = noted(rows)
    assert ("13", "table total disagrees with its columns (2 + 3 + 4 + 2 = 11)") in got
    assert ("84", "table total disagrees with its rows (73 + 13 = 86)") in got
    assert len(got) == 2


def test_003_date_after_the_reports_date(extractor, tmp_path):
    dated = ("ngày tháng 11 năm 2023", "ngày 24 tháng 11 năm 2023")  # the letterhead's blank day filled in
    doc, rows, meta = run_file(extractor, report(tmp_path, "003_6617312135f34f8a.txt", dated), "003")
    assert meta["issued"] == "2023-11-24"
    assert noted(rows) == []  # every date of the report is on or before it; 2024's tasks are planned
    later = ("Công văn số 2783/UBND-NV ngày 19/9/2023", "Công văn số 2783/UBND-NV ngày 19/12/2023")
    _, rows, _ = run_file(extractor, report(tmp_path, "003_6617312135f34f8a.txt", dated, later), "003")
    assert noted(rows) == [("ngày 19/12/2023", "date after the report's date (2023-11-24)")]


def test_003_breakdown_with_equal_signs_adds_up(extractor, tmp_path):
    # "44 lượt = 47 người = 44 vụ việc (trong đó: Cấp thành phố 28 lượt = 28 người = 28 vụ việc; cấp xã, phường
    # 16 lượt = 19 người = 16 vụ việc)": each total against the parts of its own unit
    _, rows, _ = run_file(extractor, report(tmp_path, "003_6617312135f34f8a.txt"), "003")
    assert noted(rows) == []
    path = report(tmp_path, "003_6617312135f34f8a.txt", ("16 lượt = 19 người", "16 lượt = 18 người"))
    _, rows, _ = run_file(extractor, path, "003")
    assert noted(rows) == [("47 người", "parts do not add up to this total (28 + 18 = 46)")]


# ------------------------------------------------------------------------------------------ a real contradiction
WILD_TABLE = SHARED / "corpus-wild" / "files" / "lifephongphanmem__thiduakhenthuong" / "1668011054_baocao.docx"


@pytest.mark.skipif(not WILD_TABLE.exists(), reason="../shared/corpus-wild not present")
def test_wild_report_whose_total_row_disagrees(extractor):
    """A real report's "Cộng" row says 20 where its cells (03 + 15) make 18; its other nine totals agree."""
    _, rows, _ = run_file(extractor, WILD_TABLE, "wild")
    table1 = [(r.row, " ".join(r.text.split()), n) for r in rows if r.table == 1 for n in mine(r)]
    assert table1 == [("Cộng", "20", "table total disagrees with its rows (3 + 15 = 18)")]
