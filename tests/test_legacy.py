"""Legacy Vietnamese encodings (TCVN3, VNI, cp1258, UTF-16 without BOM) and .doc/.rtf through LibreOffice.

The five real documents of ../shared/corpus-legacy must give ≥ 0.90 of their transcripts' (kind, value) rows,
both ways; synthetic files built here check each encoding and each path on its own.
"""
import os
import re
import shutil
import subprocess
import unicodedata
from collections import Counter

import pytest

from conftest import SHARED
from pipeline.extraction import Extractor
from pipeline.ingest import legacy
from pipeline.run import run

LEGACY = SHARED / "corpus-legacy"
OFFICE = shutil.which("soffice") or shutil.which("libreoffice")
if OFFICE:
    from pipeline.ingest.office import writer_missing

    OFFICE = None if writer_missing(OFFICE) else OFFICE
needs_office = pytest.mark.skipif(not OFFICE and os.environ.get("VNREPORT_REQUIRE_OFFICE") != "1",
                                  reason="LibreOffice (soffice) not installed")

PARAGRAPH = (
    "Báo cáo số 12/BC-UBND ngày 05 tháng 7 năm 2022 của Ủy ban nhân dân huyện về kết quả thực hiện nhiệm vụ "
    "6 tháng đầu năm 2022. Trong kỳ, Mặt trận đã tổ chức 215 hội nghị tuyên truyền với 1.245 lượt người "
    "tham dự; vận động quỹ Vì người nghèo được 130,7 triệu đồng, đạt 85,32% kế hoạch năm; hỗ trợ xây dựng "
    "17 nhà đại đoàn kết cho hộ nghèo, mỗi nhà 50 triệu đồng. Tỷ lệ hộ nghèo còn 3,5%. Thực hiện Kế hoạch "
    "số 132/KH-MTTQ-BTT, ngày 13/9/2023, đã kiểm tra 24 khu dân cư, giám sát 9 cuộc."
)


def pairs(rows) -> Counter:
    return Counter((r["kind"], str(r["value"])) for r in rows)


def agreement(got: Counter, want: Counter) -> tuple[float, float]:
    """(recall, precision) of the multiset ``got`` against ``want``."""
    common = sum((got & want).values())
    return common / max(1, sum(want.values())), common / max(1, sum(got.values()))


@pytest.fixture(scope="module")
def ex():
    return Extractor()


def extract(path, ex):
    res = run([path], extractor=ex)
    assert res.failed == 0, res.errors
    return res


# ------------------------------------------------------------------------------- the real documents
# The 2005 plan's transcript was taken from a layout dump of the PDF that splits numbers where the glyphs are
# spaced out ("1 66,9 nghìn tỷ", "(15, 6%)", "năm 200 3"); the PDF's own text layer has "166,9", "15,6%",
# "2003" (so do pdftotext and PDFium). Those splits are joined in the transcript before comparing; the
# transcript is otherwise compared as it is.
SPLIT_NUMBERS = {"2005-1ADDZ_Ke_hoach_2005__QH_lan_6_25-10.pdf": re.compile(r"(?<=\d) (?=\d)")}


@pytest.mark.parametrize("name", [
    "2003-A05.rtf",
    "2005-1ADDZ_Ke_hoach_2005__QH_lan_6_25-10.pdf",
    "2005-QD-256.doc",
    "2007-1AF57_02-2007.pdf",
    "2007-Quy-che-chi-tieu-noi-bo-2007.doc",
])
def test_real_legacy_documents_agree_with_their_transcripts(name, ex, tmp_path):
    src = LEGACY / "files" / name
    if not src.exists():
        pytest.skip("../shared/corpus-legacy not present")
    if src.suffix in (".doc", ".rtf") and not OFFICE:
        if os.environ.get("VNREPORT_REQUIRE_OFFICE") == "1":
            pytest.fail("VNREPORT_REQUIRE_OFFICE=1 but LibreOffice Writer (soffice) is not installed")
        pytest.skip("LibreOffice (soffice) not installed")
    transcript = (LEGACY / "transcripts" / f"{src.stem}.txt").read_text(encoding="utf-8")
    if name in SPLIT_NUMBERS:
        transcript = SPLIT_NUMBERS[name].sub("", transcript)
    (tmp_path / "transcript.txt").write_text(transcript, encoding="utf-8")
    got = extract(src, ex)
    want = extract(tmp_path / "transcript.txt", ex)
    recall, precision = agreement(pairs(got.indicators), pairs(want.indicators))
    assert recall >= 0.90 and precision >= 0.90, (recall, precision)
    # the letters themselves: the decoded text reads as the transcript (whitespace aside)
    from rapidfuzz import fuzz

    text = re.sub(r"\s+", "", next(iter(got.texts.values())))
    assert fuzz.ratio(text, re.sub(r"\s+", "", transcript)) >= 90


