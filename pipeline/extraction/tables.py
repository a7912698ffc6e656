"""The table model: a table's rows and columns → cells with a row label and a column header path.

Header rows stand above the first data row; a row's first text cell is its label (a group row such as
"II. Các chi, đảng bộ …" labels the index-only rows under it); the "A B 01 02 03" column-numbering row and
the index column (TT/STT) hold no indicators.
"""
from __future__ import annotations

from dataclasses import dataclass

import regex

from ..records import Block
from ..segment import Outline

CELL_NUM = regex.compile(r"^\s*(?P<n>[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?|[0-9]+(?:,[0-9]+)?)\s*(?P<pct>%)?\s*\|?\s*$")
INDEX_CELL = regex.compile(r"^\s*(?:[0-9]{1,3}|[IVXLC]{1,6}|[a-zđ])[.)]?\s*$")
# a score out of a maximum: "9,49/ 9,5" → the score 9.49
SCORE_CELL = regex.compile(r"^\s*(?P<n>[0-9]+(?:,[0-9]+)?)\s*/\s*(?P<of>[0-9]+(?:,[0-9]+)?)\s*$")
# what a header or a "Đơn vị tính" cell says of the numbers below it
UNIT_IN_HEADER = regex.compile(r"\((?P<u>[^()]{1,30})\)\s*$")
RANK_HEADER = regex.compile(r"(?i)(?:thứ\s*hạng|xếp\s*hạng|xếp\s*thứ|^\s*hạng\s*$|^\s*(?:s?tt|số\s*tt)\s*$)")
# a column of identifiers, not quantities: codes ("Mã số", "Mã đơn vị", "Số hiệu UN"), phone and ID card numbers,
# years of birth (workbooks carry them beside the names: 1650360491 under "Mã số" is no count)
CODE_HEADER = regex.compile(r"(?i)^\s*(?:mã|số\s*hiệu|ký\s*hiệu|(?:số\s*)?điện\s*thoại|sđt|(?:số\s*)?(?:cmnd|cccd)"
                            r"|số\s*định\s*danh|năm\s*sinh)(?!\w)")
UNIT_COLUMN = regex.compile(r"(?i)^\s*(?:đơn\s*vị\s*tính|đvt)\s*$")
TOTAL_LABEL = regex.compile(r"(?i)^\s*(?:tổng\s*cộng|tổng\s*số|tổng|cộng|toàn\s*(?:tỉnh|huyện|thành\s*phố|thị\s*xã|xã|quốc))\b")


@dataclass
class Meaning:
    """What a column or a row says its numbers are: kind, unit and scale ("Dư nợ (triệu đồng)" → money ×10⁶)."""

    kind: str = "count"
    unit: str = ""
    scale: int = 1


def meaning(unit_text: str, scales: dict[str, int], currency: set[str]) -> Meaning | None:
    """"%" → percent; "triệu đồng" → money ×10⁶; "người" → count of người; None when it says nothing."""
    u = " ".join(unit_text.lower().split()).strip(" .:")
    if not u:
        return None
    if u in ("%", "tỷ lệ", "tỷ lệ %", "tỉ lệ", "phần trăm"):
        return Meaning("percent", "%")
    words = u.split()
    if words and words[-1] in currency:
        scale = scales.get(" ".join(words[:-1]), 1) if len(words) > 1 else 1
        return Meaning("money", "VND", scale)
    if len(words) <= 4 and (not regex.search(r"[0-9]", u) or len(u) <= 4):  # "người", "km2"
        return Meaning("count", u)
    return None


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
    numeric: object = None  # the CELL_NUM (or SCORE_CELL) match when the cell is a number alone
    meaning: Meaning | None = None  # kind, unit and scale the headers or the unit column give the number
    total: bool = False  # the row's label is a total (Tổng cộng, Cộng, Toàn tỉnh …)


