"""The batch: walk the inputs, run every document through ingest → segment → extract, collect rows.

One document's failure is recorded and the batch goes on; nothing already extracted is lost.
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .extraction import Extractor
from .i18n import _
from .ingest import SUPPORTED, IngestError, ingest, nfc_view, read_text_blocks  # noqa: F401 (names kept for callers)
from .ingest.hygiene import writable as clean
from .stages import process  # noqa: F401 (the per-document chain, kept importable from here)


@dataclass
class Input:
    path: Path
    source_file: str
    doc_id: str = ""
    skip: str = ""  # why the input is listed but not read (a Word lock file, a hidden file or folder)


def skip_reason(name: str, walked: bool) -> str:
    """Word's lock files (``~$báo cáo.docx``) are never reports; hidden files and folders (``.venv``, ``.git``)
    are passed over in a folder walk (a hidden file named on the command line is read)."""
    if name.startswith("~$"):
        return "Word lock file (~$…), not a report"
    if walked and name.startswith("."):
        return "hidden file"
    return ""


@dataclass
class Result:
    indicators: list[dict] = field(default_factory=list)
    sections: list[dict] = field(default_factory=list)
    documents: list[dict] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # a line for each failed document, for a person to read
    counts: Counter = field(default_factory=Counter)  # documents by status
    kinds: Counter = field(default_factory=Counter)  # indicator rows by kind
    n_indicators: int = 0

    @property
    def failed(self) -> int:
        return self.counts["failed"]


def collect(inputs: list[str | Path], exclude: Path | None = None) -> list[Input]:
    """Files as given, folders walked recursively (sorted); source_file relative to the folder. A folder
    walk passes over ``exclude`` (the output folder, when it lies inside an input folder)."""
    out: list[Input] = []
    skip = exclude.resolve() if exclude is not None else None
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            for f in walk(p, skip):
                rel = f.relative_to(p).as_posix()
                if f.is_dir():  # a hidden folder: one row, its files are not walked
                    out.append(Input(f, rel + "/", skip="hidden folder"))
                else:
                    out.append(Input(f, rel, skip=skip_reason(f.name, True)))
        else:
            out.append(Input(p, str(raw), skip=skip_reason(p.name, False)))
    # a name that is not UTF-8 (the file system gives its bytes as lone surrogates) is kept as UTF-8 can write it,
    # so that the tables, the text file and the review page all call the document the same
    for i in out:
        i.source_file = clean(i.source_file)
    stems = Counter(clean(i.path.stem) for i in out)
    used: set[str] = set()
    for i in out:
        stem = clean(i.path.stem)
        base = stem if stems[stem] == 1 else clean(i.path.name)
        doc_id, k = base, 2
        while doc_id in used:
            doc_id, k = f"{base}-{k}", k + 1
        used.add(doc_id)
        i.doc_id = doc_id
    return out


def walk(folder: Path, exclude: Path | None) -> list[Path]:
    """A folder's files, sorted, without descending into hidden folders (returned themselves) or ``exclude``."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        r = Path(root)
        keep = []
        for d in dirs:
            sub = r / d
            if exclude is not None and sub.resolve().is_relative_to(exclude):
                continue
            (found.append(sub) if d.startswith(".") else keep.append(d))
        dirs[:] = keep
        for f in files:
            fp = r / f
            if exclude is not None and fp.resolve().is_relative_to(exclude):
                continue
            found.append(fp)
    return sorted(found)


def run(inputs: list[str | Path], progress=None, debug: bool = False, extractor: Extractor | None = None,
        exclude: Path | None = None, *, jobs: int = 1, timeout: float | None = None, executor: str = "local",
        scheduler: str | None = None, cache: Path | str | None = None, ocr: bool = True, sink=None,
        keep: bool | None = None, items: list[Input] | None = None) -> Result:
    """Every document of ``inputs`` through ingest → segment → extract, in input order.

    ``jobs`` worker processes (``executor="local"``) or a Dask cluster (``executor="dask"``, ``scheduler`` its
    address); ``timeout`` seconds per document (None: no limit; with one job and no limit the documents are read
    in this process); ``cache`` a folder of cached results. ``sink(item, result)`` receives each document as it is
    done (the CLI streams it to the files) and may return the result as written (a document whose outputs could not
    be written is a failed one: the counts say so); ``keep`` (default: no sink) keeps every row in the Result;
    ``items`` the inputs already collected (the CLI counts them for its progress bar: the folders are walked
    once)."""
    from .executors import DocResult, Options, execute, set_extractor

    if extractor is not None:
        set_extractor(extractor)
    keep = sink is None if keep is None else keep
    res = Result()
    items = collect(inputs, exclude) if items is None else items
    options = Options(debug=debug, ocr=ocr, timeout=timeout, cache=str(cache) if cache else None)
    results = execute(items, options, jobs=jobs, executor=executor, scheduler=scheduler)
    try:
        for item, r in zip(items, results):
            r: DocResult
            if progress:
                progress(item)
            if sink is not None:
                r = sink(item, r) or r
            row = r.document
            if row["status"] == "failed":
                # the frame in the reader's language, the reason as documents.csv keeps it
                res.errors.append(_("{file}: failed: {reason}").format(file=item.source_file, reason=row["error"]))
                if debug and r.trace:
                    import sys

                    print(r.trace, file=sys.stderr, end="")
            res.counts[row["status"]] += 1
            res.kinds.update(x["kind"] for x in r.rows)
            res.n_indicators += len(r.rows)
            if keep:
                res.indicators.extend(r.rows)
                res.sections.extend(r.sections)
                if r.text is not None:
                    res.texts[item.doc_id] = r.text
                res.documents.append(row)
    finally:
        close = getattr(results, "close", None)
        if close:
            close()
    return res


def extract(paths):
    """Python API: the indicator table of ``paths`` (files and/or folders) as a DataFrame.

    A path that does not exist raises ``FileNotFoundError`` (as the command line's usage error). Documents that
    fail are reported, not raised: a warning names each with its reason, and ``df.attrs["documents"]`` holds the
    rows of documents.csv (status ok / failed / skipped, with the reason) as dicts."""
    import warnings

    import pandas as pd

    from .records import DOCUMENT_COLUMNS, EXTRA_INDICATOR_COLUMNS, INDICATOR_COLUMNS

    if isinstance(paths, (str, Path)):
        paths = [paths]
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise FileNotFoundError(_("input not found: {paths}").format(paths=", ".join(missing)))
    res = run(list(paths))
    for line in res.errors:
        warnings.warn(f"vnreport: {line}", stacklevel=2)
    df = pd.DataFrame(res.indicators, columns=INDICATOR_COLUMNS + EXTRA_INDICATOR_COLUMNS)
    df.attrs["documents"] = [{c: d.get(c) for c in DOCUMENT_COLUMNS} for d in res.documents]
    return df
