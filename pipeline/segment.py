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

# what may stand before a heading's label on its line: white space, Markdown (#, **, __), a bookmark, and a
# decoration run that a conversion joined onto the heading's line ("-----PHẦN I", "________ PHẦN II. …", "=====I.")
MARKUP = re.compile(r"^(?:\s|#{1,6}\s|(?:[-_=~—–*·•][ \t]*){3,}|\*{1,3}|_{2}|\[bookmark:[^\]]*\])*")
PART = re.compile(r"(?i)^phần\s+(?:thứ\s+(\w+)|([IVX]+)\b|(một|hai|ba|bốn|năm|sáu)\s*$|(một|hai|ba|bốn|năm|sáu)\s*[:.\-–])")
ROMAN_H = re.compile(r"^([IVXLC]{1,6})\s*[.\-–:)]\s*(\S.*)$")
MULTI_H = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,3})(?:\.\s*|\s+)(\S.*)$")
SINGLE_H = re.compile(r"^(\d{1,2})[.)]\s*(\S.*)$")
LETTER_H = re.compile(r"^([a-zđ])[).]\s+(\S.*)$")
# a label alone on its line, the title on the next: "I." / "2.1." / "Phần thứ hai"
BARE_LABEL = re.compile(r"^(?:([IVXLC]{1,6})\s*[.\-–]|(\d{1,2}(?:\.\d{1,2}){0,3})\.|([a-zđ])\))$")
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
    return s.strip().rstrip(":.").strip()


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
    """(level, label, title) when ``line`` opens a numbered heading (levels as the report outline reads:
    Phần 0, Roman 1, 1. 2, 1.1. 3, 1.1.1. 4, a) 5)."""
    s = MARKUP.sub("", line).rstrip()
    if not s:
        return None
    m = PART.match(s)
    if m:
        return 0, m.group(0).rstrip(" .:-–"), clean_title(s[m.end():].lstrip(" .:-–"))
    m = BARE_LABEL.match(re.sub(r"[*_]+$", "", s))
    if m:
        if m.group(1):
            return 1, m.group(1), ""
        if m.group(2):
            return (m.group(2).count(".") + 2), m.group(2), ""
        return 5, m.group(3), ""
    m = ROMAN_H.match(s)
    if m and UPPER_START.match(m.group(2)):
        return 1, m.group(1), clean_title(m.group(2))
    m = MULTI_H.match(s)
    # "2.0 (PCI) …" is a version or a score, not a heading: outline numbers count from 1 at every level
    if m and UPPER_START.match(m.group(2)) and all(int(x) > 0 for x in m.group(1).split(".")):
        return m.group(1).count(".") + 2, m.group(1), clean_title(m.group(2))
    m = SINGLE_H.match(s)
    if m and UPPER_START.match(m.group(2)) and int(m.group(1)) <= 50:
        return 2, m.group(1), clean_title(m.group(2))
    m = LETTER_H.match(s)
    if m and UPPER_START.match(m.group(2)):
        return 5, m.group(1), clean_title(m.group(2))
    return None


def part_label(written: str, position: int) -> str:
    """The part label as written, unless it repeats out of sequence: then the ordinal its position demands
    ("Phần thứ nhất" written twice → the second is "Phần thứ hai"), in the same letter case."""
    words = written.split()
    ordinal = PART_ORDINALS[min(position, len(PART_ORDINALS)) - 1]
    m = re.match(r"(?i)phần\s+thứ\s+(\w+)", written)
    if m:
        said = m.group(1).lower()
        if said in PART_ORDINALS and PART_ORDINALS.index(said) + 1 == position:
            return " ".join(words)
        if said == "1" or (said.isdigit() and int(said) == position):
            return " ".join(words)
        new = ordinal.upper() if m.group(1).isupper() else ordinal
        return " ".join(words[:-1] + [new])
    m = re.match(r"(?i)phần\s+([IVX]+)", written)
    if m and roman_value(m.group(1)) != position:
        return f"{words[0]} {_roman(position)}"
    return " ".join(words)


def _roman(n: int) -> str:
    out = ""
    for v, r in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= v:
            out, n = out + r, n - v
    return out


def table_title(lines: list[str]) -> str:
    """An appendix table's title from the lines before it: the last line in capitals ("BẢNG TỔNG HỢP SỐ
    LIỆU") with the line under it, else the last line; "(Kèm theo …)" and signature lines are passed over."""
    lines = [ln for ln in lines if not ln.startswith("(")]
    caps = [k for k, ln in enumerate(lines) if is_upper(ln) and len(ln) > 8]
    if caps:
        k = caps[-1]
        return " ".join(lines[k:k + 2])
    return lines[-1] if lines else ""


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
    last_arabic: int | None = None
    table_titles: dict[int, str] = {}
    pending_title: list[str] = []
    body = [b for b in blocks if b.kind in ("paragraph", "heading", "table")]
    lengths = sorted(len(text[b.start:b.end].strip()) for b in body if b.kind == "paragraph")
    full_line = 0.85 * lengths[len(lengths) * 3 // 4] if lengths else 0
    for i, b in enumerate(body):
        line = text[b.start:b.end]
        if b.kind == "table":
            if closing is None and CLOSING.match(MARKUP.sub("", line)):
                closing = b.start  # "Nơi nhận:" laid out in a borderless table beside the signature
            if b.table is not None and b.table not in table_titles:
                table_titles[b.table] = table_title(pending_title)
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
            label = part_label(label, parts)
            last_roman, last_arabic = 0, None
        elif level == 1:
            v = roman_value(label)
            sequential = v == last_roman + 1 or v == 1
            if not sequential and not (v <= last_roman + 2 and (is_upper(title) or not title)):
                continue  # "C. …", "L. …": a letter, or a numeral out of any sequence
            last_roman, last_arabic = v, None
        elif level == 2:
            # numbering that restarts inside a section is a list, not the outline ("1." after "3.")
            n = int(label)
            if last_arabic is not None and not (last_arabic <= n <= last_arabic + 2):
                continue
            last_arabic = n
        # a title on the following line(s): "Phần thứ nhất" / "KẾT QUẢ …"; wrapped capital headings
        j = i + 1
        while j < len(body) and body[j].kind != "table" and j <= i + 3:
            nxt = MARKUP.sub("", text[body[j].start:body[j].end]).strip().strip("*").strip()
            if not nxt or parse_heading(nxt) or CLOSING.match(nxt):
                break
            if not title and len(nxt) < 300:  # "Phần thứ nhất" / "I." alone: the title is the next line
                title = clean_title(nxt)
                j += 1
                continue
            if title and nxt[0].islower() and not title.endswith((".", ";", ":")) and len(nxt) < 200 \
                    and j <= i + 2 and len(text[body[j - 1].start:body[j - 1].end].strip()) >= full_line \
                    and re.sub(r"[*_\s:.]+$", "", text[body[j - 1].start:body[j - 1].end]).endswith(title[-12:]):
                # a title wrapped by hard line breaks (its line is full) goes on in lower case
                title = clean_title(f"{title} {nxt}")
                j += 1
                continue
            if is_upper(title) and is_upper(nxt) and len(nxt) < 200:  # a wrapped heading in capitals
                title = f"{title} {clean_title(nxt)}".strip()
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
