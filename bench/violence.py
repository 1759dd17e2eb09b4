"""The violence profile at national scale: target 8's street-level store plus generated hospital
assault attendances (ISTV) imported beside the sqlite3 shell's ``.import`` of the same file,
``/violence`` answered on that store, and its map drawn.

The attendances are 24 months (January 2018 to December 2019) from twelve emergency departments,
each row's arrival a random minute, so nearly every row differs from every other (as a real
extract's do): no pool of repeated lines, unlike the street files.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from bench.children import ChildRun, oversight_command, oversight_env, remove_database, run
from bench.crime import FORCES, street_folder
from bench.targets import ANSWER_SETTINGS

MIB = 1 << 20
ANSWER_MS_TARGET = 200
IMPORT_RATIO_TARGET = 3.0
MAP_S_TARGET = 2.0
VERSION = 1
DEPARTMENTS = 12
FIRST = datetime(2018, 1, 1)
MINUTES = 730 * 24 * 60  # two years of arrivals
AS_OF = "2020-01-10"  # the December extract's date
HEADER = "attendance_ref,department,arrived_at,incident_at,incident_location,means,age_band,sex\n"
MEANS = ("fist", "kick", "Body part", "knife", "blade", "bottle", "bat", "Other", "Unknown")
PLACES = ("Home", "Street", "Pub / bar", "Nightclub", "Town centre", "Park", "Shop", "", "")
AGES = ("0-17", "18-24", "25-34", "35-44", "45-54", "55+")


def assaults_csv(directory: Path, rows: int, seed: int = 22) -> Path:
    """The generated extract of ``rows`` attendances, written once and kept."""
    path = directory / f"assaults-{rows}-seed{seed}-v{VERSION}.csv"
    if path.exists():
        return path
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    partial = path.with_name(path.name + ".partial")
    minutes = sorted(rng.randrange(MINUTES) for _ in range(rows))
    with partial.open("w", encoding="utf-8", newline="") as file:
        file.write(HEADER)
        lines = []
        for i, minute in enumerate(minutes):
            arrived = FIRST + timedelta(minutes=minute)
            incident = arrived - timedelta(minutes=rng.randint(10, 90))
            known = "" if rng.random() < 0.12 else f"{incident:%Y-%m-%d %H:%M}"
            lines.append(
                f"ED{i % DEPARTMENTS:02d}/{i:08d},Emergency department {i % DEPARTMENTS},"
                f"{arrived:%Y-%m-%d %H:%M},{known},{rng.choice(PLACES)},{rng.choice(MEANS)},"
                f"{rng.choice(AGES)},{'MF'[rng.random() < 0.28]}\n"
            )
            if len(lines) == 50_000:
                file.write("".join(lines))
                lines = []
        file.write("".join(lines))
    os.replace(partial, path)
    return path


def crime_store(data: Path, crime_rows: int, log) -> Path:
    """Target 8's store of ``crime_rows`` street-level rows, built once and kept."""
    db = data / f"violence-crime-{crime_rows}-v{VERSION}.db"
    if db.exists():
        return db
    folder = street_folder(data, crime_rows)
    partial = db.with_name(db.name + ".partial")
    remove_database(partial)
    log(f"  building the store of {crime_rows:,} street-level rows (kept in {data})")
    args = [*oversight_command(), "--db", str(partial), "import", "crimes", str(folder)]
    run([*args, "--by", "bench", "--as-of", "2019-12-31"], cwd=data, env=oversight_env()).check()
    os.replace(partial, db)
    return db


def _import(csv: Path, db: Path) -> ChildRun:
    args = [*oversight_command(), "--db", str(db), "import", "assaults", str(csv)]
    return run([*args, "--by", "bench", "--as-of", AS_OF], cwd=db.parent, env=oversight_env())


def _shell_import(csv: Path, db: Path) -> ChildRun:
    remove_database(db)
    sqlite3 = shutil.which("sqlite3") or "/usr/bin/sqlite3"
    result = run([sqlite3, str(db), "-cmd", ".mode csv", f".import {csv} t"], cwd=db.parent)
    if result.check().stderr.strip():
        raise RuntimeError(f"sqlite3 .import complained:\n{result.stderr[-2000:]}")
    return result


def _speed(runs: list[ChildRun], rows: int) -> dict[str, object]:
    wall = statistics.median(r.wall_s for r in runs)
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(statistics.median(r.cpu_s for r in runs), 3),
        "rows_per_s": round(rows / wall),
        "max_rss_mib": round(max(r.max_rss_bytes for r in runs) / MIB, 1),
        "runs_wall_s": [round(r.wall_s, 3) for r in runs],
    }


