"""Each report's answer to each of the template's asks, found among the values mapped to the ask's section.

A value answers an ask when it is of the ask's kind (a ``tỷ lệ`` ask takes a percentage, or a ratio as written),
when its counted noun is the ask's (``hội nghị`` answers "số hội nghị quán triệt"; ``cuộc`` answers "số cuộc kiểm
tra" only when ``kiểm tra`` follows it; a spelling variant within rapidfuzz's reach counts) and by the words of
its sentence: the ask's own words (underthesea's words, function and generic words left out) found around it.

Of the values that answer, the best are kept (those scoring within ``CLOSE`` of the best one), then:

- a value the office gives as a part of another (``trong đó …``), a change (``tăng 4 …``) or a repeat is dropped
  (the reasons of :mod:`.sums`, read without the qualifier so ``trên 1.000`` still counts);
- a total (``total`` = yes, or a table's total row) beats its parts;
- one figure left, or several equal ones: ``reported``;
- several figures of a count or money from different sentences: they are the parts the report gives (``cấp
  thành phố 215 … các xã, phường trên 1.000``) and are added: ``parts`` (``trên`` kept when any part has it);
- a percentage or ratio given differently twice, or a text figure and a table figure that disagree: ``conflict``
  (the value is the first; every figure is in ``text``);
- nothing: ``not reported`` — never 0.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd
import regex
from rapidfuzz import fuzz

from ..grammar import alternation, table
from . import sums
from .asks import Ask, parse, unit_of

ANSWER_COLUMNS = ["template_path", "template_title", "ask", "kind", "unit", "doc_id", "value", "qualifier",
                  "status", "ids", "text"]
STATUSES = ("reported", "parts", "conflict", "not reported")
MIN_SCORE = 0.35  # below this a value is not an answer
CLOSE = 0.12  # values scoring within this of the best are answers of the same standing
LEVEL_REACH = 0.3  # … and a figure of another level within this is one of the answer's levels
REPORT_WIDE_WORDS = 3  # an ask named in at least this many words of its own is looked for in the whole part
TIE = 0.02  # … and within this, as likely as the best: two different figures are a conflict
QUALIFIERS_KEPT = ("trên", "hơn", "gần", "khoảng", "ước", "gần như", "xấp xỉ")
_M = table("summary")["mapping"]
WORD_RX = regex.compile(r"[\p{L}\p{M}]")
_A = table("asks")["answers"]
_SKIP = set(_M["function_words"]) | set(_M["generic"]) | set(_A["plain_words"])


def _phrases(words) -> regex.Pattern:
    """The phrases as whole words (the grammar's alternation: longest first, any white space), any case."""
    return regex.compile(rf"(?<![\p{{L}}\p{{M}}]){alternation(words)}(?![\p{{L}}\p{{M}}])")


LEVELS_ASKED = _phrases(_A["levels_asked"])
LEVEL = _phrases(_A["levels"])
STOCK = _phrases(_A["stock"])
NEW = _phrases(_A["new"])
TOTAL_BEFORE = regex.compile(_phrases(_A["total_before"]).pattern + r"[\s:]*(?:là\s+)?(?:\S+\s+){0,1}$",
                             regex.IGNORECASE)
MONEY_VERBS = _phrases(_A["money_verbs"])
PASSIVE = regex.compile(r"(?i)(?<![\p{L}\p{M}])(?:đã\s+)?được\s+(.+)$")
TURN_WORDS = {w.casefold() for w in _A["turn_words"]}
NOT_DONE = regex.compile(_phrases(_A["not_done"]).pattern + r"(?:\s+\S+)?\s*$", regex.IGNORECASE)
GENERIC_UNITS = {w.casefold() for w in _A["generic_units"]}
MONEY_HEAD = _phrases(table("asks")["words"]["money_heads"])
SAME = {k.casefold(): {v.casefold() for v in vs} for k, vs in _A["same_thing"].items()}
# where a figure's clause ends: punctuation, a dash between words, or a line that starts with a capital (a heading
# or a new paragraph; a hard-wrapped line goes on in lower case)
CLAUSE_STOP = regex.compile(r"[;.(:]|\s[-–]\s|\n\s*(?=[\p{Lu}\d])")
COMMA_STOP = regex.compile(CLAUSE_STOP.pattern + r"|,")
PART_OPENER = _phrases(table("summary")["sums"]["part_openers"])


@dataclass
class Answer:
    ask: Ask
    doc_id: str
    value: str = ""
    qualifier: str = ""
    status: str = "not reported"
    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)  # every figure used or disagreeing, as the report gives it
    where: str = ""  # where it was found: under the ask's "section", its "parent", elsewhere in the "report"

    def row(self) -> dict:
        a = self.ask
        return {"template_path": a.template_path, "template_title": a.template_title, "ask": a.ask,
                "kind": a.kind, "unit": a.unit, "doc_id": self.doc_id, "value": self.value,
                "qualifier": self.qualifier, "status": self.status, "ids": " ".join(self.ids),
                "text": " | ".join(self.texts)}


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s or "").casefold()


