"""Review pages: ``OUTDIR/review/index.html`` and one self-contained ``review/<doc_id>.html`` per document.

The page's HTML, CSS and JavaScript are real files in ``review_assets/`` (``document.html``, ``index.html``,
``review.css``, ``review.js``). Python only fills the templates (a minimal ``{{name}}`` placeholder syntax, see
:func:`render`), builds the document text with its ``<mark>`` highlights (:func:`highlight`) and embeds the rows as
JSON; CSS and JavaScript are inlined, so a written page makes no request at all (its Content-Security-Policy says
so too).

Decisions live in the browser's localStorage under :func:`storage_key` (``vnreport.review/<doc_id>``), each with
the fingerprint of the row it was made on (:func:`fingerprint`: a hash of the row's id, offsets, kind, extracted
value and text). A page applies a stored decision only when that fingerprint matches its row: a new run that
extracts the same row keeps the analyst's decision, a row that changed (another value, other offsets, ids shifted
by a new row) does not silently inherit it; the page says how many such stale decisions it holds and offers to
discard them. Review states already merged by ``vnreport apply`` (column ``review``) are the pages' initial state,
the browser's decisions are layered on top.
"""
from __future__ import annotations

import bisect
import hashlib
import html
import json
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from .files import (REVIEW_DIR, as_text, encode_text, page_name, page_names, read_table, records, valid_page,
                    write_bytes, write_text)

if TYPE_CHECKING:  # pandas only where a whole table is read (apply), not in the batch's streaming path
    import pandas as pd

ASSETS = resources.files("pipeline.outputs").joinpath("review_assets")  # package data, also inside a wheel
KINDS = ["count", "money", "percent", "ratio", "date", "period", "doc_ref"]
KIND_LABELS = {"count": "count", "money": "money", "percent": "percent", "ratio": "ratio", "date": "date",
               "period": "period", "doc_ref": "doc ref"}
LAZY_ROWS = 2000  # above this many rows the side table renders only the rows in view (virtual scrolling)
GENERATOR = "vnreport review"  # <meta name="generator">: marks the pages this module may replace or remove

# The row fields a page needs, in the order they are embedded (a list of column names plus one array per row).
ROW_FIELDS = ["id", "fp", "kind", "value", "unit", "qualifier", "doc_type", "ref_date", "section_path", "section_title",
              "origin", "text", "context", "char_start", "char_end", "page", "table", "row", "col", "per",
              "total", "note", "review", "value_extracted", "review_note"]
SECTION_FIELDS = ["section_path", "level", "label", "title", "char_start"]


# ---------------------------------------------------------------- templates

_TOKEN = re.compile(r"\{\{(\{?)\s*([#^/]?)\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}?\}\}")


def _parse(tpl: str):
    """Template → tree of ("text", s) | ("var", name, raw) | ("section", name, inverted, children)."""
    root: list = []
    stack = [("", root)]
    pos = 0
    for m in _TOKEN.finditer(tpl):
        if m.start() > pos:
            stack[-1][1].append(("text", tpl[pos:m.start()]))
        raw, sigil, name = m.group(1) == "{", m.group(2), m.group(3)
        if sigil in "#^" and sigil:
            node = ("section", name, sigil == "^", [])
            stack[-1][1].append(node)
            stack.append((name, node[3]))
        elif sigil == "/":
            if stack[-1][0] != name:
                raise ValueError(f"template: {{{{/{name}}}}} closes {stack[-1][0] or 'nothing'}")
            stack.pop()
        else:
            stack[-1][1].append(("var", name, raw))
        pos = m.end()
    if len(stack) != 1:
        raise ValueError(f"template: {{{{#{stack[-1][0]}}}}} is not closed")
    root.append(("text", tpl[pos:]))
    return root


def _lookup(name: str, scopes: list):
    for scope in reversed(scopes):
        if isinstance(scope, dict) and name in scope:
            return scope[name]
    raise KeyError(f"template: no value for {{{{{name}}}}}")


