"""Review pages: ``OUTDIR/review/index.html`` and one self-contained ``review/<doc_id>.html`` per document.

The page's HTML, CSS and JavaScript are real files in ``review_assets/`` (``document.html``, ``index.html``,
``grid.html``, ``review.css``, ``review.js``). Python only fills the templates (a minimal ``{{name}}`` placeholder
syntax, see :func:`render`), builds the document text with its ``<mark>`` highlights (:func:`highlight`), draws the
text's tables as HTML grids (:func:`find_tables`, :func:`text_html`) and embeds the rows as JSON; CSS and JavaScript
are inlined, so a written page makes no request at all (its Content-Security-Policy says so too).

Every word the pages show a person comes from one JSON catalogue per language, ``review_assets/i18n/<lang>.json``
(Vietnamese by default, English with ``--lang en``: :func:`pipeline.i18n.current`). The templates name a string by
its key (``{{@filter.kind}}``, ``{{@doc.values n=total}}``); the page's catalogue is inlined too, and the script
looks its strings up by key (``t(key, params)``). Ids, data attributes, keys and ``decisions.csv`` are the same in
every language.

Decisions live in the browser's localStorage under :func:`storage_key` (``vnreport.review/<doc_id>``), each with
the fingerprint of the row it was made on (:func:`fingerprint`: a hash of the row's id, offsets, kind, extracted
value and text). A page applies a stored decision only when that fingerprint matches its row: a new run that
extracts the same row keeps the analyst's decision, a row that changed (another value, other offsets, ids shifted
by a new row) does not silently inherit it; the page says how many such stale decisions it holds and offers to
discard them. Review states already merged by ``vnreport apply`` (column ``review``) are the pages' initial state,
the browser's decisions are layered on top.
"""
from __future__ import annotations

import bisect
import hashlib
import html
import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..i18n import current as current_lang
from .files import (REVIEW_DIR, as_text, encode_text, page_name, page_names, read_table, records, valid_page,
                    write_bytes, write_text)

if TYPE_CHECKING:  # pandas only where a whole table is read (apply), not in the batch's streaming path
    import pandas as pd

ASSETS = resources.files("pipeline.outputs").joinpath("review_assets")  # package data, also inside a wheel
KINDS = ["count", "money", "percent", "ratio", "date", "period", "doc_ref"]
LAZY_ROWS = 2000  # above this many rows the side table renders only the rows in view (virtual scrolling)
GENERATOR = "vnreport review"  # <meta name="generator">: marks the pages this module may replace or remove

# The row fields a page needs, in the order they are embedded (a list of column names plus one array per row).
ROW_FIELDS = ["id", "fp", "kind", "value", "unit", "qualifier", "doc_type", "ref_date", "section_path", "section_title",
              "origin", "text", "context", "char_start", "char_end", "page", "table", "row", "col", "per",
              "total", "note", "review", "value_extracted", "review_note"]
SECTION_FIELDS = ["section_path", "level", "label", "title", "char_start"]


# ---------------------------------------------------------------- templates

_TOKEN = re.compile(r"\{\{(\{?)\s*([#^/@]?)\s*([A-Za-z_][A-Za-z0-9_.]*)"
                    r"((?:\s+[A-Za-z_][A-Za-z0-9_]*=[A-Za-z_][A-Za-z0-9_]*)*)\s*\}?\}\}")


@lru_cache(maxsize=64)
def _parse(tpl: str):
    """Template → tree of ("text", s) | ("var", name, raw) | ("section", name, inverted, children)
    | ("str", key, ((param, name), …))."""
    root: list = []
    stack = [("", root)]
    pos = 0
    for m in _TOKEN.finditer(tpl):
        if m.start() > pos:
            stack[-1][1].append(("text", tpl[pos:m.start()]))
        raw, sigil, name, params = m.group(1) == "{", m.group(2), m.group(3), m.group(4)
        if sigil == "@":
            stack[-1][1].append(("str", name, tuple(tuple(p.split("=")) for p in params.split())))
        elif params or "." in name:
            raise ValueError(f"template: {m.group()} (only a {{{{@string}}}} takes a key or parameters)")
        elif sigil in "#^" and sigil:
            node = ("section", name, sigil == "^", [])
            stack[-1][1].append(node)
            stack.append((name, node[3]))
        elif sigil == "/":
            if stack[-1][0] != name:
                raise ValueError(f"template: {{{{/{name}}}}} closes {stack[-1][0] or 'nothing'}")
            stack.pop()
        else:
            stack[-1][1].append(("var", name, raw))
        pos = m.end()
    if len(stack) != 1:
        raise ValueError(f"template: {{{{#{stack[-1][0]}}}}} is not closed")
    root.append(("text", tpl[pos:]))
    return root


