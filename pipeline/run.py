"""The batch: walk the inputs, run every document through ingest → segment → extract, collect rows.

One document's failure is recorded and the batch goes on; nothing already extracted is lost.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .extraction import Extractor
from .ingest import SUPPORTED, IngestError, ingest, nfc_view, read_text_blocks
from .metadata import Letterhead
from .records import Document
from .segment import segment


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
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(d["status"] == "failed" for d in self.documents)


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
    stems = Counter(i.path.stem for i in out)
    used: set[str] = set()
    for i in out:
        base = i.path.stem if stems[i.path.stem] == 1 else i.path.name
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


def process(doc: Document, extractor: Extractor, letterhead: Letterhead | None = None) -> tuple[list, list, dict]:
    ntext, back = nfc_view(doc.text)
    view = doc
    if back:  # decomposed diacritics in a text file: read an NFC copy, report offsets into the original
        view = dataclasses.replace(doc, text=ntext, blocks=read_text_blocks(ntext))
    outline = segment(view.text, view.blocks)
    rows = extractor.run(view, outline, orig=doc.text, back=back)
    o = (lambda i: back[i]) if back else (lambda i: i)
    sections = [{"doc_id": doc.doc_id, "section_path": s.path, "level": s.level, "label": s.label,
                 "title": s.title, "char_start": o(s.start), "char_end": o(s.end), "page": s.page}
                for s in outline.sections]
    letterhead = letterhead or Letterhead(doc_types=list(extractor.g.doc_types))
    first = outline.sections[0].start if outline.sections else None
    meta = letterhead.read(view.text, first, extractor.values)
    return rows, sections, meta


def run(inputs: list[str | Path], progress=None, debug: bool = False, extractor: Extractor | None = None,
        exclude: Path | None = None) -> Result:
    extractor = extractor or Extractor()
    letterhead = Letterhead(doc_types=list(extractor.g.doc_types))
    res = Result()
    items = collect(inputs, exclude)
    for item in items:
        t0 = time.perf_counter()
        ext = item.path.suffix.lower()
        row = {"doc_id": item.doc_id, "source_file": item.source_file, "format": SUPPORTED.get(ext, ext.lstrip(".")),
               "status": "ok", "error": "", "pages": None, "chars": None, "indicators": 0, "seconds": 0.0,
               "title": "", "issuer": "", "number": "", "issued": "", "period": "", "sha256": ""}
        if progress:
            progress(item)
        if item.skip:
            row["status"], row["error"], row["format"] = "skipped", item.skip, (
                "folder" if item.source_file.endswith("/") else row["format"])
        elif ext not in SUPPORTED:
            row["status"], row["error"] = "skipped", f"unsupported file type '{ext or '(none)'}'"
        else:
            try:
                if not item.path.exists():
                    raise IngestError("file not found")
                with open(item.path, "rb") as f:
                    row["sha256"] = hashlib.file_digest(f, "sha256").hexdigest()
                doc = ingest(item.path, item.doc_id, item.source_file)
                rows, sections, meta = process(doc, extractor, letterhead)
                row.update(meta)
                res.indicators.extend(dataclasses.asdict(r) for r in rows)
                res.sections.extend(sections)
                res.texts[item.doc_id] = doc.text
                row.update(pages=doc.pages, chars=len(doc.text), indicators=len(rows))
            except IngestError as e:
                row["status"], row["error"] = "failed", str(e)
            except Exception as e:  # noqa: BLE001 — one bad file must not stop the batch
                row["status"], row["error"] = "failed", f"could not be processed ({type(e).__name__}: {e})"
                if debug:
                    traceback.print_exc()
            if row["status"] == "failed":
                res.errors.append(f"{item.source_file}: {row['error']}")
        row["seconds"] = round(time.perf_counter() - t0, 3)
        res.documents.append(row)
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
        raise FileNotFoundError(f"input not found: {', '.join(missing)}")
    res = run(list(paths))
    for line in res.errors:
        warnings.warn(f"vnreport: {line}", stacklevel=2)
    df = pd.DataFrame(res.indicators, columns=INDICATOR_COLUMNS + EXTRA_INDICATOR_COLUMNS)
    df.attrs["documents"] = [{c: d.get(c) for c in DOCUMENT_COLUMNS} for d in res.documents]
    return df
