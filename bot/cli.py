"""The command line: `python -m bot run | console | ask | reload | parse | check | db copy`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Awaitable, Callable

from bot.briefing.model import BriefingError
from bot.content import content_files, parse_file
from bot.settings import SettingError, Settings, load_settings

if TYPE_CHECKING:  # the commands import what they need lazily, so `parse` starts fast
    from bot.core import Core

EXIT_USAGE = 2


def _fail(message: str, code: int = 1) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


async def _with_core(settings: Settings, work: Callable[[Core], Awaitable[int]], *, load: bool = True) -> int:
    from bot.core import Core

    core = await Core.open(settings)
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
    parsed = parse_command(text if text.startswith("/") else "/" + text)
    if parsed is None:
        return _fail("no command given; try /help", EXIT_USAGE)

    async def work(core: Core) -> int:
        router = build_router(core)
        if router.get(parsed[0]) is None:
            return _fail(f"unknown command /{parsed[0]}; try /help", EXIT_USAGE)
        reply = await router.dispatch(CONSOLE_CALLER, *parsed)
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


def cmd_parse(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        briefing = parse_file(path)
    except BriefingError as exc:
        return _fail(f"{path.name}: {exc}")
    if args.json:
        data = briefing.to_json()
        data.pop("paragraphs", None)
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(f"{briefing.id}: {briefing.title}")
        print(f"  {len(briefing.key_points)} key points, {len(briefing.figures)} figures, {len(briefing.quotes)} quotes")
    return 0


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    problems = []
    files = content_files(settings.content_dir)
    if not files:
        problems.append(f"BOT_CONTENT_DIR: no briefing files in {settings.content_dir}")
    for path in files:
        try:
            parse_file(path)
        except BriefingError as exc:
            problems.append(f"{path.name}: {exc}")
    for line in problems:
        print(line, file=sys.stderr)
    tokens = [name for name, value in (("telegram", settings.telegram_token), ("discord", settings.discord_token)) if value]
    print(f"configuration ok; {len(files) - len(problems)} of {len(files)} briefing files valid; "
          f"front-ends: {', '.join(tokens) or 'console only'}")
    return 1 if problems else 0


def cmd_db_copy(settings: Settings, args: argparse.Namespace) -> int:
    from bot.dbcopy import copy_to

    return asyncio.run(copy_to(settings, args.to))


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.telegram_token and not settings.discord_token:
        if sys.stdin.isatty():
            return cmd_console(settings, args)
        return _fail("no front-end to run: set TELEGRAM_BOT_TOKEN or DISCORD_BOT_TOKEN "
                     "(the console needs a terminal)", EXIT_USAGE)
    from bot.service import run_service

    return asyncio.run(run_service(settings))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Briefing Bot: news briefings for chats.")
    sub = parser.add_subparsers(dest="action", required=True, metavar="COMMAND")
    sub.add_parser("run", help="run every front-end whose token is set (the console when none is)").set_defaults(func=cmd_run)
    sub.add_parser("console", help="chat with the bot in this terminal").set_defaults(func=cmd_console)
    ask = sub.add_parser("ask", help='answer one command, e.g. ask "/figures"')
    ask.add_argument("command", nargs="+", help="the command and its arguments")
    ask.set_defaults(func=cmd_ask)
    sub.add_parser("reload", help="load changed briefing files into the database").set_defaults(func=cmd_reload)
    parse = sub.add_parser("parse", help="show what the bot would store for a file")
    parse.add_argument("file")
    parse.add_argument("--json", action="store_true", help="print JSON")
    parse.set_defaults(func=cmd_parse)
    sub.add_parser("check", help="validate configuration and content").set_defaults(func=cmd_check)
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

    quiet = args.action in {"ask", "parse", "check", "console"} or (args.action == "run" and not settings.telegram_token and not settings.discord_token)
    setup_logging("WARNING" if quiet else settings.log_level, [settings.telegram_token, settings.discord_token, settings.telegram_webhook_secret])
    try:
        return args.func(settings, args)
    except KeyboardInterrupt:
        return 130
