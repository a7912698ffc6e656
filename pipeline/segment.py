"""Segment: the report's own heading numbering → a heading tree (Phần thứ nhất > II > 2 > 2.1 > a).

Headings are found line by line (blocks), so wrapped headings, capitals, Word heading styles and Markdown
markers (#, **) all reduce to the same test. What is not a heading: list items inside a paragraph, amounts
and dates at a line start, footnote lines, table rows.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .records import Block, Section

PART_ORDINALS = ["nhất", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười"]
ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}

MARKUP = re.compile(r"^(?:\s|#{1,6}\s|\*{1,3}|_{2}|\[bookmark:[^\]]*\])*")
PART = re.compile(r"(?i)^phần\s+(?:thứ\s+(\w+)|([IVX]+)\b)")
ROMAN_H = re.compile(r"^([IVXLC]{1,6})\s*[.\-–:)]\s*(\S.*)$")
MULTI_H = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+(\S.*)$")
SINGLE_H = re.compile(r"^(\d{1,2})[.)]\s*(\S.*)$")
LETTER_H = re.compile(r"^([a-zđ])\)\s+(\S.*)$")
CLOSING = re.compile(r"(?i)^nơi\s+nhận\b")
UPPER_START = re.compile(r"^[\"“'‘(*]*[A-ZÀ-ỸĐ]", re.UNICODE)


def roman_value(s: str) -> int:
    total = 0
    for i, ch in enumerate(s):
        v = ROMAN[ch]
        total += -v if i + 1 < len(s) and ROMAN[s[i + 1]] > v else v
    return total


def clean_title(s: str) -> str:
    s = re.sub(r"[*_]{1,3}", "", s).strip()
    # a heading that runs straight into body text: cut at the first sentence start after the title
    m = re.search(r"(?<=[”\".:;])\s+(?=[A-ZÀ-ỸĐ][a-zà-ỹđ])", s)
    if m and m.start() >= 8:
        s = s[: m.start()]
    return s.strip().rstrip(":").strip()


def is_upper(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


@dataclass
class Heading:
    level: int
    label: str
    title: str
    start: int
    line_end: int
    page: int | None


def parse_heading(line: str) -> tuple[int, str, str] | None:
    """(level, label, title) when ``line`` opens a numbered heading."""
    s = MARKUP.sub("", line).rstrip()
    if not s:
        return None
    m = PART.match(s)
    if m:
        title = clean_title(s[m.end():])
        return 0, m.group(0), title
    m = ROMAN_H.match(s)
    if m and UPPER_START.match(m.group(2)):
        return 1, m.group(1), clean_title(m.group(2))
    m = MULTI_H.match(s)
    if m and UPPER_START.match(m.group(2)):
        return m.group(1).count(".") + 2, m.group(1), clean_title(m.group(2))
    m = SINGLE_H.match(s)
    if m and UPPER_START.match(m.group(2)) and int(m.group(1)) <= 50:
        return 2, m.group(1), clean_title(m.group(2))
    m = LETTER_H.match(s)
    if m and UPPER_START.match(m.group(2)):
        return 5, m.group(1), clean_title(m.group(2))
    return None


class Outline:
    """The heading tree of one document, with a fast offset → section lookup."""

    def __init__(self, sections: list[Section], closing: int | None, table_titles: dict[int, str]):
        self.sections = sections
        self.closing = closing
        self.table_titles = table_titles
        self._starts = [s.start for s in sections]

    def at(self, offset: int) -> Section | None:
        if self.closing is not None and offset >= self.closing:
            return None
        i = bisect.bisect_right(self._starts, offset) - 1
        return self.sections[i] if i >= 0 else None


def segment(text: str, blocks: list[Block]) -> Outline:
    heads: list[Heading] = []
    closing = None
    parts = 0
    last_roman = 0
    table_titles: dict[int, str] = {}
    pending_title: list[str] = []
    body = [b for b in blocks if b.kind in ("paragraph", "heading", "table")]
    for i, b in enumerate(body):
        line = text[b.start:b.end]
        if b.kind == "table":
            if closing is None and CLOSING.match(MARKUP.sub("", line)):
                closing = b.start  # "Nơi nhận:" laid out in a borderless table beside the signature
            if b.table is not None and b.table not in table_titles:
                table_titles[b.table] = " ".join(pending_title[:2])
            pending_title = []
            continue
        if closing is not None:
            s = MARKUP.sub("", line).strip()
            if s and not s.startswith(("(", "-", "+")) and len(s) < 200:
                pending_title.append(s)
            continue
        if CLOSING.match(MARKUP.sub("", line)):
            closing = b.start
            continue
        h = parse_heading(line)
        if h is None:
            continue
        level, label, title = h
        if level == 0:
            parts += 1
            label = "Phần thứ " + PART_ORDINALS[min(parts, len(PART_ORDINALS)) - 1]
            last_roman = 0
        elif level == 1:
            v = roman_value(label)
            if not (is_upper(title) or v == last_roman + 1 or v == 1):
                continue
            last_roman = v
        # a title on the following line(s): "Phần thứ nhất" / "KẾT QUẢ …"; wrapped capital headings
        j = i + 1
        while j < len(body) and body[j].kind != "table" and j <= i + 3:
            nxt = MARKUP.sub("", text[body[j].start:body[j].end]).strip().strip("*").strip()
            if not nxt or parse_heading(nxt) or CLOSING.match(nxt):
                break
            if (not title or is_upper(title)) and is_upper(nxt) and len(nxt) < 200:
                title = (title + " " + clean_title(nxt)).strip()
                j += 1
                continue
            break
        heads.append(Heading(level, label, title, b.start + len(line) - len(line.lstrip()), b.end, b.page))
    # label paths by a level stack, exactly as an analyst reads the outline
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    end_of_outline = closing if closing is not None else len(text)
    for k, h in enumerate(heads):
        while stack and stack[-1][0] >= h.level:
            stack.pop()
        stack.append((h.level, h.label))
        end = end_of_outline
        for h2 in heads[k + 1:]:
            if h2.level <= h.level:
                end = h2.start
                break
        sections.append(Section(" > ".join(l for _, l in stack), h.level, h.label, h.title, h.start, end, h.page))
    return Outline(sections, closing, table_titles)
