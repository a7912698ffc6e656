"""Command line: ``vnreport extract INPUT... -o OUTDIR`` (review pages, ``--spacy``), ``vnreport apply OUTDIR
DECISIONS.csv``, ``vnreport summary OUTDIR --template T``, ``vnreport template T``, ``vnreport eval``.

Exit status: 0 every document processed; 1 some document failed (outputs still written); 2 usage error.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

from . import __version__


class Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors exit 2 with one line, as argparse does, never a traceback
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def positive_int(v: str) -> int:
    try:
        n = int(v)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {v!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {v}")
    return n


def positive_float(v: str) -> float:
    try:
        x = float(v)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {v!r}") from None
    if not x > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0: {v}")
    return x


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="vnreport", description="Turn Vietnamese administrative reports into an indicator table.")
    p.add_argument("--version", action="version", version=f"vnreport {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    e = sub.add_parser("extract", help="extract indicators from files and/or folders")
    e.add_argument("inputs", nargs="+", metavar="INPUT", help=".txt .md .docx .pdf files or folders")
    e.add_argument("-o", "--outdir", required=True, help="folder for the output tables")
    e.add_argument("--debug", action="store_true", help="show a traceback when a document fails")
    e.add_argument("--no-progress", action="store_true", help="no progress bar")
    e.add_argument("--spacy", action="store_true", help="also write docs.spacy (a spaCy DocBin)")
    o = e.add_mutually_exclusive_group()
    o.add_argument("--ocr", dest="ocr", action="store_true", default=True,
                   help="read scanned pages and unreadable text layers with OCR (the default when tesseract with "
                        "Vietnamese is installed)")
    o.add_argument("--no-ocr", dest="ocr", action="store_false", help="never run OCR (such PDFs fail, saying why)")
    e.add_argument("--jobs", "-j", type=positive_int, default=None, metavar="N",
                   help="documents processed in parallel (default: all cores)")
    e.add_argument("--executor", choices=["local", "dask"], default="local",
                   help="local worker processes (default) or a Dask distributed cluster")
    e.add_argument("--scheduler", metavar="ADDRESS",
                   help="the Dask scheduler (tcp://host:8786); without it --executor dask starts a local cluster")
    e.add_argument("--timeout", type=positive_float, default=120.0, metavar="S",
                   help="seconds a document may take before it fails (default 120)")
    e.add_argument("--no-cache", action="store_true",
                   help="re-extract every document (default: unchanged inputs reuse OUTDIR/.cache)")
    a = sub.add_parser("apply", help="merge the analyst's decisions.csv (from the review pages) into OUTDIR")
    a.add_argument("outdir", metavar="OUTDIR", help="an extract OUTDIR")
    a.add_argument("decisions", metavar="DECISIONS.csv", help="id,decision,value,note (decision ok/wrong/fix)")
    s_ = sub.add_parser("summary", help="the province summary of OUTDIR on the province's template outline")
    s_.add_argument("outdir", metavar="OUTDIR", help="an extract OUTDIR")
    s_.add_argument("--template", required=True, metavar="TEMPLATE", help="the province's outline report")
    s_.add_argument("-o", "--dest", metavar="DIR", help="where mapping.csv and summary.xlsx go (default OUTDIR)")
    t = sub.add_parser("template", help="print the template's outline as the summary uses it")
    t.add_argument("template", metavar="TEMPLATE", help="the province's outline report (txt, md, docx, pdf)")
    v = sub.add_parser("eval", help="score an indicator table against gold annotations")
    v.add_argument("gold", metavar="GOLD_DIR", help="folder of <doc_id>.jsonl gold files")
    v.add_argument("pred", metavar="OUTDIR_OR_CSV", help="an extract OUTDIR or its indicators.csv")
    v.add_argument("-o", "--outdir", help="where eval.md and eval.csv go (default: beside the table)")
    v.add_argument("--docs", help="comma-separated doc_ids to score")
    v.add_argument("--json", action="store_true", help="print the figures as JSON")
    return p


def cmd_eval(args) -> int:
    import json

    from .evaluate import evaluate, write_reports

    gold, pred = Path(args.gold), Path(args.pred)
    table = pred / "indicators.csv" if pred.is_dir() else pred
    if not gold.is_dir() or not any(gold.glob("*.jsonl")):
        print(f"vnreport: error: no gold .jsonl files in {gold}", file=sys.stderr)
        return 2
    if not table.is_file():
        print(f"vnreport: error: indicator table not found: {table}", file=sys.stderr)
        return 2
    figures, errors = evaluate(gold, table, set(args.docs.split(",")) if args.docs else None)
    outdir = Path(args.outdir) if args.outdir else table.parent
    write_reports(outdir, figures, errors)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        for k, v in figures.items():
            print(f"{k:12s} " + " ".join(f"{kk}={vv}" for kk, vv in v.items()))
        by = {}
        for e in errors:
            by[e["cause"]] = by.get(e["cause"], 0) + 1
        print("errors: " + (", ".join(f"{k} {n}" for k, n in by.items()) or "none"))
        print(f"written: {outdir / 'eval.md'}, {outdir / 'eval.csv'}")
    return 0


def unwritable(outdir: Path) -> str:
    """Why OUTDIR cannot take the outputs (empty when it can): checked before any document is read, by creating
    the folder and a probe file in it."""
    import tempfile

    try:
        outdir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=outdir, prefix=".vnreport-probe-"):
            pass
    except OSError as e:
        return e.strerror or str(e)
    return ""


class Outputs:
    """Each document's outputs written as it is done: its text, its rows appended to the tables (moved into
    place at the end), its review page, its Doc for ``docs.spacy``.

    One document's outputs are all written or none: everything is prepared first (the text encoded, the rows
    converted, the page rendered, the Doc built), then the files written and the rows appended. Whatever fails on
    the way makes the document a failed row ("its outputs could not be written (…)"), its files are removed and
    the batch goes on (an interruption, KeyboardInterrupt, still stops it)."""

    def __init__(self, outdir: Path, spacy: bool, doc_ids=()):
        from .outputs.files import TableStream
        from .outputs.review import ReviewStream

        self.outdir = outdir
        self.tables = TableStream(outdir)
        self.review = ReviewStream(outdir, doc_ids)
        self.docbin = self.nlp = None
        if spacy:
            from spacy.tokens import DocBin

            from .outputs.spacy_docs import blank_vi

            self.docbin, self.nlp = DocBin(store_user_data=True), blank_vi()

    def __call__(self, item, r):
        """Write one document's outputs; returns the result as written (a failed one when they could not be)."""
        try:
            self._write(item, r)
            return r
        except Exception as e:  # noqa: BLE001 — one document's outputs must not stop the batch
            import traceback

            from .executors import DocResult

            reason = " ".join(f"{type(e).__name__}: {e}".split())
            row = {c: r.document.get(c) for c in ("doc_id", "source_file", "format", "pages", "seconds", "sha256")}
            row.update(status="failed", error=f"its outputs could not be written ({reason[:300]})", indicators=0)
            failed = DocResult(r.index, row, trace=traceback.format_exc())
            try:
                self._write(item, failed)
            except Exception:  # noqa: BLE001 — not even its row: the failure is still reported
                pass
            return failed

    def _write(self, item, r) -> None:
        from .outputs import files

        doc = dict(r.document)
        ok = doc.get("status") == "ok"
        doc["review_page"] = files.REVIEW_DIR + self.review.name(item.doc_id) if ok else ""
        prepared = self.tables.prepare(r.rows, r.sections, doc)
        recs = prepared.records
        text = files.clean(r.text) if r.text is not None else None
        data = files.encode_text(text) if text is not None else None
        page = self.review.prepare_rows(recs["documents"][0], text or "", recs["indicators"], recs["sections"])
        docs = None
        if self.docbin is not None and ok and text is not None:
            from spacy.tokens import DocBin

            from .outputs.spacy_docs import build_docs

            docs = DocBin(store_user_data=True)
            for d in build_docs({item.doc_id: text}, recs["indicators"], recs["sections"], nlp=self.nlp):
                docs.add(d)
        written = []
        try:
            if data is not None:
                path = self.outdir / "text" / f"{item.doc_id}.txt"
                files.write_bytes(path, data)
                written.append(path)
            if page[0]:
                self.review.write(page)
                written.append(self.review.review / page[0])
            self.tables.append(prepared)
        except BaseException:
            for path in written:
                try:
                    path.unlink()
                except OSError:
                    pass
            raise
        self.review.enter(page)
        if docs is not None:
            self.docbin.merge(docs)

    def close(self) -> None:
        self.tables.close()
        self.review.close()
        if self.docbin is not None:
            from .outputs.files import atomic_write

            data = self.docbin.to_bytes()

            def w(tmp):
                with open(tmp, "wb") as f:
                    f.write(data)

            atomic_write(self.outdir / "docs.spacy", w)

    def abort(self) -> None:
        self.tables.abort()


