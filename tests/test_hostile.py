"""Hostile and broken input: every file fails alone, with one plain line, without hurting the batch or the machine.

Each case builds its file here: corrupt, truncated and encrypted PDF; zero-byte, non-zip, truncated, renamed
.doc and encrypted .docx; zip bombs (many parts, a huge body, a high ratio, too much in total) and an XML entity
bomb, refused from the zip directory before python-docx/lxml load anything; a file that vanishes mid-run.
"""
import json
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

from conftest import CORPUS, ROOT
from pipeline.ingest import IngestError, guard, ingest
from pipeline.run import run

GOOD_DOCX = CORPUS / "docx" / "004_f162b015986022fe.docx"
GOOD_PDF = CORPUS / "pdf" / "004_f162b015986022fe.pdf"
GOOD_TXT = CORPUS / "txt" / "004_f162b015986022fe.txt"
TECHNICAL = re.compile(r"Traceback|\b\w+(?:Error|Exception)\b|File \"|0x[0-9a-f]{4}|could not be processed")
PARA = '<w:p><w:r><w:t>Tổ chức 12 hội nghị, thu hút 1.250 lượt người</w:t></w:r></w:p>'


def plain(reason: str) -> bool:
    return bool(reason) and "\n" not in reason and not TECHNICAL.search(reason) and len(reason) < 200


def docx_with_body(out, body_chunks, extra_parts=(), prolog=""):
    """A copy of a corpus .docx whose word/document.xml is ``prolog`` + the original head + the chunks (streamed,
    so a bomb never sits in this process's memory) + the closing tags."""
    with zipfile.ZipFile(GOOD_DOCX) as zin:
        doc = zin.read("word/document.xml").decode("utf-8")
        head = doc.split("<w:body>", 1)[0]
        if prolog:
            head = head.replace("?>", "?>" + prolog, 1)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for info in zin.infolist():
                if info.filename != "word/document.xml":
                    z.writestr(info, zin.read(info))
            with z.open("word/document.xml", "w", force_zip64=True) as f:
                f.write((head + "<w:body>").encode("utf-8"))
                for chunk in body_chunks:
                    f.write(chunk)
                f.write(b"</w:body></w:document>")
            for name, data in extra_parts:
                z.writestr(name, data)
    return out


def paragraphs(mb):
    block = PARA.encode("utf-8") * 2000
    for _ in range(mb * 1024 * 1024 // len(block)):
        yield block


# ------------------------------------------------------------------------------------------- builders
def make_many_parts(p):
    with zipfile.ZipFile(GOOD_DOCX) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            z.writestr(info, zin.read(info))
        for k in range(guard.MAX_PARTS + 500):
            z.writestr(f"word/media/p{k}.xml", "<p/>")
    return p


def make_huge_body(p):  # ~250 MB of small paragraphs, stored in well under 1 MB
    return docx_with_body(p, paragraphs(250))


def make_high_ratio(p):  # 40 MB body: under the total limit, but 300:1
    return docx_with_body(p, paragraphs(40))


def make_too_much_total(p):  # parts each below the ratio threshold, together over the total
    n = guard.MAX_TOTAL_UNPACKED // (guard.RATIO_MIN_SIZE - 1) + 2
    zeros = b"\0" * (guard.RATIO_MIN_SIZE - 1)
    return docx_with_body(p, [PARA.encode()], [(f"word/media/image{k}.bin", zeros) for k in range(n)])


LAUGHS = ('<!DOCTYPE w:document [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{k} "{("&lol%s;" % (k - 1 if k > 1 else "")) * 10}">' for k in range(1, 10))
          + "]>")


def make_entity_bomb(p):
    return docx_with_body(p, [b"<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>"], prolog=LAUGHS)


def make_entity_bomb_in_styles(p):
    with zipfile.ZipFile(GOOD_DOCX) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/styles.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>', 1)
            z.writestr(info, data)
    return p


def make_truncated_docx(p):
    data = GOOD_DOCX.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    return p


def make_truncated_pdf(p):
    data = GOOD_PDF.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    return p


def make_corrupt_pdf(p):
    p.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    return p


def make_encrypted_pdf(p):
    pikepdf = pytest.importorskip("pikepdf")
    with pikepdf.open(GOOD_PDF) as pdf:
        pdf.save(p, encryption=pikepdf.Encryption(owner="o", user="u", R=6))
    return p


def make_renamed_doc(p):
    p.write_bytes(guard.OLE_MAGIC + b"\0" * 4000)
    return p


def make_encrypted_docx(p):  # Word's encrypted .docx is a Compound File holding an "EncryptedPackage" stream
    p.write_bytes(guard.OLE_MAGIC + b"\0" * 1000 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 1000)
    return p


