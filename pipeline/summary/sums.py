"""Which values the Summary adds up, and why the others are left out.

A Summary cell adds the values one document reports under one template section for one (kind, unit). A sum
is only right when every value in it is a separate amount of the same thing, so a value is summed when it is

- a ``count`` (measures included) or ``money``: percentages, ratios, dates, periods and references never add;
- not reviewed ``wrong`` (a ``fixed`` value counts with its corrected value);
- a plain number: no qualifier (``trên``, ``gần``, ``khoảng``, ``từ``/``đến`` of a range …) — an estimate or a
  bound is not an amount — and no ``per`` (``50.000 đồng/nhà`` is a rate, not money spent);
- of a named unit: a count whose unit is empty (a table cell whose headers name nothing) cannot be told
  apart from any other count;

and it does not count something already counted (double counting is the real risk in these reports):

- **a part of a figure just given**: ``215 văn bản (trong đó: 46 kế hoạch …)`` keeps 215 and leaves out a
  later value of the same kind and unit inside ``trong đó``/``gồm``/``cụ thể``/``chia ra``/brackets/after a
  colon (``862.796.456 đồng (trong đó … 24.000.000đ …)``; ``100 đơn (cấp thành phố 77 đơn; …)``), or in
  a sentence opening ``Trong đó …`` right after it;
- **a change, not an amount**: ``tăng 4 trường``, ``giảm 225 lượt, 261 người … so với năm 2022``;
- **a running total after a change**: ``kết nạp thêm 02 tổ chức thành viên, nâng tổng số lên 09`` keeps the 2;
- **the same figure twice**: a footnote or table value equal to a body value of the same section, kind and
  unit repeats it;
- **a table's parts beside its total**: where a table column has a total row (``Tổng cộng``, ``Toàn huyện``
  …) the other rows of that column are its parts; where a row has a total column (``Tổng số > …``) the
  other columns of that row are. The total is kept — it is the office's own figure and stays right when
  the rows nest sub-totals.

Every value left out keeps its reason (sheet ``Values``, column ``reason``), so the analyst can overrule it.
"""
from __future__ import annotations

import re

import pandas as pd

from ..grammar import table
from ..extraction.tables import TOTAL_LABEL

SUMMED_KINDS = ("count", "money")
_W = table("summary")["sums"]  # the words, as data: patterns/summary.toml [sums]


def _alt(phrases) -> str:
    return "|".join(r"\s+".join(map(re.escape, p.split())) for p in sorted(phrases, key=len, reverse=True))


def _change_word(words, exceptions) -> str:
    """A change word not inside a longer phrase that means something else (tăng cường, giảm nghèo)."""
    alts = []
    for w in sorted(words, key=len, reverse=True):
        tails = [_alt([e[len(w):]]) for e in exceptions if e.startswith(w + " ")]
        look = "".join(rf"(?!\s+{t})" for t in tails)
        alts.append(r"\s+".join(map(re.escape, w.split())) + look)
    return "(?:" + "|".join(alts) + ")"


OPENER = re.compile(rf"(?i)\b(?:{_alt(_W['part_openers'])})\b|\(|:")
SENTENCE_END = re.compile(r"[.!?](?:\s|$)|\n\s*[-+•*]\s")  # a sentence or a list item ends
LEADS_PARTS = re.compile(rf"(?i)^\W*(?:{_alt(_W['part_openers'])})\b")
CHANGE_WORD = _change_word(_W["change_words"], _W["not_change"])
CHANGE_BEFORE = re.compile(rf"(?i)\b{CHANGE_WORD}\s+(?:thêm\s+)?$")
CHANGE_CLAUSE = re.compile(rf"(?i)\b{CHANGE_WORD}\b")
COMPARED_AFTER = re.compile(rf"(?i)^[^;.()]{{0,80}}?\b(?:{_alt(_W['compared'])})")
RUNNING_BEFORE = re.compile(rf"(?i)\b(?:{_alt(_W['running_verbs'])})\b[^;.()]{{0,50}}?\b(?:{_alt(_W['running_particles'])})"
                            r"\s+(?:là\s+)?$")
CLAUSE_START = re.compile(r"[;.(]")
MAX_GAP = 300


def number(v: str) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if x == x else None


def is_total_col(col: str) -> bool:
    return any(TOTAL_LABEL.match(part) for part in col.split(" > ") if part.strip())


