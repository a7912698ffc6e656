"""Where the per-document work runs: in this process, in a pool of worker processes (``--jobs N``), or on a Dask
distributed cluster (``--executor dask``). Every executor runs the same function, ``work(item, options)``, and
returns the same plain record (``DocResult``); results are handed back in input order whatever order they finish
in, so the outputs are identical whatever the executor.

Timeouts: in the process pool each document runs in a worker process the batch can kill; a document that takes
longer than ``--timeout`` seconds fails with that reason, its worker is replaced and the batch goes on. Each page
read by OCR adds ``ocr.PAGE_BUDGET`` seconds to its document's allowance (the worker says so as it starts the page),
so a long scan is not failed for being long. On Dask a
document that has not come back ``timeout`` seconds after it started is reported failed and its task cancelled.

Cache: ``OUTDIR/.cache/`` holds each document's result, keyed by the file's sha256, vnreport's version, a digest of
the code and the rules, the options that change the result and the document's id and name; an unchanged input is
not re-extracted (``--no-cache`` turns this off). Workers write nothing outside OUTDIR.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import tempfile
import time
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__

CACHE_FORMAT = 1


@dataclass
class Options:
    """What a worker needs besides the document (picklable; sent once per worker or per task)."""

    debug: bool = False
    ocr: bool = True  # scanned and unreadable PDF pages read by OCR when tesseract is installed (--no-ocr: off)
    timeout: float | None = None  # seconds per document; None: no limit
    cache: str | None = None  # the cache folder (OUTDIR/.cache); None: no cache


@dataclass
class DocResult:
    """One document's outputs: its row of documents.csv, its indicator and section rows, its text."""

    index: int
    document: dict
    rows: list[dict] = field(default_factory=list)
    sections: list[dict] = field(default_factory=list)
    text: str | None = None
    trace: str = ""  # the traceback of a failure (shown with --debug)
    cached: bool = False


# ------------------------------------------------------------------------------------------ the work
_EXTRACTOR = None
_LETTERHEAD = None
_CODE_DIGEST = None


def set_extractor(extractor) -> None:
    """Use this Extractor in this process (and in the worker processes forked from it)."""
    global _EXTRACTOR, _LETTERHEAD
    from .metadata import Letterhead

    _EXTRACTOR = extractor
    _LETTERHEAD = Letterhead(doc_types=list(extractor.g.doc_types))


def extractor():
    """This process's Extractor, built once (the grammar compiled once per worker)."""
    if _EXTRACTOR is None:
        from .extraction import Extractor

        set_extractor(Extractor())
    return _EXTRACTOR


def warm_up() -> None:
    """Build the Extractor and load underthesea's tagger now (before forking workers, which then share them)."""
    extractor()
    try:
        from .extraction import _tagger

        _tagger()
    except Exception:  # noqa: BLE001 — only a warm-up; the first document loads it otherwise
        pass


def code_digest() -> str:
    """vnreport's version and a digest of its code and rules: a cached result is reused only by the same code."""
    global _CODE_DIGEST
    if _CODE_DIGEST is None:
        h = hashlib.sha256(f"{__version__}\0{CACHE_FORMAT}".encode())
        root = Path(__file__).parent
        from .grammar import patterns_dir

        # the code, the package's data (encoding tables …) and the rules
        files = sorted(root.rglob("*.py")) + sorted(root.rglob("*.toml")) + sorted(Path(patterns_dir()).glob("*.toml"))
        for f in files:
            h.update(f.name.encode() + b"\0" + f.read_bytes())
        _CODE_DIGEST = h.hexdigest()
    return _CODE_DIGEST


def cache_key(sha256: str, item, options: Options) -> str:
    from .ingest import ocr

    # whether OCR can run is part of the key: installing tesseract reads again the scans that failed without it
    parts = [code_digest(), sha256, item.doc_id, item.source_file,
             ("ocr" if ocr.available() else "ocr-missing") if options.ocr else ""]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def cache_path(folder: str, key: str) -> Path:
    return Path(folder) / key[:2] / f"{key}.pkl.gz"


def cache_load(folder: str, key: str) -> DocResult | None:
    try:
        with gzip.open(cache_path(folder, key), "rb") as f:
            res = pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError):
        return None
    return res if isinstance(res, DocResult) else None


