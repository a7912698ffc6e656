"""Normalise: a rule match's groups → the contract's value (number, integer VND, ISO date/interval, code).

Vietnamese number grammar: "." groups thousands, "," is the decimal mark, leading zeros are padding.
Hand-written because no library parses Vietnamese-grouped numbers or Vietnamese date phrases
(babel parses locale numbers but not "ngày 05 tháng 7 năm 2022" or "130,7 triệu"; dateparser pulls in
network-free but heavy language data for this one pattern).
"""
from __future__ import annotations

import datetime as dt
import re

WS = re.compile(r"\s+")


def number(s: str) -> int | float:
    """1.000 → 1000, 130,7 → 130.7, 07 → 7; a dot before a group that is not of three digits is a decimal
    point ("3.5" before a scale word, "1.234.5678" with four decimals)."""
    s = WS.sub("", s)
    if "," in s:
        whole, frac = s.split(",", 1)
        return float(whole.replace(".", "") + "." + frac)
    if "." in s:
        whole, _, last = s.rpartition(".")
        if len(last) != 3:
            return float(whole.replace(".", "") + "." + last)
    return int(s.replace(".", ""))


def ambiguous(s: str) -> bool:
    """Separators a reader could take either way: a dot-grouped number whose last group is not three digits
    ("1.234.5678"), or a dot before one or two digits ("3.5"): read as decimals, flagged for the analyst."""
    s = WS.sub("", s)
    if "," in s or "." not in s:
        return False
    return len(s.rpartition(".")[2]) != 3


ROMAN_Q = {"I": 1, "II": 2, "III": 3, "IV": 4}


def months_of_year(nm: str | None, half: str | None, q: str | None, y: str, q2: str | None = None) -> str | None:
    """"6 tháng đầu năm 2024" → 2024-01/2024-06, "6 tháng cuối năm" → 2024-07/2024-12, "9 tháng năm 2023" →
    2023-01/2023-09, "quý III/2024" → 2024-07/2024-09, quarters I to II ("quý I - II/2024") → 2024-01/2024-06."""
    year = year4(y)
    if q:
        k = ROMAN_Q.get(q.upper()) or int(q)
        k2 = (ROMAN_Q.get(q2.upper()) or int(q2)) if q2 else k
        if k2 < k or (q2 and k2 == k):
            return None
        a, b = 3 * k - 2, 3 * k2
    else:
        n = {"ba": 3, "sáu": 6, "chín": 9}.get(nm.lower()) or int(nm)
        if not 1 <= n <= 11:
            return None
        a, b = (13 - n, 12) if half and half.lower() == "cuối" else (1, n)
    return f"{year:04d}-{a:02d}/{year:04d}-{b:02d}"


def plain(v: int | float) -> int | float:
    """Write 100.0 as 100 and keep real fractions."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def year4(y: str) -> int:
    y = int(y)
    return y + 2000 if y < 100 else y


def iso_date(d: str | None, m: str, y: str | None) -> str | None:
    mm = int(m)
    if not 1 <= mm <= 12:
        return None
    if d is None:
        return f"{year4(y):04d}-{mm:02d}"
    dd = int(d)
    if y is None:
        try:
            dt.date(2024, mm, dd)  # a leap year accepts 29/2
        except ValueError:
            return None
        return f"--{mm:02d}-{dd:02d}"
    try:
        return dt.date(year4(y), mm, dd).isoformat()
    except ValueError:
        return None


DMY = re.compile(r"(\d{1,2})\s?/\s?(\d{1,2})\s?/\s?(\d{2,4})")


def parse_dmy(s: str) -> str | None:
    m = DMY.search(s)
    return iso_date(m.group(1), m.group(2), m.group(3)) if m else None


def scaled(n: str, scale: str | None, scales: dict[str, int]) -> float:
    v = number(n)
    if scale:
        v = v * scales[" ".join(scale.lower().split())]
    return v


def money(g: dict, scales: dict[str, int]) -> int | None:
    total = 0.0
    for i in (1, 2, 3):
        n = g.get(f"n{i}")
        if n:
            total += scaled(n, g.get(f"s{i}"), scales)
    return int(round(total))


def canonical_code(code: str, abbreviations: dict[str, dict[str, str]]) -> str:
    """132/Kh-MTTQ-BTT → 132/KH-MTTQ-BTT: no spaces; a known abbreviation in the wrong case is fixed."""
    code = WS.sub("", code)
    known = {}
    for table in abbreviations.values():
        for k in table:
            known.setdefault(k.lower(), k)

    def fix(m):
        seg = m.group(0)
        if seg in known.values():
            return seg
        k = known.get(seg.lower())
        # only a plain case slip of a known abbreviation: "Kh" → "KH" (never "ThU", an issuer)
        return k if k and k.upper() == k and seg[0].isupper() else seg

    return re.sub(r"[^\W\d_][\w]*", fix, code)


def doc_type_from_code(code: str, abbreviations: dict[str, dict[str, str]]) -> str:
    """The document type a code's abbreviation names: 07-TT/ThU (Party) → Thông tri, 41/2022/TT-BTC → Thông tư."""
    m = re.match(r"\d+[a-z]?(?:/\d{4})?([/-])([^\W\d_]+)", code)
    if not m:
        return ""
    style = "party" if m.group(1) == "-" else "state"
    ab = m.group(2)
    for table in (abbreviations.get(style, {}), abbreviations.get("common", {})):
        if ab in table:
            return table[ab]
        for k, v in table.items():
            if k.lower() == ab.lower():
                return v
    # a state code with no type abbreviation (473/MTTQ-BTT, 1851/UBND-NV) is an official letter: by the
    # numbering rules (Decree 30/2020/NĐ-CP) only công văn carry the issuer right after the number
    return abbreviations.get("untyped_state", {}).get("type", "") if style == "state" else ""
