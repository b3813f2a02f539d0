"""Small JSON endpoints for the pages' scripts (logged-in session + CSRF header)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from segcio.actions.trigger import TriggerError, compile_trigger
from segcio.web.session import csrf_header

router = APIRouter(dependencies=[Depends(csrf_header)])
MAX_TRIGGER = 10_000


def check_trigger(text: str) -> dict[str, Any]:
    """{"ok": true} or {"ok": false, "message", "position"} for a subscription trigger."""
    if not text.strip():
        return {
            "ok": False,
            "message": 'Enter a trigger, e.g. type = "track" and event = "Order Completed".',
            "position": 0,
        }
    if len(text) > MAX_TRIGGER:
        return {
            "ok": False,
            "message": f"The trigger is longer than {MAX_TRIGGER} characters.",
            "position": MAX_TRIGGER,
        }
    try:
        compile_trigger(text)
    except TriggerError as exc:
        return {"ok": False, "message": exc.message, "position": exc.position}
    return {"ok": True}


@router.post("/api/trigger")
async def validate_trigger(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        body = None
    text = body.get("trigger") if isinstance(body, dict) else None
    if not isinstance(text, str):
        return {"ok": False, "message": 'Send {"trigger": "<text>"}.', "position": 0}
    return check_trigger(text)
