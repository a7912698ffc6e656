"""``vnreport eval GOLD_DIR OUTDIR_OR_CSV``: score an indicator table against hand-checked gold.

The matching follows ``shared/eval/score.py`` exactly (a test checks that both give the same figures):
a prediction matches a gold indicator of the same kind (a gold table cell accepts any numeric kind) when
their spans overlap, best overlap first; a list-valued gold (``Quyết định 217, 218``) takes one match per
value. Predictions overlapping only ``ignore`` gold are neutral. On top of the figures it lists every error
by cause — missed, spurious, wrong value, wrong section — as ``eval.md`` and ``eval.csv``.
"""
from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from pathlib import Path

from .i18n import _

INDICATOR = {"count", "money", "percent", "ratio", "date", "period", "doc_ref", "table_cell"}
NUMERIC = {"count", "money", "percent", "table_cell", "ratio"}
LEVEL = [(re.compile(r"^Phần\b", re.I), 0), (re.compile(r"^[IVXLC]+$"), 1), (re.compile(r"^\d+$"), 2),
         (re.compile(r"^\d+\.\d+$"), 3), (re.compile(r"^\d+\.\d+\.\d+$"), 4), (re.compile(r"^[a-zđ]\)?$"), 5)]


def level(label: str) -> int:
    return next((lv for rx, lv in LEVEL if rx.match(label)), 6)


def load_gold(path: Path) -> list[dict]:
    recs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    heads = sorted((r for r in recs if r["type"] == "heading"), key=lambda r: r["start"])
    stack: list[tuple[int, str]] = []
    bounds: list[tuple[int, str]] = []
    for h in heads:
        lab = str(h.get("value", "")).strip().rstrip(".")
        if not lab:
            stack = []
            bounds.append((h["start"], ""))
            continue
        lv = level(lab)
        while stack and stack[-1][0] >= lv:
            stack.pop()
        stack.append((lv, lab))
        bounds.append((h["start"], " > ".join(x for _, x in stack)))
    for r in recs:
        r["section"] = ""
        for b, p in bounds:
            if b <= r["start"]:
                r["section"] = p
            else:
                break
    return recs


def norm_value(kind: str, v):
    if v is None:
        return None
    if isinstance(v, list):
        return [norm_value(kind, x) for x in v]
    s = str(v).strip()
    if kind in NUMERIC and kind != "ratio":
        try:
            return round(float(s.replace(",", ".")) if re.fullmatch(r"-?\d+,\d+", s) else float(s), 4)
        except ValueError:
            return s.lower()
    return re.sub(r"\s+", "", s).upper()


def value_ok(gold: dict, pred_kind: str, pred_value) -> bool:
    gk = gold["type"]
    gv = norm_value(gk if gk != "table_cell" else "count", gold.get("value"))
    pv = norm_value(pred_kind if gk != "table_cell" else "count", pred_value)
    return pv in gv if isinstance(gv, list) else gv == pv


def kinds_agree(gk: str, pk: str) -> bool:
    return gk == pk or (gk == "table_cell" and pk in NUMERIC)


def norm_section(s: str) -> str:
    return re.sub(r"\s*>\s*", " > ", (s or "").strip()).rstrip(".")


def norm_unit(u: str) -> str:
    return " ".join(re.sub(r"[,;:()]", " ", str(u or "").lower()).split())


