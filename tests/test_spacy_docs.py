"""``vnreport extract … --spacy``: docs.spacy, one spaCy Doc per document (the contract's "spaCy documents")."""
import bisect
import csv
import re
import subprocess
import sys
import unicodedata
from collections import Counter

import pytest

from conftest import CORPUS, ROOT
from pipeline.outputs.spacy_docs import align_words, blank_vi, build_doc, load_docs, segment_words

INPUTS = [CORPUS / "txt" / "004_f162b015986022fe.txt", CORPUS / "txt" / "003_6617312135f34f8a.txt",
          CORPUS / "docx" / "004_f162b015986022fe.docx"]


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    from pipeline.cli import main

    out = tmp_path_factory.mktemp("spacy")
    rc = main(["extract", *map(str, INPUTS), "-o", str(out), "--no-progress", "--spacy"])
    assert rc == 0
    return out


@pytest.fixture(scope="module")
def docs(out):
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": False}}})  # the contract's vocab
    return {d.user_data["doc_id"]: d for d in DocBin().from_disk(out / "docs.spacy").get_docs(nlp.vocab)}


@pytest.fixture(scope="module")
def rows(out):
    return read_csv(out / "indicators.csv"), read_csv(out / "sections.csv")


def skeleton(s):
    """Letters without tone marks, case or spaces: what underthesea's respelling leaves alone."""
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c) and not c.isspace())
    return s.lower().replace("đ", "d")


def by_doc(table, doc_id):
    return [r for r in table if r["doc_id"] == doc_id]


def test_one_doc_per_ok_document(out, docs):
    ok = [d["doc_id"] for d in read_csv(out / "documents.csv") if d["status"] == "ok"]
    assert len(ok) == len(INPUTS)
    assert sorted(docs) == sorted(ok)
    assert [d.user_data["doc_id"] for d in load_docs(out / "docs.spacy")] == ok  # in the documents' order


def test_text_is_the_document_text(out, docs):
    for doc_id, doc in docs.items():
        assert doc.text == (out / "text" / f"{doc_id}.txt").read_bytes().decode("utf-8")
        assert len(doc) > 1000


def test_one_indicator_span_per_row(docs, rows):
    indicators, _ = rows
    assert indicators
    for doc_id, doc in docs.items():
        want = Counter((r["id"], r["kind"], r["text"], int(r["char_start"]), int(r["char_end"]))
                       for r in by_doc(indicators, doc_id))
        got = Counter((s.id_, s.label_, s.text, s.start_char, s.end_char) for s in doc.spans["indicators"])
        assert got == want
        assert len({s.id_ for s in doc.spans["indicators"]}) == len(doc.spans["indicators"])


def test_section_spans(docs, rows):
    _, sections = rows
    for doc_id, doc in docs.items():
        want = Counter((r["section_path"], int(r["char_start"]), int(r["char_end"])) for r in by_doc(sections, doc_id))
        assert want
        assert Counter((s.label_, s.start_char, s.end_char) for s in doc.spans["sections"]) == want


def test_every_row_boundary_is_a_token_boundary(docs, rows):
    for doc_id, doc in docs.items():
        for r in by_doc(rows[0], doc_id) + by_doc(rows[1], doc_id):
            span = doc.char_span(int(r["char_start"]), int(r["char_end"]))
            assert span is not None and span.text == doc.text[int(r["char_start"]):int(r["char_end"])]


