"""Batch options: --jobs, the cache (--no-cache), --timeout, streamed outputs that stay atomic."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import pipeline.executors as executors
from pipeline.cli import main
from pipeline.outputs import write_all
from pipeline.run import run

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
TABLES = ("indicators.csv", "sections.csv", "documents.csv")


def batch(tmp_path) -> Path:
    """A few documents of every readable format, a skipped one and a failing one."""
    src = tmp_path / "in"
    src.mkdir()
    for sub, name in (("txt", "000_f9135524f0dbee1e.txt"), ("docx", "002_42f08eaff795a7ac.docx"),
                      ("pdf", "003_6617312135f34f8a.pdf"), ("txt", "004_f162b015986022fe.txt")):
        (src / f"{sub}_{name}").write_bytes((CORPUS / sub / name).read_bytes())
    (src / "notes.odt").write_bytes(b"x")
    (src / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    return src


def rows(path: Path) -> list[list[str]]:
    import csv

    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))[1:]


def without_seconds(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    i = lines[0].split(",").index("seconds")
    import csv

    return [",".join(r[:i] + r[i + 1:]) for r in csv.reader(lines)]


@pytest.fixture(scope="module")
def src(tmp_path_factory):
    return batch(tmp_path_factory.mktemp("batch"))


@pytest.fixture(scope="module")
def serial(src, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    assert main(["extract", str(src), "-o", str(out), "--jobs", "1", "--no-progress"]) == 1
    return out


def test_streamed_tables_are_the_bytes_the_table_writer_writes(src, serial, tmp_path):
    res = run([src])  # in this process, every row kept (the Python API's path)
    write_all(tmp_path, res.indicators, res.sections, res.documents)
    for name in ("indicators.csv", "sections.csv"):
        assert (serial / name).read_bytes() == (tmp_path / name).read_bytes(), name
    assert without_seconds(serial / "documents.csv") == without_seconds(tmp_path / "documents.csv")


def test_two_jobs_give_the_same_outputs_as_one(src, serial, tmp_path):
    out = tmp_path / "o"
    assert main(["extract", str(src), "-o", str(out), "--jobs", "2", "--no-progress", "--no-cache"]) == 1
    for name in ("indicators.csv", "sections.csv"):
        assert (serial / name).read_bytes() == (out / name).read_bytes(), name
    assert without_seconds(serial / "documents.csv") == without_seconds(out / "documents.csv")
    for p in sorted((serial / "text").iterdir()):
        assert (out / "text" / p.name).read_bytes() == p.read_bytes()
    assert sorted(p.name for p in (out / "review").iterdir()) == sorted(p.name for p in (serial / "review").iterdir())
    assert (out / "review" / "index.html").read_bytes() == (serial / "review" / "index.html").read_bytes()


def test_unchanged_inputs_come_from_the_cache(src, tmp_path, monkeypatch):
    out = tmp_path / "o"
    calls = []
    real = executors._ingest

    def counting(path, *a, **k):
        calls.append(Path(path).name)
        return real(path, *a, **k)

    monkeypatch.setattr(executors, "_ingest", counting)
    assert main(["extract", str(src), "-o", str(out), "--jobs", "1", "--no-progress"]) == 1  # fills OUTDIR/.cache
    first = (out / "indicators.csv").read_bytes()
    calls.clear()
    res = run([src], exclude=out, cache=out / ".cache")  # one job, no timeout: in this process, counted
    assert calls == ["broken.pdf"]  # only the document that failed is read again (failures are not cached)
    write_all(tmp_path / "again", res.indicators, res.sections, res.documents)
    assert (tmp_path / "again" / "indicators.csv").read_bytes() == first
    calls.clear()
    run([src], exclude=out, cache=None)  # --no-cache
    assert len(calls) == 5


def test_cache_is_keyed_by_content(src, tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    doc = folder / "a.txt"
    doc.write_text("Hội nghị có 215 đại biểu tham dự.\n", encoding="utf-8")
    cache = tmp_path / "cache"
    calls = []
    real = executors._ingest
    monkeypatch.setattr(executors, "_ingest", lambda p, *a, **k: calls.append(1) or real(p, *a, **k))
    run([folder], cache=cache)
    run([folder], cache=cache)
    assert len(calls) == 1
    doc.write_text("Hội nghị có 216 đại biểu tham dự.\n", encoding="utf-8")
    res = run([folder], cache=cache)
    assert len(calls) == 2 and [r["value"] for r in res.indicators] == [216]


def test_the_cli_cache_lives_in_outdir_and_no_cache_skips_it(src, tmp_path):
    out = tmp_path / "o"
    assert main(["extract", str(src), "-o", str(out), "--jobs", "2", "--no-progress"]) == 1
    assert any((out / ".cache").rglob("*.pkl.gz"))
    out2 = tmp_path / "o2"
    assert main(["extract", str(src), "-o", str(out2), "--jobs", "2", "--no-progress", "--no-cache"]) == 1
    assert not (out2 / ".cache").exists()


def hang_on(name: str):
    """An _ingest that never returns for ``name`` (a PDF that hangs pdfminer), installed before the workers fork."""
    real = executors._ingest

    def ingest(path, *a, **k):
        if Path(path).name == name:
            import time

            while True:
                time.sleep(1)
        return real(path, *a, **k)

    return ingest


def test_a_hanging_document_fails_with_the_timeout_and_the_rest_are_written(src, serial, tmp_path, monkeypatch,
                                                                          capsys):
    monkeypatch.setattr(executors, "_ingest", hang_on("txt_000_f9135524f0dbee1e.txt"))
    out = tmp_path / "o"
    for jobs in ("1", "2"):
        assert main(["extract", str(src), "-o", str(out), "--jobs", jobs, "--timeout", "3", "--no-progress",
                     "--no-cache"]) == 1
        err = capsys.readouterr().err
        line = next(ln for ln in err.splitlines() if "txt_000_f9135524f0dbee1e.txt" in ln)
        assert ": took longer than 3 seconds" in line  # the reason as documents.csv keeps it
        import csv

        docs = list(csv.DictReader((out / "documents.csv").read_text(encoding="utf-8-sig").splitlines()))
        hung = [d for d in docs if d["source_file"] == "txt_000_f9135524f0dbee1e.txt"][0]
        assert hung["status"] == "failed" and "took longer than 3 seconds" in hung["error"]
        assert [d["status"] for d in docs].count("ok") == 3
        want = [r for r in rows(serial / "indicators.csv") if r[0] != "txt_000_f9135524f0dbee1e"]
        assert rows(out / "indicators.csv") == want and want


def test_a_crash_mid_batch_leaves_the_previous_complete_files(src, serial, tmp_path, monkeypatch):
    out = tmp_path / "o"
    assert main(["extract", str(src), "-o", str(out), "--jobs", "1", "--no-progress"]) == 1
    before = {n: (out / n).read_bytes() for n in TABLES + ("indicators.xlsx",)}
    from pipeline.outputs import files

    real, seen = files.TableStream.append, []

    def append(self, *a, **k):
        seen.append(1)
        if len(seen) == 3:
            raise KeyboardInterrupt  # the user stops the batch, or the machine runs out of disk
        return real(self, *a, **k)

    monkeypatch.setattr(files.TableStream, "append", append)
    with pytest.raises(KeyboardInterrupt):
        main(["extract", str(src), "-o", str(out), "--jobs", "2", "--no-progress", "--no-cache"])
    assert {n: (out / n).read_bytes() for n in before} == before
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


def test_documents_are_written_as_they_finish_not_held(src, tmp_path, monkeypatch):
    """The CLI keeps no rows: run() hands each document to the writers and drops it."""
    import pipeline.run as run_mod

    kept = []
    real = run_mod.run

    def spy(*a, **k):
        res = real(*a, **k)
        kept.append((len(res.indicators), len(res.sections), len(res.texts), len(res.documents)))
        return res

    monkeypatch.setattr(run_mod, "run", spy)
    out = tmp_path / "o"
    assert main(["extract", str(src), "-o", str(out), "--jobs", "2", "--no-progress"]) == 1
    assert kept == [(0, 0, 0, 0)]
    assert (out / "indicators.csv").stat().st_size > 1000


def test_usage_errors(tmp_path, capsys):
    for argv in (["--jobs", "0"], ["--timeout", "-1"], ["--scheduler", "tcp://127.0.0.1:1"]):
        with pytest.raises(SystemExit) as e:
            rc = main(["extract", str(CORPUS / "txt"), "-o", str(tmp_path / "o"), "--no-progress", *argv])
            raise SystemExit(rc)
        assert e.value.code == 2


def test_ocr_flag_reaches_the_reader(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(executors, "_ingest", lambda p, d, s, ocr: seen.append(ocr) or (_ for _ in ()).throw(
        ValueError("stop")))
    run([CORPUS / "txt" / "000_f9135524f0dbee1e.txt"], ocr=True)
    assert seen == [True]


def test_the_batch_does_not_load_pandas(src, tmp_path):
    """The streaming writers take plain rows: the batch's main process never imports pandas (~50 MB)."""
    import subprocess
    import sys

    code = ("import sys; from pipeline.cli import main; "
            f"rc = main(['extract', {str(src)!r}, '-o', {str(tmp_path / 'o')!r}, '--jobs', '1', '--no-progress']); "
            "print(rc, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.stdout.split()[-2:] == ["1", "False"], out.stderr[-2000:]
    assert len(rows(tmp_path / "o" / "indicators.csv")) > 100


@pytest.mark.parametrize("lang,names", [("en", ["Indicators", "Sections", "Documents"]),
                                        ("vi", ["Chỉ tiêu", "Mục", "Tài liệu"])])
def test_a_sheet_that_fills_goes_on_in_the_next(tmp_path, monkeypatch, lang, names):
    """Excel's 1,048,576 rows: the workbook goes on in "Indicators 2", "Indicators 3" (a header on each)."""
    from openpyxl import load_workbook

    from pipeline.outputs import files

    monkeypatch.setattr(files, "EXCEL_ROWS", 5)  # the header and four rows a sheet
    rows_ = [{"doc_id": "d", "id": f"d:{i}", "kind": "count", "value": i, "text": f"{i} người"} for i in range(1, 11)]
    stream = files.TableStream(tmp_path, lang=lang)
    stream.add(rows_, [], {"doc_id": "d", "status": "ok"})
    stream.close()
    wb = load_workbook(tmp_path / "indicators.xlsx")
    # a sheet is added when needed, so the continuations follow the sheets written from the start
    assert wb.sheetnames == names + [names[0] + " 2", names[0] + " 3"]
    values = []
    for name in (names[0], names[0] + " 2", names[0] + " 3"):
        ws = wb[name]
        head = [c.value for c in ws[1]]
        assert files.column_names("indicators", head)[:4] == ["doc_id", "source_file", "kind", "value"]
        assert head == list(files.headings("indicators", lang).values())
        values += [r[3] for r in ws.iter_rows(min_row=2, values_only=True)]
        assert ws.auto_filter.ref.startswith("A1:")
    assert values == list(range(1, 11))
    assert len(rows(tmp_path / "indicators.csv")) == 10  # the CSV has no such limit


def test_a_text_longer_than_an_excel_cell_is_cut_in_the_workbook_only(tmp_path, capsys):
    from openpyxl import load_workbook

    from pipeline.outputs import files

    long = "Báo cáo " * 5000  # 40,000 characters
    stream = files.TableStream(tmp_path)
    stream.add([{"doc_id": "d", "id": "d:1", "kind": "count", "value": 1, "context": long}], [],
               {"doc_id": "d", "status": "ok"})
    stream.close()
    ws = files.find_sheet(load_workbook(tmp_path / "indicators.xlsx"), "indicators")
    cell = ws.cell(2, files.COLUMNS["indicators"].index("context") + 1).value
    assert len(cell) == files.EXCEL_CELL and cell.endswith("…")
    assert rows(tmp_path / "indicators.csv")[0][files.COLUMNS["indicators"].index("context")] == long
    assert capsys.readouterr().err == ""  # no warning from the writer