def _emit(nodes, scopes, out: list) -> None:
    for node in nodes:
        if node[0] == "text":
            out.append(node[1])
        elif node[0] == "var":
            v = _lookup(node[1], scopes)
            v = "" if v is None else str(v)
            out.append(v if node[2] else html.escape(v, quote=True))
        else:
            v = _lookup(node[1], scopes)
            if node[2]:
                if not v:
                    _emit(node[3], scopes, out)
            elif isinstance(v, (list, tuple)):
                for item in v:
                    _emit(node[3], scopes + [item], out)
            elif isinstance(v, dict):
                _emit(node[3], scopes + [v], out)
            elif v:
                _emit(node[3], scopes, out)


def render(tpl: str, ctx: dict) -> str:
    """Fill a template in one pass (inserted values are never read as template text).

    ``{{name}}`` the HTML-escaped value; ``{{{name}}}`` the value as is (inlined CSS/JS, the highlighted text,
    JSON); ``{{#name}}…{{/name}}`` repeats for each item of a list (an item's keys shadow the outer ones) or shows
    when the value is true; ``{{^name}}…{{/name}}`` shows when it is empty or false.
    """
    out: list[str] = []
    _emit(_parse(tpl), [ctx], out)
    return "".join(out)


def asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def _inline_checked(code: str, tag: str) -> str:
    if re.search(rf"</{tag}", code, re.I):
        raise ValueError(f"review asset must not contain </{tag}")
    return code


def script_json(obj) -> str:
    """JSON for a ``<script type="application/json">``: ``<``, ``>`` and ``&`` escaped so no text closes it."""
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ---------------------------------------------------------------- highlighting

def _escape_text(s: str) -> str:
    # CR is kept as a character reference: the HTML parser would fold CR LF into LF and the marks' text would
    # no longer equal the rows' text.
    return html.escape(s, quote=False).replace("\r", "&#13;")


def _open_tag(span) -> str:
    tag, attrs = span[3], span[4]
    return "<" + tag + "".join(f' {k}="{html.escape(str(v), quote=True)}"' for k, v in attrs) + ">"


def highlight(text: str, spans, headings=()) -> str:
    """The text as HTML with one ``<mark data-id data-kind>`` per value (and ``<span class="hd">`` per heading).

    ``spans``: (start, end, id, kind) in character offsets of ``text``; ``headings``: (start, end, index).
    Offsets are clipped to the text; an empty or out-of-range span still gets an (empty) mark, so every id has at
    least one ``mark[data-id]``. Nested spans become nested elements; spans that cross are split, each piece a
    ``mark`` with the same ``data-id`` (in document order, so the pieces' text joined is the span's text).
    """
    n = len(text)
    items = []  # (start, end, order, tag, attrs)
    for order, (start, end, hid) in enumerate(headings):
        s, e = _clip(start, end, n)
        if e > s:
            items.append((s, e, order, "span", (("class", "hd"), ("id", f"sec-{hid}"), ("data-sec", hid))))
    base = len(items)
    for order, (start, end, vid, kind) in enumerate(spans):
        s, e = _clip(start, end, n)
        items.append((s, e, base + order, "mark", (("data-id", vid), ("data-kind", kind))))
    # outer first: earlier start, then longer, then headings before marks, then input order
    items.sort(key=lambda it: (it[0], -it[1], it[3] != "span", it[2]))
    points = sorted({0, n} | {it[0] for it in items} | {it[1] for it in items})
    out: list[str] = []
    stack: list = []
    k = 0
    for i, p in enumerate(points):
        # close what ends here; whatever sits above a closing element is closed and re-opened after it
        low = next((j for j, it in enumerate(stack) if it[1] <= p), None)
        if low is not None:
            reopen = [it for it in stack[low:] if it[1] > p]
            for it in reversed(stack[low:]):
                out.append(f"</{it[3]}>")
            del stack[low:]
            for it in reopen:
                out.append(_open_tag(it))
                stack.append(it)
        while k < len(items) and items[k][0] == p:
            it = items[k]
            k += 1
            out.append(_open_tag(it))
            if it[1] == p:  # empty span: an empty element, so the id is not lost
                out.append(f"</{it[3]}>")
            else:
                stack.append(it)
        if i + 1 < len(points):
            out.append(_escape_text(text[p:points[i + 1]]))
    for it in reversed(stack):  # pragma: no cover - every span ends at a point ≤ n
        out.append(f"</{it[3]}>")
    return "".join(out)


