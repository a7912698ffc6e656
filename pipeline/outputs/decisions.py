"""Decisions: the analyst's review (``decisions.csv`` exported from the review pages) merged into OUTDIR.

``vnreport apply OUTDIR DECISIONS.csv``. Each line is ``id,decision,value,note`` with decision ``ok``, ``wrong``
or ``fix``. The indicator table gets ``review`` (``ok`` / ``wrong`` / ``fixed``), the corrected ``value`` with
the extracted one kept in ``value_extracted``, and the analyst's ``review_note``. Rows the file does not name
keep what earlier files decided, so decisions can be applied in several rounds; a later line about the same id
wins. Applying the same file twice changes nothing: the extracted value is always the one kept in
``value_extracted`` (or ``value`` when the row was never fixed).

The whole file is checked before anything is written: an unknown id, an unknown decision or a value that does not
parse for the row's kind is a one-line error naming the line, and OUTDIR stays as it was.
"""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

from ..i18n import _
from .files import kind_name, read_tables, write_tables

DECISIONS = {"ok": "ok", "accept": "ok", "wrong": "wrong", "reject": "wrong", "fix": "fixed", "fixed": "fixed"}
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
VALUE_FORMS = {  # the normalised form of each kind's value (CONTRACT: indicators.csv `value`)
    "count": NUMBER,
    "money": re.compile(r"-?\d+"),
    "percent": NUMBER,
    "ratio": re.compile(r"\d+(?:\.\d+)?/\d+(?:\.\d+)?"),
    "date": re.compile(r"\d{4}-\d{2}-\d{2}|\d{4}-\d{2}|--\d{2}-\d{2}"),
    "period": re.compile(r"(?:\d{4}(?:-\d{2}(?:-\d{2})?)?)/(?:\d{4}(?:-\d{2}(?:-\d{2})?)?)"),
    "doc_ref": re.compile(r"\S+"),
}


def hint(kind: str) -> str:
    """How a value of ``kind`` is written in indicators.csv, in words."""
    hints = {"count": _("a number like 1250 or 1.5"), "money": _("whole VND like 130700000"),
             "percent": _("a number like 95.5"), "ratio": _("n/d like 68/75"),
             "date": _("ISO like 2023-09-13, 2023-11 or --03-22"),
             "period": _("ISO like 2023-01-01/2023-12-31 or 2024/2029"), "doc_ref": _("a code without spaces")}
    return hints.get(kind) or _("as in indicators.csv")


class DecisionError(Exception):
    """A decisions file that cannot be applied; nothing was changed."""


def read_decisions(path: Path, kinds: dict[str, str]) -> dict[str, tuple[str, str, str]]:
    """id → (review, value, note), checked line by line against the ids and kinds of the table."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DecisionError(_("{path}: cannot be read ({reason})").format(path=path, reason=e.strerror or e)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DecisionError(_("{path}: not UTF-8 text").format(path=path)) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "id" not in header or "decision" not in header:
        raise DecisionError(_("{path} line {line}: the header must name the columns id,decision,value,note")
                            .format(path=path, line=1))
    reader.fieldnames = header
    out: dict[str, tuple[str, str, str]] = {}
    for row in reader:
        line = reader.line_num
        rid = (row.get("id") or "").strip()
        if not rid and not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # a blank line
        if rid not in kinds:
            raise DecisionError(_("{path} line {line}: unknown id '{id}'").format(path=path, line=line, id=rid))
        word = (row.get("decision") or "").strip().lower()
        if word not in DECISIONS:
            raise DecisionError(_("{path} line {line}: decision '{decision}' is not ok, wrong or fix")
                                .format(path=path, line=line, decision=word))
        review, value = DECISIONS[word], (row.get("value") or "").strip()
        if review == "fixed":
            kind = kinds[rid]
            form = VALUE_FORMS.get(kind, re.compile(r".+"))
            if not form.fullmatch(value):
                raise DecisionError(_("{path} line {line}: value '{value}' of {id} is not a {kind} value ({hint})")
                                    .format(path=path, line=line, value=value, id=rid, kind=kind_name(kind),
                                            hint=hint(kind)))
        else:
            value = ""
        out[rid] = (review, value, (row.get("note") or "").strip())
    return out


def apply(outdir: Path, decisions: Path, lang: str | None = None) -> Counter:
    """Merge ``decisions`` into OUTDIR's tables, workbook and review pages; the counts of each review state. The
    workbook is rewritten in ``lang`` (default: the current language)."""
    if not (outdir / "indicators.csv").is_file():
        raise DecisionError(_("{path}: not an extract OUTDIR (indicators.csv not found)").format(path=outdir))
    tables = read_tables(outdir)
    ind = tables["indicators"]
    for col in ("review", "value_extracted", "review_note"):
        if col not in ind.columns:
            ind[col] = ""
    decided = read_decisions(decisions, dict(zip(ind["id"], ind["kind"])))
    index = {rid: i for i, rid in enumerate(ind["id"])}
    values, kept = ind["value"].tolist(), ind["value_extracted"].tolist()
    reviews, notes = ind["review"].tolist(), ind["review_note"].tolist()
    for rid, (review, value, note) in decided.items():
        i = index[rid]
        extracted = kept[i] if kept[i] != "" else values[i]
        reviews[i], notes[i] = review, note
        if review == "fixed":
            values[i], kept[i] = value, extracted
        else:  # ok / wrong speak of the extracted value: it comes back if an earlier round had fixed it
            values[i], kept[i] = extracted, ""
    ind["value"], ind["value_extracted"], ind["review"], ind["review_note"] = values, kept, reviews, notes
    write_tables(outdir, tables, lang)
    from .review import write_review_from_outdir

    write_review_from_outdir(outdir)
    counts = Counter(r for r in reviews if r)
    return Counter({k: counts.get(k, 0) for k in ("ok", "wrong", "fixed")})
