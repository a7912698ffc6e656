"""Every example in patterns/*.toml, run through the real extractor: the grammar's own test corpus."""
from collections import Counter

import pytest

from pipeline.grammar import load
from pipeline.records import Document
from pipeline.segment import segment
from pipeline.ingest import read_text_blocks

EXAMPLES = load().examples


def run_text(extractor, text):
    doc = Document("ex", "ex.txt", "txt", text=text, blocks=read_text_blocks(text))
    return extractor.run(doc, segment(text, doc.blocks))


def _norm(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


@pytest.mark.parametrize("ex", EXAMPLES, ids=[f"{e['family']}:{e['text'][:40]}" for e in EXAMPLES])
def test_example(extractor, ex):
    rows = run_text(extractor, ex["text"])
    got = Counter((r.kind, _norm(r.value)) for r in rows)
    want = Counter((e["kind"], _norm(e["value"])) for e in ex["expect"])
    assert got == want, f"{ex['text']!r}: got {sorted(got.items())}"
    for e in ex["expect"]:
        match = [r for r in rows if r.kind == e["kind"] and _norm(r.value) == _norm(e["value"])]
        for field in ("unit", "qualifier", "doc_type", "ref_date", "per"):
            if field in e:
                assert any(getattr(r, field) == e[field] for r in match), \
                    f"{ex['text']!r}: {field} {[getattr(r, field) for r in match]} != {e[field]!r}"
    for r in rows:  # every row's text is the exact source span
        assert ex["text"][r.char_start:r.char_end] == r.text


def test_corpus_is_large_enough():
    assert len(EXAMPLES) >= 500, len(EXAMPLES)
    assert sum(1 for e in EXAMPLES if not e["expect"]) >= 100
    families = {e["family"] for e in EXAMPLES}
    negative = {e["family"] for e in EXAMPLES if not e["expect"]}
    assert families - negative == set(), f"families without negative examples: {families - negative}"