def _clip(start, end, n: int) -> tuple[int, int]:
    s = min(max(_int(start, 0), 0), n)
    e = min(max(_int(end, s), s), n)
    return s, e


def _int(v, default: int) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return default


def heading_end(text: str, start: int, title: str, limit: int | None = None) -> int:
    """End of a heading that starts at ``start``: its line, or the next lines while they hold the title."""
    limit = len(text) if limit is None else min(limit, len(text))
    want = _words(title)
    end = text.find("\n", start)
    end = limit if end < 0 or end > limit else end
    first = end
    for _ in range(6):
        if not want or want in _words(text[start:end]):
            return end
        nxt = end
        while nxt < limit and text[nxt] in "\r\n \t":
            nxt += 1
        if nxt >= limit:
            break
        e2 = text.find("\n", nxt)
        end = limit if e2 < 0 or e2 > limit else e2
    return first


def _words(s: str) -> str:
    return " ".join(re.sub(r"[#*_]+", " ", s).split()).casefold()


# ---------------------------------------------------------------- data

def _strings(rows: list[dict]) -> list[dict]:
    """Rows with every cell as the CSV shows it."""
    return [{c: as_text(v) for c, v in r.items()} for r in rows]


def _records(df: pd.DataFrame | None) -> list[dict]:
    return [] if df is None or df.empty else _strings(records(df))


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


def _kind_counts(rows: list[dict]) -> list[dict]:
    counts = {k: 0 for k in KINDS}
    for r in rows:
        counts[r["kind"]] = counts.get(r["kind"], 0) + 1
    return [{"kind": k, "label": KIND_LABELS.get(k, k), "n": n, "none": n == 0} for k, n in counts.items()]


def _doc_meta(doc: dict) -> dict:
    title = doc.get("title", "")
    issuer = doc.get("issuer", "")
    return {
        "doc_id": doc.get("doc_id", ""), "source_file": doc.get("source_file", ""), "format": doc.get("format", ""),
        "status": doc.get("status", ""), "error": doc.get("error", ""), "pages": doc.get("pages", ""),
        "chars": doc.get("chars", ""), "title": title, "issuer": issuer, "number": doc.get("number", ""),
        "issued": doc.get("issued", ""), "period": doc.get("period", ""),
    }


def document_page(doc: dict, text: str, rows: list[dict], sections: list[dict]) -> tuple[str, str]:
    """(HTML of the document's review page, its localStorage key)."""
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
    ctx = {
        **meta,
        "heading": meta["title"] or doc_id,
        "has_title": bool(meta["title"]),
        "total": len(rows),
        "kinds": _kind_counts(rows),
        "rows": [] if lazy else [{"id": r["id"], "n": _id_number(r["id"]), "kind": r["kind"],
                                  "value": r.get("value", ""), "unit": r.get("unit", ""), "text": r.get("text", "")}
                                 for r in rows],
        "text_html": highlight(text, spans, heads),
        "data": script_json(data),
        "css": _inline_checked(asset("review.css"), "style"),
        "js": _inline_checked(asset("review.js"), "script"),
        "generator": GENERATOR,
    }
    return render(asset("document.html"), ctx), key


