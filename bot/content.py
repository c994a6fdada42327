"""Loading the content folder into storage: all valid files in one transaction, or none.

Files whose bytes are unchanged since the last load are not even parsed. Broken files are
reported by name and reason and skipped, so their last good version stays served. Every
added or changed briefing queues its alert in the same transaction (see bot.announcements).

The folder stays inside itself: a file that resolves outside it (a symbolic link to
/etc/passwd) or is not a regular file (a FIFO, a device) is refused by name. A file removed
from the folder is unpublished: gone from commands and search, its versions kept.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.briefing.model import Briefing, BriefingError
from bot.briefing.parser import MAX_BRIEFING_BYTES, parse_briefing, size_problem
from storage import BriefingRepository
from storage.briefings import NewVersion
from storage.outbox import NewAlert

log = logging.getLogger(__name__)

CONTENT_SUFFIXES = (".txt", ".md", ".markdown")

# What to announce for each added (old None) or changed briefing; pure, no I/O.
ChangeHook = Callable[[Briefing | None, Briefing], NewAlert | None]


@dataclass
class ReloadReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)
    feeds_due: int = 0  # feeds the reload made due for fetching now

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary_line(self) -> str:
        line = f"{len(self.added)} added, {len(self.changed)} changed, {len(self.unchanged)} unchanged"
        if self.removed:
            line += f", {len(self.removed)} removed"
        if self.errors:
            line += f", {len(self.errors)} broken"
        if self.feeds_due:
            line += f"; {self.feeds_due} feed{'s' if self.feeds_due != 1 else ''} fetching now"
        return line


def content_files(folder: Path) -> list[Path]:
    """Every entry with a briefing's suffix (read_file refuses what is not a plain file inside)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in CONTENT_SUFFIXES)


def read_file(path: Path, folder: Path | None = None, max_bytes: int = MAX_BRIEFING_BYTES) -> bytes:
    """A file's bytes; BriefingError with the reason when it resolves outside ``folder``, is not a
    regular file, or is over ``max_bytes`` (checked on the opened file, before reading it)."""
    try:
        if folder is not None and not path.resolve().is_relative_to(folder.resolve()):
            raise BriefingError("refused: it resolves outside the content folder")
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise BriefingError("refused: not a regular file")
            if problem := size_problem(info.st_size, max_bytes):
                raise BriefingError(problem)
            with os.fdopen(os.dup(fd), "rb") as handle:
                return handle.read(max_bytes + 1)
        finally:
            os.close(fd)
    except OSError as exc:
        raise BriefingError(f"cannot read: {exc.strerror or exc}") from None


def parse_file(path: Path, folder: Path | None = None, max_bytes: int = MAX_BRIEFING_BYTES) -> Briefing:
    """Read and parse one file; BriefingError carries the reason (without the name)."""
    return parse_briefing(read_file(path, folder, max_bytes), path.name, max_bytes=max_bytes)


class ContentLoader:
    def __init__(
        self,
        repo: BriefingRepository,
        folder: Path,
        on_change: ChangeHook | None = None,
        max_bytes: int = MAX_BRIEFING_BYTES,
    ):
        self.repo = repo
        self.folder = folder
        self.max_bytes = max_bytes
        self.on_change = on_change
        self._lock = asyncio.Lock()  # one reload at a time; a second waits and then finds nothing new

    async def reload(self, now: float | None = None) -> ReloadReport:
        async with self._lock:
            return await self._reload(time.time() if now is None else now)

    async def _reload(self, now: float) -> ReloadReport:
        report = ReloadReport()
        known = await self.repo.file_hashes()
        files = content_files(self.folder)
        # Reading and parsing a thousand files takes a while: keep it off the event loop.
        parsed = await asyncio.to_thread(_scan, files, self.folder, self.max_bytes, known, report)
        for name, reason in report.errors:
            log.warning("briefing %s skipped: %s", name, reason)
        if parsed:
            await self._apply(parsed, report, now)
        present = {str(p) for p in files}
        inside = str(self.folder) + os.sep
        gone = [bid for source, (bid, _) in known.items() if source.startswith(inside) and source not in present]
        if gone:
            await self.repo.unpublish(gone)
            report.removed.extend(gone)
        return report

    async def _apply(self, parsed: list[tuple[Briefing, str, str]], report: ReloadReport, now: float) -> None:
        by_id = {briefing.id: briefing for briefing, _, _ in parsed}
        versions = [
            NewVersion(b.id, b.to_json(), b.content_hash(), raw_hash, source, b.sentences())
            for b, raw_hash, source in parsed
        ]

        def announce(previous: dict | None, version: NewVersion) -> NewAlert | None:
            if self.on_change is None:
                return None
            old = Briefing.from_json(previous) if previous is not None else None
            return self.on_change(old, by_id[version.briefing_id])

        for briefing_id, outcome in await self.repo.publish(versions, now, announce):
            {"added": report.added, "changed": report.changed, "unchanged": report.unchanged}[outcome].append(
                briefing_id
            )


def _scan(
    files: list[Path], folder: Path, max_bytes: int, known: dict[str, tuple[str, str]], report: ReloadReport
) -> list[tuple[Briefing, str, str]]:
    """Parse the files whose bytes changed since the last load; note the rest in the report."""
    parsed: list[tuple[Briefing, str, str]] = []
    seen_ids: dict[str, str] = {}
    for path in files:
        source = str(path)
        try:
            raw = read_file(path, folder, max_bytes)
            raw_hash = hashlib.sha256(raw).hexdigest()
            if known.get(source, (None, None))[1] == raw_hash:
                report.unchanged.append(known[source][0])
                continue
            briefing = parse_briefing(raw, path.name, max_bytes=max_bytes)
        except BriefingError as exc:
            report.errors.append((path.name, str(exc)))
            continue
        if briefing.id in seen_ids:
            report.errors.append((path.name, f"id {briefing.id!r} is already used by {seen_ids[briefing.id]}"))
            continue
        seen_ids[briefing.id] = path.name
        parsed.append((briefing, raw_hash, source))
    return parsed
