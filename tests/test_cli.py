"""The command line as a subprocess: ask, parse --json, check, reload, run without a token, bad settings."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import BUNDLED, ROOT


def run(
    tmp_path: Path, *args: str, env: dict | None = None, content: Path | None = None
) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "BOT_"))}
    environ.update(
        {"BOT_DB_PATH": str(tmp_path / "data" / "bot.sqlite3"), "BOT_CONTENT_DIR": str(content or BUNDLED.parent)}
    )
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def test_ask_prints_plain_text_and_creates_the_database(tmp_path):
    result = run(tmp_path, "ask", "/figures")
    assert result.returncode == 0, result.stderr
    assert "28 villages" in result.stdout and "<b>" not in result.stdout
    assert (tmp_path / "data" / "bot.sqlite3").exists()


def test_ask_unknown_command_fails(tmp_path):
    result = run(tmp_path, "ask", "/frobnicate")
    assert result.returncode != 0 and "unknown command /frobnicate" in result.stderr


def test_parse_json_shape(tmp_path):
    result = run(tmp_path, "parse", str(BUNDLED), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"id", "title", "summary", "source", "published", "tags", "key_points", "figures", "quotes"}
    assert data["id"] == "kursk-incursion" and len(data["key_points"]) == 4
    date = next(f for f in data["figures"] if f["kind"] == "date")
    assert date["value"] == 2022 and date["iso"] == "2022-02"
    first = next(f for f in data["figures"] if f["unit"] == "km" and f["value"] == 30)
    assert first["conversions"] == [{"value": 18, "unit": "mi"}] and first["approx"] is True


def test_parse_broken_file_names_it(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n")
    result = run(tmp_path, "parse", str(empty))
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: empty.txt:") and len(result.stderr.strip().splitlines()) == 1


def test_check_reports_broken_content(tmp_path):
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "good.txt").write_text(BUNDLED.read_text(encoding="utf-8"), encoding="utf-8")
    assert run(tmp_path, "check", content=folder).returncode == 0
    (folder / "bad.txt").write_bytes(b"\xff\xfe\x00garbage")
    result = run(tmp_path, "check", content=folder)
    assert result.returncode == 1 and "bad.txt" in result.stderr


def test_reload_then_unchanged(tmp_path):
    first = run(tmp_path, "reload")
    assert first.returncode == 0 and "1 added" in first.stdout
    second = run(tmp_path, "reload")
    assert "0 added, 0 changed, 1 unchanged" in second.stdout


def test_run_without_token_and_terminal_says_so_once_and_waits_to_be_stopped(tmp_path):
    """A platform restarts a worker that exits: one clear line, then no restart loop."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "BOT_"))}
    environ["BOT_DB_PATH"] = str(tmp_path / "data" / "bot.sqlite3")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=ROOT,
        env=environ,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()  # blocks until the one line is written
    assert "TELEGRAM_BOT_TOKEN" in line and "DISCORD_BOT_TOKEN" in line
    assert proc.poll() is None  # still there: nothing to restart
    proc.send_signal(signal.SIGTERM)
    _, rest = proc.communicate(timeout=30)
    assert proc.returncode == 2 and rest == ""


def test_bad_setting_is_named_in_one_line(tmp_path):
    result = run(tmp_path, "ask", "/summary", env={"TELEGRAM_ADMIN_IDS": "12,abc"})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "TELEGRAM_ADMIN_IDS" in result.stderr


def test_console_answers_piped_commands(tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "BOT_"))}
    environ.update({"BOT_DB_PATH": str(tmp_path / "c.sqlite3"), "BOT_CONTENT_DIR": str(BUNDLED.parent)})
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        cwd=ROOT,
        env=environ,
        input="/keypoints\nquotes\n/quit\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Key developments" in result.stdout and "Putin" in result.stdout


def test_errors_and_usage_lines_exit_non_zero(tmp_path):
    nosuch = run(tmp_path, "ask", "/summary nosuch")
    assert nosuch.returncode == 1 and "No briefing called 'nosuch'" in nosuch.stdout
    bare = run(tmp_path, "ask", "/broadcast")
    assert bare.returncode == 1 and "Usage: /broadcast <text>" in bare.stdout


def test_reload_says_its_result_once_and_logs_nothing_but_problems(tmp_path):
    result = run(tmp_path, "reload")
    assert result.returncode == 0 and result.stdout.count("1 added") == 1
    assert result.stderr == ""
    verbose = run(tmp_path, "--verbose", "reload")
    assert "INFO" in verbose.stderr


def test_check_names_a_missing_content_folder(tmp_path):
    result = run(tmp_path, "check", content=tmp_path / "nonexistent")
    assert result.returncode == 1
    assert "is not a folder" in result.stderr and "-1 of" not in result.stdout + result.stderr


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text(
        "Many Figures\n\n" + "\n\n".join(f"Officials counted {i} villages on day {i}." for i in range(1, 1500)),
        encoding="utf-8",
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "BOT_"))}
    environ["BOT_DB_PATH"] = str(tmp_path / "data" / "bot.sqlite3")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "parse", str(big), "--json"],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"{"
    proc.stdout.close()  # like `| head -1`
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipeError" not in err


def test_ctrl_c_ends_the_console_at_once(tmp_path):
    """In a terminal, Ctrl-C ends the console without waiting for Enter (exit 130)."""
    import pty
    import select

    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "BOT_"))}
    environ.update(
        {"BOT_DB_PATH": str(tmp_path / "data" / "bot.sqlite3"), "BOT_CONTENT_DIR": str(BUNDLED.parent), "TERM": "dumb"}
    )
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "console"],
        cwd=ROOT,
        env=environ,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        start_new_session=True,
        preexec_fn=lambda: __import__("fcntl").ioctl(0, __import__("termios").TIOCSCTTY, 0),
    )
    os.close(follower)
    seen = b""
    try:
        while b"> " not in seen:  # the prompt: the console is reading
            ready, _, _ = select.select([leader], [], [], 30)
            assert ready, f"no prompt; saw {seen!r}"
            seen += os.read(leader, 4096)
        os.write(leader, b"\x03")  # Ctrl-C, as the terminal sends it
        assert proc.wait(timeout=30) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(leader)


def test_an_unreachable_database_is_one_line_without_its_password(tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    url = f"postgresql://bot:s3cret-pass@127.0.0.1:{port}/news"
    result = run(tmp_path, "ask", "/summary", env={"BOT_DATABASE_URL": url})
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert "s3cret-pass" not in result.stderr + result.stdout and f"127.0.0.1:{port}" in result.stderr


def test_json_logs_are_one_object_per_line(tmp_path):
    result = run(tmp_path, "--verbose", "reload", env={"BOT_LOG_FORMAT": "json"})
    assert result.returncode == 0
    records = [json.loads(line) for line in result.stderr.splitlines()]
    assert records and {"time", "level", "logger", "message"} <= set(records[0])
    assert any(r["logger"] == "bot.core" and "content reloaded" in r["message"] for r in records)
