"""Legacy Vietnamese encodings: TCVN3 (ABC, the .VnTime fonts), VNI (the VNI-Times fonts), Windows-1258, and
UTF-16 written without a byte order mark.

The two font encodings are data (``encodings/tcvn3.toml``, ``encodings/vni.toml``). Text set in those fonts
reaches us as the Windows-1252 characters of its bytes (a PDF's text layer, a converted Word file's runs:
"B¸o c¸o", "Baùo caùo"); :func:`decode_text` turns such a string into Unicode, :func:`font_encoding` tells
the encoding from a font name.

A text file's bytes with no font to go by are guessed by :func:`decode_bytes`, and only when the evidence is
plain: the decoded words must be Vietnamese syllables (``syllable``), enough of them, and clearly more of
them than under any other candidate. A short or ambiguous byte string is not guessed.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# Windows-1252 character of each byte (the five bytes it leaves undefined stay Latin-1 controls)
CP1252 = [bytes([b]).decode("cp1252", errors="replace") if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else chr(b)
          for b in range(256)]
_CODE = {ch: b for b, ch in enumerate(CP1252)}
VOWELS = set("aeiouyăâêôơưAEIOUYĂÂÊÔƠƯ")
WORD = re.compile(r"[^\W\d_]+")
NAMES = {"cp1258": "Windows-1258 (cp1258)", "tcvn3": "TCVN3 (ABC)", "vni": "VNI"}

# how sure a guess from the words alone must be (see decode_bytes)
MIN_WORDS = 8          # Vietnamese words with a letter outside ASCII, read right under the best encoding
MIN_SHARE = 0.8        # … out of all such words under it
MIN_LEAD = 2.0         # … and at least this many times the count under the next best encoding


@dataclass(frozen=True)
class Table:
    name: str
    label: str
    letters: dict[int, str]
    marks: dict[int, str]


@lru_cache(maxsize=None)
def table(name: str) -> Table:
    data = tomllib.loads(resources.files("pipeline.ingest").joinpath("encodings", f"{name}.toml")
                         .read_text(encoding="utf-8"))
    return Table(data["name"], data["label"],
                 {int(k, 16): v for k, v in data.get("letters", {}).items()},
                 {int(k, 16): v for k, v in data.get("marks", {}).items()})


def font_encoding(name: str) -> str | None:
    """"tcvn3" for a TCVN3 font (".VnTime", "ABCDEF+.VnArial,Bold"), "tcvn3-upper" for its capitals variant
    (".VnTimeH"), "vni" for a VNI font ("VNI-Times", "VNI-Helve-Condense"); None for any other font."""
    face = name.split("+", 1)[-1].strip()
    if re.match(r"(?i)vni[\s\-_]", face):
        return "vni"
    family = re.split(r"[,\-]", face)[0].strip()
    if not re.match(r"\.?Vn[A-Z]", family):
        return None
    return "tcvn3-upper" if re.sub(r"\s*(Bold|Italic|BoldItalic)$", "", family).endswith("H") else "tcvn3"


def code(ch: str) -> int | None:
    """The byte a character stands for in a legacy font's text (its Windows-1252 / Latin-1 code)."""
    b = _CODE.get(ch)
    if b is None and ord(ch) < 256:
        b = ord(ch)
    return b


def decodable(s: str) -> bool:
    """Every character of ``s`` is a byte's character (no real Unicode letter that a legacy font cannot hold)."""
    return all(code(ch) is not None for ch in s)


def decode_text(s: str, encoding: str) -> str:
    """Text set in a legacy font (its bytes as Windows-1252 characters) → Unicode (NFC; a VNI mark that opens
    ``s`` stays a combining mark, to join the vowel that ends the text before it)."""
    upper = encoding == "tcvn3-upper"
    t = table("tcvn3" if upper else encoding)
    out: list[str] = []
    for ch in s:
        b = code(ch)
        if b is not None and b >= 0x80:
            letter = t.letters.get(b)
            if letter is not None:
                ch = letter
            elif b in t.marks and (not out or unicodedata.normalize("NFD", out[-1])[0] in VOWELS):
                ch = t.marks[b]
        out.append(ch)
    text = unicodedata.normalize("NFC", "".join(out))
    return text.upper() if upper else text