def cache_store(folder: str, key: str, res: DocResult) -> None:
    path = cache_path(folder, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=3) as f:
            pickle.dump(res, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:  # a cache that cannot be written only costs time
        try:
            os.unlink(tmp)
        except (OSError, UnboundLocalError):
            pass


def document_row(item) -> dict:
    from .ingest import SUPPORTED

    ext = item.path.suffix.lower()
    return {"doc_id": item.doc_id, "source_file": item.source_file, "format": SUPPORTED.get(ext, ext.lstrip(".")),
            "status": "ok", "error": "", "pages": None, "chars": None, "indicators": 0, "seconds": 0.0,
            "title": "", "issuer": "", "number": "", "issued": "", "period": "", "sha256": ""}


def _ingest(path, doc_id, source_file, ocr: bool):
    from .ingest import ingest

    return ingest(path, doc_id, source_file, ocr=ocr)


def work(item, options: Options, index: int = 0) -> DocResult:
    """One document through ingest → segment → extract (or its cached result). Never raises for a bad document:
    the failure is the document row's status and reason."""
    from .ingest import SUPPORTED, IngestError
    from .stages import process

    t0 = time.perf_counter()
    ext = item.path.suffix.lower()
    row = document_row(item)
    res = DocResult(index, row)
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
            key = cache_key(row["sha256"], item, options) if options.cache else ""
            hit = cache_load(options.cache, key) if key else None
            if hit is not None:
                hit.index, hit.cached = index, True
                hit.document["seconds"] = round(time.perf_counter() - t0, 3)
                return hit
            doc = _ingest(item.path, item.doc_id, item.source_file, options.ocr)
            ex = extractor()
            rows, sections, meta = process(doc, ex, _LETTERHEAD)
            row.update(meta)
            # the fields are plain values: a shallow copy is asdict's result without its deep copy (6% of a
            # document's time)
            res.rows = [dict(vars(r)) for r in rows]
            res.sections = sections
            res.text = doc.text
            row.update(format=doc.format, pages=doc.pages, chars=len(doc.text), indicators=len(rows))
            if key:
                cache_store(options.cache, key, res)
        except IngestError as e:
            row["status"], row["error"] = "failed", str(e)
        except Exception as e:  # noqa: BLE001 — one bad file must not stop the batch
            row["status"], row["error"] = "failed", f"could not be processed ({type(e).__name__}: {e})"
            res.trace = traceback.format_exc()
    row["seconds"] = round(time.perf_counter() - t0, 3)
    return res


def timed_out(item, index: int, seconds: float) -> DocResult:
    row = document_row(item)
    row["status"] = "failed"
    row["error"] = f"took longer than {seconds:g} seconds (--timeout); not extracted"
    row["seconds"] = round(float(seconds), 3)
    try:
        with open(item.path, "rb") as f:
            row["sha256"] = hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        pass
    return DocResult(index, row)


def crashed(item, index: int, why: str) -> DocResult:
    row = document_row(item)
    row["status"], row["error"] = "failed", f"could not be processed (the worker process {why})"
    return DocResult(index, row)


# ------------------------------------------------------------------------------------------ executors
def run_serial(items: list, options: Options) -> Iterator[DocResult]:
    """In this process, one after another (no timeout: used when none is asked for)."""
    for i, item in enumerate(items):
        yield work(item, options, i)


def _worker_main(conn, options: Options) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    extractor()
    from .ingest import ocr

    # each page read by OCR asks the batch for more time: a long scan is not timed out for being long
    ocr.on_page = lambda: conn.send(("budget", ocr.PAGE_BUDGET))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        index, item = msg
        conn.send(work(item, options, index))


class _Worker:
    def __init__(self, ctx, options: Options):
        import multiprocessing as mp

        parent, child = mp.Pipe()
        self.conn = parent
        self.proc = ctx.Process(target=_worker_main, args=(child, options), daemon=True)
        self.proc.start()
        child.close()
        self.task: tuple[int, object] | None = None
        self.started = 0.0  # when the task was handed out, plus the seconds its OCR'd pages added

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.proc.join(timeout=5 if not kill else None)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def run_pool(items: list, options: Options, jobs: int, window: int | None = None) -> Iterator[DocResult]:
    """A pool of ``jobs`` worker processes, one document at a time each, results in input order. A worker whose
    document passes the timeout is killed and replaced; at most ``window`` results wait for an earlier one."""
    import multiprocessing as mp
    from multiprocessing.connection import wait

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    if ctx.get_start_method() == "fork":
        warm_up()  # built once here, shared by every forked worker (and by the ones replacing a killed worker)
    jobs = max(1, min(jobs, len(items) or 1))
    window = window or 4 * jobs
    workers = [_Worker(ctx, options) for _ in range(jobs)]
    done: dict[int, DocResult] = {}
    nxt, following = 0, 0  # next index to hand out, next index to yield
    try:
        while following < len(items):
            for w in workers:
                if w.task is None and nxt < len(items) and nxt < following + window:
                    w.task, w.started = (nxt, items[nxt]), time.monotonic()
                    w.conn.send(w.task)
                    nxt += 1
            busy = [w for w in workers if w.task is not None]
            if not busy:  # nothing running: the window waits on nothing, which cannot happen
                raise RuntimeError("internal error: no document in progress")
            wait_for = None
            if options.timeout:
                wait_for = max(0.0, min(w.started + options.timeout for w in busy) - time.monotonic())
            ready = wait([w.conn for w in busy], timeout=wait_for)
            now = time.monotonic()
            for i, w in enumerate(workers):
                if w.task is None:
                    continue
                index, item = w.task
                if w.conn in ready:
                    try:
                        res = w.conn.recv()
                        if isinstance(res, tuple) and res[0] == "budget":  # a page read by OCR: more time
                            w.started += res[1]
                            continue
                    except (EOFError, OSError):
                        w.proc.join(timeout=5)
                        code = w.proc.exitcode
                        res = crashed(item, index, f"stopped (exit code {code})")
                        w.stop(kill=True)
                        workers[i] = _Worker(ctx, options)
                        done[index] = res
                        continue
                    w.task = None
                    done[index] = res
                elif options.timeout and now - w.started >= options.timeout:
                    w.stop(kill=True)
                    workers[i] = _Worker(ctx, options)
                    done[index] = timed_out(item, index, options.timeout)
            while following in done:
                yield done.pop(following)
                following += 1
    finally:
        for w in workers:
            w.stop(kill=w.task is not None)


def run_dask(items: list, options: Options, scheduler: str | None = None, jobs: int | None = None,
             window: int | None = None) -> Iterator[DocResult]:
    """The same work on a Dask distributed cluster (``scheduler``: its address; none: a local cluster of ``jobs``
    single-threaded worker processes). Inputs must be readable by the workers at the same paths (shared storage),
    and so must OUTDIR for the cache."""
    try:
        from distributed import Client, LocalCluster, wait
    except ImportError:
        raise RuntimeError('--executor dask needs Dask distributed: pip install "vnreport[dask]"') from None
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=max(1, jobs or os.cpu_count() or 1), threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    window = window or 4 * max(1, sum(client.nthreads().values()))
    futures: dict[int, object] = {}
    started: dict[int, float] = {}
    nxt = 0
    try:
        for following in range(len(items)):
            while nxt < len(items) and nxt < following + window:
                futures[nxt] = client.submit(work, items[nxt], options, nxt, pure=False, key=f"vnreport-doc-{nxt}-"
                                             + hashlib.sha1(os.urandom(8)).hexdigest()[:8])
                nxt += 1
            fut = futures.pop(following)
            res = None
            while res is None:
                timeout = None
                if options.timeout:
                    # the clock starts when a worker takes the document up (or now, if it cannot be told)
                    if following not in started and _running(client, fut):
                        started[following] = time.monotonic()
                    timeout = 1.0 if following not in started else max(
                        0.0, started[following] + options.timeout - time.monotonic())
                try:
                    wait(fut, timeout=timeout)
                except Exception:  # noqa: BLE001 — distributed raises its own TimeoutError
                    pass
                if fut.done():
                    try:
                        res = fut.result()
                    except Exception as e:  # noqa: BLE001 — a worker lost, a task that cannot run
                        res = crashed(items[following], following, f"failed ({type(e).__name__}: {e})")
                elif options.timeout and following in started and \
                        time.monotonic() - started[following] >= options.timeout:
                    fut.cancel()
                    res = timed_out(items[following], following, options.timeout)
            started.pop(following, None)
            yield res
    finally:
        for f in futures.values():
            f.cancel()
        client.close()
        if cluster is not None:
            cluster.close()


def _running(client, fut) -> bool:
    try:
        processing = client.processing()
    except Exception:  # noqa: BLE001
        return True
    return any(fut.key in keys for keys in processing.values())


def execute(items: list, options: Options, jobs: int = 1, executor: str = "local",
            scheduler: str | None = None) -> Iterable[DocResult]:
    """The results of ``items`` in input order, by the executor asked for."""
    if executor == "dask":
        return run_dask(items, options, scheduler, jobs)
    if jobs <= 1 and not options.timeout:
        return run_serial(items, options)
    return run_pool(items, options, jobs)