def index_entry(d: dict, rows: list[dict], key: str | None, name: str | None = None) -> dict:
    """What the index page keeps of one document: its line, its rows' ids and fingerprints, counts by kind.
    ``name``: its page's file name (default: as ``page_name`` gives it)."""
    doc_id = d.get("doc_id", "")
    has_page = key is not None
    href = page_href(name or page_name(doc_id))
    counts = {}
    for r in rows:
        counts[r["kind"]] = counts.get(r["kind"], 0) + 1
    entry = {"item": {**_doc_meta(d), "href": href, "has_page": has_page, "n": len(rows),
                      "kinds": [k for k in _kind_counts(rows) if k["n"]],
                      "not_ok": d.get("status") not in ("ok", "")},
             "status": d.get("status", ""), "n": len(rows), "counts": counts, "data": None}
    if has_page:
        # compact, as the index keeps this for every row of the batch until its end (and writes it into the
        # page): the fingerprints as one string of 12-character pieces, the ids only when they are not the
        # document's own "<doc_id>:1" … "<doc_id>:n" in order (~12 bytes a row instead of ~150)
        ids = [r["id"] for r in rows]
        entry["data"] = {"doc_id": doc_id, "key": key, "total": len(rows), "href": href,
                         "fps": "".join(fingerprint(r) for r in rows), "applied": _applied(rows)}
        if ids != [f"{doc_id}:{i}" for i in range(1, len(ids) + 1)]:
            entry["data"]["ids"] = ids
    return entry


def index_page_of(entries) -> str:
    """The index page from the documents' entries (``index_entry``), in order."""
    items, data, total, status, counts = [], [], 0, {}, {k: 0 for k in KINDS}
    for e in entries:
        items.append(e["item"])
        if e["data"] is not None:
            data.append(e["data"])
        total += e["n"]
        status[e["status"]] = status.get(e["status"], 0) + 1
        for k, n in e["counts"].items():
            counts[k] = counts.get(k, 0) + n
    ctx = {
        "docs": items,
        "n_docs": len(items), "n_ok": status.get("ok", 0), "n_failed": status.get("failed", 0),
        "n_skipped": status.get("skipped", 0), "total": total,
        "kinds": [{"kind": k, "label": KIND_LABELS.get(k, k), "n": n, "none": n == 0} for k, n in counts.items()],
        "data": script_json({"docs": data}),
        "css": _inline_checked(asset("review.css"), "style"),
        "js": _inline_checked(asset("review.js"), "script"),
        "generator": GENERATOR,
    }
    return render(asset("index.html"), ctx)


def index_page(docs: list[dict], rows_by_doc: dict, keys: dict) -> str:
    return index_page_of(index_entry(d, rows_by_doc.get(d.get("doc_id", ""), []), keys.get(d.get("doc_id", "")))
                         for d in docs)


# ---------------------------------------------------------------- writing

