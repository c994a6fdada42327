"""`python -m bot feeds add | list | remove | resume | import | export | fetch`: managing feeds from a terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.core import Core

Runner = Callable[[Settings, Callable[["Core"], Awaitable[int]]], Coroutine[Any, Any, int]]


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _describe(feed) -> str:
    from bot.commands.feeds import feed_lines

    lines = [" ".join(part if isinstance(part, str) else part.text for part in line) for line in feed_lines(feed)]
    return lines[0] + "".join(f"\n   {line}" for line in lines[1:])


async def _add(core: Core, args: argparse.Namespace) -> int:
    from bot.sources.polling import parse_minutes
    from bot.sources.service import FeedRefused

    try:
        minutes = parse_minutes(args.every) if args.every is not None else None
    except ValueError as exc:
        return _error(str(exc))
    try:
        added = await core.feeds.add(args.url, minutes, pages=not args.no_pages)
    except FeedRefused as exc:
        return _error(f"not added: {exc}")
    feed = added.feed
    if added.resumed:
        print(f"feed {feed.id} ({feed.name}) was stopped; it is due again")
    else:
        print(f"added feed {feed.id}: {feed.name} ({feed.kind}, {added.items} items, every {feed.minutes:g} min)")
    return 0


async def _list(core: Core, args: argparse.Namespace) -> int:
    feeds = await core.feeds.repo.list_feeds()
    for feed in feeds:
        print(_describe(feed))
    if not feeds:
        print("no feeds")
    return 0


async def _remove(core: Core, args: argparse.Namespace) -> int:
    if not await core.feeds.repo.remove(args.id):
        return _error(f"there is no feed {args.id}")
    print(f"removed feed {args.id}; its briefings stay")
    return 0


async def _resume(core: Core, args: argparse.Namespace) -> int:
    if not await core.feeds.fetch_now(args.id):
        return _error(f"there is no feed {args.id}")
    print(f"feed {args.id} is due now (failures forgotten)")
    return 0


async def _import(core: Core, args: argparse.Namespace) -> int:
    from bot.sources.opml import OpmlError

    try:
        data = await asyncio.to_thread(Path(args.file).read_bytes)
        report = await core.feeds.import_opml(data)
    except OSError as exc:
        return _error(f"{args.file}: {exc.strerror or exc}")
    except OpmlError as exc:
        return _error(f"{args.file}: {exc}")
    for line in report.skipped:
        print(f"skipped {line}", file=sys.stderr)
    print(f"imported {len(report.added)} feeds, skipped {len(report.skipped)}")
    return 0


async def _export(core: Core, args: argparse.Namespace) -> int:
    sys.stdout.write(await core.feeds.export_opml())
    return 0


async def _fetch(core: Core, args: argparse.Namespace) -> int:
    """Fetch now and say what changed; non-zero when any feed failed."""
    if args.id is not None and await core.feeds.repo.get(args.id) is None:
        return _error(f"there is no feed {args.id}")
    ids = (
        [args.id]
        if args.id is not None
        else [f.id for f in await core.feeds.repo.list_feeds() if f.status != "stopped"]
    )
    reports = await core.feeds.poll_due(ids)
    names = {f.id: f.name for f in await core.feeds.repo.list_feeds()}
    failed = 0
    for report in reports:
        name = f"feed {report.feed_id} ({names.get(report.feed_id, '?')})"
        if report.error:
            failed += 1
            print(f"{name}: failed: {report.error}", file=sys.stderr)
            continue
        state = "not modified" if report.not_modified else f"{len(report.added)} added, {len(report.changed)} changed"
        print(f"{name}: {state}")
        for briefing_id in report.added:
            print(f"  added {briefing_id}")
        for briefing_id in report.changed:
            print(f"  changed {briefing_id}")
        for line in report.item_errors:
            print(f"  skipped {line}", file=sys.stderr)
    return 1 if failed else 0


ACTIONS: dict[str, Callable[[Core, argparse.Namespace], Awaitable[int]]] = {
    "add": _add,
    "list": _list,
    "remove": _remove,
    "resume": _resume,
    "import": _import,
    "export": _export,
    "fetch": _fetch,
}


def add_parser(sub: argparse._SubParsersAction, run: Callable[[Settings, argparse.Namespace], int]) -> None:
    feeds = sub.add_parser("feeds", help="news feeds: add, list, remove, resume, import, export, fetch")
    actions = feeds.add_subparsers(dest="feeds_action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="fetch an address once and follow it when it is a feed or article page")
    add.add_argument("url")
    add.add_argument("--every", metavar="MINUTES", help="fetch interval in minutes (decimals allowed)")
    add.add_argument("--no-pages", action="store_true", help="never fetch article pages; use the items' own text")
    actions.add_parser("list", help="every feed with its health")
    for name, text in (
        ("remove", "stop following a feed (its briefings stay)"),
        ("resume", "fetch a feed now, restarting it if it was stopped"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("id", type=int)
    opml = actions.add_parser("import", help="follow every feed of an OPML file")
    opml.add_argument("file")
    actions.add_parser("export", help="print the feeds as OPML 2.0")
    fetch = actions.add_parser("fetch", help="fetch now and print what was added or changed (exit 1 if any failed)")
    fetch.add_argument("id", type=int, nargs="?")
    feeds.set_defaults(func=run)


def run_feeds(settings: Settings, args: argparse.Namespace, with_core: Runner) -> int:
    action = ACTIONS[args.feeds_action]

    async def work(core: Core) -> int:
        return await action(core, args)

    return asyncio.run(with_core(settings, work))