def violence_target(
    data: Path, work: Path, crime_rows: int, rows: int, runs: int, repeat: int, log
) -> dict[str, object]:
    """The import against the shell's (median of ``repeat``, alternating), each into a copy of
    the crime store; then ``/violence`` (median of ``runs``) and the map on the last copy."""
    log(f"  generating {rows:,} hospital attendances (cached in {data})")
    csv = assaults_csv(data, rows)
    base = crime_store(data, crime_rows, log)
    db, shell_db = work / "violence.db", work / "violence-shell.db"
    ours, shell = [], []
    for i in range(repeat):
        log(f"  sqlite3 .import of {rows:,} rows ({i + 1} of {repeat})")
        shell.append(_shell_import(csv, shell_db))
        log(f"      {shell[-1].wall_s:.2f} s")
        remove_database(db)
        shutil.copyfile(base, db)  # the store of target 8, untouched by the earlier runs
        log(f"  oversight import assaults of {rows:,} rows into the crime store")
        ours.append(_import(csv, db).check())
        log(f"      {ours[-1].wall_s:.2f} s, max RSS {ours[-1].max_rss_bytes / MIB:.0f} MiB")
    remove_database(shell_db)
    answer = _answer_times(db, runs)
    log(f"  /violence: median {answer['median_ms']:.2f} ms")
    drawn = _map_times(db, 3)
    log(f"  the map: median {drawn['median_s']:.2f} s")
    mine, theirs = _speed(ours, rows), _speed(shell, rows)
    ratio = round(mine["wall_s"] / theirs["wall_s"], 2)  # type: ignore[operator]
    result = {
        "rows": rows,
        "crime_rows": crime_rows,
        "oversight": mine,
        "sqlite3": theirs,
        "ratio": ratio,
        "answer": answer,
        "map": drawn,
        "database_mib": round(db.stat().st_size / MIB, 1),
        "output": ours[-1].stdout.strip(),
    }
    result["met"] = (
        ratio <= IMPORT_RATIO_TARGET
        and answer["median_ms"] < ANSWER_MS_TARGET
        and drawn["median_s"] < MAP_S_TARGET
    )
    remove_database(db)
    return result


def _answer(store):
    from oversight.answers import answer, parse_command
    from oversight.clock import LONDON

    settings = replace(ANSWER_SETTINGS, force=FORCES[0])  # OVERSIGHT_FORCE
    now = datetime(2020, 1, 15, 9, tzinfo=LONDON)
    return answer(store, parse_command(f"/violence as of {date(2020, 1, 15)}"), now, settings)


def _answer_times(db: Path, runs: int) -> dict[str, object]:
    from oversight.store import open_store

    times = []
    with open_store(db) as store:
        for _ in range(runs):
            start = time.perf_counter()
            result = _answer(store)
            times.append((time.perf_counter() - start) * 1000)
    assert result.police.month == "2019-12" and result.hospital.month == "2019-12"
    times.sort()
    return {
        "runs": runs,
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
        "hospital_last_12": result.hospital.last_12,
        "neighbourhoods": len(result.police.places),
    }


def _map_times(db: Path, runs: int) -> dict[str, object]:
    """The map drawn from the answer (matplotlib already imported), ``runs`` times."""
    import matplotlib.figure  # noqa: F401  (imported before the timing, as in the bot)

    from oversight.render.violence_files import violence_map
    from oversight.store import open_store

    with open_store(db) as store:
        result = _answer(store)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        png = violence_map(result)
        times.append(time.perf_counter() - start)
    return {
        "runs": runs,
        "median_s": round(statistics.median(times), 3),
        "first_s": round(times[0], 3),
        "png_kib": round(len(png) / 1024),
        "points": len(result.police.places),
    }


def violence_rows(v: dict[str, object]) -> list[tuple[str, str, str, str]]:
    """The results table's rows for this target."""

    def speed(s: dict) -> str:
        return f"{s['wall_s']:.2f} s ({s['rows_per_s']:,}/s), max RSS {s['max_rss_mib']:.0f} MiB"

    answer, drawn = v["answer"], v["map"]
    return [
        (
            f"12. oversight import assaults, {v['rows']:,} rows, into the crime store",
            speed(v["oversight"]),
            "",
            "",
        ),
        ("   sqlite3 .import of the same CSV", speed(v["sqlite3"]), "", ""),
        (
            "   ratio (wall, medians)",
            f"{v['ratio']:.1f}x",
            f"<= {IMPORT_RATIO_TARGET:g}x",
            "yes" if v["ratio"] <= IMPORT_RATIO_TARGET else "NO",
        ),
        (
            f"   answer(/violence), {v['crime_rows']:,} street rows",
            f"median {answer['median_ms']:.2f} ms, p95 {answer['p95_ms']:.2f} ms",
            f"< {ANSWER_MS_TARGET} ms",
            "yes" if answer["median_ms"] < ANSWER_MS_TARGET else "NO",
        ),
        (
            f"   the map drawn ({drawn['points']:,} neighbourhoods)",
            f"median {drawn['median_s']:.2f} s (first {drawn['first_s']:.2f} s)",
            f"< {MAP_S_TARGET:g} s",
            "yes" if drawn["median_s"] < MAP_S_TARGET else "NO",
        ),
    ]
