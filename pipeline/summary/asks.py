"""The template's asks: the figures the province's outline report requests, read from its own words.

An ask is a phrase that opens with a trigger (``số``, ``số lượng``, ``tỷ lệ``, ``số tiền`` … — the kind asked for)
inside brackets or after a wrapper (``nêu rõ``, ``có số liệu về`` …), and runs to the next ask or the end of its
clause: "(nêu rõ số vụ việc, tỷ lệ hòa giải thành…)" asks two figures. A bracket that wants figures without naming
them ("(có số liệu minh chứng)") asks for the line's own head ("Kết quả vận động Quỹ “Vì người nghèo” …" — money,
as the head says). The thing counted and its unit come from the extractor's own counted-noun grammar run on the
ask's words, so an ask's unit is what a report's value of that thing would carry ("số cuộc kiểm tra ở 3 cấp" →
``cuộc kiểm tra``). The words are data: ``patterns/asks.toml``.

``--asks FILE`` replaces the asks read with the analyst's own list (columns ``ASK_COLUMNS``).
"""
from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import regex

from ..grammar import alternation, table
from ..i18n import _
from .template import SummaryError, Template

ASK_COLUMNS = ["template_path", "template_title", "ask", "kind", "unit", "context"]
KINDS = ("count", "money", "percent")


@dataclass(frozen=True)
class Ask:
    template_path: str
    template_title: str
    ask: str  # the template's words
    kind: str  # count / money / percent
    unit: str  # a count's counted noun ("" when the ask names none), "VND", "%"
    context: str = ""  # the template's words the ask hangs on (the line's head): more words to know the answer by

    def row(self) -> dict:
        return asdict(self)


def _alt(words) -> str:
    return alternation(words, case_insensitive=False)  # the grammar's own: longest first, any white space


@lru_cache(maxsize=1)
def _grammar():
    w = table("asks")
    t, words = w["triggers"], w["words"]
    trig = {k: _alt(v) for k, v in t.items()}
    # longest trigger first across kinds: "số tiền" (money) before "số" (count)
    every = sorted(((p, k) for k, v in t.items() for p in v), key=lambda x: -len(x[0]))
    lead = r"(?<![\p{L}\p{M}])"
    trigger = regex.compile(
        lead + rf"(?<!(?:{_alt(words['not_before_so'])})\s+)"
        rf"(?P<trig>{_alt([p for p, _ in every])})(?![\p{{L}}\p{{M}}])"
        rf"(?!\s+(?:{_alt(words['not_after_so'])})(?![\p{{L}}\p{{M}}]))(?!\s*\d)", regex.IGNORECASE)
    return {
        "kind_of": {" ".join(p.lower().split()): k for p, k in every},
        "trigger": trigger,
        "wrapper_before": regex.compile(rf"(?:{_alt(words['wrappers'])})\s*:?\s*$", regex.IGNORECASE),
        "figures": regex.compile(lead + rf"(?:{_alt(words['figures_wanted'])})(?![\p{{L}}\p{{M}}])", regex.IGNORECASE),
        "money_head": regex.compile(rf"^\W*(?:{_alt(words['money_heads'])})(?![\p{{L}}\p{{M}}])", regex.IGNORECASE),
        "head_lead": regex.compile(rf"^(?:(?:{_alt(words['head_lead'])})\s+)+", regex.IGNORECASE),
        "attribute": regex.compile(rf"^\s*(?:,|và)\s*(?:{_alt(words['attributes'])})\s+", regex.IGNORECASE),
        "ender": regex.compile(rf"[;.…()]|\.\.\.|,\s*(?=(?:{_alt(words['enders'])})(?![\p{{L}}\p{{M}}]))"
                               rf"|\s+và\s+(?=(?:{_alt(words['enders'])})(?![\p{{L}}\p{{M}}]))", regex.IGNORECASE),
        "trig": trig,
    }


BRACKETS = regex.compile(r"\(([^()]*)\)")
CLAUSE_END = regex.compile(r"[;.!?…\n]")


def _kind(trigger: str) -> str:
    return _grammar()["kind_of"].get(" ".join(trigger.lower().split()), "count")


def unit_of(kind: str, thing: str) -> str:
    """The unit a report's value of ``thing`` would carry: the extractor's counted noun, ``VND``, ``%``."""
    if kind == "money":
        return "VND"
    if kind == "percent":
        return "%"
    thing = thing.strip(" ,;:")
    if not thing:
        return ""
    from ..executors import extractor

    probe = "có 12 " + thing + " trong năm"  # words after the noun: the segmenter reads it whole
    unit, _end = extractor().counted_noun(probe, 6)
    return unit or ""