def read_predictions(path: Path) -> dict[str, list[dict]]:
    if path.is_dir():
        path = path / "indicators.csv"
    preds: dict[str, list[dict]] = defaultdict(list)
    from .outputs.files import unprotect_row

    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            unprotect_row("indicators", row)  # the cells protected against Excel's formulas, as extracted
            try:
                row["_s"], row["_e"] = int(float(row["char_start"])), int(float(row["char_end"]))
            except (KeyError, ValueError, TypeError):
                continue
            preds[row["doc_id"]].append(row)
    return preds


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(gold_dir: Path, pred: Path, docs: set[str] | None = None) -> tuple[dict, list[dict]]:
    """(figures as score.py --json prints them, error rows)."""
    preds = read_predictions(Path(pred))
    tot: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    errors: list[dict] = []
    sec_ok = sec_n = unit_ok = unit_n = 0
    for gp in sorted(Path(gold_dir).glob("*.jsonl")):
        doc = gp.stem
        if docs and doc not in docs:
            continue
        gold = load_gold(gp)
        ind = [g for g in gold if g["type"] in INDICATOR]
        neutral = [g for g in gold if g["type"] == "ignore"]
        plist = preds.get(doc, [])
        cands = []
        for pi, p in enumerate(plist):
            for gi, g in enumerate(ind):
                ov = min(p["_e"], g["end"]) - max(p["_s"], g["start"])
                if ov > 0 and kinds_agree(g["type"], p["kind"]):
                    cands.append((ov, pi, gi))
        cands.sort(reverse=True)
        used_p: set[int] = set()
        used_g: dict[int, int] = {}
        match = []
        for ov, pi, gi in cands:
            cap = len(ind[gi]["value"]) if isinstance(ind[gi].get("value"), list) else 1
            if pi in used_p or used_g.get(gi, 0) >= cap:
                continue
            used_p.add(pi)
            used_g[gi] = used_g.get(gi, 0) + 1
            match.append((pi, gi))
        for pi, gi in match:
            g, p = ind[gi], plist[pi]
            k = g["type"]
            tot[k]["tp"] += 1
            base = {"doc_id": doc, "kind": k, "gold_text": g["text"], "gold_value": _show(g.get("value")),
                    "pred_text": p.get("text", ""), "pred_value": p.get("value", ""), "char_start": g["start"],
                    "gold_section": g["section"], "pred_section": p.get("section_path", "")}
            if value_ok(g, p["kind"], p.get("value")):
                tot[k]["tp_strict"] += 1
            else:
                errors.append({"cause": "wrong value", **base})
            if k in ("count", "ratio") and g.get("unit"):
                unit_n += 1
                gu, pu = norm_unit(g["unit"]), norm_unit(p.get("unit"))
                ok = bool(pu) and (gu == pu or gu.startswith(pu + " ") or pu.startswith(gu + " "))
                unit_ok += ok
                if not ok:
                    errors.append({"cause": "wrong unit", **base, "gold_value": g["unit"],
                                   "pred_value": p.get("unit", "")})
            if "section_path" in p:
                sec_n += 1
                if norm_section(p.get("section_path")) == g["section"]:
                    sec_ok += 1
                else:
                    errors.append({"cause": "wrong section", **base})
        for gi, g in enumerate(ind):
            need = len(g["value"]) if isinstance(g.get("value"), list) else 1
            got = used_g.get(gi, 0)
            if got < need:
                tot[g["type"]]["fn"] += need - got
                errors.extend({"cause": "missed", "doc_id": doc, "kind": g["type"], "gold_text": g["text"],
                               "gold_value": _show(g.get("value")), "pred_text": "", "pred_value": "",
                               "char_start": g["start"], "gold_section": g["section"], "pred_section": ""}
                              for _ in range(need - got))  # a list-valued gold misses each of its values
        for pi, p in enumerate(plist):
            if pi in used_p or any(min(p["_e"], n["end"]) - max(p["_s"], n["start"]) > 0 for n in neutral):
                continue
            k = p["kind"] if p["kind"] in INDICATOR else "other"
            tot[k]["fp"] += 1
            over = next((g for g in gold if min(p["_e"], g["end"]) - max(p["_s"], g["start"]) > 0), None)
            errors.append({"cause": "spurious", "doc_id": doc, "kind": p["kind"],
                           "gold_text": over["text"] if over else "",
                           "gold_value": f"({over['type']})" if over else "", "pred_text": p.get("text", ""),
                           "pred_value": p.get("value", ""), "char_start": p["_s"],
                           "gold_section": "", "pred_section": p.get("section_path", "")})
    out: dict[str, dict] = {}
    a_tp = a_fp = a_fn = a_st = 0
    for k in sorted(set(tot) | INDICATOR):
        t = tot[k]
        p, r, f = prf(t["tp"], t["fp"], t["fn"])
        _, _, fs = prf(t["tp_strict"], t["fp"] + t["tp"] - t["tp_strict"], t["fn"] + t["tp"] - t["tp_strict"])
        out[k] = {"tp": t["tp"], "fp": t["fp"], "fn": t["fn"], "p": round(p, 3), "r": round(r, 3),
                  "f1": round(f, 3), "strict_f1": round(fs, 3)}
        a_tp += t["tp"]
        a_fp += t["fp"]
        a_fn += t["fn"]
        a_st += t["tp_strict"]
    p, r, f = prf(a_tp, a_fp, a_fn)
    _, _, fs = prf(a_st, a_fp + a_tp - a_st, a_fn + a_tp - a_st)
    out["ALL"] = {"tp": a_tp, "fp": a_fp, "fn": a_fn, "p": round(p, 3), "r": round(r, 3), "f1": round(f, 3),
                  "strict_f1": round(fs, 3), "section_acc": round(sec_ok / sec_n, 3) if sec_n else None,
                  "unit_acc": round(unit_ok / unit_n, 3) if unit_n else None}
    errors.sort(key=lambda e: (CAUSES.index(e["cause"]), e["doc_id"], e["char_start"]))
    return out, errors


