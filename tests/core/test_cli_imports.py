"""Commands that do not serve start without the web stack: importing FastAPI, Starlette, uvicorn, Jinja and the
app's routes costs most of a second of every command's start-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

WEB_PACKAGES = {"fastapi", "starlette", "uvicorn", "jinja2"}
WEB_MODULES = ("segcio.app", "segcio.web")

# Runs `segcio ARGS...` in this interpreter, then prints the web modules it imported (as JSON, on stderr's last
# line, after anything the command itself wrote).
WRAPPER = f"""
import json, runpy, sys
sys.argv = ["segcio", *sys.argv[1:]]
try:
    runpy.run_module("segcio", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
else:
    code = 0
web = sorted(m for m in sys.modules if m.split(".")[0] in {sorted(WEB_PACKAGES)!r}
             or m == "segcio.app" or m.startswith({WEB_MODULES!r}))
print(json.dumps({{"code": code, "web": web, "alembic": "alembic" in sys.modules}}), file=sys.stderr)
"""

EVENT = {"type": "track", "event": "Signed Up", "userId": "u1", "messageId": "m1",
         "timestamp": "2026-01-01T00:00:00Z", "properties": {"plan": "pro"}}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli-imports") / "data"
    subprocess.run([sys.executable, "-m", "segcio", "info", "--data-dir", str(path)], check=True,
                   capture_output=True, env=_env())
    return path


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEGCIO_")}
    env["SEGCIO_LOG_LEVEL"] = "warning"
    return env


COMMANDS = [
    ["info"],
    ["info", "--json"],
    ["test-event", "--json"],
    ["destinations", "list"],
    ["destinations", "subscriptions"],
    ["people", "export", "--csv", "PEOPLE_CSV"],
    ["dlq", "list"],
    ["events", "tail"],
    ["events", "failed"],
    ["workspace", "list"],
    ["regulations", "list"],
    ["delivery", "status"],
    ["db", "upgrade"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: " ".join(args))
def test_command_does_not_import_the_web_stack(data_dir: Path, args: list[str]) -> None:
    args = [str(data_dir.parent / "people.csv") if arg == "PEOPLE_CSV" else arg for arg in args]
    done = subprocess.run([sys.executable, "-c", WRAPPER, *args, "--data-dir", str(data_dir)],
                          input=json.dumps(EVENT), capture_output=True, text=True, env=_env(), timeout=60)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, None), done.stderr
    assert report["web"] == [], f"segcio {' '.join(args)} imported the web stack"


def test_a_database_at_the_newest_schema_is_opened_without_alembic(data_dir: Path) -> None:
    """Alembic is loaded to migrate, not to find out that there is nothing to migrate."""
    done = subprocess.run([sys.executable, "-c", WRAPPER, "info", "--data-dir", str(data_dir)], capture_output=True,
                          text=True, env=_env(), timeout=60)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, None), done.stderr
    assert report["alembic"] is False


def test_help_does_not_import_the_web_stack() -> None:
    done = subprocess.run([sys.executable, "-c", WRAPPER, "--help"], capture_output=True, text=True, env=_env(),
                          timeout=60)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert "serve" in done.stdout
    assert report["web"] == []