def _lookup(name: str, scopes: list):
    for scope in reversed(scopes):
        if isinstance(scope, dict) and name in scope:
            return scope[name]
    raise KeyError(f"template: no value for {{{{{name}}}}}")


def _emit(nodes, scopes, out: list, strings) -> None:
    for node in nodes:
        if node[0] == "text":
            out.append(node[1])
        elif node[0] == "var":
            v = _lookup(node[1], scopes)
            v = "" if v is None else str(v)
            out.append(v if node[2] else html.escape(v, quote=True))
        elif node[0] == "str":
            if strings is None:
                raise KeyError(f"template: {{{{@{node[1]}}}}} needs a catalogue")
            params = {k: _lookup(v, scopes) for k, v in node[2]}
            out.append(html.escape(tr(strings, node[1], **params), quote=True))
        else:
            v = _lookup(node[1], scopes)
            if node[2]:
                if not v:
                    _emit(node[3], scopes, out, strings)
            elif isinstance(v, (list, tuple)):
                for item in v:
                    _emit(node[3], scopes + [item], out, strings)
            elif isinstance(v, dict):
                _emit(node[3], scopes + [v], out, strings)
            elif v:
                _emit(node[3], scopes, out, strings)


def render(tpl: str, ctx: dict, strings: dict | None = None) -> str:
    """Fill a template in one pass (inserted values are never read as template text).

    ``{{name}}`` the HTML-escaped value; ``{{{name}}}`` the value as is (inlined CSS/JS, the highlighted text,
    JSON); ``{{#name}}…{{/name}}`` repeats for each item of a list (an item's keys shadow the outer ones) or shows
    when the value is true; ``{{^name}}…{{/name}}`` shows when it is empty or false; ``{{@key}}`` the catalogue's
    string ``key`` (``strings``, see :func:`catalogue`), HTML-escaped, and ``{{@key n=total}}`` the same with its
    ``{n}`` filled from the value ``total``.
    """
    out: list[str] = []
    _emit(_parse(tpl), [ctx], out, strings)
    return "".join(out)


# ---------------------------------------------------------------- the pages' words

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def catalogue(lang: str | None = None) -> dict:
    """The pages' strings in ``lang`` (default: the run's language, as it is now), from
    ``review_assets/i18n/<lang>.json``."""
    return _catalogue(lang or current_lang())


@lru_cache(maxsize=None)
def _catalogue(lang: str) -> dict:
    return json.loads(asset(f"i18n/{lang}.json"))


def tr(strings: dict, key: str, **params) -> str:
    """``key``'s string with its ``{name}`` placeholders filled; a string with plural forms (``{"one": …,
    "other": …}``) takes ``one`` when ``n`` is 1 — the same rules as the page's ``t()``."""
    s = strings[key]
    if isinstance(s, dict):
        n = params.get("n")
        s = s["one"] if "one" in s and str(n) == "1" else s["other"]
    return _PLACEHOLDER.sub(lambda m: str(params[m[1]]) if m[1] in params else m[0], s)


def asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def _inline_checked(code: str, tag: str) -> str:
    if re.search(rf"</{tag}", code, re.I):
        raise ValueError(f"review asset must not contain </{tag}")
    return code


def script_json(obj) -> str:
    """JSON for a ``<script type="application/json">``: ``<``, ``>`` and ``&`` escaped so no text closes it."""
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ---------------------------------------------------------------- highlighting

