"""The terminal front-end: chat with the bot as its local operator, with line editing and history."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from bot.commands.context import Caller
from bot.commands.router import CommandRouter
from bot.reply import Reply, Span, reply_text

CONSOLE_CALLER = Caller(platform="console", chat_id=0, user_id=0, is_operator=True, can_manage=True)

_ANSI = {"bold": "\033[1m", "italic": "\033[3m", "code": "\033[36m", "mark": "\033[7m"}
_RESET = "\033[0m"


def render(reply: Reply, color: bool = False) -> str:
    """Plain text for a terminal; with color, styles become ANSI attributes."""

    def show(span: Span) -> str:
        text = span.text if not span.link or span.link == span.text else f"{span.text} <{span.link}>"
        codes = "".join(_ANSI[st] for st in sorted(span.styles) if st in _ANSI) if color else ""
        return f"{codes}{text}{_RESET}" if codes else text

    return reply_text(reply, show, bullet="  • ")


def _enable_line_editing(history: Path) -> None:
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input still works
        return
    history.parent.mkdir(parents=True, exist_ok=True)
    try:
        readline.read_history_file(history)
    except OSError:
        pass
    readline.set_history_length(1000)
    import atexit

    atexit.register(lambda: _save_history(readline, history))


def _save_history(readline, history: Path) -> None:
    try:
        readline.write_history_file(history)
    except OSError:
        pass


async def run_console(router: CommandRouter, history: Path, out: TextIO = sys.stdout) -> int:
    """Read commands until end of input or /quit; every line is answered."""
    interactive = sys.stdin.isatty()
    if interactive:
        _enable_line_editing(history)
    color = out.isatty()
    print("Briefing Bot console. Type /help for commands, /quit to leave.", file=out)
    while True:
        try:
            line = await asyncio.to_thread(input, "> " if interactive else "")
        except (EOFError, KeyboardInterrupt):
            print(file=out)
            return 0
        line = line.strip()
        if not line:
            continue
        if line in {"/quit", "/exit", "quit", "exit"}:
            return 0
        if not line.startswith("/"):
            line = "/" + line
        reply = await router.dispatch_text(CONSOLE_CALLER, line)
        if reply is not None:
            print(render(reply, color) + "\n", file=out, flush=True)
