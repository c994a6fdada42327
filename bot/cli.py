"""The command line: `python -m bot run | console | ask | reload | parse | check | feeds | db copy`."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.briefing.model import BriefingError
from bot.content import content_files, parse_file
from bot.feeds_cli import add_parser as add_feeds_parser
from bot.feeds_cli import run_feeds
from bot.settings import SettingError, Settings, load_settings

if TYPE_CHECKING:  # the commands import what they need lazily, so `parse` starts fast
    from bot.core import Core

EXIT_USAGE = 2


def _fail(message: str, code: int = 1) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


async def _with_core(settings: Settings, work: Callable[[Core], Awaitable[int]], *, load: bool = True) -> int:
    from bot.core import Core
    from storage import DatabaseUnavailable

    try:
        core = await Core.open(settings)
    except DatabaseUnavailable as exc:
        return _fail(str(exc))
    try:
        if load:
            await core.load_if_empty()
        return await work(core)
    finally:
        await core.close()


def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.commands.catalog import build_router
    from bot.frontends.console import run_console

    async def work(core: Core) -> int:
        return await run_console(build_router(core), settings.db_path.parent / "console_history")

    return asyncio.run(_with_core(settings, work))


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    from bot.commands.catalog import build_router
    from bot.commands.router import parse_command
    from bot.frontends.console import CONSOLE_CALLER
    from bot.reply import reply_text

    text = " ".join(args.command).strip()
    if not text:
        return _fail("no command given; try /help", EXIT_USAGE)

    async def work(core: Core) -> int:
        router = build_router(core)
        parsed = parse_command(text)
        if parsed is not None and router.get(parsed[0]) is None:
            return _fail(f"unknown command /{parsed[0]}; try /help", EXIT_USAGE)
        reply = await router.dispatch_line(CONSOLE_CALLER, text)  # plain text searches, as in the console
        if reply is None:
            return _fail("that command is for another bot", EXIT_USAGE)
        print(reply_text(reply))
        return 0 if reply.ok else 1  # a refusal, a usage line or an error

    return asyncio.run(_with_core(settings, work))


def cmd_reload(settings: Settings, args: argparse.Namespace) -> int:
    async def work(core: Core) -> int:
        report = await core.reload()
        print(f"reloaded {settings.content_dir}: {report.summary_line()}")
        for name, reason in report.errors:
            print(f"{name}: {reason}", file=sys.stderr)
        return 0 if report.ok else 1

    return asyncio.run(_with_core(settings, work, load=False))


async def _until_stopped(why: str) -> None:
    """Say why once, then wait for SIGTERM or SIGINT (the handlers are in place before the line)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    _fail(why)
    sys.stderr.flush()
    await stop.wait()


def cmd_parse(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        briefing = parse_file(path, max_bytes=settings.max_briefing_bytes)
    except BriefingError as exc:
        return _fail(f"{path.name}: {exc}")
    if args.json:
        data = briefing.to_json()
        data.pop("paragraphs", None)
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(f"{briefing.id}: {briefing.title}")
        print(
            f"  {len(briefing.key_points)} key points, {len(briefing.figures)} figures, {len(briefing.quotes)} quotes"
        )
    return 0


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    folder = settings.content_dir
    tokens = [
        name for name, value in (("telegram", settings.telegram_token), ("discord", settings.discord_token)) if value
    ]
    front_ends = f"front-ends: {', '.join(tokens) or 'console only'}"
    if not folder.is_dir():
        print(f"BOT_CONTENT_DIR: {folder} is not a folder", file=sys.stderr)
        print(f"configuration has a problem; {front_ends}")
        return 1
    files = content_files(folder)
    broken = []
    for path in files:
        try:
            parse_file(path, folder, settings.max_briefing_bytes)
        except BriefingError as exc:
            broken.append(f"{path.name}: {exc}")
    for line in broken:
        print(line, file=sys.stderr)
    if not files:
        print(f"BOT_CONTENT_DIR: no briefing files (.txt, .md) in {folder}", file=sys.stderr)
    print(f"configuration ok; {len(files) - len(broken)} of {len(files)} briefing files valid; {front_ends}")
    return 1 if broken or not files else 0


def cmd_db_copy(settings: Settings, args: argparse.Namespace) -> int:
    from bot.dbcopy import copy_to

    return asyncio.run(copy_to(settings, args.to))


def cmd_feeds(settings: Settings, args: argparse.Namespace) -> int:
    return run_feeds(settings, args, lambda s, work: _with_core(s, work, load=False))


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.telegram_token and not settings.discord_token:
        if sys.stdin.isatty():
            return cmd_console(settings, args)
        # A platform restarts a worker that exits, so the same line would repeat forever:
        # say it once, then wait to be stopped.
        asyncio.run(
            _until_stopped(
                "no front-end to run: set TELEGRAM_BOT_TOKEN or DISCORD_BOT_TOKEN "
                "(the console needs a terminal); waiting for SIGTERM"
            )
        )
        return EXIT_USAGE
    from bot.service import run_service

    return asyncio.run(run_service(settings))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Briefing Bot: news briefings for chats.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log everything to the terminal (INFO and up)")
    sub = parser.add_subparsers(dest="action", required=True, metavar="COMMAND")
    sub.add_parser("run", help="run every front-end whose token is set (the console when none is)").set_defaults(
        func=cmd_run
    )
    sub.add_parser("console", help="chat with the bot in this terminal").set_defaults(func=cmd_console)
    ask = sub.add_parser("ask", help='answer one command, e.g. ask "/figures"')
    ask.add_argument("command", nargs="+", help="the command and its arguments")
    ask.set_defaults(func=cmd_ask)
    sub.add_parser("reload", help="load changed briefing files and make every feed due now").set_defaults(
        func=cmd_reload
    )
    parse = sub.add_parser("parse", help="show what the bot would store for a file")
    parse.add_argument("file")
    parse.add_argument("--json", action="store_true", help="print JSON")
    parse.set_defaults(func=cmd_parse)
    sub.add_parser("check", help="validate configuration and content").set_defaults(func=cmd_check)
    add_feeds_parser(sub, cmd_feeds)
    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_action", required=True)
    copy = db.add_parser("copy", help="copy the SQLite file (BOT_DB_PATH) into an empty PostgreSQL database")
    copy.add_argument("--to", required=True, metavar="URL", help="postgresql://user:password@host:port/database")
    copy.set_defaults(func=cmd_db_copy)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingError as exc:
        return _fail(str(exc), EXIT_USAGE)
    from bot.logs import setup_logging
    from storage.url import password_of

    secrets = [
        settings.telegram_token,
        settings.discord_token,
        settings.telegram_webhook_secret,
        settings.dashboard_token,
        password_of(settings.database_url) or "",
    ]
    console = args.action == "console" or (
        args.action == "run" and not settings.telegram_token and not settings.discord_token and sys.stdin.isatty()
    )
    json_lines = settings.log_format == "json"
    if args.verbose or (args.action == "run" and not console):
        setup_logging(settings.log_level, secrets, json_lines=json_lines)
    elif console:  # the conversation stays clean: the log goes to a file beside the database
        setup_logging(settings.log_level, secrets, file=settings.db_path.parent / "console.log", json_lines=json_lines)
    else:  # one-shot commands print their result; the log shows only what went wrong
        setup_logging("WARNING", secrets, json_lines=json_lines)
    try:
        return args.func(settings, args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `parse --json | head`: the reader left, which is not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
