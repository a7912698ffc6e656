"""Values to check first: the rows with a ``note`` (``ambiguous separators``, ``read by OCR``, the consistency checks'
notes) in the review pages and in ``indicators.xlsx``.

Three small reports are extracted for real (one of them gets ``ambiguous separators`` from the extractor), then
their note column is set to a known mix — a consistency note with its figures, two notes on one row, a note the
catalogue does not know — and the pages and the workbook are rewritten from the tables, as ``vnreport apply`` does.
In a real headless Chromium, in Vietnamese and in English: the filter shows exactly the noted rows, the page counts
them, the side table and the text mark them, the detail pane says the note in words, keys still work, ``#noted``
opens the page on them; the index counts them per report and sorts by them. The workbook: noted rows filled orange
from end to end (read back with openpyxl), the note column headed in the run's language with a comment that says
what the orange means, filters on.
"""
from __future__ import annotations

import html
import os
import re
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import ROOT
from pipeline import i18n
from pipeline.outputs import files, review
from pipeline.outputs.files import read_tables, write_tables
from pipeline.outputs.review import write_review_from_outdir
from pipeline.outputs.review.templates import catalogue, note_text
from test_review import browser_dir, driver, load, press, screenshot, table  # noqa: F401

VI, EN = catalogue("vi"), catalogue("en")

A = "bao-cao-xa-a"  # four values to check first
B = "bao-cao-xa-b"  # none
C = "bao-cao-xa-c"  # one (from the extractor: ambiguous separators)
TEXTS = {
    A: ("ỦY BAN NHÂN DÂN XÃ A\nBÁO CÁO\nKết quả công tác năm 2024\n\nI. KẾT QUẢ\n"
        "1. Phòng chống ma túy\nCông an xã thu giữ 1.234.5678g ma túy và 1,75kg cần sa, bắt 3 đối tượng.\n"
        "2. Hội viên\nTổng số hội viên: 1.245 người.\nTổ chức 12 hội nghị với 650 lượt người tham gia.\n"
        "Hỗ trợ 25 hộ gia đình; tỷ lệ hộ tham gia đạt 112,5%.\n"),
    B: "ỦY BAN NHÂN DÂN XÃ B\nBÁO CÁO\nKết quả công tác\n\nI. KẾT QUẢ\n"
       "Tổ chức 5 hội nghị với 20 lượt người tham gia.\n",
    C: "ỦY BAN NHÂN DÂN XÃ C\nBÁO CÁO\nKết quả công tác\n\nI. KẾT QUẢ\nThu giữ 2.345.6789g ma túy, bắt 4 đối tượng.\n",
}
PARTS = "parts do not add up to this total (700 + 600 = 1300)"
TWO = "read by OCR; a note nobody has written yet"
# A's notes by the value's source text (the extractor's own note kept on 1.234.5678g)
NOTES = {"1.234.5678g": "ambiguous separators", "1.245 người": PARTS, "650 lượt người": TWO,
         "112,5%": "share above 100%"}


