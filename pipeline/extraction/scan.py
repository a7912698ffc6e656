"""Where each rule can start: the scan plan of the extraction rules.

``finditer`` tries a rule at every position of the text. Most rules open with optional words — a qualifier list
("khoảng", "hơn", "gần như" …), "từ", "ngày", a document type — before a number; trying those word lists at every
position is most of the extraction time. A rule's match can only start where its first consuming element can:
at a digit, or where one of its opening words matches. So each document's possible starts are found once — the
digits, and each distinct opening (the qualifier list is one scan for all the rules that open with it) — and each
rule is then tried only there, left to right, the next try at or after the previous match's end. That finds
exactly the matches ``finditer(overlapped=False)`` finds: a match cannot start anywhere else, and ``match(text,
p)`` reads the text before ``p`` (lookbehinds) as ``finditer`` does.

The opening is read from the rule's own (expanded) regex, so an analyst's new rule is planned like the others.
A rule whose opening this cannot read (a backreference or a flag group first, or a first element that may match
nothing) is scanned with ``finditer``, as before. Hand-written because no library reads a regex's possible first
elements for the ``regex`` module's syntax (``sre_parse`` knows only ``re``'s; Hyperscan/RE2 are not this
engine and would not keep the rules' exact semantics).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import regex

DIGIT_CLASS = re.compile(r"\[(?:[0-9](?:-[0-9])?)+\]")  # a class of ASCII digits only: [0-9], [12], [1-9]
QUANTIFIER = re.compile(r"(?:[?*+]|\{(\d*)(?:,\d*)?\})[?+]?")
RUN_START = re.compile(r"(?<![0-9])[0-9]")
DIGIT = re.compile(r"[0-9]")


# ------------------------------------------------------------------------------ reading a regex source
def syntax(src: str, i: int = 0):
    """(index, character) of a regex source's own syntax from ``src[i]`` on: escapes and character classes
    skipped."""
    j = i
    while j < len(src):
        c = src[j]
        if c == "\\":
            j = _escape_end(src, j)
        elif c == "[":
            j = _class_end(src, j)
        else:
            yield j, c
            j += 1


def group_end(src: str, i: int) -> int:
    """The index after the parenthesised group opening at ``src[i]`` (-1: not closed)."""
    depth = 0
    for j, c in syntax(src, i):
        if c in "()":
            depth += 1 if c == "(" else -1
            if depth == 0:
                return j + 1
    return -1


def top_alternatives(body: str) -> list[str]:
    out, depth, start = [], 0, 0
    for j, c in syntax(body):
        if c in "()":
            depth += 1 if c == "(" else -1
        elif c == "|" and depth == 0:
            out.append(body[start:j])
            start = j + 1
    return out + [body[start:]]


def _escape_end(src: str, i: int) -> int:
    """The index after the escape at ``src[i]`` (``\\p{L}``, ``\\u00a0``, ``\\x41``, ``\\(`` …)."""
    c = src[i + 1] if i + 1 < len(src) else ""
    if c in "pPNx" and src.startswith("{", i + 2):
        return src.index("}", i + 2) + 1
    if c == "u":
        return i + 6
    if c == "x":
        return i + 4
    return i + 2


def _class_end(src: str, i: int) -> int:
    j = i + 1
    if src.startswith("^", j):
        j += 1
    if src.startswith("]", j):
        j += 1
    while j < len(src) and src[j] != "]":
        j += 2 if src[j] == "\\" else 1
    return j + 1


def elements(seq: str):
    """A sequence's elements as (source, minimum repeat): groups, classes, escapes and characters, each with its
    quantifier's minimum (0: optional)."""
    i = 0
    while i < len(seq):
        c = seq[i]
        if c == "(":
            j = group_end(seq, i)
        elif c == "[":
            j = _class_end(seq, i)
        elif c == "\\":
            j = _escape_end(seq, i)
        else:
            j = i + 1
        if j <= i or j > len(seq):
            raise ValueError("unreadable regex")
        elem, least = seq[i:j], 1
        q = QUANTIFIER.match(seq, j)
        if q:
            least = 0 if q.group(0)[0] in "?*" else (int(q.group(1) or 0) if q.group(0)[0] == "{" else 1)
            j = q.end()
        yield elem, least
        i = j


# ------------------------------------------------------------------------------------ the opening
@dataclass
class Opening:
    """Where a rule's match can start: at a digit (``digit``), also at a digit right after another digit
    (``mid_run``: no lookbehind before it forbids a digit), or where one of ``words`` (regex sources) matches."""

    digit: bool = False
    mid_run: bool = False
    words: set[str] = field(default_factory=set)

    def add(self, other: Opening) -> None:
        self.digit |= other.digit
        self.mid_run |= other.mid_run
        self.words |= other.words


class Unreadable(Exception):
    pass


def _forbids_digit(lookbehind: str, flags: int) -> bool:
    """``(?<![…])`` whose class holds every digit: no match starts right after a digit."""
    body = lookbehind[4:-1]
    if not lookbehind.startswith("(?<!") or not body.startswith("[") or _class_end(body, 0) != len(body):
        return False
    cls = regex.compile(body, flags)
    return all(cls.match(d) for d in "0123456789")


def _sequence(seq: str, flags: int, guarded: bool) -> tuple[Opening, bool]:
    """The opening of a sequence of elements (every element up to the first that must consume something), and
    whether the whole sequence may match nothing."""
    out = Opening()
    for elem, least in elements(seq):
        if elem.startswith(("(?<=", "(?<!")):
            guarded |= _forbids_digit(elem, flags)
            continue
        if elem.startswith(("(?=", "(?!")):
            continue
        o, empty = _element(elem, flags, guarded)
        out.add(o)
        if least and not empty:
            return out, False
    return out, True


def _element(elem: str, flags: int, guarded: bool) -> tuple[Opening, bool]:
    if DIGIT_CLASS.fullmatch(elem) or (len(elem) == 1 and elem.isdigit() and elem.isascii()):
        return Opening(digit=True, mid_run=not guarded), False
    if elem.startswith("(?P=") or elem.startswith("(?(") or regex.match(r"\(\?[a-zA-Z]*\)", elem):
        raise Unreadable("backreference, conditional or flag group")
    if elem.startswith("("):
        head = regex.match(r"\((?:\?:|\?P<\w+>|\?>|(?!\?))", elem)
        if head is None:  # a scoped-flag group "(?i:…)": a word as a whole (its alternatives need its flags)
            return Opening(words={elem}), False
        alts = [_sequence(a, flags, guarded) for a in top_alternatives(elem[head.end():-1])]
        empty = any(e for _, e in alts)
        if not any(a.digit for a, _ in alts):
            if all(e and not a.words for a, e in alts):
                return Opening(), True  # zero-width: lookarounds only
            return Opening(words={elem}), empty  # one scan for the whole group
        out = Opening()
        for a, _ in alts:
            out.add(a)
        return out, empty
    return Opening(words={elem}), False


def opening(pattern: str, flags: int) -> Opening | None:
    """Where a match of ``pattern`` can start (``None``: not read; scan it with finditer)."""
    if "(?x" in pattern or "(?V1" in pattern or "(?#" in pattern:
        return None
    try:
        out = Opening()
        for alt in top_alternatives(pattern):
            o, empty = _sequence(alt, flags, False)
            if empty:
                return None
            out.add(o)
        for w in out.words:
            if regex.compile(w, flags).fullmatch(""):
                return None  # a word that may match nothing would open anywhere
    except (Unreadable, ValueError, regex.error):
        return None
    return out


# ------------------------------------------------------------------------------------ the scan
class Plan:
    """The rules of a grammar, each with its opening; ``matches(text)`` gives every rule's matches."""

    def __init__(self, rules):
        self.rules = [(rule, opening(rule.rx.pattern, rule.rx.flags)) for rule in rules]
        self.words = {(w, rule.rx.flags): regex.compile(w, rule.rx.flags)
                      for rule, o in self.rules if o for w in o.words}

    def matches(self, text: str):
        """(rule, match) for every rule in the grammar's order, each rule's matches left to right."""
        runs = [m.start() for m in RUN_START.finditer(text)]
        digits = None
        found: dict[tuple, list[int]] = {}  # each opening word's matches, found once for all the rules
        merged: dict[tuple, list[int]] = {}
        for rule, o in self.rules:
            if o is None:
                for m in rule.rx.finditer(text, overlapped=False):
                    yield rule, m
                continue
            key = (o.digit, o.mid_run, tuple((w, rule.rx.flags) for w in sorted(o.words)))
            starts = merged.get(key)
            if starts is None:
                sets = []
                if o.digit:
                    if o.mid_run:
                        digits = digits if digits is not None else [m.start() for m in DIGIT.finditer(text)]
                    sets.append(digits if o.mid_run else runs)
                for w in key[2]:
                    if w not in found:
                        found[w] = [m.start() for m in self.words[w].finditer(text, overlapped=True)]
                    sets.append(found[w])
                starts = merged[key] = sets[0] if len(sets) == 1 else sorted(set().union(*sets))
            match, end = rule.rx.match, 0
            for p in starts:
                if p >= end:
                    m = match(text, p)
                    if m is not None:
                        yield rule, m
                        end = m.end()
