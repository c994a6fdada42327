"""Pages of long answers: "#2" at the end of the arguments asks for page 2, and ◀ ▶ actions turn them."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from typing import TypeVar

from bot.i18n import _
from bot.reply import Action, ActionRow

T = TypeVar("T")
_PAGE = re.compile(r"^#(\d{1,4})$")


def take_page(args: list[str]) -> tuple[int, list[str]]:
    """(page, the other arguments) from arguments that may end with "#N" (page 1 when absent)."""
    if args and (match := _PAGE.match(args[-1])):
        return max(1, int(match[1])), args[:-1]
    return 1, args


def page_of(items: Sequence[T], page: int, size: int) -> tuple[Sequence[T], int, int]:
    """(the items on the page, the page, how many pages): a page past the end shows the last one,
    so a button from a list that has since shrunk still lands somewhere."""
    pages = max(1, -(-len(items) // size))
    page = min(max(1, page), pages)
    return items[(page - 1) * size : page * size], page, pages


def paging_row(command: str, args: Sequence[str], page: int, pages: int | None) -> ActionRow:
    """◀ and ▶ for the pages around `page` (`pages` None: it is unknown whether more follow ▶)."""
    row: list[Action] = []
    if page > 1:
        row.append(Action("◀", command, (*args, f"#{page - 1}"), replace=True))
    if pages is None or page < pages:
        row.append(Action("▶", command, (*args, f"#{page + 1}"), replace=True))
    return tuple(row)


def more_hint(command: str, args: Sequence[str], page: int) -> str:
    """The typed way to the next page, for chats without buttons."""
    typed = " ".join(shlex.quote(a) if " " in a else a for a in (f"/{command}", *args, f"#{page + 1}"))
    return _("Page {page}; the next one: {command}").format(page=page, command=typed)
