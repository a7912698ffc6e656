"""(b) A table total that disagrees with the cells it adds up.

Flags: a cell of a total row (``total`` = yes: Tổng cộng, Tổng số, Cộng, Toàn tỉnh …) whose value is not the sum
of the column's cells it totals — "table total disagrees with its rows (15 + 9 + 5 = 29)" — and a cell of a total
column (a header ``Tổng số``, ``Tổng cộng``, ``Cộng`` …: ``patterns/checks.toml [tables] total_columns``) that is
not the sum of the columns it totals in its row — "table total disagrees with its columns (1 + 1 + 5 = 7)".
Which cells a total adds up is read from the table itself: a total row adds every row that is no total, or the
rows since the previous total row (a group's "Cộng"), or the rows down to the next total row (a total written on
top); a total column adds its sibling columns, or every column under its parent heading, or the columns since the
previous total column. The reading the table's other cells agree with is taken — at least two of the total's
cells and at least half of them add up under it — and only the cells that disagree with it are flagged: a value
that contradicts its neighbours. Figures rounded as written (decimals, a table in ``triệu đồng``) may be off by
half their last digit each.

Leaves alone: percentages, averages, scores, indexes, ranks, comparisons (columns or rows whose heading says
``tỷ lệ``, ``%``, ``bình quân``, ``điểm``, ``so sánh`` …: ``not_summed``; and every value that is no count or
money); subset columns (under ``Trong đó``: ``subset_columns``) and the rows of a table whose structure no reading
explains (nested sub-totals without a total label, lists of different indicators: no two cells agree, so nothing
is flagged); a total with fewer than two of its cells to compare; cells next to a cell the extractor could not
read (its sum is unknown); the row that numbers the columns.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator

import regex

from ..extraction.tables import block_cells
from ..records import Block, Indicator
from .common import Doc, Words, amount, fmt, slack

KINDS = ("count", "money")
EMPTY_CELL = regex.compile(r"\s*(?:[-–—x×./]+|0+|\(\s*\)|)\s*")


def flag(doc: Doc, w: Words) -> Iterator[tuple[Indicator, str]]:
    tables: dict[int, list[Indicator]] = defaultdict(list)
    for r in doc.rows:
        if r.origin == "table" and r.table is not None and r.col:
            tables[r.table].append(r)
    if not tables:
        return
    blocks = [b for b in doc.blocks if b.kind == "table"]
    starts = [b.start for b in blocks]
    for rows in tables.values():
        grid = _Grid(rows, blocks, starts, doc.text, w)
        yield from grid.row_totals(w)
        yield from grid.column_totals(w)


class _Grid:
    """A table's values as a grid: its lines (table rows, in order) × its columns (header paths, in order)."""

    def __init__(self, rows: list[Indicator], blocks: list[Block], starts: list[int], text: str, w: Words):
        self.not_summed = w.rx("tables", "not_summed")
        by_line: dict[int, dict[str, list[Indicator]]] = defaultdict(lambda: defaultdict(list))
        line_of: dict[int, Block] = {}
        col_pos: dict[str, list[int]] = defaultdict(list)
        for r in rows:
            k = bisect_right(starts, r.char_start) - 1
            if k < 0 or not blocks[k].start <= r.char_start < blocks[k].end:
                continue
            b = blocks[k]
            line_of[b.start] = b
            by_line[b.start][r.col].append(r)
            cells = block_cells(text, b)
            idx = next((i for i, (a, z) in enumerate(cells) if a <= r.char_start < z), None)
            if idx is not None:
                col_pos[r.col].append(idx)
        self.lines = sorted(by_line)
        self.cols = sorted(col_pos, key=lambda c: (sorted(col_pos[c])[len(col_pos[c]) // 2], c))
        self.value: dict[tuple[int, str], Indicator] = {}
        self.unknown: set[int] = set()  # lines with a cell the extractor could not read
        self.total_line: dict[int, bool] = {}
        self.label: dict[int, str] = {}
        for ln in self.lines:
            cols = by_line[ln]
            first = next(iter(cols.values()))[0]
            self.total_line[ln] = first.total == "yes"
            self.label[ln] = first.row
            for c, vs in cols.items():
                if len(vs) == 1 and vs[0].kind in KINDS and amount(vs[0]) is not None and not vs[0].qualifier:
                    self.value[(ln, c)] = vs[0]
                elif vs[0].kind in KINDS or len(vs) > 1:
                    self.unknown.add(ln)
            b = line_of[ln]
            for a, z in block_cells(text, b):
                t = text[a:z]
                if any(a <= v.char_start < z for vs in cols.values() for v in vs):
                    continue
                if t.strip() and t.strip() != first.row.strip() and not EMPTY_CELL.fullmatch(t) \
                        and regex.search(r"[0-9]", t) and not regex.fullmatch(r"\s*[0-9IVXivx]{1,4}[.)]?\s*", t):
                    self.unknown.add(ln)  # a figure the extractor did not read: the line's sums are unknown
        self.numbering = {ln for ln in self.lines if self._numbering(ln)}
        self.summed_cols = [c for c in self.cols if not self.not_summed.search(c)
                            and any((ln, c) in self.value for ln in self.lines)]

    def _numbering(self, ln: int) -> bool:
        """The line that numbers the columns ("1 2 3 4 (5=3+4) …"), read as figures."""
        vals = [amount(self.value[(ln, c)]) for c in self.cols if (ln, c) in self.value]
        return len(vals) >= 3 and all(v.is_integer() and 0 < v <= 60 for v in vals) and \
            all(a < b for a, b in zip(vals, vals[1:]))

    def cell(self, ln: int, c: str) -> float | None:
        """A cell's value; 0 for an empty cell; None when unknown."""
        r = self.value.get((ln, c))
        if r is not None:
            return amount(r)
        return None if ln in self.unknown else 0.0

    # -------------------------------------------------------------------------------------- total rows
    def row_totals(self, w: Words) -> Iterator[tuple[Indicator, str]]:
        body = [ln for ln in self.lines if ln not in self.numbering and not self.not_summed.search(self.label[ln])]
        for i, ln in enumerate(body):
            if not self.total_line[ln]:
                continue
            cols = [c for c in self.summed_cols if (ln, c) in self.value]
            if len(cols) < 2:
                continue
            prev_total = max((j for j in range(i) if self.total_line[body[j]]), default=-1)
            next_total = next((j for j in range(i + 1, len(body)) if self.total_line[body[j]]), len(body))
            readings = [
                [x for x in body if not self.total_line[x]],  # every row that is no total
                [x for x in body[prev_total + 1:i] if not self.total_line[x]],  # the rows since the last total
                body[i + 1:next_total],  # the rows down to the next total (a total on top)
            ]
            yield from self._judge(
                cols, [r for r in readings if r],
                total=lambda c, ln=ln: self.value[(ln, c)],
                parts=lambda c, lines: [(x, self.cell(x, c)) for x in lines],
                found=lambda c, x: self.value.get((x, c)),
                note=lambda figures: w.note("table_row", sum=figures))

    # -------------------------------------------------------------------------------------- total columns
    def column_totals(self, w: Words) -> Iterator[tuple[Indicator, str]]:
        tot_rx = w.rx("tables", "total_columns")
        sub_rx = w.rx("tables", "subset_columns")
        lines = [ln for ln in self.lines if ln not in self.numbering and not self.not_summed.search(self.label[ln])]

        def last(c):
            return regex.sub(r"\([^()]*\)\s*$", "", c.split(" > ")[-1]).strip()

        totals = [c for c in self.summed_cols if tot_rx.fullmatch(last(c))]
        for tc in totals:
            parent = tc.split(" > ")[:-1]
            i = self.cols.index(tc)
            others = [c for c in self.summed_cols if c != tc and c not in totals]

            def below(c):  # under the total's parent heading, not inside a subset group ("Trong đó")
                q = c.split(" > ")
                return q[:len(parent)] == parent and len(q) > len(parent) and \
                    not any(sub_rx.fullmatch(x.strip()) for x in q[len(parent):-1])

            siblings = [c for c in others if c.split(" > ")[:-1] == parent]
            family = [c for c in others if below(c)] if parent else []
            prev = max((self.cols.index(c) for c in totals if self.cols.index(c) < i), default=-1)
            before = [c for c in siblings if prev < self.cols.index(c) < i]
            readings = [r for r in (siblings, family, before) if len(r) >= 2]
            cells = [ln for ln in lines if (ln, tc) in self.value]
            yield from self._judge(
                cells, readings,
                total=lambda ln, tc=tc: self.value[(ln, tc)],
                parts=lambda ln, cols: [(c, self.cell(ln, c)) for c in cols],
                found=lambda ln, c: self.value.get((ln, c)),
                note=lambda figures: w.note("table_col", sum=figures))

    # -------------------------------------------------------------------------------------- judging
    def _judge(self, keys, readings, total, parts, found, note) -> Iterator[tuple[Indicator, str]]:
        """``keys``: the total's cells (the columns of a total row, the lines of a total column); ``readings``:
        the ways the table may add them up. The reading most cells agree with is the table's; when at least two
        and at least half of the cells agree with it, the cells that do not are flagged."""
        best_ok, best_bad = [], []
        for reading in readings:
            ok, bad = [], []
            for k in keys:
                t = total(k)
                tv = amount(t)
                ps = parts(k, reading)
                if any(v is None for _, v in ps):
                    continue  # a part the extractor could not read
                present = [(p, v) for p, v in ps if found(k, p) is not None]
                if not present:
                    continue
                s = sum(v for _, v in ps)
                tol = slack(t) + sum(slack(found(k, p)) for p, _ in present) + 1e-6 * max(abs(tv), 1)
                if abs(s - tv) <= tol:
                    ok.append(k)
                else:
                    figures = " + ".join(fmt(v) for _, v in present)
                    bad.append((k, f"{figures} = {fmt(s)}" if len(present) > 1 else figures))
            if len(ok) > len(best_ok):
                best_ok, best_bad = ok, bad
        if len(best_ok) < 2 or len(best_ok) < len(best_bad):
            return
        for k, figures in best_bad:
            yield total(k), note(figures)