CASES = {  # file name → (builder, words the reason must contain)
    "empty.docx": (lambda p: p.write_bytes(b"") or p, "empty"),
    "empty.pdf": (lambda p: p.write_bytes(b"") or p, "empty"),
    "notzip.docx": (lambda p: p.write_text("Báo cáo, không phải Word", encoding="utf-8") or p, "not a zip"),
    "truncated.docx": (make_truncated_docx, "truncated"),
    "renamed_doc.docx": (make_renamed_doc, "Word 97"),
    "locked.docx": (make_encrypted_docx, "encrypted"),
    "many_parts.docx": (make_many_parts, "parts"),
    "huge_body.docx": (make_huge_body, "refused"),
    "high_ratio.docx": (make_high_ratio, "times its stored size"),
    "too_much.docx": (make_too_much_total, "unpacks to more than"),
    "entities.docx": (make_entity_bomb, "entity declaration"),
    "entities_styles.docx": (make_entity_bomb_in_styles, "entity declaration"),
    "truncated.pdf": (make_truncated_pdf, "truncated"),
    "corrupt.pdf": (make_corrupt_pdf, "not a valid PDF"),
    "locked.pdf": (make_encrypted_pdf, "encrypted"),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    src = tmp_path_factory.mktemp("hostile")
    for name, (build, _) in CASES.items():
        build(src / name)
    shutil.copy(GOOD_TXT, src / "good.txt")
    shutil.copy(GOOD_DOCX, src / "good.docx")
    return src


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_case_fails_with_a_plain_reason(hostile, name):
    with pytest.raises(IngestError) as e:
        ingest(hostile / name, "x", name)
    reason = str(e.value)
    assert plain(reason), reason
    assert CASES[name][1] in reason, reason


def test_the_batch_goes_on(hostile):
    res = run([hostile])
    docs = {d["source_file"]: d for d in res.documents}
    assert docs["good.txt"]["status"] == "ok" and docs["good.docx"]["status"] == "ok"
    assert docs["good.docx"]["indicators"] > 0
    for name, (_, words) in CASES.items():
        assert docs[name]["status"] == "failed", name
        assert plain(docs[name]["error"]) and words in docs[name]["error"], (name, docs[name]["error"])
    assert len(res.errors) == len(CASES)


def test_command_line_one_line_each(hostile, tmp_path):
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "pipeline.cli", "extract", str(hostile), "-o", str(out),
                        "--no-progress"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert p.returncode == 1, p.stderr
    assert "Traceback" not in p.stderr
    for name in CASES:
        lines = [ln for ln in p.stderr.splitlines() if name in ln]
        assert len(lines) == 1, (name, p.stderr)


def test_owner_password_only_pdf_is_read(tmp_path):
    """Encrypted with an empty user password (print/copy restrictions only): it opens, so it is read."""
    pikepdf = pytest.importorskip("pikepdf")
    with pikepdf.open(GOOD_PDF) as pdf:
        pdf.save(tmp_path / "restricted.pdf", encryption=pikepdf.Encryption(owner="o", user="", R=6))
    doc = ingest(tmp_path / "restricted.pdf", "x", "restricted.pdf")
    assert "hội" in doc.text


MEMORY_PROBE = r"""
import json, resource, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import docx, lxml.etree, pypdfium2  # the parsers' own footprint is not what is measured
from pipeline.ingest import IngestError, ingest
from pipeline.extraction import Extractor
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = {}
for name in sys.argv[2:]:
    try:
        ingest(Path(name), "x", "x")
        out[name] = "read"
    except IngestError as e:
        out[name] = str(e)
out["growth_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
print(json.dumps(out))
"""


def test_bombs_do_not_grow_memory(hostile):
    """Peak memory of a fresh process reading every bomb stays within 100 MB of what it was before: the bombs
    are refused from their zip directory (unguarded, python-docx alone takes ~18 MB a MB of such a body: ~4.5 GB
    for the 250 MB one)."""
    bombs = [str(hostile / n) for n in ("many_parts.docx", "huge_body.docx", "high_ratio.docx", "too_much.docx",
                                        "entities.docx", "entities_styles.docx")]
    p = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(ROOT), *bombs], capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout)
    assert all(res[b] != "read" for b in bombs), res
    print(res)
    assert res["growth_mb"] < 100, res


