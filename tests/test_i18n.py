"""The language of what a person reads: Vietnamese by default, English with --lang en or VNREPORT_LANG=en.

The catalogue is checked against the code, not against a list: every string pybabel extracts from pipeline/ (with
babel.cfg, as its one-liner does) has a Vietnamese msgstr, no msgstr is left for a string the code no longer has,
and a msgid's {placeholders} are its msgstr's. A string added anywhere in pipeline/ (the summary's too) is held to
the same."""
import csv
import os
import re
import shutil
import subprocess
import sys

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from openpyxl import load_workbook

from conftest import CORPUS, ROOT
from pipeline import i18n
from pipeline.cli import main
from pipeline.outputs import files

PO = ROOT / "pipeline" / "locales" / "vi" / "LC_MESSAGES" / "vnreport.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "ngettext": (1, 2)}  # babel.cfg's one-liner: -k _ -k ngettext:1,2
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
EN_SHEETS = ["Indicators", "Sections", "Documents"]
VI_SHEETS = ["Chỉ tiêu", "Mục", "Tài liệu"]


def extracted() -> dict:
    """(msgctxt, msgid) → where, of every string pybabel extracts from pipeline/ with babel.cfg."""
    try:
        from babel.messages.frontend import parse_mapping_cfg as parse
    except ImportError:  # Babel < 2.14
        from babel.messages.frontend import parse_mapping as parse
    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse(f)
    found = {}
    for name, line, message, _comments, context in extract_from_dir(ROOT / "pipeline", method_map, options_map,
                                                                     keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, (tuple, list)) else message
        if msgid:
            found.setdefault((context, msgid), f"pipeline/{name}:{line}")
    return found


def catalogue():
    with open(PO, "rb") as f:
        return read_po(f, locale="vi", domain="vnreport")


def key(m):
    return (m.context, m.id[0] if isinstance(m.id, (tuple, list)) else m.id)


def strings(m) -> list[str]:
    return [s for s in (m.string if isinstance(m.string, (tuple, list)) else [m.string])]


# ---------------------------------------------------------------- (a) the catalogue and the code agree

def test_every_string_of_the_code_has_vietnamese():
    found, cat = extracted(), catalogue()
    assert len(found) > 100  # the extraction does find the strings (babel.cfg's pattern matches pipeline/'s files)
    have = {key(m): m for m in cat if m.id}
    fix = "run the one-liner at the top of babel.cfg, then write the Vietnamese in " + str(PO.relative_to(ROOT))
    missing = [f"{where}: {k[1]!r}" + (f" (context {k[0]!r})" if k[0] else "") for k, where in sorted(
        found.items(), key=lambda kv: kv[1]) if k not in have]
    assert not missing, f"not in the catalogue ({fix}):\n" + "\n".join(missing)
    untranslated = [f"{found[k]}: {k[1]!r}" for k, m in have.items()
                    if k in found and (m.fuzzy or not all(s.strip() for s in strings(m)))]
    assert not untranslated, f"no Vietnamese yet, or marked fuzzy ({fix}):\n" + "\n".join(untranslated)


def test_no_translation_is_left_for_a_string_the_code_no_longer_has():
    found = extracted()
    stale = [f"{m.id!r}" + (f" (context {m.context!r})" if m.context else "") for m in catalogue()
             if m.id and key(m) not in found]
    assert not stale, ("in the catalogue but no longer in the code (run the one-liner at the top of babel.cfg: "
                       "they become #~ comments):\n" + "\n".join(stale))


# ---------------------------------------------------------------- (b) placeholders

def test_placeholders_and_edges_of_msgid_and_msgstr_match():
    bad = []
    for m in catalogue():
        if not m.id:
            continue
        ids = list(m.id) if isinstance(m.id, (tuple, list)) else [m.id]
        want = sorted(set(PLACEHOLDER.findall(" ".join(ids))))
        for s in strings(m):
            if not s:
                continue
            if sorted(set(PLACEHOLDER.findall(s))) != want:
                bad.append(f"{ids[0]!r} → {s!r}: placeholders {want}")
            # a leading or trailing space (argparse's "usage: ") is part of the string
            if (ids[0][:1].isspace(), ids[0][-1:].isspace()) != (s[:1].isspace(), s[-1:].isspace()):
                bad.append(f"{ids[0]!r} → {s!r}: spaces at the ends differ")
    assert not bad, "\n".join(bad)


