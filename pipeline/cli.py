"""Command line: ``vnreport extract INPUT... -o OUTDIR`` (review pages, ``--spacy``), ``vnreport apply OUTDIR
DECISIONS.csv``, ``vnreport summary OUTDIR --template T``, ``vnreport template T``, ``vnreport eval``.

Exit status: 0 every document processed; 1 some document failed (outputs still written); 2 usage error.

Every line printed for a person, and every option's help, is in the language of the run (``i18n``): ``--lang vi|en``
before or after the subcommand, else ``VNREPORT_LANG``, else Vietnamese. ``main`` sets it before anything else (the
help texts are built in it; the worker processes inherit it through ``VNREPORT_LANG``; a caller in the same process
gets its own language back when ``main`` returns). argparse's headings, ``-h`` and its usual error messages are
translated too (recognised by their English; another one stays English). Failure reasons are printed as
documents.csv keeps them (the contract names several); the frame around them is translated. A string is written in
English inside ``_()`` and translated in ``pipeline/locales/vi/LC_MESSAGES/vnreport.po`` (see ``babel.cfg``).
"""
from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

from . import __version__, i18n
from .i18n import _


class Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """argparse's parser with its help's headings and -h in the current language (its error messages stay)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", Formatter)
        help_option = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = _("positional arguments")
        self._optionals.title = _("options")
        if help_option:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help=_("show this help and exit"))

    def error(self, message):  # usage errors exit 2 with one line, as argparse does, never a traceback
        self.print_usage(sys.stderr)
        self.exit(2, _("{prog}: error: {message}").format(prog=self.prog, message=argparse_words(message)) + "\n")


def argparse_words(message: str) -> str:
    """argparse's usual error messages in the current language (recognised by their English; any other as it is)."""
    import re

    def m(pattern):
        return re.fullmatch(pattern, message, re.S)

    if x := m(r"argument (?P<arg>\S+): (?P<message>.*)"):
        return _("argument {arg}: {message}").format(arg=x["arg"], message=argparse_words(x["message"]))
    if x := m(r"the following arguments are required: (?P<args>.*)"):
        return _("the following arguments are required: {args}").format(args=x["args"])
    if x := m(r"unrecognized arguments: (?P<args>.*)"):
        return _("unrecognized arguments: {args}").format(args=x["args"])
    if x := m(r"invalid choice: (?P<value>.*) \(choose from (?P<choices>.*)\)"):
        return _("invalid choice: {value} (choose from {choices})").format(value=x["value"], choices=x["choices"])
    if x := m(r"one of the arguments (?P<args>.*) is required"):
        return _("one of the arguments {args} is required").format(args=x["args"])
    if x := m(r"not allowed with argument (?P<arg>.*)"):
        return _("not allowed with argument {arg}").format(arg=x["arg"])
    if x := m(r"ambiguous option: (?P<option>\S+) could match (?P<matches>.*)"):
        return _("ambiguous option: {option} could match {matches}").format(option=x["option"],
                                                                           matches=x["matches"])
    if m(r"expected one argument"):
        return _("expected one argument")
    if m(r"expected at least one argument"):
        return _("expected at least one argument")
    return message


def fail(message: str) -> int:
    """A usage error: one line on stderr, exit status 2."""
    print(_("{prog}: error: {message}").format(prog="vnreport", message=message), file=sys.stderr)
    return 2


def positive_int(v: str) -> int:
    try:
        n = int(v)
    except ValueError:
        raise argparse.ArgumentTypeError(_("not a whole number: {value}").format(value=repr(v))) from None
    if n < 1:
        raise argparse.ArgumentTypeError(_("must be at least 1: {value}").format(value=v))
    return n


def positive_float(v: str) -> float:
    try:
        x = float(v)
    except ValueError:
        raise argparse.ArgumentTypeError(_("not a number of seconds: {value}").format(value=repr(v))) from None
    if not x > 0:
        raise argparse.ArgumentTypeError(_("must be more than 0: {value}").format(value=v))
    return x


