"""Tables drawn as grids: the tables of a document's text (:func:`find_tables`), their header rows and merged
cells read back from the text (:func:`_layout`), and the text with each table drawn as an HTML grid whose cells
hold their highlights (:func:`text_html`)."""
from __future__ import annotations

import bisect
import re
from functools import lru_cache

from ...extraction.tables import tab_cells
from .highlight import _Pieces
from .templates import asset, catalogue, render, tr

# the formats whose text is the file itself: their table rows are found as ingest finds them
TEXT_FORMATS = {"txt", "md"}
# formats where every line with a tab is a table row (a PDF's or a sheet's paragraphs hold no tab)
TAB_ROWS_ONLY = {"pdf", "xlsx", "xls", "ods"}
_NUMBER = re.compile(r"^[-–+]?\s*\d[\d.,]*\s*%?(?:\s*/\s*\d[\d.,]*\s*%?)?$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_INDEX = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*|[IVXLC]{1,6}(?:\.\d{1,3})*|[a-zđ])[.)]?$")
_COLUMN_NO = re.compile(r"^(?:[A-Z]|\(?\d{1,2}\)?)$")
# a total row's label: the word alone ("Tổng cộng", "Cộng:", "Toàn tỉnh"), not "Tổng số nhiệm vụ được giao"
_TOTAL = re.compile(r"(?i)^(?:tổng\s*cộng|tổng\s*số|tổng|cộng|toàn\s*(?:tỉnh|huyện|thành\s*phố|thị\s*xã|xã|quốc))"
                    r"\s*[:.]?$")
MAX_HEADER_ROWS = 4


class Grid:
    """One table of the text: its rows (each a line: where it starts, its cells' offsets, where the next row
    starts), how many of them are header rows, and the cells as drawn (merged ones spanning rows or columns)."""

    def __init__(self, number: int, rows: list[tuple[int, list[tuple[int, int]], int]]):
        self.number = number
        self.rows = rows  # (line start, cells, end: after its newline and what follows up to the next row)
        self.header = 0
        self.numbering: set[int] = set()  # header rows that number the columns ("A B 1 2 3")
        self.spans: dict[tuple[int, int], list[int]] = {}  # drawn cell (row, col) → [rowspan, colspan]
        self.owner: list[list[tuple[int, int] | None]] = []  # (row, col) → the drawn cell covering it
        self.width = max(len(r[1]) for r in rows)
        self.labels = 0  # the leading columns that name the rows (index and label): kept in view when scrolled

    @property
    def start(self) -> int:
        return self.rows[0][0]

    @property
    def end(self) -> int:
        return self.rows[-1][2]


def find_tables(text: str, fmt: str = "", table_starts=()) -> list[Grid]:
    """The tables of a document's text, each with its cells as drawn.

    The text is all there is (``text/<doc_id>.txt``, whatever the reader): a table row is a line whose cells are
    separated by tabs (Word, PDF, spreadsheets), or, in a text or Markdown file, a line ingest reads as a table row
    (``read_text_blocks``: tabs, `` | ``, Markdown pipes). In a Word file a paragraph may hold a tab too: there a
    lone line with tabs is a table only when a blank line (a Word table's end) follows it or a table value starts
    in it (``table_starts``). Readers write a merged cell as its text followed by empty cells, so merges are read
    back as :func:`_layout` says."""
    grids = [Grid(i, rows) for i, rows in enumerate(_table_rows(text, fmt, sorted(table_starts)), 1)]
    for g in grids:
        _layout(g, text)
    return grids


def _table_rows(text: str, fmt: str, table_starts: list[int]):
    n = len(text)
    if fmt in TEXT_FORMATS:
        from ...ingest.readers import read_text_blocks

        groups: dict[int, list] = {}
        for b in read_text_blocks(text):
            if b.kind == "table":
                groups.setdefault(b.table, []).append(b)
        for blocks in groups.values():
            rows = []
            for b in blocks:
                if b.style == "md-rule" and rows:  # |---|---|: hidden in the row above
                    continue
                cells = list(b.cells) or tab_cells(text, b.start, b.end)
                rows.append([b.start, cells, b.end])
            for i, r in enumerate(rows):
                r[2] = rows[i + 1][0] if i + 1 < len(rows) else min(n, blocks[-1].end + 1)
            yield [tuple(r) for r in rows]
        return
    lines, pos = [], 0
    while pos <= n:
        j = text.find("\n", pos)
        j = n if j < 0 else j
        lines.append((pos, j))
        pos = j + 1
    i = 0
    while i < len(lines):
        if "\t" not in text[lines[i][0]:lines[i][1]]:
            i += 1
            continue
        k = i
        while k + 1 < len(lines) and "\t" in text[lines[k + 1][0]:lines[k + 1][1]]:
            k += 1
        run = lines[i:k + 1]
        start, end = run[0][0], run[-1][1]
        blank_after = k + 1 >= len(lines) or not text[lines[k + 1][0]:lines[k + 1][1]].strip()
        first = bisect.bisect_left(table_starts, start)
        has_value = first < len(table_starts) and table_starts[first] < end
        cells_inside = any("\t" in text[a:b].strip() for a, b in run)
        if cells_inside and (fmt in TAB_ROWS_ONLY or len(run) > 1 or blank_after or has_value):
            yield [(a, tab_cells(text, a, b), min(n, b + 1)) for a, b in run]
        i = k + 1


