"""``summarise``: an extract OUTDIR + the template → ``mapping.csv`` and ``summary.xlsx``.

Documents whose status is not ``ok`` (failed, skipped) have no sections and no values: they get no column
in the Summary and are named in what the command prints.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..i18n import _
from ..outputs.files import read_table, review_pages, write_csv
from . import sums
from .answers import ANSWER_COLUMNS, Answer, answer_all, place_by_answers, structural_reasons
from .asks import Ask, load_asks, read_asks
from .mapping import MAPPING_COLUMNS, Match, Scorer, Texts, Vectoriser, map_document
from .template import Node, SummaryError, Template, link_parents, load_template

TABLES = ("indicators.csv", "sections.csv", "documents.csv")
METHODS = ("numbering", "title", "inherited", "unmapped")
STATUSES = ("reported", "parts", "conflict", "not reported")


def read_outdir(outdir: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    if not outdir.is_dir():
        raise SummaryError(_("OUTDIR not found: {path} (run vnreport extract first)").format(path=outdir))
    missing = [t for t in TABLES if not (outdir / t).is_file()]
    if missing:
        raise SummaryError(_("{path} has no {files}: not an extract OUTDIR (run vnreport extract)").format(
            path=outdir, files=", ".join(missing)))
    tables = {}
    for t in TABLES:
        try:
            tables[t[:-4]] = read_table(outdir / t)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
            raise SummaryError(_("{path} cannot be read ({error})").format(path=outdir / t, error=type(e).__name__)) from None
    need = {"indicators": ["doc_id", "kind", "value", "unit", "qualifier", "section_path", "id", "per"],
            "sections": ["doc_id", "section_path", "title", "char_start", "char_end"],
            "documents": ["doc_id", "status"]}
    for key, cols in need.items():
        lack = [c for c in cols if c not in tables[key].columns]
        if lack:
            raise SummaryError(_("{path} lacks column(s) {columns}").format(path=outdir / (key + ".csv"),
                                                                           columns=", ".join(lack)))
    for c in ("origin", "total", "table", "row", "col", "char_start", "char_end", "context", "text"):
        if c not in tables["indicators"].columns:
            tables["indicators"][c] = ""
    texts = {}
    for doc in tables["documents"]["doc_id"]:
        f = outdir / "text" / f"{doc}.txt"
        if f.is_file():
            with open(f, encoding="utf-8", newline="") as fh:
                texts[doc] = fh.read()
    return tables, texts


def doc_nodes(rows: list[dict], text: str) -> list[Node]:
    nodes = []
    for k, r in enumerate(rows):
        try:
            st, en = int(r["char_start"]), int(r["char_end"])
            nx = int(rows[k + 1]["char_start"]) if k + 1 < len(rows) else None
            own = text[st:en if nx is None else min(en, max(st, nx))]
        except (TypeError, ValueError):
            own = ""
        level = int(r["level"]) if str(r.get("level", "")).isdigit() else 0
        nodes.append(Node(r["section_path"], level, r["title"], own))
    return link_parents(nodes)


def build_mapping(template: Template, sections: pd.DataFrame, texts: dict[str, str]) -> pd.DataFrame:
    """One row per numbered section of every document (mapping.csv)."""
    docs = {d: g.to_dict("records") for d, g in sections.groupby("doc_id", sort=False)}
    nodes = {d: doc_nodes(rows, texts.get(d, "")) for d, rows in docs.items()}
    corpus = Texts.of(template.nodes)
    every = corpus.titles + corpus.contents
    for ns in nodes.values():
        t = Texts.of(ns)
        every += t.titles + t.contents
    scorer = Scorer(template, Vectoriser(every))
    out = []
    for d, ns in nodes.items():
        matches: list[Match] = map_document(ns, scorer) if ns else []
        for n, m, r in zip(ns, matches, docs[d]):
            t = template.nodes[m.target] if m.target is not None else None
            out.append({"doc_id": d, "section_path": n.path, "section_title": n.title,
                        "template_path": t.path if t else "", "template_title": t.title if t else "",
                        "score": round(m.score, 2), "method": m.method,
                        "_start": _int(r["char_start"]), "_end": _int(r["char_end"]),
                        "_closest": m.closest})
    return pd.DataFrame(out, columns=MAPPING_COLUMNS + ["_start", "_end", "_closest"])


def _int(v) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def locate(ind: pd.DataFrame, mapping: pd.DataFrame) -> pd.Series:
    """The mapping row of each indicator row (index into ``mapping``), -1 outside the outline. A path written
    twice in one document is told apart by the value's offset."""
    where: dict[tuple[str, str], list[tuple[int | None, int | None, int]]] = {}
    for k, (d, p, s, e) in enumerate(zip(mapping["doc_id"], mapping["section_path"], mapping["_start"],
                                         mapping["_end"])):
        where.setdefault((d, p), []).append((s, e, k))
    out = []
    for d, p, cs in zip(ind["doc_id"], ind["section_path"], ind["char_start"]):
        cands = where.get((d, p), [])
        if not cands:
            out.append(-1)
            continue
        pos = _int(cs)
        hit = [k for s, e, k in cands if pos is not None and s is not None and e is not None and s <= pos < e]
        out.append(hit[-1] if hit else cands[0][2])
    return pd.Series(out, index=ind.index)