def lang_code(v: str) -> str:
    """``--lang``'s value, checked (``main`` has checked the usual spellings already: this catches the rest)."""
    try:
        return i18n.resolve(v)
    except i18n.LangError:
        raise argparse.ArgumentTypeError(unknown_lang(v)) from None


def unknown_lang(v: str, env: bool = False) -> str:
    choices = _("{items} or {last}").format(items=", ".join(i18n.LANGS[:-1]), last=i18n.LANGS[-1])
    if env:
        return _("unknown language in VNREPORT_LANG: {lang} (use {choices})").format(lang=repr(v), choices=choices)
    return _("unknown language: {lang} (use {choices})").format(lang=repr(v), choices=choices)


def requested_lang(argv: list[str]) -> str | None:
    """The last ``--lang X`` / ``--lang=X`` of the command line (before ``--``), None without one."""
    lang = None
    for i, a in enumerate(argv):
        if a == "--":
            break
        if a == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif a.startswith("--lang="):
            lang = a[len("--lang="):]
    return lang


def add_lang(p: argparse.ArgumentParser, top: bool = False) -> None:
    # on the subcommands the default is SUPPRESS, so that `vnreport --lang en extract …` is not undone by a
    # subparser's default
    p.add_argument("--lang", type=lang_code, metavar="{" + ",".join(i18n.LANGS) + "}",
                   default=None if top else argparse.SUPPRESS,
                   help=_("language of the messages and the workbooks: vi (the default) or en; "
                          "the default comes from VNREPORT_LANG"))


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser, its help texts in the current language (``main`` sets it first)."""
    p = Parser(prog="vnreport", description=_("Turn Vietnamese administrative reports into an indicator table."))
    p.add_argument("--version", action="version", version=f"vnreport {__version__}",
                   help=_("show the version and exit"))
    add_lang(p, top=True)
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    e = sub.add_parser("extract", help=_("extract indicators from files and/or folders"))
    e.add_argument("inputs", nargs="+", metavar="INPUT",
                   help=_("files (.txt .md .docx .pdf .xlsx .xls .ods .doc .rtf) or folders"))
    e.add_argument("-o", "--outdir", required=True, help=_("folder for the output tables"))
    e.add_argument("--debug", action="store_true", help=_("show a traceback when a document fails"))
    e.add_argument("--no-progress", action="store_true", help=_("no progress bar"))
    e.add_argument("--spacy", action="store_true", help=_("also write docs.spacy (a spaCy DocBin)"))
    o = e.add_mutually_exclusive_group()
    o.add_argument("--ocr", dest="ocr", action="store_true", default=True,
                   help=_("read scanned pages and unreadable text layers with OCR (the default when tesseract "
                          "with Vietnamese is installed)"))
    o.add_argument("--no-ocr", dest="ocr", action="store_false",
                   help=_("never run OCR (such PDFs fail, saying why)"))
    e.add_argument("--jobs", "-j", type=positive_int, default=None, metavar="N",
                   help=_("documents processed in parallel (default: all cores)"))
    e.add_argument("--executor", choices=["local", "dask"], default="local",
                   help=_("local worker processes (default) or a Dask distributed cluster"))
    e.add_argument("--scheduler", metavar="ADDRESS",
                   help=_("the Dask scheduler (tcp://host:8786); without it --executor dask starts a local "
                          "cluster"))
    e.add_argument("--timeout", type=positive_float, default=120.0, metavar="S",
                   help=_("seconds a document may take before it fails (default 120)"))
    e.add_argument("--no-cache", action="store_true",
                   help=_("re-extract every document (default: unchanged inputs reuse OUTDIR/.cache)"))
    add_lang(e)
    a = sub.add_parser("apply", help=_("merge the analyst's decisions.csv (from the review pages) into OUTDIR"))
    a.add_argument("outdir", metavar="OUTDIR", help=_("an extract OUTDIR"))
    a.add_argument("decisions", metavar="DECISIONS.csv",
                   help=_("id,decision,value,note (decision ok, wrong or fix)"))
    add_lang(a)
    s_ = sub.add_parser("summary", help=_("the province summary of OUTDIR on the province's template outline"))
    s_.add_argument("outdir", metavar="OUTDIR", help=_("an extract OUTDIR"))
    s_.add_argument("--template", required=True, metavar="TEMPLATE", help=_("the province's outline report"))
    s_.add_argument("-o", "--dest", metavar="DIR",
                    help=_("where mapping.csv and summary.xlsx go (default OUTDIR)"))
    s_.add_argument("--asks", metavar="FILE",
                    help=_("the analyst's list of asks instead of those read from the template (a CSV with the "
                           "columns of vnreport template T --asks-csv)"))
    add_lang(s_)
    t = sub.add_parser("template", help=_("print the template's outline as the summary uses it"))
    t.add_argument("template", metavar="TEMPLATE",
                   help=_("the province's outline report (txt, md, docx, pdf)"))
    t.add_argument("--asks-csv", action="store_true",
                   help=_("print only the template's asks, as a CSV the analyst can edit and give to --asks"))
    add_lang(t)
    v = sub.add_parser("eval", help=_("score an indicator table against gold annotations"))
    v.add_argument("gold", metavar="GOLD_DIR", help=_("folder of <doc_id>.jsonl gold files"))
    v.add_argument("pred", metavar="OUTDIR_OR_CSV", help=_("an extract OUTDIR or its indicators.csv"))
    v.add_argument("-o", "--outdir", help=_("where eval.md and eval.csv go (default: beside the table)"))
    v.add_argument("--docs", help=_("comma-separated doc_ids to score"))
    v.add_argument("--json", action="store_true", help=_("print the figures as JSON"))
    add_lang(v)
    return p


def cmd_eval(args) -> int:
    import json

    from .evaluate import evaluate, write_reports

    gold, pred = Path(args.gold), Path(args.pred)
    table = pred / "indicators.csv" if pred.is_dir() else pred
    if not gold.is_dir() or not any(gold.glob("*.jsonl")):
        return fail(_("no gold .jsonl files in {path}").format(path=gold))
    if not table.is_file():
        return fail(_("indicator table not found: {path}").format(path=table))
    figures, errors = evaluate(gold, table, set(args.docs.split(",")) if args.docs else None)
    outdir = Path(args.outdir) if args.outdir else table.parent
    write_reports(outdir, figures, errors)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        from .evaluate import cause_name

        for k, v in figures.items():  # as score.py prints them
            print(f"{k:12s} " + " ".join(f"{kk}={vv}" for kk, vv in v.items()))
        by = Counter(e["cause"] for e in errors)
        if by:
            print(_("errors: {causes}").format(causes=", ".join(f"{cause_name(k)} {n}" for k, n in by.items())))
        else:
            print(_("errors: none"))
        print(_("written: {files}").format(files=f"{outdir / 'eval.md'}, {outdir / 'eval.csv'}"))
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
        return fail(_("input not found: {paths}").format(paths=", ".join(missing)))
    outdir = Path(args.outdir)
    if outdir.exists() and not outdir.is_dir():
        return fail(_("output path is not a folder: {path}").format(path=outdir))
    problem = unwritable(outdir)
    if problem:
        return fail(_("cannot write to the output folder {path}: {reason}").format(path=outdir, reason=problem))
    if args.scheduler and args.executor != "dask":
        return fail(_("--scheduler needs --executor dask"))
    if args.executor == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            return fail(_('--executor dask needs Dask distributed: pip install "vnreport[dask]"'))
    items = collect(args.inputs, outdir)
    total = len(items)
    show = err.is_terminal and not args.no_progress
    # "extracting ━━━━━━━━━━ 2/4 0:00:03 002_báo cáo.docx": the label stays put, the last document done at the end
    # (as written: a file name's brackets are not rich's markup)
    progress = Progress(TextColumn("{task.description}"), BarColumn(bar_width=30), MofNCompleteColumn(),
                        TimeElapsedColumn(), TextColumn("{task.fields[file]}", style="dim", markup=False),
                        console=err, transient=True, disable=not show)
    sink = Outputs(outdir, args.spacy, [i.doc_id for i in items])
    try:
        with progress:
            task = progress.add_task(_("extracting"), total=total, file="")

            def tick(item):
                name = item.source_file
                progress.update(task, advance=1, file=name if len(name) <= 40 else name[:39] + "…")

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
    for line in end_of_run(res, outdir, args.spacy):
        print(line)
    return 1 if res.failed else 0


def end_of_run(res, outdir: Path, spacy: bool = False) -> list[str]:
    """The lines that end an extract run: documents by status, indicators by kind, where the outputs are."""
    from .outputs.files import kind_name

    status, kinds = res.counts, res.kinds
    lines = [_("documents: {ok} ok, {failed} failed, {skipped} skipped").format(
        ok=status.get("ok", 0), failed=status.get("failed", 0), skipped=status.get("skipped", 0))]
    if kinds:
        by = ", ".join(f"{kind_name(k)} {n}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]))
        lines.append(_("indicators: {n} ({kinds})").format(n=res.n_indicators, kinds=by))
    else:
        lines.append(_("indicators: {n}").format(n=res.n_indicators))
    names = ["indicators.csv", "indicators.xlsx", "sections.csv", "documents.csv", "text/", "review/index.html"]
    lines.append(_("outputs: {files}").format(
        files=f"{outdir}/" + ", ".join(names + (["docs.spacy"] if spacy else []))))
    return lines


def cmd_apply(args) -> int:
    from .outputs.decisions import DecisionError, apply
    from .outputs.files import workbook_lang

    outdir = Path(args.outdir)
    # the workbook keeps the language it was written in, unless --lang or VNREPORT_LANG names one
    lang = None if getattr(args, "lang_given", True) else workbook_lang(outdir / "indicators.xlsx")
    try:
        counts = apply(outdir, Path(args.decisions), lang=lang)
    except DecisionError as e:
        return fail(str(e))
    print(_("applied: ok {ok}, wrong {wrong}, fixed {fixed}").format(
        ok=counts.get("ok", 0), wrong=counts.get("wrong", 0), fixed=counts.get("fixed", 0)))
    return 0


def cmd_summary(args) -> int:
    from .summary import SummaryError, summarise

    try:
        written = summarise(Path(args.outdir), Path(args.template), Path(args.dest) if args.dest else None,
                            Path(args.asks) if args.asks else None)
    except SummaryError as e:
        return fail(str(e))
    for line in written.lines():
        print(line)
    return 0


def cmd_template(args) -> int:
    from .summary import SummaryError, asks_text, outline_text

    try:
        if args.asks_csv:
            sys.stdout.write(asks_text(Path(args.template), csv=True))
        else:
            print(outline_text(Path(args.template)))
            print()
            print(asks_text(Path(args.template)))
    except SummaryError as e:
        return fail(str(e))
    return 0


COMMANDS = {"extract": cmd_extract, "eval": cmd_eval, "apply": cmd_apply, "summary": cmd_summary,
            "template": cmd_template}


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # the language first: the help texts, the usage errors and every line after are in it. The caller's language
    # comes back when main returns (a notebook or a test calling main in its own process)
    saved = (i18n._lang, os.environ.get("VNREPORT_LANG"))
    try:
        lang = requested_lang(argv)
        given = lang is not None or bool(os.environ.get("VNREPORT_LANG"))
        try:
            i18n.use(lang)
        except i18n.LangError:
            env = os.environ.get("VNREPORT_LANG", "")
            try:  # the error itself in the language still known, if any
                i18n.use(None if lang is not None and env else i18n.DEFAULT)
            except i18n.LangError:
                i18n.use(i18n.DEFAULT)
            return fail(unknown_lang(lang, env=False) if lang is not None else unknown_lang(env, env=True))
        args = build_parser().parse_args(argv)
        if getattr(args, "lang", None) and args.lang != i18n.current():  # an abbreviation (--lan en)
            i18n.use(args.lang)
        args.lang_given = given
        try:
            return COMMANDS[args.command](args)
        except BrokenPipeError:  # the output was piped into `head` or a closed pager: stop quietly, as cat does
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    finally:
        i18n._lang = saved[0]
        if saved[1] is None:
            os.environ.pop("VNREPORT_LANG", None)
        else:
            os.environ["VNREPORT_LANG"] = saved[1]


if __name__ == "__main__":
    sys.exit(main())