@lru_cache(maxsize=4096)
def terms(text: str) -> tuple[str, ...]:
    """The words that say what a phrase is about: underthesea's words, lower-case, without function words. Single
    syllables the segmenter leaves side by side stay one phrase ("hòa giải thành" is not "hòa", "giải", "thành",
    each of which is in many other words)."""
    from underthesea import word_tokenize

    out, run = [], []
    for w in word_tokenize(nfc(text)) + [""]:
        w = " ".join(w.split())
        keep = bool(w) and WORD_RX.search(w) is not None and w not in _SKIP and not w.isdigit()
        if keep and " " not in w:
            run.append(w)
            continue
        if run:
            out.append(" ".join(run))
            run = []
        if keep:
            out.append(w)
    return tuple(dict.fromkeys(out))


def _has(hay: str, word: str) -> bool:
    return regex.search(rf"(?<![\p{{L}}\p{{M}}]){regex.escape(word)}(?![\p{{L}}\p{{M}}])", hay) is not None


def unit_score(ask_unit: str, value_unit: str, after: str) -> float:
    """How surely a count of ``value_unit`` (followed by ``after``) counts the ask's thing."""
    au, vu = nfc(ask_unit), nfc(value_unit)
    if not au:
        return 0.5
    if not vu:
        return 0.0
    if au == vu:
        return 1.0
    turn = vu.split(maxsplit=1)
    if len(turn) == 2 and turn[0] in TURN_WORDS and turn[1] != au:  # "lượt cán bộ" counts as "cán bộ" does
        return 0.9 * unit_score(ask_unit, turn[1], after)
    if vu in SAME.get(au, ()):  # "học viên" for "người", "tin, bài" for "thông tin" (patterns/asks.toml)
        return 0.8
    a, v = au.split(), vu.split()
    if a[:len(v)] == v:  # "cuộc" for "cuộc kiểm tra": only when "kiểm tra" follows the value
        rest = " ".join(a[len(v):])
        return 1.0 if nfc(after).lstrip().startswith(rest) else 0.6
    if v[:len(a)] == a or v[-len(a):] == a:  # "hội nghị tuyên truyền", "lượt người" for "người"
        return 0.8
    if fuzz.ratio(au, vu) >= 85:  # "xuất quà" for "suất quà"
        return 0.7
    return 0.0


def clause_before(text: str, start: int, reach: int = 120, comma: bool = False) -> str:
    """The words of the clause a figure stands in, up to the figure: "MTTQ các xã, phường ban hành trên" (``comma``:
    only from the last comma)."""
    before = text[max(0, start - reach):start]
    cut = [m.end() for m in (COMMA_STOP if comma else CLAUSE_STOP).finditer(before)]
    return " ".join(before[cut[-1] if cut else 0:].split())


def clause_after(text: str, end: int, reach: int = 80, comma: bool = False) -> str:
    """The figure's own noun phrase and what follows it in its clause: "văn bản hướng dẫn, triển khai" (``comma``:
    only up to the next comma)."""
    after = text[end:end + reach]
    stop = (COMMA_STOP if comma else CLAUSE_STOP).search(after)
    return " ".join(after[:stop.start() if stop else len(after)].split())