@pytest.fixture(scope="module")
def outdirs(tmp_path_factory):
    """{"vi": OUTDIR, "en": OUTDIR}: the three reports extracted, their notes set, tables, workbook and pages rewritten
    in that language."""
    from pipeline.cli import main

    inp = tmp_path_factory.mktemp("notes_in")
    for doc_id, text in TEXTS.items():
        (inp / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    first = tmp_path_factory.mktemp("notes_extract")
    env, before = os.environ.get("VNREPORT_LANG"), i18n.current()
    assert main(["extract", str(inp), "-o", str(first), "--no-progress", "--lang", "vi"]) == 0
    ind = table(first, "indicators")
    # the extractor's own note; the streaming writer's workbook marks every noted row
    amb = ind[ind.text.isin(["1.234.5678g", "2.345.6789g"])]
    assert list(amb.note) == ["ambiguous separators"] * 2, ind[["id", "text", "note"]]
    wb = load_workbook(first / "indicators.xlsx")
    ws = wb["Chỉ tiêu"]
    head = [c.value for c in ws[1]]
    at = head.index(files.headings("indicators", "vi")["id"]) + 1
    marked = {ws.cell(r, at).value for r in range(2, ws.max_row + 1)
              if ws.cell(r, 1).fill.fgColor.rgb == "FF" + files.NOTED_FILL[1:]}
    assert marked == set(ind[ind.note != ""].id) and set(amb.id) <= marked  # (the checks may note others)
    out = {}
    try:
        for lang in ("vi", "en"):
            d = tmp_path_factory.mktemp(f"notes_{lang}")
            shutil.copytree(first, d, dirs_exist_ok=True)
            tables = read_tables(d)
            ind = tables["indicators"]
            ind["note"] = ""
            for text, note in NOTES.items():
                hit = (ind.doc_id == A) & (ind.text == text)
                assert hit.sum() == 1, (text, ind[ind.doc_id == A].text.tolist())
                ind.loc[hit, "note"] = note
            ind.loc[(ind.doc_id == C) & (ind.text == "2.345.6789g"), "note"] = "ambiguous separators"
            i18n.use(lang)
            write_tables(d, tables, lang)
            write_review_from_outdir(d)
            out[lang] = d
    finally:
        i18n.use(before)
        if env is None:
            os.environ.pop("VNREPORT_LANG", None)
        else:
            os.environ["VNREPORT_LANG"] = env
    return out


def noted_ids(outdir: Path, doc_id: str) -> list[str]:
    ind = table(outdir, "indicators")
    return list(ind[(ind.doc_id == doc_id) & (ind.note != "")].id)


def row_id(outdir: Path, doc_id: str, text: str) -> str:
    ind = table(outdir, "indicators")
    return ind[(ind.doc_id == doc_id) & (ind.text == text)].id.item()


def page(outdir: Path, doc_id: str | None = None, frag: str = "") -> str:
    return (outdir / "review" / f"{doc_id or 'index'}.html").as_uri() + frag


def fresh(driver, address: str):
    load(driver, address)
    driver.execute_script("localStorage.clear()")
    load(driver, address)


def shown_rows(driver) -> list[str]:
    return driver.execute_script("return [...document.querySelectorAll('#rows tr[data-id]')].map(t => t.dataset.id)")


# ---------------------------------------------------------------- the note in words (no browser)

def test_notes_in_words():
    # known notes translated, whatever their case; a note opening with a known one keeps its figures as written
    assert note_text(VI, "ambiguous separators") == "dấu phân cách hàng nghìn / thập phân chưa rõ"
    assert note_text(VI, "Read by OCR") == "đọc bằng OCR"
    assert note_text(VI, PARTS) == "các phần cộng lại không bằng tổng này (700 + 600 = 1300)"
    assert note_text(VI, TWO) == "đọc bằng OCR; a note nobody has written yet"  # unknown: as written
    assert note_text(VI, "share above 100%s") == "share above 100%s"  # a prefix only at a word's end
    assert note_text(VI, "") == ""
    assert note_text(EN, PARTS) == PARTS and note_text(EN, TWO) == TWO


def test_the_checks_notes_are_in_the_catalogues():
    """Every note the consistency checks write (patterns/checks.toml's [notes]: their opening words, before the
    figures) is one the pages can say in Vietnamese."""
    path = ROOT / "patterns" / "checks.toml"
    if not path.exists():
        pytest.skip("no consistency checks in this checkout")
    import tomllib

    notes = tomllib.loads(path.read_text(encoding="utf-8")).get("notes", {})
    assert notes
    for key, template in notes.items():
        opening = re.split(r"\s*[({]", template, maxsplit=1)[0].strip()
        sample = template.replace("{", "").replace("}", "")  # as a row would carry it
        assert f"note.{opening}" in VI and f"note.{opening}" in EN, \
            f"the checks' note {template!r} ({key}): add \"note.{opening}\" to review/assets/i18n/vi.json and en.json"
        assert note_text(VI, sample).startswith(VI[f"note.{opening}"]) and note_text(VI, sample) != sample


def test_pages_carry_the_counts(outdirs):
    for lang, strings in (("vi", VI), ("en", EN)):
        out = outdirs[lang]
        a = (out / "review" / f"{A}.html").read_text(encoding="utf-8")
        assert html.escape(review.tr(strings, "doc.noted", n=4)) in a
        assert '<span class="count" id="noted-count">4</span>' in a
        b = (out / "review" / f"{B}.html").read_text(encoding="utf-8")
        assert 'id="noted-head"' not in b and re.search(r'<input type="checkbox" id="f-noted" disabled>', b)
        index = (out / "review" / "index.html").read_text(encoding="utf-8")
        assert html.escape(review.tr(strings, "index.noted", n=5)) in index


# ---------------------------------------------------------------- the document page, in Chromium

@pytest.mark.parametrize("lang", ["vi", "en"])
def test_filter_shows_exactly_the_values_to_check_first(driver, outdirs, lang):
    out = outdirs[lang]
    strings = VI if lang == "vi" else EN
    want = noted_ids(out, A)
    assert len(want) == 4
    fresh(driver, page(out, A))
    everything = shown_rows(driver)
    assert len(everything) > len(want)
    # the count, in the header and on the filter
    head = driver.find_element("id", "noted-head")
    assert head.text.strip().endswith(review.tr(strings, "doc.noted", n=4))
    toggle = driver.find_element("css selector", "label.noted-toggle")
    assert toggle.text.replace("!", "").split() == (review.tr(strings, "filter.noted") + " 4").split()
    assert driver.find_element("id", "noted-count").text == "4"
    # the side table marks them, the note on hover, translated
    got = driver.execute_script("""
      return [...document.querySelectorAll('#rows tr[data-id]')].map(t => [t.dataset.id, t.classList.contains('noted'),
        !!t.querySelector('td.fl .nb'), t.querySelector('td.fl').getAttribute('title')]);""")
    ind = table(out, "indicators").set_index("id")
    for rid, noted, badge, title in got:
        note = ind.loc[rid, "note"]
        assert noted == badge == bool(note), rid
        assert title == (note_text(strings, note) if note else None), rid
    # their highlights too, and only theirs (the badge after the last piece)
    marks = driver.execute_script("""
      const out = {}; document.querySelectorAll('#text mark[data-id]').forEach(m => {
        const e = out[m.dataset.id] || (out[m.dataset.id] = {noted: false, end: 0, title: ''});
        e.noted = e.noted || m.classList.contains('noted'); e.end += m.classList.contains('noted-end');
        e.title = m.title || e.title; });
      return out;""")
    assert sorted(k for k, v in marks.items() if v["noted"]) == sorted(want)
    assert all(v["end"] == (1 if v["noted"] else 0) for v in marks.values())
    assert marks[row_id(out, A, "1.245 người")]["title"] == note_text(strings, PARTS)
    badge = driver.execute_script(f"""return getComputedStyle(
      document.querySelector('mark[data-id="{want[0]}"].noted-end'), '::after').content""")
    assert badge == '"!"'
    # the filter: exactly the noted rows, the count of those shown
    driver.find_element("id", "f-noted").click()
    assert shown_rows(driver) == want
    assert driver.find_element("id", "shown").text == review.tr(strings, "filter.shown", n=4, total=len(everything))
    assert driver.execute_script("return document.activeElement.id") != "f-noted"  # keys go back to the page
    # keys still work: j/k walk the noted rows only, a accepts, x rejects
    press(driver, "j")
    assert driver.execute_script("return window.vnreview.selected()") == want[0]
    press(driver, "j")
    press(driver, "j")
    assert driver.execute_script("return window.vnreview.selected()") == want[2]
    press(driver, "k")
    assert driver.execute_script("return window.vnreview.selected()") == want[1]
    press(driver, "a")
    press(driver, "j")
    press(driver, "x")
    assert driver.execute_script("return window.vnreview.decisionsCSV()") == \
        f"id,decision,value,note\n{want[1]},ok,,\n{want[2]},wrong,,\n"
    # with another filter: both hold (the kind filter leaves the noted counts)
    kinds = table(out, "indicators").set_index("id").kind
    driver.find_element("css selector", "#legend .chip[data-kind='percent']").click()
    assert shown_rows(driver) == [i for i in want if kinds[i] == "percent"] == [row_id(out, A, "112,5%")]
    driver.find_element("css selector", "#legend .chip[data-kind='count']").click()
    assert shown_rows(driver) == [i for i in want if kinds[i] == "count"] and len(shown_rows(driver)) == 3
    # off again: every row
    driver.find_element("id", "clear-filters").click()
    assert shown_rows(driver) == everything
    assert not driver.find_element("id", "f-noted").is_selected()
    # the header's count turns the filter on and selects the first
    driver.execute_script("window.vnreview.select(arguments[0])", everything[0])
    driver.find_element("id", "noted-head").click()
    assert shown_rows(driver) == want and driver.find_element("id", "f-noted").is_selected()
    assert driver.execute_script("return window.vnreview.selected()") == want[0]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_detail_pane_says_the_note(driver, outdirs, lang, tmp_path):
    out = outdirs[lang]
    strings = VI if lang == "vi" else EN
    fresh(driver, page(out, A, "#" + row_id(out, A, "1.245 người")))
    notes = driver.find_elements("css selector", "#detail .notes p.note")
    assert [n.find_element("xpath", ".").text.split("\n")[0] for n in notes] == [note_text(strings, PARTS)]
    box = driver.find_element("css selector", "#detail .notes")
    assert review.tr(strings, "detail.flag") in box.text
    if lang == "vi":
        assert "các phần cộng lại không bằng tổng này (700 + 600 = 1300)" in box.text
        assert f"nguyên văn: {PARTS}" in box.text  # as the tables hold it
    else:
        assert box.text.count(PARTS) == 1 and "as written" not in box.text
    screenshot(driver, tmp_path, f"review-notes-{lang}.png")
    # two notes on one row: each on its line, the one the catalogue does not know as written
    driver.execute_script("window.vnreview.select(arguments[0])", row_id(out, A, "650 lượt người"))
    lines = [n.text for n in driver.find_elements("css selector", "#detail .notes p.note")]
    ocr = "đọc bằng OCR" if lang == "vi" else "read by OCR"
    assert [line.split("\n")[0] for line in lines] == [ocr, "a note nobody has written yet"]
    assert lines[1] == "a note nobody has written yet"
    # the page's words and Python's agree
    for note in (PARTS, TWO, "Share above 100%", "table total disagrees with its rows (15 + 9 + 5 = 29)", "x"):
        assert driver.execute_script("return window.vnreview.noteText(arguments[0])", note) == note_text(strings, note)
    # a value without a note: no box
    driver.execute_script("window.vnreview.select(arguments[0])", row_id(out, A, "1,75kg"))
    assert driver.find_elements("css selector", "#detail .notes") == []


def test_fragment_noted_opens_the_values_to_check_first(driver, outdirs):
    out = outdirs["vi"]
    want = noted_ids(out, C)
    fresh(driver, page(out, C, "#noted"))
    assert shown_rows(driver) == want and len(want) == 1
    assert driver.execute_script("return window.vnreview.selected()") == want[0]
    assert driver.find_element("id", "f-noted").is_selected()
    # a report with none: the filter cannot be turned on, every row stays
    fresh(driver, page(out, B, "#noted"))
    assert not driver.find_element("id", "f-noted").is_enabled()
    assert len(shown_rows(driver)) == len(table(out, "indicators").query(f"doc_id == '{B}'"))
    assert driver.execute_script("return window.vnreview.noted()") == []


# ---------------------------------------------------------------- the index, in Chromium

@pytest.mark.parametrize("lang", ["vi", "en"])
def test_index_counts_and_sorts_by_the_values_to_check_first(driver, outdirs, lang, tmp_path):
    out = outdirs[lang]
    strings = VI if lang == "vi" else EN
    fresh(driver, page(out))

    def column():
        return driver.execute_script("""
          return [...document.querySelectorAll('#docs tbody tr[data-doc]')].map(tr =>
            [tr.dataset.doc, tr.querySelector('td.noted').textContent.replace('!', '').trim()]);""")

    # documents.csv's order, each report's count of noted values
    assert column() == [[A, "4"], [B, "0"], [C, "1"]]
    heads = driver.execute_script(
        "return [...document.querySelectorAll('#docs thead th')].map(th => th.textContent.trim())")
    assert review.tr(strings, "index.col_noted") in heads
    meta = driver.find_element("css selector", ".doc-meta .noted-sum").text
    assert meta.replace("!", "").strip() == review.tr(strings, "index.noted", n=5)
    link = driver.find_element("css selector", f'tr[data-doc="{A}"] a.noted-n')
    assert link.get_attribute("href").endswith(f"{A}.html#noted")
    assert link.get_attribute("title") == review.tr(strings, "index.noted_link", n=4)
    # sorted by them: most first, a second click the other way round, a third the documents' order
    sort = driver.find_element("css selector", '#docs th[data-sort="noted"] button')
    sort.click()
    assert [d for d, _ in column()] == [A, C, B]
    assert driver.find_element("css selector", '#docs th[data-sort="noted"]').get_attribute("aria-sort") == "descending"
    screenshot(driver, tmp_path, f"review-notes-index-{lang}.png")
    sort.click()
    assert [d for d, _ in column()] == [B, C, A]
    sort.click()
    assert [d for d, _ in column()] == [A, B, C]
    # the ones still to check count: A's noted values all reviewed put C first
    sort.click()
    load(driver, page(out, A))
    for rid in noted_ids(out, A):
        driver.execute_script("window.vnreview.select(arguments[0])", rid)
        press(driver, "a")
    load(driver, page(out))  # the sort is kept in the browser
    assert [d for d, _ in column()] == [C, A, B]
    left = driver.find_element("css selector", f'tr[data-doc="{A}"] .noted-left').text
    assert left == review.tr(strings, "index.noted_done")
    # the values column sorts too (most first)
    driver.find_element("css selector", '#docs th[data-sort="n"] button').click()
    ind = table(out, "indicators")
    n = {d: int((ind.doc_id == d).sum()) for d in (A, B, C)}
    assert [d for d, _ in column()] == sorted(n, key=lambda d: -n[d])
    driver.execute_script("localStorage.clear()")


# ---------------------------------------------------------------- the workbook

@pytest.mark.parametrize("lang", ["vi", "en"])
def test_workbook_marks_the_values_to_check_first(outdirs, lang):
    out = outdirs[lang]
    wb = load_workbook(out / "indicators.xlsx")
    ws = wb[files.sheet_names(lang)["indicators"]]
    head = [c.value for c in ws[1]]
    assert files.column_names("indicators", head) == files.COLUMNS["indicators"]
    j = head.index(files.headings("indicators", lang)["note"])
    assert head[j] == ("Lưu ý" if lang == "vi" else "note")
    ind = table(out, "indicators")
    assert ws.max_row == len(ind) + 1
    orange = "FF" + files.NOTED_FILL[1:]
    noted_rows = 0
    for r, (_, row) in enumerate(ind.iterrows(), start=2):
        cells = [ws.cell(r, k + 1) for k in range(len(head))]
        assert cells[head.index(files.headings("indicators", lang)["id"])].value == row.id
        if row.note:
            noted_rows += 1
            assert cells[j].value == row.note  # as the CSV holds it
            # the whole row, empty cells too, light orange; the note in dark orange, bold
            assert all(c.fill.patternType == "solid" and c.fill.fgColor.rgb == orange for c in cells), row.id
            assert cells[j].font.b and cells[j].font.color.rgb == "FF" + files.NOTED_INK[1:]
        else:
            assert all(c.fill.patternType is None for c in cells), row.id
    assert noted_rows == 5
    # numbers stay numbers (with their format), links stay links, in a noted row too
    r = 2 + list(ind.id).index(row_id(out, A, "1.245 người"))
    value = ws.cell(r, head.index(files.headings("indicators", lang)["value"]) + 1)
    assert value.value == 1245 and value.number_format == "#,##0"
    link = ws.cell(r, head.index(files.headings("indicators", lang)["review"]) + 1).value
    assert link.startswith(f'=HYPERLINK("review/{A}.html#')
    # the analyst can filter to them: the sheet's filter covers every column, the note's too
    last = ws.cell(ws.max_row, len(head)).coordinate
    assert ws.auto_filter.ref == f"A1:{last}"
    # the heading says what the orange means, in the run's language, and (in Vietnamese) what the notes say
    heading = ws.cell(1, j + 1)
    assert heading.fill.fgColor.rgb == orange
    comment = heading.comment.text
    assert review.tr(VI if lang == "vi" else EN, "workbook.note_legend") in comment
    if lang == "vi":
        assert "ambiguous separators = dấu phân cách hàng nghìn / thập phân chưa rõ" in comment
        assert "indicators.csv" in comment
    else:
        assert "=" not in comment


def test_workbook_stays_a_streaming_workbook(tmp_path):
    x = files.XlsxStream(tmp_path / "w.xlsx", files.COLUMNS, "vi")
    try:
        assert x.wb.constant_memory
        rows = [{"doc_id": "d", "kind": "count", "value": 5, "id": "d:1", "note": "read by OCR"},
                {"doc_id": "d", "kind": "count", "value": 6, "id": "d:2", "note": ""}]
        prepared = x.prepare("indicators", rows, {"d": "review/d.html"})
        assert all(cell is not None for cell in prepared[0][1])  # a noted row: every cell written (filled)
        assert prepared[1][1].count(None) > 10  # any other: the empty cells stay unwritten
        x.write("indicators", prepared)
    except BaseException:
        x.abort()
        raise
    x.close()
    ws = load_workbook(tmp_path / "w.xlsx")["Chỉ tiêu"]
    assert ws.cell(2, 1).fill.fgColor.rgb == "FF" + files.NOTED_FILL[1:] and ws.cell(3, 1).fill.patternType is None