class ReviewStream:
    """The review pages written as documents finish: ``add`` writes the page of a document with status ok
    (``review/<doc_id>.html``, or the name ``page_names`` gives it) and keeps only what the index needs; ``close``
    writes ``review/index.html`` and removes the pages of documents no longer in the run. Every page is written
    atomically. ``doc_ids``: the run's, so that twins' pages are named apart."""

    def __init__(self, outdir: Path, doc_ids=()):
        self.review = Path(outdir) / "review"
        self.names = page_names(doc_ids)
        self.entries: list[dict] = []
        self.written: set[str] = set()

    def name(self, doc_id: str, document: dict | None = None) -> str:
        """A document's page's file name: its ``review_page`` in documents.csv when it has one, else the run's."""
        page = valid_page((document or {}).get("review_page"))
        if page:
            return page[len(REVIEW_DIR):]
        return self.names.get(doc_id) or page_name(doc_id)

    def prepare(self, document: dict, text: str, rows: list[dict], sections: list[dict]) -> tuple:
        """One document's page, nothing written: (its file name, its bytes, its index entry); no name and no bytes
        for a document that is not ok. Rows as the CSVs show them (strings, as ``_records`` gives)."""
        doc_id, key, name, data = document.get("doc_id", ""), None, None, None
        if document.get("status") == "ok" and doc_id:
            name = self.name(doc_id, document)
            page, key = document_page(document, text, rows, sections)
            data = encode_text(page)
        return name, data, index_entry(document, rows, key, name)

    def write(self, prepared: tuple) -> None:
        """Write a prepared page."""
        name, data, _ = prepared
        if name:
            write_bytes(self.review / name, data)

    def enter(self, prepared: tuple) -> None:
        """Count a written page in: the index lists it, ``close`` keeps it."""
        name, _, entry = prepared
        if name:
            self.written.add(name)
        self.entries.append(entry)

    def add(self, document: dict, text: str, rows: list[dict], sections: list[dict]) -> None:
        """One document: its row of documents.csv, its text, its indicator and section rows as the CSVs show
        them (strings, as ``_records`` gives)."""
        prepared = self.prepare(document, text, rows, sections)
        self.write(prepared)
        self.enter(prepared)

    def prepare_rows(self, document: dict, text: str, indicators: list[dict], sections: list[dict]) -> tuple:
        """``prepare`` for one document as the batch hands it over: its rows as dicts with typed values (shown as
        the CSV shows them)."""
        return self.prepare(_strings([document])[0], text, _strings(indicators), _strings(sections))

    def add_rows(self, document: dict, text: str, indicators: list[dict], sections: list[dict]) -> None:
        prepared = self.prepare_rows(document, text, indicators, sections)
        self.write(prepared)
        self.enter(prepared)

    def close(self) -> None:
        write_text(self.review / "index.html", index_page_of(self.entries))
        _remove_stale(self.review, self.written | {"index.html"})


def write_review(outdir: Path, indicators: pd.DataFrame, sections: pd.DataFrame, documents: pd.DataFrame,
                 texts: dict[str, str]) -> None:
    """Write ``review/index.html`` and a page for every document with status ok (``review/<doc_id>.html``, or
    documents.csv's ``review_page``)."""
    rows_by_doc: dict[str, list[dict]] = {}
    for r in _records(indicators):
        rows_by_doc.setdefault(r.get("doc_id", ""), []).append(r)
    secs_by_doc: dict[str, list[dict]] = {}
    for s in _records(sections):
        secs_by_doc.setdefault(s.get("doc_id", ""), []).append(s)
    docs = _records(documents)
    stream = ReviewStream(outdir, [d.get("doc_id", "") for d in docs])
    for d in docs:
        doc_id = d.get("doc_id", "")
        stream.add(d, texts.get(doc_id, ""), rows_by_doc.get(doc_id, []), secs_by_doc.get(doc_id, []))
    stream.close()


def _remove_stale(review: Path, keep: set[str]) -> None:
    """Pages of documents no longer in the run (only files this module wrote: they carry its generator meta)."""
    marker = f'<meta name="generator" content="{GENERATOR}">'
    for p in review.glob("*.html"):
        if p.name in keep:
            continue
        try:
            with open(p, encoding="utf-8", errors="replace") as f:
                head = f.read(2000)
        except OSError:
            continue
        if marker in head:
            p.unlink(missing_ok=True)


def write_review_from_outdir(outdir: Path) -> None:
    """Rewrite the review pages from OUTDIR's tables and texts (``vnreport apply`` calls this after merging)."""
    outdir = Path(outdir)
    t = {k: read_table(outdir / f"{k}.csv") if (outdir / f"{k}.csv").exists() else None
         for k in ("indicators", "sections", "documents")}
    indicators, sections, documents = t["indicators"], t["sections"], t["documents"]
    texts = {}
    for d in _records(documents):
        p = outdir / "text" / f"{d.get('doc_id', '')}.txt"
        if d.get("status") == "ok" and p.exists():
            with open(p, encoding="utf-8", newline="") as f:
                texts[d["doc_id"]] = f.read()
    write_review(outdir, indicators, sections, documents, texts)
