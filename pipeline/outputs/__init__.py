"""Outputs: what ``extract`` writes into OUTDIR.

``files`` the contract's tables (CSV with BOM, the workbook) written atomically; ``review`` the review pages
(HTML, CSS and JavaScript kept as real files in ``review/assets/``, inlined when written); ``decisions`` the
analyst's decisions merged back (``vnreport apply``); ``spacy_docs`` the spaCy DocBin (``--spacy``).
"""
from .files import atomic_write, frame, read_tables, review_link, write_all, write_csv, write_tables, write_text, write_xlsx

__all__ = ["atomic_write", "frame", "read_tables", "review_link", "write_all", "write_csv", "write_tables",
           "write_text", "write_xlsx"]
