"""The remote sender: delivers one destination's outbox to the Customer.io Track API.

Each round: take the lease, read ready rows, group them (batching.py), send the requests concurrently under
the rate limit (each authenticated at send time by the injected `authenticate`), and record each request's
outcome (delivered, retry later, dead letter) as soon as it is answered, under the lease. After a crash only
the requests left without an answer are sent again, and a person's later requests never go before the re-sent
one (they were in no request of that round).
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import httpx
import sqlalchemy as sa

from segcio import metrics
from segcio.delivery import log as dlog
from segcio.delivery.batching import Unit, batch_body, plan_round
from segcio.delivery.dlq import Burial, bury, delete_outbox_rows
from segcio.delivery.lease import hold_lease, release_lease, take_lease
from segcio.delivery.outbox import OutboxRow, fetch_ready, next_due_at
from segcio.delivery.ratelimit import RateLimiter
from segcio.delivery.retry import backoff_delay, give_up_reason, is_retryable_status, parse_retry_after
from segcio.delivery.settings import DeliverySettings
from segcio.jsonutil import dumps, loads
from segcio.store import Database
from segcio.store.tables.delivery import outbox

log = logging.getLogger(__name__)

# A round holds at most ROUND_SECONDS' worth of requests at the rate limit (the lease is renewed while it runs).
ROUND_SECONDS = 10.0
# Renewals per lease length while a round runs: two may fail (a slow database) before the lease runs out.
RENEWALS_PER_LEASE = 3
# Longest pause of all sending on one Retry-After (longer ones still delay the refused requests themselves).
MAX_PAUSE_SECONDS = 30.0
IDLE_POLL_SECONDS = 0.5

# The headers that authenticate a request to a destination (given its id), from its current settings: the
# layer that owns destinations provides it, so delivery needs no destination-specific code and stores no
# credentials.
Authenticate = Callable[[int], Mapping[str, str]]


@dataclass
class RoundStats:
    requests: int = 0
    delivered: int = 0
    retried: int = 0
    dead_lettered: int = 0
    leased: bool = True


@dataclass
class _Retry:
    row: OutboxRow
    error: str
    status: int | None
    retry_after: float | None


@dataclass
class _Results:
    """What one request learnt (or a round, of its oversize items), recorded in one transaction."""

    delivered: list[int] = field(default_factory=list)
    retries: list[_Retry] = field(default_factory=list)
    dead: list[Burial] = field(default_factory=list)
    entries: list[dlog.LogEntry] = field(default_factory=list)

    def take(self) -> _Results:
        """What was learnt so far (to record it now); this one starts empty again."""
        taken = _Results(self.delivered, self.retries, self.dead, self.entries)
        self.delivered, self.retries, self.dead, self.entries = [], [], [], []
        return taken


@dataclass
class _Reply:
    status: int | None  # None: no response (timeout, connection error)
    text: str
    retry_after: float | None
    duration_ms: float


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class _LeaseLost(Exception):
    """This sender no longer surely holds the lease: it must send nothing more (another may have taken over)."""


class RemoteSender:
    """Delivers the outbox of one destination. `run_once()` is one round (for tests); `start()` runs rounds
    in a thread of its own until `stop()`. `lease_seconds`: how long the lease outlives a sender that stopped
    renewing it (a crash), i.e. how soon another process takes its work over."""

    def __init__(
        self,
        db: Database,
        destination_id: int,
        settings: Mapping[str, Any] | DeliverySettings | None = None,
        *,
        authenticate: Authenticate,
        lease_seconds: float,
        fetch_limit: int = 5000,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.destination_id = destination_id
        self.authenticate = authenticate
        self.lease_seconds = lease_seconds
        self.settings = settings if isinstance(settings, DeliverySettings) else DeliverySettings.from_settings(settings)
        self.fetch_limit = fetch_limit
        self.owner = f"sender-{uuid.uuid4().hex[:12]}"
        self.limiter = RateLimiter(self.settings.rate_limit)
        self._rng = rng or random.Random()
        self._label = str(destination_id)
        self._client: httpx.AsyncClient | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        # Set by a 429/503 carrying Retry-After: the service asked this sender as a whole to hold off.
        self._paused_until = 0.0
        # Until when this sender surely holds the lease (by its last renewal), and whether a renewal found it
        # taken over: past that time, or once lost, nothing more is sent (the next holder sends it).
        self._lease_until = 0.0
        self._lease_lost = False

    # ---- one round -------------------------------------------------------------------------------------------

    async def run_once(self) -> RoundStats:
        """Send what is ready now (one round). Returns what happened."""
        if self._client is not None:
            return await self._round(self._client)
        async with self._new_client() as client:
            return await self._round(client)

    def _new_client(self) -> httpx.AsyncClient:
        limits = httpx.Limits(
            max_connections=self.settings.concurrency, max_keepalive_connections=self.settings.concurrency
        )
        return httpx.AsyncClient(timeout=self.settings.request_timeout, limits=limits, follow_redirects=False)

    async def _round(self, client: httpx.AsyncClient) -> RoundStats:
        now = time.time()
        leased = await asyncio.to_thread(take_lease, self.db, self.destination_id, self.owner, self.lease_seconds, now)
        if not leased:
            return RoundStats(leased=False)
        self._lease_until, self._lease_lost = now + self.lease_seconds, False
        rows = await asyncio.to_thread(self._fetch, now)
        if not rows:
            return RoundStats()
        stats = RoundStats()
        keeper = asyncio.create_task(self._keep_lease())
        try:
            auth = dict(await asyncio.to_thread(self.authenticate, self.destination_id))
            await self._send_round(client, rows, auth, stats)
        finally:
            keeper.cancel()
        if stats.requests:
            await asyncio.to_thread(self._prune_log)
        return stats

    async def _keep_lease(self) -> None:
        """Renew the lease while a round runs (it may outlast the lease: timeouts, Retry-After pauses)."""
        while True:
            await asyncio.sleep(self.lease_seconds / RENEWALS_PER_LEASE)
            now = time.time()
            try:
                held = await asyncio.to_thread(
                    take_lease, self.db, self.destination_id, self.owner, self.lease_seconds, now
                )
            except Exception:
                log.exception("could not renew the delivery lease of destination %s", self.destination_id)
                continue
            if not held:
                self._lease_lost = True
                return
            self._lease_until = now + self.lease_seconds

    async def _send_round(
        self, client: httpx.AsyncClient, rows: list[OutboxRow], auth: dict[str, str], stats: RoundStats
    ) -> None:
        s = self.settings
        max_units = max(1, min(s.concurrency * 4, int(s.rate_limit * ROUND_SECONDS)))
        plan = plan_round(rows, s.max_batch_bytes, s.max_item_bytes, max_units=max_units)
        oversize = _Results()
        for row in plan.oversize:
            size = len(row.body.encode()) if row.body else 0
            oversize.dead.append(
                Burial(
                    row,
                    f"request body is {size} bytes; Customer.io accepts at most {s.max_item_bytes} bytes per"
                    " operation (reduce the attributes sent)",
                    None,
                    None,
                    row.attempts,
                )
            )
        if oversize.dead:
            await asyncio.to_thread(self._apply, oversize, stats)
        semaphore = asyncio.Semaphore(s.concurrency)

        async def run(unit: Unit) -> None:
            async with semaphore:
                results = _Results()
                try:
                    await self._send_unit(client, unit, auth, results, stats)
                except _LeaseLost:
                    return  # its rows stay in the outbox, untouched, for the lease's next holder
                # Recorded before the slot is given up: whatever is answered is never sent again.
                await asyncio.to_thread(self._apply, results, stats)

        await asyncio.gather(*(run(u) for u in plan.units))

    def _fetch(self, now: float) -> list[OutboxRow]:
        with self.db.connect() as conn:
            return fetch_ready(conn, self.destination_id, now, self.fetch_limit)

    # ---- HTTP ------------------------------------------------------------------------------------------------

    async def _request(
        self, client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str], content: bytes | None
    ) -> _Reply:
        while (pause := self._paused_until - time.monotonic()) > 0:
            await asyncio.sleep(min(pause, MAX_PAUSE_SECONDS))
        started = time.monotonic()
        try:
            async with self.limiter.slot():
                started = time.monotonic()
                if self._lease_lost or time.time() >= self._lease_until:
                    raise _LeaseLost
                response = await client.request(method, url, headers=headers, content=content)
        except httpx.TimeoutException as exc:
            return _Reply(
                None,
                f"timeout after {self.settings.request_timeout:g} s ({type(exc).__name__})",
                None,
                (time.monotonic() - started) * 1000,
            )
        except httpx.TransportError as exc:
            return _Reply(
                None, f"connection error: {type(exc).__name__}: {exc}", None, (time.monotonic() - started) * 1000
            )
        retry_after = parse_retry_after(response.headers.get("retry-after"), time.time())
        if retry_after and response.status_code in (429, 503):
            until = time.monotonic() + min(retry_after, MAX_PAUSE_SECONDS)
            self._paused_until = max(self._paused_until, until)
        return _Reply(response.status_code, response.text, retry_after, (time.monotonic() - started) * 1000)

    async def _send_unit(
        self, client: httpx.AsyncClient, unit: Unit, auth: dict[str, str], results: _Results, stats: RoundStats
    ) -> None:
        headers: dict[str, str] = {**loads(unit.rows[0].headers), **auth}
        if unit.batched:
            await self._send_batch(client, unit.rows, unit.bodies, unit.url, headers, results, stats)
            return
        row, content = unit.rows[0], unit.content()
        reply = await self._request(client, row.method, row.url, headers, content)
        self._log(results, unit.rows, row.method, row.url, content, reply, self._settle_all(unit.rows, reply, results))

    async def _send_batch(
        self,
        client: httpx.AsyncClient,
        rows: list[OutboxRow],
        bodies: list[bytes],
        url: str,
        headers: dict[str, str],
        results: _Results,
        stats: RoundStats,
    ) -> set[str]:
        """Send one batch (halving it while it is refused as a whole); returns the people whose rows in it are
        to be retried."""
        content = batch_body(bodies)
        reply = await self._request(client, "POST", url, headers, content)
        if reply.status in (400, 413) and len(rows) > 1:
            # The whole batch was refused because of something in it: halve it to find the culprit(s); halves
            # go one after the other so each person's order holds.
            self._log(results, rows, "POST", url, content, reply, "split")
            mid = len(rows) // 2
            held = await self._send_batch(client, rows[:mid], bodies[:mid], url, headers, results, stats)
            await asyncio.to_thread(self._apply, results.take(), stats)  # answered: never sent again
            # People whose rows in the first half must be retried keep their later rows back (left untouched,
            # those stay in the outbox behind the retrying one).
            rest = [
                (row, body) for row, body in zip(rows[mid:], bodies[mid:], strict=True) if row.person_key not in held
            ]
            if rest:
                held |= await self._send_batch(
                    client, [row for row, _ in rest], [body for _, body in rest], url, headers, results, stats
                )
            return held
        retrying = len(results.retries)
        if reply.status is not None and 200 <= reply.status < 300:
            failed = item_errors(reply.text, len(rows))
            for index, row in enumerate(rows):
                if index in failed:
                    results.dead.append(Burial(row, failed[index], reply.status, reply.text, row.attempts + 1))
                else:
                    results.delivered.append(row.id)
            outcome = "partial" if failed else "delivered"
        else:
            outcome = self._settle_all(rows, reply, results)
        self._log(results, rows, "POST", url, content, reply, outcome)
        return {r.row.person_key for r in results.retries[retrying:]}

    def _settle_all(self, rows: list[OutboxRow], reply: _Reply, results: _Results) -> str:
        """Outcome for rows that share one plain (non-207) response."""
        status = reply.status
        if status is not None and 200 <= status < 300:
            results.delivered.extend(r.id for r in rows)
            return "delivered"
        if status is None or is_retryable_status(status):
            error = reply.text if status is None else f"HTTP {status} {_reason_phrase(status)}".strip()
            results.retries.extend(_Retry(r, error, status, reply.retry_after) for r in rows)
            return "retry"
        reason = f"HTTP {status} {_reason_phrase(status)}".strip()
        if 300 <= status < 400:
            reason += " (redirected: check the destination's accountRegion)"
        elif status in (401, 403):
            reason += " (check the destination's siteId and apiKey)"
        detail = _error_message(reply.text)
        if detail:
            reason += f": {detail}"
        results.dead.extend(Burial(r, reason, status, reply.text, r.attempts + 1) for r in rows)
        return "dead_letter"

    def _log(
        self,
        results: _Results,
        rows: list[OutboxRow],
        method: str,
        url: str,
        content: bytes | None,
        reply: _Reply,
        outcome: str,
    ) -> None:
        single = len(rows) == 1
        person_keys = dlog.people([r.person_key for r in rows])
        request = dlog.summary(content) if single else f"batch of {len(rows)} operations, {len(content or b'')} bytes"
        results.entries.append(
            dlog.LogEntry(
                destination_id=self.destination_id,
                outcome=outcome,
                created_at=time.time(),
                method=method,
                url=url,
                status=reply.status,
                items=len(rows),
                duration_ms=round(reply.duration_ms, 2),
                person_key=rows[0].person_key if person_keys is None else None,
                event_seq=rows[0].event_seq if single else None,
                event_seqs=None if single else dumps([row.event_seq for row in rows]),
                request_summary=request,
                response_summary=dlog.summary(reply.text),
                person_keys=person_keys,
            )
        )
        metrics.delivery_requests.labels(self._label, outcome).inc()

    # ---- recording outcomes ----------------------------------------------------------------------------------

    def _apply(self, results: _Results, stats: RoundStats) -> None:
        now = time.time()
        updates: list[dict[str, Any]] = []
        dead = list(results.dead)
        for r in results.retries:
            attempts = r.row.attempts + 1
            first = r.row.first_attempt_at if r.row.first_attempt_at is not None else now
            delay = backoff_delay(self.settings, attempts, r.retry_after, self._rng)
            gave_up = give_up_reason(self.settings, attempts, first, delay, now)
            if gave_up:
                dead.append(Burial(r.row, f"{gave_up}; last error: {r.error}", r.status, None, attempts))
            else:
                updates.append({"rid": r.row.id, "a": attempts, "n": now + delay, "f": first, "e": r.error})
        with self.db.begin() as conn:
            if not hold_lease(conn, self.destination_id, self.owner, self.lease_seconds, now):
                log.warning(
                    "destination %s: delivery lease taken over mid-round; %d answered request(s) left to the new"
                    " holder",
                    self.destination_id,
                    len(results.entries),
                )
                return
            delete_outbox_rows(conn, results.delivered)
            if updates:
                conn.execute(
                    outbox.update()
                    .where(outbox.c.id == sa.bindparam("rid"))
                    .values(
                        attempts=sa.bindparam("a"),
                        next_attempt_at=sa.bindparam("n"),
                        first_attempt_at=sa.bindparam("f"),
                        last_error=sa.bindparam("e"),
                    ),
                    updates,
                )
            bury(conn, self.destination_id, dead, now)
            dlog.write(conn, results.entries)
        stats.requests += len(results.entries)
        stats.delivered += len(results.delivered)
        stats.retried += len(updates)
        stats.dead_lettered += len(dead)
        metrics.delivery_items_delivered.labels(self._label).inc(len(results.delivered))
        metrics.delivery_retries.labels(self._label).inc(len(updates))
        metrics.delivery_dead_lettered.labels(self._label).inc(len(dead))

    def _prune_log(self) -> None:
        with self.db.begin() as conn:
            dlog.prune(conn, self.destination_id, self.settings.log_size)

    # ---- running -----------------------------------------------------------------------------------------------

    async def drain(self, timeout: float = 60.0) -> None:
        """Run rounds until the destination's outbox is empty (waiting out backoffs); for tests and benchmarks."""
        deadline = time.monotonic() + timeout
        async with self._new_client() as client:
            try:
                while time.monotonic() < deadline:
                    stats = await self._round(client)
                    if stats.requests or stats.dead_lettered:
                        continue
                    due = await asyncio.to_thread(self._next_due)
                    if due is None:
                        return
                    pause = min(max(0.0, due - time.time()), IDLE_POLL_SECONDS, deadline - time.monotonic())
                    await asyncio.sleep(pause)
            finally:
                await asyncio.to_thread(release_lease, self.db, self.destination_id, self.owner)
        raise TimeoutError(f"outbox of destination {self.destination_id} not empty after {timeout:g} s")

    def _next_due(self) -> float | None:
        with self.db.connect() as conn:
            return next_due_at(conn, self.destination_id)

    async def run_forever(self) -> None:
        async with self._new_client() as client:
            self._client = client
            try:
                while not self._stopping.is_set():
                    try:
                        stats = await self._round(client)
                    except Exception:
                        log.exception("delivery round failed for destination %s", self.destination_id)
                        stats = RoundStats(requests=0)
                    if stats.requests == 0 and stats.dead_lettered == 0:
                        await asyncio.sleep(IDLE_POLL_SECONDS)
            finally:
                self._client = None
                await asyncio.to_thread(release_lease, self.db, self.destination_id, self.owner)

    def start(self) -> None:
        """Deliver in a background thread (with its own event loop) until `stop()`."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self.run_forever()), name=f"segcio-sender-{self.destination_id}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Finish the current round and stop."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


def item_errors(text: str, count: int) -> dict[int, str]:
    """Per-item failures of a 207 (or 200) batch response: {batch_index: reason}."""
    if not text or "errors" not in text:
        return {}
    try:
        body = loads(text)
    except ValueError:
        return {}
    errors = body.get("errors") if isinstance(body, dict) else None
    out: dict[int, str] = {}
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, dict):
            continue
        index = error.get("batch_index")
        if isinstance(index, int) and 0 <= index < count:
            parts = [str(error[k]) for k in ("reason", "field") if error.get(k)]
            message = str(error.get("message") or "")
            label = " ".join(parts) or "rejected"
            out[index] = f"{label}: {message}" if message else label
    return out


def _error_message(text: str) -> str:
    """The human part of a Customer.io error body (v2 `errors[]`, v1 `meta.error(s)`), else its start."""
    try:
        body = loads(text) if text else None
    except ValueError:
        return dlog.summary(text, 200) or ""
    if isinstance(body, dict):
        if isinstance(body.get("errors"), list):
            return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in body["errors"])
        meta = body.get("meta")
        if isinstance(meta, dict):
            if meta.get("error"):
                return str(meta["error"])
            if isinstance(meta.get("errors"), list):
                return "; ".join(str(e) for e in meta["errors"])
    return dlog.summary(text, 200) or ""
