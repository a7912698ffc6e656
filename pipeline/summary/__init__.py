"""Province summary: map every document's sections onto the province's template outline and sum the values
section by section (``vnreport summary OUTDIR --template T``; ``vnreport template T``)."""