def level_of(clause: str) -> str:
    found = LEVEL.findall(clause)
    return nfc(found[-1]) if found else ""


@dataclass
class Cand:
    i: int  # index in the values frame
    score: float
    number: float | None
    value: str  # the figure as the answer gives it (a ratio's first number for a count)
    level: str  # the level named in the figure's clause ("xã", "thành phố"), "" when none
    unit: float = 1.0  # how surely its unit is the ask's (unit_score)


@dataclass
class AskWords:
    weights: dict[str, float]  # the ask's words: its thing's (2, less further from the head) and its line's (1)
    head: str  # the first of the thing's words: what the ask is about ("vận động" in "Kết quả vận động Quỹ …")
    thing: bool  # the ask names more than its unit ("số hội nghị quán triệt" does, "số người" does not)
    required: tuple[str, ...]  # what "được …" restricts it to: one must be said ("số đơn thư được giải quyết")
    parts: tuple[tuple[str, ...], ...]  # the thing's words by coordinated part ("vận động Quỹ …", "hỗ trợ xây dựng …")
    units: list[str]  # every thing a count ask lists ("chuyên trang, chuyên mục, thông tin" → three units)


@lru_cache(maxsize=1024)
def ask_words(ask: Ask) -> AskWords:
    kind, unit, thing = parse(ask.ask)
    units = [ask.unit] if ask.unit else []
    parts = [" ".join(p.split()) for p in regex.split(r",|;|\s+và\s+|\s+hoặc\s+", thing)]
    # a list of bare nouns ("chuyên trang, chuyên mục, thông tin …") counts each; "văn bản triển khai, hướng dẫn"
    # is one noun with its modifiers
    if kind in ("count", "percent") and len(parts) > 1 and nfc(unit_of("count", parts[0])) == nfc(parts[0]):
        for part in parts:
            u = unit_of("count", part)
            if u and u not in units:
                units.append(u)
    elif kind == "percent" and parts:
        units.append(unit_of("count", parts[0]))
    unit_words = (set(nfc(ask.unit).split()) | {nfc(ask.unit)}) if kind == "count" else set()
    weights: dict[str, float] = {}
    thing_terms = [w for w in terms(thing or ask.ask) if w not in unit_words]
    for k, w in enumerate(thing_terms):
        weights[w] = max(1.2, 2.0 - 0.1 * k)
    for w in terms(ask.context):
        if w not in unit_words:
            weights.setdefault(w, 1.0)
    passive = PASSIVE.search(thing or "") if len(units) <= 1 else None  # in a list, "được" ends its last item
    required = tuple(w for w in terms(passive.group(1)) if w not in unit_words) if passive else ()
    coordinated: list[tuple[str, ...]] = []
    carry: tuple[str, ...] = ()
    for p in regex.split(r",|;", thing or ask.ask):  # a part of fewer than two words goes with the next one
        part = carry + tuple(w for w in terms(p) if w in weights and weights[w] > 1)
        carry = () if len(part) >= 2 else part
        if not carry and part:
            coordinated.append(part)
    if carry:
        coordinated[-1:] = [(coordinated[-1] if coordinated else ()) + carry]
    coordinated = tuple(coordinated)
    return AskWords(weights, thing_terms[0] if thing_terms else "", bool(thing_terms), required,
                    coordinated or (tuple(thing_terms),), units)


SATURATE = 6.0  # this much of the ask's words found around a figure is strong evidence, however long the ask


def context_hits(words: AskWords, context: str) -> int:
    """How many of the ask's words the figure's sentence says."""
    hay = nfc(context)
    return sum(1 for w in words.weights if _has(hay, w))


