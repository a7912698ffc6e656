"""(a) A total whose listed parts do not add up.

Flags: a count or an amount of money followed by the list of its parts — after ``trong đó``, ``gồm``, ``bao
gồm``, ``chia ra``, ``cụ thể:`` (the openers of ``patterns/checks.toml [parts]``), inside brackets right after it,
or one item a line after such an opener ("trong đó:⏎+ …⏎+ …", one figure of the kind an item) — when the list is
complete (its bracket closes, its sentence or its run of items ends), holds at least two parts of the total's kind
whose units are the total's (or a kind of it: ``kế hoạch``, ``công văn`` of ``văn bản``; ``xã`` of ``xã, thị
trấn``), and their sum is not the total beyond the rounding of the figures as written ("22.143 tỷ đồng" may be
0.5 tỷ off). The total gets "parts do not add up to this total (46 + 7 + 150 + 11 = 214)". Totals joined by ``=``
("44 lượt = 47 người = 44 vụ việc") are checked each against the parts of its own unit. Also flags any part above
its total ("12 hội nghị, trong đó có 15 hội nghị trực tuyến"): "part above its total (15 > 12)".

Leaves alone (no sum): a single part ("trong đó có 12 …" is a subset, not a breakdown), the parts after ``trong
đó có`` (some of them: ``partial_openers``), overlapping groups ("nữ", "dân tộc thiểu số": ``subset_words``), parts
with a clause between them (more than a few words: steps of a process, not items), an item with two figures,
a list cut short ("…", "v.v": ``unfinished``), figures with a qualifier (``trên``, ``gần``, a range) or a
per-unit amount — of these only a part above its total is flagged. Leaves alone entirely: a list with a part of
another unit (a breakdown of another kind: "12 hội nghị (với 1.500 lượt người …)"), of other dimensions ("dài
63m, rộng 3m": ``dimensions``), that compares or changes ("giảm 225 lượt … so với năm 2022": ``change_words``), an
exception or a rate ("(riêng huyện A: 02 cụm)", "mỗi": ``not_parts``), the terms of a formula ("X = … x … = 58
triệu đồng. Trong đó: …"); a list with a list of its own inside it outside brackets (a bracketed sub-list is
checked on its own); percentages, ratios and dates.
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

import regex

from ..records import Indicator
from .common import Brackets, Doc, Words, amount, fmt, slack

KINDS = ("count", "money")
LIMIT = 600  # the longest list looked at, in characters
SENT_END = regex.compile(r"[.!?](?=\s|$)|\t|\n(?=[ \t]*(?:[-+•*]|[0-9IVX]{1,4}[.)][ \t]))")
WORD_BEFORE = regex.compile(r"([\p{L}/]+)$")
TIGHT_GAP = regex.compile(r"[\s,:]*")
CHAIN_GAP = regex.compile(r"\s*=\s*")
PART_EDGE = regex.compile(r"[;:(]|,(?![0-9])")
ITEM = regex.compile(r"[ \t]*([-+•*–]|[a-zđ]\)|[0-9]{1,2}[.)])[ \t]+")
INLINE_ITEM = regex.compile(r"[,;]\s+(?:[a-zđ]|[0-9]{1,2})\)\s")  # "…, e) 09 Ủy viên …": the next item of an outer list
# a formula: a symbol set equal to something ("X1 = …", "Gt = …") or a product ("… đồng x 0,19% x 50%")
FORMULA = regex.compile(r"(?<![\p{L}\p{M}])\p{Lu}[\p{Ll}\p{M}0-9]{0,3}\s*=(?!=)|\S\s+[x×*÷]\s+\S|[×÷√≈]")
MAX_GAP_WORDS = 8  # the words between two parts of one list ("…, đơn tiếp nhận trong kỳ 79 đơn"): more is a clause


def flag(doc: Doc, w: Words) -> Iterator[tuple[Indicator, str]]:
    text = doc.text
    rows = doc.rows  # every kind: a percentage or a date right before a list stops the search for its total
    if not any(r.kind in KINDS for r in rows):
        return
    starts = [r.char_start for r in rows]
    brackets = Brackets(text)
    openers = w.rx("parts", "openers")
    seen: set[tuple[int, int]] = set()
    for lst in _lists(text, brackets, openers, w):
        if (lst.start, lst.end) in seen:
            continue
        seen.add((lst.start, lst.end))
        yield from _check(lst, text, rows, starts, brackets, openers, w)


class _List:
    """A list of parts: where it starts and ends, the offset the total stands before (``anchor``), whether it
    closes properly (``complete``) and whether it is a bracket with no opener ("100 đơn (77 đơn; 23 đơn)")."""

    def __init__(self, anchor: int, start: int, end: int, complete: bool, tight: bool,
                 items: list[tuple[int, int]] | None = None, partial: bool = False):
        self.anchor, self.start, self.end, self.complete, self.tight = anchor, start, end, complete, tight
        self.items = items  # a list written one item a line ("trong đó:⏎+ …⏎+ …"): each item's span
        self.partial = partial  # "trong đó có …": some of the parts, not all


def _opener_at(text: str, pos: int, openers: regex.Pattern, w: Words):
    """The opener standing at ``pos`` (after white space), as its match, when it opens a list."""
    m = openers.match(text, pos + len(text[pos:pos + 20]) - len(text[pos:pos + 20].lstrip()))
    if not m or w.rx("parts", "not_openers").match(text, m.start()):
        return None
    if w.rx("parts", "openers_need_mark").fullmatch(m.group()):
        if not regex.match(r"\s*(?:%s)" % w.rx("parts", "marks").pattern, text[m.end():m.end() + 12],
                           flags=regex.I):
            return None
    return m


def _after_opener(text: str, pos: int) -> int:
    """Past the punctuation that follows an opener ("trong đó: ", "gồm, ")."""
    m = regex.match(r"[\s:,–-]*(?:(?i:có|là)(?![\p{L}])[\s:]*)?", text[pos:pos + 12])
    return pos + m.end()


def _lists(text: str, brackets, openers: regex.Pattern, w: Words) -> Iterator[_List]:
    # a bracketed list: "(trong đó: 46 kế hoạch …)", "(gồm 16 xã …)", "(cấp thành phố 77 đơn; …)"
    inner_openers = set()
    for a, b in brackets:
        m = _opener_at(text, a + 1, openers, w)
        if m:
            inner_openers.add(m.start())
            yield _List(a, _after_opener(text, m.end()), b - 1, True, False,
                        partial=_partial(text, m.start(), w))
        else:
            yield _List(a, a + 1, b - 1, True, True)
    # an opener in running text: "…, trong đó: đơn kỳ trước chuyển sang 21 đơn, … 79 đơn."
    for m in openers.finditer(text):
        if m.start() in inner_openers or _opener_at(text, m.start(), openers, w) is None:
            continue
        start = _after_opener(text, m.end())
        if "\n" in text[m.end():start] and not text[m.end():start].strip(" \t\n:,–-"):
            items = _items(text, text.rfind("\n", m.end(), start) + 1, brackets, w)
            if items:
                yield _List(m.start(), items[0][0], items[-1][1], True, False, items, _partial(text, m.start(), w))
            continue
        colon = ":" in text[m.end():start]
        enclosing = [b for a, b in brackets.around(m.start())]
        bound = min(enclosing) - 1 if enclosing else min(len(text), start + LIMIT)
        end, complete = bound, bool(enclosing)
        k = start
        while k < bound:
            if k in brackets.end_at:  # a bracket inside the list: its own list, stepped over
                k = brackets.end_at[k]
                continue
            c = text[k]
            if c == ";" and not colon or _sentence_end(text, k, w) or INLINE_ITEM.match(text, k):
                end, complete = k, True
                break
            k += 1
        yield _List(m.start(), start, end, complete, False, partial=_partial(text, m.start(), w))


def _partial(text: str, pos: int, w: Words) -> bool:
    return bool(w.rx("parts", "partial_openers").match(text, pos))


def _items(text: str, pos: int, brackets, w: Words) -> list[tuple[int, int]]:
    """The items of a list written one a line from ``pos``, each opened by the same kind of marker ("+", "-", "a)",
    "1."): an item runs to its sentence's end; the list ends at the first line that is no such item."""
    items: list[tuple[int, int]] = []
    kind = None
    while True:
        lm = ITEM.match(text, pos)
        if not lm:
            break
        k_ = _marker_kind(lm.group(1))
        if kind is not None and k_ != kind:
            break
        kind = k_
        k, end = lm.end(), None
        while k < min(len(text), lm.end() + LIMIT):
            if k in brackets.end_at:
                k = brackets.end_at[k]
                continue
            if text[k] == "\n" and (ITEM.match(text, k + 1) or not text[k + 1:k + 2].strip()
                                    and ITEM.match(text, text.find("\n", k + 1) + 1 or len(text))) \
                    or _sentence_end(text, k, w) and text[k] != "\n":
                end = k
                break
            k += 1
        if end is None:
            return []  # an item that does not end: the list says nothing
        items.append((lm.end(), end))
        nl = text.find("\n", end)
        if nl < 0:
            break
        pos = nl + 1
        while pos < len(text) and text[pos] == "\n":
            pos += 1
    return items


