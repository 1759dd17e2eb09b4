"""How fresh the data is: when each kind of extract was last imported, and its as-of date."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from oversight.store import Store


@dataclass(frozen=True)
class LastImport:
    kind: str
    import_id: int
    file_name: str
    imported_at: datetime
    imported_by: str | None
    extract_as_of: date | None
    rows_read: int
    age_days: int  # whole days from the import to now
    stale: bool


def freshness(
    store: Store, now: datetime, stale_after_days: int, kinds: Iterable[str]
) -> dict[str, LastImport | None]:
    """The last import of each of ``kinds`` (None for one never imported), then of any kind
    the import history holds that is not among them (a newer oversight's)."""
    result: dict[str, LastImport | None] = dict.fromkeys(kinds)
    rows = store.conn.execute(
        "SELECT kind, id, file_name, imported_at, imported_by, extract_as_of, rows_read "
        "FROM imports WHERE id IN (SELECT max(id) FROM imports GROUP BY kind)"
    )
    for kind, import_id, file_name, at, by, as_of, rows_read in rows:
        imported_at = datetime.fromisoformat(at)
        age = (now.date() - imported_at.astimezone(now.tzinfo).date()).days
        result[kind] = LastImport(
            kind=kind,
            import_id=import_id,
            file_name=file_name,
            imported_at=imported_at,
            imported_by=by,
            extract_as_of=date.fromisoformat(as_of) if as_of else None,
            rows_read=rows_read,
            age_days=age,
            stale=age > stale_after_days,
        )
    return result
