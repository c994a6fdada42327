"""A reply's actions as an inline keyboard, and callback data back to the action it stands for.

Telegram carries at most 64 bytes (UTF-8) of callback data per button. An action is written
into the data itself when it fits ("p|figures|kursk-incursion #2": p replaces the message,
n answers with a new one); a longer one (a long search, a long briefing id) is kept here and
the button carries "h|" and a digest of it. Data that reads as no action (a digest forgotten
after a restart, a command that no longer exists, another format) is a stale button: the
front-end answers it with a short notice.
"""

from __future__ import annotations

import hashlib
import shlex
from collections import OrderedDict

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.reply import Action, Reply

DATA_MAX = 64  # bytes: Telegram's limit for callback_data
LABEL_MAX = 64  # characters shown on a button; longer labels are cut
REMEMBERED = 20_000  # long actions kept for their digests (oldest forgotten first)
_REPLACE, _NEW, _DIGEST = "p", "n", "h"


class ButtonCodec:
    def __init__(self, remembered: int = REMEMBERED):
        self._long: OrderedDict[str, Action] = OrderedDict()
        self._remembered = remembered

    def encode(self, action: Action) -> str:
        data = "|".join((_REPLACE if action.replace else _NEW, action.command, shlex.join(action.args)))
        if len(data.encode()) <= DATA_MAX:
            return data
        digest = hashlib.blake2b(data.encode(), digest_size=12).hexdigest()
        self._long[digest] = action
        self._long.move_to_end(digest)
        while len(self._long) > self._remembered:
            self._long.popitem(last=False)
        return f"{_DIGEST}|{digest}"

    def decode(self, data: str | None) -> Action | None:
        """The action behind a button's data, or None for data this codec cannot read (stale)."""
        kind, _, rest = (data or "").partition("|")
        if kind == _DIGEST:
            return self._long.get(rest)
        if kind not in (_REPLACE, _NEW):
            return None
        command, sep, args = rest.partition("|")
        if not sep or not command:
            return None
        try:
            words = tuple(shlex.split(args))
        except ValueError:
            return None
        return Action("", command, words, replace=kind == _REPLACE)


def _label(text: str) -> str:
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


def keyboard(reply: Reply, codec: ButtonCodec) -> InlineKeyboardMarkup | None:
    """The reply's choices one a row, then its rows of actions; None when it has neither."""
    rows = [[action] for action in reply.choices] + [list(row) for row in reply.actions if row]
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_label(a.label), callback_data=codec.encode(a)) for a in row] for row in rows]
    )
