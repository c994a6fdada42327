"""JSON log lines: one object per record, context fields, and tokens still masked."""

from __future__ import annotations

import io
import json
import logging

from bot.logformat import JsonFormatter
from bot.logs import RedactTokens

TOKEN = "123456789:AAE-secretsecretsecretsecret"


def _logger() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactTokens([TOKEN]))
    logger = logging.getLogger("test.web.json")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_each_record_is_one_json_object_with_its_context():
    log, stream = _logger()
    log.info("sent alert %d", 5, extra={"platform": "telegram", "chat": -100123})
    log.warning("multi\nline message")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "sent alert 5" and first["level"] == "INFO" and first["logger"] == "test.web.json"
    assert first["platform"] == "telegram" and first["chat"] == -100123
    assert first["time"].endswith("+00:00")
    assert second["message"] == "multi\nline message" and "platform" not in second


def test_tokens_stay_masked_in_messages_and_tracebacks():
    log, stream = _logger()
    try:
        raise RuntimeError(f"POST http://127.0.0.1:8081/bot{TOKEN}/sendMessage failed")
    except RuntimeError:
        log.exception("send failed for bot%s", TOKEN)
    entry = json.loads(stream.getvalue())
    assert TOKEN not in stream.getvalue()
    assert "***" in entry["message"] and "RuntimeError" in entry["exception"]
