"""Writing the pages: :class:`ReviewStream` writes each document's page as it finishes and the index at the end,
then removes the pages of documents no longer in the run; :func:`write_review` and :func:`write_review_from_outdir`
write them all from the tables."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..files import (REVIEW_DIR, as_text, encode_text, page_name, page_names, read_table, records, valid_page,
                     write_bytes, write_text)
from .pages import GENERATOR, document_page, index_entry, index_page_of

if TYPE_CHECKING:  # pandas only where a whole table is read (apply), not in the batch's streaming path
    import pandas as pd


def _strings(rows: list[dict]) -> list[dict]:
    """Rows with every cell as the CSV shows it."""
    return [{c: as_text(v) for c, v in r.items()} for r in rows]


def _records(df: pd.DataFrame | None) -> list[dict]:
    return [] if df is None or df.empty else _strings(records(df))


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