def unit_key(kind: str, unit: str) -> str:
    return unit if kind == "money" else unit.strip().lower()


@dataclass
class Summary:
    """What summarise computed and wrote."""

    dest: Path
    mapping: pd.DataFrame
    values: pd.DataFrame  # every indicator row + template_path, template_title, method, summed, reason
    table: pd.DataFrame  # the Summary sheet: template_path, template_title, kind, unit, one column per document
    ids: dict[tuple[int, str], list[str]]  # (Summary row, document column) → the row ids summed there
    columns: dict[str, str]  # doc_id → its Summary column header
    left_out: list[str] = field(default_factory=list)  # documents not ok
    asks: list[Ask] = field(default_factory=list)  # the template's asks (or the analyst's, --asks FILE)
    answers: list[Answer] = field(default_factory=list)  # one per (ask, document column)
    periods: dict[str, str] = field(default_factory=dict)  # doc_id → the period its report covers

    def lines(self) -> list[str]:
        by = Counter(self.mapping["method"])
        docs = self.mapping["doc_id"].nunique()
        summed = int((self.values["summed"] == "yes").sum())
        out = [_("mapping: {path} ({n} sections of {docs} documents: {methods})").format(
                   path=self.dest / "mapping.csv", n=len(self.mapping), docs=docs,
                   methods=", ".join(f"{m} {by.get(m, 0)}" for m in METHODS))]
        status = Counter(a.status for a in self.answers)
        out.append(_("asks: {path} ({n} asks × {docs} documents: {counts})").format(
            path=self.dest / "asks.csv", n=len(self.asks), docs=len({a.doc_id for a in self.answers}),
            counts=", ".join(f"{s} {status.get(s, 0)}" for s in STATUSES)))
        out.append(_("summary: {path} (first sheet: the asks with the province total; {rows} rows × {docs} "
                     "documents; {summed} of {n} values summed, the others listed with their reason)").format(
            path=self.dest / "summary.xlsx", rows=len(self.table), docs=len(self.columns), summed=summed,
            n=len(self.values)))
        spans = {d: p for d, p in self.periods.items() if d in {a.doc_id for a in self.answers}}
        if len(set(spans.values())) > 1:
            from .asks_sheet import period_words

            by = Counter(spans.values())
            main, _n = by.most_common(1)[0]
            others = "; ".join(f"{self.columns.get(d, d)}: {period_words(p)}" for d, p in spans.items() if p != main)
            out.append(_("warning: the reports cover different periods ({n} of {main}; {others}): no province total "
                         "adds them").format(n=by[main], main=period_words(main), others=others))
        un = self.mapping[self.mapping["method"] == "unmapped"]
        if len(un):
            out.append(_("unmapped: {n} sections: {list}").format(n=len(un), list="; ".join(
                f"{d} {p}" for d, p in zip(un["doc_id"][:8], un["section_path"][:8])) + (" …" if len(un) > 8 else "")))
        else:
            out.append(_("unmapped: none"))
        if self.left_out:
            out.append(_("no column for {n} document(s) not ok: {list}").format(n=len(self.left_out),
                                                                             list=", ".join(self.left_out)))
        return out