# ------------------------------------------------------------------------------------ encoders
def to_tcvn3(s: str, upper_font: bool = False) -> bytes:
    """Unicode → TCVN3 bytes through the reader's own table (capitals as the .VnTimeH font wants them: the
    letter's lower-case code)."""
    inv = {v: k for k, v in legacy.table("tcvn3").letters.items()}
    out = bytearray()
    for ch in unicodedata.normalize("NFC", s):
        if upper_font and ch.lower() != ch and ch not in inv:
            ch = ch.lower()
        if ch in inv:
            out.append(inv[ch])
        elif not upper_font and ch.lower() in inv and ch.lower() != ch:
            raise ValueError(f"TCVN3 has no capital {ch!r}")
        else:
            out += ch.encode("cp1252")
    return bytes(out)


def to_vni(s: str) -> bytes:
    t = legacy.table("vni")
    letters = {v: k for k, v in t.letters.items()}
    marks = {}  # (NFD marks, upper) → byte
    for b, m in t.marks.items():
        key = unicodedata.normalize("NFD", "a" + m)[1:]
        marks[(key, b < 0xE0)] = b
    out = bytearray()
    for ch in unicodedata.normalize("NFC", s):
        if ch in letters:
            out.append(letters[ch])
            continue
        d = unicodedata.normalize("NFD", ch)
        if len(d) == 1:
            out += ch.encode("cp1252")
            continue
        base, rest = d[0], d[1:]
        if "\u031b" in rest:  # ơ ư are letters of their own
            out.append(letters[unicodedata.normalize("NFC", base + "\u031b")])
            rest = rest.replace("\u031b", "")
        else:
            out += base.encode("ascii")
        if rest:
            out.append(marks[(rest, base.isupper())])
    return bytes(out)


