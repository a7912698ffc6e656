"""Property tests (hypothesis): for any text — Vietnamese-ish words, digits, separators, newlines, tabs, and
fragments of what the patterns look for — the path ``pipeline.run.process`` takes (segment → extract →
letterhead) never raises, every row's offsets index exactly its text, every value parses for its kind, and ids
are unique.

Runtime is bounded (a few hundred examples, no deadline): the whole file runs in well under 30 s.
"""
import datetime as dt
import math
import re
import unicodedata

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.ingest import read_text_blocks
from pipeline.records import Document
from pipeline.run import process

LETTERS = ("abcdeghiklmnopqrstuvxyđăâêôơư" "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
           "ABCDĐGHKLMNOPQSTUVXƯ")
ALPHABET = LETTERS + "0123456789" + ".,/%-:;()" + "  \n\t|" + "¹²" + "\r\u00a0\u200b\u2028\x0c\ufeff"
FRAGMENTS = [
    # counted nouns, money, percent, ratio
    " hội nghị", " lượt người", " cuộc", " hộ gia đình", " hội viên", " đoàn viên", " người", " triệu đồng",
    " tỷ đồng", " nghìn đồng", " đồng", " đồng/người/năm", "%", " %", " tỷ lệ", " đạt", " trên", " gần", " hơn",
    " khoảng", " từ", " đến", " tăng", " giảm", " trong đó:", " tổng số", " nâng tổng số lên",
    # dates and periods
    " ngày", " tháng", " năm", "ngày 05 tháng 7 năm 2022", " 13/9/2023", " quý I", " 6 tháng đầu năm",
    " nhiệm kỳ 2024 - 2029", " giai đoạn 2021-2025", " từ ngày 01/12/2022 đến ngày 30/9/2023", " năm 2023",
    # references
    " Kế hoạch số", " Công văn số", " Quyết định số", " số 132/KH-MTTQ-BTT", " 07-TT/ThU", " 41/2022/TT-BTC",
    "/KH-", "/BC-UBND", " ngày 13/9/2023",
    # headings, tables, footnotes
    "\nPhần thứ nhất\n", "\nI. ", "\nII. ", "\n1. ", "\n2.1. ", "\na) ", "\n- ", "\n# ", "\n| TT | Đơn vị | Số |\n",
    "\nTổng cộng\t", "\t", "\n¹ ", "\nNơi nhận:\n", "\nBÁO CÁO\n", "\nỦY BAN NHÂN DÂN\n", "\nSố: 12/BC-UBND\n",
]


def number():
    ints = st.integers(0, 10**9).map(str)
    grouped = st.integers(1000, 10**9).map(lambda n: f"{n:,}".replace(",", "."))
    grouped_comma = st.integers(1000, 10**7).map(lambda n: f"{n:,}")
    decimal = st.tuples(st.integers(0, 9999), st.integers(0, 999)).map(lambda t: f"{t[0]},{t[1]}")
    return st.one_of(ints, grouped, grouped_comma, decimal, st.sampled_from(["0", "00", "05", "1.000", "1,5", "9/10",
                                                                            "68/75", "100%", "2.1.3"]))


PIECE = st.one_of(st.text(ALPHABET, max_size=12), st.sampled_from(FRAGMENTS), number(), number().map(" {} ".format))
TEXT = st.lists(PIECE, max_size=40).map("".join)

ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
NO_YEAR = re.compile(r"^--(\d{2})-(\d{2})$")
YEAR = re.compile(r"^\d{4}$")


def iso_date(v: str) -> bool:
    if m := ISO_DAY.match(v):
        try:
            dt.date(*map(int, m.groups()))
            return True
        except ValueError:
            return False
    if m := ISO_MONTH.match(v):
        return 1 <= int(m.group(2)) <= 12
    if m := NO_YEAR.match(v):
        try:
            dt.date(2000, int(m.group(1)), int(m.group(2)))  # a leap year: --02-29 is a day
            return True
        except ValueError:
            return False
    return bool(YEAR.match(v))


def number_ok(v) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    return isinstance(v, int) or math.isfinite(v)


def value_ok(kind: str, v) -> bool:
    if kind in ("count", "percent"):
        return number_ok(v)
    if kind == "money":
        return isinstance(v, int) and not isinstance(v, bool)
    if kind == "ratio":
        m = re.fullmatch(r"(\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)", str(v))
        return bool(m)
    if kind == "date":
        return isinstance(v, str) and iso_date(v)
    if kind == "period":
        parts = str(v).split("/")
        return len(parts) == 2 and all(iso_date(p) for p in parts)
    if kind == "doc_ref":
        return isinstance(v, str) and bool(v) and not re.search(r"\s", v)
    return False


def check(text: str, extractor) -> None:
    doc = Document(doc_id="p", source_file="p.txt", format="txt", text=text, blocks=read_text_blocks(text))
    rows, sections, meta = process(doc, extractor)
    ids = [r.id for r in rows]
    assert len(ids) == len(set(ids)), ids
    for r in rows:
        assert 0 <= r.char_start <= r.char_end <= len(text), r
        assert r.text == text[r.char_start:r.char_end], (r.text, text[r.char_start:r.char_end])
        assert value_ok(r.kind, r.value), (r.kind, r.value, r.text)
    for s in sections:
        assert 0 <= s["char_start"] <= s["char_end"] <= len(text), s
    assert isinstance(meta, dict)


SETTINGS = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(TEXT)
@example("Tổ chức 12 hội nghị, thu hút 1.250 lượt người; đạt 95,5%; 68/75 xã; 130,7 triệu đồng")
@example("Kế hoạch số 132/KH-MTTQ-BTT, ngày 13/9/2023; nhiệm kỳ 2024 - 2029; từ ngày 01/12/2022 đến ngày 30/9/2023")
@example("ngày 31/02/2023; ngày 29/02/2023; tháng 13/2023; ngày 00/00/0000")
@example("")
def test_any_text(extractor, text):
    check(text, extractor)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.one_of(number(), st.text(LETTERS + " ", max_size=8), st.sampled_from(
    ["Tổng cộng", "TT", "Đơn vị", "Số hội viên", "Tỷ lệ (%)", "Kinh phí (triệu đồng)", ""])), min_size=2, max_size=6),
    max_size=8))
def test_any_table(extractor, rows):
    """Tab-separated and pipe tables of any cells (the table reader reads numbers with their row and column)."""
    check("Bảng 1. Kết quả\n" + "\n".join("\t".join(r) for r in rows) + "\n", extractor)
    check("\n".join("| " + " | ".join(r) + " |" for r in rows) + "\n", extractor)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_decomposed_text(extractor, text):
    """Text files with decomposed diacritics (NFD): rows read an NFC copy; offsets still index the original."""
    check(unicodedata.normalize("NFD", text), extractor)
