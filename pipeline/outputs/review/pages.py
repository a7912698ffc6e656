"""The pages' data: a document's page (:func:`document_page`: its text highlighted with its tables as grids, its
rows embedded as JSON) and the index page (:func:`index_entry` per document, :func:`index_page_of`).

Decisions live in the browser's localStorage under :func:`storage_key` (``vnreport.review/<doc_id>``), each with
the fingerprint of the row it was made on (:func:`fingerprint`: a hash of the row's id, offsets, kind, extracted
value and text). A page applies a stored decision only when that fingerprint matches its row: a new run that
extracts the same row keeps the analyst's decision, a row that changed (another value, other offsets, ids shifted
by a new row) does not silently inherit it; the page says how many such stale decisions it holds and offers to
discard them. Review states already merged by ``vnreport apply`` (column ``review``) are the pages' initial state,
the browser's decisions are layered on top.

A row with a ``note`` (a flag in plain words: ``ambiguous separators``, ``read by OCR``, a figure that contradicts
the report) is a value to check first: the page counts them in its header, filters to them, marks them in its side
table and in the text, and shows the note in words (:func:`~.templates.note_text`); the index counts them per
document.
"""
from __future__ import annotations

import bisect
import hashlib
from urllib.parse import quote

from ...i18n import current as current_lang
from ..files import page_name
from .grids import find_tables, text_html
from .highlight import _int, heading_end
from .templates import _inline_checked, asset, catalogue, note_text, render, script_json

KINDS = ["count", "money", "percent", "ratio", "date", "period", "doc_ref"]
LAZY_ROWS = 2000  # above this many rows the side table renders only the rows in view (virtual scrolling)
GENERATOR = "vnreport review"  # <meta name="generator">: marks the pages the writer may replace or remove

# The row fields a page needs, in the order they are embedded (a list of column names plus one array per row).
ROW_FIELDS = ["id", "fp", "kind", "value", "unit", "qualifier", "doc_type", "ref_date", "section_path", "section_title",
              "origin", "text", "context", "char_start", "char_end", "page", "table", "row", "col", "per",
              "total", "note", "review", "value_extracted", "review_note"]
SECTION_FIELDS = ["section_path", "level", "label", "title", "char_start"]


def _id_number(rid: str) -> int:
    tail = rid.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def storage_key(doc_id: str) -> str:
    return f"vnreport.review/{doc_id}"


def fingerprint(row: dict) -> str:
    """The row as extracted (a fix merged by ``apply`` keeps it: the extracted value is in ``value_extracted``)."""
    original = row.get("value_extracted") or row.get("value", "")
    parts = [row.get("id", ""), row.get("char_start", ""), row.get("char_end", ""), row.get("kind", ""), original,
             row.get("text", "")]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]


def page_href(name: str) -> str:
    """A link from the index to the page named ``name`` (in the same folder)."""
    return quote(name, safe="")


def _applied(rows: list[dict]) -> dict:
    """Decisions already merged into the tables (``vnreport apply``): id → [decision, value, note]."""
    out = {}
    for r in rows:
        state = r.get("review", "")
        if state in ("ok", "wrong"):
            out[r["id"]] = [state, "", r.get("review_note", "")]
        elif state == "fixed":
            out[r["id"]] = ["fix", r.get("value", ""), r.get("review_note", "")]
    return out


def _noted(rows: list[dict]) -> list[int]:
    """The positions of the rows with a note."""
    return [i for i, r in enumerate(rows) if r.get("note")]


def _kind_label(strings: dict, kind: str) -> str:
    return strings.get(f"kind.{kind}", kind)


def _kind_items(counts: dict, strings: dict) -> list[dict]:
    return [{"kind": k, "label": _kind_label(strings, k), "n": n, "none": n == 0} for k, n in counts.items()]


def _kind_counts(rows: list[dict], strings: dict) -> list[dict]:
    counts = {k: 0 for k in KINDS}
    for r in rows:
        counts[r["kind"]] = counts.get(r["kind"], 0) + 1
    return _kind_items(counts, strings)


def _doc_meta(doc: dict) -> dict:
    title = doc.get("title", "")
    issuer = doc.get("issuer", "")
    return {
        "doc_id": doc.get("doc_id", ""), "source_file": doc.get("source_file", ""), "format": doc.get("format", ""),
        "status": doc.get("status", ""), "error": doc.get("error", ""), "pages": doc.get("pages", ""),
        "chars": doc.get("chars", ""), "title": title, "issuer": issuer, "number": doc.get("number", ""),
        "issued": doc.get("issued", ""), "period": doc.get("period", ""),
    }


def _page_ctx(strings: dict, lang: str) -> dict:
    """What every page carries: its language, its catalogue (for the script), its CSS and code."""
    return {
        "lang": lang,
        "i18n": script_json(strings),
        "css": _inline_checked(asset("review.css"), "style"),
        "js": _inline_checked(asset("review.js"), "script"),
        "generator": GENERATOR,
    }


