"""Metadata: the report's own description from its letterhead and title block (documents.csv's ``title``,
``issuer``, ``number``, ``issued``, ``period``).

The text before the first heading is cut into pieces (lines, and the cells of a line written with tabs, as Word
tables and text renditions give the two letterhead columns) and each piece is classed: a motto of the right-hand
column, the ``Số:`` line, the place-and-date line, decoration, an upper-case body name, or text. Mottos are
matched word by word across pieces, because a PDF interleaves the two columns line by line ("CỘNG HÒA XÃ HỘI
CHỦ NGHĨA VIỆT" / "ĐỒNG" / "NAM"). The words themselves are language data in ``patterns/metadata.toml``.
"""
from __future__ import annotations

from dataclasses import dataclass

import regex

from . import normalise as N
from .grammar import table

NUMBER = regex.compile(r"^Số\s*:?\s*(?P<code>\d[\p{L}\d.]*(?:\s*[/\-]\s*[\p{L}\d.&]+)*)?", regex.V1)
NUMBER_LINE = regex.compile(r"^Số\s*:|^Số\s+\d")
ISSUED = regex.compile(r"ngày[\s.…_]*(?P<d>\d{1,2})?[\s.…_]*tháng[\s.…_]*(?P<m>\d{1,2})?[\s.…_]*năm\s*(?P<y>\d{4})",
                       regex.I)
YEAR = regex.compile(r"(?<![\p{L}\d/])(?i:năm)\s+(?P<y>(?:19|20)\d\d)(?![\d/])")
DECOR = regex.compile(r"^[^\p{L}\d]*$")
# a Word letterhead cell joins its lines: "HUYỆN ỦY SÌN HỒ * Số 215-BC/HU" is a body, a star and a number
CELL_BREAK = regex.compile(r"\s+\*+\s+|\s+(?=Số\s*:|Số\s+\d)")
MARKUP = regex.compile(r"^#+\s*|\[bookmark:[^\]]*\]|\*\*")  # Markdown heading marks, pandoc bookmarks, bold


@dataclass
class Piece:
    start: int
    text: str
    kind: str = ""  # motto | number | date | decor | body | text


def _words(s: str) -> list[str]:
    return regex.findall(r"[\p{L}\d]+", s.upper())