def summarise(outdir: Path, template: Path, dest: Path | None = None, asks_file: Path | None = None) -> Summary:
    from .workbook import write_workbook

    outdir = Path(outdir)
    tables, texts = read_outdir(outdir)
    tpl = load_template(Path(template))
    dest = Path(dest) if dest is not None else outdir
    if dest.exists() and not dest.is_dir():
        raise SummaryError(_("not a folder: {path}").format(path=dest))
    ind, sections, documents = tables["indicators"], tables["sections"], tables["documents"]
    mapping = build_mapping(tpl, sections, texts)
    asks = load_asks(Path(asks_file), tpl) if asks_file else read_asks(tpl)
    unreviewed_wrong = ind[ind["review"] != "wrong"] if "review" in ind.columns else ind
    parts_why = structural_reasons(unreviewed_wrong, texts)  # parts, changes, repeats: read once, used twice
    mapping = place_by_answers(mapping, ind, locate(ind, mapping), asks, texts, parts_why)

    at = locate(ind, mapping)
    values = ind.copy()
    values["template_path"] = [mapping["template_path"].iat[k] if k >= 0 else "" for k in at]
    values["template_title"] = [mapping["template_title"].iat[k] if k >= 0 else "" for k in at]
    values["method"] = [mapping["method"].iat[k] if k >= 0 else "outside the outline" for k in at]
    why = sums.reasons(ind, texts)
    nowhere = (why == "") & (values["template_path"] == "")
    why[nowhere & (values["section_path"] == "")] = "outside the numbered outline"
    why[nowhere & (values["section_path"] != "")] = "section not mapped"
    values["summed"] = ["yes" if w == "" else "no" for w in why]
    values["reason"] = why

    ok = documents[documents["status"] == "ok"]
    left_out = documents.loc[documents["status"] != "ok", "doc_id"].tolist()
    columns = headers(ok)
    order = {n.path: k for k, n in enumerate(tpl.nodes)}
    kinds = {k: i for i, k in enumerate(sums.SUMMED_KINDS)}
    s = values[(values["summed"] == "yes") & values["doc_id"].isin(columns)].copy()
    s["_unit"] = [unit_key(k, u) for k, u in zip(s["kind"], s["unit"])]
    s["_num"] = [sums.number(v) for v in s["value"]]
    keys = sorted({(p, k, u) for p, k, u in zip(s["template_path"], s["kind"], s["_unit"])},
                  key=lambda x: (order.get(x[0], 1 << 30), kinds.get(x[1], 9), vietnamese_order(x[2])))
    titles = {n.path: n.title for n in tpl.nodes}
    rows, ids = [], {}
    groups = {key: g for key, g in s.groupby(["template_path", "kind", "_unit", "doc_id"], sort=False)}
    for r, (p, k, u) in enumerate(keys):
        row = {"template_path": p, "template_title": titles.get(p, ""), "kind": k, "unit": u}
        for d, head in columns.items():
            g = groups.get((p, k, u, d))
            if g is None:
                row[head] = None
                continue
            total = float(sum(g["_num"]))
            row[head] = int(total) if total.is_integer() else total
            ids[(r, head)] = g["id"].tolist()
        rows.append(row)
    table = pd.DataFrame(rows, columns=["template_path", "template_title", "kind", "unit", *columns.values()])
    periods = dict(zip(documents["doc_id"], documents["period"])) if "period" in documents.columns else {}
    reports = {d: h for d, h in columns.items() if d not in same_file(documents, Path(template))}
    answers = answer_all(asks, values, reports, texts, parts_why)
    result = Summary(dest, mapping, values, table, ids, columns, left_out, asks, answers, periods)
    write_csv(dest / "mapping.csv", mapping[MAPPING_COLUMNS])
    write_csv(dest / "asks.csv", pd.DataFrame([a.row() for a in answers], columns=ANSWER_COLUMNS))
    pages = review_pages(ok.to_dict("records"))
    write_workbook(dest / "summary.xlsx", result, tpl, sections, (answers, periods, pages, outdir))
    return result


def same_file(documents: pd.DataFrame, template: Path) -> set[str]:
    """The documents that are the template itself (same bytes): an outline answers none of its own asks, so it
    gets no column on the asks sheet."""
    import hashlib

    if "sha256" not in documents.columns:
        return set()
    try:
        digest = hashlib.sha256(Path(template).read_bytes()).hexdigest()
    except OSError:
        return set()
    return set(documents.loc[documents["sha256"] == digest, "doc_id"])


def vietnamese_order(word: str) -> tuple:
    """A sort key in Vietnamese alphabetical order: letters by their base (tone marks second), đ after d, so
    "bản làng" comes before "buổi" and "đơn" after "dân"."""
    import unicodedata

    base, marks = [], []
    for ch in unicodedata.normalize("NFD", word.casefold()):
        if unicodedata.combining(ch):
            marks.append(ch)
        else:
            base.append("d\uffff" if ch == "đ" else ch)
    return "".join(base), "".join(marks)


def headers(documents: pd.DataFrame) -> dict[str, str]:
    """doc_id → column header: the document's issuer when documents.csv names one, else its doc_id; a header
    two documents share gets the doc_id in brackets."""
    issuer = documents["issuer"] if "issuer" in documents.columns else pd.Series([""] * len(documents))
    names = {d: (i.strip() or d) for d, i in zip(documents["doc_id"], issuer.fillna(""))}
    seen = Counter(names.values())
    return {d: (n if seen[n] == 1 or n == d else f"{n} ({d})") for d, n in names.items()}