def _escape_text(s: str) -> str:
    # CR is kept as a character reference: the HTML parser would fold CR LF into LF and the marks' text would
    # no longer equal the rows' text.
    return html.escape(s, quote=False).replace("\r", "&#13;")


def _open_tag(span) -> str:
    tag, attrs = span[3], span[4]
    return "<" + tag + "".join(f' {k}="{html.escape(str(v), quote=True)}"' for k, v in attrs) + ">"


def highlight(text: str, spans, headings=()) -> str:
    """The text as HTML with one ``<mark data-id data-kind>`` per value (and ``<span class="hd">`` per heading).

    ``spans``: (start, end, id, kind) in character offsets of ``text``; ``headings``: (start, end, index).
    Offsets are clipped to the text; an empty or out-of-range span still gets an (empty) mark, so every id has at
    least one ``mark[data-id]``. Nested spans become nested elements; spans that cross are split, each piece a
    ``mark`` with the same ``data-id`` (in document order, so the pieces' text joined is the span's text).
    """
    n = len(text)
    items = []  # (start, end, order, tag, attrs)
    for order, (start, end, hid) in enumerate(headings):
        s, e = _clip(start, end, n)
        if e > s:
            items.append((s, e, order, "span", (("class", "hd"), ("id", f"sec-{hid}"), ("data-sec", hid))))
    base = len(items)
    for order, (start, end, vid, kind) in enumerate(spans):
        s, e = _clip(start, end, n)
        items.append((s, e, base + order, "mark", (("data-id", vid), ("data-kind", kind))))
    # outer first: earlier start, then longer, then headings before marks, then input order
    items.sort(key=lambda it: (it[0], -it[1], it[3] != "span", it[2]))
    points = sorted({0, n} | {it[0] for it in items} | {it[1] for it in items})
    out: list[str] = []
    stack: list = []
    k = 0
    for i, p in enumerate(points):
        # close what ends here; whatever sits above a closing element is closed and re-opened after it
        low = next((j for j, it in enumerate(stack) if it[1] <= p), None)
        if low is not None:
            reopen = [it for it in stack[low:] if it[1] > p]
            for it in reversed(stack[low:]):
                out.append(f"</{it[3]}>")
            del stack[low:]
            for it in reopen:
                out.append(_open_tag(it))
                stack.append(it)
        while k < len(items) and items[k][0] == p:
            it = items[k]
            k += 1
            out.append(_open_tag(it))
            if it[1] == p:  # empty span: an empty element, so the id is not lost
                out.append(f"</{it[3]}>")
            else:
                stack.append(it)
        if i + 1 < len(points):
            out.append(_escape_text(text[p:points[i + 1]]))
    for it in reversed(stack):  # pragma: no cover - every span ends at a point ≤ n
        out.append(f"</{it[3]}>")
    return "".join(out)


def _clip(start, end, n: int) -> tuple[int, int]:
    s = min(max(_int(start, 0), 0), n)
    e = min(max(_int(end, s), s), n)
    return s, e


def _int(v, default: int) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return default


def heading_end(text: str, start: int, title: str, limit: int | None = None) -> int:
    """End of a heading that starts at ``start``: its line, or the next lines while they hold the title."""
    limit = len(text) if limit is None else min(limit, len(text))
    want = _words(title)
    end = text.find("\n", start)
    end = limit if end < 0 or end > limit else end
    first = end
    for _ in range(6):
        if not want or want in _words(text[start:end]):
            return end
        nxt = end
        while nxt < limit and text[nxt] in "\r\n \t":
            nxt += 1
        if nxt >= limit:
            break
        e2 = text.find("\n", nxt)
        end = limit if e2 < 0 or e2 > limit else e2
    return first


def _words(s: str) -> str:
    return " ".join(re.sub(r"[#*_]+", " ", s).split()).casefold()


