"""Real reports of another province (../shared/corpus-extra, read in place, never copied into the repository):
the txt scored against hand-checked gold, and the original Word files and their PDFs agreeing with the txt."""
import json
import subprocess
import sys

import pytest

from conftest import SHARED
from test_corpus import agreement, rows

EXTRA = SHARED / "corpus-extra"
GOLD = SHARED / "eval" / "gold-extra"
pytestmark = pytest.mark.skipif(not (EXTRA / "txt").is_dir() or not GOLD.is_dir(),
                                reason="../shared/corpus-extra not beside the checkout")
DOCS = sorted(p.stem for p in (EXTRA / "txt").glob("*.txt")) if (EXTRA / "txt").is_dir() else []


def test_gold_score_on_txt(run_folder):
    rc, out = run_folder(EXTRA / "txt", "extra-txt")
    assert rc == 0
    res = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), str(GOLD), str(out / "indicators.csv"),
                          "--json"], capture_output=True, text=True, check=True)
    score = json.loads(res.stdout)
    print(score["ALL"])
    assert score["ALL"]["strict_f1"] >= 0.97
    assert score["ALL"]["section_acc"] >= 0.95
    for kind, s in score.items():
        if kind != "ALL" and s["tp"] + s["fn"] > 0:
            assert s["strict_f1"] >= 0.92, (kind, s)


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("doc", DOCS)
def test_renditions_agree_with_txt(run_folder, fmt, doc):
    _, txt = run_folder(EXTRA / "txt", "extra-txt")
    _, other = run_folder(EXTRA / fmt, f"extra-{fmt}")
    recall, precision = agreement(rows(txt), rows(other), doc)
    assert recall >= 0.97 and precision >= 0.97, (recall, precision)


def test_offsets_exact_in_every_rendition(run_folder):
    for fmt in ("txt", "docx", "pdf"):
        _, out = run_folder(EXTRA / fmt, f"extra-{fmt}")
        texts = {p.stem: p.read_text(encoding="utf-8") for p in (out / "text").glob("*.txt")}
        for r in rows(out):
            assert texts[r["doc_id"]][int(r["char_start"]):int(r["char_end"])] == r["text"], r
