"""Plain typed records passed between the stages (ingest → segment → extract → normalise → outputs)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Block:
    """A contiguous piece of the document text: a paragraph, heading, table row or footnote."""

    kind: str  # "paragraph" | "heading" | "table" | "footnote"
    start: int
    end: int
    page: int | None = None
    style: str = ""  # Word style name, Markdown marker … (a hint for segment)
    table: int | None = None  # table number (1-based) for table rows
    row: int | None = None  # row index inside its table
    cells: list[tuple[int, int]] = field(default_factory=list)  # (start, end) of each cell
    anchor: int | None = None  # footnotes: offset of the reference mark in the body
    ocr: bool = False  # read by OCR (a scanned page, or a page whose text layer was unreadable)


@dataclass
class Document:
    doc_id: str
    source_file: str
    format: str
    text: str = ""
    blocks: list[Block] = field(default_factory=list)
    pages: int | None = None


@dataclass
class Section:
    path: str  # "Phần thứ nhất > II > 2 > 2.1"
    level: int
    label: str
    title: str
    start: int  # offset of the heading
    end: int  # end of the section (start of the next heading at the same or a higher level)
    page: int | None = None


@dataclass
class Match:
    """A raw rule match, before normalisation."""

    kind: str
    start: int
    end: int
    rule: str
    groups: dict[str, str]
    priority: int = 0


@dataclass
class Indicator:
    doc_id: str
    source_file: str
    kind: str
    value: object
    unit: str = ""
    qualifier: str = ""
    doc_type: str = ""
    ref_date: str = ""
    section_path: str = ""
    section_title: str = ""
    origin: str = "body"
    text: str = ""
    context: str = ""
    char_start: int = 0
    char_end: int = 0
    page: int | None = None
    table: int | None = None
    row: str = ""
    col: str = ""
    per: str = ""
    total: str = ""  # "yes" on a table row whose label is a total (Tổng cộng, Tổng số, Cộng, Toàn tỉnh)
    note: str = ""  # a flag in plain words for the analyst ("ambiguous separators")
    id: str = ""  # "<doc_id>:<n>", n in text order within the document
    review: str = ""  # the analyst's decision merged by `vnreport apply`: ok | wrong | fixed
    value_extracted: object = ""  # the extracted value, kept when the analyst fixed `value`
    review_note: str = ""  # the analyst's note from decisions.csv


INDICATOR_COLUMNS = [
    "doc_id", "source_file", "kind", "value", "unit", "qualifier", "doc_type", "ref_date",
    "section_path", "section_title", "origin", "text", "context", "char_start", "char_end",
    "page", "table", "row", "col",
]
# added after the first contract, kept at the end; review and value_extracted are filled by `vnreport apply`
EXTRA_INDICATOR_COLUMNS = ["per", "id", "total", "note", "review", "value_extracted", "review_note"]
SECTION_COLUMNS = ["doc_id", "section_path", "level", "label", "title", "char_start", "char_end", "page"]
# review_page: the document's review page relative to OUTDIR (review/<doc_id>.html, or a short name), ok documents
DOCUMENT_COLUMNS = ["doc_id", "source_file", "format", "status", "error", "pages", "chars", "indicators",
                    "seconds", "title", "issuer", "number", "issued", "period", "sha256", "review_page"]
