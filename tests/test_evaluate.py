"""`vnreport eval` agrees with shared/eval/score.py, and lists errors by cause."""
import csv
import json
import random
import subprocess
import sys

import pytest

from conftest import CORPUS, SHARED
from pipeline.cli import main

SCORE = SHARED / "eval" / "score.py"
GOLD = SHARED / "eval" / "gold"
pytestmark = pytest.mark.skipif(not SCORE.exists(), reason="shared/eval not beside the checkout")


def perturb(src, dst):
    """Drop, shift, re-value and re-section some rows so every error cause shows up."""
    rng = random.Random(7)
    with open(src, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
        fields = list(rows[0].keys())
    out = []
    for r in rows:
        x = rng.random()
        if x < 0.05:
            continue
        if x < 0.10:
            r["value"] = "999"
        elif x < 0.15:
            r["section_path"] = "Phần thứ hai > IX"
        elif x < 0.18:
            r["unit"] = "zzz"
        elif x < 0.21:
            r["char_start"], r["char_end"] = "3", "9"
        out.append(r)
    with open(dst, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(out)


def score_py(table):
    res = subprocess.run([sys.executable, str(SCORE), str(GOLD), str(table), "--json"], capture_output=True,
                         text=True, check=True)
    return json.loads(res.stdout)


@pytest.mark.parametrize("perturbed", [False, True])
def test_eval_agrees_with_score_py(run_folder, tmp_path, capsys, perturbed):
    _, out = run_folder(CORPUS / "txt")
    table = out / "indicators.csv"
    if perturbed:
        table = tmp_path / "indicators.csv"
        perturb(out / "indicators.csv", table)
    capsys.readouterr()
    assert main(["eval", str(GOLD), str(table), "-o", str(tmp_path), "--json"]) == 0
    ours = json.loads(capsys.readouterr().out)
    assert ours == score_py(table)
    md = (tmp_path / "eval.md").read_text(encoding="utf-8")
    with open(tmp_path / "eval.csv", encoding="utf-8-sig") as f:
        errors = list(csv.DictReader(f))
    for cause in ("missed", "spurious", "wrong value", "wrong section"):
        assert f"## {cause} (" in md
    if perturbed:
        causes = {e["cause"] for e in errors}
        assert {"missed", "spurious", "wrong value", "wrong section", "wrong unit"} <= causes
        a = ours["ALL"]
        assert sum(e["cause"] == "missed" for e in errors) == a["fn"]
        assert sum(e["cause"] == "spurious" for e in errors) == a["fp"]
