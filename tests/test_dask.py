"""--executor dask: the same per-document work on a Dask distributed cluster gives the same rows as the serial run
(a LocalCluster, then a scheduler and a worker started as processes on loopback)."""
from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from pipeline.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


def rows(path: Path, drop: str | None = None) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    if drop:
        i = table[0].index(drop)
        table = [r[:i] + r[i + 1:] for r in table]
    return table


@pytest.fixture(scope="module")
def src(tmp_path_factory):
    d = tmp_path_factory.mktemp("in")
    for sub, name in (("txt", "000_f9135524f0dbee1e.txt"), ("docx", "002_42f08eaff795a7ac.docx"),
                      ("pdf", "004_f162b015986022fe.pdf")):
        shutil.copy(CORPUS / sub / name, d / f"{sub}_{name}")
    (d / "broken.docx").write_bytes(b"not a zip")
    return d


@pytest.fixture(scope="module")
def serial(src, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    assert main(["extract", str(src), "-o", str(out), "--jobs", "1", "--no-progress", "--no-cache"]) == 1
    return out


def same(a: Path, b: Path) -> None:
    assert (a / "indicators.csv").read_bytes() == (b / "indicators.csv").read_bytes()
    assert (a / "sections.csv").read_bytes() == (b / "sections.csv").read_bytes()
    assert rows(a / "documents.csv", "seconds") == rows(b / "documents.csv", "seconds")
    assert sorted(p.name for p in (a / "text").iterdir()) == sorted(p.name for p in (b / "text").iterdir())


def test_local_cluster_gives_the_serial_rows(src, serial, tmp_path):
    out = tmp_path / "o"
    assert main(["extract", str(src), "-o", str(out), "--executor", "dask", "--jobs", "2", "--no-progress"]) == 1
    same(serial, out)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_scheduler_and_worker_on_loopback(src, serial, tmp_path):
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    bindir = Path(sys.executable).parent
    dask = [str(bindir / "dask")] if (bindir / "dask").exists() else [sys.executable, "-m", "dask"]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    log = open(tmp_path / "cluster.log", "w")
    procs = [subprocess.Popen(dask + ["scheduler", "--host", "127.0.0.1", "--port", str(port),
                                      "--dashboard-address", ":0", "--no-show"],
                              stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)]
    try:
        time.sleep(1)
        procs.append(subprocess.Popen(dask + ["worker", address, "--nthreads", "1", "--nworkers", "1",
                                              "--host", "127.0.0.1", "--no-dashboard",
                                              "--local-directory", str(tmp_path / "worker")],
                                      stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path))
        from distributed import Client

        deadline = time.time() + 60
        while True:
            try:
                with Client(address, timeout=5) as c:
                    c.wait_for_workers(1, timeout=max(1, deadline - time.time()))
                break
            except Exception:  # noqa: BLE001 — the scheduler may not be listening yet
                if time.time() > deadline:
                    raise
                time.sleep(1)
        out = tmp_path / "o"
        assert main(["extract", str(src), "-o", str(out), "--executor", "dask", "--scheduler", address,
                     "--no-progress"]) == 1
        same(serial, out)
        assert any((out / ".cache").rglob("*.pkl.gz"))  # the worker wrote only inside OUTDIR
        assert not (tmp_path / "worker").exists() or not any(
            p.suffix in (".csv", ".txt", ".html") for p in (tmp_path / "worker").rglob("*"))
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        log.close()