def parse(words: str) -> tuple[str, str, str]:
    """An ask's words (``số lượng, tên văn bản được góp ý``) → (kind, unit, thing): what a value answering it is."""
    g = _grammar()
    m = g["trigger"].search(words)
    if not m:
        if g["money_head"].search(words):
            return "money", "VND", words
        return "count", "", words
    kind = _kind(m.group("trig"))
    rest = words[m.end():]
    a = g["attribute"].match(rest)  # "số lượng, tên văn bản …" / "số lượng và tên mô hình"
    if a:
        rest = rest[a.end():]
    elif regex.match(r"^\s*[,;:]", rest):
        rest = ""
    rest = regex.sub(r"^\s*(?:các|những)\s+", "", rest, flags=regex.IGNORECASE)
    return kind, unit_of(kind, rest), rest.strip()


def _asks_in(fragment: str, need_wrapper: bool) -> list[str]:
    """The ask phrases of one bracket or sentence, as written."""
    g = _grammar()
    found = []
    starts = [m for m in g["trigger"].finditer(fragment)]
    for k, m in enumerate(starts):
        if need_wrapper and not g["wrapper_before"].search(fragment[:m.start()]) and not found:
            continue
        if found and fragment[found[-1][1]:m.start()].strip(" ,;") and not regex.search(
                r"(?:^|[,;]|\s)(?:và|,|;)\s*$|^\s*$|(?:" + _alt(table("asks")["words"]["wrappers"]) + r")\s*$",
                fragment[:m.start()], regex.IGNORECASE):
            continue  # "tổ chức bữa cơm … số người": a trigger inside an ask's words is no new ask
        end = len(fragment)
        nxt = starts[k + 1].start() if k + 1 < len(starts) else None
        e = g["ender"].search(fragment, m.end())
        if e:
            end = e.start()
        if nxt is not None and nxt < end:
            # the next trigger opens a new ask when a list separator stands before it
            gap = fragment[m.end():nxt]
            if regex.search(r"(?:,|;|\s+và)\s*$", gap) and not g["attribute"].match(fragment[m.end():]):
                end = regex.search(r"(?:\s*,|\s*;|\s+và)\s*$", gap).start() + m.end()
        phrase = fragment[m.start():end].strip(" ,;:-")
        if " ".join(phrase.lower().split()) == "số liệu":
            continue  # "(có số liệu, minh chứng)": figures wanted, none named
        if phrase.lower() in ("số", "số lượng", "tỷ lệ", "tỉ lệ") and g["attribute"].match(fragment[m.end():]):
            e2 = g["ender"].search(fragment, m.end() + g["attribute"].match(fragment[m.end():]).end())
            phrase = fragment[m.start():e2.start() if e2 else len(fragment)].strip(" ,;:-")
        found.append((phrase, m.start() + len(phrase)))
    return [p for p, _ in found]


def _head(line: str, at: int) -> str:
    """The words a bracket or an ask at ``at`` hangs on: the clause before it, without the bullet, and without a
    wrapper that ends it ("Kết quả tổ chức Ngày hội …: nêu rõ số khu dân cư …" → "Kết quả tổ chức Ngày hội …")."""
    before = _grammar()["wrapper_before"].sub("", line[:at]).rstrip(" :,")
    cut = max(before.rfind(". "), before.rfind(":"))  # a sentence or a lead-in ends the head; a ";" goes on with it
    head = before[cut + 1:] if cut >= 0 else before
    head = regex.sub(r"^\s*(?:[-–+•*]|\d+(?:\.\d+)*\.?|[a-zđ]\))\s*", "", head)
    return head.strip(" ,")


