"""One document through the stages after ingest: an NFC view of its text, segment (the heading tree), extract
(the indicator rows), the letterhead (the report's metadata) and check (notes on the values that contradict the
report: ``checks/``). Every executor runs this for every document."""
from __future__ import annotations

import dataclasses

from .checks import check
from .extraction import Extractor
from .ingest import nfc_view, read_text_blocks
from .metadata import Letterhead
from .records import Document
from .segment import segment


def process(doc: Document, extractor: Extractor, letterhead: Letterhead | None = None) -> tuple[list, list, dict]:
    ntext, back = nfc_view(doc.text)
    view = doc
    if back:  # decomposed diacritics in a text file: read an NFC copy, report offsets into the original
        view = dataclasses.replace(doc, text=ntext, blocks=read_text_blocks(ntext))
    outline = segment(view.text, view.blocks)
    rows = extractor.run(view, outline, orig=doc.text, back=back)
    mark_ocr(rows, doc.blocks)
    o = (lambda i: back[i]) if back else (lambda i: i)
    sections = [{"doc_id": doc.doc_id, "section_path": s.path, "level": s.level, "label": s.label,
                 "title": s.title, "char_start": o(s.start), "char_end": o(s.end), "page": s.page}
                for s in outline.sections]
    letterhead = letterhead or Letterhead(doc_types=list(extractor.g.doc_types))
    first = outline.sections[0].start if outline.sections else None
    meta = letterhead.read(view.text, first, extractor.values)
    check(rows, doc.text, doc.blocks, meta.get("issued", ""), sections)
    return rows, sections, meta


def mark_ocr(rows: list, blocks: list) -> None:
    """Every value read from a block that OCR read carries the note ``read by OCR`` (the analyst checks those
    against the page image first)."""
    from bisect import bisect_right

    from .ingest.ocr import NOTE

    spans = sorted((b.start, b.end) for b in blocks if b.ocr)
    if not spans:
        return
    starts = [a for a, _ in spans]
    for r in rows:
        k = bisect_right(starts, r.char_start) - 1
        if k >= 0 and r.char_start < spans[k][1]:
            r.note = f"{r.note}; {NOTE}" if r.note and NOTE not in r.note else (r.note or NOTE)
