"""Review pages: ``OUTDIR/review/index.html`` and one self-contained ``review/<doc_id>.html`` per document.

Along the data flow: ``templates`` fills the page's templates (real files in ``assets/``) and holds its words (one
JSON catalogue per language, ``assets/i18n/``); ``highlight`` marks the values and headings over the text; ``grids``
finds the text's tables and draws them as HTML grids; ``pages`` builds a document's page and the index page;
``writer`` writes them (as documents finish, or all from OUTDIR's tables) and removes stale pages.
"""
from .grids import Grid, find_tables, text_html
from .highlight import heading_end, highlight
from .pages import (GENERATOR, KINDS, LAZY_ROWS, ROW_FIELDS, SECTION_FIELDS, document_page, fingerprint, index_entry,
                    index_page, index_page_of, page_href, storage_key)
from .templates import ASSETS, asset, catalogue, render, script_json, tr
from .writer import ReviewStream, _records, write_review, write_review_from_outdir

__all__ = ["ASSETS", "GENERATOR", "Grid", "KINDS", "LAZY_ROWS", "ROW_FIELDS", "ReviewStream", "SECTION_FIELDS",
           "_records", "asset", "catalogue", "document_page", "find_tables", "fingerprint", "heading_end", "highlight",
           "index_entry", "index_page", "index_page_of", "page_href", "render", "script_json", "storage_key",
           "text_html", "tr", "write_review", "write_review_from_outdir"]