def test_the_catalogue_formats_without_error():
    """Every msgstr takes the arguments its msgid's code gives (the same names), so .format never raises."""
    for m in catalogue():
        if m.id and not isinstance(m.id, (tuple, list)) and m.string:
            names = {p[1:-1] for p in PLACEHOLDER.findall(m.id)}
            m.string.format(**{n: "x" for n in names})


def test_workbook_words_fit_excel():
    for lang in i18n.LANGS:
        names = files.sheet_names(lang)
        assert len(set(names.values())) == 3
        for name in names.values():
            assert 0 < len(name) <= 31 and not set("[]:*?/\\") & set(name) and name[0] != "'", name
        for key in ("indicators", "sections", "documents"):
            heads = list(files.headings(key, lang).values())
            assert len(set(heads)) == len(heads), (lang, key, heads)  # a sheet's headings tell its columns apart
    assert list(files.sheet_names("en").values()) == EN_SHEETS
    assert list(files.sheet_names("vi").values()) == VI_SHEETS
    for key, cols in files.COLUMNS.items():  # English headings are the contract's column names
        assert list(files.headings(key, "en").values()) == cols


# ---------------------------------------------------------------- (c) the command line and the workbook

def cli(args, env_lang=None, cwd=ROOT):
    env = {k: v for k, v in os.environ.items() if k != "VNREPORT_LANG"}
    if env_lang is not None:
        env["VNREPORT_LANG"] = env_lang
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=env)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """corpus/txt extracted three times: by default, with --lang en, with VNREPORT_LANG=en."""
    base = tmp_path_factory.mktemp("i18n")
    out = {}
    for name, args, env in (("default", [], None), ("flag", ["--lang", "en"], None), ("env", [], "en")):
        r = cli(["extract", str(CORPUS / "txt"), "-o", str(base / name), *args], env_lang=env)
        assert r.returncode == 0, r.stderr
        out[name] = (r, base / name)
    return out


def test_extract_speaks_vietnamese_by_default(runs):
    r, out = runs["default"]
    lines = r.stdout.splitlines()
    assert lines[0] == "tài liệu: 4 đạt, 0 lỗi, 0 bỏ qua", r.stdout
    assert lines[1].startswith("chỉ tiêu: ") and "số lượng " in lines[1] and "tiền " in lines[1]
    assert "tỷ lệ % " in lines[1] and "văn bản " in lines[1]
    assert lines[2].startswith(f"tệp kết quả: {out}/indicators.csv")
    for word in ("documents:", "indicators:", "outputs:", " ok,", "count "):
        assert word not in r.stdout


@pytest.mark.parametrize("how", ["flag", "env"])
def test_extract_speaks_english_when_asked(runs, how):
    r, out = runs[how]
    lines = r.stdout.splitlines()
    assert lines[0] == "documents: 4 ok, 0 failed, 0 skipped", r.stdout
    assert lines[1].startswith("indicators: ") and "count " in lines[1] and "money " in lines[1]
    assert lines[2].startswith(f"outputs: {out}/indicators.csv")


