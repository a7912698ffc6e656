"""The table model: a table's rows and columns → cells with a row label and a column header path.

Header rows stand above the first data row; a row's first text cell is its label (a group row such as
"II. Các chi, đảng bộ …" labels the index-only rows under it); the "A B 01 02 03" column-numbering row and
the index column (TT/STT) hold no indicators.
"""
from __future__ import annotations

from dataclasses import dataclass

import regex

from .records import Block
from .segment import Outline

CELL_NUM = regex.compile(r"^\s*(?P<n>[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?|[0-9]+(?:,[0-9]+)?)\s*(?P<pct>%)?\s*\|?\s*$")
INDEX_CELL = regex.compile(r"^\s*(?:[0-9]{1,3}|[IVXLC]{1,6}|[a-zđ])[.)]?\s*$")


@dataclass
class Cell:
    """A data cell of a table: where it is, what row and column it belongs to."""

    block: Block
    span: tuple[int, int]
    table: int
    row: str
    col: str
    title: str
    context: str
    numeric: object = None  # the CELL_NUM match when the cell is a number alone


def read_tables(blocks: list[Block], ntext: str, outline: Outline) -> tuple[list[Cell], list[tuple[int, int]]]:
    """Header rows (above the first data row) give each column its header path, a row's
    first text cell its label; the 'A B 01 02' column-numbering row and index cells (TT/STT) are skipped."""
    groups: list[list[Block]] = []
    for b in blocks:
        if b.kind != "table":
            continue
        if groups and (groups[-1][-1].table == b.table if b.table is not None
                       else _adjacent(ntext, groups[-1][-1], b)):
            groups[-1].append(b)
        else:
            groups.append([b])
    out: list[Cell] = []
    skip: list[tuple[int, int]] = []  # spans the text rules must not read: numeric cells, indexes, numbering
    for ti, rows in enumerate(groups, 1):
        header: list[list[str]] = []
        seen_data = False
        group_label = ""
        title = outline.table_titles.get(rows[0].table if rows[0].table is not None else -1, "") or \
            _title_before(ntext, rows[0].start)
        for b in rows:
            if b.style == "md-rule":  # |---|---| under a Markdown table's header
                continue
            cells = _cells(ntext, b)
            texts = [ntext[a:z].strip() for a, z in cells]
            if _column_numbering(texts):
                seen_data = True
                skip.append((b.start, b.end))
                continue
            nums = [i for i, t in enumerate(texts) if CELL_NUM.match(t)]
            if texts and INDEX_CELL.match(texts[0]) and len(texts) > 1:
                skip.append(cells[0])
            skip.extend(cells[i] for i in nums)
            label_i = next((i for i, t in enumerate(texts) if t and not CELL_NUM.match(t)
                            and not INDEX_CELL.match(t)), None)
            index = texts[0] if texts and INDEX_CELL.match(texts[0]) else ""
            data = [i for i in nums if not (i == 0 and (index or (label_i or 0) > 0))]
            if not seen_data and (label_i is None or not data):
                header.append(texts)
                continue
            if not data:
                if label_i is not None:
                    group_label = texts[label_i]  # "II. Các chi, đảng bộ …": names the rows below it
                continue
            seen_data = True
            if label_i is not None:
                label = texts[label_i]
            elif group_label and index and group_label.startswith(index.rstrip(".)")):
                label = group_label
            else:
                label = index
            context = " | ".join(x for x in texts if x)
            for i, (a, z) in enumerate(cells):
                t = ntext[a:z]
                if not t.strip() or (i == 0 and index) or i == label_i:
                    continue
                lead = len(t) - len(t.lstrip())
                span = (a + lead, a + lead + len(t.strip()))
                out.append(Cell(b, span, ti, label, _header_path(header, i), title, context,
                                CELL_NUM.match(t) if i in data else None))
    return out, skip



def _adjacent(text: str, a: Block, b: Block) -> bool:
    return text[a.end:b.start].count("\n") <= 1


def _cells(text: str, b: Block) -> list[tuple[int, int]]:
    if b.cells:
        return b.cells
    out, pos = [], b.start
    for part in text[b.start:b.end].split("\t"):
        out.append((pos, pos + len(part)))
        pos += len(part) + 1
    return out


def _column_numbering(texts: list[str]) -> bool:
    """'A  B  01  02  03' / '1 2 3 4': the row that numbers the columns."""
    vals = [t for t in texts if t]
    if len(vals) < 3:
        return False
    letters = [t for t in vals if regex.fullmatch(r"[A-Z]", t)]
    nums = [int(t) for t in vals if regex.fullmatch(r"[0-9]{1,2}", t)]
    if len(letters) + len(nums) != len(vals) or len(nums) < 2:
        return False
    return letters != [] or nums == sorted(nums) and len(set(nums)) == len(nums) and nums[0] <= 1


def _header_path(header: list[list[str]], col: int) -> str:
    """Column header path: each header row's cell above the column, a merged (empty) cell taking the
    text of the filled cell on its left."""
    parts = []
    for row in header:
        v = next((row[j] for j in range(min(col, len(row) - 1), -1, -1) if row[j]), "")
        if v and v not in parts:
            parts.append(v)
    return " > ".join(parts)


def _title_before(text: str, pos: int) -> str:
    lines = [ln.strip() for ln in text[max(0, pos - 600):pos].split("\n") if ln.strip()]
    lines = [ln for ln in lines if "\t" not in ln and not ln.startswith("(")]
    return " ".join(lines[-2:]) if lines else ""