class Letterhead:
    def __init__(self, data: dict | None = None, doc_types: list[str] | None = None):
        lh = (data or table("metadata"))["letterhead"]
        self.mottos = [_words(m) for m in lh["mottos"]]
        self.openers = regex.compile(r"^(?:" + "|".join(regex.escape(o) for o in lh["preamble_openers"]) + r")\b")
        words = set(lh["title_words"]) | {t.upper() for t in (doc_types or [])}
        self.title_words = {" ".join(_words(w)) for w in words}
        # "BÁO CÁO TỔNG KẾT CÔNG TÁC NĂM 2023": the report's type and its title on one line
        self.title_heads = sorted((_words(w) for w in lh["title_words"]), key=len, reverse=True)
        self.max_title = int(lh.get("max_title_lines", 4))
        yearless = sorted(lh.get("yearless_periods", []), key=len, reverse=True)
        self.yearless = regex.compile(r"(?i)(?<![\p{L}\d])(?:" + "|".join(
            r"\s+".join(map(regex.escape, w.split())) for w in yearless) + r")(?![\p{L}])(?!\s*(?:/\s*)?\d)"
        ) if yearless else None

    # ----------------------------------------------------------------- pieces
    def pieces(self, text: str, end: int) -> list[Piece]:
        out, pos = [], 0
        for line in text[:end].split("\n"):
            cpos = pos
            for cell in line.split("\t"):
                at = 0
                for part in CELL_BREAK.split(cell):
                    at = cell.find(part, at)
                    clean = " ".join(MARKUP.sub("", part).split())
                    if clean:
                        out.append(Piece(cpos + at + len(part) - len(part.lstrip()), clean))
                    at += len(part)
                cpos += len(cell) + 1
            pos += len(line) + 1
        return out

    def classify(self, pieces: list[Piece]) -> None:
        at = [0] * len(self.mottos)  # how far each motto has been seen, word by word
        for p in pieces:
            w = _words(p.text)
            rest = list(w)
            for i, m in enumerate(self.mottos):  # whole mottos anywhere in the piece
                for k in range(len(rest) - len(m) + 1):
                    if rest[k:k + len(m)] == m:
                        rest = rest[:k] + rest[k + len(m):]
                        at[i] = len(m)
                        break
            if w and not rest:
                p.kind = "motto"
                continue
            for i, m in enumerate(self.mottos):  # the next words of a motto broken over lines
                if rest and m[at[i]:at[i] + len(rest)] == rest:
                    at[i] += len(rest)
                    p.kind = "motto"
                    break
            if p.kind:
                continue
            if NUMBER_LINE.match(p.text):
                p.kind = "number"
            elif ISSUED.search(p.text) or regex.search(r",\s*ngày\b", p.text):
                p.kind = "date"
            elif DECOR.match(p.text) or regex.fullmatch(r"[\d\s]+", p.text):
                p.kind = "decor"
            elif self._upper(p.text) and " ".join(w) not in self.title_words:
                p.kind = "body"
            else:
                p.kind = "text"

    @staticmethod
    def _upper(s: str) -> bool:
        letters = [c for c in s if c.isalpha()]
        return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)

    def is_title_word(self, p: Piece) -> bool:
        return self._upper(p.text) and " ".join(_words(p.text)) in self.title_words

    def title_head(self, p: Piece) -> Piece | None:
        """The title after the report's type on the same line ("BÁO CÁO Tổng kết …"), as a piece of its own."""
        w = _words(p.text)
        for head in self.title_heads:
            if len(w) > len(head) and w[:len(head)] == head and p.text[:1].isupper():
                m = regex.match(r"\s*" + r"[\s:.\-–]*".join(regex.escape(x) for x in head) + r"[\s:.\-–]*",
                                p.text, regex.I)
                if m and regex.fullmatch(r"[\p{Lu}\s]+", p.text[:m.end()].strip()):
                    return Piece(p.start + m.end(), p.text[m.end():])
        return None

    # ----------------------------------------------------------------- reading
    def read(self, text: str, first_heading: int | None, values=None) -> dict[str, str]:
        """``values(text)`` gives a title's resolved candidates (the extractor's), for its period."""
        end = first_heading if first_heading is not None else min(len(text), 6000)
        pieces = self.pieces(text, end)
        self.classify(pieces)
        mark, first = None, None  # the "BÁO CÁO" line, and the title when it shares that line
        for i, p in enumerate(pieces):
            first = None if self.is_title_word(p) else self.title_head(p)
            if first is not None or self.is_title_word(p):
                mark = i
                break
        if mark is not None:
            head, rest = pieces[:mark], ([first] if first else []) + pieces[mark + 1:]
        else:  # no "BÁO CÁO" line: the letterhead is the leading run of letterhead pieces
            k = 0
            while k < len(pieces) and pieces[k].kind in ("motto", "number", "date", "decor", "body"):
                k += 1
            head, rest = pieces[:k], pieces[k:]
        formal = any(p.kind in ("motto", "number", "date") for p in head)
        if not formal:  # upper-case lines without a motto, number or date are a title, not a letterhead
            rest, head = head + rest if mark is None else rest, [] if mark is None else head
        issuer = " ".join(p.text for p in head if p.kind == "body") if formal else ""
        number = ""
        for p in head:
            if p.kind == "number":
                m = NUMBER.match(p.text)
                number = regex.sub(r"\s+", "", m.group("code")) if m and m.group("code") else ""
                break
        issued = ""
        m = ISSUED.search(" ".join(p.text for p in head))
        if m:
            issued = N.iso_date(m.group("d"), m.group("m"), m.group("y")) if m.group("m") else m.group("y")
            issued = issued or ""
        title = self.title(rest)
        return {"title": title, "issuer": issuer, "number": number, "issued": issued,
                "period": self.period(title, values)}

    def title(self, pieces: list[Piece]) -> str:
        lines: list[str] = []
        for p in pieces:
            t = p.text
            if (self.openers.match(t) or t.endswith(":") or len(t) > 250 or DECOR.match(t)
                    or (t.startswith("(") and t.endswith(")")) or len(lines) >= self.max_title):
                break
            lines.append(t)
        return " ".join(lines)

    def period(self, title: str, values=None) -> str:
        found: list[tuple[int, str]] = []
        spans = []
        for c in (values(title) if values and title else []):
            if c.kind == "period":
                found.append((c.span[0], str(c.fields["value"])))
                spans.append(c.span)
        for m in YEAR.finditer(title):
            if not any(a <= m.start() < b for a, b in spans):
                found.append((m.start(), f"{m.group('y')}-01/{m.group('y')}-12"))
        if found and values and self.yearless is not None:
            # "6 tháng đầu năm, phương hướng … 6 tháng cuối năm 2024": the first period, completed by the next year
            first = min(found)[0]
            m = self.yearless.search(title, 0, first)
            year = YEAR.search(title, m.end()) if m else None
            if m and year:
                got = [c for c in values(f"{m.group()} {year.group('y')}") if c.kind == "period"]
                if got:
                    return str(got[0].fields["value"])
        return min(found)[1] if found else ""