CAUSES = ["missed", "spurious", "wrong value", "wrong unit", "wrong section"]
ERROR_COLUMNS = ["cause", "doc_id", "kind", "char_start", "gold_text", "gold_value", "pred_text", "pred_value",
                 "gold_section", "pred_section"]


def _show(v) -> str:
    return json.dumps(v, ensure_ascii=False) if isinstance(v, list) else str(v)


def cause_name(cause: str) -> str:
    """An error cause (eval.csv's ``cause``) in words."""
    from .outputs.files import pgettext

    names = {"missed": pgettext("cause", "missed"), "spurious": pgettext("cause", "spurious"),
             "wrong value": pgettext("cause", "wrong value"), "wrong unit": pgettext("cause", "wrong unit"),
             "wrong section": pgettext("cause", "wrong section")}
    return names.get(cause, cause)


def cause_help(cause: str) -> str:
    helps = {"missed": _("Gold indicators the table does not have."),
             "spurious": _("Rows of the table that match no gold indicator."),
             "wrong value": _("Found, but the normalised value differs from the gold's."),
             "wrong unit": _("Found, but the unit differs from the gold's (gold → table)."),
             "wrong section": _("Found, but placed under another section (gold → table).")}
    return helps.get(cause, "")


def markdown(figures: dict, errors: list[dict]) -> str:
    """eval.md in the current language; each cause's heading keeps eval.csv's ``cause`` (``## missed (12)``)."""
    lines = ["# " + _("vnreport evaluation"), "",
             "| " + " | ".join([_("kind"), "tp", "fp", "fn", "P", "R", "F1", _("strict F1")]) + " |",
             "|---|---|---|---|---|---|---|---|"]
    for k, v in figures.items():
        lines.append(f"| {k} | {v['tp']} | {v['fp']} | {v['fn']} | {v['p']} | {v['r']} | {v['f1']} | {v['strict_f1']} |")
    a = figures["ALL"]
    lines += ["", _("section accuracy: {section} · unit accuracy: {unit}").format(section=a["section_acc"],
                                                                                   unit=a["unit_acc"]), ""]
    for cause in CAUSES:
        rows = [e for e in errors if e["cause"] == cause]
        name = cause_name(cause)
        lines += [f"## {cause} ({len(rows)})" + (f" — {name}" if name != cause else ""), "", cause_help(cause), ""]
        if rows:
            lines += ["| " + " | ".join([_("doc"), _("kind"), _("at"), _("gold"), _("predicted")]) + " |",
                      "|---|---|---|---|---|"]
            for e in rows:
                gold = f"{_cell(e['gold_text'])} → {_cell(e['gold_value'])}" if e["gold_text"] else ""
                pred = f"{_cell(e['pred_text'])} → {_cell(e['pred_value'])}" if e["pred_text"] else ""
                if cause == "wrong section":
                    gold, pred = _cell(e["gold_section"]), _cell(e["pred_section"])
                lines.append(f"| {e['doc_id']} | {e['kind']} | {e['char_start']} | {gold} | {pred} |")
            lines.append("")
    return "\n".join(lines) + "\n"


def _cell(s) -> str:
    return " ".join(str(s).split()).replace("|", "\\|")


def write_reports(outdir: Path, figures: dict, errors: list[dict]) -> None:
    from .outputs import atomic_write, write_text

    def w(tmp):
        with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
            wr = csv.DictWriter(f, fieldnames=ERROR_COLUMNS, lineterminator="\n")
            wr.writeheader()
            wr.writerows(errors)

    write_text(outdir / "eval.md", markdown(figures, errors))
    atomic_write(outdir / "eval.csv", w)
