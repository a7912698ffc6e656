"""Benchmark (not a test): vnreport extract on N = 10, 100, 1,000 documents built from the corpora, with 1 and 2
jobs, beside markitdown's and pypdfium2's time to merely turn the same files into text.

    .venv/bin/python benchmarks/run.py [--sizes 10 100 1000] [--jobs 1 2] [--no-baselines]
    .venv/bin/python benchmarks/run.py --ocr --wild     # OCR pages per second; the corpus-wild batch

Prints docs/s, pages/s, seconds per document, peak memory (the whole process tree, the batch and its workers, as
proportional set size: copy-on-write pages the forked workers share are counted once), and
the ratios. markitdown is only a yardstick (``pip install markitdown``), not a dependency of vnreport: without it
that column says so. Documents are the Word and PDF files of ../shared/corpus and ../shared/corpus-extra (and
corpus/), copied round-robin under new names; every run uses --no-cache.

``--ocr``: OCR pages per second on a scanned report (report 003's text rendition printed and scanned with skew
and noise by ``tests/data/scan.py``; every page goes through tesseract), with each number of jobs, and the share of
the text rendition's (kind, value) rows it gives back. ``--wild``: ../shared/corpus-wild/files (75 real files:
scans, broken text layers, old .doc, spreadsheets) as one batch: seconds, documents ok / failed / skipped, pages,
rows flagged "read by OCR".
"""
from __future__ import annotations

import argparse
import csv
import itertools
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "corpus", ROOT.parent / "shared" / "corpus", ROOT.parent / "shared" / "corpus-extra"]


def sources() -> list[Path]:
    seen, out = set(), []
    for folder in SOURCES:
        for p in sorted(folder.rglob("*")):
            if p.suffix.lower() in (".docx", ".pdf") and p.is_file():
                data = p.read_bytes()
                if data not in seen:
                    seen.add(data)
                    out.append(p)
    return out


def build(n: int, dest: Path) -> list[Path]:
    dest.mkdir(parents=True)
    files = []
    for i, src in zip(range(n), itertools.cycle(sources())):
        f = dest / f"{i:05d}_{src.name}"
        shutil.copy(src, f)
        files.append(f)
    return files


def tree_rss(proc) -> int:
    import psutil

    try:
        p = psutil.Process(proc.pid)
        procs = [p] + p.children(recursive=True)
    except psutil.Error:
        return 0
    total = 0
    for q in procs:
        try:
            try:  # proportional set size: pages shared by the forked workers counted once, not per worker
                total += q.memory_full_info().pss
            except (AttributeError, psutil.AccessDenied):
                total += q.memory_info().rss
        except psutil.Error:
            pass
    return total


def extract(folder: Path, out: Path, jobs: int) -> tuple[float, int, int]:
    """(seconds, peak RSS of the process tree in bytes, pages)."""
    exe = [sys.executable, "-m", "pipeline.cli", "extract", str(folder), "-o", str(out), "--jobs", str(jobs),
           "--no-cache", "--no-progress"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(exe, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc))
        time.sleep(0.05)
    dt = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"extract failed ({proc.returncode}): {proc.stderr.read().decode()[-2000:]}")
    with open(out / "documents.csv", encoding="utf-8-sig", newline="") as f:
        pages = sum(int(r["pages"] or 0) for r in csv.DictReader(f))
    return dt, peak, pages


def markitdown_time(files: list[Path]) -> float | None:
    try:
        from markitdown import MarkItDown
    except ImportError:
        return None
    md = MarkItDown()
    t0 = time.perf_counter()
    for f in files:
        try:
            md.convert(str(f))
        except Exception:  # noqa: BLE001 — a yardstick: a file it cannot read costs what it cost
            pass
    return time.perf_counter() - t0


def pdfium_time(files: list[Path]) -> float:
    """pypdfium2's raw text time on the PDFs; Word files through python-docx's paragraphs (the raw reader)."""
    import docx
    import pypdfium2 as pdfium

    t0 = time.perf_counter()
    for f in files:
        if f.suffix.lower() == ".pdf":
            pdf = pdfium.PdfDocument(str(f))
            for page in pdf:
                page.get_textpage().get_text_range()
            pdf.close()
        else:
            "\n".join(p.text for p in docx.Document(str(f)).paragraphs)
    return time.perf_counter() - t0


