"""The development reports, end to end, in every format: outputs, exact offsets, gold score, agreement."""
import csv
import json
import subprocess
import sys
from collections import Counter

import pytest

from conftest import CORPUS, SHARED

FORMATS = ["txt", "docx", "pdf"]
DOCS = sorted(p.stem for p in (CORPUS / "txt").glob("*.txt"))


def rows(out):
    with open(out / "indicators.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_report_goes_through(run_folder, fmt):
    rc, out = run_folder(CORPUS / fmt)
    assert rc == 0
    with open(out / "documents.csv", encoding="utf-8-sig") as f:
        docs = list(csv.DictReader(f))
    assert sorted(d["doc_id"] for d in docs) == DOCS
    assert all(d["status"] == "ok" and int(d["indicators"]) > 0 for d in docs)
    assert (out / "indicators.xlsx").stat().st_size > 0
    assert (out / "indicators.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    if fmt == "pdf":
        assert all(int(d["pages"]) > 0 for d in docs)


@pytest.mark.parametrize("fmt", FORMATS)
def test_offsets_are_exact(run_folder, fmt):
    rc, out = run_folder(CORPUS / fmt)
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (out / "text").glob("*.txt")}
    rs = rows(out)
    assert rs
    for r in rs:
        t = texts[r["doc_id"]]
        assert t[int(r["char_start"]):int(r["char_end"])] == r["text"], r
    if fmt == "txt":  # for text input the offsets index the original file itself
        for doc in DOCS:
            assert texts[doc] == (CORPUS / "txt" / f"{doc}.txt").read_text(encoding="utf-8")


@pytest.mark.skipif(not (SHARED / "eval" / "score.py").exists(), reason="shared/eval not beside the checkout")
def test_gold_score_on_txt(run_folder):
    rc, out = run_folder(CORPUS / "txt")
    res = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), str(SHARED / "eval" / "gold"),
                          str(out / "indicators.csv"), "--json"], capture_output=True, text=True, check=True)
    score = json.loads(res.stdout)
    print(score["ALL"])
    assert score["ALL"]["strict_f1"] >= 0.95
    assert score["ALL"]["section_acc"] >= 0.95
    assert score["ALL"]["unit_acc"] >= 0.90
    for kind, s in score.items():
        if kind != "ALL" and s["tp"] + s["fn"] > 0:
            assert s["strict_f1"] >= 0.92, (kind, s)


def agreement(a_rows, b_rows, doc):
    a = Counter((r["kind"], r["value"]) for r in a_rows if r["doc_id"] == doc)
    b = Counter((r["kind"], r["value"]) for r in b_rows if r["doc_id"] == doc)
    return sum((a & b).values()) / max(1, sum(a.values())), sum((a & b).values()) / max(1, sum(b.values()))


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("doc", DOCS)
def test_renditions_agree_with_txt(run_folder, fmt, doc):
    _, txt = run_folder(CORPUS / "txt")
    _, other = run_folder(CORPUS / fmt)
    recall, precision = agreement(rows(txt), rows(other), doc)
    assert recall >= 0.97 and precision >= 0.97, (recall, precision)
