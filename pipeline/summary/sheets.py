"""What every sheet of summary.xlsx shares: its look (the header row, borders, wrapping, row heights, landscape
pages) and its words (sheet names and headings in the run's language, through the catalogue)."""
from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..outputs.files import headings, pgettext

HEAD_FILL = PatternFill("solid", fgColor="1F4E78")
HEAD_FONT = Font(name="Calibri", size=11, bold=True, color="FFFFFF")
BAND = PatternFill("solid", fgColor="EAF1F8")
THIN = Side(style="thin", color="B7C9DB")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
LINE = 15.0  # points per line of 11-point text
SUBDUED = Font(name="Calibri", size=11, color="7F7F7F")


def lines_needed(text, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide (capitals count wider)."""
    if text is None or text == "":
        return 1
    room = max(1.0, width * 1.2 - 1)
    n, used = 1, 0.0
    for word in str(text).split():
        w = sum(1.3 if ch.isupper() else 1.0 for ch in word)
        if used and used + 1 + w > room:
            n, used = n + 1, w
        else:
            used += (1 if used else 0) + w
        while used > room:  # a word longer than the column
            n, used = n + 1, used - room
    return n


def header(ws, names: list[str], widths: dict[str, float], wrap: bool = True) -> None:
    ws.append(names)
    for j, name in enumerate(names, 1):
        c = ws.cell(row=1, column=j)
        c.font, c.fill, c.border = HEAD_FONT, HEAD_FILL, GRID
        c.alignment = Alignment(wrap_text=wrap, vertical="center", horizontal="center")
        ws.column_dimensions[get_column_letter(j)].width = widths.get(name, 14)
    ws.freeze_panes = "A2"


def page_setup(ws, fit: bool = True) -> None:
    """Landscape A4 with the header row on every page; ``fit``: all columns on the page width."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if fit:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5


def sheet_name(name: str) -> str:
    """A summary.xlsx sheet's name in the run's language (English: the contract's Summary, Values …)."""
    return {"Asks": pgettext("sheet", "Asks"), "Summary": pgettext("sheet", "Summary"),
            "Values": pgettext("sheet", "Values"), "Mapping": pgettext("sheet", "Mapping"),
            "Unmapped": pgettext("sheet", "Unmapped")}[name]


def headings_for() -> dict[str, str]:
    """CSV column → its heading in the run's language, for every column the summary's sheets show."""
    out = dict(headings("indicators"))
    out.update({
        "template_path": pgettext("summary column", "template_path"),
        "template_title": pgettext("summary column", "template_title"),
        "method": pgettext("summary column", "method"), "summed": pgettext("summary column", "summed"),
        "reason": pgettext("summary column", "reason"), "score": pgettext("summary column", "score"),
        "why": pgettext("summary column", "why"),
        "closest_template_path": pgettext("summary column", "closest_template_path"),
        "closest_score": pgettext("summary column", "closest_score"),
        "ask": pgettext("summary column", "ask")})
    return out


def translated(names: list[str]) -> list[str]:
    heads = headings_for()
    return [heads.get(n, n) for n in names]


def unique(names: list[str]) -> list[str]:
    """Headings an Excel table can take: two columns translated alike get the second numbered."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out