def to_cp1258(s: str) -> bytes:
    """Windows-1258 as Vietnamese Windows wrote it: base letters precomposed where the code page has them,
    tone marks as combining characters."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", s):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in d[1:] if c in "\u0300\u0301\u0303\u0309\u0323")
        base = unicodedata.normalize("NFC", "".join(c for c in d if c not in tones))
        out += base.encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


def test_encoders_round_trip():
    assert legacy.decode_bytes_as(to_tcvn3(paragraph_for_tcvn3()), "tcvn3") == paragraph_for_tcvn3()
    assert legacy.decode_bytes_as(to_vni(PARAGRAPH), "vni") == PARAGRAPH
    assert unicodedata.normalize("NFC", to_cp1258(PARAGRAPH).decode("cp1258")) == PARAGRAPH
    assert legacy.decode_text(to_tcvn3("Cộng hòa xã hội", upper_font=True).decode("cp1252"), "tcvn3-upper") \
        == "CỘNG HÒA XÃ HỘI"


# --------------------------------------------------------------------------------- text files
def paragraph_for_tcvn3() -> str:
    return PARAGRAPH.replace("Ủy", "UBND Uỷ")  # TCVN3 has no capital toned letters: "Ủ" is written with .VnTimeH


@pytest.mark.parametrize("encoding", ["cp1258", "tcvn3", "vni", "utf-16-le", "utf-16-be"])
def test_legacy_text_files_are_decoded(encoding, ex, tmp_path):
    text = paragraph_for_tcvn3() if encoding == "tcvn3" else PARAGRAPH
    data = {"cp1258": to_cp1258, "tcvn3": to_tcvn3, "vni": to_vni}.get(encoding, lambda s: s.encode(encoding))(text)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    (tmp_path / "legacy.txt").write_bytes(data)
    (tmp_path / "unicode.txt").write_text(text, encoding="utf-8")
    got = extract(tmp_path / "legacy.txt", ex)
    want = extract(tmp_path / "unicode.txt", ex)
    assert pairs(got.indicators) == pairs(want.indicators) and len(got.indicators) >= 10
    decoded = got.texts["legacy"]
    assert unicodedata.normalize("NFC", decoded) == text
    for r in got.indicators:  # offsets index the decoded text (cp1258 keeps its combining tone marks)
        assert decoded[r["char_start"]:r["char_end"]] == r["text"]


def test_cp1258_keeps_decomposed_tones(ex, tmp_path):
    (tmp_path / "a.txt").write_bytes(to_cp1258(PARAGRAPH))
    text = extract(tmp_path / "a.txt", ex).texts["a"]
    assert "\u0301" in text and text != unicodedata.normalize("NFC", text)  # as the file has it


@pytest.mark.parametrize("data", [
    "Báo cáo số 12/BC-UBND".encode("cp1258", errors="replace") + b"\xe9\xff",  # tests/test_cli.py's latin1.txt
    to_tcvn3("Báo cáo số 12"),  # too few words to tell
    "Señor García, ¿dónde está la estación?".encode("cp1252"),  # not Vietnamese at all
])
def test_short_or_foreign_bytes_are_not_guessed(data, tmp_path):
    (tmp_path / "x.txt").write_bytes(data)
    res = run([tmp_path / "x.txt"])
    err = res.documents[0]["error"]
    assert res.documents[0]["status"] == "failed" and "UTF-8" in err and "TCVN3" in err and "VNI" in err


def test_font_names():
    assert legacy.font_encoding(".VnTime") == "tcvn3"
    assert legacy.font_encoding("ABCDEF+.VnArial,Bold") == "tcvn3"
    assert legacy.font_encoding(".VnTimeH") == "tcvn3-upper"
    assert legacy.font_encoding("VNI-Times") == "vni"
    assert legacy.font_encoding("VNI-Helve-Condense") == "vni"
    assert legacy.font_encoding("Times New Roman") is None
    assert legacy.font_encoding("Vni") is None


def test_unicode_text_in_a_legacy_font_is_kept():
    assert legacy.decode_text("Báo cáo", "tcvn3") != "Báo cáo"  # "á" is a TCVN3 code …
    assert not legacy.decodable("Cộng hòa")  # … but a run holding "ộ" was typed in Unicode: left alone


# ------------------------------------------------------------------------------------ .doc / .rtf
def soffice_convert(src, fmt, outdir):
    profile = (outdir / "lo-profile").as_uri()
    subprocess.run([OFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt,
                    "--outdir", str(outdir), str(src)], check=True, capture_output=True, timeout=180)
    return outdir / f"{src.stem}.{fmt}"


def legacy_docx(path, font: str, text: str, heading: str):
    """A .docx set in a legacy font, as an office of the 2000s typed it: the font's bytes as cp1252 text."""
    import docx

    d = docx.Document()
    enc = legacy.font_encoding(font)
    def bytes_of(s, upper=False):
        return (to_vni(s) if enc == "vni" else to_tcvn3(s, upper_font=upper)).decode("cp1252")

    hfont = font + "H" if enc == "tcvn3" else font
    r = d.add_paragraph().add_run(bytes_of(heading, upper=True))
    r.font.name = hfont
    for sentence in re.split(r"(?<=[.;]) ", text):
        r = d.add_paragraph().add_run(bytes_of(sentence))
        r.font.name = font
    t = d.add_table(rows=2, cols=2)
    for i, (a, b) in enumerate([("Đơn vị", "Số hội viên"), ("Xã Đông Hòa", "1.245")]):
        for cell, s in zip(t.rows[i].cells, (a, b)):
            run = cell.paragraphs[0].add_run(bytes_of(s))
            run.font.name = font
    d.save(str(path))


@needs_office
@pytest.mark.parametrize("fmt,font", [("doc", ".VnTime"), ("rtf", ".VnTime"), ("doc", "VNI-Times"),
                                      ("rtf", "VNI-Times")])
def test_doc_and_rtf_in_legacy_fonts(fmt, font, ex, tmp_path):
    text = paragraph_for_tcvn3()
    legacy_docx(tmp_path / "src.docx", font, text, "Cộng hòa xã hội chủ nghĩa Việt Nam")
    src = soffice_convert(tmp_path / "src.docx", fmt, tmp_path)
    (tmp_path / "u").mkdir()
    (tmp_path / "u" / "unicode.txt").write_text(text, encoding="utf-8")
    got = extract(src, ex)
    want = extract(tmp_path / "u" / "unicode.txt", ex)
    assert pairs(want.indicators) <= pairs(got.indicators) and len(want.indicators) >= 10
    body = got.texts["src"]
    heading = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" if font == ".VnTime" else "Cộng hòa xã hội chủ nghĩa Việt Nam"
    assert heading in body and "tổ chức 215 hội nghị tuyên truyền với 1.245 lượt người" in body
    if fmt == "rtf":  # (LibreOffice 7.4 flattens python-docx's table when it writes a .doc)
        assert "Xã Đông Hòa\t1.245" in body
    assert got.documents[0]["format"] == fmt


