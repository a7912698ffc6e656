"""Province summary: mapping onto the template (004), the sums and their traceability, summary.xlsx, the CLI.

The hand-made reports in tests/data/summary/ are district Mặt trận reports with their own outline, each with
a mapping written by hand before the code ran (``<name>.expected.csv``: section_path → template_path).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.cli import main
from pipeline.summary import SummaryError, outline_text, summarise
from pipeline.summary.mapping import align
from pipeline.summary.sums import reasons

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "corpus" / "txt" / "004_f162b015986022fe.txt"
DATA = ROOT / "tests" / "data" / "summary"
OWN = sorted(DATA.glob("*.txt"))
D000, D002, D003 = "000_f9135524f0dbee1e", "002_42f08eaff795a7ac", "003_6617312135f34f8a"


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.fixture(scope="module", autouse=True)
def english():
    """These tests check the contract's English sheet names and headings (--lang en); tests/test_asks.py checks the
    Vietnamese default."""
    from pipeline import i18n

    before = os.environ.get("VNREPORT_LANG")
    i18n.use("en")
    yield
    if before is None:
        os.environ.pop("VNREPORT_LANG", None)
    else:
        os.environ["VNREPORT_LANG"] = before
    i18n._lang = None


@pytest.fixture(scope="module")
def outdir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("summary-out")
    assert main(["extract", str(ROOT / "corpus" / "txt"), *map(str, OWN), "-o", str(out), "--no-progress"]) == 0
    return out


@pytest.fixture(scope="module")
def result(outdir, tmp_path_factory):
    dest = tmp_path_factory.mktemp("summary-dest")
    return summarise(outdir, TEMPLATE, dest)


@pytest.fixture(scope="module")
def mapping(result) -> pd.DataFrame:
    return read(result.dest / "mapping.csv")


@pytest.fixture(scope="module")
def book(result):
    return load_workbook(result.dest / "summary.xlsx")


# ----------------------------------------------------------------------------------------------- mapping
def test_mapping_columns_and_nothing_dropped(outdir, mapping):
    assert list(mapping.columns) == ["doc_id", "section_path", "section_title", "template_path", "template_title",
                                     "score", "method"]
    sections = read(outdir / "sections.csv")
    assert len(mapping) == len(sections)
    assert mapping[["doc_id", "section_path"]].values.tolist() == sections[["doc_id", "section_path"]].values.tolist()
    assert set(mapping["method"]) <= {"numbering", "title", "inherited", "unmapped"}
    assert ((mapping["method"] == "unmapped") == (mapping["template_path"] == "")).all()


def test_000_follows_the_template_section_by_section(outdir, mapping):
    m = mapping[mapping["doc_id"] == D000]
    assert len(m) == (read(outdir / "sections.csv")["doc_id"] == D000).sum() == 29
    assert (m["method"] == "numbering").all(), m[m["method"] != "numbering"]
    assert (m["template_path"] == m["section_path"]).all()


@pytest.mark.parametrize("report", OWN, ids=lambda p: p.stem)
def test_own_outline_reports_against_the_hand_made_mapping(mapping, report):
    expected = read(report.with_suffix(".expected.csv"))
    got = mapping[mapping["doc_id"] == report.stem]
    assert got["section_path"].tolist() == expected["section_path"].tolist()
    hits = (got["template_path"].values == expected["template_path"].values)
    for (_, r), want, ok in zip(got.iterrows(), expected["template_path"], hits):
        if not ok:
            print(f"{report.stem} {r['section_path']}: {r['template_path'] or '(unmapped)'} ({r['method']}), "
                  f"expected {want or '(unmapped)'}")
    assert hits.mean() >= 0.8


def test_own_outline_accuracy_overall(mapping):
    """All hand-made reports together: 90 of 98 sections (0.92) when this was written."""
    hits = total = 0
    for report in OWN:
        expected = read(report.with_suffix(".expected.csv"))
        got = mapping[mapping["doc_id"] == report.stem]
        hits += int((got["template_path"].values == expected["template_path"].values).sum())
        total += len(expected)
    print(f"own-outline accuracy: {hits}/{total} = {hits / total:.2f}")
    assert hits / total >= 0.9


def test_reports_of_another_office_are_handled(outdir, mapping):
    """002 and 003 are dân vận reports with their own outline: every section has a row; the assessment and
    next-year parts find the template's; what stays unmapped is printed with its closest template section."""
    for doc in (D002, D003):
        m = mapping[mapping["doc_id"] == doc]
        assert len(m) == (read(outdir / "sections.csv")["doc_id"] == doc).sum()
        assess = m[m["section_title"].str.upper() == "ĐÁNH GIÁ CHUNG"]
        assert assess["template_path"].tolist() == ["Phần thứ nhất > III"]
        assert m.loc[m["section_path"] == "Phần thứ hai", "template_path"].tolist() == ["Phần thứ hai"]
        for _, r in m[m["method"] != "numbering"].iterrows():
            print(f"{doc} {r['section_path']:24} {r['method']:9} {r['score']:>5} → {r['template_path'] or '—'}")