def test_tokens_are_underthesea_words(docs, rows):
    """Multi-syllable words are single tokens; a token is a whole underthesea word unless a row boundary cuts
    the word, and then it is a piece of it (never straddling two words)."""
    for doc_id, doc in docs.items():
        text = doc.text
        cuts = {int(r[k]) for r in by_doc(rows[0], doc_id) + by_doc(rows[1], doc_id) for k in ("char_start", "char_end")}
        words = segment_words(text)
        tokens = [(t.idx, t.idx + len(t)) for t in doc if not t.is_space]
        starts = [s for s, _ in words]
        whole = 0
        for s, e in tokens:
            w = bisect.bisect_right(starts, s) - 1
            ws, we = words[w]
            assert ws <= s and e <= we, (doc_id, text[s:e], text[ws:we])
            if (s, e) == (ws, we):
                whole += 1
            else:
                assert any(ws < c < we for c in cuts), (doc_id, text[s:e], text[ws:we])
        assert whole >= 0.95 * len(tokens)
        multi = [t.text for t in doc if " " in t.text]
        assert len(multi) > 0.25 * len(tokens)
    doc = next(d for k, d in docs.items() if k.startswith("004") and k.endswith("txt"))
    assert "hội nghị" in [t.text for t in doc]
    # independently of the aligner: on plain lines no row cuts, the tokens are underthesea's words one for one
    from underthesea import word_tokenize

    cuts = {int(r[k]) for r in by_doc(rows[0], doc.user_data["doc_id"]) + by_doc(rows[1], doc.user_data["doc_id"])
            for k in ("char_start", "char_end")}
    checked = 0
    for m in re.finditer(r"[^\n]+", doc.text):
        line, (ls, le) = m.group(), m.span()
        if re.search(r"[^\S ]|  ", line) or line != line.strip() or any(ls < c < le for c in cuts):
            continue
        toks = [t.text for t in doc if ls <= t.idx < le]
        words = word_tokenize(line)
        if "".join(map(skeleton, toks)) != "".join(map(skeleton, words)):
            continue  # underthesea respelt something beyond tone marks (qui → quy …)
        assert [skeleton(t) for t in toks] == [skeleton(w) for w in words], line
        checked += 1
    assert checked > 20
    assert "hội nghị" in [t.text.lower() for t in docs["003_6617312135f34f8a"]]


def test_round_trip(out):
    from spacy.tokens import DocBin

    data = (out / "docs.spacy").read_bytes()
    assert DocBin(store_user_data=True).from_disk(out / "docs.spacy").to_bytes() == data
    again = DocBin(store_user_data=True).from_bytes(data).to_bytes()
    assert again == data


# -- unit tests: aligner and build_doc -------------------------------------------------------------------------

def tokens(doc):
    return [(t.text, t.whitespace_) for t in doc]


def test_align_rewritten_tone_marks():
    text = "Hai bên thoả thuận về qui định"
    from underthesea import word_tokenize

    words = word_tokenize(text)
    assert "thỏa thuận" in words  # underthesea moves the tone mark …
    got = [text[s:e] for s, e in align_words(text, words)]
    assert "thoả thuận" in got  # … the token keeps the original characters
    assert " ".join(got) == text
    seg = "thoả thuận"
    assert [seg[s:e] for s, e in align_words(seg, ["thỏa thuận"])] == ["thoả thuận"]
    doc = build_doc(blank_vi(), text)
    assert "thoả thuận" in [t.text for t in doc]


def test_align_spelling_changes():
    seg = "nghành qui định"
    assert [seg[s:e] for s, e in align_words(seg, ["ngành", "quy định"])] == ["nghành", "qui định"]
    seg = '"Hợp đồng" ...'
    assert [seg[s:e] for s, e in align_words(seg, ["''", "Hợp đồng", "''", "…"])] == ['"', "Hợp đồng", '"', "..."]
    seg = "a b c"
    assert [seg[s:e] for s, e in align_words(seg, ["a", "c"])] == ["a", "b", "c"]  # a dropped character
    assert [seg[s:e] for s, e in align_words(seg, [])] == ["a", "b", "c"]


def test_nfd_text():
    text = unicodedata.normalize("NFD", "Hội nghị thoả thuận về tổ chức")
    doc = build_doc(blank_vi(), text)
    assert doc.text == text
    assert [unicodedata.normalize("NFC", t.text) for t in doc][:2] == ["Hội nghị", "thoả thuận"]
    for t in doc:  # combining marks stay with their letter
        assert not unicodedata.combining(t.text[0])


@pytest.mark.parametrize("text", [
    "", " ", "\n", "Hội nghị\r\nthoả thuận\r\n", "Hội nghị\tthoả thuận", "Hội  nghị   thoả thuận  ",
    "Tổ chức \"Hội nghị\" và “Hội nghị” ''tổng kết'' …", "  \t\n  Hội nghị 🎉🎉 tổng kết 👍🏽\u200b x\n\n\n",
    "Hội\u00a0nghị\u2028thoả thuận\x0c\x00", "Ð", "a\u0301\u0301 b",
])
def test_text_is_kept_exactly(text):
    doc = build_doc(blank_vi(), text)
    assert doc.text == text
    for t in doc:
        assert t.text  # no empty tokens
        assert t.is_space or not (t.text[0].isspace() or t.text[-1].isspace())


