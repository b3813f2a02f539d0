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
print(json.dumps({{"code": code, "web": web, "alembic": "alembic" in sys.modules,
                  "modules": sorted(m for m in sys.modules if m.startswith("segcio.") or m.split(".")[0] in
                                    ("pydantic", "rich", "sqlalchemy"))}}), file=sys.stderr)
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


AREA_CLIS = ("segcio.delivery.cli", "segcio.destinations.cli", "segcio.ingest.cli", "segcio.pipeline.cli",
             "segcio.tools.cli", "segcio.workspace.cli")


def _imported(args: list[str], data_dir: Path | None = None) -> list[str]:
    extra = [] if data_dir is None else ["--data-dir", str(data_dir)]
    done = subprocess.run([sys.executable, "-c", WRAPPER, *args, *extra], input=json.dumps(EVENT),
                          capture_output=True, text=True, env=_env(), timeout=60)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, None), done.stderr
    modules: list[str] = report["modules"]
    return modules


def test_info_imports_no_area_cli_nor_the_cli_extras(data_dir: Path) -> None:
    """`segcio info` loads neither the other commands' modules nor what only they, help or errors need: Pydantic
    (Typer's coercion of option values) and rich."""
    modules = _imported(["info"], data_dir)
    assert [m for m in modules if m in AREA_CLIS] == []
    assert [m for m in modules if m.split(".")[0] in ("pydantic", "rich")] == []


def test_a_command_imports_only_its_own_area(data_dir: Path) -> None:
    modules = _imported(["destinations", "list"], data_dir)
    assert [m for m in modules if m in AREA_CLIS] == ["segcio.destinations.cli"]


def test_the_event_tester_without_a_database_does_not_load_the_store(tmp_path: Path) -> None:
    """Quick Setup and placeholder credentials: no database is opened, so SQLAlchemy is not loaded either."""
    modules = _imported(["test-event", "--json"], tmp_path / "none")
    assert [m for m in modules if m.split(".")[0] in ("sqlalchemy", "pydantic", "rich")] == []
    assert "segcio.store" not in modules


def test_the_lazy_table_names_what_each_area_registers() -> None:
    """segcio.cli_group knows each area's commands without importing it: its table must match `register`."""
    from segcio.cli_group import AREA_COMMANDS, AREA_GROUPS, registered

    for table, kind in ((AREA_COMMANDS, "commands"), (AREA_GROUPS, "groups")):
        for module in {modules[0] for modules in table.values()}:
            area = registered(module)
            names = ([c.name for c in area.registered_commands] if kind == "commands"
                     else [g.name for g in area.registered_groups])
            assert sorted(names) == sorted(n for n, m in table.items() if m[0] == module), module


def test_help_lists_every_command() -> None:
    from typer.testing import CliRunner

    from segcio.cli import app
    from segcio.cli_group import AREA_COMMANDS, AREA_GROUPS

    done = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert done.exit_code == 0
    for name in ["serve", "info", "db", *AREA_COMMANDS, *AREA_GROUPS]:
        assert f" {name} " in done.output, name