class _Pieces:
    """The highlighted HTML of a text given piece by piece, in order (runs of text, table cells, the hidden tabs
    between them; together they tile the text): each value and heading goes to every piece it overlaps, cut at
    the piece's bounds as :func:`highlight` cuts crossing spans (pieces with the same ``data-id``), an empty one to
    the piece it starts in, so that every id keeps at least one mark."""

    def __init__(self, text: str, spans, headings=()):
        n = len(text)
        items = [(*_clip(start, end, n), 0, (vid, kind)) for start, end, vid, kind in spans]
        items += [(s, e, 1, hid) for s, e, hid in ((*_clip(a, b, n), h) for a, b, h in headings) if e > s]
        items.sort(key=lambda it: it[0])  # stable: equal starts keep their order, as highlight's ties do
        self.text, self.n, self.items, self.k, self.active = text, n, items, 0, []

    def html(self, a: int, b: int) -> str:
        last = b >= self.n
        items = self.items
        while self.k < len(items) and (items[self.k][0] < b or last and items[self.k][0] <= b):
            self.active.append(items[self.k])
            self.k += 1
        spans, heads = [], []
        for s, e, is_head, what in self.active:
            if (s < b and e > a) if e > s else (a <= s < b or last and s == b):
                if is_head:
                    heads.append((s - a, e - a, what))
                else:
                    spans.append((s - a, e - a, what[0], what[1]))
        if self.active:
            self.active = [it for it in self.active if it[1] > b]
        if heads or len(spans) > 1:
            return highlight(self.text[a:b], spans, heads)
        if not spans:
            return _escape_text(self.text[a:b])
        # one value in the piece (a table cell's number): its mark without highlight's general walk
        s, e, vid, kind = spans[0]
        s, e = max(s, 0), min(e, b - a)
        piece = self.text[a:b]
        return (_escape_text(piece[:s]) + f'<mark data-id="{html.escape(str(vid), quote=True)}" '
                f'data-kind="{html.escape(str(kind), quote=True)}">' + _escape_text(piece[s:e]) + "</mark>" +
                _escape_text(piece[e:]))


# ---------------------------------------------------------------- tables drawn as grids

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
        from ..ingest.readers import read_text_blocks

        groups: dict[int, list] = {}
        for b in read_text_blocks(text):
            if b.kind == "table":
                groups.setdefault(b.table, []).append(b)
        for blocks in groups.values():
            rows = []
            for b in blocks:
                if b.style == "md-rule" and rows:  # |---|---|: hidden in the row above
                    continue
                cells = list(b.cells) or _tab_cells(text, b.start, b.end)
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
            yield [(a, _tab_cells(text, a, b), min(n, b + 1)) for a, b in run]
        i = k + 1


def _tab_cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, pos = [], start
    for part in text[start:end].split("\t"):
        out.append((pos, pos + len(part)))
        pos += len(part) + 1
    return out


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


# ---------------------------------------------------------------- data

def _strings(rows: list[dict]) -> list[dict]:
    """Rows with every cell as the CSV shows it."""
    return [{c: as_text(v) for c, v in r.items()} for r in rows]


def _records(df: pd.DataFrame | None) -> list[dict]:
    return [] if df is None or df.empty else _strings(records(df))


def _id_number(rid: str) -> int:
    tail = rid.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def storage_key(doc_id: str) -> str:
    return f"vnreport.review/{doc_id}"


def fingerprint(row: dict) -> str:
    """The row as extracted (a fix merged by ``apply`` keeps it: the extracted value is in ``value_extracted``)."""
    original = row.get("value_extracted") or row.get("value", "")
    parts = [row.get("id", ""), row.get("char_start", ""), row.get("char_end", ""), row.get("kind", ""), original,
             row.get("text", "")]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]


def page_href(name: str) -> str:
    """A link from the index to the page named ``name`` (in the same folder)."""
    return quote(name, safe="")


def _applied(rows: list[dict]) -> dict:
    """Decisions already merged into the tables (``vnreport apply``): id → [decision, value, note]."""
    out = {}
    for r in rows:
        state = r.get("review", "")
        if state in ("ok", "wrong"):
            out[r["id"]] = [state, "", r.get("review_note", "")]
        elif state == "fixed":
            out[r["id"]] = ["fix", r.get("value", ""), r.get("review_note", "")]
    return out


def _kind_label(strings: dict, kind: str) -> str:
    return strings.get(f"kind.{kind}", kind)


