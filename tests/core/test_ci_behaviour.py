"""The suite's CI behaviour (tests/ci.py), checked by running pytest itself on a small test file: under
`CI=true` a missing component fails the run and property tests draw the same examples every time without
shrinking; locally a missing component skips."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CONFTEST = """
from tests.ci import check_ci_determinism, load_hypothesis_profile

load_hypothesis_profile()


def pytest_collection_modifyitems(items):
    check_ci_determinism(items)
"""
RANDOM_TEST = """
from hypothesis import given, settings, strategies as st


@settings(derandomize=False)
@given(st.integers())
def test_random(n):
    pass
"""

TESTS = """
from pathlib import Path

from hypothesis import given, settings, strategies as st

from tests.ci import missing

DRAWS = Path(__file__).with_name("draws.txt")


def test_needs_a_widget():
    missing("the widget is not installed: run `install-widget`")


@settings(max_examples=30)
@given(st.integers(0, 10**9))
def test_small_numbers(n):
    with DRAWS.open("a") as out:
        out.write(f"{n}\\n")
    assert n < 10**6
"""


def _run_pytest(directory: Path, *, ci: bool) -> tuple[int, str, list[int]]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "SEGCIO_HYPOTHESIS_PROFILE")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    if ci:
        env["CI"] = "true"
    draws = directory / "draws.txt"
    draws.unlink(missing_ok=True)
    draws.touch()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rfs", "-p", "no:cacheprovider", "-p", "no:xdist", str(directory)],
        cwd=directory, env=env, capture_output=True, text=True, timeout=120,
    )
    return done.returncode, done.stdout + done.stderr, [int(line) for line in draws.read_text().split()]


def _project(tmp_path: Path) -> Path:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_sample.py").write_text(TESTS)
    return tmp_path


def test_a_missing_component_fails_in_ci_and_skips_locally(tmp_path: Path) -> None:
    project = _project(tmp_path)
    code, output, _ = _run_pytest(project, ci=True)
    assert code == 1, output
    assert "FAILED test_sample.py::test_needs_a_widget" in output
    assert "CI=true and a component is missing: the widget is not installed: run `install-widget`" in output

    code, output, _ = _run_pytest(project, ci=False)
    assert "1 skipped" in output, output
    assert "the widget is not installed: run `install-widget`" in output
    assert "FAILED test_sample.py::test_needs_a_widget" not in output


def test_property_tests_in_ci_draw_the_same_examples_and_report_the_first_failure(tmp_path: Path) -> None:
    project = _project(tmp_path)
    _, first_output, first = _run_pytest(project, ci=True)
    _, _, second = _run_pytest(project, ci=True)
    assert first == second
    failing = [n for n in first if n >= 10**6]
    assert failing, first_output
    # No shrinking: after the first failing example only its replay for the report, and that example is shown.
    assert len(first) - first.index(failing[0]) <= 2, first
    assert f"n={failing[0]}" in first_output
    assert "@reproduce_failure" in first_output

    _, _, local = _run_pytest(project, ci=False)
    assert local != first
    assert min(n for n in local if n >= 10**6) == 10**6  # locally, failures are shrunk to the boundary


def test_ci_refuses_a_property_test_that_asks_for_random_examples(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "test_random.py").write_text(RANDOM_TEST)
    code, output, _ = _run_pytest(project, ci=True)
    assert code == 4, output  # a usage error: nothing runs
    assert "override the deterministic CI profile" in output
    assert "test_random.py::test_random" in output
