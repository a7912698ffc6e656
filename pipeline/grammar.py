"""Load the extraction grammar from ``patterns/*.toml``: pieces, lexicons, rules and their examples.

Rules are data: a regex that may use ``{piece}`` placeholders, a kind and a priority. Lexicon lists become
alternations (``{qual}``, ``{doctype}``, ``{scale}``, ``{cur}``, ``{per}``), longest first, with any white
space allowed between words so that a phrase broken over a line still matches.
"""
from __future__ import annotations

import os
import re
import tomllib
from importlib import resources
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import regex

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def patterns_dir() -> Path:
    """The folder of ``*.toml`` rules: ``$VNREPORT_PATTERNS``, else the package's own ``pipeline.patterns`` (the
    top-level ``patterns/`` folder, which the wheel ships under that name), else ``patterns/`` beside the
    package in a source checkout."""
    env = os.environ.get("VNREPORT_PATTERNS")
    if env:
        return Path(env)
    try:
        common = resources.files("pipeline.patterns").joinpath("common.toml")  # a data folder, no __init__.py
        if common.is_file():
            return Path(str(common)).parent
    except (ModuleNotFoundError, TypeError):
        pass
    here = Path(__file__).resolve().parent
    if (here.parent / "patterns").is_dir():
        return here.parent / "patterns"
    raise FileNotFoundError("patterns/ folder not found (set VNREPORT_PATTERNS)")


@dataclass
class Rule:
    name: str
    kind: str
    priority: int
    source: str
    rx: regex.Pattern
    family: str


@dataclass
class Grammar:
    rules: list[Rule]
    lexicon: dict = field(default_factory=dict)
    doc_types: dict[str, list[str]] = field(default_factory=dict)
    abbreviations: dict[str, dict[str, str]] = field(default_factory=dict)
    examples: list[dict] = field(default_factory=list)
    doc_type_rx: regex.Pattern | None = None


def phrase_rx(phrase: str) -> str:
    """A lexicon phrase as a regex: words separated by any white space (also a line break)."""
    words = [regex.escape(w) for w in phrase.split()]
    return r"[ \t\u00a0]*\n?[ \t\u00a0\n]*".join(words) if len(words) > 1 else words[0]


def alternation(items, case_insensitive=True) -> str:
    alts = "|".join(phrase_rx(p) for p in sorted(set(items), key=len, reverse=True))
    return f"(?i:{alts})" if case_insensitive else f"(?:{alts})"


def expand(src: str, pieces: dict[str, str], depth: int = 0) -> str:
    if depth > 8:
        raise ValueError(f"placeholder loop in {src[:60]}")

    def sub(m):
        name = m.group(1)
        return f"(?:{expand(pieces[name], pieces, depth + 1)})" if name in pieces else m.group(0)

    return PLACEHOLDER.sub(sub, src)


@lru_cache(maxsize=16)
def table(name: str, path: str | None = None) -> dict:
    """One patterns file as plain data (``patterns/<name>.toml``), for stages that read language data but no
    rules (the letterhead words of ``metadata.toml``)."""
    folder = Path(path) if path else patterns_dir()
    return tomllib.loads((folder / f"{name}.toml").read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def load(path: str | None = None) -> Grammar:
    folder = Path(path) if path else patterns_dir()
    files = sorted(folder.glob("*.toml"))
    data = {f.stem: tomllib.loads(f.read_text(encoding="utf-8")) for f in files}
    pieces: dict[str, str] = {}
    lexicon: dict = {}
    for d in data.values():
        pieces.update(d.get("pieces", {}))
        for k, v in d.get("lexicon", {}).items():
            lexicon[k] = v
    doc_types = data.get("doc_ref", {}).get("doc_types", {})
    abbreviations = data.get("doc_ref", {}).get("abbreviations", {})
    pieces["qual"] = alternation(lexicon.get("qualifiers", []))
    pieces["cur"] = alternation(lexicon.get("currency", []), case_insensitive=False)
    pieces["scale"] = alternation([s for s in lexicon.get("scales", {}) if s != "k"]) + "|k"
    pieces["per"] = alternation(lexicon.get("per_units", []))
    pieces["measure"] = alternation(lexicon.get("measure_units", []))
    pieces["not_cur"] = alternation(lexicon.get("not_currency_after", [])) + r"(?![\p{L}])"
    surface = [s for forms in doc_types.values() for s in forms]
    pieces["doctype"] = r"(?<![\p{L}])" + alternation(surface) + r"(?![\p{L}])"
    rules, examples = [], []
    for fam, d in data.items():
        for r in d.get("rule", []):
            src = expand(r["regex"], pieces)
            try:
                rx = regex.compile(src, regex.UNICODE)
            except regex.error as e:
                raise ValueError(f"patterns/{fam}.toml rule {r['name']}: {e}") from e
            rules.append(Rule(r["name"], r["kind"], int(r.get("priority", 0)), r["regex"], rx, fam))
        for ex in d.get("example", []):
            examples.append({**ex, "family": fam})
    rules.sort(key=lambda r: -r.priority)
    surface_map = {}
    for canon, forms in doc_types.items():
        for s in forms:
            surface_map[" ".join(s.lower().split())] = canon
    g = Grammar(rules, lexicon, doc_types, abbreviations, examples)
    g.lexicon["_doc_type_surface"] = surface_map
    g.doc_type_rx = regex.compile(pieces["doctype"])
    return g
