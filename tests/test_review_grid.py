"""Review pages: tables drawn as HTML grids, and the pages' words in Vietnamese (default) or English.

The grids are checked against the Word file itself: a real report of ../shared/corpus-extra (merged headers,
merged body cells) whose table XML says which cells Word merged (``gridSpan``, ``vMerge``); the page must draw
those merges from the text alone. Then in a real headless Chromium: the table is a <table> with <th> header rows
and colspan/rowspan, a table value's <mark> sits in its <td>, clicking its side-table row selects that mark and
scrolls it into view inside the table's own box, and what a person reads is Vietnamese by default and English with
``en``. The catalogues themselves: same keys in both, every key the templates and the script use exists.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import CORPUS, SHARED
from pipeline import i18n
from pipeline.outputs import review
from pipeline.outputs.review import find_tables, text_html
from test_review import browser_dir, driver, in_view, load, mark_js, parse, press, row_js, screenshot  # noqa: F401

EXTRA = SHARED / "corpus-extra" / "docx"
H06 = "h06_lamdong-snv-chiso-par-papi-pci-2025"  # PAR/PAPI/PCI: headers merged over two rows, merged body cells
H01 = "h01_lamdong-ubnd-cchc-nam2025"  # "Biểu mẫu" appendix: 9 forms with merged headers, notes merged downwards
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
I18N = review.ASSETS / "i18n"
needs_extra = pytest.mark.skipif(not EXTRA.is_dir(), reason="../shared/corpus-extra not beside the checkout")


def catalogue(lang: str) -> dict:
    return json.loads((I18N / f"{lang}.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the catalogues (no browser)

def _forms(v) -> list[str]:
    return list(v.values()) if isinstance(v, dict) else [v]


def test_catalogues_have_the_same_keys_and_placeholders():
    vi, en = catalogue("vi"), catalogue("en")
    assert list(vi) and set(vi) == set(en)
    for key in vi:
        for lang, v in (("vi", vi[key]), ("en", en[key])):
            assert isinstance(v, str) or (isinstance(v, dict) and "other" in v and set(v) <= {"one", "other"}), \
                (lang, key)
        holes = {frozenset(re.findall(r"\{(\w+)\}", f)) for f in _forms(vi[key]) + _forms(en[key])}
        assert len(holes) == 1, (key, holes)  # the same {name}s in every language and form
    # Vietnamese really is Vietnamese: every string but the few that are signs only differs from the English
    same = {k for k in vi if _forms(vi[k]) == _forms(en[k]) or vi[k] in _forms(en[k])}
    assert same <= {"col.n", "filter.option"}, same
    assert all(isinstance(v, str) for v in vi.values())  # Vietnamese has no plural forms
    assert vi["kind.count"] == "Số lượng" and vi["kind.money"] == "Tiền" and vi["kind.percent"] == "Tỷ lệ %"
    assert vi["kind.ratio"] == "Tỷ số" and vi["kind.date"] == "Ngày" and vi["kind.period"] == "Thời kỳ"
    assert vi["kind.doc_ref"] == "Văn bản" and vi["export.button"] == "Xuất decisions.csv"
    assert [vi[f"state.{s}"] for s in ("todo", "ok", "wrong", "fix")] == ["Chưa xem", "Đúng", "Sai", "Đã sửa"]
    assert [vi[f"filter.{f}"] for f in ("kind", "section", "origin", "state", "search")] == \
        ["Loại", "Mục", "Nguồn", "Trạng thái", "Tìm"]


def _used_keys() -> tuple[set[str], set[str]]:
    """(keys named literally, prefixes of keys built at run time) by the templates, the script and review/*.py."""
    literal, prefixes = set(), set()
    for name in ("document.html", "index.html", "grid.html"):
        literal |= set(re.findall(r"\{\{@\s*([\w.]+)", (review.ASSETS / name).read_text(encoding="utf-8")))
    js = (review.ASSETS / "review.js").read_text(encoding="utf-8")
    literal |= set(re.findall(r"\b(?:t|has)\('([\w.]*\w)'", js))
    prefixes |= set(re.findall(r"\b(?:t|has)\('([\w]+\.)' \+", js))
    py = "".join(p.read_text(encoding="utf-8") for p in sorted(Path(review.__file__).parent.glob("*.py")))
    py += (Path(review.__file__).parent.parent / "files.py").read_text(encoding="utf-8")  # the workbook's note legend
    literal |= set(re.findall(r"\btr\(strings, \"([\w.]+)\"", py))
    prefixes |= set(re.findall(r"f\"([\w]+\.)\{", py))
    return literal, prefixes


def test_every_key_the_pages_use_is_in_both_catalogues():
    vi, en = catalogue("vi"), catalogue("en")
    literal, prefixes = _used_keys()
    assert {"export.button", "filter.kind", "notice.stale", "grid.label", "index.heading", "detail.flag",
            "filter.noted", "index.col_noted", "workbook.note_legend"} <= literal
    assert prefixes == {"kind.", "note.", "where.", "form.", "status.", "decision."}
    for key in literal:
        assert key in vi and key in en, key
    from pipeline.ingest.ocr import NOTE

    # the keys built at run time: one for every kind, origin, status and note the tables can hold
    built = {f"kind.{k}" for k in review.KINDS} | {f"form.{k}" for k in review.KINDS} | \
        {f"where.{o}" for o in ("body", "footnote", "table")} | {f"status.{s}" for s in ("ok", "failed", "skipped")} | \
        {f"note.{NOTE}", "note.ambiguous separators"} | {f"decision.{d}" for d in ("ok", "wrong", "fix")}
    for key in built:
        assert key in vi and key in en, key
    # and the notes the consistency checks write (tests/test_review_notes.py holds them to patterns/checks.toml)
    built |= {k for k in vi if k.startswith("note.")}
    # and no word is left in a catalogue that nothing shows
    for key in vi:
        assert key in literal or key in built, key


# ---------------------------------------------------------------- grids from the text (no browser)

def word_merges(path: Path) -> list[dict]:
    """Each Word table's merged cells as Word stores them: (row, grid column) → (rowspan, colspan)."""
    import docx

    out = []
    for tbl in docx.Document(str(path)).element.body.iterchildren(W + "tbl"):
        spans, top = {}, {}
        for r, tr in enumerate(tr for tr in tbl.iter(W + "tr") if tr.find(f"{W}trPr/{W}del") is None):
            c = 0
            for tc in tr.iterchildren(W + "tc"):
                gs = tc.find(f"{W}tcPr/{W}gridSpan")
                n = int(gs.get(W + "val")) if gs is not None else 1
                vm = tc.find(f"{W}tcPr/{W}vMerge")
                if vm is not None and vm.get(W + "val") in (None, "continue") and c in top:
                    spans[top[c]][0] += 1
                else:
                    spans[(r, c)] = [1, n]
                    top[c] = (r, c)
                c += n
        out.append({k: tuple(v) for k, v in spans.items() if v != [1, 1]})
    return out


def drawn_merges(g) -> dict:
    return {k: tuple(v) for k, v in g.spans.items() if v != [1, 1]}


@pytest.fixture(scope="module")
def word_texts():
    from pipeline.ingest import ingest

    return {d: ingest(EXTRA / f"{d}.docx", d, f"{d}.docx").text for d in (H06, H01)}


@needs_extra
def test_grids_merge_the_cells_word_merged(word_texts):
    # the PAR/PAPI/PCI report: every merge Word made, and no other
    truth = word_merges(EXTRA / f"{H06}.docx")
    grids = find_tables(word_texts[H06], "docx")
    assert len(grids) == len(truth) == 7
    assert [drawn_merges(g) for g in grids] == truth
    par = grids[1]  # STT | Nội dung | Lâm Đồng ×3 | Đắk Nông ×4 | Bình Thuận ×3 over Điểm số | Chỉ số | Thứ hạng …
    assert par.header == 2 and par.spans[(0, 0)] == [2, 1] and par.spans[(0, 2)] == [1, 3]
    assert par.spans[(1, 8)] == [1, 2] and par.spans[(2, 8)] == [1, 2]  # "Điểm số" and its scores over 2 columns
    assert par.spans[(10, 0)] == [1, 2]  # CHỈ SỐ CHUNG across STT and Nội dung
    # the administrative-reform forms: every header merge; in the body no merge Word did not make (a note merged
    # downwards over empty cells cannot be told from empty cells, so it is drawn as empty cells)
    truth = word_merges(EXTRA / f"{H01}.docx")
    grids = find_tables(word_texts[H01], "docx")
    assert len(grids) == len(truth) == 11
    forms = [g for g in grids if g.header == 2]
    assert len(forms) == 9
    for g, t in zip(grids, truth):
        mine = drawn_merges(g)
        for (r, c), span in t.items():
            if r < g.header:
                assert mine.get((r, c)) == span, (g.number, r, c)
        for (r, c), span in mine.items():
            if r >= g.header:
                assert t.get((r, c)) == span, (g.number, r, c)
        assert mine.get((0, 2)) == (1, 2) if g in forms else True  # Kết quả thống kê over Đơn vị tính | Số liệu


@needs_extra
def test_grid_html_keeps_the_text_and_puts_marks_in_cells(word_texts):
    text = word_texts[H06]
    grids = find_tables(text, "docx")
    start = text.index("9,49/ 9,5")
    cross = text.index("Cải cách thể chế")  # a span from a row's label into its first score: cut at the cell
    score = text.index("9,38/ 10")
    spans = [(start, start + 9, "v:1", "count"), (cross, score + 4, "v:2", "count"), (5, 5, "v:3", "date"),
             (len(text), len(text) + 3, "v:4", "date")]
    out = text_html(text, spans, [(0, 10, 0)], grids, review.catalogue("vi"))
    p = parse(out)
    assert "".join(p.plain) == text  # the page's text content is the text, character for character
    assert p.text == {"v:1": "9,49/ 9,5", "v:2": text[cross:score + 4], "v:3": "", "v:4": ""}
    assert out.count("<table") == 7 and out.count("<thead>") == 5
    cell = re.search(r'<td class="num">(<mark data-id="v:1"[^>]*>9,49/ 9,5</mark>)\t?</td>', out)
    assert cell, "the value's mark fills its own cell"
    assert out.count('data-id="v:2"') == 2  # in the label's cell (with the tab after it) and in the score's
    assert '<th colspan="3">Lâm Đồng' in out and '<th rowspan="2" class="c0">STT' in out
    assert '<th rowspan="2" class="c1">Nội dung' in out  # the columns naming the rows: sticky when scrolled
    assert re.search(r'<td colspan="2" class="c0">CHỈ SỐ CHUNG', out)


@needs_extra
def test_a_text_tables_spanning_cells_written_once_are_spread():
    """The text rendition writes a merged cell once ("STT | Nội dung | Lâm Đồng | Đắk Nông | Bình Thuận" over eleven
    columns, "CHỈ SỐ CHUNG" across STT and Nội dung): the grid draws the Word file's merges all the same."""
    text = (SHARED / "corpus-extra" / "txt" / f"{H06}.txt").read_text(encoding="utf-8")
    par = find_tables(text, "txt")[0]
    assert par.width == 11 and par.header == 2  # Word's grid has 12 columns: one score there spans two
    assert drawn_merges(par) == {(0, 0): (2, 1), (0, 1): (2, 1), (0, 2): (1, 3), (0, 5): (1, 3), (0, 8): (1, 3),
                                 (10, 0): (1, 2)}
    out = text_html(text, [], (), [par], review.catalogue("vi"))
    assert "".join(parse(out).plain) == text
    assert '<th colspan="3">Lâm Đồng' in out and '<th rowspan="2" class="c0">STT' in out
    assert '<td colspan="2" class="c0">CHỈ SỐ CHUNG' in out


def test_text_and_markdown_tables_are_grids_too():
    md = ("# Báo cáo\r\n\r\n| TT | Đơn vị | Số hội viên |\r\n|---|---|---|\r\n| 1 | Xã A | 1.250 |\r\n"
          "| 2 | Xã B | 980 |\r\n\r\nHết.\r\n")
    grids = find_tables(md, "md")
    assert len(grids) == 1 and grids[0].header == 1 and len(grids[0].rows) == 3  # the |---| rule is no row
    start = md.index("1.250")
    out = text_html(md, [(start, start + 5, "m:1", "count")], (), grids, review.catalogue("vi"))
    assert "".join(parse(out).plain) == md
    assert '<span class="sep">|</span>' in out and '|---|---|---|' in out  # the bars are kept, not shown
    assert re.search(r'<td class="num"> <mark data-id="m:1" data-kind="count">1\.250</mark> ', out)
    txt = "Kết quả:\nĐơn vị | Số hội nghị | Tỷ lệ\nXã A | 12 | 95,5%\nXã B | 7 | 80%\nHết.\n"  # cells between " | "
    grids = find_tables(txt, "txt")
    assert len(grids) == 1 and grids[0].width == 3 and grids[0].header == 1
    out = text_html(txt, [], (), grids, review.catalogue("vi"))
    assert "".join(parse(out).plain) == txt and out.count("<td") == 6 and len(re.findall(r"<th[ >]", out)) == 3
    # a Word paragraph with a tab ("Số: 12/BC\tHà Nội, ngày …") is no table; the same line before a blank line is
    para = "Số: 12/BC\tHà Nội, ngày 5/1/2024\nBÁO CÁO\n"
    assert find_tables(para, "docx") == [] and len(find_tables(para.replace("\nBÁO", "\n\nBÁO"), "docx")) == 1


# ---------------------------------------------------------------- in the browser

@pytest.fixture(scope="module")
def grid_pages(tmp_path_factory):
    """The corpus-extra reports' pages in Vietnamese (the default) and, rewritten from the same tables, English."""
    if not EXTRA.is_dir():
        pytest.skip("../shared/corpus-extra not beside the checkout")
    from pipeline.cli import main

    inp = tmp_path_factory.mktemp("grid_in")
    for d in (H06, H01):
        shutil.copy(EXTRA / f"{d}.docx", inp)
    shutil.copy(CORPUS / "docx" / "002_42f08eaff795a7ac.docx", inp)
    env = os.environ.get("VNREPORT_LANG")
    before = i18n.current()
    try:
        os.environ.pop("VNREPORT_LANG", None)
        vi = tmp_path_factory.mktemp("grid_vi")
        assert main(["extract", str(inp), "-o", str(vi), "--no-progress", "--lang", "vi"]) == 0
        en = tmp_path_factory.mktemp("grid_en")
        shutil.copytree(vi, en, dirs_exist_ok=True, ignore=shutil.ignore_patterns("review"))
        i18n.use("en")
        review.write_review_from_outdir(en)
    finally:
        i18n.use(before)
        if env is None:
            os.environ.pop("VNREPORT_LANG", None)
        else:
            os.environ["VNREPORT_LANG"] = env
    return {"vi": vi, "en": en}


def page(out: Path, doc_id: str, frag: str = "") -> str:
    return (out / "review" / f"{doc_id}.html").as_uri() + frag


def rows_of(out: Path, doc_id: str) -> pd.DataFrame:
    ind = pd.read_csv(out / "indicators.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    return ind[ind.doc_id == doc_id]


def selected(driver) -> dict:
    return driver.execute_script("""
      return {rows: [...document.querySelectorAll('tr.selected')].map(t => t.dataset.id),
              marks: [...new Set([...document.querySelectorAll('mark.selected')].map(m => m.dataset.id))],
              id: window.vnreview.selected()};""")


def test_a_merged_table_is_a_grid_with_its_values_in_cells(driver, grid_pages, tmp_path):
    out = grid_pages["vi"]
    rows = rows_of(out, H06)
    load(driver, page(out, H06))
    driver.execute_script("localStorage.clear()")
    load(driver, page(out, H06))
    grid = driver.execute_script("""
      const t = document.querySelector('#text .grid[data-table="2"] table');
      const cell = el => el && {tag: el.tagName, text: el.textContent.trim(), cs: el.colSpan, rs: el.rowSpan};
      return {
        headRows: t.tHead.rows.length,
        heads: [...t.tHead.querySelectorAll('th')].map(cell),
        tds: [...t.tHead.querySelectorAll('td')].length,
        body: [...t.tBodies[0].rows].map(r => [...r.cells].map(cell)),
        tables: document.querySelectorAll('#text table').length,
      };""")
    assert grid["tables"] == 7 and grid["headRows"] == 2 and grid["tds"] == 0
    heads = {h["text"]: h for h in grid["heads"]}
    assert heads["STT"] == {"tag": "TH", "text": "STT", "cs": 1, "rs": 2}
    assert heads["Nội dung"]["rs"] == 2
    assert (heads["Lâm Đồng"]["cs"], heads["Đắk Nông"]["cs"], heads["Bình Thuận"]["cs"]) == (3, 4, 3)
    assert [h["cs"] for h in grid["heads"] if h["text"] == "Điểm số"] == [1, 1, 2]
    first, total = grid["body"][0], grid["body"][-1]
    assert [c["tag"] for c in first] == ["TD"] * 11 and first[8] == {"tag": "TD", "text": "9,43/ 9,5", "cs": 2, "rs": 1}
    assert total[0]["text"] == "CHỈ SỐ CHUNG" and total[0]["cs"] == 2
    # every value of the page has its mark, whose text is the row's; those from tables sit in a <td>
    got = driver.execute_script("""
      const out = {};
      document.querySelectorAll('#text mark[data-id]').forEach(m => {
        const e = out[m.dataset.id] || (out[m.dataset.id] = {text: '', kind: m.dataset.kind, cells: []});
        e.text += m.textContent;
        const td = m.closest('td'); if (td) e.cells.push(td.closest('table') !== null);
      });
      return {marks: out, text: document.getElementById('text').textContent};""")
    with open(out / "text" / f"{H06}.txt", encoding="utf-8", newline="") as f:
        assert got["text"] == f.read()
    assert set(got["marks"]) == set(rows.id)
    for r in rows.itertuples():
        assert got["marks"][r.id]["text"] == r.text and got["marks"][r.id]["kind"] == r.kind, r.id
        if r.origin == "table" and r.table:
            assert got["marks"][r.id]["cells"] and all(got["marks"][r.id]["cells"]), r.id
    # click the side-table row of a value far right in the wide table: its mark is selected, and scrolled into
    # view inside the table's own box (which scrolls sideways) and the document pane
    far = rows[(rows.origin == "table") & (rows.text == "99,2%")].id.iloc[0]
    driver.execute_script(f"{row_js(far)}.scrollIntoView({{block: 'center'}})")
    driver.find_element("css selector", f'tr[data-id="{far}"] td.t').click()
    assert selected(driver) == {"rows": [far], "marks": [far], "id": far}
    assert driver.execute_script(f"return {mark_js(far)}.closest('td').closest('.grid').dataset.table") == "2"
    box = driver.execute_script(f"""
      const m = {mark_js(far)}, box = m.closest('.grid'), r = m.getBoundingClientRect(), b = box.getBoundingClientRect();
      // the columns naming the row stay in view beside it (sticky), the value is not under them
      const label = m.closest('tr').querySelector('td.c1'), l = label.getBoundingClientRect();
      return {{wide: box.scrollWidth > box.clientWidth, scrolled: box.scrollLeft > 0,
               inside: r.left >= b.left && r.right <= b.right, selected: m.classList.contains('selected'),
               pageWide: document.getElementById('doc-pane').scrollWidth > document.getElementById('doc-pane').clientWidth,
               sticky: box.classList.contains('wide'), label: label.textContent.trim(),
               labelShown: l.left >= b.left && l.right <= r.left, index: m.closest('tr').querySelector('td.c0').textContent.trim()}};""")
    assert box == {"wide": True, "scrolled": True, "inside": True, "selected": True, "pageWide": False, "sticky": True,
                   "label": "Công tác chỉ đạo, điều hành", "labelShown": True, "index": "1"}
    assert in_view(driver, mark_js(far), "#doc-pane")
    # the detail says where the value is, in Vietnamese
    detail = driver.find_element("id", "detail").text
    assert "Nguồn\nbảng 2 · dòng Công tác chỉ đạo, điều hành · Bình Thuận > Chỉ số" in detail
    screenshot(driver, tmp_path, "review-grid-selected.png")
    # click a mark in a cell: its row is selected; j moves on to the next value, in the next cell
    other = rows[(rows.origin == "table") & (rows.text == "93,8%")].id.iloc[0]
    driver.execute_script(f"{mark_js(other)}.scrollIntoView({{block: 'center', inline: 'center'}})")
    driver.find_element("css selector", f'mark[data-id="{other}"]').click()
    assert selected(driver) == {"rows": [other], "marks": [other], "id": other}
    ids = list(rows.id)
    press(driver, "j")
    nxt = ids[ids.index(other) + 1]
    assert selected(driver) == {"rows": [nxt], "marks": [nxt], "id": nxt}
    assert driver.execute_script(f"return !!{mark_js(nxt)}.closest('td')")
    # #ID on load selects a table value
    load(driver, page(out, H06, "#" + far))
    assert selected(driver)["marks"] == [far] and in_view(driver, mark_js(far), "#doc-pane")


def test_a_tall_tables_header_stays_in_view(driver, grid_pages):
    out = grid_pages["vi"]
    load(driver, page(out, H01))
    info = driver.execute_script("""
      const grids = [...document.querySelectorAll('#text .grid')].filter(g => g.scrollHeight > g.clientHeight + 250);
      const box = grids[0], head = box.querySelector('thead');
      box.scrollIntoView({block: 'start'});
      box.scrollTop = 200;
      const b = box.getBoundingClientRect(), h = head.getBoundingClientRect();
      return {tall: grids.length, offset: Math.round(h.top - b.top), th: head.querySelectorAll('th').length,
              first: head.querySelector('th').textContent.trim(), scrolled: box.scrollTop};""")
    assert info["tall"] >= 1 and info["scrolled"] == 200
    assert info["offset"] <= 1 and info["th"] >= 5 and info["first"] == "STT"


UI = ["header.topbar", "#legend", ".filters", "#values thead", "#detail", "footer.keys"]


def ui_text(driver) -> str:
    return "\n".join(driver.execute_script(
        f"return {json.dumps(UI)}.map(s => document.querySelector(s).innerText)"))


def test_the_pages_words_are_vietnamese_by_default_and_english_with_en(driver, grid_pages):
    vi_out, en_out = grid_pages["vi"], grid_pages["en"]
    rid = rows_of(vi_out, H06).query("origin == 'table'").id.iloc[3]
    seen = {}
    for lang, out in (("vi", vi_out), ("en", en_out)):
        load(driver, page(out, H06, "#" + rid))
        seen[lang] = {
            "lang": driver.execute_script("return document.documentElement.lang"),
            "ui": ui_text(driver),
            "export": driver.find_element("id", "export").text,
            "labels": driver.execute_script("return [...document.querySelectorAll('.filters .flabel')].map(l => l.textContent)"),
            "options": driver.execute_script("return [...document.querySelectorAll('#f-state option, #f-origin option')].map(o => o.textContent)"),
            "kinds": driver.execute_script("return [...document.querySelectorAll('#f-kind option')].map(o => o.textContent)"),
            "placeholder": driver.find_element("id", "q").get_attribute("placeholder"),
            "note": driver.find_element("id", "note").get_attribute("placeholder"),
            "title": driver.title,
        }
        load(driver, (out / "review" / "index.html").as_uri())
        seen[lang]["index"] = driver.find_element("tag name", "body").text
    vi, en = seen["vi"], seen["en"]
    assert vi["lang"] == "vi" and en["lang"] == "en"
    assert vi["export"] == "Xuất decisions.csv" and en["export"] == "Export decisions.csv"
    assert vi["labels"] == ["Tìm", "Loại", "Mục", "Nguồn", "Trạng thái"]
    assert en["labels"] == ["Search", "Kind", "Section", "Origin", "State"]
    assert vi["options"] == ["Tất cả", "Thân văn bản", "Chú thích", "Bảng", "Tất cả", "Chưa xem", "Đã xem", "Đúng", "Sai",
                             "Đã sửa"]
    assert vi["kinds"][:3] == ["Tất cả", "Số lượng (141)", "Tiền (1)"] and en["kinds"][:3] == ["All", "count (141)", "money (1)"]
    assert vi["placeholder"].startswith("Giá trị, đoạn trích") and en["placeholder"].startswith("Value, text")
    assert vi["note"] == "Ghi chú đưa vào decisions.csv (không bắt buộc)" and en["note"] == "Note for decisions.csv (optional)"
    assert vi["title"].endswith("· kiểm tra") and en["title"].endswith("· review")
    for word in ("Đúng", "Sai", "Sửa giá trị", "Ngữ cảnh", "Nguồn", "bảng 2", "đã xem", "tiếp / trước", "Số lượng", "Tỷ lệ %",
                 "Đơn vị", "Đoạn trích", "Màu tô = loại giá trị", "giá trị"):
        assert word in vi["ui"], word
    for word in ("Accept", "Reject", "Fix value", "Context", "Origin", "table 2", "reviewed", "next / previous", "count",
                 "percent", "Unit", "Text", "Highlight colour = kind of value", "values"):
        assert word in en["ui"], word
    # no English left on the Vietnamese page, no Vietnamese on the English one (outside the report's own words)
    for word in ("Accept", "Reject", "Export", "values", "Search", "Kind", "Section", "Origin", "Context", "reviewed"):
        assert word not in vi["ui"], word
    for word in ("Xuất", "Đúng", "Trạng thái", "Nguồn", "Ngữ cảnh", "giá trị", "đã xem", "Số lượng"):
        assert word not in en["ui"], word
    assert "Kiểm tra các giá trị đã trích xuất" in vi["index"] and "3 văn bản" in vi["index"]
    assert "Review of the extracted values" in en["index"] and "3 documents" in en["index"]
    # the index's kinds too (each document's entry is kept from the moment its page is written)
    assert "Số lượng" in vi["index"] and "Tỷ lệ %" in vi["index"] and "count" not in vi["index"]
    assert "count" in en["index"] and "percent" in en["index"] and "Số lượng" not in en["index"]
