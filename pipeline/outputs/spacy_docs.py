"""spaCy documents: ``vnreport extract … --spacy`` writes ``docs.spacy``, a DocBin with one Doc per document.

Each Doc's text is the document text exactly (``doc.text == text/<doc_id>.txt``); its tokens are
underthesea's words (``hội nghị`` is one token, as spaCy's own Vietnamese tokenizer with pyvi makes them),
split further wherever an indicator or section starts or ends, so that every row is a span of whole
tokens. ``doc.spans["indicators"]`` holds one span per indicator row (label = ``kind``, ``id_`` = the row
``id``: spans with equal offsets stay apart), ``doc.spans["sections"]`` one span per section
(label = ``section_path``), and ``doc.user_data["doc_id"]`` names the document.

underthesea rewrites what it reads (NFC, tone placement ``thoả`` → ``thỏa``, ``ð`` → ``đ``, ``qui`` → ``quy``,
``nghành`` → ``ngành`` …) and returns words, not offsets, so only its grouping is taken: its words are aligned
back to the original characters (``align_words``) and the tokens are cut from the original text.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from .files import as_text as _str, atomic_write, records

if TYPE_CHECKING:  # a frame is accepted, pandas not needed to take rows
    import pandas as pd

__all__ = ["blank_vi", "build_doc", "load_docs", "write_docbin", "align_words", "segment_words"]

BLANK_VI_CONFIG = {"nlp": {"tokenizer": {"use_pyvi": False}}}


def blank_vi():
    """The contract's pipeline: ``spacy.blank("vi")`` without pyvi (no model, nothing downloaded)."""
    import spacy

    return spacy.blank("vi", config=BLANK_VI_CONFIG)


# --------------------------------------------------------------------------------------------------------------
# Aligning underthesea's words to the original characters
#
# Why by hand: spaCy's own ``Alignment.from_strings`` only accepts two tokenisations of the *same* string
# (it raises when the characters differ, and underthesea's differ), and pytokenizations / spacy-alignments are
# not dependencies of the project. So both sides are reduced to a "skeleton" (NFKD, combining marks dropped,
# lower case, đ/ð → d, every quote → ", whitespace dropped): tone placement, NFC/NFD and case then vanish, and
# the skeletons are equal for nearly every line (a plain zip). Where they still differ (qui → quy, ngh → ng,
# dropped or added characters) rapidfuzz — already a dependency, C++ — gives the Levenshtein edit script, whose
# matched characters carry the word numbers over; an original character left without one joins the character
# before it (or after it) in the same run of non-space characters.
# --------------------------------------------------------------------------------------------------------------

_QUOTES = set("\"'`´‘’‚‛“”„‟″‶ʺʹ〝〞＂＇«»‹›")
_SKELETON: dict[str, str] = {}


def _skeleton(ch: str) -> str:
    s = _SKELETON.get(ch)
    if s is None:
        if ch.isspace():
            s = ""
        elif ch in _QUOTES:
            s = '"'
        else:
            s = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).lower()
            s = s.replace("đ", "d").replace("ð", "d")
            s = "".join('"' if c in _QUOTES else c for c in s if not c.isspace())
        _SKELETON[ch] = s
    return s


