"""The digest ledger: a (job, period) is claimed in a transaction before anything is posted.

A restart, a second scheduler or a manual send in the same period finds the claim (or the
record of the sent message) and posts nothing more. A failed post releases its claim so the
job can try again; a claim left by a process that died expires with its lease, or at once
when its owner is known to be dead on this machine.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from oversight.clock import LONDON
from oversight.store import Store

LEASE = timedelta(minutes=15)


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class LedgerEntry:
    job: str
    period: str
    state: str
    owner: str | None
    claimed_at: datetime | None
    attempts: int
    channel: str | None
    message_ts: str | None
    sent_at: datetime | None
    last_error: str | None
    snapshot: str | None
    # What a digest said when it was sent: its answer model as JSON, and as text (README:
    # "Published figures"). None for other jobs, and for digests sent before they were kept.
    figures: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class Claim:
    """The outcome of trying to claim a period: ``granted``, or why not."""

    granted: bool
    entry: LedgerEntry | None
    reason: str


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(LONDON) if text else None


_COLUMNS = (
    "job, period, state, owner, claimed_at, attempts, channel, message_ts, sent_at, last_error, "
    "snapshot, figures, text"
)


def _entry(row: tuple) -> LedgerEntry:
    job, period, state, owner, claimed, attempts, channel, ts, sent, error, snapshot, *kept = row
    return LedgerEntry(
        job,
        period,
        state,
        owner,
        _moment(claimed),
        attempts,
        channel,
        ts,
        _moment(sent),
        error,
        snapshot,
        *kept,
    )


def _owner_is_dead(owner: str | None) -> bool:
    """True when the owner ran on this machine and its process is gone."""
    if not owner or ":" not in owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def claim(store: Store, job: str, period: str, now: datetime, owner: str | None = None) -> Claim:
    """Claim (job, period) for ``owner`` (this process), in one write transaction.

    Granted when nothing holds it: never sent, released after a failure, or claimed by a
    process whose lease ran out or that is known to be gone. Refused, with the reason in words,
    when it was already sent or another live process is sending it. Exactly once rests on this.
    """
    owner = owner or this_process()
    with store.write() as conn:
        row = conn.execute(
            "SELECT state, owner, lease_until, message_ts, sent_at FROM digest_ledger "
            "WHERE job = ? AND period = ?",
            (job, period),
        ).fetchone()
        if row is not None:
            state, holder, lease_until, ts, sent_at = row
            if state == "sent":
                sent = _moment(sent_at)
                return Claim(
                    False,
                    get(store, job, period),
                    f"already sent on {sent:%d %b %Y at %H:%M} (ts {ts})",
                )
            lease_live = lease_until and datetime.fromisoformat(lease_until) > now
            if state == "claimed" and lease_live and not _owner_is_dead(holder):
                return Claim(False, get(store, job, period), f"being sent now by {holder}")
        conn.execute(
            "INSERT INTO digest_ledger (job, period, state, owner, claimed_at, lease_until, "
            "attempts) VALUES (?, ?, 'claimed', ?, ?, ?, 1) ON CONFLICT (job, period) DO UPDATE "
            "SET state = 'claimed', owner = excluded.owner, claimed_at = excluded.claimed_at, "
            "lease_until = excluded.lease_until, attempts = attempts + 1",
            (job, period, owner, _text(now), _text(now + LEASE)),
        )
    return Claim(True, get(store, job, period), "claimed")


def mark_sent(
    store: Store,
    job: str,
    period: str,
    now: datetime,
    channel: str,
    message_ts: str,
    snapshot: str | None = None,
    owner: str | None = None,
    figures: str | None = None,
    text: str | None = None,
) -> None:
    """Record the message as sent, with what it said (``figures`` as JSON, ``text``), in the
    same transaction: a sent digest is never without its figures."""
    with store.write() as conn:
        conn.execute(
            "UPDATE digest_ledger SET state = 'sent', channel = ?, message_ts = ?, sent_at = ?, "
            "snapshot = ?, figures = ?, text = ?, last_error = NULL "
            "WHERE job = ? AND period = ? AND owner = ?",
            (
                channel,
                message_ts,
                _text(now),
                snapshot,
                figures,
                text,
                job,
                period,
                owner or this_process(),
            ),
        )


def mark_posted(
    store: Store, job: str, period: str, channel: str, message_ts: str, owner: str | None = None
) -> None:
    """The message is in Slack: a retry after this only finishes the uploads, never reposts."""
    with store.write() as conn:
        conn.execute(
            "UPDATE digest_ledger SET channel = ?, message_ts = ? "
            "WHERE job = ? AND period = ? AND owner = ?",
            (channel, message_ts, job, period, owner or this_process()),
        )


def release(store: Store, job: str, period: str, error: str, owner: str | None = None) -> None:
    """Give up a claim after a failed post, so that a later try may claim it again."""
    with store.write() as conn:
        conn.execute(
            "UPDATE digest_ledger SET state = 'released', lease_until = NULL, last_error = ? "
            "WHERE job = ? AND period = ? AND owner = ? AND state = 'claimed'",
            (error, job, period, owner or this_process()),
        )


def get(store: Store, job: str, period: str) -> LedgerEntry | None:
    row = store.conn.execute(
        f"SELECT {_COLUMNS} FROM digest_ledger WHERE job = ? AND period = ?", (job, period)
    ).fetchone()
    return _entry(row) if row else None


def sent(store: Store, job: str, period: str) -> LedgerEntry | None:
    """The entry of ``job`` for ``period`` if it was sent; None if it was not (yet)."""
    entry = get(store, job, period)
    return entry if entry is not None and entry.state == "sent" else None


def history(store: Store, job: str | None = None) -> list[LedgerEntry]:
    sql = f"SELECT {_COLUMNS} FROM digest_ledger"
    params: tuple = ()
    if job:
        sql += " WHERE job = ?"
        params = (job,)
    return [_entry(r) for r in store.conn.execute(sql + " ORDER BY claimed_at, job", params)]


def last_sent(store: Store, job: str, before_period: str) -> LedgerEntry | None:
    row = store.conn.execute(
        f"SELECT {_COLUMNS} FROM digest_ledger WHERE job = ? AND state = 'sent' AND period < ? "
        "ORDER BY period DESC LIMIT 1",
        (job, before_period),
    ).fetchone()
    return _entry(row) if row else None