def cmd_extract(args) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .run import collect, run

    err = Console(stderr=True)
    missing = [i for i in args.inputs if not Path(i).exists()]
    if missing:
        print(f"vnreport: error: input not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    outdir = Path(args.outdir)
    if outdir.exists() and not outdir.is_dir():
        print(f"vnreport: error: output path is not a folder: {outdir}", file=sys.stderr)
        return 2
    problem = unwritable(outdir)
    if problem:
        print(f"vnreport: error: cannot write to the output folder {outdir}: {problem}", file=sys.stderr)
        return 2
    if args.scheduler and args.executor != "dask":
        print("vnreport: error: --scheduler needs --executor dask", file=sys.stderr)
        return 2
    if args.executor == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            print('vnreport: error: --executor dask needs Dask distributed: pip install "vnreport[dask]"',
                  file=sys.stderr)
            return 2
    items = collect(args.inputs, outdir)
    total = len(items)
    show = err.is_terminal and not args.no_progress
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=err, transient=True, disable=not show)
    sink = Outputs(outdir, args.spacy, [i.doc_id for i in items])
    try:
        with progress:
            task = progress.add_task("extracting", total=total)

            def tick(item):
                progress.advance(task)
                progress.update(task, description=f"{item.source_file[:40]:40s}")

            res = run(args.inputs, progress=tick, debug=args.debug, exclude=outdir, sink=sink, items=items,
                      jobs=args.jobs or default_jobs(), timeout=args.timeout, executor=args.executor,
                      scheduler=args.scheduler, cache=None if args.no_cache else outdir / ".cache", ocr=args.ocr)
            progress.update(task, completed=total)
        sink.close()
    except BaseException:
        sink.abort()
        raise
    for line in res.errors:
        print(f"vnreport: {line}", file=sys.stderr)
    status, kinds = res.counts, res.kinds
    out = Console()
    out.print(f"documents: {status.get('ok', 0)} ok, {status.get('failed', 0)} failed, "
              f"{status.get('skipped', 0)} skipped")
    out.print(f"indicators: {res.n_indicators}" + (" (" + ", ".join(
        f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])) + ")" if kinds else ""))
    out.print(f"outputs: {outdir}/indicators.csv, indicators.xlsx, sections.csv, documents.csv, text/, "
              f"review/index.html" + (", docs.spacy" if args.spacy else ""))
    return 1 if res.failed else 0


def cmd_apply(args) -> int:
    from .outputs.decisions import DecisionError, apply

    try:
        counts = apply(Path(args.outdir), Path(args.decisions))
    except DecisionError as e:
        print(f"vnreport: error: {e}", file=sys.stderr)
        return 2
    print("applied: " + ", ".join(f"{k} {n}" for k, n in counts.items()))
    return 0


def cmd_summary(args) -> int:
    from .summary import SummaryError, summarise

    try:
        written = summarise(Path(args.outdir), Path(args.template), Path(args.dest) if args.dest else None)
    except SummaryError as e:
        print(f"vnreport: error: {e}", file=sys.stderr)
        return 2
    for line in written.lines():
        print(line)
    return 0


def cmd_template(args) -> int:
    from .summary import SummaryError, outline_text

    try:
        print(outline_text(Path(args.template)))
    except SummaryError as e:
        print(f"vnreport: error: {e}", file=sys.stderr)
        return 2
    return 0


COMMANDS = {"extract": cmd_extract, "eval": cmd_eval, "apply": cmd_apply, "summary": cmd_summary,
            "template": cmd_template}


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except BrokenPipeError:  # the output was piped into `head` or a closed pager: stop quietly, as cat does
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
