"""A throwaway PostgreSQL cluster for the test session: Debian's binaries, initdb in a temporary
folder, a free port on 127.0.0.1, a unix socket in the same folder, stopped at the end.

initdb refuses to run as root, so as root the cluster belongs to the `postgres` system user
(created by Debian's package) and every server command runs through `runuser`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "install Debian's PostgreSQL: apt-get update && apt-get install -y postgresql"


class PostgresUnavailable(RuntimeError):
    pass


@dataclass
class PostgresServer:
    folder: Path
    port: int
    bin_dir: Path
    as_user: str | None

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str, password: str = "") -> str:
        secret = f":{password}" if password else ""
        return f"postgresql://postgres{secret}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        _run(self, "pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def find_bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise PostgresUnavailable(f"PostgreSQL's initdb was not found; {INSTALL_HINT}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(server: PostgresServer, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    command = [str(server.bin_dir / tool), *args]
    if server.as_user:
        command = ["runuser", "-u", server.as_user, "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if check and result.returncode != 0:
        output = (result.stderr or result.stdout).strip()[-800:]
        raise PostgresUnavailable(f"{tool} failed ({result.returncode}): {output}")
    return result


def start_server() -> PostgresServer:
    bin_dir = find_bin_dir()
    as_user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise PostgresUnavailable(f"running as root and no `postgres` user for initdb; {INSTALL_HINT}") from None
        as_user = "postgres"
    folder = Path(tempfile.mkdtemp(prefix="bot-pg-"))
    if as_user:
        shutil.chown(folder, as_user)
    server = PostgresServer(folder, _free_port(), bin_dir, as_user)
    try:
        _run(
            server,
            "initdb",
            "-D",
            str(folder / "data"),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-locale",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-p {server.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        _run(server, "pg_ctl", "-D", str(folder / "data"), "-o", options, "-l", str(folder / "log"), "-w", "start")
    except BaseException:
        log = folder / "log"
        tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
        server.stop()
        if tail:
            raise PostgresUnavailable(f"PostgreSQL did not start: {tail}") from None
        raise
    return server
