"""A reply's actions as message components, and pressed components back to the front-end.

Choices become one select menu, each row of actions a row of buttons. Every component is a
discord.py `DynamicItem`: its custom id carries the action itself ("a|" and the action's data;
a select option's value is the data), so a press is understood from the custom id alone, on
any message, after any restart, and nothing is kept per message. Data that no longer reads as
an action (a long action's digest forgotten after a restart) answers with a notice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.frontends.action_data import ActionCodec
from bot.reply import Reply

CUSTOM_ID_MAX = 100
OPTION_MAX = 100  # characters of a select option's label and value
BUTTON_LABEL_MAX = 80
ROWS_MAX = 5
OPTIONS_MAX = 25
BUTTON = "a|"
MENU = "m|choices"

# Told (interaction, the action's data) when a component is used.
OnAction = Callable[[discord.Interaction, str], Awaitable[None]]


def action_codec() -> ActionCodec:
    return ActionCodec(CUSTOM_ID_MAX - len(BUTTON))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"a\|(?P<data>.+)"):
    def __init__(self, data: str, label: str = "…", primary: bool = False):
        style = discord.ButtonStyle.primary if primary else discord.ButtonStyle.secondary
        super().__init__(discord.ui.Button(label=_cut(label, BUTTON_LABEL_MAX), style=style, custom_id=BUTTON + data))
        self.data = data

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any
    ) -> ActionButton:
        return cls(match["data"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction)(interaction, self.data)


class ChoiceMenu(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"m\|choices"):
    def __init__(self, options: list[discord.SelectOption] | None = None):
        super().__init__(discord.ui.Select(custom_id=MENU, options=options or [discord.SelectOption(label="…")]))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any
    ) -> ChoiceMenu:
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        values = data.get("values") or [""]
        await _handler(interaction)(interaction, str(values[0]))


def _handler(interaction: discord.Interaction) -> OnAction:
    on_action = getattr(interaction.client, "on_action", None)
    if on_action is None:
        raise RuntimeError("the Discord client has no on_action handler for components")
    handler: OnAction = on_action
    return handler


def components(reply: Reply, codec: ActionCodec, placeholder: str) -> discord.ui.View | None:
    """The reply's choices (a select menu) and rows of actions (buttons); None when it has neither."""
    if not reply.choices and not reply.actions:
        return None
    view = discord.ui.View(timeout=None)
    row = 0
    if reply.choices:
        options = [
            discord.SelectOption(label=_cut(a.label, OPTION_MAX), value=codec.encode(a))
            for a in reply.choices[:OPTIONS_MAX]
        ]
        menu = ChoiceMenu(options)
        menu.item.placeholder = _cut(placeholder, OPTION_MAX)
        menu.item.row = row
        view.add_item(menu)
        row += 1
    for actions in reply.actions:
        if not actions or row >= ROWS_MAX:
            continue
        for action in actions[:5]:
            button = ActionButton(codec.encode(action), action.label)
            button.item.row = row
            view.add_item(button)
        row += 1
    return view
