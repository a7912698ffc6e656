"""Review pages: the highlighter and templates in Python, the pages themselves in a real headless Chromium.

The pages here are written in Vietnamese, the default language (the module sets it, whatever an earlier test of the
session chose); ``test_pages_speak_the_runs_language`` runs the command line for the default and for English.
Tables drawn as grids: ``test_review_grid.py``."""
from __future__ import annotations

import base64
import html
import json
import os
import random
import re
import shutil
import time
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import subprocess
import sys

import pandas as pd
import pytest

from conftest import CORPUS, ROOT
from pipeline import i18n
from pipeline.outputs import review
from pipeline.outputs.files import page_name
from pipeline.outputs.review import highlight, render, write_review, write_review_from_outdir

SCREENS = ROOT / "outputs" / "screens"
DOC000 = "000_f9135524f0dbee1e"
DOC002 = "002_42f08eaff795a7ac"  # footnotes and a table
VIET = "Báo cáo quận 1"  # a doc_id with spaces and Vietnamese letters


@pytest.fixture(scope="module", autouse=True)
def vietnamese():
    """The pages of this module in Vietnamese (an earlier test may have switched the process to English)."""
    env = os.environ.get("VNREPORT_LANG")
    before = i18n.current()
    i18n.use("vi")
    yield
    i18n.use(before)
    if env is None:
        os.environ.pop("VNREPORT_LANG", None)
    else:
        os.environ["VNREPORT_LANG"] = env