def context_score(words: AskWords, context: str, near: str = "") -> tuple[float, float, float]:
    """(how well the figure's sentence — its own clause counting double — says the ask's words: half the share of
    them found, half the evidence found up to ``SATURATE``; the share of the thing's own words found there)."""
    weights = words.weights
    if not weights:
        return 0.5, 0.5, 0.5
    hay, close = nfc(context), nfc(near)
    got = total = 0.0
    said = set()
    for w, wt in weights.items():
        total += 2 * wt
        hit = 2 * wt if close and _has(close, w) else wt if _has(hay, w) else 0
        got += hit
        if hit:
            said.add(w)
    score = 0.5 * got / total + 0.5 * min(1.0, got / SATURATE)
    # the thing's words said, by syllables ("thành" alone is also in "thành phố"; "hòa giải thành" says more), in
    # the best said of its coordinated parts ("Kết quả vận động Quỹ …, hỗ trợ xây dựng Nhà …" asks either)
    shares = [sum(len(w.split()) for w in part if w in said) / sum(len(w.split()) for w in part)
              for part in words.parts if part]
    whole = [w for part in words.parts for w in part]
    share = (sum(len(w.split()) for w in whole if w in said) / sum(len(w.split()) for w in whole)) if whole else 0.5
    return score, (max(shares) if shares else 0.5), share


def candidates(ask: Ask, vals: pd.DataFrame, texts: dict[str, str], why: pd.Series | None = None,
               strict: int = 0) -> list[Cand]:
    """The values of one document under the ask's section that answer it, best first. ``strict``: values found
    outside the ask's section, which answer only when they say the ask's thing plainly."""
    words = ask_words(ask)
    raised = bool(MONEY_HEAD.search(ask.ask))
    stock, new = bool(STOCK.search(ask.ask)), bool(NEW.search(ask.ask))
    out = []
    for i, r in vals.iterrows():
        kind = r["kind"]
        text = texts.get(r["doc_id"], "")
        start, end = _int(r["char_start"]), _int(r["char_end"])
        before = clause_before(text, start) if start is not None else ""
        near = " ".join((before, str(r["text"]), clause_after(text, end) if end is not None else ""))
        cs, thing, whole = context_score(words, r["context"] or r["text"], near)
        sentence = (r["context"] or r["text"]) + " " + near
        if words.required:  # "tiếp nhận 9 đơn thư" is no answer to "số đơn thư được giải quyết", nor is
            own = nfc(" ".join((before, str(r["text"]), clause_after(text, end, comma=True) if end is not None
                                else "")))  # "06 đơn đang tiếp tục giải quyết"
            if not any(_has(own, w) and not NOT_DONE.search(own.split(w)[0][-25:]) for w in words.required):
                continue
        if strict and (thing < (0.5 if strict == 1 else 0.6) or (not words.thing and context_hits(words, sentence) < 3)):
            continue
        value, number = r["value"], sums.number(r["value"])
        if ask.kind == "count":
            if kind == "ratio" and "/" in str(r["value"]):  # "Số đơn đã giải quyết 86/100 đơn": 86 answers
                value = str(r["value"]).split("/")[0]
                number = sums.number(value)
                weight = 0.9
            elif kind == "count" and not r["per"]:
                weight = 1.0
            else:
                continue
            after = text[end:end + 40] if end is not None else ""
            us = max([unit_score(u, r["unit"], after) for u in words.units] or [unit_score("", r["unit"], after)])
            if us == 0 or (not words.units and whole < 0.5) or (strict and us < 0.8):
                continue  # an ask naming no unit ("số lượng, đối tượng") needs most of its own words there
            if (not words.thing and nfc(ask.unit) in GENERIC_UNITS
                    and context_hits(words, (r["context"] or r["text"]) + " " + near) < 2):
                continue  # "số người": only its line's words say which people, and two of them must be there
            score = weight * us * (0.45 + 0.55 * cs)
        elif ask.kind == "money":
            if kind != "money" or r["per"] or thing < 0.34:
                continue
            us = 1.0
            score = 0.3 + 0.7 * cs
        else:
            if kind not in ("percent", "ratio") or thing < 0.34:
                continue
            if kind == "ratio" and words.units[1:] and not any(unit_score(u, r["unit"], "") for u in words.units[1:] if u):
                continue  # "84/98 đơn" is no rate of "ý kiến, kiến nghị"
            us = 1.0
            score = (0.3 + 0.7 * cs) * (1.0 if kind == "percent" else 0.85)
            number = None
        reason = why.get(i, "") if why is not None else ""
        if reason.startswith("a running") and stock:
            score += 0.15  # "nâng tổng số lên 09" answers "số … hiện có"
        elif reason.startswith("a running") and new:
            score -= 0.15
        if words.head and _has(nfc(near), words.head):
            score += 0.1  # the ask's head word in the figure's own clause ("đã vận động được … 862.796.456 đồng")
        elif ask.kind == "money" and raised and MONEY_VERBS.search(near):
            score += 0.1  # money raised: "Quỹ … các cấp tiếp nhận 415.000.000 đồng"
        if ask.kind == "money" and raised and not MONEY_VERBS.search(near):
            score -= 0.15  # "hỗ trợ xây dựng 3 nhà … với tổng kinh phí 150.000.000 đồng" is money spent, not raised
        if TOTAL_BEFORE.search(before):
            score += 0.1  # "đã vận động được tổng số tiền 862.796.456 đồng": the office's own total
        if score >= MIN_SCORE:
            out.append(Cand(i, score, number, str(value), level_of(before), us))
    out.sort(key=lambda c: -c.score)
    return out


