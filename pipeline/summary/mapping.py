"""Mapping: every numbered section of every document → a section of the template.

1. **Numbering.** A report that follows the template (most of its sections sit at a template path, the part
   label read as its number: "PHẦN I" = "Phần thứ nhất", under a title that scores close to the best
   there) keeps its numbering: a section at a template path goes there (``numbering``).
2. **Title and content.** Every other section is scored against every template section, 60 % titles and
   40 % contents. Titles: rapidfuzz token-set and token-sort ratios and an IDF-weighted cosine of syllables
   and syllable pairs; contents: the same cosine of the heading and the first lines under it against the
   template's instructions. Before comparing: NFC, casefold, no heading number, no notes in brackets, no
   digits, none of the words every heading shares ("kết quả", "công tác", "tình hình", "việc", "về",
   function words); IDF over the template and the whole batch weighs down what every section says. Two
   things of the genre are made explicit: the *role* a heading opens with (assessment, strengths,
   weaknesses, proposals, plans: "Tồn tại, hạn chế" meets "Hạn chế, yếu kém và nguyên nhân") and "năm
   <year>" read against the report's own year (the year it names most): the same year is this year's
   results, a later one next year's programme.
3. **Monotone alignment.** Reports tell their story in the template's order (results, assessment, next
   year's programme), so a dynamic programme over (document sections × template sections) picks the
   assignment of highest total score whose template positions never go back — except inside one top-level
   part of the template, at a small cost (districts order their topics freely) — where several sections
   may share a target and a weak match is left out. A child's score is raised inside its parent's match and
   the alignment run again. A section the order left out whose match is strong anyway (a report that puts
   its proposals last) takes it; a section whose children spread over the parts of one template section
   goes to that section.
4. **Inheritance.** A section still without a match takes its parent's place (``inherited``); a top-level
   one without a match is ``unmapped``. Nothing is dropped.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from ..grammar import table
from .template import Node, Template

# the genre's words, as data (patterns/summary.toml [mapping]): generic heading words that say nothing about the
# topic, function words, words dropped from a heading's start, and the roles every report gives its parts
# ("Tồn tại, hạn chế" meets "Hạn chế, yếu kém và nguyên nhân" through the role #weakness)
_W = table("summary")["mapping"]
GENERIC = tuple(_W["generic"])
FUNCTION = set(_W["function_words"])
ROLES = {f"#{role}": tuple(phrases) for role, phrases in _W["roles"].items()}
LEADING = set(_W["leading"])
BRACKETS = re.compile(r"\([^()]*\)?")
YEAR = re.compile(r"\bnăm\s+((?:19|20)\d\d)\b")
NON_WORD = re.compile(r"[^\w\s]|\d|_")

ROLE_WEIGHT = 2.5  # a role or year word weighs that much more than a topic word
CONTENT = 0.4  # weight of the contents against the titles
KEEP = 0.20  # the least score (with the bonuses below) the alignment may use
MIN_RAW = 0.16  # the least score of its own a match needs
STRONG = 0.55  # a score that may break the report's order (see align)
BACK = 0.06  # the cost of going back inside one part of the template
FOLLOW = 0.6  # share of a report's sections at a template path under a similar title: it follows the template
SIMILAR = 0.5  # a title that similar at the same path counts for FOLLOW
PARENT_BONUS = 0.08  # a child's score inside its parent's match
DEPTH_BONUS = 0.04  # same depth in the outline
NUMBERING_BONUS = 0.5  # the same path, in a report that follows the template

# mapping.csv's columns (CONTRACT: Province summary)
MAPPING_COLUMNS = ["doc_id", "section_path", "section_title", "template_path", "template_title", "score", "method"]


def report_year(texts: list[str]) -> int | None:
    """The year a report is about: the year its text names most often after "năm" (ties: the earlier)."""
    c = Counter(int(y) for t in texts for y in YEAR.findall(t.casefold()))
    return min(c, key=lambda y: (-c[y], y)) if c else None


def roles(flat: str) -> list[str]:
    """The roles a heading opens with ("Những tồn tại, hạn chế" → #weakness; not "… ý kiến, kiến nghị")."""
    words = flat.split()
    while words and (words[0] in FUNCTION or words[0] in LEADING):
        words = words[1:]
    head = " " + " ".join(words[:5]) + " "
    return [r for r, phrases in ROLES.items() if any(head.startswith(f" {p} ") for p in phrases)]


def clean(s: str, brackets: bool = True, year: int | None = None, heading: bool = True) -> str:
    """Words of a heading or text for comparing: NFC, casefold, no brackets, numbers, generic or function
    words. A heading also gets its role (ROLES) and "năm <year>" as #y0 (the report's year) or #y1 (a later
    one, which makes it the next year's programme: #plan)."""
    s = unicodedata.normalize("NFC", s).casefold()
    if brackets:
        s = BRACKETS.sub(" ", s)
    flat = " " + " ".join(NON_WORD.sub(" ", s).split()) + " "
    extra = []
    if heading:
        if year is not None:
            extra += ["#y1" if int(y) > year else "#y0" for y in YEAR.findall(s)]
        extra += roles(flat)
        if "#y1" in extra and "#plan" not in extra:
            extra.append("#plan")
    for g in GENERIC:
        flat = flat.replace(f" {g} ", " ")
    return " ".join([w for w in flat.split() if w not in FUNCTION] + extra)


def tokens(s: str) -> list[str]:
    ws = [w for w in s.split() if not w.startswith("#")]
    return s.split() + [f"{a}_{b}" for a, b in zip(ws, ws[1:])]


class Vectoriser:
    """IDF-weighted bags of syllables and syllable pairs, IDF over every text the summary compares."""

    def __init__(self, texts: list[str]):
        df = Counter()
        for t in texts:
            df.update(set(tokens(t)))
        n = len(texts) or 1
        self.idf = {w: math.log((1 + n) / (1 + c)) + 1 for w, c in df.items()}

    def vec(self, s: str) -> dict[str, float]:
        c = Counter(tokens(s))
        v = {w: (1 + math.log(k)) * self.idf.get(w, 1.0) * (ROLE_WEIGHT if w[0] == "#" else 1.0)
             for w, k in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {w: x / norm for w, x in v.items()}


def cosine(a: list[dict], b: list[dict]) -> np.ndarray:
    out = np.zeros((len(a), len(b)))
    for i, va in enumerate(a):
        for j, vb in enumerate(b):
            small, big = (va, vb) if len(va) < len(vb) else (vb, va)
            out[i, j] = sum(x * big.get(w, 0.0) for w, x in small.items())
    return out


@dataclass
class Texts:
    """A list of sections as the scorer compares them: cleaned titles and contents."""

    titles: list[str]
    contents: list[str]

    @classmethod
    def of(cls, nodes: list[Node], limit: int = 1200) -> Texts:
        y = report_year([n.title + " " + n.text for n in nodes])
        return cls([clean(n.title, year=y) for n in nodes],
                   [clean(n.title + " " + n.text[:limit], brackets=False, heading=False) for n in nodes])


class Scorer:
    """Scores (document sections × template sections) in 0..1: titles 60 %, contents 40 %."""

    def __init__(self, template: Template, vectoriser: Vectoriser):
        self.template = template
        self.vectoriser = vectoriser
        self.t = Texts.of(template.nodes)
        self.t_tvec = [vectoriser.vec(s) for s in self.t.titles]
        self.t_cvec = [vectoriser.vec(s) for s in self.t.contents]

    def features(self, d: Texts) -> dict[str, np.ndarray]:
        plain = [" ".join(w for w in s.split() if not w.startswith("#")) for s in d.titles]
        t_plain = [" ".join(w for w in s.split() if not w.startswith("#")) for s in self.t.titles]
        tset = process.cdist(plain, t_plain, scorer=fuzz.token_set_ratio) / 100.0
        tsort = process.cdist(plain, t_plain, scorer=fuzz.token_sort_ratio) / 100.0
        tcos = cosine([self.vectoriser.vec(s) for s in d.titles], self.t_tvec)
        ccos = cosine([self.vectoriser.vec(s) for s in d.contents], self.t_cvec)
        return {"set": tset, "sort": tsort, "tcos": tcos, "ccos": ccos}

    def score(self, d: Texts) -> np.ndarray:
        f = self.features(d)
        title = 0.1 * f["set"] + 0.2 * f["sort"] + 0.7 * f["tcos"]
        return np.clip((1 - CONTENT) * title + CONTENT * f["ccos"], 0.0, 1.0)


@dataclass
class Match:
    target: int | None  # template node index
    score: float
    method: str  # numbering | title | inherited | unmapped
    closest: int | None = None  # the best-scoring template section (what an unmapped section came closest to)


def ancestors(nodes: list[Node], i: int) -> list[int]:
    """i, its parent, …, its top-level ancestor."""
    out = []
    while i is not None:
        out.append(i)
        i = nodes[i].parent
    return out


PART_WORDS = {w: k for k, w in enumerate(["nhất", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười"], 1)}
PART_WORDS.update({"một": 1, "bốn": 4})
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}


def canonical(path: str) -> str:
    """A path as numbering compares it: casefolded, a part label as its number ("PHẦN I", "Phần thứ nhất",
    "Phần 1" → "phần 1")."""
    labels = unicodedata.normalize("NFC", path).casefold().split(" > ")
    words = labels[0].split()
    if words and words[0] == "phần" and len(words) > 1:
        w = words[-1]
        n = PART_WORDS.get(w) or ROMAN.get(w) or (int(w) if w.isdigit() else None)
        if n:
            labels[0] = f"phần {n}"
    return " > ".join(labels)


def follows(doc: list[Node], template: Template, s: np.ndarray) -> bool:
    """Does the report keep the template's numbering? Most of its sections sit at a template path with a
    title close to the template's there."""
    idx = {canonical(n.path): j for j, n in enumerate(template.nodes)}
    at = [(i, idx[canonical(n.path)]) for i, n in enumerate(doc) if canonical(n.path) in idx]
    if not doc or len(at) < FOLLOW * len(doc):
        return False
    return sum(s[i, j] >= SIMILAR * s[i].max() and s[i, j] >= KEEP for i, j in at) >= FOLLOW * len(at)


def align(s: np.ndarray, raw: np.ndarray, top: list[int]) -> list[int | None]:
    """The assignment of highest total (score − KEEP) whose template positions never go back, except inside
    one top-level part of the template (at a cost BACK); several sections may share a target, weak ones stay
    out. Dynamic programme over (section, furthest template position so far)."""
    n, m = s.shape
    gain = np.where(raw >= MIN_RAW, s - KEEP, -1.0)
    top = np.asarray(top)
    neg = -1e9
    best = np.full(m + 1, neg)  # state j+1: furthest template position j so far; state 0: none yet
    best[0] = 0.0
    back: list[np.ndarray] = []
    ks = np.arange(m)
    for i in range(n):
        new = best.copy()  # leave section i out
        choice = np.full((m + 1, 2), -1, dtype=int)  # (previous state, target) or -1: left out
        useful = gain[i] > 0
        for state in np.flatnonzero(best > neg / 2):
            far = state - 1
            # go on to k ≥ far: the furthest position becomes k
            cand = np.where(useful & (ks >= far), best[state] + gain[i], -np.inf)
            better = np.flatnonzero(cand > new[1:] + 1e-12)
            new[better + 1] = cand[better]
            choice[better + 1, 0], choice[better + 1, 1] = state, better
            if far >= 0:  # go back inside the same part: the furthest position stays
                behind = useful & (ks < far) & (top == top[far])
                if behind.any():
                    k = int(np.argmax(np.where(behind, gain[i], -np.inf)))
                    v = best[state] + gain[i, k] - BACK
                    if v > new[state] + 1e-12:
                        new[state], choice[state] = v, (state, k)
        back.append(choice)
        best = new
    out: list[int | None] = [None] * n
    state = int(np.argmax(best))
    for i in range(n - 1, -1, -1):
        prev, k = back[i][state]
        if prev >= 0:
            out[i] = int(k)
            state = int(prev)
    return out


def common_target(template: list[Node], targets: list[int]) -> int | None:
    """The deepest template section enclosing at least two thirds of ``targets`` (two or more)."""
    if len(targets) < 2:
        return None
    count = Counter(a for t in targets for a in ancestors(template, t))
    need = math.ceil(2 * len(targets) / 3)
    ok = [a for a, c in count.items() if c >= need]
    return max(ok, key=lambda a: template[a].depth) if ok else None


def map_document(doc: list[Node], scorer: Scorer) -> list[Match]:
    template = scorer.template
    tn = template.nodes
    raw = scorer.score(Texts.of(doc))
    s = raw.copy()
    depth_t = np.array([n.depth for n in tn])
    s = s + DEPTH_BONUS * (np.array([n.depth for n in doc])[:, None] == depth_t[None, :])
    numbered = follows(doc, template, s)
    idx = {canonical(n.path): j for j, n in enumerate(tn)}
    if numbered:
        for i, n in enumerate(doc):
            if canonical(n.path) in idx:
                s[i, idx[canonical(n.path)]] += NUMBERING_BONUS
    top = [ancestors(tn, k)[-1] for k in range(len(tn))]
    inside = np.zeros((len(tn), len(tn)), dtype=bool)  # inside[a, k]: k is a strict descendant of a
    for k in range(len(tn)):
        for a in ancestors(tn, k)[1:]:
            inside[a, k] = True
    assigned = align(s, raw, top)
    for _ in range(2):  # a child prefers the inside of its parent's match
        bonus = np.zeros_like(s)
        for i, n in enumerate(doc):
            if n.parent is not None and assigned[n.parent] is not None:
                bonus[i] = PARENT_BONUS * inside[assigned[n.parent]]
        assigned = align(s + bonus, raw, top)
    # a section the order left out whose match is strong anyway (a report that moved a part)
    for i in range(len(doc)):
        if assigned[i] is None and raw[i].max() >= STRONG:
            assigned[i] = int(np.argmax(s[i]))
    # a section whose children spread over a template section's parts goes to that section
    children: dict[int, list[int]] = {}
    for i, n in enumerate(doc):
        if n.parent is not None:
            children.setdefault(n.parent, []).append(i)
    for i in sorted(children, key=lambda i: -doc[i].depth):
        ts = [assigned[c] for c in children[i] if assigned[c] is not None]
        a = common_target(tn, ts)
        p = doc[i].parent
        above = assigned[p] if p is not None else None
        if a is None or (above is not None and (a == above or inside[a, above])):
            continue  # nothing more precise than what the parent gives
        if raw[i, a] >= MIN_RAW / 2 and (assigned[i] is None or inside[a, assigned[i]]):
            assigned[i] = a
    out: list[Match] = []
    for i, n in enumerate(doc):
        k = assigned[i]
        if k is not None:
            method = "numbering" if numbered and canonical(tn[k].path) == canonical(n.path) else "title"
            out.append(Match(k, float(raw[i, k]), method))
            continue
        p = n.parent
        if p is not None and out[p].target is not None:
            out.append(Match(out[p].target, float(raw[i, out[p].target]), "inherited"))
        else:
            k = int(np.argmax(raw[i]))
            out.append(Match(None, float(raw[i, k]), "unmapped", k))
    return out