def read_tables(blocks: list[Block], ntext: str, outline: Outline, scales: dict[str, int] | None = None,
                currency: set[str] | None = None) -> tuple[list[Cell], list[tuple[int, int]]]:
    """Header rows (above the first data row) give each column its header path, a row's
    first text cell its label; the 'A B 01 02' column-numbering row, index cells (TT/STT) and rank columns
    (Thứ hạng) are skipped. A header's "(triệu đồng)", "(%)", "(người)" or the row's "Đơn vị tính" cell says
    what the numbers are."""
    scales = scales or {}
    currency = currency or {"đồng", "đ", "vnđ", "vnd"}
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
        width = max(len(block_cells(ntext, b)) for b in rows)
        seen_data = False
        group_label = ""
        title = outline.table_titles.get(rows[0].table if rows[0].table is not None else -1, "") or \
            _title_before(ntext, rows[0].start)
        # "(Đơn vị tính: triệu đồng)" in the lines above the table: the unit of every number in it
        cap = regex.search(r"(?i)(?:đơn\s*vị\s*tính|đvt)\s*:\s*([^)\n]{1,30})", ntext[max(0, rows[0].start - 300):rows[0].start])
        table_meaning = meaning(cap.group(1), scales, currency) if cap else None
        for b in rows:
            if b.style == "md-rule":  # |---|---| under a Markdown table's header
                continue
            cells = block_cells(ntext, b)
            texts = [ntext[a:z].strip() for a, z in cells]
            if _column_numbering(texts):
                seen_data = True
                skip.append((b.start, b.end))
                continue
            nums = [i for i, t in enumerate(texts) if CELL_NUM.match(t) or (seen_data or header) and
                    SCORE_CELL.match(t) and "," in t]
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
            header = _aligned(header)
            unit_col = next((j for j in range(len(texts)) if UNIT_COLUMN.match(_header_path(header, j))), None)
            row_meaning = meaning(texts[unit_col], scales, currency) if unit_col is not None and \
                unit_col < len(texts) else None
            total = bool(TOTAL_LABEL.match(label))
            if row_meaning is None and (u := UNIT_IN_HEADER.search(label)):  # "Thu ngân sách (triệu đồng)"
                row_meaning = meaning(u.group("u"), scales, currency)
            # a row with fewer cells than the table: its label cell spans the missing columns
            # ("CHỈ SỐ CHUNG" written across STT and Nội dung)
            shift = width - len(cells) if label_i is not None and not index else 0
            for i, (a, z) in enumerate(cells):
                t = ntext[a:z]
                if not t.strip() or (i == 0 and index) or i == label_i:
                    continue
                col = _header_path(header, i + shift if label_i is not None and i > label_i else i)
                last = col.split(" > ")[-1] if col else ""
                if RANK_HEADER.search(last) or CODE_HEADER.match(last):
                    skip.append((a, z))  # a rank ("43/63" under "Thứ hạng") or a code is no indicator
                    continue
                lead = len(t) - len(t.lstrip())
                span = (a + lead, a + lead + len(t.strip()))
                num = (CELL_NUM.match(t) or SCORE_CELL.match(t)) if i in data else None
                col_meaning = next((mm for part in reversed(col.split(" > ")) if (u := UNIT_IN_HEADER.search(part))
                                    and (mm := meaning(u.group("u"), scales, currency))), None)
                if col_meaning is None and regex.search(r"(?i)\btỷ\s*lệ\b|\btỉ\s*lệ\b", col):
                    col_meaning = Meaning("percent", "%")
                said = col_meaning if col_meaning is not None and col_meaning.kind == "percent" else \
                    row_meaning or col_meaning or table_meaning  # a "(%)" column outweighs the row's unit
                out.append(Cell(b, span, ti, label, col, title, context, num, said, total))
    return out, skip



def _adjacent(text: str, a: Block, b: Block) -> bool:
    return text[a.end:b.start].count("\n") <= 1


def tab_cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The (start, end) offsets of the tab-separated cells of ``text[start:end]``."""
    out, pos = [], start
    for part in text[start:end].split("\t"):
        out.append((pos, pos + len(part)))
        pos += len(part) + 1
    return out


def block_cells(text: str, b: Block) -> list[tuple[int, int]]:
    """A table row's cells: those the reader recorded, else its tab-separated parts."""
    return b.cells or tab_cells(text, b.start, b.end)


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


def _aligned(header: list[list[str]]) -> list[list[str]]:
    """A text table writes a cell spanning columns once, so a header row can be shorter than the row under it
    ("STT | Nội dung | Lâm Đồng | Đắk Nông" over "| | Điểm số | Chỉ số | Thứ hạng | Điểm số …"). Spread it: an
    empty cell below takes one cell above (merged vertically), each run of filled cells below shares the
    remaining cells above equally. Left as written when the runs do not divide evenly."""
    out = [list(r) for r in header]
    for r in range(len(out) - 2, -1, -1):
        top, below = out[r], out[r + 1]
        if len(top) >= len(below) or not any(top):
            continue
        runs, k = [], 0
        while k < len(below):
            m = k
            while m < len(below) and below[m]:
                m += 1
            runs.append(max(1, m - k) if m > k else 0)
            k = m + 1 if m == k else m
        singles = sum(1 for x in runs if x == 0)
        spread = len(top) - singles
        width = sum(runs)
        if spread <= 0 or width % spread:
            continue
        step, ti, new = width // spread, 0, []
        for x in runs:
            if ti >= len(top):
                break
            if x == 0:
                new.append(top[ti])
                ti += 1
            else:
                for _ in range(x // step):
                    if ti < len(top):
                        new.extend([top[ti]] + [""] * (step - 1))
                        ti += 1
        if ti == len(top):
            out[r] = new
    return out


def _header_path(header: list[list[str]], col: int) -> str:
    """Column header path: each header row's cell above the column, a merged (empty) cell taking the
    text of the filled cell on its left."""
    parts = []
    for r, row in enumerate(header):
        if col < len(row) and row[col]:
            v = row[col]
        elif r > 0 and col < len(header[r - 1]) and header[r - 1][col]:
            v = ""  # empty under a filled cell: a vertically merged header, not its left neighbour's
        else:
            v = next((row[j] for j in range(min(col, len(row) - 1), -1, -1) if row[j]), "")
        if v and v not in parts:
            parts.append(v)
    return " > ".join(parts)


def _title_before(text: str, pos: int) -> str:
    lines = [ln.strip() for ln in text[max(0, pos - 600):pos].split("\n") if ln.strip()]
    lines = [ln for ln in lines if "\t" not in ln and not ln.startswith("(")]
    return " ".join(lines[-2:]) if lines else ""