def test_inherited_sections_take_their_parents_place(mapping):
    inherited = mapping[mapping["method"] == "inherited"]
    assert len(inherited) > 0
    for _, r in inherited.iterrows():
        parent = r["section_path"].rsplit(" > ", 1)[0]
        above = mapping[(mapping["doc_id"] == r["doc_id"]) & (mapping["section_path"] == parent)]
        assert r["template_path"] in above["template_path"].tolist()
    row = mapping[(mapping["doc_id"] == "mttq_huyen_phu_yen") & (mapping["section_path"] == "PHẦN II > I")].iloc[0]
    assert (row["template_path"], row["method"]) == ("Phần thứ hai", "inherited")
    for _, r in mapping[mapping["method"] == "unmapped"].iterrows():  # unmapped only where no ancestor maps
        parts = r["section_path"].split(" > ")
        for k in range(1, len(parts)):
            anc = mapping[(mapping["doc_id"] == r["doc_id"]) & (mapping["section_path"] == " > ".join(parts[:k]))]
            assert (anc["template_path"] == "").all()


def test_alignment_keeps_the_reports_order():
    # section 1 alone would go back to template part 0 after section 0 took part 1
    s = np.array([[0.1, 0.9, 0.0],
                  [0.8, 0.1, 0.0],
                  [0.0, 0.3, 0.7]])
    assert align(s, s, [0, 1, 2]) == [1, None, 2]  # across parts: the order wins, section 1 is left out
    assert align(s, s, [0, 0, 0]) == [1, 0, 2]  # inside one part going back is allowed (at a cost)


def test_mapping_is_monotone_across_template_parts(mapping, result):
    """Within each report, the template parts (Phần thứ nhất, Phần thứ hai) of the matched sections never go
    back, except for a strong match (a report that puts its proposals last)."""
    from pipeline.summary.mapping import STRONG

    part = {p: p.split(" > ")[0] for p in mapping["template_path"] if p}
    order = {"Phần thứ nhất": 0, "Phần thứ hai": 1}
    for doc, m in mapping.groupby("doc_id", sort=False):
        far = -1
        for _, r in m[m["method"].isin(["numbering", "title"])].iterrows():
            k = order[part[r["template_path"]]]
            assert k >= far or float(r["score"]) >= STRONG, (doc, r["section_path"])
            far = max(far, k)


# -------------------------------------------------------------------------------------------------- sums
def ids_in(comment_text: str) -> list[str]:
    return comment_text.splitlines()[1:]


