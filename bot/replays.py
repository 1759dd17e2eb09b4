"""Replays: a request Slack (or someone who copied it) sends again is answered once.

A signed request is valid for five minutes either side of its timestamp, so a copy of it
(the same signature and timestamp) would pass Bolt's check again: the guard remembers each
signature until its timestamp is past Slack's window, and acknowledges a second copy without
answering it. Slack retries an Events API delivery it thinks failed (``X-Slack-Retry-Num``),
newly signed each time, with the same ``event_id``, up to three times within about six minutes:
event IDs are remembered for ten. Every replay is audited with the outcome ``replay``.

Kept in memory, in this one process: the bot runs one process (see the README), so every
request passes through the same guard.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import datetime

from slack_bolt import BoltRequest, BoltResponse

from oversight.audit import AuditEntry

SIGNATURE_WINDOW_SECONDS = 5 * 60  # Bolt refuses a timestamp further than this from now
EVENT_WINDOW_SECONDS = 10 * 60  # past Slack's last retry of an event
MAX_REMEMBERED = 100_000  # far more than Slack sends in ten minutes; memory stays bounded
_WORD = re.compile(r"[A-Za-z0-9_.-]{1,40}")
_SIGNATURE = re.compile(r"v[0-9]+=[0-9a-f]{1,128}")


class Remembered:
    """Keys seen, each until a time (``time.time()``), at most ``limit`` of them."""

    def __init__(self, limit: int = MAX_REMEMBERED, clock: Callable[[], float] = time.time) -> None:
        self._until: dict[object, float] = {}
        self._limit = limit
        self._clock = clock
        self._lock = threading.Lock()

    def first_time(self, key: object, until: float) -> bool:
        """True the first time ``key`` is seen (it is then remembered until ``until``)."""
        now = self._clock()
        with self._lock:
            seen = self._until.get(key)
            if seen is not None and seen > now:
                return False
            if len(self._until) >= self._limit:
                self._forget(now)
            self._until[key] = until
            return True

    def _forget(self, now: float) -> None:
        for key in [k for k, until in self._until.items() if until <= now]:
            del self._until[key]
        while len(self._until) >= self._limit:  # all still live: the oldest go
            del self._until[next(iter(self._until))]


class ReplayGuard:
    """A Bolt middleware (after Bolt has verified the signature): a replay is acknowledged with
    200 and audited, and goes no further."""

    def __init__(
        self,
        audit: Callable[[AuditEntry], None],
        now: Callable[[], datetime],
        remembered: Remembered | None = None,
    ) -> None:
        self.audit = audit
        self.now = now
        self.remembered = remembered or Remembered()

    def __call__(
        self, req: BoltRequest, resp: BoltResponse, next: Callable[[], None]
    ) -> BoltResponse:
        detail = self.replayed(req)
        if detail is None:
            next()
            return resp
        self.audit(_entry(req.body, self.now(), detail))
        return BoltResponse(status=200, body="")

    def replayed(self, req: BoltRequest) -> str | None:
        """Why ``req`` is a replay, or None when it is the first of its kind."""
        body = req.body if isinstance(req.body, dict) else {}
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            until = time.time() + EVENT_WINDOW_SECONDS
            if self.remembered.first_time(("event", str(event_id)), until):
                return None
            tries = _header(req, "x-slack-retry-num")
            reason = _header(req, "x-slack-retry-reason")
            retry = f"Slack's retry {tries} ({reason or 'no reason given'})" if tries else "a copy"
            return f"{retry} of an event already handled"
        signature = _header(req, "x-slack-signature", _SIGNATURE)
        timestamp = _header(req, "x-slack-request-timestamp")
        if not signature or not timestamp or not timestamp.isdecimal():
            return None  # Socket Mode: Slack's own connection, no signature to copy
        until = int(timestamp) + SIGNATURE_WINDOW_SECONDS
        if self.remembered.first_time(("signed", signature, timestamp), until):
            return None
        return "the same signed request (signature and timestamp) was received before"


def _header(req: BoltRequest, name: str, shape: re.Pattern[str] = _WORD) -> str | None:
    """A header's value, if it has the expected shape (it may go into the audit log)."""
    values = req.headers.get(name) or []
    value = values[0] if values else None
    return value if value is not None and shape.fullmatch(value) else None


def _entry(body: dict[str, object], at: datetime, detail: str) -> AuditEntry:
    event = body.get("event") if isinstance(body.get("event"), dict) else None
    if event is not None:
        kind = str(event.get("type", "unknown"))
        return AuditEntry(
            at=at,
            user_id=_text(event.get("user")),
            channel_id=_text(event.get("channel")),
            command=f"event:{kind}",
            text=None,  # an event's text is a message someone wrote: not kept
            outcome="replay",
            detail=detail,
        )
    if body.get("type") == "block_actions":  # a click: who, where, which button
        user = body.get("user") if isinstance(body.get("user"), dict) else {}
        channel = body.get("channel") if isinstance(body.get("channel"), dict) else {}
        actions = body.get("actions") if isinstance(body.get("actions"), list) else []
        action = actions[0] if actions and isinstance(actions[0], dict) else {}
        name = _text(action.get("action_id"))
        return AuditEntry(
            at=at,
            user_id=_text(user.get("id")),
            channel_id=_text(channel.get("id")),
            command=f"button:{(name or 'unknown').split('-')[0]}",
            text=None,
            outcome="replay",
            detail=detail,
        )
    return AuditEntry(
        at=at,
        user_id=_text(body.get("user_id")),
        channel_id=_text(body.get("channel_id")),
        command=_text(body.get("command")),
        text=_text(body.get("text")),
        outcome="replay",
        detail=detail,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
