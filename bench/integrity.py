"""Target 6: what reconciling a case extract with the store costs, and ``/integrity``'s speed.

The realistic weekly case: the store already holds last week's extract (the store from target
1), and this week's extract has lost records and undone reviews. The same import runs twice on
copies of that store, in this process, alternating: with the kind's reconciliation, and with it
switched off; the ratio is what reconciliation adds. Then ``/integrity`` is answered on the
store with the findings.
"""

from __future__ import annotations

import dataclasses
import shutil
import statistics
import time
from datetime import date, datetime
from pathlib import Path

from bench.children import remove_database
from bench.targets import ANSWER_SETTINGS, Log

LOST_EVERY = 200  # one row in LOST_EVERY is missing from this week's extract
UNDONE_EVERY = 97  # and one reviewed row in UNDONE_EVERY is outstanding again


def next_week_csv(last_week: Path) -> tuple[Path, int, int]:
    """This week's extract: last week's with rows lost and reviews undone (cached)."""
    path = last_week.with_name(last_week.stem + f"-next-{LOST_EVERY}-{UNDONE_EVERY}.csv")
    lost = undone = reviewed = 0
    if path.exists():
        return path, *_counts(last_week)
    partial = path.with_suffix(".partial")
    with last_week.open(encoding="utf-8") as source, partial.open("w", encoding="utf-8") as out:
        out.write(source.readline())
        for n, line in enumerate(source):
            if n % LOST_EVERY == LOST_EVERY - 1:
                lost += 1
                continue
            cells = line.rstrip("\n").split(",")
            if cells[4] == "reviewed":
                reviewed += 1
                if reviewed % UNDONE_EVERY == 0:
                    undone += 1
                    cells[4:9] = ["outstanding", "", "", "", ""]
            out.write(",".join(cells) + "\n")
    partial.replace(path)
    return path, lost, undone


def _counts(last_week: Path) -> tuple[int, int]:
    lost = undone = reviewed = 0
    with last_week.open(encoding="utf-8") as source:
        source.readline()
        for n, line in enumerate(source):
            if n % LOST_EVERY == LOST_EVERY - 1:
                lost += 1
            elif line.split(",")[4] == "reviewed":
                reviewed += 1
                undone += reviewed % UNDONE_EVERY == 0
    return lost, undone


def _import(store_path: Path, csv: Path, reconcile: bool) -> tuple[float, float, int]:
    """One import of ``csv`` into the store at ``store_path``: wall and CPU seconds, findings."""
    from oversight.clock import LONDON
    from oversight.importing.kinds import KINDS, import_extract
    from oversight.store import open_store

    kind = KINDS["cases"]
    if not reconcile:
        kind = dataclasses.replace(kind, reconcile=None)
    with open_store(store_path) as store:
        wall, cpu = time.perf_counter(), time.process_time()
        result = import_extract(
            store,
            kind,
            csv,
            extract_as_of=date(2020, 6, 30),
            imported_by="bench",
            imported_at=datetime(2020, 7, 7, 9, tzinfo=LONDON),
        )
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall, cpu, sum(c.count for c in result.findings)


def reconciliation(
    last_week_csv: Path, last_week_store: Path, repeat: int, runs: int, log: Log
) -> dict[str, object]:
    csv, lost, undone = next_week_csv(last_week_csv)
    work = last_week_store.parent
    timings: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    findings = 0
    for attempt in range(1, repeat + 1):
        for reconcile in (False, True):
            copy = work / f"reconcile-{reconcile}.db"
            remove_database(copy)
            shutil.copyfile(last_week_store, copy)
            label = "with" if reconcile else "without"
            log(f"  [{attempt}/{repeat}] this week's import {label} reconciliation")
            wall, cpu, found = _import(copy, csv, reconcile)
            timings[reconcile].append((wall, cpu))
            if reconcile:
                findings = found
                kept = copy
            else:
                remove_database(copy)
    with_wall = statistics.median(w for w, _ in timings[True])
    without_wall = statistics.median(w for w, _ in timings[False])
    with_cpu = statistics.median(c for _, c in timings[True])
    without_cpu = statistics.median(c for _, c in timings[False])
    log(f"  reconciliation: {with_wall:.2f} s against {without_wall:.2f} s ({findings:,} findings)")
    answer = _integrity_answer(kept, runs)
    remove_database(kept)
    ratio = with_wall / without_wall
    return {
        "lost": lost,
        "undone": undone,
        "findings": findings,
        "with_s": round(with_wall, 2),
        "without_s": round(without_wall, 2),
        "with_cpu_s": round(with_cpu, 2),
        "without_cpu_s": round(without_cpu, 2),
        "added": round(ratio - 1, 3),
        "cpu_added": round(with_cpu / without_cpu - 1, 3),
        "target": "reconciliation adds at most 20% to the import",
        "met": ratio <= 1.2,
        "integrity": answer,
    }


def _integrity_answer(store_path: Path, runs: int) -> dict[str, object]:
    from oversight.answers import answer, parse_command
    from oversight.clock import LONDON
    from oversight.store import open_store

    now = datetime(2020, 7, 7, 18, tzinfo=LONDON)
    with open_store(store_path) as store:
        query = parse_command(f"/integrity as of {date(2020, 7, 7).isoformat()}")
        result = answer(store, query, now, ANSWER_SETTINGS)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            answer(store, query, now, ANSWER_SETTINGS)
            times.append((time.perf_counter() - started) * 1000)
        rows = store.conn.execute("SELECT count(*) FROM case_reviews").fetchone()[0]
    median = statistics.median(times)
    return {
        "rows": rows,
        "findings": result.integrity.total,
        "median_ms": round(median, 2),
        "target": "under 100 ms",
        "met": median < 100,
    }
