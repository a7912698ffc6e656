"""`vnreport apply OUTDIR decisions.csv`: the analyst's decisions become part of the tables, idempotent,
all-or-nothing on a bad file."""
import csv
import hashlib
import shutil

import pytest
from openpyxl import load_workbook

from conftest import CORPUS
from pipeline.cli import main

REPORT = CORPUS / "txt" / "003_6617312135f34f8a.txt"


def rows(out):
    with open(out / "indicators.csv", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def fingerprint(out):
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The report extracted with an English workbook (apply keeps a workbook's language) and messages."""
    out = tmp_path_factory.mktemp("apply") / "out"
    assert main(["extract", str(REPORT), "-o", str(out), "--no-progress", "--lang", "en"]) == 0
    return out


@pytest.fixture()
def outdir(extracted, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(extracted, out)
    return out


def pick(out):
    """Three rows to decide on: a count, a money amount and a date."""
    by_kind = {}
    for r in rows(out):
        by_kind.setdefault(r["kind"], r)
    return by_kind["count"], by_kind["money"], by_kind["date"]


def test_fresh_tables_have_empty_review_columns(extracted):
    rs = rows(extracted)
    assert rs and all(r["review"] == "" and r["value_extracted"] == "" for r in rs)
    ws = load_workbook(extracted / "indicators.xlsx")["Indicators"]
    header = [c.value for c in ws[1]]
    cell = ws.cell(row=2, column=header.index("review") + 1)
    first = rs[0]
    assert cell.value == f'=HYPERLINK("review/{first["doc_id"]}.html#{first["id"]}","review")'


def test_apply_merges_decisions(outdir, tmp_path, capsys):
    count, money, date = pick(outdir)
    dec = write(tmp_path / "decisions.csv", [
        "id,decision,value,note",
        f"{count['id']},fix,1250,the report says 1.250",
        f"{money['id']},wrong,,not an amount",
        f"{date['id']},ok,,",
    ])
    assert main(["apply", str(outdir), str(dec), "--lang", "en"]) == 0
    assert "fixed 1" in capsys.readouterr().out
    by = {r["id"]: r for r in rows(outdir)}
    c = by[count["id"]]
    assert (c["review"], c["value"], c["value_extracted"], c["review_note"]) == \
        ("fixed", "1250", count["value"], "the report says 1.250")
    assert (by[money["id"]]["review"], by[money["id"]]["value"]) == ("wrong", money["value"])
    assert by[date["id"]]["review"] == "ok" and by[date["id"]]["value_extracted"] == ""
    undecided = [r for r in by.values() if r["id"] not in {count["id"], money["id"], date["id"]}]
    assert all(r["review"] == "" for r in undecided)
    # the workbook says the same, with the fixed value as a number and the state on the review link
    ws = load_workbook(outdir / "indicators.xlsx")["Indicators"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("id")].value == count["id"]:
            assert row[header.index("value")].value == 1250
            assert row[header.index("review")].value.endswith(f'#{count["id"]}","fixed")')
            break
    else:
        pytest.fail("fixed row not in the workbook")
    # the review page shows the applied state
    page = (outdir / "review" / f"{count['doc_id']}.html").read_text(encoding="utf-8")
    assert "1250" in page


def test_apply_twice_changes_nothing(outdir, tmp_path):
    count, money, _ = pick(outdir)
    dec = write(tmp_path / "d.csv", ["id,decision,value,note", f"{count['id']},fix,7,", f"{money['id']},wrong,,"])
    assert main(["apply", str(outdir), str(dec)]) == 0
    first = {k: v for k, v in fingerprint(outdir).items() if not k.endswith(".xlsx")}
    first_rows = rows(outdir)
    assert main(["apply", str(outdir), str(dec)]) == 0
    assert {k: v for k, v in fingerprint(outdir).items() if not k.endswith(".xlsx")} == first
    assert rows(outdir) == first_rows


def test_rounds_accumulate_and_ok_restores_the_extracted_value(outdir, tmp_path):
    count, money, _ = pick(outdir)
    assert main(["apply", str(outdir), str(write(tmp_path / "1.csv", [
        "id,decision,value,note", f"{count['id']},fix,99,"]))]) == 0
    assert main(["apply", str(outdir), str(write(tmp_path / "2.csv", [
        "id,decision,value,note", f"{money['id']},ok,,"]))]) == 0
    by = {r["id"]: r for r in rows(outdir)}
    assert by[count["id"]]["value"] == "99" and by[money["id"]]["review"] == "ok"
    assert main(["apply", str(outdir), str(write(tmp_path / "3.csv", [
        "id,decision,value,note", f"{count['id']},ok,,"]))]) == 0
    c = {r["id"]: r for r in rows(outdir)}[count["id"]]
    assert (c["review"], c["value"], c["value_extracted"]) == ("ok", count["value"], "")


@pytest.mark.parametrize("lines,message", [
    (["id,decision,value,note", "{count},ok,,", "nope:1,ok,,"], "line 3: unknown id 'nope:1'"),
    (["id,decision,value,note", "{count},maybe,,"], "line 2: decision 'maybe'"),
    (["id,decision,value,note", "{count},fix,12 cái,"], "line 2: value '12 cái'"),
    (["id,decision,value,note", "{date},fix,13/9/2023,"], "is not a date value"),
    (["id,decision,value,note", "{count},fix,,"], "line 2: value ''"),
    (["identifier;decision", "{count};ok"], "line 1: the header"),
])
def test_a_bad_file_changes_nothing(outdir, tmp_path, capsys, lines, message):
    count, _, date = pick(outdir)
    before = fingerprint(outdir)
    dec = write(tmp_path / "bad.csv", [ln.format(count=count["id"], date=date["id"]) for ln in lines])
    assert main(["apply", str(outdir), str(dec), "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert fingerprint(outdir) == before


def test_unreadable_inputs(outdir, tmp_path, capsys):
    (tmp_path / "latin.csv").write_bytes("id,decision\nx,sai\xe9".encode("latin-1"))
    for lang in ("en", "vi"):
        assert main(["apply", str(outdir), str(tmp_path / "latin.csv"), "--lang", lang]) == 2
        assert main(["apply", str(outdir), str(tmp_path / "missing.csv"), "--lang", lang]) == 2
        assert main(["apply", str(tmp_path), str(tmp_path / "latin.csv"), "--lang", lang]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 6 and "not UTF-8" in err[0] and "cannot be read" in err[1] and "not an extract" in err[2]
    assert "không phải văn bản UTF-8" in err[3] and "không đọc được" in err[4]
    assert "không phải thư mục kết quả của lệnh extract" in err[5]
