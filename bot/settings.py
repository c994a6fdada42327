"""Settings: defaults from `config/defaults.toml`, each overridable by one environment variable."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULTS_FILE = PROJECT_ROOT / "config" / "defaults.toml"


class SettingError(ValueError):
    """A setting that cannot be used; the message names it."""


def _ids(raw: Any) -> frozenset[int]:
    if isinstance(raw, (list, tuple)):
        items = [str(x) for x in raw]
    else:
        items = [x for x in str(raw).replace(" ", "").split(",") if x]
    try:
        return frozenset(int(x) for x in items)
    except ValueError:
        raise ValueError(f"expected comma-separated numeric user ids, got {raw!r}") from None


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"expected true or false, got {raw!r}")


def _positive(kind: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def convert(raw: Any) -> Any:
        value = kind(raw)
        if value < 0:
            raise ValueError(f"must not be negative, got {raw!r}")
        return value

    return convert


def _url(raw: Any) -> str:
    text = str(raw).strip().rstrip("/")
    if text and not text.startswith(("http://", "https://", "ws://", "wss://")):
        raise ValueError(f"expected an http(s) or ws(s) URL, got {raw!r}")
    return text


def _log_format(raw: Any) -> str:
    text = str(raw).strip().lower()
    if text not in ("text", "json"):
        raise ValueError(f"expected text or json, got {raw!r}")
    return text


MIN_DASHBOARD_TOKEN = 16


class ReasonWithoutValue(ValueError):
    """A converter's reason that never quotes the value, so it can be shown even for a secret."""


def _dashboard_token(raw: Any) -> str:
    """Empty (the dashboard is off) or long enough to resist guessing."""
    token = str(raw).strip()
    if token and len(token) < MIN_DASHBOARD_TOKEN:
        raise ReasonWithoutValue(f"must be at least {MIN_DASHBOARD_TOKEN} characters (try: openssl rand -hex 24)")
    return token


def _listen(raw: Any) -> str:
    """host:port, [v6]:port or off; port 0 picks a free port."""
    text = str(raw).strip()
    if text.lower() == "off":
        return "off"
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"expected host:port (such as 127.0.0.1:8080) or off, got {raw!r}")
    return text


def _database_url(raw: Any) -> str:
    text = str(raw).strip()
    if text and not text.startswith(("postgresql://", "postgres://")):
        raise ReasonWithoutValue("expected a postgresql://user:password@host:port/database address")
    return text


# (attribute, TOML section, TOML key, environment variable, converter)
_SPEC: tuple[tuple[str, str, str, str, Callable[[Any], Any]], ...] = (
    ("db_path", "storage", "db_path", "BOT_DB_PATH", Path),
    ("database_url", "storage", "database_url", "BOT_DATABASE_URL", _database_url),
    ("content_dir", "storage", "content_dir", "BOT_CONTENT_DIR", Path),
    ("log_level", "service", "log_level", "BOT_LOG_LEVEL", lambda v: str(v).upper()),
    ("refresh_minutes", "service", "refresh_minutes", "BOT_REFRESH_MINUTES", _positive(float)),
    ("delivery_interval", "service", "delivery_interval_seconds", "BOT_DELIVERY_INTERVAL", _positive(float)),
    ("stall_seconds", "service", "stall_seconds", "BOT_STALL_SECONDS", _positive(float)),
    ("keep_delivered_days", "service", "keep_delivered_days", "BOT_KEEP_DELIVERED_DAYS", _positive(float)),
    ("lease_seconds", "service", "lease_seconds", "BOT_LEASE_SECONDS", _positive(float)),
    ("claim_seconds", "service", "claim_seconds", "BOT_CLAIM_SECONDS", _positive(float)),
    ("max_briefing_bytes", "storage", "max_briefing_bytes", "BOT_MAX_BRIEFING_BYTES", _positive(int)),
    ("log_format", "service", "log_format", "BOT_LOG_FORMAT", _log_format),
    ("feed_minutes", "feeds", "minutes", "BOT_FEED_MINUTES", _positive(float)),
    ("fetch_timeout", "feeds", "fetch_timeout", "BOT_FETCH_TIMEOUT", _positive(float)),
    ("fetch_max_bytes", "feeds", "fetch_max_bytes", "BOT_FETCH_MAX_BYTES", _positive(int)),
    ("fetch_allow_private", "feeds", "fetch_allow_private", "BOT_FETCH_ALLOW_PRIVATE", _bool),
    ("http_listen", "web", "listen", "BOT_HTTP_LISTEN", _listen),
    ("dashboard_token", "web", "dashboard_token", "BOT_DASHBOARD_TOKEN", _dashboard_token),
    ("telegram_token", "telegram", "token", "TELEGRAM_BOT_TOKEN", str),
    ("telegram_api_url", "telegram", "api_url", "TELEGRAM_API_URL", _url),
    ("telegram_admin_ids", "telegram", "admin_ids", "TELEGRAM_ADMIN_IDS", _ids),
    ("telegram_webhook_url", "telegram", "webhook_url", "TELEGRAM_WEBHOOK_URL", _url),
    ("telegram_webhook_listen", "telegram", "webhook_listen", "TELEGRAM_WEBHOOK_LISTEN", str),
    ("telegram_webhook_port", "telegram", "webhook_port", "TELEGRAM_WEBHOOK_PORT", _positive(int)),
    ("telegram_webhook_secret", "telegram", "webhook_secret", "TELEGRAM_WEBHOOK_SECRET", str),
    ("telegram_paid_broadcast", "telegram", "paid_broadcast", "TELEGRAM_PAID_BROADCAST", _bool),
    ("telegram_per_second", "telegram", "messages_per_second", "TELEGRAM_MESSAGES_PER_SECOND", _positive(float)),
    (
        "telegram_private_per_second",
        "telegram",
        "private_chat_per_second",
        "TELEGRAM_PRIVATE_CHAT_PER_SECOND",
        _positive(float),
    ),
    ("telegram_group_per_minute", "telegram", "group_per_minute", "TELEGRAM_GROUP_PER_MINUTE", _positive(float)),
    ("telegram_concurrency", "telegram", "concurrency", "TELEGRAM_CONCURRENCY", _positive(int)),
    ("discord_token", "discord", "token", "DISCORD_BOT_TOKEN", str),
    ("discord_api_url", "discord", "api_url", "DISCORD_API_URL", _url),
    ("discord_gateway_url", "discord", "gateway_url", "DISCORD_GATEWAY_URL", _url),
    ("discord_admin_ids", "discord", "admin_ids", "DISCORD_ADMIN_IDS", _ids),
    ("discord_guild_id", "discord", "guild_id", "DISCORD_GUILD_ID", _positive(int)),
    ("discord_per_second", "discord", "requests_per_second", "DISCORD_REQUESTS_PER_SECOND", _positive(float)),
    ("discord_concurrency", "discord", "concurrency", "DISCORD_CONCURRENCY", _positive(int)),
)