def decode_bytes_as(data: bytes, encoding: str) -> str | None:
    """``data`` read as one encoding (None when it cannot be)."""
    if encoding == "cp1258":
        try:
            return data.decode("cp1258")
        except UnicodeDecodeError:
            return None
    return decode_text("".join(CP1252[b] for b in data), encoding)


# a Vietnamese syllable (tone marks aside): onset, then a rhyme that ends in a glide, needs a final
# consonant, or may take one
_ONSET = "(?:ngh|ng|gh|gi|kh|ph|th|tr|ch|nh|qu|[bcdđghklmnprstvx])?"
_GLIDED = "(?:uyu|oeo|iêu|yêu|uôi|ươi|ươu|oai|oay|uây|ai|ao|au|ay|âu|ây|eo|êu|iu|oi|ôi|ơi|ui|ưi|ưu)"
_CODA_NEEDED = "(?:uyê|iê|yê|uô|ươ|oă|uâ|ă|â)"
_FREE = "(?:uya|ia|ua|ưa|oa|oe|uê|uy|oo|uơ|a|e|ê|i|o|ô|ơ|u|ư|y)"
_CODA = "(?:ch|ng|nh|c|m|n|p|t)"
SYLLABLE = re.compile(f"^{_ONSET}(?:{_GLIDED}|{_CODA_NEEDED}{_CODA}|{_FREE}{_CODA}?)$")
TONES = dict.fromkeys(map(ord, "\u0300\u0301\u0303\u0309\u0323"))


def syllable(word: str) -> bool:
    """``word`` is one Vietnamese syllable ("Điểm", "hạng", "thứ"; not "Điể", "g", "ST")."""
    bare = unicodedata.normalize("NFC", unicodedata.normalize("NFD", word.lower()).translate(TONES))
    return bool(SYLLABLE.match(bare))


def syllables(text: str) -> tuple[int, int]:
    """(words with a letter outside ASCII, those that are Vietnamese syllables) in ``text``."""

    n = ok = 0
    for w in WORD.findall(unicodedata.normalize("NFC", text)):
        if w.isascii():
            continue
        n += 1
        ok += syllable(w)
    return n, ok


def guess(candidates: dict[str, str]) -> str | None:
    """The candidate reading (name → text) that is plainly Vietnamese, or None (see the MIN_… rules)."""
    scores = sorted(((syllables(t), name) for name, t in candidates.items()), key=lambda x: -x[0][1])
    (n, ok), best = scores[0]
    runner = scores[1][0][1] if len(scores) > 1 else 0
    if ok >= MIN_WORDS and ok >= MIN_SHARE * n and ok >= MIN_LEAD * runner:
        return best
    return None


def utf16(data: bytes) -> str | None:
    """UTF-16 without a byte order mark: most characters of Vietnamese text (ASCII, U+00xx, U+01xx, U+1Exx)
    have a zero or small high byte; the zero bytes fall on one side only."""
    if len(data) < 8 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    for high, low, enc in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if high.count(0) >= 0.3 * len(high) and low.count(0) <= 0.02 * len(low):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if not any(unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in "\t\n\r\f"
                       for ch in text):
                return text
    return None


def decode_bytes(data: bytes) -> tuple[str, str] | None:
    """A text file's bytes that are not UTF-8: (text, encoding name) for UTF-16 without BOM or a plainly
    Vietnamese cp1258 / TCVN3 / VNI text; None when no reading is sure enough."""
    text = utf16(data)
    if text is not None:
        return text, "UTF-16"
    if b"\x00" in data:
        return None
    readings = {enc: t for enc in ("cp1258", "tcvn3", "vni") if (t := decode_bytes_as(data, enc)) is not None}
    best = guess(readings)
    return (readings[best], NAMES[best]) if best else None


def guess_text(s: str) -> str | None:
    """The legacy font encoding ("tcvn3", "vni") that text without font names (its bytes as Windows-1252
    characters) is plainly written in, else None — also when it already reads as Vietnamese."""
    if not decodable(s):
        return None
    best = guess({"as is": s, "tcvn3": decode_text(s, "tcvn3"), "vni": decode_text(s, "vni")})
    return None if best == "as is" else best
