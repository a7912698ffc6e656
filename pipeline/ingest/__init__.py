"""Ingest: a file → its plain text plus blocks (paragraphs, headings, table rows with cells, footnotes) with
offsets and pages.

``readers`` holds the text/Markdown/Word readers and the dispatch; ``pdf`` the PDF reader;
``docx_numbering`` Word's automatic heading numbers.
"""
from .readers import SUPPORTED, IngestError, decode, ingest, nfc_view, read_docx, read_text, read_text_blocks

__all__ = ["SUPPORTED", "IngestError", "decode", "ingest", "nfc_view", "read_docx", "read_text", "read_text_blocks"]
