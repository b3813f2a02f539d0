"""How the test suite behaves in CI (`CI=true`): deterministic property tests, and no silent skips.

* Hypothesis profiles: "ci" (loaded when `CI=true`) draws the same examples on every run, never shrinks and
  never uses the example database, so a run passes or fails for a reason and a failure is reported within the
  test's time (with a blob to reproduce it); "dev" (the default) draws new examples and shrinks failures;
  "long" (`SEGCIO_HYPOTHESIS_PROFILE=long`) multiplies every test's example count for long local runs.
* `missing(reason)`: a test that needs a component that is not installed (Node, the reference, Chromium,
  PostgreSQL ...) skips locally and fails in CI, with the same message saying what is missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import NoReturn

import pytest
from hypothesis import Phase, settings

PROFILE_VARIABLE = "SEGCIO_HYPOTHESIS_PROFILE"
LONG_FACTOR_VARIABLE = "SEGCIO_HYPOTHESIS_LONG_FACTOR"
LONG_FACTOR = 20


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


def missing(reason: str) -> NoReturn:
    """Skip the test for a missing component, except in CI, where everything must be installed."""
    if in_ci():
        pytest.fail(f"CI=true and a component is missing: {reason}", pytrace=False)
    pytest.skip(reason)


def profile_name() -> str:
    return os.environ.get(PROFILE_VARIABLE) or ("ci" if in_ci() else "dev")


def examples(count: int) -> int:
    """A test's number of examples: as written, times the long factor under the "long" profile."""
    if profile_name() == "long":
        return count * int(os.environ.get(LONG_FACTOR_VARIABLE) or LONG_FACTOR)
    return count


def load_hypothesis_profile() -> None:
    settings.register_profile("dev", deadline=None, print_blob=True)
    settings.register_profile(
        "ci", deadline=None, print_blob=True, derandomize=True, database=None,
        phases=(Phase.explicit, Phase.generate),
    )
    settings.register_profile("long", deadline=None, print_blob=True, max_examples=LONG_FACTOR * 100)
    settings.load_profile(profile_name())


def check_ci_determinism(items: Iterable[pytest.Item]) -> None:
    """Under CI, refuse to run a property test whose own settings undo the "ci" profile (random examples,
    shrinking or the example database), so that no test can make CI pass or fail by chance."""
    if profile_name() != "ci":
        return
    offenders = []
    for item in items:
        chosen = getattr(getattr(item, "obj", None), "_hypothesis_internal_use_settings", None)
        if chosen is not None and (not chosen.derandomize or Phase.shrink in chosen.phases or chosen.database):
            offenders.append(item.nodeid)
    if offenders:
        raise pytest.UsageError(
            "property tests whose settings override the deterministic CI profile (derandomize=True, no shrink "
            "phase, no database; see tests/ci.py): " + ", ".join(sorted(set(offenders)))
        )