def test_workbook_in_the_run_language_csv_always_the_contract(runs):
    vi = load_workbook(runs["default"][1] / "indicators.xlsx")
    assert vi.sheetnames == VI_SHEETS
    head = [c.value for c in vi["Chỉ tiêu"][1]]
    assert head[:5] == ["Mã tài liệu", "Tệp nguồn", "Loại", "Giá trị", "Đơn vị tính"]
    assert files.column_names("indicators", head) == files.COLUMNS["indicators"]
    # the kinds stay the contract's codes (the filters and formulas work whatever the language); the heading's
    # comment says them in words
    kinds = {row[head.index("Loại")] for row in vi["Chỉ tiêu"].iter_rows(min_row=2, values_only=True)}
    assert {"count", "money", "percent", "date"} <= kinds
    assert "count = số lượng" in vi["Chỉ tiêu"].cell(1, head.index("Loại") + 1).comment.text
    links = [row[head.index("Kiểm tra")] for row in vi["Chỉ tiêu"].iter_rows(min_row=2, max_row=3, values_only=True)]
    assert all(link.endswith('","kiểm tra")') for link in links), links
    assert [c.value for c in vi["Tài liệu"][1]][:4] == ["Mã tài liệu", "Tệp nguồn", "Định dạng", "Trạng thái"]
    for how in ("flag", "env"):
        en = load_workbook(runs[how][1] / "indicators.xlsx")
        assert en.sheetnames == EN_SHEETS
        for key, name in zip(("indicators", "sections", "documents"), EN_SHEETS):
            assert [c.value for c in en[name][1]] == files.COLUMNS[key]
        assert en["Indicators"].cell(1, 1).comment is None
        # the same cells under the headings, whatever the language
        assert list(en["Indicators"].iter_rows(min_row=2, max_col=11, values_only=True)) == \
            list(vi["Chỉ tiêu"].iter_rows(min_row=2, max_col=11, values_only=True))
    for name in ("indicators.csv", "sections.csv", "documents.csv"):
        vi_csv = (runs["default"][1] / name).read_text(encoding="utf-8-sig")
        assert vi_csv.splitlines()[0].split(",")[0] == "doc_id"
        if name != "documents.csv":  # documents.csv holds each document's seconds
            assert vi_csv == (runs["flag"][1] / name).read_text(encoding="utf-8-sig")


def test_a_workbook_is_read_back_whatever_its_language(runs):
    for how, lang in (("default", "vi"), ("flag", "en")):
        path = runs[how][1] / "indicators.xlsx"
        assert files.workbook_lang(path) == lang
        wb = load_workbook(path)
        for key in ("indicators", "sections", "documents"):
            ws = files.find_sheet(wb, key)
            assert files.column_names(key, [c.value for c in ws[1]]) == files.COLUMNS[key]


