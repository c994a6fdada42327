"""/language: shows the chat's language and the choices, or sets it (who may manage the chat)."""

from __future__ import annotations

from bot.commands.context import Caller
from bot.commands.router import UsageError
from bot.core import Core
from bot.i18n import LANGUAGES, _, current_language, language_name, use_language
from bot.reply import Action, Inline, Reply, bold, bullets, message, para

USAGE = "/language [" + " | ".join(LANGUAGES) + "]"


def _choice(language: str) -> str | None:
    wanted = language.strip().lower().replace("_", "-")
    for known in LANGUAGES:
        if (
            wanted in (known, known + "-" + known)
            or wanted.split("-")[0] == known
            or wanted == language_name(known).lower()
        ):
            return known
    return None


def _choices() -> tuple[Action, ...]:
    return tuple(Action(language_name(code_), "language", (code_,), replace=True) for code_ in LANGUAGES)


async def language(core: Core, caller: Caller, args: list[str]) -> Reply:
    if len(args) > 1:
        raise UsageError
    if not args:
        now = current_language()
        rows: list[Inline] = [[bold(code_), " — ", language_name(code_)] for code_ in LANGUAGES]
        return Reply(
            (
                para(_("This chat's language: {name}.").format(name=language_name(now))),
                para(_("Choose one with /language and its code:")),
                bullets(rows),
            ),
            title=_("Language"),
            choices=_choices(),
            choose=_("Choose a language"),
        )
    chosen = _choice(args[0])
    if chosen is None:
        raise UsageError(
            _("{language} is not a language I speak; choose one of: {choices}.").format(
                language=args[0][:20], choices=", ".join(LANGUAGES)
            )
        )
    if not caller.can_manage:
        return message(_("Only an administrator of this chat can change its language."), ok=False, private=True)
    await core.set_chat_language(caller.platform, caller.chat_id, chosen)
    with use_language(chosen):
        return message(_("This chat now speaks {name}.").format(name=language_name(chosen)))
