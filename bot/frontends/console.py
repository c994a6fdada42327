"""The terminal front-end: chat with the bot as its local operator, with line editing and history.

Lines are read on a daemon thread, so Ctrl-C ends the console at once (the event loop is
interrupted, not a blocked `input()`), and end of input ends it quietly. A line that starts
with a command's name runs that command; any other text searches the briefings.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path
from typing import TextIO

from bot.commands.context import Caller
from bot.commands.router import CommandRouter
from bot.reply import Reply, Span, reply_text

# The console's operator; a console cannot receive alerts, so it cannot subscribe.
CONSOLE_CALLER = Caller(
    platform="console",
    chat_id=0,
    user_id=0,
    is_operator=True,
    can_manage=True,
    private_chat=True,
    receives_alerts=False,
)
QUIT = {"/quit", "/exit", "quit", "exit"}

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

    def save() -> None:
        try:
            readline.write_history_file(history)
        except OSError:
            pass

    atexit.register(save)


class LineReader:
    """Lines from standard input, read on a daemon thread one at a time, when asked for."""

    def __init__(self, prompt: str):
        self._prompt = prompt
        self._loop = asyncio.get_running_loop()
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._wanted = threading.Semaphore(0)  # the prompt shows only once the last reply is out
        threading.Thread(target=self._read, name="console-input", daemon=True).start()

    def _read(self) -> None:
        while True:
            self._wanted.acquire()
            try:
                line: str | None = input(self._prompt)
            except (EOFError, KeyboardInterrupt, OSError, ValueError):
                line = None
            self._loop.call_soon_threadsafe(self._lines.put_nowait, line)
            if line is None:
                return

    async def next(self) -> str | None:
        """The next line, or None at the end of input."""
        self._wanted.release()
        return await self._lines.get()


async def run_console(router: CommandRouter, history: Path, out: TextIO = sys.stdout) -> int:
    """Read lines until end of input or /quit; every line is answered."""
    interactive = sys.stdin.isatty()
    if interactive:
        _enable_line_editing(history)
    color = out.isatty()
    print("Briefing Bot console. Type /help for commands, any other text to search, /quit to leave.", file=out)
    lines = LineReader("> " if interactive else "")
    while True:
        line = await lines.next()
        if line is None:
            if interactive:
                print(file=out)
            return 0
        line = line.strip()
        if not line:
            continue
        if line.lower() in QUIT:
            return 0
        reply = await router.dispatch_line(CONSOLE_CALLER, line)
        if reply is not None:  # None only for a command addressed to another bot
            print(render(reply, color) + "\n", file=out, flush=True)