def test_apply_keeps_the_workbook_language_unless_told(runs, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("VNREPORT_LANG", raising=False)
    out = tmp_path / "en"
    shutil.copytree(runs["flag"][1], out)
    with open(out / "indicators.csv", encoding="utf-8-sig") as f:
        first = next(csv.DictReader(f))
    dec = tmp_path / "d.csv"
    dec.write_text(f"id,decision,value,note\n{first['id']},wrong,,\n", encoding="utf-8")
    assert main(["apply", str(out), str(dec)]) == 0
    assert capsys.readouterr().out.strip() == "đã cập nhật kết quả kiểm tra: đúng 0, sai 1, đã sửa 0"
    assert load_workbook(out / "indicators.xlsx").sheetnames == EN_SHEETS  # written in English, kept so
    assert main(["apply", "--lang", "vi", str(out), str(dec)]) == 0
    assert load_workbook(out / "indicators.xlsx").sheetnames == VI_SHEETS
    assert main(["--lang", "en", "apply", str(out), str(dec)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "applied: ok 0, wrong 1, fixed 0"
    wb = load_workbook(out / "indicators.xlsx")
    assert wb.sheetnames == EN_SHEETS
    head = [c.value for c in wb["Indicators"][1]]
    assert wb["Indicators"].cell(2, head.index("review") + 1).value.endswith('","wrong")')
    # a bad line: the frame in the run's language
    dec.write_text("id,decision,value,note\nnope,ok,,\n", encoding="utf-8")
    assert main(["apply", str(out), str(dec)]) == 2
    assert capsys.readouterr().err.strip() == f"vnreport: lỗi: {dec} dòng 2: không có mã dòng 'nope'"


def test_failed_documents_and_progress_words(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(CORPUS / "txt" / "003_6617312135f34f8a.txt", src / "good.txt")
    (src / "broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    (src / "notes.xyz").write_text("x", encoding="utf-8")
    r = cli(["extract", str(src), "-o", str(tmp_path / "o"), "--no-progress"])
    assert r.returncode == 1
    err = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(err) == 1 and err[0].startswith("vnreport: tệp broken.docx bị lỗi: "), r.stderr
    assert r.stdout.splitlines()[0] == "tài liệu: 1 đạt, 1 lỗi, 1 bỏ qua"
    with open(tmp_path / "o" / "documents.csv", encoding="utf-8-sig") as f:
        reason = {d["source_file"]: d["error"] for d in csv.DictReader(f)}["broken.docx"]
    assert err[0] == f"vnreport: tệp broken.docx bị lỗi: {reason}"  # the reason as documents.csv keeps it
    r = cli(["extract", str(src), "-o", str(tmp_path / "e"), "--no-progress", "--lang", "en"])
    assert [x for x in r.stderr.splitlines() if x.strip()] == [f"vnreport: broken.docx: failed: {reason}"]


def test_help_and_usage_errors_are_translated():
    r = cli(["extract", "--help"])
    assert r.returncode == 0 and "thư mục ghi các bảng kết quả" in r.stdout and "tùy chọn:" in r.stdout
    assert "cách dùng: vnreport extract" in r.stdout
    r = cli(["extract", "--help", "--lang", "en"])
    assert "folder for the output tables" in r.stdout and "usage: vnreport extract" in r.stdout
    r = cli(["extract"])
    assert r.returncode == 2 and "vnreport extract: lỗi: thiếu tham số bắt buộc: INPUT, -o/--outdir" in r.stderr
    r = cli(["extract", "x", "-o", "y", "--jobs", "0", "--lang", "en"])
    assert r.returncode == 2 and "error: argument --jobs/-j: must be at least 1: 0" in r.stderr
    r = cli(["extract", str(ROOT / "missing"), "-o", "y"])
    assert r.returncode == 2
    assert r.stderr.strip() == f"vnreport: lỗi: không tìm thấy tệp hoặc thư mục: {ROOT / 'missing'}"


# ---------------------------------------------------------------- (d) an unknown language is a usage error

@pytest.mark.parametrize("args,env", [
    (["--lang", "fr", "extract", "corpus/txt", "-o", "o"], None),
    (["extract", "corpus/txt", "-o", "o", "--lang=xx"], None),
    (["template", "t.txt", "--lang", "klingon"], None),
    (["extract", "corpus/txt", "-o", "o"], "fr"),
])
def test_unknown_language_is_a_usage_error(args, env, tmp_path):
    r = cli(args, env_lang=env, cwd=tmp_path)
    assert r.returncode == 2, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vnreport: lỗi: ") and "vi hoặc en" in lines[0], r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "o").exists()


def test_locale_style_codes_and_the_last_flag_win(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("VNREPORT_LANG", raising=False)
    src = tmp_path / "a.txt"
    src.write_text("I. KẾT QUẢ\nĐã tổ chức 12 hội nghị.\n", encoding="utf-8")
    assert main(["--lang", "en", "extract", str(src), "-o", str(tmp_path / "o"), "--no-progress"]) == 0
    assert capsys.readouterr().out.startswith("documents: 1 ok")
    assert main(["--lang", "en", "extract", "--lang", "vi", str(src), "-o", str(tmp_path / "o"),
                 "--no-progress"]) == 0
    assert capsys.readouterr().out.startswith("tài liệu: 1 đạt")
    monkeypatch.setenv("VNREPORT_LANG", "en_US.UTF-8")
    assert main(["extract", str(src), "-o", str(tmp_path / "o"), "--no-progress"]) == 0
    assert capsys.readouterr().out.startswith("documents: 1 ok")


def test_main_gives_the_caller_its_language_back(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("VNREPORT_LANG", raising=False)
    before = i18n.current()
    src = tmp_path / "a.txt"
    src.write_text("Đã tổ chức 12 hội nghị.\n", encoding="utf-8")
    assert main(["--lang", "en", "extract", str(src), "-o", str(tmp_path / "o"), "--no-progress"]) == 0
    assert "VNREPORT_LANG" not in os.environ and i18n.current() == before
    monkeypatch.setenv("VNREPORT_LANG", "en")
    assert main(["extract", str(src), "-o", str(tmp_path / "o"), "--no-progress", "--lang", "vi"]) == 0
    assert os.environ["VNREPORT_LANG"] == "en"