def test_every_summary_cell_is_the_sum_of_its_commented_rows(outdir, result, book):
    ind = read(outdir / "indicators.csv").set_index("id")
    ws = book["Summary"]
    head = [c.value for c in ws[1]]
    assert head[:4] == ["template_path", "template_title", "kind", "unit"]
    docs = read(outdir / "documents.csv")
    issuer = docs["issuer"] if "issuer" in docs.columns else [""] * len(docs)
    assert head[4:] == [(i or d) for d, i in zip(docs["doc_id"], issuer)]
    seen, cells = set(), 0
    for row in ws.iter_rows(min_row=2):
        path, kind, unit = row[0].value, row[2].value, row[3].value or ""
        for c in row[4:]:
            if c.value is None:
                assert c.comment is None
                continue
            cells += 1
            ids = ids_in(c.comment.text)
            rows = ind.loc[ids]
            assert abs(sum(float(v) for v in rows["value"]) - c.value) < 1e-6
            assert (rows["kind"] == kind).all() and set(rows["kind"]) <= {"count", "money"}
            assert (rows["unit"].str.lower() == unit.lower()).all() if kind != "money" else (rows["unit"] == "VND").all()
            assert (rows["qualifier"] == "").all() and (rows["per"] == "").all()
            values = result.values.set_index("id").loc[ids]
            assert (values["template_path"] == path).all()
            assert not seen & set(ids)
            seen |= set(ids)
            assert c.number_format in ("#,##0", "#,##0.0##")
    assert cells > 50
    summed = set(result.values.loc[result.values["summed"] == "yes", "id"])
    assert seen == summed  # every summed value is in exactly one cell


def test_values_left_out_say_why(result):
    v = result.values
    assert (v.loc[v["qualifier"] != "", "summed"] == "no").all()
    assert (v.loc[v["per"] != "", "summed"] == "no").all()
    assert (v.loc[~v["kind"].isin(["count", "money"]), "summed"] == "no").all()
    assert (v.loc[v["summed"] == "no", "reason"] != "").all()
    phu_yen = v[v["doc_id"] == "mttq_huyen_phu_yen"]
    part = phu_yen[phu_yen["value"] == "1320000000"].iloc[0]  # 2.150.000.000 đồng (trong đó cấp huyện 1.320…)
    assert part["reason"] == "a part of the figure before it"
    running = phu_yen[(phu_yen["unit"] == "xã") & (phu_yen["value"] == "9")].iloc[0]  # nâng tổng số lên 9 xã
    assert running["reason"] == "a running total after a change"


def test_reviewed_rows_wrong_left_out_fixed_counted(outdir, result, tmp_path):
    work = tmp_path / "reviewed"
    shutil.copytree(outdir, work)
    ind = read(work / "indicators.csv")
    summed = result.values.loc[result.values["summed"] == "yes", "id"].tolist()
    wrong, fixed = summed[0], summed[1]
    ind["review"], ind["value_extracted"] = "", ""
    ind.loc[ind["id"] == wrong, "review"] = "wrong"
    i = ind.index[ind["id"] == fixed][0]
    ind.loc[i, ["review", "value_extracted", "value"]] = ["fixed", ind.loc[i, "value"], "12345"]
    ind.to_csv(work / "indicators.csv", index=False, encoding="utf-8-sig")
    res = summarise(work, TEMPLATE, None)
    ws = load_workbook(work / "summary.xlsx")["Summary"]
    found = {}
    for row in ws.iter_rows(min_row=2):
        for c in row[4:]:
            if c.comment is not None:
                for rid in ids_in(c.comment.text):
                    found[rid] = c
    assert wrong not in found
    assert fixed in found
    cell = found[fixed]
    by_id = ind.set_index("id")
    assert abs(sum(float(by_id.loc[r, "value"]) for r in ids_in(cell.comment.text)) - cell.value) < 1e-6
    assert res.values.set_index("id").loc[wrong, "reason"] == "reviewed wrong"


