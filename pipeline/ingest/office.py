"""Word 97–2003 ``.doc`` and ``.rtf`` files: converted to ``.docx`` by LibreOffice (headless, in a temporary
folder with a profile of its own, so that parallel workers never share one), their legacy-font runs decoded
(``legacy``), then read by the ``.docx`` reader.

A run is decoded when its font (the run's own, else its character style's, its paragraph style's, the
default) is a TCVN3 or VNI font; a document with no such font at all is decoded as a whole only when its
text plainly reads as TCVN3 or VNI (``legacy.guess_text``).
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from pathlib import Path

from . import legacy

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")
# seconds for one conversion (the real documents take 1–3 s); below the batch's default --timeout of 120, so that
# a stuck conversion fails with its own reason
TIMEOUT = float(os.environ.get("VNREPORT_OFFICE_TIMEOUT", "100"))


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97–2003
RTF_MAGIC = b"{\\rtf"


def check(path: Path, IngestError) -> None:
    """LibreOffice opens any bytes at all as plain text: a file that is not what its name says is refused
    first. A .doc may be a Word 97–2003 file, or RTF, HTML or a .docx that Word saved under that name."""
    with open(path, "rb") as f:
        head = f.read(1024)
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if path.suffix.lower() == ".rtf":
        if not start.startswith(RTF_MAGIC):
            raise IngestError("not an RTF file (it does not begin with {\\rtf)")
    elif not (head.startswith((OLE_MAGIC, b"PK\x03\x04")) or start.startswith((RTF_MAGIC, b"<"))):
        raise IngestError("not a Word .doc file (corrupt, or another format renamed .doc)")


def writer_missing(exe: str) -> bool:
    """LibreOffice is installed without Writer (Debian's libreoffice-calc-nogui alone): its program folder has
    other modules' libraries (sc = Calc) but not sw's. When the folder cannot be told, Writer is assumed."""
    try:
        prog = Path(exe).resolve().parent
        return any(prog.glob("*sclo.*")) and not any(prog.glob("*swlo.*"))
    except OSError:
        return False


def convert(path: Path, workdir: Path, IngestError) -> Path:
    """``path`` (.doc/.rtf) → a .docx in ``workdir``."""
    exe = soffice()
    if exe is None:
        raise IngestError(f"needs LibreOffice to read {path.suffix.lower()} files (not installed)")
    if writer_missing(exe):
        raise IngestError(f"needs LibreOffice Writer to read {path.suffix.lower()} files (LibreOffice is installed "
                          "without it)")
    check(path, IngestError)
    src = workdir / f"source{path.suffix.lower()}"
    shutil.copyfile(path, src)
    out = workdir / "out"
    cmd = [exe, f"-env:UserInstallation={(workdir / 'profile').as_uri()}", "--headless", "--norestore",
           "--nolockcheck", "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), str(src)]
    if shutil.which("timeout"):
        # coreutils' timeout kills soffice and its children at the limit even when this process is gone (a batch
        # worker killed for its own --timeout), so no LibreOffice is left behind
        cmd = ["timeout", "-s", "KILL", f"{TIMEOUT:g}", *cmd]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True, cwd=workdir)
    try:
        log, _ = proc.communicate(timeout=TIMEOUT + 5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # soffice's own children too
        log, _ = proc.communicate()
    if proc.returncode in (124, 137, -signal.SIGKILL):
        raise IngestError(f"LibreOffice took longer than {TIMEOUT:g} s to convert it")
    docx = out / "source.docx"
    if not docx.exists() or docx.stat().st_size == 0:
        why = "source file could not be loaded" in log.decode("utf-8", "replace")
        raise IngestError("LibreOffice could not open it (a corrupt or password-protected file"
                          + (", or LibreOffice Writer is not installed)" if why else ")"))
    return docx


# ------------------------------------------------------------------------------------ legacy runs
class Fonts:
    """The font a run is set in, through styles and document defaults."""

    def __init__(self, styles_xml: bytes | None):
        from lxml import etree

        self.styles: dict[str, tuple[str | None, str | None]] = {}  # id → (font, basedOn)
        self.default_para: str | None = None
        self.default_font: str | None = None
        if not styles_xml:
            return
        root = etree.fromstring(styles_xml)
        d = root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
        self.default_font = _font(d)
        for st in root.iter(W + "style"):
            sid = st.get(W + "styleId")
            based = st.find(W + "basedOn")
            self.styles[sid] = (_font(st.find(f"{W}rPr/{W}rFonts")), based.get(W + "val") if based is not None else None)
            if st.get(W + "type") == "paragraph" and st.get(W + "default") in ("1", "true", "on"):
                self.default_para = sid

    def style_font(self, sid: str | None) -> str | None:
        seen = set()
        while sid and sid not in seen:
            seen.add(sid)
            font, sid_next = self.styles.get(sid, (None, None))
            if font:
                return font
            sid = sid_next
        return None

    def of(self, run, para) -> str | None:
        rpr = run.find(W + "rPr")
        if rpr is not None:
            font = _font(rpr.find(W + "rFonts"))
            if font:
                return font
            rs = rpr.find(W + "rStyle")
            if rs is not None and (font := self.style_font(rs.get(W + "val"))):
                return font
        ps = para.find(f"{W}pPr/{W}pStyle") if para is not None else None
        font = self.style_font(ps.get(W + "val") if ps is not None else self.default_para)
        return font or self.default_font


def _font(el) -> str | None:
    if el is None:
        return None
    return el.get(W + "hAnsi") or el.get(W + "ascii")


def decode_docx(src: Path, dst: Path) -> set[str]:
    """A copy of ``src`` with the text of its legacy-font runs in Unicode; the encodings found."""
    from lxml import etree

    with zipfile.ZipFile(src) as z:
        names = z.namelist()
        fonts = Fonts(z.read("word/styles.xml") if "word/styles.xml" in names else None)
        trees = {n: etree.fromstring(z.read(n)) for n in PARTS if n in names}
        found: set[str] = set()
        for root in trees.values():
            for run in root.iter(W + "r"):  # also the runs inside hyperlinks, fields, text boxes
                para = run.getparent()
                while para is not None and para.tag != W + "p":
                    para = para.getparent()
                _decode_run(run, fonts.of(run, para), found)
        if not found:  # no legacy font named: the text itself, as a whole
            texts = [t for root in trees.values() for t in root.iter(W + "t") if t.text]
            enc = legacy.guess_text("".join(t.text for t in texts))
            if enc:
                found.add(enc)
                for t in texts:
                    t.text = legacy.decode_text(t.text, enc)
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
            for item in z.infolist():
                data = etree.tostring(trees[item.filename], xml_declaration=True, encoding="UTF-8",
                                      standalone=True) if item.filename in trees else z.read(item)
                out.writestr(item, data)
    return found


def _decode_run(run, font: str | None, found: set[str]) -> None:
    enc = legacy.font_encoding(font) if font else None
    if not enc:
        return
    if enc.startswith("tcvn3"):
        # TCVN3's "ư" is byte 0xAD, the soft hyphen: LibreOffice writes it as a <w:softHyphen/>
        for sh in list(run.iterchildren(W + "softHyphen")):
            sh.tag, sh.text = W + "t", "\u00ad"
    for t in run.iterchildren(W + "t"):
        if t.text and legacy.decodable(t.text):  # a real Unicode letter: typed in Unicode, keep it
            t.text = legacy.decode_text(t.text, enc)
            found.add(enc)


def read(path: Path, IngestError, read_docx):
    """Text and blocks of a .doc/.rtf file."""
    with tempfile.TemporaryDirectory(prefix="vnreport-office-") as tmp:
        work = Path(tmp)
        docx = convert(path, work, IngestError)
        fixed = work / "decoded.docx"
        decode_docx(docx, fixed)
        try:
            return read_docx(fixed)
        except IngestError:
            raise IngestError(f"LibreOffice's conversion of the {path.suffix.lower()} file could not be read") from None


LEGACY_FONT = re.compile(rb'w:(?:ascii|hAnsi)="(?:\.?Vn[A-Z]|VNI[ \-_])')


def read_docx_legacy(path: Path, IngestError, read_docx):
    """A .docx (Word 2007 or later) whose runs or styles name a TCVN3/VNI font: those runs decoded first;
    any other .docx read as it is."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            legacy_fonts = any(LEGACY_FONT.search(z.read(n)) for n in (*PARTS, "word/styles.xml") if n in names)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        legacy_fonts = False  # the .docx reader says what is wrong with it
    if not legacy_fonts:
        return read_docx(path)
    with tempfile.TemporaryDirectory(prefix="vnreport-docx-") as tmp:
        fixed = Path(tmp) / "decoded.docx"
        decode_docx(path, fixed)
        return read_docx(fixed)