def _int(v) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(round(x, 6))


def answer(ask: Ask, doc_id: str, scopes: list[pd.DataFrame], why: pd.Series, texts: dict[str, str]) -> Answer:
    """The document's answer to the ask from the first of ``scopes`` that has one: its values under the ask's
    section, then under the section's parent (a report that files the figure one heading over: only a figure that
    says the ask's thing plainly), then — for an ask named in many words ("Kết quả vận động Quỹ “Vì người nghèo” …")
    — anywhere in the same part of the report. A short ask ("số vụ việc") is not looked for further: out of its
    place such a figure is more often another thing counted in the same words."""
    out = Answer(ask, doc_id)
    cands: list[Cand] = []
    for k, vals in enumerate(scopes):
        cands = candidates(ask, vals, texts, why, strict=k)
        if cands:
            out.where = ("section", "parent", "report")[min(k, 2)]
            break
    if not cands:
        return out
    best = cands[0]
    levels_asked = bool(LEVELS_ASKED.search(ask.ask))
    # a figure of another level ("Ủy ban MTTQ cấp xã chủ trì 28 cuộc giám sát" after the district's 2) is a part of the
    # answer when it counts the same thing, whether or not the ask says "ở 3 cấp"
    keep = [c for c in cands if c.score >= best.score - CLOSE
            or (c.level and best.level and c.level != best.level and c.score >= best.score - LEVEL_REACH
                and (levels_asked or min(c.unit, best.unit) >= 0.8))]
    # a part, a change or a repeat is not an answer of its own (its whole is, when it is there)
    own = [c for c in keep if not why.get(c.i, "") or (c.i == best.i and why.get(c.i, "").startswith("a running"))]
    keep = own or [best]
    keep = _wholes(keep, vals, texts) or keep
    totals = [c for c in keep if vals.at[c.i, "total"] == "yes"]
    if totals:
        keep = totals
    rows = {c.i: vals.loc[c.i] for c in keep}
    quals = [rows[c.i]["qualifier"] for c in keep]

    def fill(chosen: list[Cand], status: str, value: str, qualifier: str) -> Answer:
        out.value, out.qualifier, out.status = value, qualifier, status
        out.ids = [rows[c.i]["id"] for c in chosen]
        out.texts = list(dict.fromkeys(" ".join(str(rows[c.i]["context"] or rows[c.i]["text"]).split())
                                       for c in chosen))
        out.figures = [" ".join(str(rows[c.i]["text"]).split()) for c in chosen]
        return out

    if len({c.value for c in keep}) == 1:
        return fill(keep, "reported", keep[0].value, next((q for q in quals if q), ""))
    origins = {rows[c.i]["origin"] for c in keep}
    if "table" in origins and len(origins) > 1:  # the text and a table give different figures
        return fill(keep, "conflict", best.value, quals[0])
    levels = [c.level for c in keep]
    if (ask.kind in ("count", "money") and all(c.number is not None for c in keep) and all(levels)
            and len(set(levels)) == len(levels) and all(c.unit >= 0.8 for c in keep)):
        # "MTTQ thành phố ban hành 215 văn bản …; MTTQ các xã, phường ban hành trên 1.000 văn bản": level by level
        q = next((q for q in quals if q in QUALIFIERS_KEPT), "")
        return fill(keep, "parts", _fmt(sum(c.number for c in keep)), q)
    close = [c for c in keep if c.score >= best.score - TIE]
    if len(close) > 1 and _one_sentence([rows[c.i] for c in close], texts):
        # of one sentence's figures, the one whose own words (up to a comma) say the ask's, else the first: "tồn
        # đọng … chuyển sang 06 đơn, số đơn phát sinh tiếp nhận mới … là 67 đơn" answers "số đơn thư tiếp nhận"
        # with 67; "đã hòa giải 58 vụ việc, hòa giải thành 51 vụ việc" answers "số vụ việc" with 58
        words = ask_words(ask)

        def tight(c: Cand) -> int:
            r = rows[c.i]
            text, st, en = texts.get(r["doc_id"], ""), _int(r["char_start"]), _int(r["char_end"])
            if st is None or en is None:
                return 0
            own = nfc(" ".join((clause_before(text, st, comma=True), clause_after(text, en, comma=True))))
            return sum(1 for w in words.weights if _has(own, w))

        first = min(close, key=lambda c: (-tight(c), _int(rows[c.i]["char_start"]) or 0))
        return fill([first], "reported", first.value, rows[first.i]["qualifier"])
    if len({c.value for c in close}) > 1:  # as likely as each other and different: the analyst decides
        return fill(close, "conflict", best.value, quals[0])
    return fill([best], "reported", best.value, rows[best.i]["qualifier"])


