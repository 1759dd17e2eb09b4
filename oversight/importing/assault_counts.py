"""The hospital attendances counted by month and department, as each assaults import leaves
them: attendances and knife injuries, by hour of the week, and by place. ``/violence`` and the
monthly profile read these few thousand rows rather than a year of attendances.

An import recounts each month and department its rows touched, from the attendances as they
now stand, and keeps the counts it replaces as versions (``superseded_by``), so that the
profile as of a past date reads the counts as they stood then (``oversight.figures.vintage``).
"""

from __future__ import annotations

import sqlite3

from oversight.figures.assaults import KNIFE, normal_location
from oversight.figures.crime import month_after
from oversight.migrations import VERSIONED
from oversight.store import stored_columns

COUNT_TABLES = ("assault_month_counts", "assault_hour_counts", "assault_place_counts")
# SQLite's %w is 0 for Sunday: Monday is 0 here. The time of the incident, else of arrival.
_WHEN = "coalesce(incident_at, arrived_at)"
_WEEKDAY = f"(CAST(strftime('%w', {_WHEN}) AS INTEGER) + 6) % 7"
_HOUR = f"CAST(substr({_WHEN}, 12, 2) AS INTEGER)"
_RECOUNT = {
    "assault_month_counts": (
        "SELECT ?, ?, count(*), coalesce(sum(means = ?), 0), ? FROM assaults WHERE {range}",
        (KNIFE,),
    ),
    "assault_hour_counts": (
        f"SELECT ?, ?, {_WEEKDAY}, {_HOUR}, count(*), ? FROM assaults WHERE {{range}} "
        "GROUP BY 3, 4",
        (),
    ),
    "assault_place_counts": (
        "SELECT ?, ?, coalesce(normal_location(incident_location), ''), count(*), ? "
        "FROM assaults WHERE {range} GROUP BY 3",
        (),
    ),
}


def adjust_assault_counts(
    conn: sqlite3.Connection, import_id: int, added: str, removed: str
) -> None:
    """Recount each month and department whose attendances this import added, changed or
    replaced (``added``, ``removed``), keeping the counts replaced. Runs inside the import's
    transaction."""
    conn.create_function("normal_location", 1, normal_location, deterministic=True)
    touched = conn.execute(
        f"SELECT DISTINCT substr(arrived_at, 1, 7), department FROM {added} UNION "
        f"SELECT DISTINCT substr(arrived_at, 1, 7), department FROM {removed}"
    ).fetchall()
    for table in COUNT_TABLES:
        columns = ", ".join(stored_columns(conn, table))
        sql, extra = _RECOUNT[table]
        for month, department in touched:
            unit = (month, department)
            conn.execute(
                f"INSERT INTO {VERSIONED[table]} ({columns}, superseded_by) SELECT {columns}, ? "
                f"FROM {table} WHERE month = ? AND department = ?",
                (import_id, *unit),
            )
            conn.execute(f"DELETE FROM {table} WHERE month = ? AND department = ?", unit)
            within = "arrived_at >= ? AND arrived_at < ? AND department = ?"
            bounds = (f"{month}-01", f"{month_after(month, 1)}-01", department)
            rows = conn.execute(
                sql.format(range=within), (*unit, *extra, import_id, *bounds)
            ).fetchall()
            if table == "assault_month_counts" and rows[0][2] == 0:
                continue  # no attendance left in that month: no row (the department sent none)
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
