"""A reply's actions as an inline keyboard: choices one a row, then the rows of actions.

Telegram carries at most 64 bytes (UTF-8) of callback data per button; `ActionCodec` keeps
every button's data within that.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.frontends.action_data import ActionCodec
from bot.reply import Reply

DATA_MAX = 64  # bytes: Telegram's limit for callback_data
LABEL_MAX = 64  # characters shown on a button; longer labels are cut


def button_codec() -> ActionCodec:
    return ActionCodec(DATA_MAX)


def _label(text: str) -> str:
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


def keyboard(reply: Reply, codec: ActionCodec) -> InlineKeyboardMarkup | None:
    """The reply's choices one a row, then its rows of actions; None when it has neither."""
    rows = [[action] for action in reply.choices] + [list(row) for row in reply.actions if row]
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_label(a.label), callback_data=codec.encode(a)) for a in row] for row in rows]
    )