def rows_of(out: Path) -> list[dict]:
    with open(out / "indicators.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def docs_of(out: Path) -> list[dict]:
    with open(out / "documents.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def ocr_bench(jobs_list: list[int]) -> None:
    """OCR pages per second on a scanned report, and how much of its text rendition's values it gives back."""
    from collections import Counter

    sys.path.insert(0, str(ROOT / "tests" / "data"))
    from scan import scan

    report = ROOT / "corpus" / "txt" / "003_6617312135f34f8a.txt"

    def key(r):
        try:
            return r["kind"], float(r["value"])
        except ValueError:
            return r["kind"], r["value"]

    with tempfile.TemporaryDirectory(prefix="vnreport-bench-ocr-") as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        pages = scan(report.read_text(encoding="utf-8"), src / "003_scanned.pdf")
        shutil.copy(src / "003_scanned.pdf", src / "003_scanned_copy.pdf")  # two documents: two jobs can share them
        pages *= 2
        shutil.copy(report, Path(tmp) / "003.txt")
        extract(Path(tmp) / "003.txt", Path(tmp) / "txt", 1)
        want = Counter(map(key, rows_of(Path(tmp) / "txt")))
        print(f"\nOCR: report 003 printed and scanned, twice ({pages} pages, 200 dpi, ±0.8° skew, noise)")
        print(f"{'jobs':>4} {'seconds':>8} {'pages/s':>8} {'s/page':>7} {'peak RSS':>9} {'values back':>11}")
        for jobs in jobs_list:
            out = Path(tmp) / f"out{jobs}"
            dt, peak, _ = extract(src, out, jobs)
            got = Counter(map(key, (r for r in rows_of(out) if r["doc_id"] == "003_scanned")))
            back = sum((want & got).values()) / max(1, sum(want.values()))
            print(f"{jobs:>4} {dt:>8.1f} {pages / dt:>8.3f} {dt / pages:>7.2f} {peak / 2**20:>7.0f}MB {back:>11.3f}",
                  flush=True)


def wild_bench(jobs_list: list[int]) -> None:
    """../shared/corpus-wild as one batch."""
    from collections import Counter

    folder = ROOT.parent / "shared" / "corpus-wild" / "files"
    if not folder.is_dir():
        print("\n../shared/corpus-wild is not here: skipped")
        return
    print("\ncorpus-wild: 75 real files as one batch")
    print(f"{'jobs':>4} {'seconds':>8} {'ok':>4} {'failed':>6} {'skipped':>7} {'pages':>6} {'rows':>6} {'by OCR':>6} "
          f"{'peak RSS':>9}")
    for jobs in jobs_list:
        with tempfile.TemporaryDirectory(prefix="vnreport-bench-wild-") as tmp:
            out = Path(tmp) / "out"
            dt, peak, pages = extract(folder, out, jobs)
            status = Counter(d["status"] for d in docs_of(out))
            rows = rows_of(out)
            by_ocr = sum("read by OCR" in r["note"] for r in rows)
            print(f"{jobs:>4} {dt:>8.1f} {status['ok']:>4} {status['failed']:>6} {status['skipped']:>7} {pages:>6} "
                  f"{len(rows):>6} {by_ocr:>6} {peak / 2**20:>7.0f}MB", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=None, help="default 10 100 1000 (none with --ocr/--wild)")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--no-baselines", action="store_true", help="skip markitdown and pypdfium2")
    ap.add_argument("--ocr", action="store_true", help="OCR pages per second on a scanned report")
    ap.add_argument("--wild", action="store_true", help="../shared/corpus-wild as one batch")
    args = ap.parse_args(argv)
    if args.sizes is None:
        args.sizes = [] if (args.ocr or args.wild) else [10, 100, 1000]
    if args.ocr:
        ocr_bench(args.jobs)
    if args.wild:
        wild_bench(args.jobs)
    if not args.sizes:
        return 0
    try:
        import markitdown  # noqa: F401
        have_md = True
    except ImportError:
        have_md = False
        print("markitdown is not installed (pip install markitdown): its column is left empty. It is only the "
              "benchmark's yardstick, not a dependency of vnreport.")
    head = (f"{'N':>5} {'jobs':>4} {'seconds':>8} {'s/doc':>6} {'docs/s':>7} {'pages/s':>8} {'peak RSS':>9} "
            f"{'markitdown s':>12} {'pdfium s':>8} {'×markitdown':>11} {'×pdfium':>8} {'speed-up':>8}")
    print(head)
    print("-" * len(head))
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="vnreport-bench-") as tmp:
            files = build(n, Path(tmp) / "in")
            md = pd_ = None
            if not args.no_baselines:
                md = markitdown_time(files) if have_md else None
                pd_ = pdfium_time(files)
            first = None
            for jobs in args.jobs:
                out = Path(tmp) / f"out{jobs}"
                dt, peak, pages = extract(Path(tmp) / "in", out, jobs)
                first = first or dt
                print(f"{n:>5} {jobs:>4} {dt:>8.1f} {dt / n:>6.3f} {n / dt:>7.2f} {pages / dt:>8.1f} "
                      f"{peak / 2**20:>7.0f}MB {md if md is None else round(md, 1)!s:>12} "
                      f"{'' if pd_ is None else round(pd_, 2)!s:>8} {'' if md is None else f'{dt / md:.2f}':>11} "
                      f"{'' if pd_ is None else f'{dt / pd_:.1f}':>8} {first / dt:>8.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
