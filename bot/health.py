"""``GET /healthz``: can the database be read, and when was data last imported."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from oversight.answers.sources import vintage_of
from oversight.settings import Settings
from oversight.store import Store


def health_check(store: Store, settings: Settings) -> tuple[bool, dict[str, object]]:
    # Each request arrives on a new thread, and the store keeps one connection per thread until
    # it is closed: so the check reads through a connection of its own, closed when it is done,
    # rather than leaving one open (two file descriptors) per check. A missing file is reported,
    # not opened, which would create an empty database in its place.
    path = Path(store.path)
    if not path.is_file():
        return False, {"database": "missing"}
    try:
        with Store(path) as probe:
            sources = vintage_of(probe, settings.clock.today(), settings).known
    except sqlite3.Error as error:
        return False, {"database": "unreadable", "error": type(error).__name__}
    last = {
        kind: (
            {"imported_at": s.imported_at.isoformat(), "stale": s.stale} if s is not None else None
        )
        for kind, s in sources.items()
    }
    return True, {"database": "readable", "last_import": last}