def _marker_kind(m: str) -> str:
    return "a)" if regex.fullmatch(r"[a-zđ]\)", m) else "1." if regex.match(r"[0-9]", m) else m


def _sentence_end(text: str, k: int, w: Words) -> bool:
    """A sentence ends at ``k``: a full stop (not an abbreviation's: "TP. Lai Châu"), a tab (a table cell's edge), a
    line that opens a new item."""
    if not SENT_END.match(text, k):
        return False
    if text[k] == ".":
        m = WORD_BEFORE.search(text, max(0, k - 8), k)
        if m and m.group(1) in w.get("parts", "abbreviations", []):
            return False
    return True


def _check(lst: _List, text, rows, starts, brackets, openers, w: Words) -> Iterator[tuple[Indicator, str]]:
    nested = brackets.within(lst.start, lst.end + 1)

    def outside(pos):
        return not any(a <= pos < b for a, b in nested)

    # a list inside this one (outside brackets), or a list that compares: not a breakdown
    for m in openers.finditer(text, lst.start, lst.end):
        if outside(m.start()) and _opener_at(text, m.start(), openers, w) is not None:
            return
    for m in w.rx("parts", "not_parts").finditer(text, lst.start, lst.end):
        if outside(m.start()):
            return
    if FORMULA.search(text, lst.start, lst.end):
        return
    keep = [(m.start(), m.end()) for m in w.rx("parts", "not_change").finditer(text, lst.start, lst.end)]
    for m in w.rx("parts", "change_words").finditer(text, lst.start, lst.end):
        if outside(m.start()) and not any(a <= m.start() < b for a, b in keep):
            return
    lo = bisect_left(starts, lst.start)
    parts = []
    for r in rows[lo:]:
        if r.char_start >= lst.end:
            break
        if outside(r.char_start) and r.kind in KINDS:
            parts.append(r)
    if not parts:
        return
    chain = _totals(lst, text, rows, starts, brackets)
    if not chain:
        return
    kind = chain[0].kind
    parts = [p for p in parts if p.kind == kind]
    if not parts:
        return
    line = text.rfind("\n", 0, chain[-1].char_start) + 1
    if FORMULA.search(text, line, lst.anchor):
        return  # "X1 = Chi phí xây dựng x Mức thu phí x 50% = 58.069.117 đồng. Trong đó: …" explains a formula
    if len(_dimensions(parts, text, lst, w)) > 1:
        return
    plain = True  # the parts read as one plain enumeration (their sum means something)
    if lst.items:  # one figure an item: the item's figure; an item with two says nothing plain
        per_item = [[p for p in parts if a <= p.char_start < b] for a, b in lst.items]
        plain = all(len(x) == 1 for x in per_item)
    else:
        for x, y in zip(parts, parts[1:]):
            gap = _strip_brackets(text[x.char_end:y.char_start])
            if len(regex.findall(r"[\p{L}\p{M}]+", gap)) > MAX_GAP_WORDS:
                plain = False
    groups: dict[int, list[Indicator]] = {}
    kinds_of = w.get("parts", "kinds_of", {})
    for p in parts:
        home = next((t for t in chain if p.unit == t.unit), None) or \
            next((t for t in chain if _compatible(t.unit, p.unit, kinds_of, kind)), None)
        if home is None:
            return  # a part of another unit: a breakdown of another kind
        groups.setdefault(id(home), []).append(p)
    tail = text[max(lst.start, lst.end - 10):lst.end + 3]  # the list's last words and what ends it
    cut_short = bool(w.rx("parts", "unfinished").search(tail))
    for total in chain:
        ps = groups.get(id(total), [])
        if not ps or total.qualifier or total.per:
            continue
        t = amount(total)
        if t is None:
            continue
        exact = [p for p in ps if not p.qualifier and not p.per and amount(p) is not None]
        for p in exact:
            if amount(p) > t + slack(p) + slack(total) + 1e-9:
                yield p, w.note("part_above", part=fmt(amount(p)), total=fmt(t))
        if len(exact) < 2 or len(exact) != len(ps) or not lst.complete or cut_short or not plain or lst.partial:
            continue
        if _overlapping(ps, total, text, lst, w):
            continue
        s = sum(amount(p) for p in ps)
        tol = sum(slack(p) for p in ps) + slack(total) + 1e-6 * max(abs(t), 1)
        if abs(s - t) > tol:
            figures = " + ".join(fmt(amount(p)) for p in ps) + f" = {fmt(s)}"
            yield total, w.note("parts", sum=figures)