VI = json.loads((review.ASSETS / "i18n" / "vi.json").read_text(encoding="utf-8"))
EN = json.loads((review.ASSETS / "i18n" / "en.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- Python: highlighter and templates

class Marks(HTMLParser):
    """Text of each mark id (pieces joined in document order), nesting checked, the plain text rebuilt."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.text: dict[str, str] = {}
        self.kind: dict[str, str] = {}
        self.plain: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.stack.append((tag, a))
        if tag == "mark":
            self.text.setdefault(a["data-id"], "")
            self.kind[a["data-id"]] = a["data-kind"]

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1][0] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        self.plain.append(data)
        for tag, a in self.stack:
            if tag == "mark":
                self.text[a["data-id"]] += data


def parse(fragment: str) -> Marks:
    p = Marks()
    p.feed(fragment)
    p.close()
    assert not p.stack
    return p


def test_highlight_escapes_and_marks():
    text = "Có 12 hội nghị <b>&</b> \"3 sạch\"\nngày 13/9/2023"
    s = text.index("12")
    d = text.index("ngày")
    out = highlight(text, [(s, s + len("12 hội nghị"), "r:1", "count"), (d, len(text), "r:2", "date")])
    assert '<mark data-id="r:1" data-kind="count">12 hội nghị</mark>' in out
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in out and "<b>" not in out
    p = parse(out)
    assert "".join(p.plain) == text
    assert p.text == {"r:1": "12 hội nghị", "r:2": "ngày 13/9/2023"}


def test_highlight_nested_and_crossing_spans_lose_no_row():
    text = "abcdefghijklmnopqrstuvwxyz"
    spans = [(0, 10, "d:1", "period"), (2, 5, "d:2", "date"), (8, 14, "d:3", "count"),  # nested, crossing
             (8, 14, "d:4", "ratio"),  # the same span twice
             (20, 20, "d:5", "count"),  # empty
             (24, 40, "d:6", "money"),  # past the end: clipped
             (-5, 1, "d:7", "percent"),  # before the start: clipped
             (16, 12, "d:8", "count")]  # reversed: empty at its start
    out = highlight(text, spans)
    p = parse(out)
    assert "".join(p.plain) == text
    for start, end, rid, kind in spans:
        s, e = max(0, min(start, 26)), max(0, min(end, 26))
        assert rid in p.text and p.kind[rid] == kind
        assert p.text[rid] == text[s:max(s, e)]
    # crossing spans are split into pieces with the same id
    assert out.count('data-id="d:1"') == 1 and out.count('data-id="d:3"') == 2


def test_highlight_random_spans_are_well_formed():
    rnd = random.Random(7)
    for _ in range(300):
        n = rnd.randint(0, 40)
        text = "".join(rnd.choice("ab <&>\"'\r\nđ") for _ in range(n))
        spans, heads = [], []
        for i in range(rnd.randint(0, 8)):
            a, b = sorted(rnd.randint(0, n) for _ in range(2))
            spans.append((a, b, f"x y:{i}", rnd.choice(review.KINDS)))
        for i in range(rnd.randint(0, 2)):
            a, b = sorted(rnd.randint(0, n) for _ in range(2))
            heads.append((a, b, i))
        p = parse(highlight(text, spans, heads))
        assert "".join(p.plain) == text  # CR kept (as &#13;), everything escaped
        for a, b, rid, kind in spans:
            assert p.text[rid] == text[a:b] and p.kind[rid] == kind


def test_heading_end_follows_title_over_lines():
    text = "Phần thứ nhất \n\nKẾT QUẢ CÔNG TÁC NĂM 2023 \n\nNội dung 12 hội nghị"
    end = review.heading_end(text, 0, "KẾT QUẢ CÔNG TÁC NĂM 2023")
    assert text[:end].rstrip().endswith("2023")
    assert review.heading_end("I. Tình hình\nabc", 0, "Tình hình") == len("I. Tình hình")
    assert review.heading_end("I. Tình hình\nabc", 0, "nowhere to be found") == len("I. Tình hình")


def test_render_template():
    tpl = "<h1>{{t}}</h1>{{{raw}}}{{#items}}<i>{{n}}{{t}}</i>{{/items}}{{^none}}empty{{/none}}{{#flag}}yes{{/flag}}"
    out = render(tpl, {"t": "<&\">", "raw": "<b>", "items": [{"n": 1}, {"n": 2, "t": "x"}], "none": [], "flag": True})
    assert out == "<h1>&lt;&amp;&quot;&gt;</h1><b><i>1&lt;&amp;&quot;&gt;</i><i>2x</i>emptyyes"
    assert render("{{a}}", {"a": "{{b}}", "b": "no"}) == "{{b}}"  # values are never read as template
    with pytest.raises(KeyError):
        render("{{missing}}", {})
    with pytest.raises(ValueError):
        render("{{#a}}x", {"a": 1})


def test_render_takes_the_words_from_the_catalogue():
    strings = {"hello": "Xin chào <{who}>", "n": {"one": "{n} value", "other": "{n} values"}, "vi": "{n} giá trị"}
    tpl = "{{@hello who=name}} · {{@n n=k}} · {{@vi n=k}}"
    assert render(tpl, {"name": "bạn & tôi", "k": 1}, strings) == "Xin chào &lt;bạn &amp; tôi&gt; · 1 value · 1 giá trị"
    assert render(tpl, {"name": "x", "k": 3}, strings).endswith("3 values · 3 giá trị")
    with pytest.raises(KeyError):
        render("{{@missing}}", {}, strings)
    with pytest.raises(KeyError):
        render("{{@hello}}", {})  # no catalogue
    with pytest.raises(ValueError):
        render("{{name x=y}}", {"name": 1, "y": 2}, strings)  # parameters only on a string
    assert review.tr(VI, "kind.percent") == "Tỷ lệ %" and review.tr(EN, "kind.percent") == "percent"
    assert review.tr(EN, "doc.values", n=1) == "1 value" and review.tr(VI, "doc.values", n=1) == "1 giá trị"


def test_script_json_cannot_close_the_script():
    s = review.script_json({"t": "</script><!-- & </SCRIPT>"})
    assert "<" not in s and ">" not in s and "&" not in s
    assert json.loads(s) == {"t": "</script><!-- & </SCRIPT>"}


def test_assets_are_files_and_self_contained():
    for name in ("document.html", "index.html", "grid.html", "review.css", "review.js", "i18n/vi.json", "i18n/en.json"):
        src = (review.ASSETS / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://|@import|\burl\(", src), name
    py = "".join(p.read_text(encoding="utf-8") for p in sorted(Path(review.__file__).parent.glob("*.py")))
    for tag in ("<!DOCTYPE", "<html", "<head", "<body", "<table", "<tr", "<td", "<th", "<style>", "<button"):
        assert tag not in py, tag  # the page lives in the assets, not in Python strings
    # and its words in the catalogues: the templates name them, none is written in a template
    for name in ("document.html", "index.html"):
        src = (review.ASSETS / name).read_text(encoding="utf-8")
        visible = re.sub(r"<script.*?</script>|<style>.*?</style>|<[^>]*>|\{\{.*?\}\}\}?|&[a-z]+;", " ", src, flags=re.S)
        words = set(re.findall(r"[^\W\d_]{2,}", visible)) - {"decisions", "csv", "vnreport", "apply", "OUTDIR"}
        assert not words, (name, words)


def synthetic_tables(doc_id: str, text: str, values: list[tuple[str, str, str]]):
    """(indicators, sections, documents) DataFrames for a text whose values are (literal, kind, value)."""
    rows, pos = [], 0
    for n, (lit, kind, value) in enumerate(values, 1):
        start = text.index(lit, pos)
        pos = start + len(lit)
        rows.append({"doc_id": doc_id, "source_file": doc_id + ".txt", "kind": kind, "value": value, "unit": "",
                     "section_path": "I", "section_title": "Tình hình", "origin": "body", "text": lit,
                     "context": lit, "char_start": start, "char_end": pos, "id": f"{doc_id}:{n}"})
    ind = pd.DataFrame(rows)
    sec = pd.DataFrame([{"doc_id": doc_id, "section_path": "I", "level": 1, "label": "I", "title": "Tình hình",
                         "char_start": 0, "char_end": len(text), "page": None}])
    docs = pd.DataFrame([{"doc_id": doc_id, "source_file": doc_id + ".txt", "format": "txt", "status": "ok",
                          "error": "", "pages": None, "chars": len(text), "indicators": len(rows), "seconds": 0.1}])
    return ind, sec, docs


def test_write_review_names_escapes_and_stale_pages(tmp_path):
    doc_id = "Báo cáo #1 quận 1"
    text = "I. Tình hình\nCó 12 hội nghị </script> và <b>5 tỷ đồng</b>\n"
    ind, sec, docs = synthetic_tables(doc_id, text, [("12 hội nghị", "count", "12"), ("5 tỷ đồng", "money", "5000000000")])
    ind.loc[0, "context"] = "x </script><script>alert(1)</script>"
    (tmp_path / "review").mkdir()
    stale = tmp_path / "review" / "old doc.html"
    stale.write_text('<!DOCTYPE html><meta name="generator" content="vnreport review">', encoding="utf-8")
    mine = tmp_path / "review" / "notes.html"
    mine.write_text("<p>the analyst's own file</p>", encoding="utf-8")
    write_review(tmp_path, ind, sec, docs, {doc_id: text})
    # "#" would be read as a link's fragment: the page has a short ASCII name instead
    name = page_name(doc_id)
    assert name.startswith("Bao-cao-1-quan-1-") and name.endswith(".html")
    page = (tmp_path / "review" / name).read_text(encoding="utf-8")
    assert page.count("</script>") == 3  # the words, the data and the code: the text cannot close any
    assert "&lt;b&gt;" in page
    index = (tmp_path / "review" / "index.html").read_text(encoding="utf-8")
    assert f'href="{name}"' in index
    assert not stale.exists() and mine.exists()


def test_write_review_from_outdir_reads_strings_and_applied_state(tmp_path):
    doc_id = "d 1"
    text = "I. Tình hình\r\nCó 0012 hội nghị, 07/13 xã\r\n"
    ind, sec, docs = synthetic_tables(doc_id, text, [("0012 hội nghị", "count", "12"), ("07/13", "ratio", "7/13")])
    ind["review"] = ["fixed", ""]
    ind.loc[0, "value"] = "13"
    ind["value_extracted"] = ["12", ""]
    for name, df in (("indicators", ind), ("sections", sec), ("documents", docs)):
        df.to_csv(tmp_path / f"{name}.csv", index=False, encoding="utf-8-sig")
    (tmp_path / "text").mkdir()
    with open(tmp_path / "text" / f"{doc_id}.txt", "w", encoding="utf-8", newline="") as f:
        f.write(text)
    write_review_from_outdir(tmp_path)
    page = (tmp_path / "review" / f"{doc_id}.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="review-data">(.*?)</script>', page, re.S)[1])
    rows = [dict(zip(data["fields"], r)) for r in data["rows"]]
    assert rows[0]["value"] == "13" and rows[0]["review"] == "fixed" and rows[0]["value_extracted"] == "12"
    assert rows[1]["value"] == "7/13" and rows[1]["review"] == ""
    body = re.search(r'<div class="text" id="text">(.*?)</div>', page, re.S)[1]
    assert parse(body).text == {f"{doc_id}:1": "0012 hội nghị", f"{doc_id}:2": "07/13"}
    # a row's fingerprint is the row as extracted: an applied review does not change it, a new value does
    ind2 = ind.copy()
    ind2["review"] = ["", ""]
    ind2.loc[0, "value"] = "12"
    ind2["value_extracted"] = ""
    (a, b), (c, d) = review._records(ind), review._records(ind2)
    assert review.fingerprint(a) == review.fingerprint(c) == rows[0]["fp"]
    ind2.loc[0, "value"] = "13"
    assert review.fingerprint(review._records(ind2)[0]) != review.fingerprint(a)
    assert review.fingerprint(b) == review.fingerprint(d) and review.fingerprint(a) != review.fingerprint(b)


def test_pages_speak_the_runs_language(tmp_path):
    """Vietnamese unless told otherwise; ``--lang en`` or ``VNREPORT_LANG=en`` gives English. Only the words change:
    the ids, data attributes, rows and storage key are the same."""
    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(CORPUS / "txt" / f"{DOC002}.txt", inp)
    env = {k: v for k, v in os.environ.items() if k != "VNREPORT_LANG"}
    runs = {"vi": ([], {}), "en": (["--lang", "en"], {}), "en-env": ([], {"VNREPORT_LANG": "en"})}
    pages = {}
    for name, (args, extra) in runs.items():
        out = tmp_path / name
        r = subprocess.run([sys.executable, "-m", "pipeline.cli", "extract", str(inp), "-o", str(out), "--no-progress",
                            *args], capture_output=True, text=True, cwd=ROOT, env={**env, **extra})
        assert r.returncode == 0, r.stderr
        pages[name] = ((out / "review" / f"{DOC002}.html").read_text(encoding="utf-8"),
                       (out / "review" / "index.html").read_text(encoding="utf-8"))
    for name, (page, index) in pages.items():
        strings = VI if name == "vi" else EN
        lang = "vi" if name == "vi" else "en"
        assert page.startswith(f'<!DOCTYPE html>\n<html lang="{lang}">') and f'<html lang="{lang}">' in index
        words = json.loads(re.search(r'<script type="application/json" id="review-i18n">(.*?)</script>', page, re.S)[1])
        assert words == strings  # the catalogue the script looks its words up in
        for key in ("export.button", "filter.kind", "filter.section", "filter.origin", "filter.state", "col.value",
                    "detail.empty", "keys.move", "kind.count", "origin.footnote", "state.todo"):
            assert html.escape(review.tr(strings, key)) in page, (name, key)
        for key in ("index.heading", "export.all", "index.col_doc", "index.col_reviewed"):
            assert html.escape(review.tr(strings, key)) in index, (name, key)
    vi, en = pages["vi"][0], pages["en"][0]
    assert "Xuất decisions.csv" in vi and "Export decisions.csv" not in vi and "Export decisions.csv" in en
    assert ">Tỷ lệ %" in vi and "Trạng thái" in vi and ">Tìm<" in vi and "Thời kỳ" in vi
    assert pages["en"] == pages["en-env"]
    # what programs read stays: the marks, the rows, the data
    marks = lambda p: re.findall(r'<mark data-id="[^"]*" data-kind="[a-z_]*">', p)  # noqa: E731
    data = lambda p: re.search(r'id="review-data">(.*?)</script>', p, re.S)[1]  # noqa: E731
    assert marks(vi) == marks(en) and len(marks(vi)) > 100 and data(vi) == data(en)


# ---------------------------------------------------------------- browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("chromium")


@pytest.fixture(scope="module")
def driver(browser_dir):
    missing = None
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing = "selenium is not installed"
    if not missing and not (CHROMIUM and CHROMEDRIVER):
        missing = "chromium or chromedriver is not installed"
    if missing:
        if os.environ.get("VNREPORT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"review page tests need a browser: {missing}")
        pytest.skip(missing)
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={browser_dir / 'profile'}", "--window-size=1400,900"]:
        opts.add_argument(flag)
    opts.add_experimental_option("prefs", {"download.default_directory": str(browser_dir / "downloads"),
                                           "download.prompt_for_download": False})
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    d = webdriver.Chrome(options=opts, service=Service(CHROMEDRIVER))
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    d.execute_cdp_cmd("Browser.setDownloadBehavior",
                      {"behavior": "allow", "downloadPath": str(browser_dir / "downloads")})
    d.set_script_timeout(20)
    yield d
    d.quit()


@pytest.fixture(scope="module")
def outdir(tmp_path_factory):
    from pipeline.cli import main

    inp = tmp_path_factory.mktemp("review_in")
    shutil.copy(CORPUS / "txt" / f"{DOC000}.txt", inp)
    shutil.copy(CORPUS / "txt" / f"{DOC002}.txt", inp)
    shutil.copy(CORPUS / "txt" / "004_f162b015986022fe.txt", inp / f"{VIET}.txt")
    (inp / "empty.txt").write_bytes(b"")
    (inp / "notes.xyz").write_text("not a report", encoding="utf-8")
    out = tmp_path_factory.mktemp("review_out")
    assert main(["extract", str(inp), "-o", str(out), "--no-progress", "--lang", "vi"]) == 1  # empty.txt fails
    return out


def table(outdir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(outdir / f"{name}.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)


def url(outdir: Path, doc_id: str | None = None, frag: str = "") -> str:
    name = "index.html" if doc_id is None else quote(f"{doc_id}.html")
    return (outdir / "review").as_uri() + "/" + name + frag


def load(driver, address: str):
    driver.get(address)
    for _ in range(200):
        if driver.execute_script("return document.body && document.body.getAttribute('data-ready') === '1'"):
            return
        time.sleep(0.05)
    raise AssertionError(f"page did not finish loading: {address}: {driver.get_log('browser')}")


def fresh(driver, outdir, doc_id=None, frag=""):
    """Open a page with no decisions in the browser."""
    load(driver, url(outdir, doc_id))
    driver.execute_script("localStorage.clear()")
    load(driver, url(outdir, doc_id, frag))


def selected(driver):
    return driver.execute_script("""
      return {rows: [...document.querySelectorAll('tr.selected')].map(t => t.dataset.id),
              marks: [...new Set([...document.querySelectorAll('mark.selected')].map(m => m.dataset.id))],
              id: window.vnreview.selected()};""")


def in_view(driver, selector_js: str, container: str) -> bool:
    return driver.execute_script(f"""
      const el = {selector_js}; const c = document.querySelector('{container}');
      if (!el) return false;
      const r = el.getBoundingClientRect(), p = c.getBoundingClientRect();
      return r.top >= p.top && r.bottom <= p.bottom && r.height > 0;""")


def mark_js(rid: str) -> str:
    return f"document.querySelector('mark[data-id=\"' + CSS.escape({json.dumps(rid)}) + '\"]')"


def row_js(rid: str) -> str:
    return f"document.querySelector('tr[data-id=\"' + CSS.escape({json.dumps(rid)}) + '\"]')"


def press(driver, keys: str):
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(keys).perform()


def screenshot(driver, tmp_path: Path, name: str):
    path = tmp_path / name
    driver.save_screenshot(str(path))
    SCREENS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SCREENS / name)
    return path


def test_every_row_has_its_mark_and_table_row(driver, outdir):
    ind = table(outdir, "indicators")
    docs = table(outdir, "documents")
    for doc_id in docs[docs.status == "ok"].doc_id:
        load(driver, url(outdir, doc_id))
        got = driver.execute_script("""
          const marks = {};
          document.querySelectorAll('#text mark[data-id]').forEach(m => {
            const e = marks[m.dataset.id] || (marks[m.dataset.id] = {kind: m.dataset.kind, text: ''});
            e.text += m.textContent; });
          return {marks, rows: [...document.querySelectorAll('#rows tr[data-id]')].map(t => t.dataset.id),
                  text: document.getElementById('text').textContent};""")
        rows = ind[ind.doc_id == doc_id]
        assert len(rows) > 0
        assert sorted(got["rows"]) == sorted(rows.id)
        assert set(got["marks"]) == set(rows.id)
        for r in rows.itertuples():
            assert got["marks"][r.id] == {"kind": r.kind, "text": r.text}, r.id
        with open(outdir / "text" / f"{doc_id}.txt", encoding="utf-8", newline="") as f:
            assert got["text"] == f.read()


def test_row_click_selects_and_scrolls_to_the_mark(driver, outdir, tmp_path):
    fresh(driver, outdir, DOC000)
    ids = list(table(outdir, "indicators").query("doc_id == @DOC000").id)
    rid = ids[150]
    driver.execute_script(f"{row_js(rid)}.scrollIntoView({{block: 'center'}})")
    driver.find_element("css selector", f'tr[data-id="{rid}"] td.t').click()
    assert selected(driver) == {"rows": [rid], "marks": [rid], "id": rid}
    assert in_view(driver, mark_js(rid), "#doc-pane")
    assert driver.execute_script("return location.hash") == "#" + quote(rid, safe=":/")
    screenshot(driver, tmp_path, "review-row-selected.png")


def test_mark_click_selects_its_row(driver, outdir):
    fresh(driver, outdir, DOC000)
    ids = list(table(outdir, "indicators").query("doc_id == @DOC000").id)
    texts = dict(zip(table(outdir, "indicators").id, table(outdir, "indicators").text))
    rid = next(i for i in ids[200:] if "\n" not in texts[i])
    driver.execute_script(f"{mark_js(rid)}.scrollIntoView({{block: 'center'}})")
    driver.find_element("css selector", f'mark[data-id="{rid}"]').click()
    assert selected(driver) == {"rows": [rid], "marks": [rid], "id": rid}
    assert in_view(driver, row_js(rid), "#table-wrap")


def test_fragment_selects_on_load(driver, outdir):
    rid = f"{VIET}:3"
    for frag in ("#" + quote(rid, safe=":"), "#" + quote(rid, safe="")):  # ':' as is or as %3A
        load(driver, url(outdir, VIET, frag))
        assert selected(driver) == {"rows": [rid], "marks": [rid], "id": rid}
        assert in_view(driver, mark_js(rid), "#doc-pane")
    load(driver, url(outdir, VIET, "#" + quote(f"{VIET}:999")))
    assert driver.find_element("id", "notice").text == review.tr(VI, "notice.no_value", id=f"{VIET}:999")
    assert "không có giá trị" in driver.find_element("id", "notice").text


def test_j_and_k_move_the_selection(driver, outdir):
    fresh(driver, outdir, DOC000)
    ids = list(table(outdir, "indicators").query("doc_id == @DOC000").id)
    press(driver, "j")
    assert selected(driver)["id"] == ids[0]
    press(driver, "jjj")
    assert selected(driver) == {"rows": [ids[3]], "marks": [ids[3]], "id": ids[3]}
    press(driver, "k")
    assert selected(driver)["id"] == ids[2]
    assert in_view(driver, mark_js(ids[2]), "#doc-pane")
    # keys do nothing while typing in the search box
    driver.find_element("id", "q").send_keys("jk")
    assert selected(driver)["id"] == ids[2]


def test_decisions_keys_editor_storage_and_export(driver, outdir, tmp_path, browser_dir):
    from selenium.webdriver.common.keys import Keys

    fresh(driver, outdir, DOC000)
    ids = list(table(outdir, "indicators").query("doc_id == @DOC000").id)
    kinds = dict(zip(table(outdir, "indicators").id, table(outdir, "indicators").kind))
    state = lambda rid: driver.execute_script(f"return {row_js(rid)}.dataset.state || ''")  # noqa: E731
    press(driver, "j")
    press(driver, "a")
    assert state(ids[0]) == "ok"
    press(driver, "a")
    assert state(ids[0]) == ""  # the same key again clears
    press(driver, "a")
    press(driver, "jx")
    assert state(ids[1]) == "wrong"
    # typing in the search box decides nothing
    before = driver.execute_script("return window.vnreview.decisions()")
    search = driver.find_element("id", "q")
    search.send_keys("axe")
    assert driver.execute_script("return window.vnreview.decisions()") == before
    assert not driver.find_elements("css selector", "td.v input")
    driver.execute_script("document.activeElement.blur()")
    count_id = next(i for i in ids[2:] if kinds[i] == "count")
    load(driver, url(outdir, DOC000, "#" + quote(count_id)))
    press(driver, "e")
    editor = driver.find_element("css selector", f'tr[data-id="{count_id}"] td.v input')
    assert driver.switch_to.active_element == editor
    editor.send_keys("1,5")  # the editor opens with its value selected: typing replaces it
    screenshot(driver, tmp_path, "review-editor-open.png")
    editor.send_keys(Keys.ENTER)  # refused: "1,5" is not a count
    assert "invalid" in editor.get_attribute("class") and state(count_id) == ""
    editor.send_keys(Keys.CONTROL + "a" + Keys.NULL, "1234" + Keys.ENTER)
    assert state(count_id) == "fix"
    assert driver.execute_script(f"return {row_js(count_id)}.querySelector('td.v').textContent").startswith("1234")
    # e then Escape cancels
    press(driver, "j")
    nxt = selected(driver)["id"]
    press(driver, "e")
    driver.switch_to.active_element.send_keys("999" + Keys.ESCAPE)
    assert state(nxt) == "" and not driver.find_elements("css selector", "td.v input")
    driver.find_element("id", "note").send_keys("checked against the appendix")
    # stored in localStorage under the page's key, and kept over a reload
    stored = driver.execute_script("return JSON.parse(localStorage.getItem(window.vnreview.key))")
    assert driver.execute_script("return window.vnreview.key") == f"vnreport.review/{DOC000}"
    fps = driver.execute_script("return JSON.parse(document.getElementById('review-data').textContent).rows"
                                ".map(r => r[1])")
    fp = dict(zip(ids, fps))
    assert stored["decisions"][ids[0]] == {"d": "ok", "f": fp[ids[0]]}
    assert stored["decisions"][ids[1]] == {"d": "wrong", "f": fp[ids[1]]}
    assert stored["decisions"][count_id] == {"d": "fix", "v": "1234", "f": fp[count_id]}
    driver.refresh()
    load(driver, driver.current_url)
    assert [state(i) for i in (ids[0], ids[1], count_id, nxt)] == ["ok", "wrong", "fix", ""]
    assert driver.find_element("id", "progress-done").text == "3"
    # the export button: what the Blob holds, and the file the browser saves
    driver.execute_script("""
      window.__blobs = []; const orig = URL.createObjectURL;
      URL.createObjectURL = b => { window.__blobs.push(b); return orig(b); };""")
    driver.find_element("id", "export").click()
    raw = driver.execute_async_script("""
      const done = arguments[arguments.length - 1];
      const b = window.__blobs[0];
      b.arrayBuffer().then(buf => done({type: b.type, bytes: btoa(String.fromCharCode(...new Uint8Array(buf)))}));""")
    data = base64.b64decode(raw["bytes"])
    assert raw["type"].startswith("text/csv") and data.startswith(b"\xef\xbb\xbf")
    expected = ("id,decision,value,note\n"
                f"{ids[0]},ok,,\n{ids[1]},wrong,,\n{count_id},fix,1234,\n")
    assert data.decode("utf-8-sig") == expected
    saved = browser_dir / "downloads" / "decisions.csv"
    for _ in range(100):
        if saved.exists():
            break
        time.sleep(0.05)
    assert saved.read_bytes() == data
    # the note travels with a decision; quoting
    load(driver, url(outdir, DOC000, "#" + quote(ids[1])))
    driver.find_element("id", "note").send_keys('sai, xem "phụ lục"')
    csv = driver.execute_script("return window.vnreview.decisionsCSV()")
    assert f'{ids[1]},wrong,,"sai, xem ""phụ lục"""' in csv
    got = pd.read_csv(pd.io.common.StringIO(csv), dtype=str, keep_default_na=False)
    assert list(got.columns) == ["id", "decision", "value", "note"] and len(got) == 3


def test_filters_and_search_narrow_the_table(driver, outdir):
    from selenium.webdriver.support.ui import Select

    fresh(driver, outdir, DOC000)
    ind = table(outdir, "indicators").query("doc_id == @DOC000")
    shown = lambda: driver.execute_script(  # noqa: E731
        "return [...document.querySelectorAll('#rows tr[data-id]')].map(t => t.dataset.id)")
    Select(driver.find_element("id", "f-kind")).select_by_value("date")
    assert sorted(shown()) == sorted(ind[ind.kind == "date"].id)
    Select(driver.find_element("id", "f-kind")).select_by_value("")
    driver.find_element("css selector", '#legend .chip[data-kind="money"]').click()
    assert sorted(shown()) == sorted(ind[ind.kind == "money"].id)
    driver.find_element("css selector", '#legend .chip[data-kind="money"]').click()
    assert len(shown()) == len(ind)
    load(driver, url(outdir, DOC002))
    ind2 = table(outdir, "indicators").query("doc_id == @DOC002")
    for origin in ("footnote", "table", "body"):
        Select(driver.find_element("id", "f-origin")).select_by_value(origin)
        assert sorted(shown()) == sorted(ind2[ind2.origin == origin].id) and len(shown()) > 0
    load(driver, url(outdir, DOC000))
    section = "Phần thứ nhất > II"
    Select(driver.find_element("id", "f-section")).select_by_value(section)
    want = ind[(ind.section_path == section) | ind.section_path.str.startswith(section + " > ")]
    assert sorted(shown()) == sorted(want.id) and 0 < len(want) < len(ind)
    Select(driver.find_element("id", "f-section")).select_by_value("")
    driver.find_element("id", "q").send_keys("thong tri so")  # without diacritics: finds "Thông tri số"
    fields = ["id", "value", "unit", "qualifier", "per", "text", "context", "doc_type", "ref_date", "section_path",
              "section_title", "row", "col", "note", "kind", "origin"]
    want = [r.id for r in ind.itertuples()
            if all(t in fold(" ".join(getattr(r, f) for f in fields)) for t in ("thong", "tri", "so"))]
    assert sorted(shown()) == sorted(want) and 0 < len(want) < len(ind)
    driver.find_element("id", "clear-filters").click()
    assert len(shown()) == len(ind)
    press(driver, "ja")
    Select(driver.find_element("id", "f-state")).select_by_value("ok")
    assert shown() == [ind.id.iloc[0]]
    Select(driver.find_element("id", "f-state")).select_by_value("todo")
    assert len(shown()) == len(ind) - 1


def fold(s: str) -> str:
    s = unicodedata.normalize("NFD", s)
    return re.sub("[\u0300-\u036f]", "", s).replace("đ", "d").replace("Đ", "D").lower()


def network_urls(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def test_no_request_leaves_the_page(driver, outdir):
    pages = [None, DOC000, VIET]
    for doc_id in pages:
        network_urls(driver)  # drop what came before
        address = url(outdir, doc_id)
        load(driver, address)
        driver.execute_script("window.scrollTo(0, 0)")
        press(driver, "jjae")
        time.sleep(0.3)
        urls = network_urls(driver)
        assert address in urls
        for u in urls:
            assert u.split("#")[0] == address or u.startswith(("data:", "blob:")), u
    for page in (outdir / "review").glob("*.html"):
        src = page.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:|//)""", src, re.I), page.name
        assert not re.search(r"@import|url\(\s*['\"]?(https?:|//)", src), page.name


def test_index_links_every_ok_document_and_exports_all(driver, outdir):
    docs = table(outdir, "documents")
    fresh(driver, outdir, None)
    links = driver.execute_script(
        "return [...document.querySelectorAll('#docs td.name a[href]')].map(a => a.getAttribute('href'))")
    assert sorted(links) == sorted(quote(f"{d}.html", safe="") for d in docs[docs.status == "ok"].doc_id)
    # the count of values to check first links to the same page, with that filter on (test_review_notes.py)
    noted = driver.execute_script(
        "return [...document.querySelectorAll('#docs td.noted a[href]')].map(a => a.getAttribute('href'))")
    assert all(h.endswith("#noted") and h[:-len("#noted")] in links for h in noted)
    text = driver.find_element("id", "docs").text
    failed = docs[docs.status != "ok"]
    assert set(failed.status) == {"failed", "skipped"}
    for d in failed.itertuples():  # each not read with its state in words and its reason as documents.csv gives it
        assert f"{VI['status.' + d.status]}: {d.error}" in text and d.error
    # follow the link of the Vietnamese name, decide there, come back: localStorage is shared by file:// pages
    driver.find_element("css selector", f'a[href="{quote(VIET + ".html", safe="")}"]').click()
    load(driver, driver.current_url)
    assert driver.execute_script("return window.vnreview.key") == f"vnreport.review/{VIET}"
    press(driver, "jxjjja")
    load(driver, url(outdir, DOC000))
    press(driver, "ja")
    load(driver, url(outdir))
    csv = driver.execute_script("return window.vnreview.decisionsCSV()")
    assert csv == f"id,decision,value,note\n{DOC000}:1,ok,,\n{VIET}:1,wrong,,\n{VIET}:4,ok,,\n"
    assert driver.find_element("css selector", f'.rev-text[data-doc="{VIET}"]').text == "2/7 · ✓ 1 đúng · ✗ 1 sai"
    assert driver.find_element("id", "progress-done").text == "3"


def test_applied_review_is_the_initial_state(driver, outdir, tmp_path):
    out = tmp_path / "applied"
    shutil.copytree(outdir, out, ignore=shutil.ignore_patterns("review"))
    ind = table(out, "indicators")
    ids = list(ind.query("doc_id == @DOC000").id)
    ind["value_extracted"] = ""
    ind["review"] = ""
    ind.loc[ind.id == ids[0], "review"] = "ok"
    ind.loc[ind.id == ids[1], "value_extracted"] = ind.loc[ind.id == ids[1], "value"]
    ind.loc[ind.id == ids[1], ["review", "value"]] = ["fixed", "777"]
    ind["review_note"] = ""
    ind.loc[ind.id == ids[1], "review_note"] = "xem phụ lục"
    ind.to_csv(out / "indicators.csv", index=False, encoding="utf-8-sig")
    write_review_from_outdir(out)
    load(driver, url(out, DOC000))
    driver.execute_script("localStorage.clear()")
    load(driver, url(out, DOC000))
    states = driver.execute_script(
        "return [...document.querySelectorAll('#rows tr[data-id]')].slice(0, 3).map(t => t.dataset.state || '')")
    assert states == ["ok", "fix", ""]
    assert driver.find_element("css selector", f'tr[data-id="{ids[1]}"] td.v').text.startswith("777")
    press(driver, "ja")  # clearing an applied decision is a local override; the export then leaves it out
    csv = driver.execute_script("return window.vnreview.decisionsCSV()")
    assert csv == f"id,decision,value,note\n{ids[1]},fix,777,xem phụ lục\n"
    load(driver, url(out))
    assert driver.execute_script("return window.vnreview.decisionsCSV()") == csv


LOREM = ("Trong tháng {m}, Ủy ban MTTQ đã tổ chức {a} hội nghị với {b} lượt người tham dự, đạt {p}% kế hoạch; "
         "vận động được {c} triệu đồng ủng hộ Quỹ Vì người nghèo, hỗ trợ {d} hộ nghèo xây nhà Đại đoàn kết, "
         "tỷ lệ {e}/{f} xã đạt chuẩn. Công tác tuyên truyền, vận động các tầng lớp Nhân dân tiếp tục được quan tâm, "
         "đổi mới nội dung và phương thức, gắn với thực hiện các phong trào thi đua yêu nước và cuộc vận động "
         "toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh; phát huy vai trò giám sát và phản biện xã hội "
         "của Mặt trận, góp phần xây dựng Đảng, chính quyền trong sạch, vững mạnh.\n")


def test_large_document_opens_and_renders_rows_lazily(driver, tmp_path):
    doc_id = "lớn 3000"
    parts, values, rnd = [], [], random.Random(3)
    for page in range(100):
        parts.append(f"\n{page + 1}. Trang {page + 1}\n")
        for _ in range(5):
            v = {k: rnd.randint(10, 999) for k in "abcdef"}
            para = LOREM.format(m=page % 12 + 1, p=f"{v['a'] % 100},5", **v)
            parts.append(para)
            values += [(f"{v['a']} hội nghị", "count", str(v["a"])), (f"{v['b']} lượt người", "count", str(v["b"])),
                       (f"{v['a'] % 100},5%", "percent", f"{v['a'] % 100}.5"),
                       (f"{v['c']} triệu đồng", "money", str(v["c"] * 10 ** 6)), (f"{v['d']} hộ", "count", str(v["d"])),
                       (f"{v['e']}/{v['f']} xã", "ratio", f"{v['e']}/{v['f']}")]
    text = "".join(parts)
    ind, sec, docs = synthetic_tables(doc_id, text, values)
    assert len(ind) == 3000 and len(text) > 250_000
    write_review(tmp_path, ind, sec, docs, {doc_id: text})
    t0 = time.monotonic()
    load(driver, url(tmp_path, doc_id))
    wall = time.monotonic() - t0
    info = driver.execute_script("""return {lazy: window.vnreview.lazy, ms: window.vnreview.loadMs,
        trs: document.querySelectorAll('#rows tr').length, marks: document.querySelectorAll('mark[data-id]').length};""")
    assert info["lazy"] and info["marks"] == 3000
    assert 0 < info["trs"] <= 200, info
    print(f"3000 values: script {info['ms']:.0f} ms, load {wall:.2f} s, {info['trs']} rows rendered")
    # scroll the table to its end: the last rows appear, the count stays bounded
    driver.execute_script("const w = document.getElementById('table-wrap'); w.scrollTop = w.scrollHeight;")
    time.sleep(0.2)
    last = f"{doc_id}:3000"
    assert driver.execute_script(f"return !!{row_js(last)}")
    assert driver.execute_script("return document.querySelectorAll('#rows tr').length") <= 200
    # selecting a far row (fragment, j) renders it, marks it and scrolls both panes
    load(driver, url(tmp_path, doc_id, "#" + quote(f"{doc_id}:1500")))
    assert selected(driver) == {"rows": [f"{doc_id}:1500"], "marks": [f"{doc_id}:1500"], "id": f"{doc_id}:1500"}
    assert in_view(driver, row_js(f"{doc_id}:1500"), "#table-wrap")
    press(driver, "j")
    assert selected(driver)["rows"] == [f"{doc_id}:1501"]
    driver.find_element("id", "q").send_keys("triệu đồng")
    assert driver.execute_script("return window.vnreview.shown()") == 500


def test_decisions_on_changed_rows_are_not_applied(driver, tmp_path):
    doc_id = "đổi 1"
    text = "I. Tình hình\nCó 12 hội nghị, 30 lượt người và 5 tỷ đồng.\n"
    values = [("12 hội nghị", "count", "12"), ("30 lượt người", "count", "30"), ("5 tỷ đồng", "money", "5000000000")]
    write_review(tmp_path, *synthetic_tables(doc_id, text, values), {doc_id: text})
    load(driver, url(tmp_path, doc_id))
    driver.execute_script("localStorage.clear()")
    load(driver, url(tmp_path, doc_id))
    press(driver, "jajajx")
    assert driver.execute_script("return window.vnreview.stale()") == []
    # a new run reads the second value differently: its decision is kept apart, the others still hold
    ind, sec, docs = synthetic_tables(doc_id, text, values)
    ind.loc[1, "value"] = "31"
    write_review(tmp_path, ind, sec, docs, {doc_id: text})
    load(driver, url(tmp_path, doc_id))
    states = driver.execute_script("return [...document.querySelectorAll('#rows tr')].map(t => t.dataset.state || '')")
    assert states == ["ok", "", "wrong"]
    assert driver.execute_script("return window.vnreview.stale()") == [f"{doc_id}:2"]
    notice = driver.find_element("id", "notice").text
    assert notice.startswith("Trình duyệt này còn giữ 1 quyết định về văn bản này") and "Bỏ các quyết định đó" in notice
    expected = f"id,decision,value,note\n{doc_id}:1,ok,,\n{doc_id}:3,wrong,,\n"
    assert driver.execute_script("return window.vnreview.decisionsCSV()") == expected
    load(driver, url(tmp_path))
    assert driver.execute_script("return window.vnreview.decisionsCSV()") == expected
    assert driver.find_element("id", "notice").text == review.tr(VI, "notice.stale_index", n=1)
    load(driver, url(tmp_path, doc_id))
    driver.find_element("id", "discard-stale").click()
    stored = driver.execute_script("return JSON.parse(localStorage.getItem(window.vnreview.key)).decisions")
    assert sorted(stored) == [f"{doc_id}:1", f"{doc_id}:3"]
    assert driver.execute_script("return window.vnreview.stale()") == []


def test_exported_decisions_apply_and_come_back_as_the_pages_state(driver, outdir, tmp_path):
    from selenium.webdriver.common.keys import Keys

    from pipeline.cli import main

    out = tmp_path / "roundtrip"
    shutil.copytree(outdir, out)
    ids = list(table(out, "indicators").query("doc_id == @VIET").id)
    kind3 = table(out, "indicators").set_index("id").kind[ids[2]]
    fixed = {"count": "42", "money": "5000000", "percent": "12.5", "ratio": "3/4", "date": "2024-01-02",
             "period": "2024-01/2024-06", "doc_ref": "99/KH-MTTQ"}[kind3]
    fresh(driver, out, VIET)
    press(driver, "jajxje")
    driver.switch_to.active_element.send_keys(Keys.CONTROL + "a" + Keys.NULL, fixed + Keys.ENTER)
    driver.find_element("id", "note").send_keys("ngày ký")
    csv = driver.execute_script("return window.vnreview.decisionsCSV()")
    assert csv == f"id,decision,value,note\n{ids[0]},ok,,\n{ids[1]},wrong,,\n{ids[2]},fix,{fixed},ngày ký\n"
    path = tmp_path / "decisions.csv"
    path.write_text("\ufeff" + csv, encoding="utf-8")
    assert main(["apply", str(out), str(path)]) == 0
    ind = table(out, "indicators").set_index("id")
    assert list(ind.loc[ids[:3], "review"]) == ["ok", "wrong", "fixed"] and ind.loc[ids[2], "value"] == fixed
    # the rewritten page starts from the applied state, with or without the browser's decisions
    for clear in (False, True):
        if clear:
            driver.execute_script("localStorage.clear()")
        load(driver, url(out, VIET))
        states = driver.execute_script(
            "return [...document.querySelectorAll('#rows tr')].slice(0, 4).map(t => t.dataset.state || '')")
        assert states == ["ok", "wrong", "fix", ""]
        assert driver.execute_script("return window.vnreview.decisionsCSV()") == csv
        assert driver.execute_script("return window.vnreview.stale()") == []


def test_index_keeps_a_compact_trace_of_every_row():
    """The index holds every row's fingerprint until the batch ends: one string of 12-character pieces, and the
    ids only when they are not the document's own "<doc_id>:1" … ":n" in order."""
    from pipeline.outputs.review import fingerprint, index_entry

    rows = [{"id": f"d:{i}", "kind": "count", "value": str(i), "char_start": str(i), "char_end": str(i + 1),
             "text": str(i)} for i in range(1, 5)]
    data = index_entry({"doc_id": "d", "status": "ok"}, rows, "vnreport.review/d")["data"]
    assert "ids" not in data and data["total"] == 4
    assert data["fps"] == "".join(fingerprint(r) for r in rows) and len(data["fps"]) == 48
    shuffled = [rows[1], rows[0], rows[2], rows[3]]
    data = index_entry({"doc_id": "d", "status": "ok"}, shuffled, "vnreport.review/d")["data"]
    assert data["ids"] == ["d:2", "d:1", "d:3", "d:4"]
