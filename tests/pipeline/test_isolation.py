"""A passing database failure is not the event's fault: the step is retried whole, nothing is parked."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from segcio import jsonutil
from segcio.bootstrap import ensure_defaults
from segcio.pipeline import isolation
from segcio.pipeline.router import Router
from segcio.store import Database
from segcio.store.tables.routing import cursors, failed_events
from segcio.store.tables.workspace import ws_people
from tests.pipeline.test_router import _ingest, _route_until_idle


def _locked(*_args: Any) -> None:
    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorcode = 5  # type: ignore[attr-defined]
    raise OperationalError("INSERT ...", {}, busy)


def test_a_locked_database_fails_the_step_and_parks_nothing(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    ensure_defaults(db)
    _ingest(db, 1, ["a", "b", "c"])
    router = Router(db)
    with monkeypatch.context() as patch:
        patch.setattr(isolation, "deliver", _locked)
        with pytest.raises(OperationalError):
            router.step()
    with db.connect() as conn:
        assert conn.execute(select(failed_events.c.id)).all() == []
        assert {int(p) for p in conn.execute(select(cursors.c.position)).scalars()} == {0}

    _route_until_idle(router)
    with db.connect() as conn:
        assert {row.ext_id for row in conn.execute(select(ws_people.c.ext_id))} == {"a", "b", "c"}
        assert conn.execute(select(failed_events.c.id)).all() == []


def test_a_step_that_keeps_failing_logs_one_traceback_not_one_per_retry(
    db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from segcio.pipeline.worker import RoutingWorker

    worker = RoutingWorker(db)
    attempts: list[int] = []

    def failing_step() -> int:
        attempts.append(1)
        if len(attempts) >= 5:
            worker.request_stop()
        _locked()
        return 0

    monkeypatch.setattr(RoutingWorker, "ERROR_SLEEP", 0.0)
    monkeypatch.setattr(worker.router, "step", failing_step)
    with caplog.at_level("ERROR", logger="segcio.pipeline.worker"):
        worker.run_forever()
    assert len(attempts) == 5
    logged = [r.getMessage() for r in caplog.records]
    assert logged.count("routing step failed; retrying every 0 s until it passes") == 1, logged


def test_an_unexpected_error_translating_one_event_parks_it_with_its_type(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only our "this operation is invalid" errors become a failed delivery; any other exception (here a bare
    ValueError, as a bug in a translation would raise) parks its event with the type in the reason, and the
    others are applied."""
    from segcio.pipeline import deliver

    real = deliver.operations_for

    def buggy(request: Any, *, email_identifiers: bool) -> list[dict[str, Any]]:
        if '"b"' in jsonutil.dumps(request.json):
            raise ValueError("invalid literal for int() with base 10: 'x'")
        return real(request, email_identifiers=email_identifiers)

    ensure_defaults(db)
    _ingest(db, 1, ["a", "b", "c"])
    monkeypatch.setattr(deliver, "operations_for", buggy)
    _route_until_idle(Router(db))
    with db.connect() as conn:
        assert {row.ext_id for row in conn.execute(select(ws_people.c.ext_id))} == {"a", "c"}
        parked = conn.execute(select(failed_events.c.person_key, failed_events.c.reason)).all()
    assert [(key, reason) for key, reason in parked] == [
        ("b", "ValueError: invalid literal for int() with base 10: 'x'")
    ]
