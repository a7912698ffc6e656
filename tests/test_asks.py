"""The template's asks (004) and each report's answers: asks.csv, the first sheet of summary.xlsx, --asks FILE,
``vnreport template T --asks-csv``, reporting periods, the Vietnamese default.

``HAND_000`` is 000's answer to each ask of 004 as read by hand in the report (corpus/txt/000…): the figure an
analyst would copy, or ``None`` where the report gives none. Asks whose answer a person could argue either way
(a list of different things for "số lượng, đối tượng") are left out of the score and listed as such.
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline import i18n
from pipeline.cli import main
from pipeline.summary import summarise
from pipeline.summary.asks import ASK_COLUMNS, Ask, load_asks, parse, read_asks
from pipeline.summary.answers import ANSWER_COLUMNS
from pipeline.summary.template import Node, SummaryError, Template, load_template

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "corpus" / "txt" / "004_f162b015986022fe.txt"
D000 = "000_f9135524f0dbee1e"

# ask (its first words) → (value, qualifier) 000 gives, None where it gives nothing; "?" where a person could argue
HAND_000 = {
    "số hội nghị quán triệt": ("180", "trên"),  # "tổ chức trên 180 hội nghị tuyên truyền, quán triệt, triển khai"
    "số lượng các văn bản triển khai": ("1215", "trên"),  # 215 (thành phố) + trên 1.000 (các xã, phường)
    "số cuộc kiểm tra": ("1", ""),  # "thực hiện 01 cuộc kiểm tra công tác Mặt trận"
    "số lượng báo cáo": None,
    "số lượng các chuyên trang": ("500", "trên"),  # "đã đăng trên 500 tin, bài, phóng sự"
    "số liệu tổ chức thành viên được kết nạp mới": ("2", ""),  # "kết nạp thêm 02 tổ chức thành viên"
    "số lượng tổ chức thành viên hiện có": ("9", ""),  # "nâng tổng số lên 09 tổ chức thành viên"
    "số khu dân cư tổ chức Ngày hội": ("66", ""),  # "đã có 66 khu dân cư tổ chức xong ngày hội"
    "Kết quả vận động Quỹ": ("862796456", ""),  # "đã vận động được tổng số tiền 862.796.456 đồng"
    "Kết quả vận động, cứu trợ": None,  # "Kết quả vận động, cứu trợ do thiên tai …: Không vận động."
    "số lượng và tên mô hình": None,
    "số lượng ý kiến, kiến nghị": ("539", ""),  # "tổng hợp được 539 ý kiến, kiến nghị của cử tri"
    "tỷ lệ các ý kiến, kiến nghị": None,
    "số buổi": ("250", "trên"),  # "tuyên truyền … trên 250 buổi"
    "số người": ("9000", "trên"),  # "cho trên 9.000 lượt người"
    "số cuộc": ("24", ""),  # "các Ban TTND, GSĐTCĐ đã tổ chức 24 cuộc giám sát"
    "số vụ việc": ("65", ""),  # "hòa giải thành công 65 vụ việc"
    "tỷ lệ hòa giải thành": None,
    "số đơn thư tiếp nhận": ("100", ""),  # "đã tiếp nhận 100 đơn = 100 vụ việc"
    "số đơn thư được giải quyết": ("86", ""),  # "Số đơn đã giải quyết 86/100 đơn"
    "số lượng, tên văn bản được góp ý": ("22", ""),  # "tham gia góp ý đối 22 văn bản dự thảo"
    "số lượng, hình thức giám sát": ("3", ""),  # "triển khai 03 cuộc giám sát"
    "số lượng các chương trình hợp tác": "?",  # "Tổ chức 01 hội nghị giao lưu": an exchange, or no programme?
    "Tình hình kiện toàn": "?",  # 02 tổ chức thành viên, 05 Ủy viên, 01 đồng chí: no one figure
    "số lớp được tổ chức": None,  # "mở lớp tập huấn": no number
    "số người tham dự": ("100", "trên"),  # "cho trên 100 học viên"
    "Hiệp thương": "?",
    "Công tác phối hợp": "?",
}


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def outdir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("asks-out")
    assert main(["extract", str(ROOT / "corpus" / "txt"), "-o", str(out), "--no-progress", "--lang", "vi"]) == 0
    return out


@pytest.fixture(scope="module")
def summary(outdir, tmp_path_factory):
    """The summary as a user runs it: no language option, VNREPORT_LANG unset → Vietnamese."""
    dest = tmp_path_factory.mktemp("asks-dest")
    env = os.environ.pop("VNREPORT_LANG", None)
    try:
        assert main(["summary", str(outdir), "--template", str(TEMPLATE), "-o", str(dest)]) == 0
    finally:
        if env is not None:
            os.environ["VNREPORT_LANG"] = env
    return dest


@pytest.fixture(scope="module")
def asks_csv(summary) -> pd.DataFrame:
    return read(summary / "asks.csv")


# ------------------------------------------------------------------------------------------- reading the asks
def _examples():
    data = tomllib.loads((ROOT / "patterns" / "asks.toml").read_text(encoding="utf-8"))
    return data["examples"]


@pytest.mark.parametrize("ex", _examples(), ids=lambda e: e["text"][:50])
def test_asks_toml_examples(ex):
    """Each example of patterns/asks.toml (a template line) gives exactly its asks: words, kind, unit."""
    t = Template(Path("x.txt"), [Node("I", 1, "Mục thử", ex["text"])])
    got = [(a.ask, a.kind, a.unit) for a in read_asks(t)]
    assert got == [(a["ask"], a["kind"], a["unit"]) for a in ex["asks"]]


def test_the_asks_of_004_are_read():
    asks = read_asks(load_template(TEMPLATE))
    assert len(asks) >= 25
    words = [a.ask for a in asks]
    for want in ("số hội nghị quán triệt, triển khai chủ trương của Đảng, công tác Mặt trận ở 3 cấp",
                 "số cuộc kiểm tra ở 3 cấp", "số lượng ý kiến, kiến nghị", "số vụ việc", "tỷ lệ hòa giải thành",
                 "số lớp được tổ chức", "số người tham dự",
                 "Kết quả vận động Quỹ “Vì người nghèo”, hỗ trợ xây dựng Nhà Đại đoàn kết"):
        assert want in words
    by = {a.ask: a for a in asks}
    assert by["số cuộc kiểm tra ở 3 cấp"].template_path == "Phần thứ nhất > I"
    assert (by["số cuộc kiểm tra ở 3 cấp"].kind, by["số cuộc kiểm tra ở 3 cấp"].unit) == ("count", "cuộc kiểm tra")
    assert by["tỷ lệ hòa giải thành"].kind == "percent"
    assert by["Kết quả vận động Quỹ “Vì người nghèo”, hỗ trợ xây dựng Nhà Đại đoàn kết"].kind == "money"
    assert by["số vụ việc"].template_path == "Phần thứ nhất > II > 3 > 3.1"
    assert not any(a.ask.startswith("số 303") for a in asks)  # "Thông báo số 303/TB-MTTW-BTT" is a reference
    for a in asks:
        assert set(a.row()) == set(ASK_COLUMNS)


def test_parse_reads_an_analysts_own_words():
    assert parse("Số cuộc giám sát") == ("count", "cuộc giám sát", "cuộc giám sát")
    assert parse("Tỷ lệ hộ nghèo")[0:2] == ("percent", "%")
    assert parse("Tổng số tiền hỗ trợ")[0:2] == ("money", "VND")


# ------------------------------------------------------------------------------------------------ the answers
def _hand(ask: str):
    for k in sorted(HAND_000, key=len, reverse=True):  # "số người tham dự" before "số người"
        if ask == k or ask.startswith((k + " ", k + ",", k + ":")):
            return k, HAND_000[k]
    raise AssertionError(f"no hand answer for the ask {ask!r}")


def test_000_answers_match_the_hand_reading(asks_csv):
    """000's answers, against the report read by hand: ≥ 0.90 of the asks it answers, and nothing made up for the
    asks it does not answer."""
    rows = asks_csv[asks_csv["doc_id"] == D000]
    assert len(rows) == len(read_asks(load_template(TEMPLATE)))
    answered = right = invented = 0
    for _, r in rows.iterrows():
        key, want = _hand(r["ask"])
        if want == "?":
            continue
        got = None if r["status"] == "not reported" else (r["value"], r["qualifier"])
        if want is None:
            invented += got is not None
            if got is not None:
                print(f"made up: {key}: {got}")
            continue
        answered += 1
        right += got == want
        if got != want:
            print(f"wrong: {key}: {got}, by hand {want}")
    print(f"000: {right}/{answered} asks answered right, {invented} answers where the report gives none")
    assert answered >= 15
    assert right / answered >= 0.9
    assert invented == 0


def test_asks_csv_is_traceable(outdir, asks_csv):
    assert list(asks_csv.columns) == ANSWER_COLUMNS
    assert set(asks_csv["status"]) <= {"reported", "parts", "conflict", "not reported"}
    ind = read(outdir / "indicators.csv").set_index("id")
    for _, r in asks_csv.iterrows():
        if r["status"] == "not reported":
            assert r["value"] == "" and r["ids"] == "" and r["qualifier"] == ""  # never 0
            continue
        ids = r["ids"].split()
        assert ids and all(i in ind.index and ind.loc[i, "doc_id"] == r["doc_id"] for i in ids)
        assert r["text"]
    parts = asks_csv[(asks_csv["doc_id"] == D000) & (asks_csv["status"] == "parts")]
    row = parts[parts["ask"].str.startswith("số lượng các văn bản")].iloc[0]
    assert (row["value"], row["qualifier"]) == ("1215", "trên")
    vals = sorted(float(ind.loc[i, "value"]) for i in row["ids"].split())
    assert vals == [215.0, 1000.0]


def test_the_first_sheet_is_the_asks_in_vietnamese(summary, asks_csv):
    wb = load_workbook(summary / "summary.xlsx")
    assert wb.sheetnames[0] == "Số liệu yêu cầu"
    assert wb.sheetnames[1:] == ["Tổng hợp", "Số liệu", "Đối chiếu mục", "Mục chưa đối chiếu"]
    ws = wb.worksheets[0]
    head = [c.value for c in ws[1]]
    assert head[:5] == ["Mục đề cương", "Tên mục đề cương", "Yêu cầu số liệu", "Loại", "Đơn vị tính"]
    assert head[-1] == "Toàn tỉnh"
    docs = read(summary.parent / summary.name / "asks.csv")["doc_id"].unique().tolist()
    assert len(head) == 5 + len(docs) + 1
    assert ws.cell(2, 1).value == "Kỳ báo cáo" and ws.cell(2, 6).value == "năm 2023"
    assert "004_f162b015986022fe" not in docs  # the template answers none of its own asks
    assert cell_format_is_vietnamese(ws)
    asks = asks_csv.drop_duplicates("ask")["ask"].tolist()
    assert [ws.cell(r, 3).value for r in range(3, 3 + len(asks))] == asks  # template order
    col = 6 + docs.index(D000)
    by_ask = {ws.cell(r, 3).value: ws.cell(r, col) for r in range(3, ws.max_row + 1)}
    cell = by_ask["số hội nghị quán triệt, triển khai chủ trương của Đảng, công tác Mặt trận ở 3 cấp"]
    assert cell.value == 180 and cell.number_format.startswith('[$-42A]"trên "')  # a number, "trên" kept in sight
    assert f"{D000}:" in cell.comment.text and "hội nghị" in cell.comment.text
    assert cell.hyperlink is not None and cell.hyperlink.target.split("#")[0].endswith(f"{D000}.html")
    assert by_ask["số lượng báo cáo"].value == "chưa báo cáo"
    total = ws.cell([r for r in range(3, ws.max_row + 1) if ws.cell(r, 3).value == "số vụ việc"][0], len(head))
    got = asks_csv[(asks_csv["ask"] == "số vụ việc") & (asks_csv["status"] != "not reported")]
    assert D000 in set(got["doc_id"])
    assert total.value == sum(int(v) for v in got["value"])  # the reports are all of 2023: their figures add up


def test_reports_of_different_periods_are_not_added(outdir, tmp_path):
    import shutil

    work = tmp_path / "out"
    shutil.copytree(outdir, work)
    docs = read(work / "documents.csv")
    docs.loc[docs["doc_id"].str.startswith("002"), "period"] = "2023-01/2023-09"
    docs.to_csv(work / "documents.csv", index=False, encoding="utf-8-sig")
    i18n.use("en")
    try:
        lines = summarise(work, TEMPLATE, None).lines()
    finally:
        i18n.use("vi")
    assert any(line.startswith("warning: the reports cover different periods") for line in lines)
    ws = load_workbook(work / "summary.xlsx")["Asks"]
    total = [c.value for c in ws[1]].index("Province total") + 1
    assert ws.cell(2, total).value == "periods differ: only reports of one period are added"
    assert ws.cell(2, 6).value != ws.cell(2, 7).value  # each column says its period


def cell_format_is_vietnamese(ws) -> bool:
    """Every number cell is shown with Vietnamese digit grouping ("1.215") whatever the spreadsheet's locale."""
    formats = [c.number_format for row in ws.iter_rows(min_row=3) for c in row if isinstance(c.value, (int, float))]
    return bool(formats) and all(f.startswith("[$-42A]") for f in formats)


