"""Highlighting: the document's text as HTML with a ``<mark>`` per value and a heading element per section
(:func:`highlight`), and the same cut piece by piece for the grids (:class:`_Pieces`); where a heading ends
(:func:`heading_end`)."""
from __future__ import annotations

import html
import re


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
