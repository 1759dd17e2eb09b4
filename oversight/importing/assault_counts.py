"""The hospital attendances counted by month and department, as each assaults import leaves
them: attendances and knife injuries, by hour of the week, and by place. ``/violence`` and the
monthly profile read these few thousand rows rather than a year of attendances.

An import recounts each month and department its rows touched, from the attendances as they
now stand, and keeps the counts it replaces as versions (``superseded_by``), so that the
profile as of a past date reads the counts as they stood then (``oversight.figures.vintage``).

Each month touched is read twice (the departments touched in it together): for the hours of
the week, and for the places as written, counted in SQL, each distinct text then normalised
once, in Python, and the counts of the texts that are one place added up (and all of them, for
the month's counts).
"""

from __future__ import annotations

import sqlite3
from collections import Counter

from oversight.figures.assaults import KNIFE, normal_location
from oversight.figures.crime import month_after
from oversight.migrations import VERSIONED
from oversight.store import stored_columns

COUNT_TABLES = ("assault_month_counts", "assault_hour_counts", "assault_place_counts")
# SQLite's %w is 0 for Sunday: Monday is 0 here. The time of the incident, else of arrival.
_WHEN = "coalesce(incident_at, arrived_at)"
_WEEKDAY = f"(CAST(strftime('%w', {_WHEN}) AS INTEGER) + 6) % 7"
_HOUR = f"CAST(substr({_WHEN}, 12, 2) AS INTEGER)"
# The months and departments an import touched (dropped when the recount is done).
_TOUCHED = "temp.assault_touched"
# The attendances of one month (its first day, the next month's, and the month) of the
# departments touched in it.
_WITHIN = (
    "arrived_at >= ? AND arrived_at < ? AND department IN "
    f"(SELECT department FROM {_TOUCHED} WHERE month = ?)"
)
# A month's counts by hour of the week, one row a department, weekday and hour.
_HOURS = (
    f"SELECT ?, department, {_WEEKDAY}, {_HOUR}, count(*), ? FROM assaults WHERE {_WITHIN} "
    "GROUP BY 2, 3, 4"
)
# A month's attendances by department and place as written (each distinct text normalised
# after, in Python, once), with those by knife or sharp object: the month's counts are their
# sums (a department with no attendance left in the month has no row: it sent none).
_PLACES = (
    "SELECT department, incident_location, count(*), sum(means = ?) FROM assaults "
    f"WHERE {_WITHIN} GROUP BY 1, 2"
)


def adjust_assault_counts(
    conn: sqlite3.Connection, import_id: int, added: str, removed: str
) -> None:
    """Recount each month and department whose attendances this import added, changed or
    replaced (``added``, ``removed``), keeping the counts replaced. Runs inside the import's
    transaction."""
    conn.execute(f"DROP TABLE IF EXISTS {_TOUCHED}")
    conn.execute(
        f"CREATE TABLE {_TOUCHED} (month TEXT NOT NULL, department TEXT NOT NULL, "
        "PRIMARY KEY (month, department)) WITHOUT ROWID"
    )
    conn.execute(
        f"INSERT INTO {_TOUCHED} SELECT substr(arrived_at, 1, 7), department FROM {added} "
        f"UNION SELECT substr(arrived_at, 1, 7), department FROM {removed}"
    )
    months = [m for (m,) in conn.execute(f"SELECT DISTINCT month FROM {_TOUCHED} ORDER BY 1")]
    for table in COUNT_TABLES:
        columns = ", ".join(stored_columns(conn, table))
        unit = f"(month, department) IN (SELECT month, department FROM {_TOUCHED})"
        conn.execute(
            f"INSERT INTO {VERSIONED[table]} ({columns}, superseded_by) SELECT {columns}, ? "
            f"FROM {table} WHERE {unit}",
            (import_id,),
        )
        conn.execute(f"DELETE FROM {table} WHERE {unit}")
    normal: dict[str | None, str] = {}  # each text as written, normalised ('' when blank)
    for month in months:
        within = (f"{month}-01", f"{month_after(month, 1)}-01", month)
        conn.executemany(
            "INSERT INTO assault_hour_counts VALUES (?, ?, ?, ?, ?, ?)",
            conn.execute(_HOURS, (month, import_id, *within)).fetchall(),
        )
        places: Counter[tuple[str, str]] = Counter()
        attendances: Counter[str] = Counter()
        knives: Counter[str] = Counter()
        for department, text, count, knife in conn.execute(_PLACES, (KNIFE, *within)):
            if text not in normal:
                normal[text] = normal_location(text) or ""
            places[department, normal[text]] += count
            attendances[department] += count
            knives[department] += knife
        conn.executemany(
            "INSERT INTO assault_month_counts VALUES (?, ?, ?, ?, ?)",
            [(month, d, n, knives[d], import_id) for d, n in attendances.items()],
        )
        conn.executemany(
            "INSERT INTO assault_place_counts VALUES (?, ?, ?, ?, ?)",
            [(month, d, place, n, import_id) for (d, place), n in places.items()],
        )
    conn.execute(f"DROP TABLE {_TOUCHED}")
