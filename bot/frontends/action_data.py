"""Actions written into a button's data and read back, within the platform's size limit.

An action is written into the data itself when it fits ("p|figures|kursk-incursion #2": p
replaces the message, n answers with a new one); a longer one (a long search, a long briefing
id) is kept in memory and the data carries "h|" and a digest of it. Data that reads as no
action (a digest forgotten after a restart or pushed out by newer ones, another format) is a
stale button: front-ends answer it with a short notice instead of an error.
"""

from __future__ import annotations

import hashlib
import shlex
from collections import OrderedDict

from bot.reply import Action

REMEMBERED = 20_000  # long actions kept for their digests (oldest forgotten first)
_REPLACE, _NEW, _DIGEST = "p", "n", "h"


class ActionCodec:
    def __init__(self, limit: int, remembered: int = REMEMBERED):
        self.limit = limit  # bytes (UTF-8) the data may take
        self._long: OrderedDict[str, Action] = OrderedDict()
        self._remembered = remembered

    def encode(self, action: Action) -> str:
        data = "|".join((_REPLACE if action.replace else _NEW, action.command, shlex.join(action.args)))
        if len(data.encode()) <= self.limit:
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
