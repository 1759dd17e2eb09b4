"""The audit log: every request to the bot, allowed or refused, with who, where and what."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime

from oversight.clock import LONDON
from oversight.store import Store

COLUMNS = ("at", "user_id", "channel_id", "command", "text", "outcome", "detail")


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    user_id: str | None
    channel_id: str | None
    command: str | None
    text: str | None
    outcome: str  # answered, shared, refused, usage, error; removed (oversight crimes remove)
    detail: str | None


def record(store: Store, entry: AuditEntry) -> None:
    with store.write() as conn:
        insert(conn, entry)


def insert(conn: sqlite3.Connection, entry: AuditEntry) -> None:
    """Write ``entry`` in the write transaction under way (with the change it records)."""
    values = [getattr(entry, c) for c in COLUMNS]
    # Stored in UTC so that text order is time order across the clock changes.
    values[0] = entry.at.astimezone(UTC).isoformat(timespec="seconds")
    placeholders = ", ".join("?" * len(COLUMNS))
    conn.execute(f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES ({placeholders})", values)


def entries(store: Store, since: date | None = None) -> list[AuditEntry]:
    """Entries from the start of ``since`` (Europe/London), oldest first."""
    sql = f"SELECT {', '.join(COLUMNS)} FROM audit_log"
    params: list[object] = []
    if since is not None:
        start = datetime(since.year, since.month, since.day, tzinfo=LONDON)
        sql += " WHERE at >= ?"
        params.append(start.astimezone(UTC).isoformat(timespec="seconds"))
    rows = store.conn.execute(sql + " ORDER BY id", params)
    return [AuditEntry(datetime.fromisoformat(at).astimezone(LONDON), *rest) for at, *rest in rows]