def _kind_items(counts: dict, strings: dict) -> list[dict]:
    return [{"kind": k, "label": _kind_label(strings, k), "n": n, "none": n == 0} for k, n in counts.items()]


def _kind_counts(rows: list[dict], strings: dict) -> list[dict]:
    counts = {k: 0 for k in KINDS}
    for r in rows:
        counts[r["kind"]] = counts.get(r["kind"], 0) + 1
    return _kind_items(counts, strings)


def _doc_meta(doc: dict) -> dict:
    title = doc.get("title", "")
    issuer = doc.get("issuer", "")
    return {
        "doc_id": doc.get("doc_id", ""), "source_file": doc.get("source_file", ""), "format": doc.get("format", ""),
        "status": doc.get("status", ""), "error": doc.get("error", ""), "pages": doc.get("pages", ""),
        "chars": doc.get("chars", ""), "title": title, "issuer": issuer, "number": doc.get("number", ""),
        "issued": doc.get("issued", ""), "period": doc.get("period", ""),
    }


def _page_ctx(strings: dict, lang: str) -> dict:
    """What every page carries: its language, its catalogue (for the script), its CSS and code."""
    return {
        "lang": lang,
        "i18n": script_json(strings),
        "css": _inline_checked(asset("review.css"), "style"),
        "js": _inline_checked(asset("review.js"), "script"),
        "generator": GENERATOR,
    }


def document_page(doc: dict, text: str, rows: list[dict], sections: list[dict],
                  lang: str | None = None) -> tuple[str, str]:
    """(HTML of the document's review page, its localStorage key). ``lang``: the page's language (default: the
    run's, :func:`pipeline.i18n.current`)."""
    lang = lang or current_lang()
    strings = catalogue(lang)
    doc_id = doc["doc_id"]
    rows = sorted(rows, key=lambda r: (_id_number(r.get("id", "")), _int(r.get("char_start"), 0)))
    spans = [(r.get("char_start"), r.get("char_end"), r.get("id", ""), r.get("kind", "")) for r in rows]
    sections = sorted(sections, key=lambda s: _int(s.get("char_start"), 0))
    heads = []
    bounds = sorted((_int(a, 0), _int(b, 0)) for a, b, _, _ in spans)
    starts = [a for a, _ in bounds]
    longest = max((b - a for a, b in bounds), default=0)
    for i, s in enumerate(sections):
        start = _int(s.get("char_start"), -1)
        if 0 <= start < len(text):
            end = heading_end(text, start, s.get("title", ""), _int(s.get("char_end"), None))
            # a value the heading line cuts stays whole: the heading takes it in (until it cuts none); only the
            # values starting within the longest value's length before the end can be cut
            cut = True
            while cut:
                cut = False
                for k in range(bisect.bisect_right(starts, end - longest), bisect.bisect_left(starts, end)):
                    if bounds[k][1] > end:
                        end, cut = bounds[k][1], True
            heads.append((start, end, i))
    key = storage_key(doc_id)
    for r in rows:
        r["fp"] = fingerprint(r)
    meta = _doc_meta(doc)
    lazy = len(rows) > LAZY_ROWS
    data = {
        "doc_id": doc_id, "key": key, "lazy_rows": LAZY_ROWS, "index": "index.html",
        "fields": ROW_FIELDS, "rows": [[r.get(f, "") for f in ROW_FIELDS] for r in rows],
        "section_fields": SECTION_FIELDS, "sections": [[s.get(f, "") for f in SECTION_FIELDS] for s in sections],
    }
    grids = find_tables(text, doc.get("format", ""),
                        [_int(r.get("char_start"), 0) for r in rows if r.get("origin") == "table"])
    ctx = {
        **meta,
        **_page_ctx(strings, lang),
        "heading": meta["title"] or doc_id,
        "has_title": bool(meta["title"]),
        "total": len(rows),
        "kinds": _kind_counts(rows, strings),
        "rows": [] if lazy else [{"id": r["id"], "n": _id_number(r["id"]), "kind": r["kind"],
                                  "label": _kind_label(strings, r["kind"]), "value": r.get("value", ""),
                                  "unit": r.get("unit", ""), "text": r.get("text", "")}
                                 for r in rows],
        "text_html": text_html(text, spans, heads, grids, strings),
        "data": script_json(data),
    }
    return render(asset("document.html"), ctx, strings), key