def test_whitespace_tokens_as_spacy_keeps_them():
    doc = build_doc(blank_vi(), "Hội nghị\r\nthoả thuận  tổ chức\tx")
    assert tokens(doc) == [("Hội nghị", ""), ("\r\n", ""), ("thoả thuận", " "), (" ", ""), ("tổ chức", ""),
                           ("\t", ""), ("x", "")]
    doc = build_doc(blank_vi(), "Hội  nghị")  # a double space splits even a word underthesea would join
    assert [t.text for t in doc] == ["Hội", " ", "nghị"]


def test_spans_cut_words_and_keep_equal_offsets():
    import pandas as pd
    from spacy.tokens import DocBin

    text = "Hội nghị thoả thuận ngày 12/3/2024.\n\nII. Kết quả"
    rows = pd.DataFrame([
        {"doc_id": "d", "kind": "count", "id": "d:1", "char_start": 0, "char_end": 3, "text": "Hội"},
        {"doc_id": "d", "kind": "date", "id": "d:2", "char_start": 0, "char_end": 3, "text": "Hội"},  # same offsets
        {"doc_id": "d", "kind": "x", "id": "d:3", "char_start": 3, "char_end": 10, "text": " nghị t"},
        {"doc_id": "d", "kind": "x", "id": "d:4", "char_start": 20, "char_end": 34, "text": "ngày 12/3/2024"},
        {"doc_id": "d", "kind": "x", "id": "d:5", "char_start": 36, "char_end": 36, "text": ""},  # empty
        {"doc_id": "d", "kind": "x", "id": "d:6", "char_start": 19, "char_end": 21, "text": " n"},
    ])
    sections = [{"section_path": "I", "char_start": 0, "char_end": 37},
                {"section_path": "II", "char_start": 37, "char_end": len(text)}]
    doc = build_doc(blank_vi(), text, rows, sections, doc_id="d")
    db = DocBin(store_user_data=True)
    db.add(doc)
    (doc,) = DocBin().from_bytes(db.to_bytes()).get_docs(blank_vi().vocab)
    assert doc.text == text and doc.user_data["doc_id"] == "d"
    got = [(s.id_, s.label_, s.text) for s in doc.spans["indicators"]]
    assert got == [(r.id, r.kind, r.text) for r in rows.itertuples()]
    assert [(s.label_, s.text) for s in doc.spans["sections"]] == [("I", text[:37]), ("II", "II. Kết quả")]
    assert "thoả thuận" not in [t.text for t in doc]  # cut at 10
    assert "Kết quả" in [t.text for t in doc]


def test_out_of_range_rows_are_refused():
    with pytest.raises(ValueError):
        build_doc(blank_vi(), "abc", [{"kind": "x", "id": "1", "char_start": 2, "char_end": 9}], [])


def test_nothing_goes_to_the_network(tmp_path):
    """underthesea's segmentation model ships with the package and spacy.blank needs none: with every socket
    refused, a DocBin is still written and read."""
    code = r"""
import socket, sys
def refuse(*a, **k):
    raise RuntimeError("network access")
socket.socket.connect = socket.socket.connect_ex = refuse
socket.create_connection = socket.getaddrinfo = refuse
sys.path.insert(0, sys.argv[1])
from pathlib import Path
import pandas as pd
from pipeline.outputs.spacy_docs import write_docbin, load_docs
text = "Hội nghị tổng kết công tác năm 2024 thoả thuận"
ind = pd.DataFrame([{"doc_id": "d", "kind": "count", "id": "d:1", "text": "Hội nghị", "char_start": 0, "char_end": 8}])
sec = pd.DataFrame([{"doc_id": "d", "section_path": "I", "char_start": 0, "char_end": len(text)}])
write_docbin(Path(sys.argv[2]), {"d": text}, ind, sec)
(doc,) = load_docs(sys.argv[2])
assert doc.text == text and doc[0].text == "Hội nghị", [t.text for t in doc]
print("ok")
"""
    r = subprocess.run([sys.executable, "-c", code, str(ROOT), str(tmp_path / "docs.spacy")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"