def _one_sentence(rows: list, texts: dict[str, str]) -> bool:
    """The figures stand in one sentence of the report: no full stop between the first and the last."""
    spans = [(_int(r["char_start"]), _int(r["char_end"])) for r in rows]
    if any(a is None or b is None for a, b in spans) or len({r["doc_id"] for r in rows}) != 1:
        return False
    text = texts.get(rows[0]["doc_id"], "")
    lo, hi = min(a for a, _ in spans), max(b for _, b in spans)
    return hi - lo < 400 and not regex.search(r"[.!?](?:\s|$)|\n\s*\n", text[lo:hi])


def _wholes(keep: list[Cand], vals: pd.DataFrame, texts: dict[str, str]) -> list[Cand]:
    """Leave out a figure given as a part of an earlier one ("142/142 khu dân cư, trong đó 12 khu dân cư …"), whatever
    their kinds."""
    out = []
    for c in keep:
        r = vals.loc[c.i]
        text, start = texts.get(r["doc_id"], ""), _int(r["char_start"])
        part = False
        for o in keep:
            oe = _int(vals.at[o.i, "char_end"])
            if o.i != c.i and start is not None and oe is not None and 0 < start - oe <= 80:
                gap = text[oe:start]
                opener = list(PART_OPENER.finditer(gap))  # "…, trong đó 12 …": still inside the list it opens
                part = part or (bool(opener) and not regex.search(r"[.;)]", gap[opener[-1].end():])
                                and not regex.search(r"[.;]", gap))
        if not part:
            out.append(c)
    return out


def structural_reasons(ind: pd.DataFrame, texts: dict[str, str]) -> pd.Series:
    """Why a value is only a part, a change or a repeat of another — the sums' reasons, read as if no value had a
    qualifier (an estimate is still an answer) — "" for the others."""
    plain = ind.copy()
    plain["qualifier"] = ""
    why = sums.reasons(plain, texts)
    keep = why.str.startswith(("a part", "a change", "a running", "repeats"))
    return why.where(keep, "")


