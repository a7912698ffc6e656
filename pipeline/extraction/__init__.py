"""Extract: the grammar's rules over a document's text → normalised indicator rows.

- ``extractor.py``: every rule proposes matches, each normalised (or refused) by its kind; proposals compete for
  their digits; counts read their counted noun with underthesea.
- ``scan.py``: where each rule can start, so that a rule is tried only there (the scan plan).
- ``tables.py``: table cells read with their row and column headers.
"""
from .extractor import Cand, Extractor, _tagger, sentence_bounds

__all__ = ["Cand", "Extractor", "_tagger", "sentence_bounds"]