def test_sum_rules_on_written_examples():
    text = ("Ban hành 96 văn bản (trong đó: 21 kế hoạch); các xã ban hành 412 văn bản. "
            "Vận động được 2.150.000.000 đồng (trong đó cấp huyện 1.320.000.000 đồng, cấp xã 830.000.000 đồng). "
            "Có 22 trường đạt chuẩn, tăng 4 trường so với cùng kỳ. "
            "Kết nạp thêm 02 tổ chức thành viên, nâng tổng số lên 09 tổ chức thành viên.")
    spans = [("96 văn bản", "96", "văn bản"), ("412 văn bản", "412", "văn bản"),
             ("2.150.000.000 đồng", "2150000000", "VND"), ("1.320.000.000 đồng", "1320000000", "VND"),
             ("830.000.000 đồng", "830000000", "VND"), ("22 trường", "22", "trường"), ("4 trường", "4", "trường"),
             ("02 tổ chức thành viên", "2", "tổ chức thành viên"), ("09 tổ chức thành viên", "9", "tổ chức thành viên")]
    rows = []
    for k, (span, value, unit) in enumerate(spans):
        s = text.index(span)
        rows.append({"doc_id": "d", "kind": "money" if unit == "VND" else "count", "value": value, "unit": unit,
                     "qualifier": "", "per": "", "section_path": "I", "origin": "body", "total": "", "table": "",
                     "row": "", "col": "", "char_start": str(s), "char_end": str(s + len(span)), "id": f"d:{k}"})
    rows.append({**rows[0], "origin": "footnote", "id": "d:fn"})  # the same 96 văn bản again in a footnote
    why = dict(zip([r["id"] for r in rows], reasons(pd.DataFrame(rows), {"d": text})))
    assert [why[f"d:{k}"] for k in range(len(spans))] == [
        "", "", "", "a part of the figure before it", "a part of the figure before it", "",
        "a change against another period", "", "a running total after a change"]
    assert why["d:fn"] == "repeats a body figure (footnote)"


def test_table_parts_beside_a_total_row_are_left_out():
    base = {"doc_id": "d", "kind": "count", "unit": "người", "qualifier": "", "per": "", "section_path": "",
            "origin": "table", "table": "1", "col": "Số người", "char_start": "", "char_end": ""}
    rows = [{**base, "row": "Xã A", "value": "10", "total": "", "id": "d:1"},
            {**base, "row": "Xã B", "value": "5", "total": "", "id": "d:2"},
            {**base, "row": "Tổng cộng", "value": "15", "total": "yes", "id": "d:3"}]
    assert reasons(pd.DataFrame(rows), {}).tolist() == ["a part of the table's total row"] * 2 + [""]


# -------------------------------------------------------------------------------------------------- workbook
def test_workbook_sheets(result, book, mapping, outdir):
    assert book.sheetnames == ["Asks", "Summary", "Values", "Mapping", "Unmapped"]
    values = book["Values"]
    assert "Values" in values.tables
    head = [c.value for c in values[1]]
    assert "template_path" in head and "summed" in head and "reason" in head
    assert values.tables["Values"].ref == f"A1:{values.cell(1, len(head)).column_letter}{values.max_row}"
    assert values.max_row - 1 == len(read(outdir / "indicators.csv"))
    sheet = pd.read_excel(result.dest / "summary.xlsx", sheet_name="Mapping", dtype=str, keep_default_na=False)
    assert list(sheet.columns) == list(mapping.columns)
    assert sheet.drop(columns="score").equals(mapping.drop(columns="score"))
    assert np.allclose(sheet["score"].astype(float), mapping["score"].astype(float))
    unmapped = pd.read_excel(result.dest / "summary.xlsx", sheet_name="Unmapped", dtype=str, keep_default_na=False)
    gone = mapping[mapping["method"] == "unmapped"]
    assert set(zip(gone["doc_id"], gone["section_path"])) <= set(zip(unmapped["doc_id"], unmapped["section_path"]))
    ws = book["Summary"]
    assert ws.freeze_panes == "E2" and ws.page_setup.orientation == "landscape"
    assert ws.column_dimensions["B"].width >= 40