def index_entry(d: dict, rows: list[dict], key: str | None, name: str | None = None) -> dict:
    """What the index page keeps of one document: its line, its rows' ids and fingerprints, counts by kind.
    ``name``: its page's file name (default: as ``page_name`` gives it)."""
    strings = catalogue()
    doc_id = d.get("doc_id", "")
    has_page = key is not None
    href = page_href(name or page_name(doc_id))
    counts = {}
    for r in rows:
        counts[r["kind"]] = counts.get(r["kind"], 0) + 1
    entry = {"item": {**_doc_meta(d), "href": href, "has_page": has_page, "n": len(rows),
                      "kinds": [k for k in _kind_counts(rows, strings) if k["n"]],
                      "status_label": strings.get(f"status.{d.get('status', '')}", d.get("status", "")),
                      "not_ok": d.get("status") not in ("ok", "")},
             "status": d.get("status", ""), "n": len(rows), "counts": counts, "data": None}
    if has_page:
        # compact, as the index keeps this for every row of the batch until its end (and writes it into the
        # page): the fingerprints as one string of 12-character pieces, the ids only when they are not the
        # document's own "<doc_id>:1" … "<doc_id>:n" in order (~12 bytes a row instead of ~150)
        ids = [r["id"] for r in rows]
        entry["data"] = {"doc_id": doc_id, "key": key, "total": len(rows), "href": href,
                         "fps": "".join(fingerprint(r) for r in rows), "applied": _applied(rows)}
        if ids != [f"{doc_id}:{i}" for i in range(1, len(ids) + 1)]:
            entry["data"]["ids"] = ids
    return entry


def index_page_of(entries, lang: str | None = None) -> str:
    """The index page from the documents' entries (``index_entry``), in order."""
    lang = lang or current_lang()
    strings = catalogue(lang)
    items, data, total, status, counts = [], [], 0, {}, {k: 0 for k in KINDS}
    for e in entries:
        items.append(e["item"])
        if e["data"] is not None:
            data.append(e["data"])
        total += e["n"]
        status[e["status"]] = status.get(e["status"], 0) + 1
        for k, n in e["counts"].items():
            counts[k] = counts.get(k, 0) + n
    ctx = {
        "docs": items,
        "n_docs": len(items), "n_ok": status.get("ok", 0), "n_failed": status.get("failed", 0),
        "n_skipped": status.get("skipped", 0), "total": total,
        "kinds": _kind_items(counts, strings),
        "data": script_json({"docs": data}),
        **_page_ctx(strings, lang),
    }
    return render(asset("index.html"), ctx, strings)


def index_page(docs: list[dict], rows_by_doc: dict, keys: dict) -> str:
    return index_page_of(index_entry(d, rows_by_doc.get(d.get("doc_id", ""), []), keys.get(d.get("doc_id", "")))
                         for d in docs)


# ---------------------------------------------------------------- writing

