"""What a deploy runs: the Procfile, requirements.txt, the container image and compose file.

The image is built only where a container engine answers (none runs on the project's own
machines); everything else is checked from the files themselves.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib

import yaml

from tests.conftest import ROOT


def _dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) with continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_procfile_runs_the_service_with_python3():
    assert (ROOT / "Procfile").read_text().strip() == "worker: python3 -m bot run"


def test_requirements_install_the_project_itself():
    lines = [
        ln.strip()
        for ln in (ROOT / "requirements.txt").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert lines == ["."]
    assert (ROOT / ".python-version").read_text().strip() == "3.11"


def test_image_runs_as_a_user_with_its_data_on_a_volume():
    steps = _dockerfile()
    words = [w for w, _ in steps]
    assert steps[0][0] == "FROM" and "slim" in steps[0][1]
    user = [args for w, args in steps if w == "USER"]
    assert user and user[-1] not in ("root", "0")
    assert any(w == "VOLUME" and "/data" in args for w, args in steps)
    assert any(w == "ENV" and "BOT_DB_PATH=/data/" in args for w, args in steps)
    assert "HEALTHCHECK" in words and "/healthz" in dict(steps)["HEALTHCHECK"]
    copied = " ".join(args for w, args in steps if w == "COPY")
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    for package in {p.rstrip("*") for p in packages} | {"config", "content"}:
        assert package in copied, f"the image does not copy {package}/"


def test_compose_keeps_the_data_on_a_named_volume():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    bot = compose["services"]["bot"]
    assert bot["build"] == "." and bot["restart"] == "unless-stopped"
    volume, _, target = bot["volumes"][0].partition(":")
    assert volume in compose["volumes"] and target == "/data"


def test_image_builds_where_a_container_engine_runs(tmp_path):
    docker = shutil.which("docker")
    engine = docker is not None and subprocess.run([docker, "info"], capture_output=True, timeout=30).returncode == 0
    if not engine:
        return  # no engine on this machine: the file checks above are what can be checked here
    built = subprocess.run(
        [docker, "build", "-q", "-t", "briefing-bot-test", str(ROOT)], capture_output=True, text=True, timeout=900
    )
    assert built.returncode == 0, built.stderr