@needs_office
def test_unicode_doc(ex, tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph(PARAGRAPH)
    d.save(str(tmp_path / "u.docx"))
    src = soffice_convert(tmp_path / "u.docx", "doc", tmp_path)
    got = extract(src, ex)
    assert PARAGRAPH in got.texts["u"]


@needs_office
def test_corrupt_doc_fails_alone(tmp_path):
    (tmp_path / "bad.doc").write_bytes(b"\xd0\xcf\x11\xe0 not really a Word file" * 10)
    res = run([tmp_path / "bad.doc"])
    assert res.documents[0]["status"] == "failed"
    assert res.documents[0]["error"] == "not a Word .doc file (corrupt, or another format renamed .doc)"
    (tmp_path / "bad.rtf").write_bytes(b"{\\rtf1 " + b"\xff" * 50)  # RTF that is not: LibreOffice's reason
    res = run([tmp_path / "bad.rtf"])
    assert res.documents[0]["status"] == "failed" and res.documents[0]["error"]


def test_doc_without_libreoffice_is_a_failed_row(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    for ext in ("doc", "rtf"):
        (tmp_path / f"a.{ext}").write_bytes(b"{\\rtf1 x}" if ext == "rtf" else b"\xd0\xcf\x11\xe0" + b"\0" * 600)
    res = run([tmp_path])
    by = {d["source_file"]: d for d in res.documents}
    assert by["a.doc"]["status"] == "failed"
    assert by["a.doc"]["error"] == "needs LibreOffice to read .doc files (not installed)"
    assert by["a.rtf"]["error"] == "needs LibreOffice to read .rtf files (not installed)"


@needs_office
def test_pdf_in_a_vni_font(ex, tmp_path):
    """A PDF's VNI text (its font not named: LibreOffice substitutes it) is told by its words and decoded."""
    text = paragraph_for_tcvn3()
    legacy_docx(tmp_path / "v.docx", "VNI-Times", text, "Cộng hòa xã hội chủ nghĩa Việt Nam")
    src = soffice_convert(tmp_path / "v.docx", "pdf", tmp_path)
    (tmp_path / "u").mkdir()
    (tmp_path / "u" / "unicode.txt").write_text(text, encoding="utf-8")
    got = extract(src, ex)
    want = extract(tmp_path / "u" / "unicode.txt", ex)
    assert pairs(want.indicators) <= pairs(got.indicators)
    assert "Cộng hòa xã hội chủ nghĩa Việt Nam" in got.texts["v"] and "1.245 lượt người" in got.texts["v"]


@needs_office
def test_a_stuck_conversion_is_killed(tmp_path, monkeypatch):
    from pipeline.ingest import office

    monkeypatch.setattr(office, "TIMEOUT", 0.01)
    (tmp_path / "a.rtf").write_bytes(b"{\\rtf1 Bao cao}")
    res = run([tmp_path / "a.rtf"])
    assert res.documents[0]["status"] == "failed"
    assert res.documents[0]["error"] == "LibreOffice took longer than 0.01 s to convert it"


@pytest.mark.parametrize("font", [".VnTime", "VNI-Times"])
def test_docx_in_legacy_fonts(font, ex, tmp_path):
    text = paragraph_for_tcvn3()
    legacy_docx(tmp_path / "src.docx", font, text, "Cộng hòa xã hội chủ nghĩa Việt Nam")
    (tmp_path / "u").mkdir()
    (tmp_path / "u" / "unicode.txt").write_text(text, encoding="utf-8")
    got = extract(tmp_path / "src.docx", ex)
    want = extract(tmp_path / "u" / "unicode.txt", ex)
    assert pairs(want.indicators) <= pairs(got.indicators)
    assert "Xã Đông Hòa\t1.245" in got.texts["src"] and "tổ chức 215 hội nghị" in got.texts["src"]


def test_libreoffice_without_writer_is_a_failed_row(tmp_path, monkeypatch):
    from pipeline.ingest import office

    monkeypatch.setattr(office, "soffice", lambda: "/usr/bin/soffice")
    monkeypatch.setattr(office, "writer_missing", lambda exe: True)
    (tmp_path / "a.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    res = run([tmp_path / "a.doc"])
    assert res.documents[0]["error"] == "needs LibreOffice Writer to read .doc files (LibreOffice is installed without it)"