def test_period_words():
    from pipeline.summary.asks_sheet import period_words

    i18n.use("vi")
    assert period_words("2023-01/2023-12") == "năm 2023"
    assert period_words("2024-01/2024-06") == "6 tháng đầu năm 2024"
    assert period_words("2023-01/2023-09") == "9 tháng năm 2023"
    assert period_words("2024-07/2024-09") == "quý III/2024"
    assert period_words("2023-03/2024-02") == "03/2023–02/2024"
    assert period_words("") == "không ghi"


def test_province_total_adds_one_period_only():
    from pipeline.summary.answers import Answer
    from pipeline.summary.asks_sheet import province_total

    ask = Ask("I", "", "số hội nghị", "count", "hội nghị")
    a = Answer(ask, "a", "180", "trên", "reported", ["a:1"])
    b = Answer(ask, "b", "20", "", "parts", ["b:1", "b:2"])
    c = Answer(ask, "c", status="not reported")
    assert province_total([a, b, c], "count", {"a": "2023-01/2023-12", "b": "2023-01/2023-12"})[:2] == (200, "trên")
    total, _, why = province_total([a, b], "count", {"a": "2023-01/2023-12", "b": "2023-01/2023-09"})
    assert total is None and why
    assert province_total([a, b], "percent", {})[0] is None  # rates are never added


