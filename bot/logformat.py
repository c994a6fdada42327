"""`BOT_LOG_FORMAT=json`: one JSON object per log line, for log collectors.

Keys: time (UTC, ISO 8601), level, logger, message, and platform / chat when the record carries
them (`log.info("...", extra={"platform": "telegram", "chat": 123})`), plus exception text.
Token masking stays with the handler's `RedactTokens` filter, which runs before any formatter.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

CONTEXT_KEYS = ("platform", "chat")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in CONTEXT_KEYS:
            value = getattr(record, key, None)
            if value is None and key == "chat":
                value = getattr(record, "chat_id", None)
            if value is not None:
                entry[key] = value if isinstance(value, (int, float, str, bool)) else str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
