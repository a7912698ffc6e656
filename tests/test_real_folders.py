"""Real folders: one document's outputs that cannot be written fail that document alone; any file name the file
system allows; CSV cells Excel would take for formulas."""
from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import re
import shutil
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from conftest import CORPUS
from pipeline.cli import main
from pipeline.outputs import files
from pipeline.outputs.files import page_name, page_names, protect, read_table, unprotect

BODY = ("I. KẾT QUẢ\nĐã tổ chức {n} hội nghị với 350 lượt người tham dự, kinh phí 130,7 triệu đồng.\n"
        "II. PHƯƠNG HƯỚNG\nPhấn đấu đạt 95,5% số hộ.\n")


def csv_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def fingerprint(out: Path) -> dict:
    """Every output's digest; the workbook's cells (its file holds the time it was written)."""
    got = {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
           for p in sorted(out.rglob("*")) if p.is_file() and ".cache" not in p.parts and p.suffix != ".xlsx"}
    wb = load_workbook(out / "indicators.xlsx")
    got["indicators.xlsx"] = {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb}
    return got


# ---------------------------------------------------------------- 1. one document's outputs fail, alone

@pytest.fixture(scope="module")
def three(tmp_path_factory):
    """Three small reports and their outputs when nothing fails."""
    src = tmp_path_factory.mktemp("three") / "in"
    src.mkdir()
    for n, name in ((12, "a"), (13, "b"), (14, "c")):
        (src / f"{name}.txt").write_text(BODY.format(n=n), encoding="utf-8")
    out = src.parent / "base"
    assert main(["extract", str(src), "-o", str(out), "--no-progress", "--jobs", "1", "--no-cache"]) == 0
    return src, out


def _fail_for_b(what: str, monkeypatch) -> None:
    """Make one writer fail for document b (its rows, not the failed row written for it afterwards)."""
    from pipeline.outputs.review import writer

    if what == "text":
        real = files.write_bytes

        def write_bytes(path, data):
            if Path(path).name == "b.txt":
                raise OSError(28, "No space left on device")
            return real(path, data)

        monkeypatch.setattr(files, "write_bytes", write_bytes)
    elif what == "surrogate":  # the writer's own last resort aside, encoding the text fails
        real = files.clean
        monkeypatch.setattr(files, "clean", lambda s: s if "13 hội nghị" in s else real(s))
        import pipeline.executors as executors

        real_ingest = executors._ingest

        def ingest(path, doc_id, source_file, ocr):
            doc = real_ingest(path, doc_id, source_file, ocr)
            if doc_id == "b":
                doc.text = doc.text.replace("tổ chức", "t\udc83 chức")  # one character for one: offsets stay
            return doc

        monkeypatch.setattr(executors, "_ingest", ingest)
    elif what == "prepare":  # a row of b cannot be converted for the workbook
        real = files.XlsxStream.prepare

        def prepare(self, key, rows, pages=None):
            if any(r.get("doc_id") == "b" and r.get("kind") for r in rows):
                raise ValueError("Unknown URL type")
            return real(self, key, rows, pages)

        monkeypatch.setattr(files.XlsxStream, "prepare", prepare)
    elif what == "xlsx":  # the CSV rows are appended, then the workbook fails: the CSVs are cut back
        real = files.XlsxStream.write

        def write(self, key, prepared):
            if key == "indicators" and any("b" in values for values, _ in prepared):
                raise ValueError("Unknown URL type")
            return real(self, key, prepared)

        monkeypatch.setattr(files.XlsxStream, "write", write)
    elif what == "tables":
        real = files.TableStream.append

        def append(self, prepared):
            if prepared.records["indicators"] and prepared.records["indicators"][0]["doc_id"] == "b":
                raise UnicodeEncodeError("utf-8", "\udc83", 0, 1, "surrogates not allowed")
            return real(self, prepared)

        monkeypatch.setattr(files.TableStream, "append", append)
    elif what == "review":
        real = writer.document_page

        def page(doc, *a, **k):
            if doc["doc_id"] == "b":
                raise ValueError("Unknown URL type: 'review/b.html'")
            return real(doc, *a, **k)

        monkeypatch.setattr(writer, "document_page", page)
    elif what == "spacy":
        from spacy.tokens import DocBin

        real = DocBin.add

        def add(self, doc):
            if "13 hội nghị" in doc.text:
                raise RuntimeError("cannot serialise this Doc")
            return real(self, doc)

        monkeypatch.setattr(DocBin, "add", add)


