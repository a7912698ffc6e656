"""Check the hand-made gold of the register reports against their txt.

    .venv/bin/python tests/data/registers/check_gold.py      # prints every problem; exit 1 if any

(a) every record's `text` equals txt[start:end];
(b) every maximal run of ASCII digits of the txt lies inside exactly one record's span
    (headings without digits are records too, but cover no digits);
plus the fields each type needs (GUIDE.md) and well-formed values.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TYPES = {"count", "money", "percent", "ratio", "date", "period", "doc_ref", "table_cell", "heading",
         "footnote_marker", "other", "ignore"}
NEED = {"count": ("value", "unit", "qualifier"), "money": ("value", "unit", "qualifier"),
        "percent": ("value", "qualifier"), "ratio": ("value", "unit"), "date": ("value",),
        "period": ("value",), "doc_ref": ("value", "doc_type"), "table_cell": ("value", "row", "col"),
        "heading": ("value", "title"), "footnote_marker": ("value",), "other": ("value",),
        "ignore": ("value",)}
ISO_DAY = r"\d{4}-\d{2}-\d{2}"
ISO_MONTH = r"\d{4}-\d{2}"
VALUE_RX = {
    "date": re.compile(rf"^(?:{ISO_DAY}|{ISO_MONTH}|--\d{{2}}-\d{{2}})$"),
    "period": re.compile(rf"^(?:{ISO_DAY}/{ISO_DAY}|{ISO_MONTH}/{ISO_MONTH}|\d{{4}}/\d{{4}})$"),
    "ratio": re.compile(r"^\d+(?:\.\d+)?/\d+(?:\.\d+)?$"),
}


def check(txt: str, recs: list[dict]) -> list[str]:
    probs = []
    for n, r in enumerate(recs, 1):
        where = f"record {n} {r.get('text')!r}"
        t = r.get("type")
        if t not in TYPES:
            probs.append(f"{where}: unknown type {t!r}")
            continue
        for k in ("text", "start", "end"):
            if k not in r:
                probs.append(f"{where}: no {k}")
        if not isinstance(r.get("start"), int) or not isinstance(r.get("end"), int):
            continue
        if txt[r["start"]:r["end"]] != r["text"]:
            probs.append(f"{where}: text != txt[{r['start']}:{r['end']}] = {txt[r['start']:r['end']]!r}")
        for k in NEED[t]:
            if k not in r:
                probs.append(f"{where}: {t} needs {k}")
        v = r.get("value")
        if t in ("count", "money", "percent", "table_cell") and not isinstance(v, (int, float)):
            probs.append(f"{where}: value {v!r} is not a number")
        if t == "money" and (not isinstance(v, int) or r.get("unit") != "VND"):
            probs.append(f"{where}: money is integer VND")
        if t in VALUE_RX and not (isinstance(v, str) and VALUE_RX[t].match(v)):
            probs.append(f"{where}: malformed {t} value {v!r}")
        if t == "doc_ref" and ("date" in r and not re.fullmatch(ISO_DAY, r["date"])):
            probs.append(f"{where}: malformed doc_ref date {r['date']!r}")
        if t == "doc_ref" and (not isinstance(v, (str, list)) or re.search(r"\s", str(v))):
            probs.append(f"{where}: doc_ref value is the code without spaces")
        if t == "heading" and not re.search(r"\d", r["text"]) and v != str(v).rstrip("."):
            probs.append(f"{where}: heading value has a trailing dot")
    spans = sorted((r["start"], r["end"], r["text"]) for r in recs if isinstance(r.get("start"), int))
    for a, b in zip(spans, spans[1:]):
        if b[0] < a[1]:
            probs.append(f"overlapping records {a[2]!r}@{a[0]} and {b[2]!r}@{b[0]}")
    for m in re.finditer(r"[0-9]+", txt):
        inside = [s for s in spans if s[0] <= m.start() and m.end() <= s[1]]
        if len(inside) != 1:
            line = txt.count("\n", 0, m.start()) + 1
            ctx = txt[max(0, m.start() - 30):m.end() + 30].replace("\n", "⏎")
            probs.append(f"digits {m.group()!r} at {m.start()} (line {line}) in {len(inside)} records: …{ctx}…")
    return probs


def check_dir(base: Path = HERE) -> dict[str, list[str]]:
    out = {}
    for gp in sorted((base / "gold").glob("*.jsonl")):
        tp = base / "txt" / f"{gp.stem}.txt"
        if not tp.exists():
            out[gp.stem] = ["no txt for this gold file"]
            continue
        txt = tp.read_text(encoding="utf-8")
        recs = [json.loads(line) for line in gp.read_text(encoding="utf-8").splitlines() if line.strip()]
        out[gp.stem] = check(txt, recs)
    for tp in sorted((base / "txt").glob("*.txt")):
        if tp.stem not in out:
            out[tp.stem] = ["no gold for this txt"]
    return out


def main() -> int:
    res = check_dir()
    bad = 0
    for doc, probs in res.items():
        print(f"{doc}: {'ok' if not probs else f'{len(probs)} problem(s)'}")
        for p in probs:
            print("   ", p)
        bad += len(probs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
