"""The notebooks run top to bottom (nbclient), so they cannot rot."""
import os
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"


def execute(name, env_out: Path | None = None):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    old = os.environ.get("VNREPORT_NOTEBOOK_OUT")
    if env_out is not None:
        os.environ["VNREPORT_NOTEBOOK_OUT"] = str(env_out)
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    finally:
        if old is None:
            os.environ.pop("VNREPORT_NOTEBOOK_OUT", None)
        else:
            os.environ["VNREPORT_NOTEBOOK_OUT"] = old
    return nb


def outputs_text(nb) -> str:
    parts = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            parts.append(o.get("text", "") or "".join(o.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def test_explore_sums_only_summable_money():
    nb = execute("explore.ipynb")
    out = outputs_text(nb)
    assert "amounts summed" in out and "left out" in out
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))


def test_province_summary_notebook(tmp_path):
    out = tmp_path / "ps"
    nb = execute("province_summary.ipynb", out)
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    for f in ("indicators.csv", "decisions.csv", "mapping.csv", "summary.xlsx", "indicators_per_document.png",
              "review/index.html"):
        assert (out / f).is_file(), f
    ind = pd.read_csv(out / "indicators.csv", dtype=str, keep_default_na=False)
    assert sorted(ind.loc[ind.review != "", "review"]) == ["ok", "wrong"]
    assert (out / "indicators_per_document.png").stat().st_size > 5000
    # the asks: answered per report, then the analyst's edited list (one ask dropped, one given a unit) re-run
    asks = pd.read_csv(out / "asks.csv", dtype=str, keep_default_na=False)
    edited = pd.read_csv(out / "asks_edited" / "asks.csv", dtype=str, keep_default_na=False)
    assert (out / "yeu_cau.csv").is_file() and (out / "asks_edited" / "summary.xlsx").is_file()
    assert "số lượng báo cáo" in set(asks.ask) and "số lượng báo cáo" not in set(edited.ask)
    staff = edited[edited.ask.str.startswith("Tình hình kiện toàn")]
    assert set(staff.unit) == {"ủy viên"} and (staff.status == "reported").any()
    assert "ô cần xem" in outputs_text(nb)  # the parts/conflict cells pointed out
