"""Logging set-up that never writes a token: tokens are masked in every record, httpx kept quiet."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

from bot.logformat import JsonFormatter

# A Telegram bot token as it appears in Bot API URLs, even one we were not told about.
_TELEGRAM_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")


class RedactTokens(logging.Filter):
    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return _TELEGRAM_TOKEN.sub("***", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.redact(message)
        if cleaned != message or record.exc_info:
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = self.redact(record.exc_text)
            record.msg, record.args = cleaned, None
        return True


class DropExpected(logging.Filter):
    """APScheduler warns each time a tick finds the previous run still going: by design here."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


def setup_logging(
    level: str, secrets: Iterable[str] = (), *, file: Path | None = None, json_lines: bool = False
) -> RedactTokens:
    """Log to stderr, or to ``file`` (appended, its folder made) where the terminal is a conversation;
    ``json_lines`` writes one JSON object per line (BOT_LOG_FORMAT=json)."""
    redactor = RedactTokens(secrets)
    handler: logging.Handler
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(file, encoding="utf-8")
    else:
        handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if json_lines else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(redactor)
    handler.addFilter(DropExpected())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and a Bot API URL carries the token.
    for noisy in ("httpx", "httpcore", "apscheduler.executors.default", "discord.gateway"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    return redactor