def document_page(doc: dict, text: str, rows: list[dict], sections: list[dict],
                  lang: str | None = None) -> tuple[str, str]:
    """(HTML of the document's review page, its localStorage key). ``lang``: the page's language (default: the
    run's, :func:`pipeline.i18n.current`)."""
    lang = lang or current_lang()
    strings = catalogue(lang)
    doc_id = doc["doc_id"]
    rows = sorted(rows, key=lambda r: (_id_number(r.get("id", "")), _int(r.get("char_start"), 0)))
    spans = [(r.get("char_start"), r.get("char_end"), r.get("id", ""), r.get("kind", "")) for r in rows]
    sections = sorted(sections, key=lambda s: _int(s.get("char_start"), 0))
    heads = []
    bounds = sorted((_int(a, 0), _int(b, 0)) for a, b, _, _ in spans)
    starts = [a for a, _ in bounds]
    longest = max((b - a for a, b in bounds), default=0)
    for i, s in enumerate(sections):
        start = _int(s.get("char_start"), -1)
        if 0 <= start < len(text):
            end = heading_end(text, start, s.get("title", ""), _int(s.get("char_end"), None))
            # a value the heading line cuts stays whole: the heading takes it in (until it cuts none); only the
            # values starting within the longest value's length before the end can be cut
            cut = True
            while cut:
                cut = False
                for k in range(bisect.bisect_right(starts, end - longest), bisect.bisect_left(starts, end)):
                    if bounds[k][1] > end:
                        end, cut = bounds[k][1], True
            heads.append((start, end, i))
    key = storage_key(doc_id)
    for r in rows:
        r["fp"] = fingerprint(r)
    meta = _doc_meta(doc)
    lazy = len(rows) > LAZY_ROWS
    data = {
        "doc_id": doc_id, "key": key, "lazy_rows": LAZY_ROWS, "index": "index.html",
        "fields": ROW_FIELDS, "rows": [[r.get(f, "") for f in ROW_FIELDS] for r in rows],
        "section_fields": SECTION_FIELDS, "sections": [[s.get(f, "") for f in SECTION_FIELDS] for s in sections],
    }
    grids = find_tables(text, doc.get("format", ""),
                        [_int(r.get("char_start"), 0) for r in rows if r.get("origin") == "table"])
    ctx = {
        **meta,
        **_page_ctx(strings, lang),
        "heading": meta["title"] or doc_id,
        "has_title": bool(meta["title"]),
        "total": len(rows),
        "noted": len(_noted(rows)),
        "kinds": _kind_counts(rows, strings),
        "rows": [] if lazy else [{"id": r["id"], "n": _id_number(r["id"]), "kind": r["kind"],
                                  "label": _kind_label(strings, r["kind"]), "value": r.get("value", ""),
                                  "unit": r.get("unit", ""), "text": r.get("text", ""),
                                  "note": note_text(strings, r.get("note", ""))}
                                 for r in rows],
        "text_html": text_html(text, spans, heads, grids, strings),
        "data": script_json(data),
    }
    return render(asset("document.html"), ctx, strings), key


def index_entry(d: dict, rows: list[dict], key: str | None, name: str | None = None) -> dict:
    """What the index page keeps of one document: its line, its rows' ids and fingerprints, counts by kind.
    ``name``: its page's file name (default: as ``page_name`` gives it)."""
    strings = catalogue()
    doc_id = d.get("doc_id", "")
    has_page = key is not None
    href = page_href(name or page_name(doc_id))
    counts = {}
    for r in rows:
        counts[r["kind"]] = counts.get(r["kind"], 0) + 1
    noted = _noted(rows)
    entry = {"item": {**_doc_meta(d), "href": href, "has_page": has_page, "n": len(rows), "noted": len(noted),
                      "kinds": [k for k in _kind_counts(rows, strings) if k["n"]],
                      "status_label": strings.get(f"status.{d.get('status', '')}", d.get("status", "")),
                      "not_ok": d.get("status") not in ("ok", "")},
             "status": d.get("status", ""), "n": len(rows), "noted": len(noted), "counts": counts, "data": None}
    if has_page:
        # compact, as the index keeps this for every row of the batch until its end (and writes it into the
        # page): the fingerprints as one string of 12-character pieces, the ids only when they are not the
        # document's own "<doc_id>:1" … "<doc_id>:n" in order (~12 bytes a row instead of ~150)
        ids = [r["id"] for r in rows]
        entry["data"] = {"doc_id": doc_id, "key": key, "total": len(rows), "href": href,
                         "fps": "".join(fingerprint(r) for r in rows), "applied": _applied(rows), "noted": noted}
        if ids != [f"{doc_id}:{i}" for i in range(1, len(ids) + 1)]:
            entry["data"]["ids"] = ids
    return entry


def index_page_of(entries, lang: str | None = None) -> str:
    """The index page from the documents' entries (``index_entry``), in order."""
    lang = lang or current_lang()
    strings = catalogue(lang)
    items, data, total, status, counts, noted = [], [], 0, {}, {k: 0 for k in KINDS}, 0
    for e in entries:
        items.append(e["item"])
        if e["data"] is not None:
            data.append(e["data"])
        total += e["n"]
        noted += e.get("noted", 0)
        status[e["status"]] = status.get(e["status"], 0) + 1
        for k, n in e["counts"].items():
            counts[k] = counts.get(k, 0) + n
    ctx = {
        "docs": items,
        "n_docs": len(items), "n_ok": status.get("ok", 0), "n_failed": status.get("failed", 0),
        "n_skipped": status.get("skipped", 0), "total": total, "n_noted": noted,
        "kinds": _kind_items(counts, strings),
        "data": script_json({"docs": data}),
        **_page_ctx(strings, lang),
    }
    return render(asset("index.html"), ctx, strings)


def index_page(docs: list[dict], rows_by_doc: dict, keys: dict) -> str:
    return index_page_of(index_entry(d, rows_by_doc.get(d.get("doc_id", ""), []), keys.get(d.get("doc_id", "")))
                         for d in docs)

