"""Finding events in the log by what a user knows of them: seq, messageId, userId, anonymousId or email.

An email matches the events of the workspace people with that email (their `id` as the events' userId) and the
events that carry it as `traits.email` or `context.traits.email` (identify calls, and calls of SDKs that send the
traits along). The log has no index on these (ingestion writes none): a search reads it from the newest event back
until it has `limit` matches, so a search that matches little reads the whole log (retention bounds it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, func, or_, select

from segcio import jsonutil
from segcio.pipeline.trace import SUPPRESSED_NOTE, iso, suppression_of
from segcio.store import Database
from segcio.store.tables.core import events, sources
from segcio.store.tables.workspace import ws_people
from segcio.workspace.identity import fold_email

MAX_QUERY = 400
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
SEQ_MAX = 2**63 - 1
EMAIL_PATHS = (("traits", "email"), ("context", "traits", "email"))


def search(db: Database, query: str, limit: int = DEFAULT_LIMIT) -> dict[str, Any]:
    """`{"query", "events": [newest first], "notes": [...]}`."""
    q = query.strip()[:MAX_QUERY]
    limit = max(1, min(limit, MAX_LIMIT))
    if not q:
        return {"query": q, "events": [], "notes": ["Give a seq, messageId, userId, anonymousId or email."]}
    with db.connect() as conn:
        user_ids = _user_ids_for_email(conn, q) if "@" in q else []
        rows = conn.execute(
            select(
                events.c.seq,
                events.c.source_id,
                events.c.message_id,
                events.c.type,
                events.c.user_id,
                events.c.anonymous_id,
                events.c.received_at,
                events.c.body,
            )
            .where(_matching(conn, q, user_ids))
            .order_by(events.c.seq.desc())
            .limit(limit * 4 if "@" in q else limit)
        ).all()
        summaries = (_summary(r, q, user_ids) for r in rows)
        found = [f for f in summaries if f is not None][:limit]
        notes = []
        for user_id in dict.fromkeys([q, *user_ids]):
            suppression = suppression_of(conn, user_id)
            if suppression is not None:
                notes.append(
                    f"userId {user_id!r} is suppressed since {suppression['since']} (regulation "
                    f"{suppression['regulation_id']}, {suppression['regulation_type']}). {SUPPRESSED_NOTE}"
                )
        if not found:
            oldest = conn.execute(select(func.min(events.c.received_at))).scalar()
            notes.append(
                "No event in the log matches. The log keeps events until every destination has routed them, then "
                f"for the retention period (oldest event now: {iso(oldest) or 'none'}); rejected messages are "
                "listed by `segcio events rejected`."
            )
    return {"query": q, "events": found, "notes": notes}


def _matching(conn: Connection, q: str, user_ids: list[str]) -> ColumnElement[bool]:
    message_id = events.c.message_id == q
    if conn.dialect.name == "postgresql":
        # The unique (source_id, message_id) index serves this only with the source named.
        message_id = events.c.source_id.in_(select(sources.c.id)) & message_id
    conditions = [message_id, events.c.user_id == q, events.c.anonymous_id == q]
    if q.isdigit() and int(q) <= SEQ_MAX:
        conditions.append(events.c.seq == int(q))
    if user_ids:
        conditions.append(events.c.user_id.in_(user_ids))
    if "@" in q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(events.c.body.like(f"%{escaped}%", escape="\\"))
    return or_(*conditions)


def _user_ids_for_email(conn: Connection, email: str) -> list[str]:
    """The `id` of every workspace person with this email (any workspace)."""
    key = fold_email(email)
    rows = conn.execute(
        select(ws_people.c.ext_id).where(
            or_(ws_people.c.email_key == key, ws_people.c.email == email, func.lower(ws_people.c.email) == key),
            ws_people.c.ext_id.isnot(None),
        )
    ).scalars()
    return sorted({str(r) for r in rows})


def _summary(r: Any, q: str, user_ids: list[str]) -> dict[str, Any] | None:
    message = jsonutil.loads(r.body) if r.body else {}
    message = message if isinstance(message, dict) else {}
    matched = []
    if q.isdigit() and str(r.seq) == q:
        matched.append("seq")
    if r.message_id == q:
        matched.append("messageId")
    if r.user_id == q:
        matched.append("userId")
    if r.anonymous_id == q:
        matched.append("anonymousId")
    if r.user_id in user_ids:
        matched.append("email (workspace person)")
    if "@" in q and any(_email_at(message, path) == fold_email(q) for path in EMAIL_PATHS):
        matched.append("email (traits)")
    if not matched:
        return None  # the email was elsewhere in the body
    return {
        "seq": int(r.seq),
        "source_id": int(r.source_id),
        "message_id": r.message_id,
        "type": r.type,
        "event": message.get("event") or message.get("name"),
        "user_id": r.user_id,
        "anonymous_id": r.anonymous_id,
        "received_at": iso(r.received_at),
        "matched_by": matched,
    }


def _email_at(message: dict[str, Any], path: tuple[str, ...]) -> str | None:
    value: Any = message
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return fold_email(value) if isinstance(value, str) else None