def reasons(ind: pd.DataFrame, texts: dict[str, str]) -> pd.Series:
    """One reason per indicator row why it is left out of the sums; "" for a row that is summed."""
    out = pd.Series([""] * len(ind), index=ind.index, dtype=object)
    review = ind["review"] if "review" in ind.columns else pd.Series([""] * len(ind), index=ind.index)
    for i, r in ind.iterrows():
        if r["kind"] not in SUMMED_KINDS:
            out[i] = f"{r['kind']} values are not added"
        elif review[i] == "wrong":
            out[i] = "reviewed wrong"
        elif number(r["value"]) is None:
            out[i] = "not a number"
        elif r["qualifier"]:
            out[i] = f"qualifier '{r['qualifier']}'"
        elif r["per"]:
            out[i] = f"per {r['per']}"
        elif not r["unit"].strip():
            out[i] = "no unit"
    _table_totals(ind, out)
    _in_text(ind, out, texts)
    _repeats(ind, out)
    return out


def _table_totals(ind: pd.DataFrame, out: pd.Series) -> None:
    cells = ind[(ind["origin"] == "table") & (out == "")]
    if cells.empty:
        return
    row_total = cells["total"] == "yes"
    col_total = cells["col"].map(is_total_col)
    for keys, why, flag in ((["doc_id", "table", "col", "kind", "unit"], "a part of the table's total row", row_total),
                            (["doc_id", "table", "row", "kind", "unit"], "a part of the row's total column", col_total)):
        for _, g in cells.groupby(keys, sort=False):
            f = flag[g.index]
            if f.any() and not f.all():
                for i in g.index[~f.values]:
                    if out[i] == "":
                        out[i] = why


def _pos(r) -> tuple[int, int] | None:
    try:
        return int(r["char_start"]), int(r["char_end"])
    except (TypeError, ValueError):
        return None


def _in_text(ind: pd.DataFrame, out: pd.Series, texts: dict[str, str]) -> None:
    """Parts of a figure just given, changes and running totals: read from the text around each value."""
    rows = ind[(ind["origin"] != "table") & ind["kind"].isin(SUMMED_KINDS)]
    for (doc, _sec, _kind, _unit), g in rows.groupby(["doc_id", "section_path", "kind", "unit"], sort=False):
        text = texts.get(doc)
        if text is None:
            continue
        prev, prev_part = None, False
        for i, r in sorted(g.iterrows(), key=lambda ir: _pos(ir[1]) or (0, 0)):
            p = _pos(r)
            if p is None:
                continue
            start, end = p
            before = " ".join(text[max(0, start - 120):start].split()) + " "
            after = " ".join(text[end:end + 120].split())
            clause = CLAUSE_START.split(before)[-1]
            why = ""
            if CHANGE_BEFORE.search(before) or (CHANGE_CLAUSE.search(clause) and COMPARED_AFTER.search(after)):
                why = "a change against another period"
            elif RUNNING_BEFORE.search(before):
                why = "a running total after a change"
            part = False
            if prev is not None and 0 <= start - prev < MAX_GAP:
                gap = text[prev:start]
                ends = [m.end() for m in SENTENCE_END.finditer(gap)]
                if prev_part and not ends and ")" not in gap:
                    part = True
                else:
                    m = None
                    for m in OPENER.finditer(gap):
                        pass
                    if m is not None:
                        opened_here = not any(e <= m.start() for e in ends)
                        leads = bool(ends) and ends[-1] <= m.start() and LEADS_PARTS.match(gap[ends[-1]:])
                        closed = ")" in gap[m.end():]
                        still = not any(e > m.end() for e in ends)
                        part = (opened_here or leads) and still and not closed
            if part and not why:
                why = "a part of the figure before it"
            if why and out[i] == "":
                out[i] = why
            prev, prev_part = end, part


def _repeats(ind: pd.DataFrame, out: pd.Series) -> None:
    c = ind[ind["kind"].isin(SUMMED_KINDS)]
    body = set(zip(*(c.loc[c["origin"] == "body", k] for k in ("doc_id", "section_path", "kind", "unit", "value"))))
    for i, r in c[c["origin"] != "body"].iterrows():
        if out[i] == "" and (r["doc_id"], r["section_path"], r["kind"], r["unit"], r["value"]) in body:
            out[i] = f"repeats a body figure ({r['origin']})"