def _is_number(t: str) -> bool:
    return bool(_NUMBER.match(t)) and not _YEAR.match(t)


def _column_numbering(texts: list[str]) -> bool:
    """'A  B  01  02  03' / '(1) (2) (3)': the row that numbers the columns."""
    vals = [t for t in texts if t]
    if len(vals) < 3 or not all(_COLUMN_NO.match(t) for t in vals):
        return False
    nums = [int(t.strip("()")) for t in vals if t.strip("()").isdigit()]
    return len(nums) >= 2 and (len(nums) < len(vals) or nums == sorted(set(nums)))


def _data_row(texts: list[str]) -> bool:
    """A row of the table's body: it opens with an index (1, 2.1., II, a) or holds a number after its first cell."""
    if not texts:
        return False
    if _INDEX.match(texts[0]) and any(texts[1:]):
        return True
    return any(_is_number(t) for t in texts[1:])


def _spread(top: list[str], below: list[str]) -> list[tuple[int | None, int]] | None:
    """A header row shorter than the row under it, as a text table writes it ("STT | Nội dung | Lâm Đồng | Đắk Nông"
    over "| | Điểm số | Chỉ số | Thứ hạng | Điểm số …"), spread over the row's width as
    ``pipeline.extraction.tables._aligned`` reads it: an empty cell below takes one cell above (merged downwards),
    each run of filled cells below shares the remaining cells above equally. The new row as (index of the cell
    above or None for a cell added empty, index of the cell it follows); None when the row stays as written."""
    if len(top) >= len(below) or not any(top):
        return None
    runs, k = [], 0
    while k < len(below):
        m = k
        while m < len(below) and below[m]:
            m += 1
        runs.append(m - k)
        k = m + 1 if m == k else m
    singles = sum(1 for x in runs if x == 0)
    share = len(top) - singles
    width = sum(runs)
    if share <= 0 or width % share:
        return None
    step, ti, new = width // share, 0, []
    for x in runs:
        if ti >= len(top):
            break
        if x == 0:
            new.append((ti, ti))
            ti += 1
        else:
            for _ in range(x // step):
                if ti < len(top):
                    new.extend([(ti, ti)] + [(None, ti)] * (step - 1))
                    ti += 1
    return new if ti == len(top) else None


def _layout(g: Grid, text: str) -> None:
    """Header rows and merged cells, read back from the text as the readers write a table.

    Header rows: those above the first body row (:func:`_data_row`), at most ``MAX_HEADER_ROWS`` (a table without
    one has its first row as header when it has three rows or more). Word and spreadsheets write a merged cell as
    its text followed by empty cells; so, in the header, an empty cell under a cell is that cell merged downwards
    (when the whole width of the cell above is empty: "STT" over two header rows), else an empty cell is the cell on
    its left merged rightwards ("Lâm Đồng" over "Điểm số | Chỉ số | Thứ hạng"). In the body an empty cell joins its
    left neighbour where the header's last row merges that column into the one before, and a row's label written
    across the index column ("Tổng cộng", "CHỈ SỐ CHUNG") spans the empty label cell after it. Any other empty cell
    is an empty cell. A text table writes a spanning cell once, so its rows can be shorter than the table: a header
    row is spread over the row under it (:func:`_spread`), a body row opening with its label has the label span
    the missing columns ("CHỈ SỐ CHUNG" across STT and Nội dung), any other short row its last cell run to the
    table's end."""
    rows = g.rows
    width = g.width
    texts = [[text[a:z].strip() for a, z in cells] for _, cells, _ in rows]
    first = None
    for i, t in enumerate(texts):
        if _column_numbering(t):
            g.numbering.add(i)
        elif _data_row(t):
            first = i
            break
    if first is None:
        header = 1 if len(rows) >= 3 else 0
    else:
        header = first if first <= MAX_HEADER_ROWS else 1
    g.header = header
    g.numbering = {i for i in g.numbering if i < header}
    for r in range(header - 2, -1, -1):  # a text table writes a spanning header cell once: spread it
        spread = _spread(texts[r], texts[r + 1])
        if spread:
            cells = rows[r][1]
            new = [cells[i] if i is not None else (cells[k][1],) * 2 for i, k in spread]
            rows[r] = (rows[r][0], new, rows[r][2])
            texts[r] = [texts[r][i] if i is not None else "" for i, _ in spread]
    added = set()  # cells that are not in the text: a short body row's label spans the missing columns
    for r in range(header, len(rows)):
        t = texts[r]
        if len(t) < width and t[0] and not _INDEX.match(t[0]) and not _is_number(t[0]):
            cells = rows[r][1]
            n = width - len(t)
            rows[r] = (rows[r][0], [cells[0]] + [(cells[0][1],) * 2] * n + cells[1:], rows[r][2])
            texts[r] = [t[0]] + [""] * n + t[1:]
            added |= {(r, c) for c in range(1, n + 1)}
    owner: list[list] = [[None] * width for _ in rows]
    spans = g.spans
    g.owner = owner

    def anchor(r: int, c: int, cs: int = 1) -> None:
        spans[(r, c)] = [1, cs]
        for k in range(c, c + cs):
            owner[r][k] = (r, c)

    def right(r: int, c: int) -> bool:
        """Merge cell (r, c) into the cell on its left, when that one starts in this row."""
        left = owner[r][c - 1] if c > 0 else None
        if left is None or left[0] != r or spans[left][0] != 1:
            return False
        spans[left][1] += 1
        owner[r][c] = left
        return True

    def finish(r: int) -> None:
        """A short row: its last cell runs to the table's end."""
        n = len(texts[r])
        if n < width and not right_to_end(r, n):
            anchor(r, n, width - n)

    def right_to_end(r: int, n: int) -> bool:
        last = owner[r][n - 1]
        if last is None or last[0] != r or spans[last][0] != 1:
            return False
        spans[last][1] += width - n
        for k in range(n, width):
            owner[r][k] = last
        return True

    def header_row(r: int, down: bool) -> None:
        t = texts[r]
        for c in range(len(t)):
            if owner[r][c] is not None:
                continue
            if t[c]:
                anchor(r, c)
                continue
            above = owner[r - 1][c] if down and r > 0 else None
            if above is not None and above[1] == c:
                cs = spans[above][1]
                if all(k < len(t) and not t[k] and owner[r][k] is None for k in range(c, c + cs)):
                    spans[above][0] += 1
                    for k in range(c, c + cs):
                        owner[r][k] = above
                    continue
            if not right(r, c):
                anchor(r, c)
        finish(r)

    for r in range(header):
        saved = {k: list(v) for k, v in spans.items()}
        header_row(r, True)
        if not any(k[0] == r for k in spans):  # every cell merged into the row above: the row would vanish
            spans.clear()
            spans.update(saved)
            owner[r] = [None] * width
            header_row(r, False)
    last_header = max((r for r in range(header) if r not in g.numbering), default=None)
    merged = set()
    if last_header is not None:
        for c in range(1, width):
            o = owner[last_header][c]
            if o is not None and o[1] < c and not any(c < len(texts[r]) and texts[r][c] for r in g.numbering):
                merged.add(c)
    body = texts[header:]
    labelled = [t for t in body if len(t) > 1 and t[1]]
    index_col = bool(labelled) and sum(1 for t in labelled if _INDEX.match(t[0])) >= 0.6 * len(labelled)
    g.labels = (2 if index_col else 1) if body and width >= 4 else 0
    for r in range(header, len(rows)):
        t = texts[r]
        for c in range(len(t)):
            if t[c]:
                anchor(r, c)
            elif (r, c) in added and right(r, c):
                continue
            elif c in merged and right(r, c):
                continue
            elif c == 1 and index_col and t[0] and not _INDEX.match(t[0]) and not _is_number(t[0]) and right(r, c):
                continue
            else:
                anchor(r, c)
        finish(r)


def _grid_ctx(g: Grid, text: str, pieces: _Pieces, strings: dict) -> dict:
    """What ``grid.html`` draws of a table: its rows (header rows in ``head``), each drawn cell with its spans and
    its HTML. Every character of the table's lines is in some cell, in text order: a cell's text and highlights,
    and, hidden (``<span class="sep">``), the characters between cells that are not white space (`` | ``, a
    Markdown row's bars and rule); tabs and newlines stay as they are (white space a cell does not show)."""
    texts_of = lambda a, z: text[a:z].strip()  # noqa: E731
    head, body = [], []
    for r, (start, cells, end) in enumerate(g.rows):
        drawn: dict = {}
        order: list = []
        for c in range(g.width):
            o = g.owner[r][c]
            if o is not None and o[0] == r and o not in drawn:
                rs, cs = g.spans[o]
                cls = []
                if r >= g.header and o[1] < len(cells):
                    t = texts_of(*cells[o[1]])
                    cls.append("idx" if o[1] == 0 and _INDEX.match(t) else "num" if _is_number(t) else
                               "long" if len(t) > 24 else "")
                if o[1] + cs <= g.labels:
                    cls.append(f"c{o[1]}")  # a row-naming column: sticky when the table scrolls sideways
                drawn[o] = {"rs": rs if rs > 1 else None, "cs": cs if cs > 1 else None,
                            "cls": " ".join(c for c in cls if c) or None, "parts": []}
                order.append(o)
        pending: list = []
        last = None

        def put(a: int, b: int, cell, visible: bool) -> None:
            nonlocal last
            if a >= b:
                return
            hidden = not visible and bool(text[a:b].strip())
            part = (a, b, hidden)
            if cell is None:
                cell = last
            if cell is None:
                pending.append(part)
                return
            if pending:
                cell["parts"].extend(pending)
                pending.clear()
            cell["parts"].append(part)
            last = cell

        def target(c: int):
            o = g.owner[r][c]
            return drawn[o] if o is not None and o[0] == r else None

        pos = start
        for c, (a, z) in enumerate(cells):
            here = target(c)
            if c > 0 and here is not None and here is target(c - 1):
                put(pos, a, here, False)  # a tab inside a merged cell
            else:
                put(pos, a, here if c == 0 else None, False)
            put(a, z, here, here is not None)
            pos = z
        put(pos, end, None, False)
        if pending:  # pragma: no cover - every row has a drawn cell
            order.append((r, -1))
            drawn[(r, -1)] = {"rs": None, "cs": None, "cls": None, "parts": list(pending)}
        out_cells = []
        for o in order:
            cell = drawn[o]
            html_parts = []
            for a, b, hidden in _joined(cell.pop("parts")):
                h = pieces.html(a, b)
                html_parts.append(f'<span class="sep">{h}</span>' if hidden else h)
            cell["html"] = "".join(html_parts)
            out_cells.append(cell)
        t = [texts_of(a, z) for a, z in cells]
        label = next((x for x in t if x and not _INDEX.match(x)), "")
        cls = "colno" if r in g.numbering else "total" if r >= g.header and _TOTAL.match(label) else None
        (head if r < g.header else body).append({"cls": cls, "cells": out_cells})
    # a table of words only, without header (a letterhead, a signature block): drawn lighter
    plain = not g.header and not any(_data_row([texts_of(a, z) for a, z in c]) for _, c, _ in g.rows)
    return {"number": g.number, "label": tr(strings, "grid.label", n=g.number), "head": {"rows": head} if head else None,
            "body": body, "plain": plain, "labels": g.labels}


def _joined(parts):
    """Adjacent pieces of the same visibility as one (fewer calls, fewer elements)."""
    out: list = []
    for a, b, hidden in parts:
        if out and out[-1][1] == a and out[-1][2] == hidden:
            out[-1] = (out[-1][0], b, hidden)
        else:
            out.append((a, b, hidden))
    return out


@lru_cache(maxsize=1)
def _grid_template() -> str:
    # no white space between the table's tags: text there would be part of the page's text (#text's textContent
    # is the document's text, character for character)
    return re.sub(r"\s*\n\s*", "", asset("grid.html"))


def text_html(text: str, spans, headings=(), grids=(), strings: dict | None = None) -> str:
    """The document's text as the page shows it: :func:`highlight`'s marks, and each table of ``grids``
    (:func:`find_tables`) drawn as an HTML table whose cells hold their highlights. The page's text content is the
    text, character for character."""
    strings = strings if strings is not None else catalogue()
    pieces = _Pieces(text, spans, headings)
    out, pos, n = [], 0, len(text)
    tpl = _grid_template()
    for g in grids:
        if g.start > pos:
            out.append(pieces.html(pos, g.start))
        out.append(render(tpl, _grid_ctx(g, text, pieces, strings), strings))
        pos = g.end
    if pos < n or n == 0:
        out.append(pieces.html(pos, n))
    return "".join(out)