def _totals(lst: _List, text, rows, starts, brackets) -> list[Indicator]:
    """The figure the list breaks down — the last value before it in its sentence, with no other value between
    (values inside brackets between are skipped) — and the figures ``=`` joins to it ("100 đơn = 100 vụ việc")."""
    k = bisect_left(starts, lst.anchor) - 1
    while k >= 0:
        r = rows[k]
        if r.char_end > lst.anchor:
            k -= 1
            continue
        # a value inside a bracket that closes before the list: a sub-list of its own, not the total
        if any(r.char_end <= b <= lst.anchor for _, b in brackets.around(r.char_start)):
            k -= 1
            continue
        break
    if k < 0:
        return []
    total = rows[k]
    gap = text[total.char_end:lst.anchor]
    if len(gap) > 250:
        return []
    bare = _strip_brackets(gap)
    if lst.tight:
        if not TIGHT_GAP.fullmatch(bare):
            return []
    elif SENT_END.search(bare) or (";" in bare and regex.search(r"[\p{L}0-9]", bare)):
        return []
    if total.kind not in KINDS:
        return []  # the value right before the list is a percentage, a date …: the list is not a total's
    chain = [total]
    j = k - 1
    while j >= 0 and CHAIN_GAP.fullmatch(text[rows[j].char_end:chain[-1].char_start]):
        chain.append(rows[j])
        j -= 1
    return chain


