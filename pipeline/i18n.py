"""The language of what a person reads: Vietnamese by default, English with ``--lang en`` or ``VNREPORT_LANG=en``.

Python strings are written in English inside ``_()`` and translated by a gettext catalogue kept as data:
``pipeline/locales/<lang>/LC_MESSAGES/vnreport.po``, read with Babel (``read_po`` → ``write_mo`` in memory →
``babel.support.Translations``), so the catalogue is the one text file a translator edits and no compiled ``.mo``
is kept in the repository. ``pybabel extract`` finds the strings (``babel.cfg``); a test fails when one has no
Vietnamese. The review page's own strings are a JSON catalogue beside its assets (``outputs/review/assets/i18n/``).

CSV files keep the contract's column names and values (they are for programs), whatever the language.
"""
from __future__ import annotations

import io
import os
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGS = ("vi", "en")
DEFAULT = "vi"
SOURCE = "en"  # the language the msgids are written in
LOCALES = Path(__file__).parent / "locales"
DOMAIN = "vnreport"

_lang = None


class LangError(ValueError):
    """An unknown language code (a usage error)."""


def resolve(lang: str | None = None) -> str:
    """``lang`` if given, else ``VNREPORT_LANG``, else Vietnamese; ``vi_VN.UTF-8`` style codes accepted."""
    raw = lang if lang else os.environ.get("VNREPORT_LANG", "") or DEFAULT
    code = raw.strip().lower().replace("-", "_").split(".")[0].split("_")[0]
    if code not in LANGS:
        raise LangError(f"unknown language {raw!r} (use {', '.join(LANGS)})")
    return code


def use(lang: str | None = None) -> str:
    """Set the language of this process (and of the workers it starts, through the environment)."""
    global _lang
    _lang = resolve(lang)
    os.environ["VNREPORT_LANG"] = _lang
    return _lang


def current() -> str:
    global _lang
    if _lang is None:
        try:
            _lang = resolve()
        except LangError:
            _lang = DEFAULT
    return _lang


@lru_cache(maxsize=None)
def translations(lang: str) -> NullTranslations:
    if lang == SOURCE:
        return NullTranslations()
    po = LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with open(po, "rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


def _(msgid: str) -> str:
    """``msgid`` (English) in the current language."""
    return translations(current()).gettext(msgid)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


def gettext_in(lang: str, msgid: str) -> str:
    return translations(resolve(lang)).gettext(msgid)


__all__ = ["DEFAULT", "LANGS", "LangError", "_", "current", "gettext_in", "ngettext", "resolve", "translations", "use"]