class ReviewStream:
    """The review pages written as documents finish: ``add`` writes the page of a document with status ok
    (``review/<doc_id>.html``, or the name ``page_names`` gives it) and keeps only what the index needs; ``close``
    writes ``review/index.html`` and removes the pages of documents no longer in the run. Every page is written
    atomically. ``doc_ids``: the run's, so that twins' pages are named apart."""

    def __init__(self, outdir: Path, doc_ids=()):
        self.review = Path(outdir) / "review"
        self.names = page_names(doc_ids)
        self.entries: list[dict] = []
        self.written: set[str] = set()

    def name(self, doc_id: str, document: dict | None = None) -> str:
        """A document's page's file name: its ``review_page`` in documents.csv when it has one, else the run's."""
        page = valid_page((document or {}).get("review_page"))
        if page:
            return page[len(REVIEW_DIR):]
        return self.names.get(doc_id) or page_name(doc_id)

    def prepare(self, document: dict, text: str, rows: list[dict], sections: list[dict]) -> tuple:
        """One document's page, nothing written: (its file name, its bytes, its index entry); no name and no bytes
        for a document that is not ok. Rows as the CSVs show them (strings, as ``_records`` gives)."""
        doc_id, key, name, data = document.get("doc_id", ""), None, None, None
        if document.get("status") == "ok" and doc_id:
            name = self.name(doc_id, document)
            page, key = document_page(document, text, rows, sections)
            data = encode_text(page)
        return name, data, index_entry(document, rows, key, name)

    def write(self, prepared: tuple) -> None:
        """Write a prepared page."""
        name, data, _ = prepared
        if name:
            write_bytes(self.review / name, data)

    def enter(self, prepared: tuple) -> None:
        """Count a written page in: the index lists it, ``close`` keeps it."""
        name, _, entry = prepared
        if name:
            self.written.add(name)
        self.entries.append(entry)

    def add(self, document: dict, text: str, rows: list[dict], sections: list[dict]) -> None:
        """One document: its row of documents.csv, its text, its indicator and section rows as the CSVs show
        them (strings, as ``_records`` gives)."""
        prepared = self.prepare(document, text, rows, sections)
        self.write(prepared)
        self.enter(prepared)

    def prepare_rows(self, document: dict, text: str, indicators: list[dict], sections: list[dict]) -> tuple:
        """``prepare`` for one document as the batch hands it over: its rows as dicts with typed values (shown as
        the CSV shows them)."""
        return self.prepare(_strings([document])[0], text, _strings(indicators), _strings(sections))

    def add_rows(self, document: dict, text: str, indicators: list[dict], sections: list[dict]) -> None:
        prepared = self.prepare_rows(document, text, indicators, sections)
        self.write(prepared)
        self.enter(prepared)

    def close(self) -> None:
        write_text(self.review / "index.html", index_page_of(self.entries))
        _remove_stale(self.review, self.written | {"index.html"})


def write_review(outdir: Path, indicators: pd.DataFrame, sections: pd.DataFrame, documents: pd.DataFrame,
                 texts: dict[str, str]) -> None:
    """Write ``review/index.html`` and a page for every document with status ok (``review/<doc_id>.html``, or
    documents.csv's ``review_page``)."""
    rows_by_doc: dict[str, list[dict]] = {}
    for r in _records(indicators):
        rows_by_doc.setdefault(r.get("doc_id", ""), []).append(r)
    secs_by_doc: dict[str, list[dict]] = {}
    for s in _records(sections):
        secs_by_doc.setdefault(s.get("doc_id", ""), []).append(s)
    docs = _records(documents)
    stream = ReviewStream(outdir, [d.get("doc_id", "") for d in docs])
    for d in docs:
        doc_id = d.get("doc_id", "")
        stream.add(d, texts.get(doc_id, ""), rows_by_doc.get(doc_id, []), secs_by_doc.get(doc_id, []))
    stream.close()


def _remove_stale(review: Path, keep: set[str]) -> None:
    """Pages of documents no longer in the run (only files this module wrote: they carry its generator meta)."""
    marker = f'<meta name="generator" content="{GENERATOR}">'
    for p in review.glob("*.html"):
        if p.name in keep:
            continue
        try:
            with open(p, encoding="utf-8", errors="replace") as f:
                head = f.read(2000)
        except OSError:
            continue
        if marker in head:
            p.unlink(missing_ok=True)


def write_review_from_outdir(outdir: Path) -> None:
    """Rewrite the review pages from OUTDIR's tables and texts (``vnreport apply`` calls this after merging)."""
    outdir = Path(outdir)
    t = {k: read_table(outdir / f"{k}.csv") if (outdir / f"{k}.csv").exists() else None
         for k in ("indicators", "sections", "documents")}
    indicators, sections, documents = t["indicators"], t["sections"], t["documents"]
    texts = {}
    for d in _records(documents):
        p = outdir / "text" / f"{d.get('doc_id', '')}.txt"
        if d.get("status") == "ok" and p.exists():
            with open(p, encoding="utf-8", newline="") as f:
                texts[d["doc_id"]] = f.read()
    write_review(outdir, indicators, sections, documents, texts)
