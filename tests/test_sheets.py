"""Spreadsheets (.xlsx, .xls, .ods): every sheet a table read with the table model of Word and PDF tables.

The workbook is built here with openpyxl; its .ods and .xls twins are made from it by LibreOffice (skipped when
LibreOffice is not installed, unless VNREPORT_REQUIRE_OFFICE=1). The five real workbooks of
../shared/corpus-wild are read when that folder is there.
"""
import csv
import datetime
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import SHARED
from pipeline.ingest import IngestError, guard, ingest, sheets
from pipeline.run import run

OFFICE = shutil.which("soffice") or shutil.which("libreoffice")
WILD = SHARED / "corpus-wild" / "files"
NOTE = ("Trong năm, các cơ sở Hội đã phối hợp tổ chức 12 hội nghị tuyên truyền về pháp luật và chính sách "
        "cho hội viên, nông dân tại các thôn, bản; vận động hội viên tham gia xây dựng nông thôn mới, bảo vệ "
        "môi trường, giữ gìn an ninh trật tự ở khu dân cư và phát triển kinh tế hộ gia đình.")
# the total row's formulas, with the values a spreadsheet program saved for them (openpyxl saves none)
TOTALS = {"C8": ("C6+C7", "2225"), "D8": ("D6+D7", "1132"), "E8": ("D8/C8", "0.50876404494382"),
          "F8": ("F6+F7", "225.95")}


