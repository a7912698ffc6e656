"""The pages' templates, assets and words.

The page's HTML, CSS and JavaScript are real files in ``assets/`` (``document.html``, ``index.html``,
``grid.html``, ``review.css``, ``review.js``). Python only fills the templates (a minimal ``{{name}}`` placeholder
syntax, see :func:`render`) and embeds the rows as JSON (:func:`script_json`); CSS and JavaScript are inlined, so a
written page makes no request at all (its Content-Security-Policy says so too).

Every word the pages show a person comes from one JSON catalogue per language, ``assets/i18n/<lang>.json``
(Vietnamese by default, English with ``--lang en``: :func:`pipeline.i18n.current`). The templates name a string by
its key (``{{@filter.kind}}``, ``{{@doc.values n=total}}``); the page's catalogue is inlined too, and the script
looks its strings up by key (``t(key, params)``). Ids, data attributes, keys and ``decisions.csv`` are the same in
every language.
"""
from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from importlib import resources

from ...i18n import current as current_lang

ASSETS = resources.files("pipeline.outputs.review").joinpath("assets")  # package data, also inside a wheel


# ---------------------------------------------------------------- templates

_TOKEN = re.compile(r"\{\{(\{?)\s*([#^/@]?)\s*([A-Za-z_][A-Za-z0-9_.]*)"
                    r"((?:\s+[A-Za-z_][A-Za-z0-9_]*=[A-Za-z_][A-Za-z0-9_]*)*)\s*\}?\}\}")


@lru_cache(maxsize=64)
def _parse(tpl: str):
    """Template → tree of ("text", s) | ("var", name, raw) | ("section", name, inverted, children)
    | ("str", key, ((param, name), …))."""
    root: list = []
    stack = [("", root)]
    pos = 0
    for m in _TOKEN.finditer(tpl):
        if m.start() > pos:
            stack[-1][1].append(("text", tpl[pos:m.start()]))
        raw, sigil, name, params = m.group(1) == "{", m.group(2), m.group(3), m.group(4)
        if sigil == "@":
            stack[-1][1].append(("str", name, tuple(tuple(p.split("=")) for p in params.split())))
        elif params or "." in name:
            raise ValueError(f"template: {m.group()} (only a {{{{@string}}}} takes a key or parameters)")
        elif sigil in "#^" and sigil:
            node = ("section", name, sigil == "^", [])
            stack[-1][1].append(node)
            stack.append((name, node[3]))
        elif sigil == "/":
            if stack[-1][0] != name:
                raise ValueError(f"template: {{{{/{name}}}}} closes {stack[-1][0] or 'nothing'}")
            stack.pop()
        else:
            stack[-1][1].append(("var", name, raw))
        pos = m.end()
    if len(stack) != 1:
        raise ValueError(f"template: {{{{#{stack[-1][0]}}}}} is not closed")
    root.append(("text", tpl[pos:]))
    return root


def _lookup(name: str, scopes: list):
    for scope in reversed(scopes):
        if isinstance(scope, dict) and name in scope:
            return scope[name]
    raise KeyError(f"template: no value for {{{{{name}}}}}")


def _emit(nodes, scopes, out: list, strings) -> None:
    for node in nodes:
        if node[0] == "text":
            out.append(node[1])
        elif node[0] == "var":
            v = _lookup(node[1], scopes)
            v = "" if v is None else str(v)
            out.append(v if node[2] else html.escape(v, quote=True))
        elif node[0] == "str":
            if strings is None:
                raise KeyError(f"template: {{{{@{node[1]}}}}} needs a catalogue")
            params = {k: _lookup(v, scopes) for k, v in node[2]}
            out.append(html.escape(tr(strings, node[1], **params), quote=True))
        else:
            v = _lookup(node[1], scopes)
            if node[2]:
                if not v:
                    _emit(node[3], scopes, out, strings)
            elif isinstance(v, (list, tuple)):
                for item in v:
                    _emit(node[3], scopes + [item], out, strings)
            elif isinstance(v, dict):
                _emit(node[3], scopes + [v], out, strings)
            elif v:
                _emit(node[3], scopes, out, strings)


def render(tpl: str, ctx: dict, strings: dict | None = None) -> str:
    """Fill a template in one pass (inserted values are never read as template text).

    ``{{name}}`` the HTML-escaped value; ``{{{name}}}`` the value as is (inlined CSS/JS, the highlighted text,
    JSON); ``{{#name}}…{{/name}}`` repeats for each item of a list (an item's keys shadow the outer ones) or shows
    when the value is true; ``{{^name}}…{{/name}}`` shows when it is empty or false; ``{{@key}}`` the catalogue's
    string ``key`` (``strings``, see :func:`catalogue`), HTML-escaped, and ``{{@key n=total}}`` the same with its
    ``{n}`` filled from the value ``total``.
    """
    out: list[str] = []
    _emit(_parse(tpl), [ctx], out, strings)
    return "".join(out)


# ---------------------------------------------------------------- the pages' words

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def catalogue(lang: str | None = None) -> dict:
    """The pages' strings in ``lang`` (default: the run's language, as it is now), from
    ``assets/i18n/<lang>.json``."""
    return _catalogue(lang or current_lang())


@lru_cache(maxsize=None)
def _catalogue(lang: str) -> dict:
    return json.loads(asset(f"i18n/{lang}.json"))


def tr(strings: dict, key: str, **params) -> str:
    """``key``'s string with its ``{name}`` placeholders filled; a string with plural forms (``{"one": …,
    "other": …}``) takes ``one`` when ``n`` is 1 — the same rules as the page's ``t()``."""
    s = strings[key]
    if isinstance(s, dict):
        n = params.get("n")
        s = s["one"] if "one" in s and str(n) == "1" else s["other"]
    return _PLACEHOLDER.sub(lambda m: str(params[m[1]]) if m[1] in params else m[0], s)


def asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def _inline_checked(code: str, tag: str) -> str:
    if re.search(rf"</{tag}", code, re.I):
        raise ValueError(f"review asset must not contain </{tag}")
    return code


def script_json(obj) -> str:
    """JSON for a ``<script type="application/json">``: ``<``, ``>`` and ``&`` escaped so no text closes it."""
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ---------------------------------------------------------------- a row's note in words

def _note_kinds(strings: dict) -> list[tuple[str, str]]:
    """The notes the catalogue knows (key ``note.`` and the note as written): (the note, its key), longest first."""
    return sorted(((k[5:], k) for k in strings if k.startswith("note.")), key=lambda x: -len(x[0]))


def note_part(strings: dict, part: str) -> str:
    """One note in words: the catalogue's string when it knows the note (whatever its case); a note that begins
    with one it knows ("parts do not add up to this total (12 + 30 ≠ 45)") that note's string followed by the rest
    as written; any other note as written. The same rules as the page's ``noteText``."""
    for known, key in _note_kinds(strings):
        n = len(known)
        if part[:n].lower() == known.lower() and (len(part) == n or not part[n].isalnum()):
            return tr(strings, key) + part[n:]
    return part


def note_text(strings: dict, note: str) -> str:
    """A row's ``note`` (its notes joined with "; ") in words, each note as :func:`note_part` gives it."""
    return "; ".join(note_part(strings, p) for p in str(note).split("; ")) if note else ""
