"""Translation machinery: the bot's own texts in the chat's language, through gettext catalogs.

Every text the bot writes itself goes through `_` (or `ngettext` for counts) while a language
is in use (`use_language`); `N_` marks texts defined before any language is known (command
descriptions), translated where they are shown. Numbers and dates are formatted for the
language by Babel. Briefing text is never translated. A leaf: it imports nothing else of ours.

Adding a language is adding a catalog: `bot/i18n/locales/<code>/LC_MESSAGES/messages.po`.
"""

from bot.i18n.catalogs import DEFAULT, LANGUAGES, language_name
from bot.i18n.formats import day, moment, number
from bot.i18n.language import N_, _, current_language, ngettext, translate, use_language
from bot.i18n.negotiate import pick_language

__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "N_",
    "_",
    "current_language",
    "day",
    "language_name",
    "moment",
    "ngettext",
    "number",
    "pick_language",
    "translate",
    "use_language",
]