def build_xlsx(path: Path) -> Path:
    """A district's "Biểu kèm theo": a title, merged headers over two rows, a "Đơn vị tính" line, counts,
    percentages and money, a total row of formulas; a notes sheet with a long text cell; a hidden sheet."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Biểu kèm theo"
    ws["A1"] = "BIỂU TỔNG HỢP KẾT QUẢ CÔNG TÁC HỘI NĂM 2023"
    ws.merge_cells("A1:F1")
    ws["A2"] = "(Kèm theo Báo cáo số 45/BC-HND ngày 15/12/2023)"
    ws.merge_cells("A2:F2")
    ws["F3"] = "Đơn vị tính: người"
    for col, v in zip("ABCEF", ["STT", "Đơn vị", "Số hội viên", "Tỷ lệ hội viên nữ (%)", "Quỹ hội (triệu đồng)"]):
        ws[f"{col}4"] = v
    for rng in ("A4:A5", "B4:B5", "C4:D4", "E4:E5", "F4:F5"):
        ws.merge_cells(rng)
    ws["C5"], ws["D5"] = "Tổng số", "Nữ"
    for r, row in enumerate([(1, "Xã Đông Hòa", 1245, 620, 0.498, 130.7), (2, "Xã Tây Sơn", 980, 512, 0.5224, 95.25)],
                            6):
        for col, v in zip("ABCDEF", row):
            ws[f"{col}{r}"] = v
    ws["B8"] = "Tổng cộng"
    for ref, (formula, _) in TOTALS.items():
        ws[ref] = "=" + formula
    for r in (6, 7, 8):
        ws[f"C{r}"].number_format = "#,##0"
        ws[f"E{r}"].number_format = "0.0%"
    notes = wb.create_sheet("Ghi chú")
    notes["A1"] = "Ghi chú"
    notes["A2"] = NOTE
    notes["A4"], notes["B4"] = "Ngày tổng hợp", datetime.date(2023, 12, 15)
    hidden = wb.create_sheet("Danh mục")
    hidden["A1"], hidden["B1"] = "Mã đơn vị", 1660638226
    hidden.sheet_state = "hidden"
    wb.save(path)
    # the values Excel would have saved with the formulas
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, (formula, value) in TOTALS.items():
        xml, n = re.subn(rf'(<c r="{ref}"[^>]*><f>{re.escape(formula)}</f>)<v\s*/?>(?:</v>)?', rf"\g<1><v>{value}</v>",
                         xml)
        assert n == 1, ref
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return path


def office_or_skip():
    if not OFFICE:
        if os.environ.get("VNREPORT_REQUIRE_OFFICE") == "1":
            pytest.fail("VNREPORT_REQUIRE_OFFICE=1 but LibreOffice (soffice) is not installed")
        pytest.skip("LibreOffice (soffice) not installed: the .ods and .xls twins are made with it")


def convert(src: Path, fmt: str, outdir: Path) -> Path:
    profile = (outdir / "lo-profile").as_uri()
    subprocess.run([OFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt,
                    "--outdir", str(outdir), str(src)], check=True, capture_output=True, timeout=180)
    out = outdir / f"{src.stem}.{fmt}"
    if not out.exists():
        if os.environ.get("VNREPORT_REQUIRE_OFFICE") == "1":
            pytest.fail(f"LibreOffice made no .{fmt} (is Calc installed?)")
        pytest.skip(f"LibreOffice made no .{fmt} (Calc not installed)")
    return out


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    """{fmt: path} of the same workbook as .xlsx and, when LibreOffice is there, .ods and .xls."""
    d = tmp_path_factory.mktemp("sheets")
    out = {"xlsx": build_xlsx(d / "bieu.xlsx")}
    if OFFICE:
        for fmt in ("ods", "xls"):
            sub = d / fmt
            sub.mkdir()
            try:
                out[fmt] = convert(out["xlsx"], fmt, sub)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                pass
    return out


def workbook(workbooks, fmt) -> Path:
    if fmt != "xlsx" and fmt not in workbooks:
        office_or_skip()
        pytest.fail(f"LibreOffice could not convert the workbook to .{fmt}")
    return workbooks[fmt]


FORMATS = ["xlsx", "ods", "xls"]


# ------------------------------------------------------------------------------------------- the text
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_sheet_a_table_with_exact_offsets(workbooks, fmt):
    src = workbook(workbooks, fmt)
    doc = ingest(src, "bieu", src.name)
    assert doc.format == fmt and doc.pages is None
    text = doc.text
    lines = text.split("\n")
    # the sheet's name, its title lines as paragraphs, then its rows; a blank line between sheets
    assert lines[:4] == ["Biểu kèm theo", "BIỂU TỔNG HỢP KẾT QUẢ CÔNG TÁC HỘI NĂM 2023",
                         "(Kèm theo Báo cáo số 45/BC-HND ngày 15/12/2023)", "Đơn vị tính: người"]
    # merged headers: the value in the top-left cell, the rest empty, as a Word table gives them
    assert lines[4] == "STT\tĐơn vị\tSố hội viên\t\tTỷ lệ hội viên nữ (%)\tQuỹ hội (triệu đồng)"
    assert lines[5] == "\t\tTổng số\tNữ\t\t"
    # numbers as the workbook shows them, the Vietnamese way: #,##0 groups thousands, 0.0% is a percent
    assert lines[6] == "1\tXã Đông Hòa\t1.245\t620\t49,8%\t130,7"
    assert lines[7] == "2\tXã Tây Sơn\t980\t512\t52,2%\t95,25"
    assert lines[8] == "\tTổng cộng\t2.225\t1132\t50,9%\t225,95"  # formulas by their saved values
    assert lines[9] == "" and lines[10] == "Ghi chú"
    assert NOTE + "\t" in lines  # a long text: a cell of the sheet's table, not a title line
    assert "Ngày tổng hợp\t15/12/2023" in lines  # a date dd/mm/yyyy
    assert "Danh mục" not in text and "1660638226" not in text  # the hidden sheet is not read
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert {b.table for b in tables} == {1, 2}
    assert [b.row for b in tables if b.table == 1] == list(range(5))
    for b in doc.blocks:
        assert text[b.start:b.end] == text[b.start:b.end].strip("\n") and "\n" not in text[b.start:b.end]
    for b in tables:
        assert text[b.start:b.end] == "\t".join(text[a:z] for a, z in b.cells)
        assert all("\t" not in text[a:z] for a, z in b.cells)
    paragraphs = [text[b.start:b.end] for b in doc.blocks if b.kind == "paragraph"]
    assert paragraphs[0] == "Biểu kèm theo" and "Ghi chú" in paragraphs


@pytest.mark.parametrize("fmt", FORMATS)
def test_table_cells_normalised_from_their_headers(workbooks, fmt):
    src = workbook(workbooks, fmt)
    res = run([src])
    assert res.failed == 0, res.errors
    assert res.documents[0]["status"] == "ok" and res.documents[0]["format"] == fmt
    rows = res.indicators
    doc_text = res.texts[src.stem]
    cells = {(r["row"], r["col"]): r for r in rows if r["origin"] == "table" and r["row"]}

    def cell(row, col):
        r = cells[(row, col)]
        return r["kind"], r["value"], r["unit"], r["total"]

    # the count's unit from "Đơn vị tính: người", money in VND from "(triệu đồng)", the percent from "(%)"
    assert cell("Xã Đông Hòa", "Số hội viên > Tổng số") == ("count", 1245, "người", "")
    assert cell("Xã Đông Hòa", "Số hội viên > Nữ") == ("count", 620, "người", "")
    assert cell("Xã Đông Hòa", "Tỷ lệ hội viên nữ (%)") == ("percent", 49.8, "%", "")
    assert cell("Xã Đông Hòa", "Quỹ hội (triệu đồng)") == ("money", 130700000, "VND", "")
    assert cell("Xã Tây Sơn", "Quỹ hội (triệu đồng)") == ("money", 95250000, "VND", "")
    # the total row, its values the formulas' saved ones
    assert cell("Tổng cộng", "Số hội viên > Tổng số") == ("count", 2225, "người", "yes")
    assert cell("Tổng cộng", "Tỷ lệ hội viên nữ (%)") == ("percent", 50.9, "%", "yes")
    assert cell("Tổng cộng", "Quỹ hội (triệu đồng)") == ("money", 225950000, "VND", "yes")
    for r in rows:
        if r["origin"] == "table" and r["row"]:
            assert r["table"] == 1 and r["col"]
    # a long text in a cell is read by the text rules like any table cell
    meetings = [r for r in rows if r["kind"] == "count" and r["unit"] == "hội nghị"]
    assert [(m["value"], m["origin"]) for m in meetings] == [(12, "table")]
    assert ("date", "2023-12-15") in {(r["kind"], r["value"]) for r in rows if r["origin"] == "table"}
    assert all(doc_text[r["char_start"]:r["char_end"]] == r["text"] for r in rows)


def test_offsets_index_the_text_file_through_the_cli(workbooks, tmp_path):
    from pipeline.cli import main

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(workbooks["xlsx"], folder / "bieu.xlsx")
    (folder / "ghi-chu.txt").write_text("Đã tổ chức 3 hội nghị.", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["extract", str(folder), "-o", str(out), "--no-progress"]) == 0
    with open(out / "documents.csv", encoding="utf-8-sig") as f:
        docs = {d["doc_id"]: d for d in csv.DictReader(f)}
    assert docs["bieu"]["status"] == "ok" and docs["bieu"]["format"] == "xlsx"
    assert int(docs["bieu"]["indicators"]) > 10
    text = (out / "text" / "bieu.txt").read_text(encoding="utf-8")
    with open(out / "indicators.csv", encoding="utf-8-sig") as f:
        rows = [r for r in csv.DictReader(f) if r["doc_id"] == "bieu"]
    assert rows
    for r in rows:
        assert text[int(r["char_start"]):int(r["char_end"])] == r["text"]
    totals = [r for r in rows if r["total"] == "yes"]
    assert {r["row"] for r in totals} == {"Tổng cộng"} and len(totals) == 4
    assert any(r["value"] == "130700000" and r["unit"] == "VND" and r["row"] == "Xã Đông Hòa" for r in rows)


# ------------------------------------------------------------------------------------------ the values
@pytest.mark.parametrize("value,fmt,shown", [
    (1234.0, "General", "1234"),
    (1234, "General", "1234"),
    (130.7, "General", "130,7"),
    (0.1 + 0.2, "General", "0,3"),
    (1660638226.0, "General", "1660638226"),
    (1245, "#,##0", "1.245"),
    (1234567.891, "#,##0.00", "1.234.567,89"),
    (-1234.5, "#,##0.0", "-1.234,5"),
    (0.955, "0.0%", "95,5%"),
    (0.5, "0%", "50%"),
    (0.12345, "0.00%", "12,35%"),
    (2.5, "0.##", "2,5"),
    (3.0, "0.##", "3"),
    (1234567, "#,##0,", "1.235"),
    (1500000, '#,##0 "đ"', "1.500.000"),
    (42, "@", "42"),
    (datetime.date(2023, 9, 13), "General", "13/09/2023"),
    (datetime.datetime(2023, 9, 13), "General", "13/09/2023"),
    (datetime.datetime(2023, 9, 13, 8, 30), "General", "13/09/2023 08:30"),
    (datetime.time(14, 5), "General", "14:05"),
    (True, "General", "TRUE"),
    ("  Tên\nđơn vị  ", "General", "Tên đơn vị"),
])
def test_a_cell_reads_as_the_workbook_shows_it(value, fmt, shown):
    assert sheets.show(value, fmt) == shown


@pytest.mark.parametrize("value,shown,percent,expect", [
    (1245.0, "1,245", False, "1.245"),  # an en-US LibreOffice's text
    (1245.0, "1.245", False, "1.245"),  # a vi-VN one's
    (130.7, "130.7", False, "130,7"),
    (0.498, "49.8%", True, "49,8%"),
    (0.5, "50%", True, "50%"),
    (3.0, "3.00", False, "3,00"),
])
def test_an_ods_number_keeps_the_decimals_it_shows(value, shown, percent, expect):
    assert sheets.number(value, sheets.shown_format(value, shown, percent)) == expect


# -------------------------------------------------------------------------------------------- failures
def fail_reason(path: Path) -> str:
    with pytest.raises(IngestError) as e:
        ingest(path, path.stem, path.name)
    msg = str(e.value)
    assert "\n" not in msg and "Traceback" not in msg
    return msg


def rezip(src: Path, dst: Path, part: str, edit) -> Path:
    """A copy of the zip ``src`` at ``dst`` with one part changed (``edit(its bytes, or None when absent)``)."""
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts[part] = edit(parts.get(part))
    with zipfile.ZipFile(dst, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return dst


def test_a_workbook_without_text_fails_plainly(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["B2"].number_format = "0.0%"  # styled but empty
    wb.create_sheet("Trống")
    wb.save(tmp_path / "empty.xlsx")
    assert fail_reason(tmp_path / "empty.xlsx") == "the workbook has no cells with text"
    wb = openpyxl.Workbook()
    ws = wb.create_sheet("Ẩn")
    ws["A1"] = "chỉ ở trang ẩn"
    ws.sheet_state = "hidden"
    wb.save(tmp_path / "hidden.xlsx")
    assert fail_reason(tmp_path / "hidden.xlsx") == "the workbook has no cells with text (hidden sheets are not read)"


def test_broken_and_encrypted_workbooks_fail_in_one_line(workbooks, tmp_path):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"this is not a workbook at all " * 20)
    assert "not a valid spreadsheet" in fail_reason(junk)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(workbooks["xlsx"].read_bytes()[:1500])
    assert "damaged" in fail_reason(cut) or "truncated" in fail_reason(cut)
    enc = tmp_path / "enc.xlsx"  # Excel's encrypted workbook: an OLE file holding an EncryptedPackage stream
    enc.write_bytes(guard.OLE_MAGIC + b"\0" * 1000 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 1000)
    assert "encrypted" in fail_reason(enc)
    ole = tmp_path / "old.xls"  # a Compound File that is no workbook
    ole.write_bytes(guard.OLE_MAGIC + b"\0" * 4000)
    assert fail_reason(ole)
    html = tmp_path / "export.xls"  # what web software exports as "Excel": ingest reads it as HTML; the guard
    html.write_text("<html><body><table><tr><td>Xã A</td><td>12</td></tr></table></body></html>", encoding="utf-8")
    with pytest.raises(IngestError, match=r"web page \(HTML\)"):  # refuses it as a workbook
        guard.check(html, "xls", IngestError)
    # a damaged sheet inside a sound zip
    bad = rezip(workbooks["xlsx"], tmp_path / "bad.xlsx", "xl/worksheets/sheet1.xml", lambda data: data[:300])
    assert "damaged" in fail_reason(bad)


def test_an_encrypted_ods_fails_in_one_line(workbooks, tmp_path):
    src = workbook(workbooks, "ods")
    enc = rezip(src, tmp_path / "enc.ods", "META-INF/manifest.xml", lambda data: data.replace(
        b"</manifest:manifest>", b"<manifest:encryption-data/></manifest:manifest>"))
    assert "encrypted" in fail_reason(enc)


def test_an_xlsx_named_xls_is_read_for_what_it_is(workbooks, tmp_path):
    renamed = tmp_path / "bieu.xls"
    shutil.copy(workbooks["xlsx"], renamed)
    doc = ingest(renamed, "bieu", renamed.name)
    assert "1\tXã Đông Hòa\t1.245\t620\t49,8%\t130,7" in doc.text


def test_the_guard_checks_a_workbook_like_a_word_file(workbooks, tmp_path, monkeypatch):
    monkeypatch.setattr(guard, "MAX_SHEET_XML", 1000)
    assert "a sheet of the workbook is" in fail_reason(workbooks["xlsx"])
    monkeypatch.undo()
    bomb = rezip(workbooks["xlsx"], tmp_path / "entity.xlsx", "xl/sharedStrings.xml",
                 lambda data: b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + (data or b"<sst/>"))
    assert "entity declaration" in fail_reason(bomb)


# ------------------------------------------------------------------------------------------ large sheets
def test_a_huge_workbook_is_read_up_to_the_limit(tmp_path, monkeypatch):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Đơn vị", "Số hội viên (người)"])
    for i in range(60):
        ws.append([f"Chi hội {i + 1}", 100 + i])
    wb.save(tmp_path / "big.xlsx")
    monkeypatch.setattr(sheets, "MAX_ROWS", 20)
    doc = ingest(tmp_path / "big.xlsx", "big", "big.xlsx")
    lines = doc.text.rstrip("\n").split("\n")
    assert lines[-1] == sheets.CUT_NOTE and "Chi hội 19\t118" in lines and "Chi hội 20\t119" not in lines
    assert not re.search(r"[0-9]", sheets.CUT_NOTE)  # no rule reads a value in it
    monkeypatch.setattr(sheets, "MAX_ROWS", 20_000)
    monkeypatch.setattr(sheets, "MAX_CELLS", 60)  # cells looked at, empty ones included
    lines = ingest(tmp_path / "big.xlsx", "big", "big.xlsx").text.rstrip("\n").split("\n")
    assert lines[-1] == sheets.CUT_NOTE and len(lines) < 30


def test_a_stray_cell_far_away_costs_nothing(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C3"], ws["D3"] = "Xã A", 5
    ws["XFD1048576"] = "xa"  # the last cell of the sheet
    wb.save(tmp_path / "far.xlsx")
    doc = ingest(tmp_path / "far.xlsx", "far", "far.xlsx")
    assert doc.text == "Sheet\nXã A\t5\t\n\t\txa\n"


# --------------------------------------------------------------------------------------- real workbooks
REAL = {
    "Trangsct__skill-sct/PL1-danh-muc-HHNH-mausac.xlsx": "AMONI PICRAT",
    "lifephongphanmem__thiduakhenthuong/MauTDKT_20231004.xlsx": "Nguyễn Anh Đại",
    "lifephongphanmem__thiduakhenthuong/CANHAN.xlsx": "Huân chương Sao vàng",
    "lifephongphanmem__thiduakhenthuong/1667496226_quyetdinh.xlsx": "Lê Thanh Hải",
    "lifephongphanmem__thiduakhenthuong/1668416671totrinhdenghi.xlsx": "Công an tỉnh Quảng Bình",
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_workbooks_read(name):
    src = WILD / name
    if not src.exists():
        pytest.skip("../shared/corpus-wild not present")
    doc = ingest(src, src.stem, name)
    assert REAL[name] in doc.text
    assert "#N/A" not in doc.text
    for b in doc.blocks:
        if b.kind == "table":
            assert doc.text[b.start:b.end] == "\t".join(doc.text[a:z] for a, z in b.cells)


def test_code_columns_hold_no_counts(tmp_path):
    """Workbooks carry codes beside names ("Mã số" 1650360491, "Số hiệu UN"): identifiers, not quantities."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Mã số", "Đơn vị", "Năm sinh", "Số hội viên (người)"])
    ws.append([1, "1650360491", "Chi hội Đông Hòa", 1975, 48])
    ws.append([2, 1650360492, "Chi hội Tây Sơn", 1980, 52])
    wb.save(tmp_path / "codes.xlsx")
    res = run([tmp_path / "codes.xlsx"])
    assert sorted((r["row"], r["col"], r["value"]) for r in res.indicators) == [
        ("Chi hội Tây Sơn", "Số hội viên (người)", 52), ("Chi hội Đông Hòa", "Số hội viên (người)", 48)]
