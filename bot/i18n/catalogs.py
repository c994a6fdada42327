"""The message catalogs: every `locales/<code>/LC_MESSAGES/messages.po`, compiled in memory at first use.

Loading the .po files with Babel (`read_po`, then `write_mo` into memory) leaves no build
step and no compiled files to keep in step with their sources.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
DEFAULT = "en"


def catalog_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _available() -> tuple[str, ...]:
    found = sorted(p.name for p in LOCALES.iterdir() if (catalog_path(p.name)).is_file())
    # English first: it is the source language and the fallback.
    return tuple(sorted(found, key=lambda code: (code != DEFAULT, code)))


LANGUAGES: tuple[str, ...] = _available()


@functools.cache
def translations(language: str) -> NullTranslations:
    """The compiled catalog of a language (English's is near-empty: the source texts are English)."""
    if language not in LANGUAGES:
        return NullTranslations()
    with catalog_path(language).open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@functools.cache
def language_name(language: str) -> str:
    """A language's name in that language, as its speakers write it ("українська")."""
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]
