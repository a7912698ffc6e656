"""Extract: run the grammar's rules over a document's text → normalised indicator rows.

Every rule of ``patterns/`` proposes matches; each proposal is normalised (or refused) by its kind; then
proposals compete for their digits: one digit belongs to one row, the higher-priority (then longer) wins.
Counts read their counted noun with underthesea's word segmentation. Table rows are read cell by cell.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import lru_cache

import regex

from .. import normalise as N
from ..grammar import Grammar, load
from ..records import Block, Document, Indicator
from ..segment import Outline
from .scan import Plan
from .tables import Cell, read_tables

TOKEN = regex.compile(r"[\p{L}\p{M}][\p{L}\p{M}0-9]*|[0-9]+(?:[.,][0-9]+)*|[^\s]")
WORD = regex.compile(r"[\p{L}\p{M}]+")
PRE_WORDS = regex.compile(r"(?:[\p{L}\p{M}]+[ \t\u00a0\n]+){1,3}$")
NUMBER_WORDS = {"một", "hai", "ba", "bốn", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười", "mươi", "trăm", "nghìn",
                "ngàn", "linh", "lẻ", "mốt", "lăm", "triệu", "không"}
SPELLED = regex.compile(r"[ \t]*\(([\p{Ll} ]+)\)")  # "01 (một) hội nghị": the number spelled out
# what an amount is counted per: one or more "/noun" ("/hội viên/năm", "/cháu/tháng"); a listed per-unit
# word (money.toml) is taken alone, another noun with at most one more word
PER_ONE = r"(?:(?:%s)(?![\p{L}])|\p{Ll}[\p{Ll}\p{M}0-9]*(?:[ ]\p{Ll}[\p{Ll}\p{M}]*)?)"
WORDS_BEFORE = regex.compile(r"((?:[\p{L}\p{M}]+[ \t\u00a0]+){1,3})$")  # up to three words ending at a number
CLAUSE_START = regex.compile(r"[.;:(\n\t•+\-–]|,|(?<![\p{L}])(?i:trong đó|gồm|bao gồm)(?![\p{L}])")
# a breakdown's head and its items, read back from a label-first count: "kỷ luật 14 đảng viên: cảnh cáo 05, khiển
# trách 09", "45 đơn (khiếu nại 12, tố cáo 3 …", "Số vụ án: khởi tố 12, xét xử 10", "Số vụ án:⏎- Khởi tố mới: 12⏎-
# Đã xét xử: 10". The head is a counted figure ("14 đảng viên") or a "Số …" label opening its line or clause; the
# items are a label and its number each, split by commas, semicolons or bulleted lines.
_NUM = r"[0-9]+(?:[.,][0-9]+)*"
_WORDS = r"[\p{L}\p{M}][\p{L}\p{M} \t]{0,40}?"
BREAKDOWN = regex.compile(
    r"(?:(?P<hn>%(n)s)[ \t]+(?P<hw>%(w)s)|(?:^|(?<=[\n.;()]|[-+•][ \t]))[ \t]*(?i:tổng[ \t]+số|số[ \t]+lượng|số)[ \t]+"
    r"(?P<hl>%(w)s))"
    r"[ \t]*(?::|\((?:[ \t]*(?i:trong đó|gồm|bao gồm)[ \t]*:?)?|,[ \t]*(?i:trong đó|gồm|bao gồm)[ \t]*:?"
    r"|(?(hl)(?=\n)|(?!)))"  # a "Số …" head may also be a line of its own (a heading "2. Số vụ án")
    r"[ \t]*(?:\n[ \t]*)*(?:[-+•][ \t]*)?"
    r"(?:%(w)s(?:[ \t]*:)?[ \t]*%(n)s(?:[ \t]*[,;][ \t]*(?:\n[ \t]*)*|[ \t]*\n[ \t\n]*)(?:[-+•][ \t]*)?){0,12}"
    r"%(w)s(?:[ \t]*:)?[ \t]*(?:\n[ \t]*){0,2}\Z" % {"n": _NUM, "w": _WORDS})
PAREN_HEAD = regex.compile(r"(?<![0-9.,/\p{L}])(%s)[ \t]+([\p{L}\p{M}][\p{L}\p{M} \t]{0,40})\([ \t]*\Z" % _NUM)
SENT_END = regex.compile(r"[.!?;](?=\s)|\n[ \t]*\n(?=[ \t]*[-+•*#\p{Lu}])|\n(?=[ \t]*[-+•*])")


@dataclass
class Cand:
    kind: str
    core: tuple[int, int]  # the digits this proposal claims
    span: tuple[int, int]  # what the row's text shows
    priority: int
    fields: dict


@lru_cache(maxsize=1)
def _tagger():
    from underthesea import pos_tag  # offline CRF models shipped inside the package (segmentation + POS)

    # a small memo: the same snippet is tagged twice within a document (stop syllable, then unit); a larger one
    # only grew every worker by ~1 kB an entry over a long batch
    return lru_cache(maxsize=8192)(lambda s: tuple(pos_tag(s)))


def words_before(text: str, pos: int, n: int = 3) -> list[str]:
    """The words standing right before ``pos`` with only white space between (punctuation cuts)."""
    m = PRE_WORDS.search(text, max(0, pos - 60), pos)
    return [w.lower() for w in WORD.findall(m.group())][-n:] if m else []


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    lo = max(0, start - 400)
    s = lo
    for m in SENT_END.finditer(text, lo, start):
        s = m.end()
    m = SENT_END.search(text, end, min(len(text), end + 400))
    e = m.end() if m else min(len(text), end + 400)
    return s, e


@lru_cache(maxsize=4)
def _page_line_rx(page_words: tuple[str, ...]) -> regex.Pattern:
    words = "|".join(regex.escape(w) for w in sorted(page_words, key=len, reverse=True)) or "trang"
    return regex.compile(r"[ \t\u00a0\f\r]*(?:[-–—][ \t]*(?P<d>[0-9]{1,4})[ \t]*[-–—]|(?i:%s)\.?[ \t]*(?P<w>[0-9]{1,4})"
                         r"(?:[ \t]*/[ \t]*[0-9]{1,4})?|(?P<b>[0-9]{1,4})(?:[ \t]*/[ \t]*[0-9]{1,4})?)[ \t\u00a0\f\r]*" % words)


def page_furniture(text: str, page_words: list[str]) -> list[tuple[int, int]]:
    """Page-number lines of a text converted from PDF (its own furniture, not the report's words): a line holding
    only "- 12 -", "Trang 12", "Trang 12/35" — or a bare "12" / "12/35" next to a form feed or in the run of page
    numbers the document carries (12 one page, 13 the next, a page or more apart). Each span is the line with the
    line breaks after it, so that a sentence a page break cut reads on across it."""
    rx = _page_line_rx(tuple(page_words))
    found = []  # (start, end of the span, number, sure)
    for m in regex.finditer(r"[^\n\f]+", text):  # a form feed ends a line as a line break does
        pm = rx.fullmatch(m.group())
        if not pm:
            continue
        end = m.end()
        while end < len(text) and text[end] in "\n\f\r":
            end += 1
        lo = m.start()
        while lo > 0 and text[lo - 1] in "\n\f\r \t":
            lo -= 1
        near_ff = "\f" in text[lo:end]
        n = int(pm.group("d") or pm.group("w") or pm.group("b"))
        found.append((m.start(), end, n, bool(pm.group("d") or pm.group("w")) or near_ff))
    at: dict[int, list[int]] = {}
    for a, _, n, _ in found:
        at.setdefault(n, []).append(a)

    def near(n: int, lo: int, hi: int) -> bool:  # a line numbered n starts within [lo, hi]
        xs = at.get(n, [])
        k = bisect.bisect_left(xs, lo)
        return k < len(xs) and xs[k] <= hi

    return [(a, z) for a, z, n, sure in found
            if sure or near(n - 1, a - 12000, a - 300) or near(n + 1, a + 300, a + 12000)]


# the mark a footnote's line opens with, by the way a converted text writes it
NOTE_LINE = regex.compile(r"[ \t]*(?:(?P<sup>[\u00b9\u00b2\u00b3\u2070-\u2079]+)|<sup>(?P<html>[0-9]+)</sup>"
                          r"|\((?P<paren>[0-9]{1,2})\)(?=\S)|\[\^(?P<md>[^\]\s]{1,20})\]:|\[(?P<bracket>[0-9]{1,3})\](?=[ \t]*\S)"
                          r"|(?P<plain>[1-9][0-9]?)(?=[ \t]+\p{Lu}))")
# the marks that cite a note in the body, by form: a superscript (¹²), <sup>12</sup>, [^12], [12]; "(12)" glued to
# the cited words and a number glued to the cited word ("duyệt12") count only for notes written that way
_SUPS = "\u00b9\u00b2\u00b3\u2070-\u2079"
CITATION = regex.compile(
    r"(?=[%(s)s<\[(1-9])(?:(?P<sup>(?<![%(s)s])[%(s)s]+(?![%(s)s]))|<sup>\s*(?P<html>[0-9]+)\s*</sup>|\[\^(?P<md>[^\]\s]{1,20})\](?!:)"
    r"|\[(?P<bracket>[0-9]{1,3})\]|(?<=\S)\((?P<paren>[0-9]{1,2})\)"
    r"|(?<=[\p{Ll}\p{M}”\"’)])(?P<plain>[1-9][0-9]?)(?![0-9\p{L}]|[.,][0-9]))" % {"s": _SUPS})
SUPER_BACK = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
NOTE_FORMS = {"paren": {"paren"}, "plain": {"plain"}}  # besides sup, html, md, bracket, which any note accepts


def note_anchors(text: str, blocks: list[Block], closing: int | None) -> dict[int, int | None]:
    """Footnotes of a text file, by block index → the offset of the mark that cites each (None: not found).

    A note line (a PDF's superscript ¹, <sup>1</sup>, "(1)Text", "1 Thông báo …" — the footnote blocks of ingest —
    and Markdown "[^1]: …" or "[1] …" lines) is anchored at the nearest mark citing it before it in the body,
    outside other notes: its values then belong to the section of the sentence that cites it, wherever the note's
    text sits (at a page's foot, after the paragraph). Notes gathered after the closing block ("Nơi nhận:") stay
    outside the outline, as the contract has it for whatever follows that block. Blocks that carry an anchor
    already (Word's and the PDF reader's footnotes) are left as they are."""
    out: dict[int, int | None] = {}
    notes = []
    for i, b in enumerate(blocks):
        if b.anchor is not None or b.kind not in ("footnote", "paragraph"):
            continue
        m = NOTE_LINE.match(text, b.start, b.end)
        if not m or (b.kind == "paragraph" and not (m.group("md") or m.group("bracket"))):
            continue
        notes.append((i, b, m))
        out[i] = None
    if not notes:
        return out
    body = [(b.start, b.end) for i, b in enumerate(blocks) if i not in out]
    starts = [a for a, _ in body]
    firsts = [a + len(text[a:z]) - len(text[a:z].lstrip()) for a, z in body]  # each line's first character
    marks: dict[str, list[tuple[int, str]]] = {}  # key → (offset, form) of every mark in the body, in text order
    for c in CITATION.finditer(text):
        k = bisect.bisect_right(starts, c.start()) - 1
        if k < 0 or c.start() >= body[k][1] or c.start() <= firsts[k]:
            continue  # not in the body, or opening its line (a note's own mark)
        form = c.lastgroup
        marks.setdefault(c.group(form).translate(SUPER_BACK), []).append((c.start(), form))
    for i, b, m in notes:
        if closing is not None and b.start >= closing:
            continue
        style = m.lastgroup
        allowed = {"sup", "html", "md", "bracket"} | NOTE_FORMS.get(style, set())
        found = [a for a, form in marks.get(m.group(style).translate(SUPER_BACK), ())
                 if a < b.start and form in allowed]
        out[i] = found[-1] if found else None  # the last one before the note
    return out


def mask(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the page furniture blanked (one space a character: offsets hold) and form feeds as spaces."""
    if not spans and "\f" not in text:
        return text
    chars = list(text.replace("\f", " "))
    for a, z in spans:
        chars[a:z] = " " * (z - a)
    return "".join(chars)


class Extractor:
    def __init__(self, grammar: Grammar | None = None):
        self.g = grammar or load()
        self._notes: dict[int, int | None] = {}
        lex = self.g.lexicon
        self.scales = {" ".join(k.split()): v for k, v in lex.get("scales", {}).items()}
        self.money_ctx = [m.lower() for m in lex.get("money_context", [])]
        self.nouns = sorted((tuple(n.lower().replace(",", " ,").split()) for n in lex.get("counted_nouns", [])),
                            key=len, reverse=True)
        self.noun_set = set(self.nouns)
        self.unit_skip = {tuple(w.lower().split()) for w in lex.get("unit_skip", [])}
        self.classifiers = set(lex.get("classifiers", []))
        self.freq_rx = regex.compile(r"(?i:%s)[ \t]*/[ \t]*$" % "|".join(lex.get("frequency_units", ["tháng"])))
        self.not_units = {tuple(w.lower().split()) for w in lex.get("not_units", [])}
        self.not_after = {tuple(w.lower().split()) for w in lex.get("not_after", [])}
        self.count_after = {tuple(w.lower().split()) for w in lex.get("count_after", [])}
        self.doc_surface = lex.get("_doc_type_surface", {})
        self.measures = {" ".join(m.lower().split()) for m in lex.get("measure_units", [])}
        self.label_prefixes = sorted((tuple(w.lower().split()) for w in lex.get("label_prefixes", [])),
                                     key=len, reverse=True)
        heads = {tuple(w.lower().split()) for w in lex.get("name_heads", [])}
        heads |= {tuple(k.split()) for k in self.doc_surface}
        self.name_heads = heads
        self.money_tail = regex.compile(
            r"[ \t]*(?:(?P<s>%s)\.?[ \t]*)?(?P<cur>%s)?(?![\p{L}0-9])(?:[ \t]*/[ \t]*(?P<per>%s))?" % (
                "|".join(sorted((regex.escape(k) for k in self.scales if k != "k"), key=len, reverse=True)),
                "|".join(regex.escape(c) for c in sorted(lex.get("currency", []), key=len, reverse=True)),
                PER_ONE % "|".join(regex.escape(p) for p in sorted(lex.get("per_units", []), key=len, reverse=True))
                + r"(?:[ \t]*/[ \t]*" + PER_ONE % "|".join(regex.escape(p) for p in lex.get("per_units", [])) + ")*"),
            regex.I)

        # each rule tried only where its match can start (scan.py): the same matches as finditer, a fraction
        # of the time
        self.plan = Plan(self.g.rules)
        self.page_words = [w.lower() for w in lex.get("page_words", ["trang"])]
        self.verb_nouns = {" ".join(w.lower().split()) for w in lex.get("verb_nouns", [])}

    # ------------------------------------------------------------------ proposals
    def proposals(self, text: str):
        for rule, m in self.plan.matches(text):
            yield from self.normalise(rule.kind, rule.name, rule.priority, m, text)

    def normalise(self, kind, name, prio, m, text):
        g = {k: v for k, v in m.groupdict().items() if v is not None}
        span = (m.start(), m.end())
        qual = " ".join(g.get("qual", "").lower().split())
        if kind == "date":
            v = N.iso_date(g.get("d"), g["m"], g.get("y") or g.get("y2"))
            if v:
                yield Cand("date", self._digits(m), span, prio, {"value": v})
        elif kind == "period":
            if "nm" in g or "q" in g:  # "6 tháng đầu năm 2024", "quý III/2024", "quý I - II/2024": months of a year
                v = N.months_of_year(g.get("nm"), g.get("half"), g.get("q"), g["y"], g.get("q2"))
                if v:
                    yield Cand("period", self._digits(m), span, prio, {"value": v})
                return
            if "ys" in g:  # "từ năm 2019 đến ngày 31/5/2024": from the first day of the year (or month)
                a, b = N.iso_date("1", g.get("ms") or "1", g["ys"]), N.parse_dmy(g["b"])
            elif "ye" in g:  # "từ ngày 01/7/2024 đến hết năm 2025": to the last day of the year
                a, b = N.parse_dmy(g["a"]), N.iso_date("31", "12", g["ye"])
            elif "a" in g:
                a, b = N.parse_dmy(g["a"]), N.parse_dmy(g["b"])
            elif "d1" in g:  # the first date borrows the second's year (and month: "20 - 21/9/2023")
                b = N.parse_dmy(g["b"])
                a = N.iso_date(g["d1"], g.get("m1") or b[5:7], b[:4]) if b else None
            elif "m2" in g:
                a, b = N.iso_date(None, g["m1"], g.get("y1") or g["y2"]), N.iso_date(None, g["m2"], g["y2"])
            else:
                a, b = g["y1"], g["y2"]
            if a and b and a < b and (len(a) > 4 or int(b) - int(a) <= 100):
                yield Cand("period", self._digits(m), span, prio, {"value": f"{a}/{b}"})
        elif kind == "percent":
            yield Cand("percent", self._digits(m), span, prio, {"value": N.plain(N.number(g["n1"])), "unit": "%",
                                                               "qualifier": qual})
        elif kind == "money":
            if "cur" not in g and "per" not in g and not self._money_context(text, m.start()):
                return
            v = N.money(g, self.scales)
            f = {"value": v, "unit": "VND", "qualifier": qual}
            if g.get("per"):
                f["per"] = g["per"].lower()
            yield Cand("money", self._digits(m), span, prio, f)
        elif kind == "ratio":
            yield from self.ratio(m, g, name, prio, text)
        elif kind == "count":
            yield from self.count(m, g, qual, prio, text)
        elif kind == "measure":
            yield from self.measure(m, g, qual, prio, text)
        elif kind == "label":
            yield from self.label_count(m, g, prio, text)
        elif kind == "range":
            yield from self.range(m, g, prio, text)
        elif kind == "doc_ref":
            yield from self.doc_ref(m, g, prio, text)

    def _digits(self, m) -> tuple[int, int]:
        s = m.group(0)
        i = next((k for k, c in enumerate(s) if c.isdigit() and c.isascii()), 0)
        j = max((k for k, c in enumerate(s) if c.isdigit() and c.isascii()), default=len(s) - 1)
        return m.start() + i, m.start() + j + 1

    def _money_context(self, text, pos) -> bool:
        s, _ = sentence_bounds(text, pos, pos)
        window = " ".join(text[max(s, pos - 160):pos].lower().split())
        return any(w in window for w in self.money_ctx)

    # ------------------------------------------------------------------ ratios
    def ratio(self, m, g, name, prio, text):
        a, b = N.number(g["a"]), N.number(g["b"])
        value = f"{N.plain(a)}/{N.plain(b)}"
        if b == 0:
            return
        if name == "ratio_paren":  # "(85/97)": two years side by side, either may be larger
            unit, head = self._paren_unit(text, m.start())
            before = text[max(0, head - 25):m.start()]
            before = before[max((x.end() for x in regex.finditer(r"[.;:,(\n]", before[:-1])), default=0):]
            if unit and regex.search(r"(?i)(?<![\p{L}])(?:tăng|giảm|so với|cùng kỳ)(?![\p{L}])", before):
                prio += 2  # "tăng 2 vụ so với cùng kỳ (14/12)": the figure's pair of years, not a day and month
            yield Cand("ratio", self._digits(m), (m.start(), m.end()), prio, {"value": value, "unit": unit})
            return
        if a > b and (b <= 12 and a <= 31 or b >= 1900 or not float(a).is_integer() or not float(b).is_integer()):
            return  # "20/10": a day and a month; "2024/2023": years; "9,5/9": a score's parts
        if name == "ratio_nouns":
            # one ratio only when the noun after the second number is the noun after the first
            ua, _ = self.counted_noun(text, m.start("ua") - 1)
            ub, end = self.counted_noun(text, m.end())
            if not ua or not ub or ua.split()[0] != ub.split()[0]:
                return
            yield Cand("ratio", self._digits(m), (m.start(), end), prio, {"value": value, "unit": ua})
            return
        unit, end = self.counted_noun(text, m.end())
        if unit is None:
            mt = self.money_tail.match(text, m.end())  # "9.037/17.454 tỷ đồng": amounts of money
            if mt and (mt.group("cur") or mt.group("s")) and mt.end() > m.end():
                unit, end = " ".join(text[m.end():mt.end()].split()).lower(), mt.end()
        if unit is None and name == "ratio":
            return
        sp = (m.start(), end if unit else m.end())
        yield Cand("ratio", self._digits(m), sp, prio, {"value": value, "unit": unit or ""})

    # ------------------------------------------------------------------ measures, labels, ranges
    def measure_at(self, text: str, pos: int):
        """(unit, end) when a unit of measure stands at ``pos`` (after optional white space), else (None, pos)."""
        mt = regex.match(r"[ \t]?(?:[ \t]*\n?[ \t]*)?([\p{L}\p{M}°²³/0-9]+(?:[ ][\p{L}\p{M}]+)?)", text[pos:pos + 40])
        if not mt:
            return None, pos
        words = mt.group(1)
        for cand in (words, words.split(" ")[0]):
            c = cand.lower()
            if c in self.measures:
                return cand.lower(), pos + mt.start(1) + len(cand)
        return None, pos

    def measure(self, m, g, qual, prio, text):
        s, e = m.start("n1"), m.end("n1")
        unit, _ = self.counted_noun(text, e)
        if unit and unit not in self.measures and tuple(unit.replace(",", " ,").split()) in self.noun_set:
            return  # "16 điểm trường": a counted noun that starts like a unit
        if self._not_a_count(text, s, g):
            return
        value = N.number(g["n1"])
        f = {"value": N.plain(value), "unit": " ".join(g["mu"].lower().split()), "qualifier": qual}
        if N.ambiguous(g["n1"]):
            f["note"] = "ambiguous separators"
        start = m.start("qual") if g.get("qual") else s
        yield Cand("count", (s, e), (start, m.end()), prio, f)

    def _not_a_count(self, text, s, g, e: int | None = None) -> bool:
        """Words before the number that make it an ordinal, a clause, a name or a frequency. ``e``: the
        number's end, when a counted noun may follow it (a classifier or a listed noun after the number
        outweighs a capital before it: "Truyền hình Lâm Đồng 08 cuộc đối thoại")."""
        before = words_before(text, s)
        if not any(tuple(before[-k:]) in self.count_after for k in (1, 2) if len(before) >= k):
            for k in (1, 2, 3):
                if len(before) >= k and tuple(before[-k:]) in self.not_after:
                    return True
        if not g.get("qual") and self.name_before(text, s):
            unit = self.counted_noun(text, e)[0] if e is not None else None
            strong = unit and unit not in self.verb_nouns and (
                unit.split()[0] in self.classifiers or tuple(unit.replace(",", " ,").split()) in self.noun_set)
            if not strong or self.name_head_before(text, s):
                return True
        if self.freq_rx.search(text, max(0, s - 12), s):
            return True  # "3 tháng/1 lần": a frequency
        return False

    def name_before(self, text: str, s: int) -> bool:
        """The number ends a name: "Đề án 06", "Biểu mẫu 1", "Quốc lộ 4D", "Đảng ủy Đoàn 356", a slogan “3 sạch”:
        a capitalised name head (a programme word, a form, a document type: ``name_heads``) right before it, or
        a capitalised word right before it inside a sentence."""
        lead = text[max(0, s - 2):s].rstrip(" \t")
        if lead.endswith(("“", "\"")) and regex.match(r"[0-9.,]+[ \t]+[\p{L}\p{M} ]{1,25}[”\"]", text[s:s + 40]):
            return True  # “3 sạch”, "5 không": a slogan
        if self.name_head_before(text, s):
            return True
        lo = max(0, s - 50)
        m = WORDS_BEFORE.search(text[lo:s])
        if not m:
            return False
        words = m.group(1).split()
        if words[-1][0].isupper() and not (len(words[-1]) > 1 and words[-1].isupper()):  # (not an acronym)
            prev = text[lo:lo + m.start(1) + len(" ".join(words[:-1]))].rstrip(" \t\u00a0")
            return bool(prev) and prev[-1] not in ".:;!?(-–•+*\n\t“\"]¹²³⁴⁵⁶⁷⁸⁹⁰"  # a footnote mark opens its note
        return False

    def name_head_before(self, text: str, s: int) -> bool:
        m = WORDS_BEFORE.search(text[max(0, s - 50):s])
        words = m.group(1).split() if m else []
        return any(words[k][0].isupper() and tuple(w.lower() for w in words[k:]) in self.name_heads
                   for k in range(len(words)))

    def label_of(self, text: str, s: int):
        """The label standing before a bare number: (label, cue) where cue is ":", "là", "=" or "" (the
        label runs into the number: "hộ nghèo 215"); None when no label clause stands there."""
        lo = max(0, s - 160)
        left = text[lo:s]
        cue = ""
        # the cue, then the number on the same line or on the next line of a converted PDF ("Số chi hội:⏎⏎12")
        mc = regex.search(r"(?:[ \t]*(:)|[ \t]+(là|bằng)|[ \t]*(=))[ \t]*(?:\n[ \t]*){0,2}\Z", left)
        if mc:
            cue = mc.group(1) or mc.group(2) or mc.group(3)
            left = left[:mc.start()]
            if "\n" in mc.group(0):  # the number on its own line: only a number, after a label that says "số …"
                line = text[s:text.find("\n", s) if "\n" in text[s:] else len(text)]
                if not regex.fullmatch(r"[0-9]+(?:[.,][0-9]+)*[ \t]*", line) or not regex.search(
                        r"(?i)(?:^|[\n.;:(•+\-–])[ \t]*(?:tổng[ \t]+)?số(?:[ \t]+lượng)?[ \t]+[^\n]*$", left):
                    return None
        elif not left.endswith((" ", "\t")):
            return None
        starts = [x.end() for x in CLAUSE_START.finditer(left)]
        clause = left[starts[-1]:] if starts else left
        label = " ".join(clause.split())
        if not label or len(label.split()) > 16 or regex.search(r"[0-9]", label) and not (
                cue and regex.match(r"(?i)(?:tổng\s+)?số\b", label)):  # "Tổng số trẻ em dưới 6 tuổi: 1.532"
            return None
        return label, cue

    def label_count(self, m, g, prio, text):
        s, e = m.start("n1"), m.end("n1")
        if text[max(0, s - 1):s] == "(" and text[e:e + 1] == ")":
            return  # "(1)", "(2)": a list marker in running text
        head = text[text.rfind("\n", 0, s) + 1:s].strip(" \t-+•*")
        if regex.match(r"[ \t]*:", text[e:e + 3]) and head[:1].isupper() and len(head.split()) <= 3:
            return  # "Bảng 2:", "Nhiệm vụ 1:" opening a line: an item's name
        got = self.label_of(text, s)
        if got is None:
            return
        label, cue = got
        if cue == "=":
            return  # "Có = 1; Không = 0": codes of a form
        words = label.lower().split()
        if not words or words[-1] in ("là", "bằng"):
            return
        if self._not_a_count(text, s, g):
            return
        if not cue and any(len(words) >= k and (tuple(words[-k:]) in self.not_after or tuple(words[-k:])
                                                in self.not_units) for k in (1, 2, 3)):
            return  # "lần thứ 3.", "Điều 5,", "Thế kỷ 21": an ordinal, a clause, a name, a time
        own = any(tuple(words[:len(p)]) == p for p in self.label_prefixes + self.nouns)
        line_head = text[text.rfind("\n", 0, s) + 1:s].strip(" \t-+•*")
        first = 1 if cue or line_head.lower().startswith(label.lower()) else 0
        named = any(any(c.isupper() for c in w) for w in label.split()[first:])  # "Đoàn KTQP 356": a name
        inherited = None if own or named else self._breakdown_unit(text, s)
        if inherited:  # "(kỷ luật 14 đảng viên: cảnh cáo 05, …)": 05 đảng viên
            yield Cand("count", (s, e), (s, e), prio, {"value": N.plain(N.number(g["n1"])), "unit": inherited,
                                                       "qualifier": ""})
            return
        for pre in self.label_prefixes:  # "Tổng số hội viên" → hội viên
            if tuple(words[:len(pre)]) == pre and len(words) > len(pre):
                words = words[len(pre):]
                break
        else:
            if not cue:
                # no "số", no ":"/"là": only a common noun phrase that is itself counted ("hộ nghèo 215"), not
                # a name ("Đoàn KTQP 356"; a capital is allowed only where the line starts)
                line_head = text[text.rfind("\n", 0, s) + 1:s].strip(" \t-+•*")
                at_line_start = line_head.lower().startswith(label.lower())
                caps = [w for w in label.split()[1 if at_line_start else 0:] if any(c.isupper() for c in w)]
                if caps or len(words) > 4 or not self._is_noun_phrase(words):
                    return
        unit = self._label_unit(words)
        if not unit:
            return
        yield Cand("count", (s, e), (s, e), prio, {"value": N.plain(N.number(g["n1"])), "unit": unit, "qualifier": ""})

    def _paren_unit(self, text: str, pos: int) -> tuple[str, int]:
        """The unit of a bracketed year-on-year pair at ``pos``: the counted noun of the figure right before the
        bracket ("giảm 12 vụ (85/97)" → vụ, "12 vụ so với cùng kỳ (85/97)" too), and where that figure starts;
        no unit after a percent or a name."""
        m = PAREN_HEAD.search(text, max(0, pos - 80), pos)
        if m is None:
            return "", pos
        unit, end = self.counted_noun(text, m.end(1))
        if not unit or unit in self.measures or end > m.end(2):
            return "", pos
        return unit, m.start()

    def _breakdown_unit(self, text: str, s: int) -> str | None:
        """The unit a label-first count inherits from the head of the breakdown it stands in (``BREAKDOWN``): the
        head figure's counted noun, or the noun of a "Số …:" label; None outside a breakdown."""
        lo = max(0, s - 400)
        m = BREAKDOWN.search(text, lo, s)
        if m is None:
            return None
        if m.group("hn") is not None:
            if regex.search(r"[%‰]|[0-9]/[ ]?$", text[max(0, m.start("hn") - 2):m.start("hn")]):
                return None
            unit, end = self.counted_noun(text, m.end("hn"))
            return unit if unit and end <= m.end("hw") + 1 and unit not in self.measures else None
        words = m.group("hl").lower().split()
        return self._label_unit(words) if words and self._is_noun_phrase(words) else None

    def _is_noun_phrase(self, words: list[str]) -> bool:
        if tuple(words) in self.noun_set or any(tuple(words[:len(n)]) == n for n in self.nouns):
            return True
        seg = _tagger()(" ".join(words))
        return bool(seg) and seg[0][1] in ("N", "Nc", "Np", "Nu")

    def _label_unit(self, words: list[str]) -> str:
        """The counted noun of a label: the lexicon's longest phrase, else the segmenter's first word(s)."""
        phrase = " ".join(words)
        unit, _ = self.counted_noun(phrase, 0, tag_only=True)
        return unit or ""

    def range(self, m, g, prio, text):
        """Two rows for "25 – 30 đoàn viên": the lower with qualifier "từ", the upper with "đến"."""
        s1, e1, s2, e2 = m.start("n1"), m.end("n1"), m.start("n2"), m.end("n2")
        lo, hi = N.number(g["n1"]), N.number(g["n2"])
        if lo >= hi or self._not_a_count(text, s1, g):
            return
        start = m.start("qual") if g.get("qual") else s1
        pct = regex.match(r"[ \t]*%", text[e2:e2 + 3])
        mt = self.money_tail.match(text, e2)
        rows = None
        if pct:
            rows = ("percent", {"unit": "%"}, 1, e2 + pct.end())
        elif mt and mt.end() > e2 and (mt.group("cur") or (mt.group("s") and self._money_context(text, s1))):
            scale = self.scales[" ".join(mt.group("s").lower().split())] if mt.group("s") else 1
            f = {"unit": "VND"}
            if mt.group("per"):
                f["per"] = " ".join(mt.group("per").lower().split())
            rows = ("money", f, scale, mt.end())
        else:
            unit, end = self.measure_at(text, e2)
            if unit is None:
                unit, end = self.counted_noun(text, e2)
            if unit is not None:
                rows = ("count", {"unit": unit}, 1, end)
        if rows is None:
            return
        kind, f, scale, end = rows
        val = (lambda v: int(round(v * scale))) if kind == "money" else (lambda v: N.plain(v * scale if scale != 1 else v))
        yield Cand(kind, (s1, e1), (start, e1), prio, {**f, "value": val(lo), "qualifier": "từ"})
        yield Cand(kind, (s2, e2), (s2, end), prio, {**f, "value": val(hi), "qualifier": "đến"})

    # ------------------------------------------------------------------ counts
    def counted_noun(self, text: str, pos: int, tag_only: bool = False):
        """(unit, end offset) of the noun phrase counted by the number ending at ``pos``; (None, pos) if none.
        ``tag_only``: ``text`` is a label's words ("hội viên mới kết nạp"), read its head noun."""
        sp = SPELLED.match(text, pos)
        if sp and all(w in NUMBER_WORDS for w in sp.group(1).split()):
            pos = sp.end()  # "01 (một) hội nghị"
        toks = []
        new_line_capital = False
        for t in TOKEN.finditer(text, pos, min(len(text), pos + 90)):
            gap = text[toks[-1].end() if toks else pos:t.start()]
            if gap.count("\n") > 2 or "\t" in gap or (toks and len(toks) >= 6):
                break  # a tab is a table cell's edge
            if "\n" in gap and not toks and t.group()[:1].isupper() and not tag_only:
                new_line_capital = True
            toks.append(t)
        if new_line_capital:
            # "Biểu mẫu 1⏎Công tác …": a new line's capital is not what the number counts — unless it is a listed
            # counted noun that runs on as the sentence's words ("tổ chức 04⏎Hội nghị quán triệt"), not a label
            low = [t.group().lower() for t in toks]
            phrase = next((p for p in self.nouns if tuple(low[:len(p)]) == p), None)
            line_end = text.find("\n", toks[0].start()) if toks else -1
            rest = text[toks[0].start():line_end if line_end >= 0 else len(text)] if toks else ""
            if phrase is None or regex.search(r"[:=]", rest[:60]):
                return None, pos
        while toks and toks[0].group() in ("“", "\"", "‘", "*", "_"):  # quotes and Markdown emphasis
            toks = toks[1:]
        if not toks or not WORD.fullmatch(toks[0].group()):
            return None, pos
        low = [t.group().lower() for t in toks]
        # "3950/5395 tổng hồ sơ": a determiner before the noun is not the unit
        for k in (2, 1):
            if len(low) > k and tuple(low[:k]) in self.unit_skip and WORD.fullmatch(toks[k].group()):
                toks, low = toks[k:], low[k:]
                break
        # longest counted-noun phrase from the lexicon ("tin, bài" keeps its comma; "đồng chí" is no money)
        for phrase in self.nouns:
            if tuple(low[:len(phrase)]) == phrase:
                unit = " ".join(t.group() for t in toks[:len(phrase)]).lower().replace(" ,", ",")
                return unit, toks[len(phrase) - 1].end()
        for k in (2, 1):  # a unit of measure: the unit alone ("1.350 m2 đất" → m2)
            if len(low) >= k and " ".join(low[:k]) in self.measures:
                return " ".join(low[:k]), toks[k - 1].end()
        if not tag_only:
            after = text[toks[0].end():toks[0].end() + 40]
            if toks[0].group()[:1].isupper() and regex.match(r"[\p{L}\p{M} ]{0,30}[:=]", after):
                return None, pos  # "= 0 Phát phiếu = 1", "271 Cấp xã: 1.376": the next label, not a noun
        for k in (2, 1):
            if tuple(low[:k]) in self.not_units and len(low) >= k and not tag_only:
                # unless the segmenter reads a longer noun there: "chỉ tiêu", "phần quà", "kỳ họp", "giờ công"
                first = _tagger()(" ".join(t.group() for t in toks))[:1]
                if not (first and first[0][1].startswith("N") and len(first[0][0].split()) > k
                        and tuple(first[0][0].lower().split()) not in self.not_units):
                    return None, pos
        words = []
        for t in toks:
            if not WORD.fullmatch(t.group()):
                break
            words.append(t)
        if not words:
            return None, pos
        # tag the snippet with what follows the words too: the segmenter reads a word better in context
        seg = _tagger()(" ".join(t.group() for t in toks))
        n = len(seg[0][0].split()) if seg else 1
        n = max(1, min(n, len(words)))
        # a classifier takes the noun after it ("lượt cử tri", "hộ nghèo"), not a verb ("bản ký cam kết")
        if n == 1 and low[0] in self.classifiers and len(seg) > 1 and seg[1][1] not in ("V", "E", "C", "CH", "R"):
            nxt = tuple(seg[1][0].lower().split())
            if nxt not in self.not_units and nxt[:1] not in self.not_units:
                n = min(len(words), 1 + len(nxt))
        unit = " ".join(w.group() for w in words[:n]).lower()
        return unit, words[n - 1].end()

    def count(self, m, g, qual, prio, text):
        s, e = m.start("n1"), m.end("n1")
        if self._not_a_count(text, s, g, e):
            return
        value = N.number(g["n1"])
        unit, end = self.counted_noun(text, e)
        if unit in self.verb_nouns and regex.fullmatch(r"(?:19|20)[0-9]{2}", g["n1"]):
            return  # "Luật Đất đai 2024 quy định …": a year, then the verb
        if not g.get("qual") and regex.search(r"[0-9][ \t]?[-–][ \t]?\Z", text[max(0, s - 4):s]):
            return  # "Bảng 1-4 trang 14": the upper end of a range the range rule refused is no count alone
        # a small number (no leading zero) opening a line before a capital word: a footnote's number
        # ("1 Thông báo số 507-TB/HU …"); a padded "03 Ban Chỉ đạo" stays a count
        line_start = text.rfind("\n", 0, s) + 1
        if unit and not g.get("qual") and not text[line_start:s].strip() and regex.match(r"\s+\p{Lu}", text[e:e + 3]) \
                and regex.fullmatch(r"[1-9][0-9]?", g["n1"]):
            return
        # a page number alone on its line
        line_end = text.find("\n", e)
        if not text[line_start:s].strip(" -–") and not text[e:line_end if line_end >= 0 else len(text)].strip(" -–"):
            return
        if unit is None:
            # "1,5 triệu người": a scale word multiplies, the noun after it is counted
            sm = regex.match(r"\s+(triệu|nghìn|ngàn|tỷ|tỉ)\b", text[e:e + 12])
            if not sm:
                return
            unit, end = self.counted_noun(text, e + sm.end())
            if unit is None:
                return
            value = value * self.scales[sm.group(1)]
        start = m.start("qual") if g.get("qual") else s
        yield Cand("count", (s, e), (start, end), prio,
                   {"value": N.plain(value), "unit": unit, "qualifier": qual})

    # ------------------------------------------------------------------ document references
    def doc_type(self, words: str) -> str:
        return self.doc_surface.get(" ".join(words.lower().split()), "")

    def doc_ref(self, m, g, prio, text):
        ab = self.g.abbreviations
        words = g.get("type", "")
        if "list" in g:
            nums = regex.findall(r"[0-9]+", g["list"])
            suffix = N.WS.sub("", g.get("suffix", ""))
            if not suffix and not regex.search(r"(?i)\bsố\b", text[m.start():m.start("list")]):
                return  # "Quyết định 217, 218": plain numbers after a type word name no document
            pos = [(x.start(), x.end()) for x in regex.finditer(r"[0-9]+", g["list"])]
            base = m.start("list")
            for i, (n, (a, b)) in enumerate(zip(nums, pos)):
                code = N.canonical_code(n + suffix, ab)
                dtype = self.doc_type(words) or N.doc_type_from_code(code, ab)
                core = (base + a, base + b if i < len(nums) - 1 else m.end())
                span = (m.start(), base + b) if i == 0 else (base + a, m.end() if i == len(nums) - 1 else base + b)
                yield Cand("doc_ref", core, span, prio, {"value": code, "doc_type": dtype, "group": m.start()})
            return
        code = g["code"]
        bare = regex.fullmatch(r"[0-9]+[a-z]?", code)
        if bare and not g.get("so"):
            # a document needs "số" or a number in the official form: "Đề án 06", "Chương trình 135" are names,
            # "Kế hoạch 2023" a year, "(kế hoạch 10%)" a percent, "điều lệ 450 triệu" money
            return
        code = N.canonical_code(code, ab)
        dtype = (self.doc_type(words) if words else "") or N.doc_type_from_code(code, ab)
        if not dtype and not words:
            return
        yield Cand("doc_ref", (m.start("code"), m.end("code")), (m.start(), m.end()), prio,
                   {"value": code, "doc_type": dtype})

    # ------------------------------------------------------------------ resolution
    def resolve(self, cands: list[Cand]) -> list[Cand]:
        cands.sort(key=lambda c: (-c.priority, -(c.core[1] - c.core[0]), c.core[0]))
        # the cores taken so far never overlap, so sorted by (start, end) their ends rise too: a core overlaps
        # one of them iff the last one starting before its end ends after its start (log n a candidate, not n:
        # a document of 100,000 values took minutes)
        taken: list[tuple[int, int]] = []
        out = []
        for c in cands:
            s, e = c.core
            k = bisect.bisect_left(taken, (e, -1))  # the taken cores that start before e
            if k and taken[k - 1][1] > s:
                continue
            bisect.insort(taken, (s, e))
            out.append(c)
        out.sort(key=lambda c: c.span[0])
        # a date right after a reference is the reference's issue date
        dates = [c for c in out if c.kind == "date"]
        starts = [d.span[0] for d in dates]
        for c in out:
            if c.kind == "doc_ref":
                k = bisect.bisect_left(starts, c.span[1])  # the first date starting at or after the reference
                if k < len(dates) and dates[k].span[0] - c.span[1] <= 12:
                    d = dates[k]
                    gap = self._text[c.span[1]:d.span[0]]
                    if regex.fullmatch(r"[\s,]*(?:(?i:ban hành|ký)\s*)?(?:(?i:ngày)\s*)?", gap):
                        c.fields["ref_date"] = d.fields["value"]
        # "Quyết định 217, 218-QĐ/TW, ngày …": the date is every listed reference's
        groups: dict[int, str] = {}
        for c in out:
            if c.kind == "doc_ref" and "group" in c.fields and c.fields.get("ref_date"):
                groups[c.fields["group"]] = c.fields["ref_date"]
        for c in out:
            if c.kind == "doc_ref" and c.fields.get("group") in groups:
                c.fields["ref_date"] = groups[c.fields["group"]]
        return out

    def values(self, text: str) -> list[Cand]:
        """The resolved values of a short free text (a report title): no tables, no sections."""
        self._text = self._orig = text
        return self.resolve(list(self.proposals(text)))

    # ------------------------------------------------------------------ document
    def run(self, doc: Document, outline: Outline, orig: str | None = None, back: list[int] | None = None
            ) -> list[Indicator]:
        """``doc`` holds the NFC text the rules read (and its blocks); ``orig``/``back`` map offsets back to
        the text the user sees when NFC changed it."""
        # the rules read the text without its page furniture (page-number lines and form feeds of a text converted
        # from PDF); offsets are unchanged and every row's text is still the document's own
        tables = [b for b in doc.blocks if b.kind == "table"]
        furniture = [(a, z) for a, z in page_furniture(doc.text, self.page_words)
                     if _block_at(tables, a) is None]  # a cell holding a number is a table's, not the page's
        ntext = mask(doc.text, furniture)
        self._text = ntext
        self._orig = orig if orig is not None else doc.text
        o = (lambda i: back[i]) if back else (lambda i: i)
        cells, skip = read_tables(doc.blocks, ntext, outline, self.scales,
                                  {c.lower() for c in self.g.lexicon.get("currency", [])})
        text_cells = [c for c in cells if c.numeric is None]
        # the rules run over the whole text, tables included ("12 cuộc", "86/100 đơn" in a cell, a letterhead
        # laid out as a table) — except numbers alone in a cell, read with their row and column instead,
        # index cells and the column-numbering row
        skipped = _Spans(skip)
        cands = [c for c in self.proposals(ntext) if not skipped.holds(c.core[0])]
        resolved = self.resolve(cands)
        notes = note_anchors(doc.text, doc.blocks, outline.closing)
        self._notes = {id(doc.blocks[i]): a for i, a in notes.items()}
        rows = [self._row(doc, outline, c, ntext, o) for c in resolved]
        for r, c in zip(rows, resolved):
            blk = _block_at(tables, c.core[0])
            if blk is None:
                continue
            r.origin = "table"
            cell = _cell_at(text_cells, c.core[0])
            if cell is not None:
                r.table, r.row, r.col, r.context = cell.table, cell.row, cell.col, cell.context
                r.total = "yes" if cell.total else ""
                if not r.section_path:
                    r.section_title = cell.title
        rows.extend(self.table_rows(doc, outline, cells, o))
        rows.sort(key=lambda r: (r.char_start, r.char_end))
        for n, r in enumerate(rows, 1):
            r.id = f"{doc.doc_id}:{n}"
        return rows

    def _row(self, doc, outline, c: Cand, ntext, o) -> Indicator:
        s, e = c.span
        blk = _block_at(doc.blocks, s)
        anchor = blk.anchor if blk is not None and blk.anchor is not None else s
        origin = "body"
        if blk is not None and (blk.kind == "footnote" or id(blk) in self._notes):
            origin = "footnote"
            # A text file's note keeps the section where its text sits: that is how the evaluation places every value
            # (../shared/eval/score.py: the heading stack at the value's offset); note_anchors still tells notes
            # apart (origin "footnote"), and knows the citing mark should the contract ever ask for it.
        sec = outline.at(anchor)
        cs, ce = sentence_bounds(ntext, s, e)
        f = c.fields
        return Indicator(
            doc_id=doc.doc_id, source_file=doc.source_file, kind=c.kind, value=f["value"],
            unit=f.get("unit", ""), qualifier=f.get("qualifier", ""), doc_type=f.get("doc_type", ""),
            ref_date=f.get("ref_date", ""), section_path=sec.path if sec else "",
            section_title=sec.title if sec else "", origin=origin, text=self._orig[o(s):o(e)],
            context=" ".join(ntext[cs:ce].split()), char_start=o(s), char_end=o(e),
            page=blk.page if blk is not None else None, per=f.get("per", ""), note=f.get("note", ""))

    # ------------------------------------------------------------------ tables
    def table_rows(self, doc: Document, outline: Outline, cells: list[Cell], o) -> list[Indicator]:
        """One row per number standing alone in a table cell, with the table's row label and column path."""
        out: list[Indicator] = []
        for cell in cells:
            if cell.numeric is None:
                continue
            mm = cell.numeric
            s, e = cell.span
            b = cell.block
            sec = outline.at(b.start)
            value = N.number(mm.group("n"))
            kind, unit = "count", ""
            if "pct" in mm.groupdict() and mm.group("pct"):
                kind, unit = "percent", "%"
            elif cell.meaning is not None:
                kind, unit = cell.meaning.kind, cell.meaning.unit
                if kind == "money":
                    value = int(round(value * cell.meaning.scale))
            out.append(Indicator(
                doc_id=doc.doc_id, source_file=doc.source_file, kind=kind, value=N.plain(value), unit=unit,
                section_path=sec.path if sec else "", section_title=sec.title if sec else cell.title,
                origin="table", text=self._orig[o(s):o(e)], context=cell.context, char_start=o(s),
                char_end=o(e), page=b.page, table=cell.table, row=cell.row, col=cell.col,
                total="yes" if cell.total else ""))
        return out


class _Spans(list):
    """Spans by start, with the furthest end reached so far, for a logarithmic membership test."""

    def __init__(self, spans):
        super().__init__(sorted(spans))
        self.starts = [a for a, _ in self]
        self.reach, far = [], -1
        for _, z in self:
            far = max(far, z)
            self.reach.append(far)

    def holds(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos) - 1
        if i < 0 or self.reach[i] <= pos:
            return False
        # some span starting at or before pos reaches past it: find whether one holds pos
        while i >= 0 and self.reach[i] > pos:
            if self[i][1] > pos:
                return True
            i -= 1
        return False


def _cell_at(cells: list[Cell], pos: int) -> Cell | None:
    return next((c for c in cells if c.span[0] <= pos < c.span[1]), None)


def _block_at(blocks: list[Block], pos: int) -> Block | None:
    lo, hi = 0, len(blocks)
    while lo < hi:
        mid = (lo + hi) // 2
        if blocks[mid].end <= pos:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(blocks) and blocks[lo].start <= pos:
        return blocks[lo]
    return None
