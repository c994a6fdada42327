"""From a platform's locale ("uk", "en-US", "pt_BR") to a language the bot has a catalog for."""

from __future__ import annotations

from bot.i18n.catalogs import DEFAULT, LANGUAGES


def pick_language(locale: str | None) -> str:
    """The catalog for the locale's language, else English (an unknown or missing locale)."""
    if not locale:
        return DEFAULT
    code = locale.strip().replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else DEFAULT
