"""Recorded crime at national scale: street-level files imported beside the sqlite3 shell's
``.import`` of the same files, peak memory, and ``/crime`` answered on that store.

The files are data.police.uk's layout: 12 monthly files (several forces, a few months each)
totalling ``rows`` rows. Each force's rows are drawn from a pool of distinct lines (types,
neighbourhoods, coordinates), so millions of rows take seconds to write.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import time
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from bench.children import ChildRun, oversight_command, oversight_env, remove_database, run
from bench.targets import ANSWER_SETTINGS

MIB = 1 << 20
FORCES = ("Greater Manchester Police", "West Yorkshire Police", "Merseyside Police", "Kent Police")
MONTHS = ("2019-10", "2019-11", "2019-12")
LSOAS_PER_FORCE = 1_700
AUTHORITIES_PER_FORCE = 10  # 170 neighbourhoods each, about a city's (Manchester has 282)
POOL = 4_096
MEMORY_TARGET = 1 << 30
ANSWER_MS_TARGET = 100
VERSION = 2  # 2: neighbourhoods in local authorities


def street_folder(directory: Path, rows: int, seed: int = 12) -> Path:
    """The folder of 12 generated month files (4 forces × 3 months), written once."""
    from oversight.extracts.street_format import CRIME_TYPES, STREET_HEADER, force_slug

    folder = directory / f"street-{rows}-seed{seed}-v{VERSION}"
    if folder.exists():
        return folder
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    rng = random.Random(seed)
    types = list(CRIME_TYPES[:14])
    per_file = rows // (len(FORCES) * len(MONTHS))
    for f_index, force in enumerate(FORCES):
        lsoas = [
            (
                f"E01{f_index:02d}{i:04d}",
                f"{_authority(force, i)} {i // 4:03d}{'ABCD'[i % 4]}",
            )
            for i in range(LSOAS_PER_FORCE)
        ]
        for month in MONTHS:
            pool = []
            for _ in range(POOL):
                crime_type = rng.choice(types)
                if rng.random() < 0.015:
                    place = ",,No Location,,"
                else:
                    code, name = rng.choice(lsoas)
                    lon, lat = -2.9 + rng.random() * 2, 51.2 + rng.random() * 2.5
                    place = f"{lon:.6f},{lat:.6f},On or near High Street,{code},{name}"
                outcome = "" if crime_type == types[0] else "Under investigation"
                pool.append(f"{month},{force},{force},{place},{crime_type},{outcome},\n")
            path = partial / month / f"{month}-{force_slug(force)}-street.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            picks = rng.choices(pool, k=per_file)
            with path.open("w", encoding="utf-8", newline="") as file:
                file.write(",".join(STREET_HEADER) + "\n")
                base = f_index << 40 | MONTHS.index(month) << 32
                file.write("".join(f"{base + i:064x},{line}" for i, line in enumerate(picks)))
    os.replace(partial, folder)
    return folder


def _authority(force: str, lsoa: int) -> str:
    """The local authority of a force's ``lsoa``-th neighbourhood: "Greater District 3"."""
    return f"{force.split()[0]} District {lsoa % AUTHORITIES_PER_FORCE}"


def _shell_import(folder: Path, db: Path) -> ChildRun:
    remove_database(db)
    sqlite3 = shutil.which("sqlite3") or "/usr/bin/sqlite3"
    files = sorted(folder.rglob("*-street.csv"))
    commands = ["-cmd", ".mode csv", "-cmd", f".import {files[0]} t"]
    for path in files[1:]:
        commands += ["-cmd", f".import --skip 1 {path} t"]
    result = run([sqlite3, str(db), *commands, "SELECT count(*) FROM t"], cwd=db.parent).check()
    if result.stderr.strip():
        raise RuntimeError(f"sqlite3 .import complained:\n{result.stderr[-2000:]}")
    return result


def _import(folder: Path, db: Path) -> ChildRun:
    remove_database(db)
    # As downloaded once December 2019 was published, so that /crime as of 31 December 2019
    # knows the files (an answer reads the extracts taken by its date).
    args = [*oversight_command(), "--db", str(db), "import", "crimes", str(folder), "--by", "bench"]
    args += ["--as-of", "2019-12-31"]
    return run(args, cwd=db.parent, env=oversight_env()).check()


