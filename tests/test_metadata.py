"""documents.csv's report metadata (title, issuer, number, issued, period, sha256): the examples beside the
letterhead words in patterns/metadata.toml, and agreement between the txt, docx and pdf renditions of real
reports."""
import csv
import hashlib
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT
from pipeline.cli import main
from pipeline.extraction import Extractor
from pipeline.grammar import table
from pipeline.ingest import read_text_blocks
from pipeline.metadata import Letterhead
from pipeline.segment import segment

EXAMPLES = table("metadata")["letterhead_example"]
SHARED = ROOT.parent / "shared" / "corpus-extra"
REGISTERS = ROOT / "tests" / "data" / "registers"
FIELDS = ("title", "issuer", "number", "issued", "period")


@pytest.fixture(scope="module")
def reader():
    ext = Extractor()
    return Letterhead(doc_types=list(ext.g.doc_types)), ext


@pytest.mark.parametrize("ex", EXAMPLES, ids=[e["text"].split("\n")[0][:30] for e in EXAMPLES])
def test_letterhead_examples(ex, reader):
    lh, ext = reader
    text = ex["text"]
    outline = segment(text, read_text_blocks(text))
    first = outline.sections[0].start if outline.sections else None
    got = lh.read(text, first, ext.values)
    assert {k: got[k] for k in FIELDS} == {k: ex[k] for k in FIELDS}


def test_examples_cover_the_layouts():
    assert len(EXAMPLES) >= 6
    assert any(e["issuer"] == "" for e in EXAMPLES) and any(e["number"] == "" and "Số" in e["text"] for e in EXAMPLES)


def _docs(out):
    with open(out / "documents.csv", encoding="utf-8-sig") as f:
        return {d["doc_id"]: d for d in csv.DictReader(f)}


@pytest.fixture(scope="module")
def renditions(tmp_path_factory):
    inputs = [REGISTERS / "txt", REGISTERS / "docx", CORPUS / "txt", CORPUS / "docx", CORPUS / "pdf"]
    if SHARED.is_dir():
        inputs += [SHARED / "txt", SHARED / "docx", SHARED / "pdf"]
    out = tmp_path_factory.mktemp("meta")
    assert main(["extract", *map(str, inputs), "-o", str(out), "--no-progress"]) == 0
    return out, _docs(out)


def test_documents_csv_has_the_metadata_columns(renditions):
    out, docs = renditions
    d = docs["hoi_ccb_nam2025.txt"]
    assert d["issuer"] == "HỘI CCB TỈNH BÌNH SƠN HỘI CCB XÃ ĐÔNG HƯNG"
    assert d["number"] == "36/BC-CCB" and d["issued"] == "2025-12-05" and d["period"] == "2025-01/2025-12"
    assert d["title"].startswith("Tổng kết công tác Hội và phong trào Cựu chiến binh năm 2025, phương hướng")
    src = REGISTERS / "txt" / "hoi_ccb_nam2025.txt"
    assert d["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert docs["ubnd_xa_ktxh_6thang2025.txt"]["period"] == "2025-01/2025-06"
    # a blank number (filled in at signing) is empty, a blank day gives the month
    d = docs["003_6617312135f34f8a.txt"]
    assert d["number"] == "" and d["issued"] == "2023-11"
    assert d["title"] == "Tổng kết công tác dân vận năm 2023, nhiệm vụ trọng tâm năm 2024"
    assert d["period"] == "2023-01/2023-12"


def test_every_rendition_says_the_same(renditions):
    """The same report as txt, docx and pdf gives the same metadata (spaces aside)."""
    _, docs = renditions
    groups: dict[str, list[dict]] = {}
    for doc_id, d in docs.items():
        groups.setdefault(doc_id.rsplit(".", 1)[0], []).append(d)
    compared = 0
    for stem, ds in groups.items():
        if len(ds) < 2:
            continue
        for f in FIELDS:
            vals = {" ".join(d[f].split()) for d in ds}
            assert len(vals) == 1, (stem, f, vals)
        compared += 1
    assert compared >= 4
    with_issuer = [d for d in docs.values() if d["issuer"]]
    assert len(with_issuer) >= 6
