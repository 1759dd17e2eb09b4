"""The counts an assaults import keeps (month, hour of the week, place), against a count made
here from the attendances stored: after a first import, and after a second that changes rows
(another department, month, means or place, written in other cases and punctuation), moves
every attendance of one department out of a month, and adds new ones. The counts the second
replaced are kept as versions: with the counts it left alone, they are the first's counts."""

from __future__ import annotations

import csv
import random
import re
import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from tests.support.cli import invoke, succeeded
from tests.support.violence import ISTV_HEADER

DEPARTMENTS = ("Manchester Royal Infirmary", "Salford Royal", "Small Walk-in Centre")
PLACES = ("Outside the Crown", "outside  the CROWN!", "Pub / bar", "pub bar", "Home", "home.",
          "", "  ", "café", "CAFÉ", "Ｐａｒｋ", "park", "!!", "Street", "Town centre")  # fmt: skip
MEANS = ("knife", "fist", "bottle", "blunt object", "kick", "stab")
TABLES = {
    "assault_month_counts": "month, department, attendances, knife",
    "assault_hour_counts": "month, department, weekday, hour, attendances",
    "assault_place_counts": "month, department, place, attendances",
}


def _rows(rng: random.Random, first: int, n: int) -> list[list[str]]:
    rows = []
    for k in range(first, first + n):
        day = date(2020, rng.randint(1, 6), rng.randint(1, 28))
        arrived = f"{day} {rng.randint(1, 23):02d}:{rng.randint(0, 59):02d}"
        incident = "" if rng.random() < 0.3 else f"{day} 00:{rng.randint(0, 59):02d}"
        rows.append([f"R-{k}", rng.choice(DEPARTMENTS), arrived, incident, rng.choice(PLACES),
                     rng.choice(MEANS), "18-24", "F"])  # fmt: skip
    return rows


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([ISTV_HEADER, *rows])
    return path


def _kept(db: Path) -> dict[str, Counter]:
    """Each count table as the import left it (without import_id)."""
    with sqlite3.connect(db) as conn:
        return {
            t: Counter(conn.execute(f"SELECT {c} FROM {t}").fetchall()) for t, c in TABLES.items()
        }


def _counted(db: Path) -> dict[str, Counter]:
    """The same counts, made here from the attendances stored."""
    months, hours, places = Counter(), Counter(), Counter()
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT department, arrived_at, incident_at, incident_location, means FROM assaults"
        ).fetchall()
    for department, arrived, incident, location, means in rows:
        unit = (arrived[:7], department)
        when = incident or arrived
        months[unit] += 1
        months[(*unit, "knife")] += means == "knife or sharp object"
        weekday = date.fromisoformat(when[:10]).weekday()
        hours[(*unit, weekday, int(when[11:13]))] += 1
        # Lower case, punctuation as spaces, spaces as one: written out here again.
        place = " ".join(re.sub(r"[^\w\s]+", " ", (location or "").lower()).split())
        places[(*unit, place)] += 1
    return {
        "assault_month_counts": Counter(
            {(*u, n, months[(*u, "knife")]): 1 for u, n in months.items() if len(u) == 2}
        ),
        "assault_hour_counts": Counter({(*k, n): 1 for k, n in hours.items()}),
        "assault_place_counts": Counter({(*k, n): 1 for k, n in places.items()}),
    }


def test_the_counts_kept_are_the_attendances_counted_after_each_import(
    runner: CliRunner, tmp_path: Path
):
    rng = random.Random(22)
    first = _rows(rng, 0, 1500)
    for row in first[:500]:  # kept by the second import (not in it): none in March at Salford
        if row[1] == "Salford Royal" and row[2].startswith("2020-03"):
            row[2], row[3] = "2020-02" + row[2][7:], ""
    second = [list(r) for r in first[500:]] + _rows(rng, 1500, 300)
    for row in second[:600]:
        change = rng.randrange(4)
        if change == 0:
            row[1] = rng.choice(DEPARTMENTS)
        elif change == 1:
            row[2], row[3] = f"2020-0{rng.randint(1, 6)}-{row[2][8:]}", ""
        elif change == 2:
            row[5] = rng.choice(MEANS)
        else:
            row[4] = rng.choice(PLACES).upper()
    # Every attendance of Salford Royal in March moves to April: March has none left.
    for row in second:
        if row[1] == "Salford Royal" and row[2].startswith("2020-03"):
            row[2], row[3] = "2020-04" + row[2][7:], ""
    assert any(r[1] == "Salford Royal" and r[2].startswith("2020-03") for r in first[500:])
    db = tmp_path / "oversight.db"
    env = {"OVERSIGHT_NOW": "2020-07-10T18:00"}
    succeeded(invoke(runner, "import", "assaults", str(_write(tmp_path / "a.csv", first)),
                     "--as-of", "2020-07-01", env=env))  # fmt: skip
    after_first = _kept(db)
    assert after_first == _counted(db)
    assert len(after_first["assault_place_counts"]) > 100
    succeeded(invoke(runner, "import", "assaults", str(_write(tmp_path / "b.csv", second)),
                     "--as-of", "2020-07-01", env=env))  # fmt: skip
    assert _kept(db) == _counted(db)
    assert ("2020-03", "Salford Royal") not in {k[:2] for k in _kept(db)["assault_month_counts"]}
    # The counts as the first import left them: those the second left alone, and those it
    # replaced, kept as versions.
    with sqlite3.connect(db) as conn:
        for table, columns in TABLES.items():
            versions = table.replace("counts", "count_versions")
            then = Counter(conn.execute(
                f"SELECT {columns} FROM {table} WHERE import_id = 1 UNION ALL "
                f"SELECT {columns} FROM {versions} WHERE import_id = 1 AND superseded_by = 2"
            ).fetchall())  # fmt: skip
            assert then == after_first[table], table