def _word_labels(segment: str, words: list[str]) -> list[int | None]:
    """For each character of ``segment``, the number of the underthesea word it belongs to (None: whitespace)."""
    orig, omap = [], []
    for i, ch in enumerate(segment):
        for c in _skeleton(ch):
            orig.append(c)
            omap.append(i)
    mine, wmap = [], []
    for j, w in enumerate(words):
        for ch in w:
            for c in _skeleton(ch):
                mine.append(c)
                wmap.append(j)
    labels: list[int | None] = [None] * len(segment)
    o, u = "".join(orig), "".join(mine)
    if o == u:
        for k, i in enumerate(omap):
            if labels[i] is None:
                labels[i] = wmap[k]
    else:
        from rapidfuzz.distance import Levenshtein

        for op in Levenshtein.opcodes(o, u):
            if op.tag not in ("equal", "replace"):
                continue
            n_src, n_dst = op.src_end - op.src_start, op.dest_end - op.dest_start
            for k in range(n_src):  # a replace of unequal lengths is spread evenly (monotone)
                i = omap[op.src_start + k]
                if labels[i] is None:
                    labels[i] = wmap[op.dest_start + (k * n_dst) // n_src]
    # characters without a word (combining marks, dropped or changed characters) join their neighbour in the
    # same run of non-space characters; a run with none at all becomes a word of its own
    fresh = len(words)
    n = len(segment)
    i = 0
    while i < n:
        if segment[i].isspace():
            i += 1
            continue
        j = i
        while j < n and not segment[j].isspace():
            j += 1
        run = labels[i:j]
        if None in run:
            known = [x for x in run if x is not None]
            if not known:
                run = [fresh] * (j - i)
                fresh += 1
            else:
                prev = known[0]
                for k, x in enumerate(run):
                    if x is None:
                        run[k] = prev
                    else:
                        prev = x
            labels[i:j] = run
        i = j
    return labels


def align_words(segment: str, words: list[str]) -> list[tuple[int, int]]:
    """Character ranges in ``segment`` of the words ``words`` (underthesea's output for ``segment``, which may
    be spelt differently). The ranges cover every non-space character of ``segment``, in order, never start or
    end with whitespace; a word spans the spaces inside it only where they are single plain spaces (a tab or a
    double space splits it, as spaCy would keep that whitespace as a token of its own)."""
    labels = _word_labels(segment, words)
    pieces: list[list] = []  # [start, end, label]
    i, n = 0, len(segment)
    while i < n:
        if segment[i].isspace():
            i += 1
            continue
        j = i + 1
        while j < n and not segment[j].isspace() and labels[j] == labels[i]:
            j += 1
        if pieces and pieces[-1][2] == labels[i] and segment[pieces[-1][1]:i] == " ":
            pieces[-1][1] = j
        else:
            pieces.append([i, j, labels[i]])
        i = j
    return [(s, e) for s, e, _ in pieces]


# Runs of non-space characters joined by plain spaces: a line, or a table cell (tabs, newlines, no-break
# spaces … end a run). underthesea reads each run on its own: it would join words across a line break
# ("A\r\nB" → one word "A B"), and one short call per line is as fast as one long call.
_RUN = re.compile(r"\S+(?: +\S+)*")


def _word_tokenize(segment: str) -> list[str]:
    from underthesea import word_tokenize

    try:
        return word_tokenize(segment)
    except Exception:  # noqa: BLE001 — a line underthesea cannot read keeps its space-separated syllables
        return segment.split()


def segment_words(text: str, cache: dict[str, list[tuple[int, int]]] | None = None) -> list[tuple[int, int]]:
    """underthesea's words of ``text`` as ``(start, end)`` offsets in ``text`` (no whitespace at either end)."""
    cache = {} if cache is None else cache
    out: list[tuple[int, int]] = []
    for m in _RUN.finditer(text):
        seg = m.group()
        ranges = cache.get(seg)
        if ranges is None:
            ranges = cache[seg] = align_words(seg, _word_tokenize(seg))
        base = m.start()
        out.extend((base + s, base + e) for s, e in ranges)
    return out


# --------------------------------------------------------------------------------------------------------------
# Docs
# --------------------------------------------------------------------------------------------------------------

def _rows(table) -> list[dict]:
    if table is None:
        return []
    if hasattr(table, "itertuples"):  # a DataFrame
        return records(table)
    return list(table)


def _offsets(row: dict) -> tuple[int, int]:
    return int(row["char_start"]), int(row["char_end"])


def _tokens(text: str, words: list[tuple[int, int]], starts: set[int], ends: set[int]):
    """spaCy words and spaces for ``text``: ``words`` cut at every span boundary, whitespace between them as
    spaCy keeps it (one plain space after a word is its trailing space, the rest of a gap is a token), but a
    space a span starts or ends at is a token of its own."""
    cuts = sorted(starts | ends)

    def cut(s: int, e: int) -> list[int]:
        lo, hi = bisect.bisect_right(cuts, s), bisect.bisect_left(cuts, e)
        return [s, *cuts[lo:hi], e]

    out_words: list[str] = []
    spaces: list[bool] = []

    def gap(g0: int, g1: int, after_word: bool) -> None:
        if g0 >= g1:
            return
        if after_word and text[g0] == " " and g0 not in starts and g0 + 1 not in ends:
            spaces[-1] = True
            g0 += 1
        bounds = cut(g0, g1)
        for a, b in zip(bounds, bounds[1:]):
            if a < b:
                out_words.append(text[a:b])
                spaces.append(False)

    pos = 0
    for s, e in words:
        bounds = cut(s, e)
        for a, b in zip(bounds, bounds[1:]):
            # a piece of a word cut inside it may begin or end with the space between two syllables
            a2, b2 = a, b
            while a2 < b2 and text[a2].isspace():
                a2 += 1
            while b2 > a2 and text[b2 - 1].isspace():
                b2 -= 1
            if a2 == b2:
                continue
            gap(pos, a2, bool(out_words) and not out_words[-1].isspace() and not spaces[-1])
            out_words.append(text[a2:b2])
            spaces.append(False)
            pos = b2
    gap(pos, len(text), bool(out_words) and not out_words[-1].isspace() and not spaces[-1])
    return out_words, spaces


def _span(doc, start: int, end: int, label: str, span_id: str):
    from spacy.tokens import Span

    if start == end:  # an empty span sits before the token starting there (or at the end of the Doc)
        i = next((t.i for t in doc if t.idx >= start), len(doc))
        return Span(doc, i, i, label=label, span_id=span_id)
    sp = doc.char_span(start, end, label=label, span_id=span_id)
    if sp is None:  # cannot happen: the tokens are cut at every boundary
        raise ValueError(f"span {start}:{end} does not fall on token boundaries")
    return sp


def build_doc(nlp_or_vocab, text: str, indicators=None, sections=None, doc_id: str | None = None,
              _cache: dict | None = None):
    """One Doc for one document: ``text`` exactly, underthesea's words cut at every row boundary,
    ``spans["indicators"]`` (label kind, id_ the row id) and ``spans["sections"]`` (label section_path).
    ``indicators`` and ``sections`` are this document's rows (list of dicts or a DataFrame)."""
    from spacy.tokens import Doc

    vocab = getattr(nlp_or_vocab, "vocab", nlp_or_vocab)
    ind, sec = _rows(indicators), _rows(sections)
    n = len(text)
    starts, ends = set(), set()
    for r in (*ind, *sec):
        s, e = _offsets(r)
        if not 0 <= s <= e <= n:
            raise ValueError(f"row offsets {s}:{e} outside the text ({n} characters)"
                             + (f" of {doc_id}" if doc_id else ""))
        starts.add(s)
        ends.add(e)
    words, spaces = _tokens(text, segment_words(text, _cache), starts, ends)
    doc = Doc(vocab, words=words, spaces=spaces)
    assert doc.text == text
    doc.spans["indicators"] = [_span(doc, *_offsets(r), _str(r.get("kind")), _str(r.get("id"))) for r in ind]
    doc.spans["sections"] = [_span(doc, *_offsets(r), _str(r.get("section_path")), "") for r in sec]
    if doc_id is not None:
        doc.user_data["doc_id"] = doc_id
    return doc


def _by_doc(table: pd.DataFrame | None) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in _rows(table):
        out.setdefault(_str(r.get("doc_id")), []).append(r)
    return out


def build_docs(texts: dict[str, str], indicators: pd.DataFrame | None, sections: pd.DataFrame | None,
               nlp=None) -> list:
    nlp = nlp or blank_vi()
    ind, sec = _by_doc(indicators), _by_doc(sections)
    cache: dict = {}  # repeated lines (headers, signatures) are segmented once
    return [build_doc(nlp, text, ind.get(doc_id, []), sec.get(doc_id, []), doc_id=doc_id, _cache=cache)
            for doc_id, text in texts.items()]


def write_docbin(path: Path, texts: dict[str, str], indicators: pd.DataFrame, sections: pd.DataFrame) -> None:
    """Write ``docs.spacy``: one Doc per document of ``texts`` (doc_id → text), in that order."""
    from spacy.tokens import DocBin

    db = DocBin(store_user_data=True)
    for doc in build_docs(texts, indicators, sections):
        db.add(doc)
    data = db.to_bytes()

    def w(tmp):
        with open(tmp, "wb") as f:
            f.write(data)

    atomic_write(Path(path), w)


def load_docs(path: Path | str, nlp=None) -> list:
    """The Docs of a ``docs.spacy``, read with the contract's blank Vietnamese vocab."""
    from spacy.tokens import DocBin

    nlp = nlp or blank_vi()
    return list(DocBin().from_disk(path).get_docs(nlp.vocab))

