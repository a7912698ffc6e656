"""The template: the province's outline report read with the project's own stages (ingest → NFC view →
segment), as a list of sections in reading order, each with its own text (the instructions under its heading,
up to its first sub-heading) for content matching.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..i18n import _
from ..ingest import SUPPORTED, IngestError, ingest, nfc_view, read_text_blocks
from ..segment import segment


class SummaryError(Exception):
    """A one-line user error (missing OUTDIR or tables, unreadable template, template without headings)."""


@dataclass
class Node:
    """A numbered section of the template or of a document, in reading order."""

    path: str  # "Phần thứ nhất > II > 2 > 2.1"
    level: int
    title: str
    text: str = ""  # the section's own text: its heading and what follows, up to its first sub-section
    parent: int | None = None  # index of the enclosing section in the same list

    @property
    def depth(self) -> int:
        return self.path.count(" > ")


def link_parents(nodes: list[Node]) -> list[Node]:
    """Set each node's parent: the nearest earlier node whose path is a prefix of its own."""
    last: dict[str, int] = {}
    for i, n in enumerate(nodes):
        parts = n.path.split(" > ")
        n.parent = None
        for k in range(len(parts) - 1, 0, -1):
            p = " > ".join(parts[:k])
            if p in last:
                n.parent = last[p]
                break
        last[n.path] = i
    return nodes


def own_text(text: str, start: int, end: int, next_start: int | None) -> str:
    stop = end if next_start is None else min(end, max(start, next_start))
    return text[start:stop]


@dataclass
class Template:
    source: Path
    nodes: list[Node]

    def index(self) -> dict[str, int]:
        return {n.path: i for i, n in enumerate(self.nodes)}


def load_template(path: Path) -> Template:
    path = Path(path)
    if not path.is_file():
        raise SummaryError(_("template not found: {path}").format(path=path))
    if path.suffix.lower() not in SUPPORTED:
        raise SummaryError(_("template {name}: unsupported file type '{suffix}' (use {types})").format(
            name=path.name, suffix=path.suffix or "(none)", types=", ".join(SUPPORTED)))
    try:
        doc = ingest(path, path.stem, path.name)
    except IngestError as e:
        raise SummaryError(_("template {name}: {error}").format(name=path.name, error=e)) from None
    except Exception as e:  # noqa: BLE001 — a corrupt file is a user error, not a traceback
        raise SummaryError(_("template {name} could not be read ({error})").format(
            name=path.name, error=f"{type(e).__name__}: {e}")) from None
    text, back = nfc_view(doc.text)
    blocks = read_text_blocks(text) if back else doc.blocks
    outline = segment(text, blocks)
    secs = outline.sections
    if not secs:
        raise SummaryError(_("template {name} has no numbered headings (Phần thứ nhất, I., 1., 1.1. …)").format(
            name=path.name))
    nodes = [Node(s.path, s.level, s.title,
                  own_text(text, s.start, s.end, secs[k + 1].start if k + 1 < len(secs) else None))
             for k, s in enumerate(secs)]
    seen: dict[str, int] = {}
    for n in nodes:  # a path written twice (a repeated "1."): keep both, the second made unique
        if n.path in seen:
            seen[n.path] += 1
            n.path = f"{n.path} ({seen[n.path]})"
        else:
            seen[n.path] = 1
    return Template(path, link_parents(nodes))


def outline_text(template: Path) -> str:
    """The template's outline as the summary uses it: one line per section, indented by depth."""
    t = load_template(Path(template))
    width = max(len(n.path) for n in t.nodes)
    lines = [_("{name}: {n} sections").format(name=t.source.name, n=len(t.nodes))]
    for n in t.nodes:
        lines.append(f"{n.path:<{width}}  {'  ' * n.depth}{n.title}")
    return "\n".join(lines)


__all__ = ["Node", "SummaryError", "Template", "link_parents", "load_template", "outline_text"]
