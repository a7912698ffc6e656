"""The scan plan (pipeline/extraction/scan.py): each rule tried only where its match can start gives exactly the
matches ``finditer(overlapped=False)`` gives — on the real reports, on generated text, and for rule shapes an
analyst might write; a rule whose opening cannot be read falls back to finditer."""
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extraction import Extractor
from pipeline.extraction.scan import Plan, opening
from pipeline.grammar import Rule
from pipeline.ingest import ingest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
from test_properties import TEXT  # noqa: E402  (the property tests' Vietnamese-ish text)


@pytest.fixture(scope="module")
def extractor():
    return Extractor()


def finditer_all(rules, text):
    return [(r.name, m.span(), m.groupdict()) for r in rules for m in r.rx.finditer(text, overlapped=False)]


def planned(plan, text):
    return [(r.name, m.span(), m.groupdict()) for r, m in plan.matches(text)]


def corpus_texts():
    files = sorted((ROOT / "corpus").rglob("*.txt")) + sorted((ROOT / "corpus").rglob("*.pdf"))[:2]
    extra = SHARED / "corpus-extra"
    if extra.is_dir():
        files += sorted(extra.rglob("*.txt"))
    return [ingest(f, "d", f.name).text for f in files]


def test_every_rule_of_the_grammar_is_planned(extractor):
    """The shipped rules are all read (none left to the slow finditer), and the plan knows their openings."""
    unread = [r.name for r, o in extractor.plan.rules if o is None]
    assert unread == []
    by_name = {r.name: o for r, o in extractor.plan.rules}
    assert by_name["count"].digit and not by_name["count"].mid_run  # {num} forbids a digit before it
    assert any("qual" in w for w in by_name["count"].words)  # the optional qualifier list opens it too
    assert not by_name["type_number"].digit  # a document type first
    assert by_name["ngay_thang_nam"].mid_run  # {day} has no lookbehind: "12" may be read from its "2"


def test_same_matches_as_finditer_on_the_reports(extractor):
    texts = corpus_texts()
    assert len(texts) >= 6
    n = 0
    for text in texts:
        want = finditer_all(extractor.g.rules, text)
        assert planned(extractor.plan, text) == want
        n += len(want)
    assert n > (3000 if (SHARED / "corpus-extra").is_dir() else 2000)  # without ../shared: the bundled corpus only


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_same_matches_as_finditer_on_any_text(text):
    ex = _shared()
    assert planned(ex.plan, text) == finditer_all(ex.g.rules, text)


_EX = []


def _shared():
    if not _EX:
        _EX.append(Extractor())
    return _EX[0]


def rule(name, src):
    return Rule(name, "count", 0, src, regex.compile(src, regex.UNICODE), "test")


SHAPES = [
    r"(?:(?i:khoảng|hơn)[ ]+)?(?<![0-9])[0-9]+[ ]người",  # optional words then a guarded number
    r"[0-9]{2}(?:ab)?",  # unguarded: may start inside a run of digits
    r"(?i:ngày)[ ]+[0-9]+",  # a word first
    r"(?:(?P<d>0?[1-9])|(?i:ba|sáu))[ ]tháng",  # digits or words in one group
    r"(?:(?<![\p{L}]))(?i:quý)[ ]+(?:IV|I{1,3})",  # a zero-width group, then a word
    r"\(?[0-9]{4}\)?",  # an optional literal before the number
    r"(?P<a>[0-9]+)[-](?P=a)",  # a backreference after the opening is fine
    r"[0-9]+|(?i:năm)",  # top-level alternatives
    r"(?=[0-9])[0-9]+",  # a lookahead first
]


@pytest.mark.parametrize("src", SHAPES)
def test_rule_shapes(src):
    text = ("Khoảng 12 người, hơn 123 người; ngày 5, NGÀY 07; 05 tháng, ba tháng, sáu tháng; quý IV, Quý I; (2024) "
            "2025; 1212-12; 12-12 năm 2023 1234ab 99ab\n") * 3
    r = rule("t", src)
    o = opening(src, r.rx.flags)
    assert o is not None
    plan = Plan([r])
    want = [(m.span(), m.group(0)) for m in r.rx.finditer(text, overlapped=False)]
    assert want, src
    assert [(m.span(), m.group(0)) for _, m in plan.matches(text)] == want


@pytest.mark.parametrize("src", [
    r"(?i)[0-9]+ người",  # a global flag group first
    r"(?:[ ]*)[0-9]+",  # an opening group that may match nothing would open anywhere
    r"(?P<a>x)?(?(a)[0-9]|y)",  # a conditional
    r"[ ]*",  # may match nothing at all
])
def test_unreadable_openings_fall_back_to_finditer(src):
    r = rule("t", src)
    text = "x5 người 12 người y"
    plan = Plan([r])
    want = [m.span() for m in r.rx.finditer(text, overlapped=False)]
    assert [m.span() for _, m in plan.matches(text)] == want
    assert opening(src, r.rx.flags) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 30)).map(lambda t: (t[0], t[0] + t[1])), max_size=12),
       st.integers(-2, 95))
def test_spans_membership_is_any_span_holding_the_position(spans, pos):
    """The table cells the text rules must not read are looked up by start (was every cell for every match)."""
    from pipeline.extraction.extractor import _Spans

    assert _Spans(spans).holds(pos) == any(a <= pos < z for a, z in spans)