def test_summary_rows_follow_the_template_order(result):
    paths = result.table["template_path"].tolist()
    tpl = [ln.split("  ")[0].strip() for ln in outline_text(TEMPLATE).splitlines()[1:]]
    ranks = [tpl.index(p) for p in paths]
    assert ranks == sorted(ranks)


# -------------------------------------------------------------------------------------------------- CLI
def test_template_command_prints_the_outline(capsys):
    assert main(["template", str(TEMPLATE)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("004_f162b015986022fe.txt: 30 sections")
    assert out[1].startswith("Phần thứ nhất ") and "KẾT QUẢ CÔNG TÁC MẶT TRẬN NĂM 2023" in out[1]
    assert any(line.startswith("Phần thứ nhất > II > 3 > 3.4") for line in out)
    blank = out.index("")  # the outline, then the asks
    assert out[blank - 1].startswith("Phần thứ hai > 6")
    assert out[blank + 1].startswith("004_f162b015986022fe.txt: 28 asks")


def test_summary_command(outdir, tmp_path, capsys):
    assert main(["summary", str(outdir), "--template", str(TEMPLATE), "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "mapping.csv" in out and "numbering 59" in out and "unmapped:" in out
    assert (tmp_path / "mapping.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (tmp_path / "summary.xlsx").is_file()


def test_usage_errors_exit_2(outdir, tmp_path, capsys):
    flat = tmp_path / "flat.txt"
    flat.write_text("Báo cáo không có đề mục đánh số nào.\nChỉ có một đoạn văn.\n", encoding="utf-8")
    assert main(["summary", str(outdir), "--template", str(flat), "-o", str(tmp_path / "x")]) == 2
    assert "no numbered headings" in capsys.readouterr().err
    assert main(["summary", str(tmp_path / "nowhere"), "--template", str(TEMPLATE)]) == 2
    assert "OUTDIR not found" in capsys.readouterr().err
    assert main(["summary", str(tmp_path), "--template", str(TEMPLATE)]) == 2  # a folder without the tables
    assert "not an extract OUTDIR" in capsys.readouterr().err
    assert main(["summary", str(outdir), "--template", str(tmp_path / "missing.docx")]) == 2
    assert main(["template", str(flat)]) == 2
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a zip file")
    assert main(["template", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("vnreport: error:") == 3
    with pytest.raises(SummaryError):
        outline_text(tmp_path / "missing.txt")


# -------------------------------------------------------------------------------------------------- render
def test_summary_sheet_renders_readably(result, tmp_path):
    """LibreOffice prints the Summary sheet (landscape, fitted to the page width) to PNG: saved beside the
    test and copied to outputs/screens/summary-sheet.png for a look."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        if os.environ.get("VNREPORT_REQUIRE_OFFICE") == "1":
            pytest.fail("soffice/pdftoppm not found and VNREPORT_REQUIRE_OFFICE=1")
        pytest.skip("LibreOffice not installed")
    wb = load_workbook(result.dest / "summary.xlsx")
    for name in wb.sheetnames:
        if name != "Summary":
            del wb[name]
    xlsx = tmp_path / "summary-sheet.xlsx"
    wb.save(xlsx)
    env = {**os.environ, "HOME": str(tmp_path)}  # a private LibreOffice profile
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(xlsx)],
                   check=True, capture_output=True, timeout=180, env=env)
    pdf = tmp_path / "summary-sheet.pdf"
    assert pdf.is_file()
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(tmp_path / "summary-sheet")], check=True, timeout=60)
    png = tmp_path / "summary-sheet.png"
    assert png.stat().st_size > 20_000
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert w > h  # landscape
    screens = ROOT / "outputs" / "screens"
    screens.mkdir(parents=True, exist_ok=True)
    shutil.copy(png, screens / "summary-sheet.png")