def answer_all(asks: list[Ask], values: pd.DataFrame, columns: dict[str, str], texts: dict[str, str],
               why: pd.Series | None = None) -> list[Answer]:
    """One answer per (ask, document column), asks in template order, documents in column order."""
    v = values.copy()
    if "review" in v.columns:
        v = v[v["review"] != "wrong"]
    why = structural_reasons(v, texts) if why is None else why  # summarise reads them once for the mapping too
    by_doc = {d: g for d, g in v.groupby("doc_id", sort=False)}
    out = []
    for a in asks:
        prefix = a.template_path + " > "
        for d in columns:
            g = by_doc.get(d)
            if g is None:
                out.append(Answer(a, d))
                continue
            under = g[(g["template_path"] == a.template_path) | g["template_path"].str.startswith(prefix)]
            # the parent's other children, when the parent is itself a narrow section ("… > II > 3", not "… > II")
            parent = a.template_path.rsplit(" > ", 1)[0] if a.template_path.count(" > ") >= 3 else ""
            near = (g[((g["template_path"] == parent) | g["template_path"].str.startswith(parent + " > "))
                      & ~g.index.isin(under.index)] if parent else g[:0])
            scopes = [under, near]
            if len([w for w, wt in ask_words(a).weights.items() if wt > 1]) >= REPORT_WIDE_WORDS:
                root = a.template_path.split(" > ")[0]  # never another part: "Phần thứ hai"'s plans are no results
                scopes.append(g[g["template_path"].str.startswith(root) & ~g.index.isin(under.index)
                                & ~g.index.isin(near.index)])
            out.append(answer(a, d, scopes, why, texts))
    return out


__all__ = ["ANSWER_COLUMNS", "Answer", "STATUSES", "answer", "answer_all", "candidates", "terms", "unit_score"]


def place_by_answers(mapping: pd.DataFrame, values: pd.DataFrame, at: pd.Series, asks: list[Ask],
                     texts: dict[str, str], why: pd.Series | None = None) -> pd.DataFrame:
    """A section the mapping could only place by its parent (``inherited``) goes to the template section whose ask
    its own figures answer plainly: "c) Tham gia hòa giải ở cơ sở và tiếp công dân" under a heading mapped to "3"
    holds "hòa giải 58 vụ việc" and "87,9%", which answer the asks of 3.1, so it is placed at 3.1 (method
    ``title``: by its content). Only a place under the inherited one is taken, and only by an answer that would
    be taken from anywhere in the report (the strict reading); the section's own inheriting children follow it."""
    if not asks or mapping.empty:
        return mapping
    m = mapping.copy()
    why = structural_reasons(values, texts) if why is None else why
    moved: dict[tuple[str, str], tuple[str, str]] = {}  # (doc, section path) → (template path, title)
    for k in range(len(m)):
        row = m.iloc[k]
        doc, path = row["doc_id"], row["section_path"]
        parent = next((moved[(doc, p)] for p in _ancestors(path) if (doc, p) in moved), None)
        if row["method"] != "inherited":
            continue
        if parent is not None:
            m.iloc[k, m.columns.get_loc("template_path")], m.iloc[k, m.columns.get_loc("template_title")] = parent
        own = values[at == k]
        if own.empty:
            continue
        here = m.iloc[k]["template_path"]
        best = None
        for a in asks:
            if not (a.template_path.startswith(here + " > ") or (here == "" and a.template_path)):
                continue
            cands = candidates(a, own, texts, why, strict=2)
            if cands and (best is None or cands[0].score > best[0]):
                best = (cands[0].score, a)
        if best is not None:
            score, a = best
            m.iloc[k, m.columns.get_loc("template_path")] = a.template_path
            m.iloc[k, m.columns.get_loc("template_title")] = a.template_title
            m.iloc[k, m.columns.get_loc("method")] = "title"
            m.iloc[k, m.columns.get_loc("score")] = round(min(1.0, score), 2)
            moved[(doc, path)] = (a.template_path, a.template_title)
    return m


def _ancestors(path: str) -> list[str]:
    parts = path.split(" > ")
    return [" > ".join(parts[:n]) for n in range(len(parts) - 1, 0, -1)]