def read_asks(template: Template) -> list[Ask]:
    """Every ask of the template, in reading order, each under the section whose own text holds it."""
    g = _grammar()
    out: list[Ask] = []
    for node in template.nodes:
        seen = set()
        for line in node.text.splitlines():
            phrases: list[tuple[int, str]] = []
            first_bracket = None
            for b in BRACKETS.finditer(line):
                first_bracket = b.start() if first_bracket is None else first_bracket
                got = _asks_in(b.group(1), need_wrapper=False)
                phrases += [(b.start(), p) for p in got]
                if not got and g["figures"].search(b.group(1)):
                    head = _head(line, b.start())
                    if head and (g["money_head"].search(head) or len(head.split()) <= 25):
                        phrases.append((b.start(), head))
            outside = BRACKETS.sub(lambda b: " " * len(b.group()), line)
            for sentence in regex.split(r"(?<=[.;])\s+", outside):
                phrases += [(line.find(p), p) for p in _asks_in(sentence, need_wrapper=True)]
            if not phrases:  # "Kết quả vận động, cứu trợ do thiên tai … (nếu có)": the head asks money raised
                head = _head(line, len(line) if first_bracket is None else first_bracket)
                if head and g["money_head"].search(head):
                    phrases.append((0, regex.split(r"\s*[.;]", head)[0]))
            for at, p in sorted(phrases, key=lambda x: x[0]):
                p = " ".join(p.split()).rstrip(" .…")
                if not p or p.lower() in seen:
                    continue
                seen.add(p.lower())
                kind, unit, thing = parse(p)
                context = " ".join(_head(line, at).split())
                if not thing and context and context != p:
                    p = f"{context}: {p}"  # "số lượng" alone says nothing: the line's head says what
                out.append(Ask(node.path, node.title, p, kind, unit, "" if context == p else context))
    return out


def asks_csv(asks: list[Ask]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=ASK_COLUMNS, lineterminator="\n")
    w.writeheader()
    for a in asks:
        w.writerow(a.row())
    return buf.getvalue()


def load_asks(path: Path, template: Template) -> list[Ask]:
    """The analyst's list (``--asks FILE``): the columns of ``vnreport template T --asks-csv``. A missing kind or unit
    is read from the ask's words; a template_path the template lacks is a one-line error naming the line."""
    path = Path(path)
    if not path.is_file():
        raise SummaryError(_("asks file not found: {path}").format(path=path))
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
            cols = rows[0].keys() if rows else []
    except (UnicodeDecodeError, csv.Error) as e:
        raise SummaryError(_("{path}: cannot be read as a UTF-8 CSV ({error})").format(path=path, error=e)) from None
    if rows and not {"template_path", "ask"} <= set(cols):
        raise SummaryError(_("{path}: needs the columns {columns}").format(path=path, columns=", ".join(ASK_COLUMNS)))
    paths = {n.path: n.title for n in template.nodes}
    out, seen = [], set()
    for k, r in enumerate(rows, start=2):
        p, ask = (r.get("template_path") or "").strip(), " ".join((r.get("ask") or "").split())
        if not ask or (p, ask) in seen:
            continue  # a summary's own asks.csv lists each ask once per report: one is enough
        seen.add((p, ask))
        if p not in paths:
            raise SummaryError(_("{path}:{line}: template_path {value} is not a section of {template}").format(
                path=path, line=k, value=repr(p), template=template.source.name))
        kind0, unit0, _thing = parse(ask)
        kind = (r.get("kind") or "").strip() or kind0
        if kind not in KINDS:
            raise SummaryError(_("{path}:{line}: kind {value} is not one of {kinds}").format(
                path=path, line=k, value=repr(kind), kinds=", ".join(KINDS)))
        unit = (r.get("unit") or "").strip() if r.get("unit") is not None else ""
        if not unit:
            unit = unit0 if kind == kind0 else unit_of(kind, ask)
        out.append(Ask(p, (r.get("template_title") or "").strip() or paths[p], ask, kind, unit,
                       " ".join((r.get("context") or "").split())))
    return out


def asks_text(template: Path, csv: bool = False) -> str:
    """``vnreport template T``'s list of asks (``csv``: the CSV that ``--asks`` takes)."""
    from ..outputs.files import kind_name, pgettext
    from .template import load_template

    t = load_template(Path(template))
    asks = read_asks(t)
    if csv:
        return asks_csv(asks)
    lines = [pgettext("cli", "{name}: {n} asks").format(name=t.source.name, n=len(asks))]
    width = max([len(a.template_path) for a in asks] or [0])
    for a in asks:
        lines.append(f"{a.template_path:<{width}}  {kind_name(a.kind):<9} {a.unit or '—':<18} {a.ask}")
    return "\n".join(lines)


__all__ = ["ASK_COLUMNS", "Ask", "asks_csv", "asks_text", "load_asks", "parse", "read_asks", "unit_of"]
