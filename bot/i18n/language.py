"""The language in use and the gettext functions that read it.

The language is a context variable: the command router sets it for one command, the alert
worker for one composition, and asyncio copies it into each task, so concurrent commands in
different languages never see each other's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from bot.i18n.catalogs import DEFAULT, LANGUAGES, translations

_language: ContextVar[str] = ContextVar("language", default=DEFAULT)


def current_language() -> str:
    return _language.get()


@contextmanager
def use_language(language: str) -> Iterator[str]:
    """Texts inside the block are in `language` (English when it has no catalog)."""
    token = _language.set(language if language in LANGUAGES else DEFAULT)
    try:
        yield _language.get()
    finally:
        _language.reset(token)


def _(message: str) -> str:
    """The message in the language in use."""
    return translations(_language.get()).gettext(message)


def translate(message: str) -> str:
    """`_` for texts marked with `N_` elsewhere (a name the extractor does not collect)."""
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for the count `n` (Ukrainian and Russian have three: 1 and 21, 2–4, 5+)."""
    return translations(_language.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a text for the catalogs without translating it now (it is translated where shown)."""
    return message