def test_the_analyst_edits_the_asks(outdir, tmp_path, capsys):
    assert main(["template", str(TEMPLATE), "--asks-csv"]) == 0
    text = capsys.readouterr().out
    mine = tmp_path / "asks.csv"
    mine.write_text(text, encoding="utf-8")
    asks = pd.read_csv(mine, dtype=str, keep_default_na=False)
    assert list(asks.columns) == ASK_COLUMNS and len(asks) >= 25
    keep = asks[asks["ask"].isin(["số vụ việc", "số buổi"])].copy()
    own = {"template_path": "Phần thứ nhất > II > 3 > 3.1", "template_title": "", "ask": "Số hòa giải viên",
           "kind": "", "unit": "", "context": ""}
    pd.concat([keep, pd.DataFrame([own])]).to_csv(mine, index=False)
    dest = tmp_path / "dest"
    assert main(["summary", str(outdir), "--template", str(TEMPLATE), "--asks", str(mine), "-o", str(dest)]) == 0
    got = read(dest / "asks.csv")
    assert got["ask"].drop_duplicates().tolist() == ["số buổi", "số vụ việc", "Số hòa giải viên"]
    mine_row = got[(got["ask"] == "Số hòa giải viên") & (got["doc_id"] == D000)].iloc[0]
    assert (mine_row["kind"], mine_row["unit"], mine_row["value"]) == ("count", "hòa giải viên", "388")
    bad = tmp_path / "bad.csv"
    bad.write_text("template_path,ask\nPhần thứ chín,Số hội nghị\n", encoding="utf-8")
    assert main(["summary", str(outdir), "--template", str(TEMPLATE), "--asks", str(bad), "-o", str(dest)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.csv:2" in err[0]


def test_load_asks_fills_kind_and_unit(tmp_path):
    t = load_template(TEMPLATE)
    f = tmp_path / "a.csv"
    f.write_text("template_path,ask,kind\nPhần thứ nhất > I,Số cuộc kiểm tra,\nPhần thứ nhất > I,Tỷ lệ x,money\n",
                 encoding="utf-8")
    got = load_asks(f, t)
    assert [(a.kind, a.unit) for a in got] == [("count", "cuộc kiểm tra"), ("money", "VND")]
    f.write_text("template_path,ask,kind\nPhần thứ nhất > I,Số cuộc,weight\n", encoding="utf-8")
    with pytest.raises(SummaryError, match="'weight'"):
        load_asks(f, t)
    assert isinstance(got[0], Ask)


# ------------------------------------------------------------------- reports with their own outline (hand-made)
OWN = sorted((ROOT / "tests" / "data" / "summary").glob("*.txt"))


def score(expected: pd.DataFrame, got: pd.DataFrame) -> tuple[int, int, int, list[str]]:
    """(asks answered right, asks the report answers, answers where it gives none, the misses in words)."""
    right = answered = invented = 0
    misses = []
    for _, r in got.iterrows():
        want = expected[(expected["doc_id"] == r["doc_id"]) & expected["ask"].map(
            lambda k: r["ask"] == k or r["ask"].startswith((k + " ", k + ",", k + ":")))]
        assert len(want) >= 1, (r["doc_id"], r["ask"])
        want = want.loc[want["ask"].str.len().idxmax()]  # the longest key that fits
        value = None if r["status"] == "not reported" else r["value"]
        if want["value"] == "?":
            continue
        if want["value"] == "":
            if value is not None:
                invented += 1
                misses.append(f"{r['doc_id']} {want['ask']}: {value} where the report gives none")
            continue
        answered += 1
        if value is not None and float(value) == float(want["value"]):
            right += 1
        else:
            misses.append(f"{r['doc_id']} {want['ask']}: {value}, by hand {want['value']}")
    return right, answered, invented, misses


@pytest.fixture(scope="module")
def own_asks(tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("own-out")
    assert main(["extract", *map(str, OWN), "-o", str(out), "--no-progress"]) == 0
    assert main(["summary", str(out), "--template", str(TEMPLATE)]) == 0
    return read(out / "asks.csv")


def test_reports_with_their_own_outline_against_an_analysts_answers(own_asks):
    """Four district and commune reports whose headings are their own, answered by hand (asks.expected.csv):
    the figures a person copies into the province's sheet for each ask of 004."""
    expected = read(ROOT / "tests" / "data" / "summary" / "asks.expected.csv")
    right, answered, invented, misses = score(expected, own_asks)
    print(f"own-outline reports: {right}/{answered} asks answered right, {invented} answers where none is given")
    print("\n".join(misses))
    assert answered >= 40
    assert right / answered >= 0.85
    assert invented <= 0.05 * len(own_asks)
