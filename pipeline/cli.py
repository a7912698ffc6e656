"""Command line: ``vnreport extract INPUT... -o OUTDIR``.

Exit status: 0 every document processed; 1 some document failed (outputs still written); 2 usage error.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from . import __version__


class Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors exit 2 with one line, as argparse does, never a traceback
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="vnreport", description="Turn Vietnamese administrative reports into an indicator table.")
    p.add_argument("--version", action="version", version=f"vnreport {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    e = sub.add_parser("extract", help="extract indicators from files and/or folders")
    e.add_argument("inputs", nargs="+", metavar="INPUT", help=".txt .md .docx .pdf files or folders")
    e.add_argument("-o", "--outdir", required=True, help="folder for the output tables")
    e.add_argument("--debug", action="store_true", help="show a traceback when a document fails")
    e.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def cmd_extract(args) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .export import write_all, write_text
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
    total = len(collect(args.inputs))
    show = err.is_terminal and not args.no_progress
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=err, transient=True, disable=not show)
    with progress:
        task = progress.add_task("extracting", total=total)

        def tick(item, _state={"n": 0}):
            if _state["n"]:
                progress.advance(task)
            _state["n"] += 1
            progress.update(task, description=f"{item.source_file[:40]:40s}")

        res = run(args.inputs, progress=tick, debug=args.debug)
        progress.update(task, completed=total)
    for line in res.errors:
        print(f"vnreport: {line}", file=sys.stderr)
    text_dir = outdir / "text"
    for doc_id, text in res.texts.items():
        write_text(text_dir / f"{doc_id}.txt", text)
    write_all(outdir, res.indicators, res.sections, res.documents)
    status = Counter(d["status"] for d in res.documents)
    kinds = Counter(r["kind"] for r in res.indicators)
    out = Console()
    out.print(f"documents: {status.get('ok', 0)} ok, {status.get('failed', 0)} failed, "
              f"{status.get('skipped', 0)} skipped")
    out.print(f"indicators: {len(res.indicators)}" + (" (" + ", ".join(
        f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])) + ")" if kinds else ""))
    out.print(f"outputs: {outdir}/indicators.csv, indicators.xlsx, sections.csv, documents.csv, text/")
    return 1 if res.failed else 0


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "extract":
        return cmd_extract(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
