"""Word's automatic list numbering, rendered as the reader sees it ("II.", "2.1.", "a)").

python-docx exposes paragraphs but not the labels Word draws from numbering.xml, and a report whose
headings use automatic numbering would lose its outline. This renders the labels: counters per list
and level, restarts of deeper levels, level text such as "%1.%2." and the usual number formats.
"""
from __future__ import annotations

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _roman(n: int) -> str:
    out = ""
    for v, r in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                 (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= v:
            out, n = out + r, n - v
    return out


def _letter(n: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[(n - 1) % 26] * ((n - 1) // 26 + 1)


FORMATS = {
    "decimal": str, "decimalZero": lambda n: f"{n:02d}", "upperRoman": _roman,
    "lowerRoman": lambda n: _roman(n).lower(), "upperLetter": lambda n: _letter(n).upper(), "lowerLetter": _letter,
}


class Numbering:
    def __init__(self, document) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}  # abstractNumId → ilvl → (fmt, text, start)
        self.nums: dict[str, str] = {}  # numId → abstractNumId
        self.style_num: dict[str, tuple[str, int]] = {}  # styleId → (numId, ilvl)
        self.counters: dict[str, list[int]] = {}
        try:
            part = document.part.numbering_part
        except (NotImplementedError, KeyError, AttributeError):
            part = None
        if part is not None:
            root = part.element
            for an in root.iter(W + "abstractNum"):
                lv = {}
                for lvl in an.iter(W + "lvl"):
                    fmt = lvl.find(W + "numFmt")
                    txt = lvl.find(W + "lvlText")
                    st = lvl.find(W + "start")
                    lv[int(lvl.get(W + "ilvl"))] = (fmt.get(W + "val") if fmt is not None else "decimal",
                                                    txt.get(W + "val") if txt is not None else "",
                                                    int(st.get(W + "val")) if st is not None else 1)
                self.levels[an.get(W + "abstractNumId")] = lv
            for num in root.iter(W + "num"):
                ref = num.find(W + "abstractNumId")
                if ref is not None:
                    self.nums[num.get(W + "numId")] = ref.get(W + "val")
        for st in document.styles.element.iter(W + "style"):
            npr = st.find(f"{W}pPr/{W}numPr")
            if npr is not None:
                nid, ilvl = npr.find(W + "numId"), npr.find(W + "ilvl")
                if nid is not None:
                    self.style_num[st.get(W + "styleId")] = (nid.get(W + "val"),
                                                            int(ilvl.get(W + "val")) if ilvl is not None else 0)

    def label(self, p) -> str:
        """The label Word draws before paragraph element ``p`` ('' for none or a bullet)."""
        if not self.levels:
            return ""
        npr = p.find(f"{W}pPr/{W}numPr")
        num_id, ilvl = None, 0
        if npr is not None:
            nid, lv = npr.find(W + "numId"), npr.find(W + "ilvl")
            num_id = nid.get(W + "val") if nid is not None else None
            ilvl = int(lv.get(W + "val")) if lv is not None else 0
        else:
            ps = p.find(f"{W}pPr/{W}pStyle")
            if ps is not None and ps.get(W + "val") in self.style_num:
                num_id, ilvl = self.style_num[ps.get(W + "val")]
        abstract = self.nums.get(num_id or "")
        if not abstract or num_id == "0":
            return ""
        levels = self.levels.get(abstract, {})
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(abstract, [0] * 10)
        counters[ilvl] = counters[ilvl] + 1 if counters[ilvl] else levels[ilvl][2]
        for k in range(ilvl + 1, len(counters)):
            counters[k] = 0
        fmt, text, _ = levels[ilvl]
        if fmt not in FORMATS:
            return ""  # bullets and unknown formats draw no number
        out = text
        for k in range(ilvl, -1, -1):
            f = levels.get(k, ("decimal", "", 1))[0]
            value = counters[k] or levels.get(k, ("", "", 1))[2]
            out = out.replace(f"%{k + 1}", FORMATS.get(f, str)(value))
        return out