def _speed(child: ChildRun, rows: int) -> dict[str, object]:
    return {
        "wall_s": round(child.wall_s, 3),
        "cpu_s": round(child.cpu_s, 3),
        "rows_per_s": round(rows / child.wall_s),
        "max_rss_mib": round(child.max_rss_bytes / MIB, 1),
    }


def crime_import(data: Path, work: Path, rows: int, runs: int, log) -> dict[str, object]:
    """Import the street files, then the shell's .import of them; then /crime on the store."""
    log(f"  generating {rows:,} street-level rows in 12 month files (cached in {data})")
    folder = street_folder(data, rows)
    rows = sum(sum(1 for _ in p.open(encoding="utf-8")) - 1 for p in folder.rglob("*-street.csv"))
    db = work / "crime.db"
    shell_db = work / "crime-shell.db"
    log(f"  sqlite3 .import of {rows:,} rows")
    shell = _shell_import(folder, shell_db)
    log(f"      {shell.wall_s:.2f} s")
    shell_mib = shell_db.stat().st_size / MIB
    remove_database(shell_db)
    log(f"  oversight import crimes of {rows:,} rows")
    ours = _import(folder, db)
    log(f"      {ours.wall_s:.2f} s, max RSS {ours.max_rss_bytes / MIB:.0f} MiB")
    answer = _answer_times(db, runs)
    log(f"  /crime: median {answer['median_ms']:.2f} ms")
    area = _answer_times(db, runs, f"/crime area {_authority(FORCES[0], 3)}")
    log(f"  /crime for a local authority: median {area['median_ms']:.2f} ms")
    sizes = _table_sizes(db)
    result = {
        "rows": rows,
        "oversight": _speed(ours, rows),
        "sqlite3": _speed(shell, rows),
        "ratio": round(ours.wall_s / shell.wall_s, 2),
        "database_mib": round(db.stat().st_size / MIB, 1),
        "shell_database_mib": round(shell_mib, 1),
        "max_rss_mib": round(ours.max_rss_bytes / MIB, 1),
        "answer": answer,
        "area_answer": area,
        "table_mib": sizes,
        "output": ours.stdout.strip(),
    }
    result["met"] = (
        ours.wall_s <= shell.wall_s
        and ours.max_rss_bytes < MEMORY_TARGET
        and answer["median_ms"] < ANSWER_MS_TARGET
        and area["median_ms"] < ANSWER_MS_TARGET
    )
    remove_database(db)
    return result


def _table_sizes(db: Path) -> dict[str, float]:
    """Each table's size with its indexes, in MiB (SQLite's dbstat)."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        try:
            rows = conn.execute(
                "SELECT coalesce(m.tbl_name, d.name), SUM(d.pgsize) FROM dbstat d "
                "LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1 ORDER BY 2 DESC"
            ).fetchall()
        except sqlite3.OperationalError:  # a SQLite built without dbstat
            return {}
    conn.close()
    return {name: round(size / MIB, 1) for name, size in rows if size >= MIB // 10}


def _answer_times(db: Path, runs: int, typed: str = "/crime") -> dict[str, object]:
    from oversight.answers import answer, parse_command
    from oversight.clock import LONDON
    from oversight.store import open_store

    settings = replace(ANSWER_SETTINGS, force=FORCES[0])  # OVERSIGHT_FORCE
    now = datetime(2020, 1, 15, 9, tzinfo=LONDON)
    times = []
    with open_store(db) as store:
        for _ in range(runs):
            start = time.perf_counter()
            result = answer(store, parse_command(f"{typed} as of 2019-12-31"), now, settings)
            times.append((time.perf_counter() - start) * 1000)
    assert result.crime.month == "2019-12", result.crime.note
    times.sort()
    return {
        "runs": runs,
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
        "as_of": date(2019, 12, 31).isoformat(),
        "asked": typed,
    }
