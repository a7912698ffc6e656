"""The command line contract: bad input, exit codes, skipped files, atomic outputs, xlsx shape."""
import csv
import shutil
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from conftest import CORPUS, ROOT
from pipeline.cli import main
from pipeline.outputs import files


def docs_csv(out):
    with open(out / "documents.csv", encoding="utf-8-sig") as f:
        return {d["source_file"]: d for d in csv.DictReader(f)}


@pytest.fixture()
def bad_batch(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(CORPUS / "txt" / "004_f162b015986022fe.txt", src / "good.txt")
    (src / "empty.docx").write_bytes(b"")
    (src / "renamed.pdf").write_text("Đây là văn bản, không phải PDF", encoding="utf-8")
    (src / "notes.xyz").write_text("x", encoding="utf-8")
    (src / "latin1.txt").write_bytes("Báo cáo số 12/BC-UBND".encode("cp1258", errors="replace") + b"\xe9\xff")
    (src / "blank.txt").write_text("   \n", encoding="utf-8")
    (src / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)
    pdf.save(str(src / "scanned.pdf"))
    return src


def test_bad_files_fail_alone(bad_batch, tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["extract", str(bad_batch), "-o", str(out), "--no-progress"])
    assert rc == 1
    d = docs_csv(out)
    assert d["good.txt"]["status"] == "ok" and int(d["good.txt"]["indicators"]) > 0
    assert d["notes.xyz"]["status"] == "skipped"
    for name in ("empty.docx", "renamed.pdf", "latin1.txt", "blank.txt", "broken.docx", "scanned.pdf"):
        assert d[name]["status"] == "failed", name
        assert d[name]["error"], name
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 6 and all(ln.startswith("vnreport: ") for ln in lines)
    assert "Traceback" not in err
    assert "no text layer" in d["scanned.pdf"]["error"] and "UTF-8" in d["latin1.txt"]["error"]
    with open(out / "indicators.csv", encoding="utf-8-sig") as f:
        assert {r["doc_id"] for r in csv.DictReader(f)} == {"good"}


def test_console_script_usage_and_exit_codes(tmp_path):
    exe = [sys.executable, "-m", "pipeline.cli"]
    r = subprocess.run(exe + ["extract"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = subprocess.run(exe + ["extract", str(tmp_path / "missing"), "-o", str(tmp_path / "o"), "--lang", "en"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "not found" in r.stderr
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("Phần thứ nhất\nI. KẾT QUẢ\nĐã tổ chức 12 hội nghị với 3.666 lượt cử tri.\n",
                               encoding="utf-8")
    r = subprocess.run(exe + ["extract", str(src), "-o", str(tmp_path / "o"), "--lang", "en"], capture_output=True,
                       text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "1 ok, 0 failed, 0 skipped" in r.stdout and "count 2" in r.stdout
    r = subprocess.run(exe + ["--lang", "vi", "extract", str(src), "-o", str(tmp_path / "o")], capture_output=True,
                       text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "1 đạt, 0 lỗi, 0 bỏ qua" in r.stdout and "số lượng 2" in r.stdout


def test_duplicate_names_get_unique_doc_ids(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    shutil.copy(CORPUS / "docx" / "004_f162b015986022fe.docx", a / "report.docx")
    shutil.copy(CORPUS / "txt" / "004_f162b015986022fe.txt", a / "report.txt")
    shutil.copy(CORPUS / "txt" / "004_f162b015986022fe.txt", b / "report.txt")
    out = tmp_path / "o"
    assert main(["extract", str(a), str(b), "-o", str(out), "--no-progress"]) == 0
    with open(out / "documents.csv", encoding="utf-8-sig") as f:
        ids = [d["doc_id"] for d in csv.DictReader(f)]
    assert sorted(ids) == ["report.docx", "report.txt", "report.txt-2"]
    assert sorted(p.name for p in (out / "text").iterdir()) == sorted(i + ".txt" for i in ids)


def test_encodings_and_nfc(tmp_path):
    import unicodedata

    body = "Phần thứ nhất\nI. KẾT QUẢ\nTrao 125 suất quà trị giá 27.600.000đ cho hộ nghèo, đạt 98,5%.\n"
    src = tmp_path / "in"
    src.mkdir()
    (src / "u16.txt").write_bytes(body.encode("utf-16"))
    (src / "bom.txt").write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    (src / "nfd.md").write_text(unicodedata.normalize("NFD", body), encoding="utf-8")
    out = tmp_path / "o"
    assert main(["extract", str(src), "-o", str(out), "--no-progress"]) == 0
    with open(out / "indicators.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    by = {}
    for r in rows:
        by.setdefault(r["doc_id"], set()).add((r["kind"], r["value"], r["section_path"]))
    assert by["u16"] == by["bom"] == by["nfd"] == {("count", "125", "Phần thứ nhất > I"),
                                                   ("money", "27600000", "Phần thứ nhất > I"),
                                                   ("percent", "98.5", "Phần thứ nhất > I")}
    nfd = (out / "text" / "nfd.txt").read_text(encoding="utf-8")
    assert nfd == unicodedata.normalize("NFD", body)  # offsets index the decoded original
    for r in rows:
        t = (out / "text" / f"{r['doc_id']}.txt").read_text(encoding="utf-8")
        assert t[int(r["char_start"]):int(r["char_end"])] == r["text"]


def test_xlsx_sheets_types_and_layout(run_folder):
    rc, out = run_folder(CORPUS / "txt")
    wb = load_workbook(out / "indicators.xlsx")
    lang = files.workbook_lang(out / "indicators.xlsx")  # the run's language (Vietnamese unless VNREPORT_LANG)
    assert wb.sheetnames == list(files.sheet_names(lang).values())
    ws = files.find_sheet(wb, "indicators")
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    header = files.column_names("indicators", [c.value for c in ws[1]])
    assert header == files.COLUMNS["indicators"]
    kind_i, value_i = header.index("kind"), header.index("value")
    import datetime as dt

    seen = set()
    for row in ws.iter_rows(min_row=2, values_only=True):
        k, v = row[kind_i], row[value_i]
        if k in ("count", "money", "percent"):
            assert isinstance(v, (int, float)), (k, v)
            seen.add(k)
        if k == "date" and len(str(v)) >= 10 and not str(v).startswith("--") and len(str(v)) != 7:
            assert isinstance(v, dt.datetime), v
            seen.add(k)
    assert seen == {"count", "money", "percent", "date"}


def test_outputs_are_atomic(tmp_path, monkeypatch):
    """A crash while writing leaves the previous table, never half a file."""
    from pipeline.outputs import files as export

    out = tmp_path / "o"
    out.mkdir()
    (out / "indicators.csv").write_text("old", encoding="utf-8")

    def boom(tmp):
        with open(tmp, "w") as f:
            f.write("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        export.atomic_write(out / "indicators.csv", boom)
    assert (out / "indicators.csv").read_text() == "old"
    assert [p.name for p in out.iterdir()] == ["indicators.csv"]


def test_python_api():
    import pipeline

    df = pipeline.extract(CORPUS / "txt" / "004_f162b015986022fe.txt")
    assert list(df.columns)[:4] == ["doc_id", "source_file", "kind", "value"]
    assert len(df) > 0 and set(df["kind"]) <= {"count", "money", "percent", "ratio", "date", "period", "doc_ref"}


def test_output_folder_inside_the_input_is_not_read_again(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(CORPUS / "txt" / "004_f162b015986022fe.txt", src / "r.txt")
    out = src / "out"
    assert main(["extract", str(src), "-o", str(out), "--no-progress"]) == 0
    assert main(["extract", str(src), "-o", str(out), "--no-progress"]) == 0
    assert list(docs_csv(out)) == ["r.txt"]


def test_runs_without_network(tmp_path):
    """No model or data is fetched at run time: the whole job runs with sockets refused."""
    code = (
        "import socket, sys\n"
        "def refuse(*a, **k):\n"
        "    raise OSError('network used')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from pipeline.cli import main\n"
        f"sys.exit(main(['extract', {str(CORPUS / 'txt')!r}, {str(CORPUS / 'pdf' / '002_42f08eaff795a7ac.pdf')!r},"
        f" '-o', {str(tmp_path / 'o')!r}, '--no-progress', '--lang', 'en']))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "5 ok, 0 failed" in r.stdout


def test_outputs_have_normal_permissions(run_folder):
    import os

    _, out = run_folder(CORPUS / "txt")
    mask = os.umask(0)
    os.umask(mask)
    for name in ("indicators.csv", "indicators.xlsx", "documents.csv", "sections.csv"):
        assert (out / name).stat().st_mode & 0o777 == 0o666 & ~mask, name


def test_lock_files_and_hidden_files_are_skipped_with_a_reason(tmp_path):
    src = tmp_path / "in"
    (src / ".venv" / "lib").mkdir(parents=True)
    (src / ".venv" / "lib" / "site.txt").write_text("Có 12 hội nghị.", encoding="utf-8")
    shutil.copy(CORPUS / "txt" / "004_f162b015986022fe.txt", src / "report.txt")
    (src / "~$report.docx").write_bytes(b"\x00" * 162)
    (src / ".notes.txt").write_text("Có 5 hội nghị.", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["extract", str(src), "-o", str(out), "--no-progress"]) == 0
    d = docs_csv(out)
    assert d["report.txt"]["status"] == "ok"
    assert d["~$report.docx"]["status"] == "skipped" and "lock file" in d["~$report.docx"]["error"]
    assert d[".notes.txt"]["status"] == "skipped" and d[".notes.txt"]["error"] == "hidden file"
    assert d[".venv/"]["status"] == "skipped" and d[".venv/"]["error"] == "hidden folder"
    assert not any("site.txt" in k for k in d)


def test_unwritable_output_folder_is_a_usage_error_before_any_work(tmp_path, capsys, monkeypatch):
    import pipeline.executors

    def boom(*a, **k):
        raise AssertionError("a document was read")

    monkeypatch.setattr(pipeline.executors, "_ingest", boom)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    rc = main(["extract", str(CORPUS / "txt"), "-o", str(blocker / "out"), "--no-progress", "--lang", "en"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "cannot write to the output folder" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert main(["extract", str(CORPUS / "txt"), "-o", str(blocker / "out"), "--no-progress", "--lang", "vi"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"vnreport: lỗi: không ghi được vào thư mục kết quả {blocker / 'out'}: ")


def test_python_api_raises_on_missing_input_and_reports_failures(tmp_path):
    import warnings

    import pipeline

    with pytest.raises(FileNotFoundError, match="missing.txt"):
        pipeline.extract([tmp_path / "missing.txt"])
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 no zip")
    shutil.copy(CORPUS / "txt" / "004_f162b015986022fe.txt", tmp_path / "good.txt")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        df = pipeline.extract(tmp_path)
    assert any("broken.docx" in str(x.message) for x in w)
    status = {d["source_file"]: d["status"] for d in df.attrs["documents"]}
    assert status == {"broken.docx": "failed", "good.txt": "ok"} and len(df) > 0
