"""Check: a stage of its own between extraction and the outputs. Reports check themselves — a total and its parts,
a table's total row and its cells, a ratio's part and whole, a share, a date and the report's own date — and a
value that contradicts its neighbours is the one worth a look. Each check adds a plain-words English ``note`` to
the rows it doubts (several notes joined with ``; ``; the extractor's ``ambiguous separators`` and ``read by OCR``
stay as they are):

- ``parts``: listed parts that do not add up to their total, a part above its total;
- ``table_totals``: a table's total row or total column that disagrees with the cells it adds up;
- ``ratios``: a ratio whose part is above its whole;
- ``shares``: a share above 100% that is no growth rate or plan attainment;
- ``dates``: a date after the report's own date that is not planned.

Each module's docstring says exactly what it flags and what it leaves alone; their words are data in
``patterns/checks.toml``, with the examples ``tests/test_checks.py`` runs.
"""
from __future__ import annotations

from ..records import Block, Indicator
from . import dates, parts, ratios, shares, table_totals
from .common import Doc, Words, add_note, words

CHECKS = (parts, table_totals, ratios, shares, dates)


def check(rows: list[Indicator], text: str, blocks: list[Block] | None = None, issued: str = "",
          sections: list[dict] | None = None, w: Words | None = None) -> list[Indicator]:
    """Add the checks' notes to ``rows`` (one document's values; their offsets index ``text``, as do ``blocks``'s).
    ``issued``: the report's own date (ISO); ``sections``: its headings (rows of sections.csv). Returns ``rows``."""
    w = w or words()
    doc = Doc(text=text, rows=sorted(rows, key=lambda r: (r.char_start, r.char_end)), blocks=list(blocks or []),
              issued=issued or "",
              sections={s["section_path"]: (s.get("title", ""), s.get("label", "")) for s in sections or []})
    for module in CHECKS:
        for row, note in module.flag(doc, w):
            add_note(row, note)
    return rows


__all__ = ["CHECKS", "check", "words"]