def test_refused_before_decompressing(hostile, monkeypatch):
    """The size checks need only the zip directory: a bomb is refused without a byte of it being unpacked."""
    def no_unpacking(*a, **k):
        raise AssertionError("a part was unpacked")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_unpacking)
    for name in ("huge_body.docx", "high_ratio.docx", "too_much.docx"):
        with pytest.raises(IngestError, match="refused"):
            ingest(hostile / name, "x", name)
    # too many parts: refused from the end-of-directory record, before the directory is even parsed
    monkeypatch.setattr(zipfile.ZipFile, "__init__", no_unpacking)
    with pytest.raises(IngestError, match="parts"):
        ingest(hostile / "many_parts.docx", "x", "many_parts.docx")


def test_good_files_pass_the_guard():
    for p in list((CORPUS / "docx").glob("*.docx")) + list((CORPUS / "pdf").glob("*.pdf")) + list(
            (ROOT / "tests" / "data").rglob("*.docx")) + list((ROOT / "tests" / "data").rglob("*.pdf")):
        guard.check(p, p.suffix[1:], IngestError)


# --------------------------------------------------------------------------------------- vanishing files
def test_file_deleted_between_collect_and_read(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for k in range(3):
        shutil.copy(GOOD_TXT, src / f"r{k}.txt")
    shutil.copy(GOOD_DOCX, src / "r3.docx")
    names = sorted(p.name for p in src.iterdir())

    def progress(item):  # as each file starts, the next one is deleted (a sync client, a user tidying up)
        k = names.index(item.path.name)
        if k + 1 < len(names) and k % 2 == 0:
            (src / names[k + 1]).unlink()

    res = run([src], progress=progress)
    docs = {d["source_file"]: d for d in res.documents}
    assert docs["r0.txt"]["status"] == "ok" and docs["r2.txt"]["status"] == "ok"
    for name in ("r1.txt", "r3.docx"):
        assert docs[name]["status"] == "failed" and plain(docs[name]["error"]), docs[name]


@pytest.mark.parametrize("name", ["r.docx", "r.pdf", "r.txt"])
def test_file_deleted_while_being_read(tmp_path, monkeypatch, name):
    """The file disappears after the batch checked it, just before its parser opens it."""
    src = {"r.docx": GOOD_DOCX, "r.pdf": GOOD_PDF, "r.txt": GOOD_TXT}[name]
    shutil.copy(src, tmp_path / name)
    real = guard.check

    def vanish(path, fmt, error=Exception):
        real(path, fmt, error)
        path.unlink()

    monkeypatch.setattr(guard, "check", vanish)
    res = run([tmp_path / name])
    d = res.documents[0]
    assert d["status"] == "failed" and plain(d["error"]), d
    assert "disappeared" in d["error"] or "not found" in d["error"] or "not a valid" in d["error"], d


# ------------------------------------------------------------------------------------------ damaged inside
def _mutations(n, seed=1):
    """Corpus files damaged at random (reproducibly): bytes flipped anywhere, or one part of a .docx garbled,
    cut short or dropped while the zip itself stays valid."""
    import io
    import random

    rnd = random.Random(seed)
    sources = {"docx": GOOD_DOCX.read_bytes(), "pdf": GOOD_PDF.read_bytes()}
    for k in range(n):
        fmt = ("docx", "docx", "pdf")[k % 3]
        data = sources[fmt]
        if fmt == "docx" and rnd.random() < 0.7:
            zin = zipfile.ZipFile(io.BytesIO(data))
            out = io.BytesIO()
            victim = rnd.choice(zin.infolist()).filename
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
                for info in zin.infolist():
                    b = zin.read(info)
                    if info.filename == victim:
                        b = bytearray(b)
                        for _ in range(rnd.randint(1, 5)):
                            b[rnd.randrange(len(b))] = rnd.randrange(256)
                        if rnd.random() < 0.3:
                            b = b[: rnd.randrange(len(b))]
                        if rnd.random() < 0.1:
                            continue
                    z.writestr(info, bytes(b))
            data = out.getvalue()
        else:
            b = bytearray(data)
            for _ in range(rnd.randint(1, 20)):
                b[rnd.randrange(len(b))] = rnd.randrange(256)
            data = bytes(b)
        yield fmt, data


def test_damaged_files_fail_plainly(tmp_path):
    """Whatever is damaged inside (XML, deflate streams, the zip directory, PDF objects), the file is read or
    fails with a plain reason: never a parser's exception."""
    outcomes = {}
    for k, (fmt, data) in enumerate(_mutations(150)):
        p = tmp_path / f"m{k}.{fmt}"
        p.write_bytes(data)
        try:
            ingest(p, "x", p.name)
            outcomes["read"] = outcomes.get("read", 0) + 1
        except IngestError as e:
            assert plain(str(e)), str(e)
            outcomes[str(e)] = outcomes.get(str(e), 0) + 1
        p.unlink()
    assert sum(v for k, v in outcomes.items() if "damaged" in k) > 10, outcomes