def _strip_brackets(s: str) -> str:
    prev = None
    while prev != s:
        prev, s = s, regex.sub(r"\([^()]*\)", " ", s)
    return s


def _syllables_prefix(a: str, b: str) -> bool:
    x, y = a.split(), b.split()
    return bool(x) and y[:len(x)] == x


def _compatible(total_unit: str, part_unit: str, kinds_of: dict, kind: str) -> bool:
    """A part's unit counts what the total counts: the same noun, one of the total's listed nouns ("xã" of "xã,
    thị trấn"), a longer or shorter form of it ("biên chế" of "biên chế công chức"), or a kind of it."""
    if kind == "money":
        return True
    if not total_unit or not part_unit:
        return False
    if total_unit == part_unit:
        return True
    comps = [c.strip() for c in regex.split(r",|(?<![\p{L}])và(?![\p{L}])", total_unit) if c.strip()] + [total_unit]
    for c in comps:
        if _syllables_prefix(c, part_unit) or _syllables_prefix(part_unit, c):
            return True
        for k in kinds_of.get(c, ()):
            if _syllables_prefix(k, part_unit):
                return True
    return False


def _stretch(p: Indicator, text: str, lst: _List) -> tuple[int, int]:
    """A part's own stretch of the list: between the separators around it."""
    a = p.char_start
    while a > lst.start and not PART_EDGE.match(text, a - 1):
        a -= 1
    b = p.char_end
    while b < lst.end and not PART_EDGE.match(text, b):
        b += 1
    return a, b


def _dimensions(parts: list[Indicator], text: str, lst: _List, w: Words) -> set[str]:
    """The dimensions the parts measure ("dài", "rộng", "cao trình"), as their stretches name them."""
    rx = w.rx("parts", "dimensions")
    found = set()
    for p in parts:
        a, b = _stretch(p, text, lst)
        found |= {" ".join(m.group().lower().split()) for m in rx.finditer(text, a, b)}
    return found


def _overlapping(parts: list[Indicator], total: Indicator, text: str, lst: _List, w: Words) -> bool:
    """The parts name groups that may overlap ("nữ", "dân tộc thiểu số"): words of ``subset_words`` in a part's
    own stretch of the list that the total's unit does not hold."""
    rx = w.rx("parts", "subset_words")
    for p in parts:
        a, b = _stretch(p, text, lst)
        for m in rx.finditer(text, a, b):
            if m.group().lower() not in total.unit:
                return True
    return False