@pytest.mark.parametrize("what", ["text", "surrogate", "prepare", "xlsx", "tables", "review", "spacy"])
def test_a_document_whose_outputs_cannot_be_written_fails_alone(three, what, tmp_path, monkeypatch, capsys):
    src, base = three
    _fail_for_b(what, monkeypatch)
    out = tmp_path / "o"
    extra = ["--spacy"] if what == "spacy" else []
    capsys.readouterr()
    assert main(["extract", str(src), "-o", str(out), "--no-progress", "--jobs", "1", "--no-cache", "--lang", "en",
                 *extra]) == 1
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err
    lines = [x for x in cap.err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("vnreport: b.txt: failed: its outputs could not be written ("), lines
    assert "documents: 2 ok, 1 failed, 0 skipped" in cap.out

    docs = {d["doc_id"]: d for d in csv_rows(out / "documents.csv")}
    assert [d["status"] for d in docs.values()] == ["ok", "failed", "ok"]
    assert docs["b"]["error"].startswith("its outputs could not be written (") and "\n" not in docs["b"]["error"]
    assert docs["b"]["review_page"] == "" and docs["b"]["indicators"] == "0"
    # the other documents' rows are all there, b's are nowhere
    for name in ("indicators.csv", "sections.csv"):
        want = [r for r in csv_rows(base / name) if r["doc_id"] != "b"]
        assert csv_rows(out / name) == want and want
    n = len(csv_rows(out / "indicators.csv"))
    assert f"indicators: {n} " in cap.out
    wb = load_workbook(out / "indicators.xlsx")
    for sheet in ("Indicators", "Sections"):
        ids = [r[0] for r in wb[sheet].iter_rows(min_row=2, values_only=True)]
        assert ids and "b" not in ids and set(ids) == {"a", "c"}
    assert len(list(wb["Indicators"].iter_rows(min_row=2))) == n
    assert [r[0] for r in wb["Documents"].iter_rows(min_row=2, values_only=True)] == ["a", "b", "c"]
    assert not (out / "text" / "b.txt").exists() and (out / "text" / "a.txt").exists()
    assert sorted(p.name for p in (out / "review").iterdir()) == ["a.html", "c.html", "index.html"]
    assert not [p for p in out.rglob("*.tmp")]
    if what == "spacy":
        import spacy
        from spacy.tokens import DocBin

        nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": False}}})
        got = list(DocBin().from_disk(out / "docs.spacy").get_docs(nlp.vocab))
        assert [d.text for d in got] == [(out / "text" / f"{x}.txt").read_text(encoding="utf-8") for x in "ac"]


def test_write_text_replaces_what_utf8_cannot_encode(tmp_path):
    text = "Có 12 hội nghị\ud83d và 5 tỷ đồng\udc80."
    files.write_text(tmp_path / "t.txt", text)
    with open(tmp_path / "t.txt", encoding="utf-8", newline="") as f:
        back = f.read()
    assert len(back) == len(text) and back == text.replace("\ud83d", "\ufffd").replace("\udc80", "\ufffd")
    files.write_text(tmp_path / "u.txt", "Báo cáo\r\n")
    assert (tmp_path / "u.txt").read_bytes() == "Báo cáo\r\n".encode("utf-8")


def test_a_lone_surrogate_from_a_reader_stops_nothing(three, tmp_path, monkeypatch):
    import pipeline.executors as executors

    src, _ = three
    real_ingest = executors._ingest

    def ingest(path, doc_id, source_file, ocr):
        doc = real_ingest(path, doc_id, source_file, ocr)
        doc.text = doc.text.replace("tổ chức", "t\ud800 chức")  # one character for one: the offsets stay
        return doc

    monkeypatch.setattr(executors, "_ingest", ingest)
    out = tmp_path / "o"
    assert main(["extract", str(src), "-o", str(out), "--no-progress", "--jobs", "1", "--no-cache"]) == 0
    rows = csv_rows(out / "indicators.csv")
    assert any("t\ufffd chức" in r["context"] for r in rows)
    for r in rows:
        with open(out / "text" / f"{r['doc_id']}.txt", encoding="utf-8", newline="") as f:
            assert f.read()[int(r["char_start"]):int(r["char_end"])] == r["text"]


# ---------------------------------------------------------------- 2. any file name the file system allows

LONG = ("Báo cáo kết quả thực hiện các mô hình thí điểm cải cách hành chính năm 2025 của Ủy ban nhân dân tỉnh "
        "Lai Châu về việc triển khai đồng bộ các giải pháp nâng cao chỉ số hài lòng của người dân")
NFC = "Quận Đống Đa báo cáo"


def names() -> list[str]:
    assert 250 <= len((LONG + ".txt").encode("utf-8")) <= 255  # near the file system's 255 bytes
    return [
        LONG + ".txt",
        "Báo cáo, quý 1, năm 2025.txt",
        "Báo cáo #3.txt",
        "tỷ lệ 95%.txt",
        "Hỏi đáp?.txt",
        "Dân vận & Mặt trận.txt",
        'Báo cáo "Dân vận khéo".txt',
        "it's.txt",
        "-báo cáo.txt",
        "báo cáo 📊.txt",
        "báo\tcáo.txt",
        "báo\ncáo.txt",
        "a<b>c|d*e.txt",
        "a\\b.txt",
        unicodedata.normalize("NFC", NFC) + ".txt",
        unicodedata.normalize("NFD", NFC) + ".txt",
        "A.txt",
        "a.txt",
        "CON.txt",
        "index.txt",
        "báo cáo .txt",
        "REPORT.DOCX",
        "x.doc.docx",
        "name .pdf",
    ]


def docx(path: Path, n: int) -> None:
    from docx import Document

    d = Document()
    d.add_paragraph("I. KẾT QUẢ")
    d.add_paragraph(f"Đã tổ chức {n} hội nghị với 350 lượt người tham dự.")
    d.save(path)


@pytest.fixture(scope="module")
def named(tmp_path_factory):
    src = tmp_path_factory.mktemp("names") / "in"
    src.mkdir()
    made = []
    for k, name in enumerate(names(), 10):
        p = src / name
        if name.lower().endswith(".docx"):
            docx(p, k)
        elif name.endswith(".pdf"):
            shutil.copy(CORPUS / "pdf" / "004_f162b015986022fe.pdf", p)
        else:
            p.write_text(BODY.format(n=k), encoding="utf-8")
        made.append(name)
    # a name that is not UTF-8 (Latin-1 bytes), as old archives have
    raw = os.fsencode(str(src)) + b"/B\xe1o c\xe1o c\xfb.txt"
    with open(raw, "wb") as f:
        f.write(BODY.format(n=99).encode("utf-8"))
    present = sorted(os.listdir(src))
    assert len(present) == len(made) + 1  # every twin coexists (ext4, overlay)
    out = src.parent / "out"
    rc = main(["extract", str(src), "-o", str(out), "--no-progress", "--jobs", "2", "--no-cache"])
    return src, out, rc, made


def test_any_file_name_is_a_document(named, capsys):
    src, out, rc, made = named
    assert rc == 0
    docs = read_table(out / "documents.csv")
    assert len(docs) == len(made) + 1 and set(docs.status) == {"ok"}
    assert set(made) <= set(docs.source_file)
    assert "B\ufffdo c\ufffdo c\ufffd.txt" in set(docs.source_file)  # as UTF-8 can write it
    # doc_id is the file name without its extension
    by_source = dict(zip(docs.source_file, docs.doc_id))
    assert by_source["x.doc.docx"] == "x.doc" and by_source["REPORT.DOCX"] == "REPORT"
    assert by_source["name .pdf"] == "name " and by_source["-báo cáo.txt"] == "-báo cáo"
    assert by_source[unicodedata.normalize("NFD", NFC) + ".txt"] == unicodedata.normalize("NFD", NFC)
    for d in docs.itertuples():
        with open(out / "text" / f"{d.doc_id}.txt", encoding="utf-8", newline="") as f:
            assert len(f.read()) == int(d.chars)


def test_every_review_page_is_on_disk_with_a_portable_name(named):
    src, out, rc, made = named
    docs = read_table(out / "documents.csv")
    pages = list(docs.review_page)
    assert all(p.startswith("review/") and p.endswith(".html") for p in pages)
    for p in pages:
        name = p[len("review/"):]
        assert (out / p).is_file()
        assert len(name.encode("utf-8")) <= 150 and not set('<>:"/\\|?*#%') & set(name)
        assert all(unicodedata.category(c)[0] != "C" for c in name) and name == unicodedata.normalize("NFC", name)
        assert not name.startswith(("-", " ", ".")) and not name[:-5].endswith((" ", "."))
    folded = [unicodedata.normalize("NFC", p).casefold() for p in pages]
    assert len(set(folded)) == len(folded) and "review/index.html" not in folded
    kept = dict(zip(docs.doc_id, docs.review_page))
    assert kept["Báo cáo, quý 1, năm 2025"] == "review/Báo cáo, quý 1, năm 2025.html"
    assert kept["Dân vận & Mặt trận"] == "review/Dân vận & Mặt trận.html" and kept["it's"] == "review/it's.html"
    # short ASCII names for the others: a slug and a hash of the doc_id
    assert re.fullmatch(r"review/Bao-cao-ket-qua-thuc-hien-cac-mo-hinh-[0-9a-f]{8}\.html", kept[LONG])
    for twin in ("A", "a", unicodedata.normalize("NFD", NFC)):  # case twins both, the NFD name (not NFC)
        assert re.fullmatch(r"review/[A-Za-z0-9-]+-[0-9a-f]{8}\.html", kept[twin]), twin
    assert kept[unicodedata.normalize("NFC", NFC)] == f"review/{unicodedata.normalize('NFC', NFC)}.html"
    for odd in ("Báo cáo #3", "tỷ lệ 95%", "Hỏi đáp?", "-báo cáo", "báo cáo 📊", "báo\tcáo", "CON", "index",
                "báo cáo ", "name "):
        assert re.fullmatch(r"review/[A-Za-z0-9-]+-[0-9a-f]{8}\.html", kept[odd]), odd
    # the run's names: from the doc_ids alone, whatever their order
    ids = list(docs.doc_id)
    shuffled = ids[:]
    random.Random(7).shuffle(shuffled)
    assert page_names(shuffled) == page_names(ids) == {d: p[len("review/"):] for d, p in kept.items()}
    assert (out / "review" / "index.html").is_file()
    assert sorted(p.name for p in (out / "review").iterdir()) == sorted(
        [p[len("review/"):] for p in pages] + ["index.html"])


def test_every_workbook_link_opens_its_page(named):
    src, out, rc, made = named
    ws = files.find_sheet(load_workbook(out / "indicators.xlsx"), "indicators")
    head = files.column_names("indicators", [c.value for c in ws[1]])
    j, jid, jdoc = head.index("review"), head.index("id"), head.index("doc_id")
    pages = dict(zip(read_table(out / "documents.csv").doc_id, read_table(out / "documents.csv").review_page))
    n = 0
    for row in ws.iter_rows(min_row=2, values_only=True):
        m = re.fullmatch(r'=HYPERLINK\("((?:[^"]|"")*)","((?:[^"]|"")*)"\)', row[j])
        assert m, row[j]
        target = m[1].replace('""', '"')
        assert len(target) <= 255
        page, _, frag = target.partition("#")
        assert page == pages[row[jdoc]] and (out / page).is_file()
        assert frag in (row[jid], row[jid].rsplit(":", 1)[1])  # the row's id, or its number where the id won't do
        n += 1
    assert n == len(read_table(out / "indicators.csv"))


def test_the_index_links_every_page(named):
    src, out, rc, made = named
    index = (out / "review" / "index.html").read_text(encoding="utf-8")
    hrefs = re.findall(r'<a href="([^"]+)"', index)
    docs = read_table(out / "documents.csv")
    assert sorted(unquote(h) for h in hrefs) == sorted(p[len("review/"):] for p in docs.review_page)
    for h in hrefs:
        assert (out / "review" / unquote(h)).is_file()


def test_apply_rewrites_the_pages_it_named(named, tmp_path):
    src, out, rc, made = named
    o = tmp_path / "o"
    shutil.copytree(out, o)
    docs = read_table(o / "documents.csv")
    ind = read_table(o / "indicators.csv")
    rid = ind[ind.doc_id == "Báo cáo #3"].id.iloc[0]
    (tmp_path / "d.csv").write_text(f'id,decision,value,note\n"{rid}",ok,,\n', encoding="utf-8")
    assert main(["apply", str(o), str(tmp_path / "d.csv")]) == 0
    page = (o / docs[docs.doc_id == "Báo cáo #3"].review_page.iloc[0]).read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="review-data">(.*?)</script>', page, re.S)[1])
    got = {r[0]: r[data["fields"].index("review")] for r in data["rows"]}
    assert got[rid] == "ok"
    assert sorted(p.name for p in (o / "review").iterdir()) == sorted(
        [p[len("review/"):] for p in docs.review_page] + ["index.html"])
    # an OUTDIR written before documents.csv had review_page: the names are computed as the batch gives them
    old = tmp_path / "old"
    shutil.copytree(out, old)
    read_table(old / "documents.csv").drop(columns=["review_page"]).to_csv(
        old / "documents.csv", index=False, encoding="utf-8-sig")
    shutil.rmtree(old / "review")
    assert main(["apply", str(old), str(tmp_path / "d.csv")]) == 0
    assert sorted(p.name for p in (old / "review").iterdir()) == sorted(p.name for p in (o / "review").iterdir())


def test_page_names_by_rule():
    assert page_name("Báo cáo quận 1") == "Báo cáo quận 1.html"
    assert page_name("000_f9135524f0dbee1e") == "000_f9135524f0dbee1e.html"
    for odd in ("", ".hidden", "-x", "x.", "x ", "a/b", "a:b", "nul", "Com1.backup", "Index", "a#b", "50%",
                "x" * 101, "đ" * 80, unicodedata.normalize("NFD", "Bá"), "a\u200bb", "b\udce1o"):
        name = page_name(odd)
        assert re.fullmatch(r"[A-Za-z0-9-]+-[0-9a-f]{8}\.html", name), (odd, name)
        assert len(name) <= 60
    assert page_name("đ" * 80).startswith("ddddd")
    # twins: all of them get short names, apart from each other
    names = page_names(["A", "a", "b", "B ", "index"])
    assert names["b"] == "b.html" and names["A"] != names["a"] and names["A"] != "A.html"
    assert len({n.casefold() for n in names.values()}) == 5


def test_the_page_takes_a_row_number_for_its_id(named, driver):
    """The workbook links "#n" where the row's id would not do in a link (here "Báo cáo #3:1")."""
    from test_review import load

    src, out, rc, made = named
    docs = read_table(out / "documents.csv")
    page = docs[docs.doc_id == "Báo cáo #3"].review_page.iloc[0]
    load(driver, (out / page).as_uri() + "#2")
    assert driver.execute_script("return window.vnreview.selected()") == "Báo cáo #3:2"


from test_review import browser_dir, driver  # noqa: E402,F401 — the review tests' browser


# ---------------------------------------------------------------- 3. CSV cells Excel takes for formulas

def test_protect_and_unprotect_are_a_pair():
    for v in ("", "'", "'=", "''=x", "=x", "-", "- 12 hội nghị", "@a", "+1", "\tx", "\rx", "'abc", "abc", "'-'"):
        assert unprotect(protect(v)) == v
        p = protect(v)
        assert (p != v) == bool(re.match(r"'*[=+\-@\t\r]", v))
    assert protect("- 12") == "'- 12" and protect("=1+1") == "'=1+1" and protect("'=x") == "''=x"
    assert protect(12) == 12 and protect(None) is None


@pytest.fixture(scope="module")
def formulas(tmp_path_factory):
    src = tmp_path_factory.mktemp("formulas") / "in"
    src.mkdir()
    (src / "-tin.txt").write_text("I. KẾT QUẢ\nĐã tổ chức 12 hội nghị.\n", encoding="utf-8")
    (src / "gach.txt").write_text("I. KẾT QUẢ\n- Tổ chức 15 hội nghị với 350 lượt người, ngày 22/3.\n",
                                  encoding="utf-8")
    (src / "bang.txt").write_text("I. KẾT QUẢ\nCó 3 xã.\n=1+1 là công thức, có 16 hội nghị.\n@ban: 17 hội nghị.\n",
                                  encoding="utf-8")
    out = src.parent / "out"
    assert main(["extract", str(src), "-o", str(out), "--no-progress", "--jobs", "1"]) == 0
    return out


def test_csv_cells_are_protected_and_text_and_value_exact(formulas):
    out = formulas
    rows = csv_rows(out / "indicators.csv")
    ctx = {r["context"] for r in rows}
    assert any(c.startswith("'- Tổ chức 15 hội nghị") for c in ctx)
    assert any(c.startswith("'=1+1 là công thức") for c in ctx)
    assert any(c.startswith("'@ban: 17") for c in ctx)
    tin = [r for r in rows if r["source_file"] == "'-tin.txt"]
    assert tin and all(r["doc_id"] == "'-tin" and r["id"].startswith("'-tin:") for r in tin)
    for r in rows:
        for c, v in r.items():
            if c not in ("text", "value", "value_extracted"):
                assert not re.match(r"[=+\-@\t\r]", v), (c, v)
    # text and value exact: the no-year date, the text file's span
    assert "--03-22" in {r["value"] for r in rows if r["kind"] == "date"}
    for r in rows:
        doc_id = unprotect(r["doc_id"])
        with open(out / "text" / f"{doc_id}.txt", encoding="utf-8", newline="") as f:
            assert f.read()[int(r["char_start"]):int(r["char_end"])] == r["text"]
    docs = {d["source_file"]: d for d in csv_rows(out / "documents.csv")}
    assert docs["'-tin.txt"]["doc_id"] == "'-tin"
    assert {s["doc_id"] for s in csv_rows(out / "sections.csv")} >= {"'-tin", "gach", "bang"}
    # read back: as extracted
    ind = read_table(out / "indicators.csv")
    assert "-tin" in set(ind.doc_id) and any(c.startswith("- Tổ chức") for c in ind.context)
    assert set(read_table(out / "documents.csv").doc_id) == {"-tin", "gach", "bang"}


def test_the_workbook_shows_each_text_as_written(formulas):
    wb = load_workbook(formulas / "indicators.xlsx")
    ws = files.find_sheet(wb, "indicators")
    head = files.column_names("indicators", [c.value for c in ws[1]])
    label = files.pgettext("link", "review", files.workbook_lang(formulas / "indicators.xlsx"))
    cells = list(ws.iter_rows(min_row=2, values_only=True))
    ctx = [r[head.index("context")] for r in cells]
    assert any(c.startswith("- Tổ chức 15 hội nghị") for c in ctx)
    assert any(c.startswith("=1+1 là công thức") for c in ctx)
    assert "-tin" in {r[head.index("doc_id")] for r in cells}
    links = [r[head.index("review")] for r in cells if r[head.index("doc_id")] == "-tin"]
    pages = read_table(formulas / "documents.csv")
    page = pages[pages.doc_id == "-tin"].review_page.iloc[0]
    assert links[0] == f'=HYPERLINK("{page}#-tin:1","{label}")' and (formulas / page).is_file()
    ws = files.find_sheet(wb, "documents")
    assert "-tin.txt" in {r[1] for r in ws.iter_rows(min_row=2, values_only=True)}


def test_apply_twice_changes_nothing_and_keeps_the_protection(formulas, tmp_path):
    out = tmp_path / "o"
    shutil.copytree(formulas, out)
    ind = read_table(out / "indicators.csv")
    tin = list(ind[ind.doc_id == "-tin"].id)
    gach = ind[ind.context.str.startswith("- Tổ chức")].id.iloc[0]
    dec = tmp_path / "d.csv"
    dec.write_text(f"id,decision,value,note\n{tin[0]},fix,13,- xem lại\n{gach},wrong,,\n", encoding="utf-8")
    assert main(["apply", str(out), str(dec)]) == 0
    first = fingerprint(out)
    assert main(["apply", str(out), str(dec)]) == 0
    assert fingerprint(out) == first
    rows = csv_rows(out / "indicators.csv")
    fixed = [r for r in rows if r["id"] == "'" + tin[0]][0]
    assert fixed["value"] == "13" and fixed["review"] == "fixed" and fixed["review_note"] == "'- xem lại"
    assert [r["context"] for r in rows] == [r["context"] for r in csv_rows(formulas / "indicators.csv")]
    back = read_table(out / "indicators.csv")
    assert list(back.context) == list(ind.context) and back[back.id == tin[0]].review_note.iloc[0] == "- xem lại"


def test_eval_reads_the_table_as_extracted(formulas):
    from pipeline.evaluate import read_predictions

    preds = read_predictions(formulas)
    assert set(preds) == {"-tin", "gach", "bang"}
    assert any(r["context"].startswith("- Tổ chức") for r in preds["gach"])
