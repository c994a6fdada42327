"""Settings: TOML defaults, environment overrides, empty values, one-line errors that name the setting."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.settings import DEFAULTS_FILE, SettingError, load_settings


def test_defaults_come_from_the_toml_file():
    toml = tomllib.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))
    s = load_settings({})
    assert s.db_path == Path("data/bot.sqlite3") and s.content_dir == Path("content")
    assert s.telegram_api_url == toml["telegram"]["api_url"] and s.discord_api_url == toml["discord"]["api_url"]
    assert s.telegram_per_second == 30 and not s.telegram_token


def test_environment_overrides_and_empty_means_unset():
    s = load_settings(
        {
            "BOT_DB_PATH": "/tmp/x.db",
            "TELEGRAM_ADMIN_IDS": "1, 22,333",
            "DISCORD_GUILD_ID": "",
            "TELEGRAM_API_URL": "http://127.0.0.1:9/",
        }
    )
    assert s.db_path == Path("/tmp/x.db") and s.telegram_admin_ids == {1, 22, 333}
    assert s.discord_guild_id == 0 and s.telegram_api_url == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_ADMIN_IDS", "alice"),
        ("DISCORD_GUILD_ID", "x"),
        ("TELEGRAM_API_URL", "ftp://x"),
        ("TELEGRAM_PAID_BROADCAST", "maybe"),
        ("BOT_REFRESH_MINUTES", "-5"),
    ],
)
def test_bad_values_name_the_setting(name, value):
    with pytest.raises(SettingError, match=f"^{name} is invalid"):
        load_settings({name: value})


def test_tokens_are_not_shown():
    s = load_settings({"TELEGRAM_BOT_TOKEN": "123456:SECRETSECRETSECRETSECRET"})
    assert "SECRET" not in repr(s)