SECRET_ENV = frozenset(
    {"TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "BOT_DASHBOARD_TOKEN", "BOT_DATABASE_URL"}
)


@dataclass(frozen=True)
class Settings:
    """Every setting the service reads. Build with `load_settings()`."""

    db_path: Path = Path("data/bot.sqlite3")
    database_url: str = ""  # postgresql://...: use PostgreSQL instead of the SQLite file
    content_dir: Path = Path("content")
    log_level: str = "INFO"
    refresh_minutes: float = 5
    delivery_interval: float = 2.0
    stall_seconds: float = 300
    keep_delivered_days: float = 7
    lease_seconds: float = 15
    claim_seconds: float = 300  # PostgreSQL: a dead process's claimed deliveries come back after this
    log_format: str = "text"
    max_briefing_bytes: int = 2_000_000
    feed_minutes: float = 15  # a feed's default interval
    fetch_timeout: float = 30.0
    fetch_max_bytes: int = 5_000_000
    fetch_allow_private: bool = False  # true lets feeds reach loopback and private networks (tests, intranets)
    http_listen: str = "127.0.0.1:8080"
    dashboard_token: str = ""
    telegram_token: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    telegram_admin_ids: frozenset[int] = field(default_factory=frozenset)
    telegram_webhook_url: str = ""
    telegram_webhook_listen: str = "0.0.0.0"
    telegram_webhook_port: int = 8443
    telegram_webhook_secret: str = ""
    telegram_paid_broadcast: bool = False
    telegram_per_second: float = 30.0
    telegram_private_per_second: float = 1.0
    telegram_group_per_minute: float = 20.0
    telegram_concurrency: int = 16
    discord_token: str = ""
    discord_api_url: str = "https://discord.com/api"
    discord_gateway_url: str = ""
    discord_admin_ids: frozenset[int] = field(default_factory=frozenset)
    discord_guild_id: int = 0
    discord_per_second: float = 50.0
    discord_concurrency: int = 16

    def __repr__(self) -> str:  # never print a token, even by accident in a traceback
        shown = {
            f.name: (
                "***"
                if f.name.endswith(("token", "secret", "database_url")) and getattr(self, f.name)
                else getattr(self, f.name)
            )
            for f in fields(self)
        }
        return f"Settings({shown})"


def load_settings(environ: Mapping[str, str] | None = None, defaults_file: Path | None = None) -> Settings:
    """Merge the TOML defaults with the environment; raise SettingError naming a bad setting."""
    env = os.environ if environ is None else environ
    path = defaults_file or Path(env.get("BOT_CONFIG") or DEFAULTS_FILE)
    try:
        toml = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingError(f"BOT_CONFIG ({path}): {exc}") from None
    values: dict[str, Any] = {}
    for attr, section, key, env_name, convert in _SPEC:
        raw: Any = env.get(env_name, "")
        source = env_name
        if raw == "":
            raw = toml.get(section, {}).get(key)
            source = f"{section}.{key} in {path.name}"
            if raw is None:
                continue
        try:
            values[attr] = convert(raw)
        except (TypeError, ValueError) as exc:
            shown = "***" if env_name in SECRET_ENV and not isinstance(exc, ReasonWithoutValue) else exc
            where = "" if source == env_name else f" (from {source})"
            raise SettingError(f"{env_name}{where} is invalid: {shown}") from None
    return Settings(**values)
