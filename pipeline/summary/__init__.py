"""Province summary: map every document's sections onto the province's template outline and sum the values
section by section (``vnreport summary OUTDIR --template T``; ``vnreport template T``).

``template`` reads the outline, ``asks`` the figures it requests and ``answers`` each report's answer to them
(``asks_sheet``, the workbook's first sheet), ``mapping`` aligns sections, ``sums`` decides what adds up, ``workbook``
writes summary.xlsx, ``build`` runs it all.
"""
from .asks import asks_text
from .build import Summary, summarise
from .template import SummaryError, outline_text

__all__ = ["Summary", "SummaryError", "asks_text", "outline_text", "summarise"]
