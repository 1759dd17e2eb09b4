"""Target 11: a year of weekly extracts, every version kept.

The first week's extract is :func:`bench.generate.cases_csv`'s file; each later week's is made
from the one before, just before it is imported (and the one before is deleted, so that the
year's files are never all on disk): a fresh 2% of the records change (reviews completed in
that week, started, newly needed, undone, re-dated or their referral sent: each record's change
follows from its state) and a different 0.5% are missing from the file (last week's missing
ones come back as they were). Extracts are taken on 52 consecutive Tuesdays from 2020-07-07 and
imported that day (``--as-of``, and ``OVERSIGHT_NOW`` the morning of it).

Each week the sqlite3 shell's ``.import`` of the same file is timed beside ``oversight import
cases`` (the shell first, into an empty file), as ratios. After the year: the store's size
against its size after the first week (the file and its WAL after a checkpoint, no VACUUM), the
versions kept, ``/backlog`` as of each week's date (each on a fresh connection: its first
answer builds the TEMP tables of that vintage's totals, then the repeated answers), and
``oversight revisions`` for the year, in this process and as a whole process.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import statistics
import time
from datetime import date, datetime, timedelta
from itertools import compress, islice, repeat
from operator import eq
from pathlib import Path

from bench.children import ChildRun, oversight_command, oversight_env, remove_database, run
from bench.generate import _answer, cases_csv
from bench.targets import ANSWER_SETTINGS, IMPORT_RATIO_TARGET, MIB, Log, _shell_import
from oversight.clock import LONDON
from oversight.importing.halves import MAX_DISTINCT

FIRST_AS_OF = date(2020, 7, 7)  # a Tuesday, a week after the first extract's last record
CHANGED_SHARE = 0.02  # of the records, changed each week
MISSING_SHARE = 0.005  # of the records, missing from each week's file
STORE_GROWTH_TARGET = 3.0  # the store after the year, against after the first week
BACKLOG_MS_TARGET = 100.0
REVISIONS_S_TARGET = 2.0
BACKLOG_REPEATS = 10  # answers timed after each date's first
REVISIONS_RUNS = 3

# A record's state, by its needs_review and review_status cells.
NOT_REQUIRED, OUTSTANDING, IN_PROGRESS, REVIEWED = range(4)
_STATES = {"outstanding": OUTSTANDING, "in_progress": IN_PROGRESS, "reviewed": REVIEWED}
EXCLUDED = 255  # missing this week: not changed
# What happens to a record, by the state it is in, and the share of each week's changes.
KEEP, MISSING, COMPLETED, STARTED, FINISHED, NEEDED, UNDONE, REVISED = range(8)
CHANGES = (
    (COMPLETED, OUTSTANDING, 0.40),  # outstanding -> reviewed that week
    (STARTED, OUTSTANDING, 0.10),  # outstanding -> in progress
    (FINISHED, IN_PROGRESS, 0.10),  # in progress -> reviewed that week
    (NEEDED, NOT_REQUIRED, 0.30),  # a review found to be needed: outstanding
    (UNDONE, REVIEWED, 0.05),  # a review undone: outstanding again
    (REVISED, REVIEWED, 0.05),  # re-dated to that week, or its referral now sent
)


def tuesdays(weeks: int) -> list[date]:
    return [FIRST_AS_OF + timedelta(weeks=n) for n in range(weeks)]


class WeeklyExtracts:
    """Each week's extract made from the week before's, with the records it left out."""

    def __init__(self, first: Path, folder: Path, seed: int = 2020) -> None:
        self.first = self.latest = first
        self.folder = folder
        self.rng = random.Random(seed)
        self.states = _states(first)
        self.missing: dict[int, str] = {}  # row number -> its line, of those left out

    @property
    def rows(self) -> int:
        return len(self.states)

    def next_week(self, as_of: date) -> tuple[Path, dict[str, int]]:
        """The extract taken on ``as_of`` and what changed in it; the one before is deleted
        (unless it is the cached first week's)."""
        actions, counts = self._actions()
        path = self.folder / f"year-{self.rows}-{as_of.isoformat()}.csv"
        partial = path.with_suffix(".partial")
        missing: dict[int, str] = {}
        rng, states, left_out = self.rng, self.states, self.missing
        rests: set[str] = set()  # the distinct rests of a row (all but the reference)
        add = rests.add
        with (
            self.latest.open(encoding="utf-8", newline="") as source,
            partial.open("w", encoding="utf-8", newline="") as out,
        ):
            out.write(source.readline())
            lines = iter(source)
            write = out.write
            for n, action in enumerate(actions):
                line = left_out[n] if n in left_out else next(lines)
                if action == MISSING:
                    missing[n] = line
                    continue
                if action != KEEP:
                    line, states[n] = _changed(line, action, as_of, rng)
                write(line)
                add(line.partition(",")[2])
        partial.replace(path)
        if self.latest != self.first:
            self.latest.unlink()
        self.latest, self.missing = path, missing
        return path, {**counts, "distinct_rests": len(rests)}

    def _actions(self) -> tuple[bytearray, dict[str, int]]:
        """What happens to each record this week: a different 0.5% left out (none of last
        week's), and 2% of the others changed, each by its state."""
        rows, rng = self.rows, self.rng
        actions = bytearray(rows)
        free = bytearray(self.states)
        wanted = round(rows * MISSING_SHARE)
        while wanted:
            n = rng.randrange(rows)
            if n not in self.missing and actions[n] != MISSING:
                actions[n] = MISSING
                free[n] = EXCLUDED
                wanted -= 1
        changed = round(rows * CHANGED_SHARE)
        for state in (NOT_REQUIRED, OUTSTANDING, IN_PROGRESS, REVIEWED):
            plan = [(action, round(changed * share)) for action, s, share in CHANGES if s == state]
            pool = list(compress(range(rows), map(eq, free, repeat(state))))
            picked = iter(rng.sample(pool, min(len(pool), sum(k for _, k in plan))))
            for action, k in plan:
                for n in islice(picked, k):
                    actions[n] = action
        counts = {"missing": actions.count(MISSING)}
        counts["changed"] = rows - actions.count(KEEP) - counts["missing"]
        return actions, counts


def _states(path: Path) -> bytearray:
    """Each record's state, in file order."""
    states = bytearray()
    with path.open(encoding="utf-8", newline="") as file:
        file.readline()
        for line in file:
            cells = line.split(",", 5)
            states.append(NOT_REQUIRED if cells[3] == "no" else _STATES[cells[4]])
    return states


def distinct_rests(path: Path) -> int:
    """How many distinct rests of a row (everything after the reference) a file has: the fast
    path of an import gives up past ``oversight.importing.halves.MAX_DISTINCT``."""
    with path.open(encoding="utf-8", newline="") as file:
        file.readline()
        return len({line.partition(",")[2] for line in file})


def _changed(line: str, action: int, as_of: date, rng: random.Random) -> tuple[str, int]:
    """The record's line after this week's change, and its state."""
    cells = line.rstrip("\r\n").split(",")
    day = (as_of - timedelta(days=rng.randint(0, 6))).isoformat()  # since the last extract
    state = REVIEWED
    if action in (COMPLETED, FINISHED):
        required = _answer(rng, yes=0.30, no=0.65)
        sent = _answer(rng, yes=0.95, no=0.035) if required == "yes" else ""
        cells[4:9] = ["reviewed", day, _answer(rng, yes=0.96, no=0.03), required, sent]
    elif action == STARTED:
        cells[4], state = "in_progress", IN_PROGRESS
    elif action in (NEEDED, UNDONE):
        cells[3:9] = ["yes", "outstanding", "", "", "", ""]
        state = OUTSTANDING
    elif cells[7] == "yes" and cells[8] != "yes":  # REVISED: the referral sent at last
        cells[8] = "yes"
    else:  # REVISED: re-dated (to a day after any it had: it was reviewed by the last extract)
        cells[5] = day
    return ",".join(cells) + "\n", state


def year_of_weeks(
    data: Path,
    work: Path,
    rows: int,
    weeks: int,
    log: Log,
    *,
    shuffled: bool = False,
    repeat: int = 2,
) -> dict[str, object]:
    """Target 11: ``weeks`` weekly extracts of ``rows`` records into one store, then the
    store's growth and the answers as of each week. The store is left at work/year.db. Each
    week's import and the shell's are timed ``repeat`` times, alternating, the fastest of each
    kept: on a shared machine a single pair swings by a third."""
    days = tuesdays(weeks)
    first = cases_csv(data, rows, shuffled=shuffled)
    extracts = WeeklyExtracts(first, data)
    db, shell_db, trial_db = work / "year.db", work / "year-shell.db", work / "year-trial.db"
    remove_database(db)
    log(f"  {weeks} weekly extracts of {rows:,} records into {db}, as of {days[0]} to {days[-1]}")
    weekly: list[dict[str, object]] = []
    try:
        for number, day in enumerate(days, 1):
            tick = time.perf_counter()
            if number == 1:
                csv = first
                counts = {"changed": 0, "missing": 0, "distinct_rests": distinct_rests(first)}
            else:
                csv, counts = extracts.next_week(day)
            generate_s = time.perf_counter() - tick
            # Alternating, each timed ``repeat`` times, the fastest kept (noise only adds
            # time): the shell into an empty file, ours into a copy of the store as it stood
            # (thrown away), and last into the store itself.
            shells, ours_runs = [], []
            for run_number in range(repeat):
                shells.append(_shell_import(csv, shell_db, work))
                if run_number < repeat - 1:
                    remove_database(trial_db)
                    if db.exists():
                        shutil.copyfile(db, trial_db)  # checkpointed: the file is the store
                    ours_runs.append(_import_week(csv, trial_db, day))
                    remove_database(trial_db)
                else:
                    ours_runs.append(_import_week(csv, db, day))
            shell = min(shells, key=lambda r: r.wall_s)
            ours = min(ours_runs, key=lambda r: r.wall_s)
            checkpoint_s, size = _checkpointed_size(db)
            if number == 1:
                first_space = _space(db)
            week = {
                "week": number,
                "as_of": day.isoformat(),
                **counts,
                "generate_s": round(generate_s, 2),
                "file_mib": round(csv.stat().st_size / MIB, 1),
                "sqlite3_s": round(shell.wall_s, 3),
                "sqlite3_cpu_s": round(shell.cpu_s, 3),
                "oversight_s": round(ours.wall_s, 3),
                "oversight_cpu_s": round(ours.cpu_s, 3),
                "max_rss_mib": round(ours.max_rss_bytes / MIB, 1),
                "ratio": round(ours.wall_s / shell.wall_s, 3),
                "runs_sqlite3_s": [round(r.wall_s, 3) for r in shells],
                "runs_oversight_s": [round(r.wall_s, 3) for r in ours_runs],
                "first_pair_ratio": round(ours_runs[0].wall_s / shells[0].wall_s, 3),
                "cpu_ratio": round(ours.cpu_s / shell.cpu_s, 3),
                "store_mib": round(size / MIB, 1),
                "checkpoint_s": round(checkpoint_s, 3),
                "load_average": round(os.getloadavg()[0], 2),
            }
            weekly.append(week)
            log(
                f"  week {number} ({day}): {counts['changed']:,} changed, "
                f"{counts['missing']:,} missing, {counts['distinct_rests']:,} distinct rests of a "
                f"row; sqlite3 {shell.wall_s:.2f} s, oversight "
                f"{ours.wall_s:.2f} s: {week['ratio']:.2f}x (CPU {week['cpu_ratio']:.2f}x); "
                f"store {week['store_mib']:,.1f} MiB; load {week['load_average']}"
            )
    finally:
        remove_database(shell_db)
        if extracts.latest != first:
            extracts.latest.unlink(missing_ok=True)
    result: dict[str, object] = {"rows": rows, "weeks": weeks, "db": str(db)}
    result["imports"] = _import_summary(weekly)
    result["store"] = _store_summary(db, weekly)
    result["store"]["space_mib"] = _growth(first_space, _space(db))
    now = datetime.fromisoformat(f"{days[-1]}T18:00").replace(tzinfo=LONDON)
    result["backlog"] = _backlog_by_week(db, days, now, log)
    result["revisions"] = _revisions(db, days[0], days[-1], log)
    result["weekly"] = weekly
    result["met"] = all(
        result[part]["met"] for part in ("imports", "store", "backlog", "revisions")
    )
    return result


def _import_week(csv: Path, db: Path, day: date) -> ChildRun:
    args = [*oversight_command(), "--db", str(db), "import", "cases", str(csv)]
    args += ["--as-of", day.isoformat(), "--by", "bench"]
    env = oversight_env()
    env["OVERSIGHT_NOW"] = f"{day.isoformat()}T09:00"
    return run(args, cwd=db.parent, env=env).check()


def _checkpointed_size(db: Path) -> tuple[float, int]:
    """The store's size, the file and its WAL, after a checkpoint (no VACUUM); and how long
    the checkpoint took."""
    tick = time.perf_counter()
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    took = time.perf_counter() - tick
    wal = Path(f"{db}-wal")
    return took, db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def _space(db: Path) -> dict[str, float]:
    """The MiB each table takes, its indexes with it (SQLite's dbstat)."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT coalesce(s.tbl_name, d.name), SUM(d.pgsize) FROM dbstat d "
            "LEFT JOIN sqlite_schema s ON s.name = d.name GROUP BY 1"
        ).fetchall()
    except sqlite3.OperationalError:  # a SQLite built without dbstat
        rows = []
    finally:
        conn.close()
    return {name: size / MIB for name, size in rows}


def _growth(first: dict[str, float], last: dict[str, float]) -> dict[str, list[float]]:
    """Each table's MiB after the first week and after the last, by how much it grew."""
    names = sorted(set(first) | set(last), key=lambda n: first.get(n, 0) - last.get(n, 0))
    return {n: [round(first.get(n, 0), 1), round(last.get(n, 0), 1)] for n in names}


def _import_summary(weekly: list[dict[str, object]]) -> dict[str, object]:
    ratios = [w["ratio"] for w in weekly]
    worst = max(weekly, key=lambda w: w["ratio"])
    later = weekly[1:] or weekly  # the weekly imports proper: into a store holding the last
    # Past MAX_DISTINCT distinct rests of a row, an import takes the exact path, row by row.
    exact = [w for w in weekly if w["distinct_rests"] > MAX_DISTINCT]
    fast = [w for w in weekly if w["distinct_rests"] <= MAX_DISTINCT]
    return {
        "median_ratio": round(statistics.median(ratios), 2),
        "worst_ratio": round(worst["ratio"], 2),
        "worst_week": worst["week"],
        "median_cpu_ratio": round(statistics.median(w["cpu_ratio"] for w in weekly), 2),
        "worst_cpu_ratio": round(max(w["cpu_ratio"] for w in weekly), 2),
        "median_oversight_s": round(statistics.median(w["oversight_s"] for w in weekly), 2),
        "worst_oversight_s": round(max(w["oversight_s"] for w in weekly), 2),
        "median_sqlite3_s": round(statistics.median(w["sqlite3_s"] for w in weekly), 2),
        "first_week_ratio": weekly[0]["ratio"],
        "later_median_ratio": round(statistics.median(w["ratio"] for w in later), 2),
        "first_weeks_oversight_s": [w["oversight_s"] for w in weekly[:4]],
        "last_weeks_oversight_s": [w["oversight_s"] for w in weekly[-4:]],
        "max_distinct": MAX_DISTINCT,
        "distinct_rests_first_last": [weekly[0]["distinct_rests"], weekly[-1]["distinct_rests"]],
        "exact_path_weeks": len(exact),
        "exact_path_from_week": exact[0]["week"] if exact else None,
        "fast_median_ratio": round(statistics.median(w["ratio"] for w in fast), 2)
        if fast
        else None,
        "fast_worst_ratio": round(max(w["ratio"] for w in fast), 2) if fast else None,
        "exact_median_ratio": round(statistics.median(w["ratio"] for w in exact), 2)
        if exact
        else None,
        "changed_a_week": weekly[-1]["changed"],
        "missing_a_week": weekly[-1]["missing"],
        "max_rss_mib": max(w["max_rss_mib"] for w in weekly),
        "target": f"every week's ratio <= {IMPORT_RATIO_TARGET:g}",
        "met": max(ratios) <= IMPORT_RATIO_TARGET,
    }


def _store_summary(db: Path, weekly: list[dict[str, object]]) -> dict[str, object]:
    conn = sqlite3.connect(db)
    try:

        def count(table: str) -> int:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

        tables = (
            "case_reviews",
            "case_review_versions",
            "case_daily_changes",
            "case_age_changes",
            "import_findings",
        )
        counts = {table: count(table) for table in tables}
        updated = [
            n
            for (n,) in conn.execute("SELECT updated FROM imports WHERE kind = 'cases' ORDER BY id")
        ]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        free_pages = conn.execute("PRAGMA freelist_count").fetchone()[0]
    finally:
        conn.close()
    first, last = weekly[0]["store_mib"], weekly[-1]["store_mib"]
    generated = [w["changed"] for w in weekly]
    return {
        "first_week_mib": first,
        "last_week_mib": last,
        "growth": round(last / first, 2),
        "version_rows": counts["case_review_versions"],
        "rows": counts,
        "free_mib": round(free_pages * page_size / MIB, 1),
        # Each week's import updated exactly the records the generator changed.
        "updated_as_generated": updated == generated,
        "target": f"after the year < {STORE_GROWTH_TARGET:g}x after the first week",
        "met": last < STORE_GROWTH_TARGET * first,
    }


def _backlog_by_week(db: Path, days: list[date], now: datetime, log: Log) -> dict[str, object]:
    """``/backlog as of`` each week's date, as ``bench.targets.backlog_answer`` times it: each on
    a fresh connection, its first answer (which builds that vintage's totals in TEMP tables)
    and then ``BACKLOG_REPEATS`` more."""
    from oversight.answers import answer, parse_command
    from oversight.store import open_store

    firsts: list[float] = []
    repeats: list[float] = []  # each date's median of the repeated answers
    outstanding: list[int] = []
    for day in days:
        query = parse_command("/backlog", f"as of {day.isoformat()}")
        with open_store(db) as store:
            start = time.perf_counter()
            first = answer(store, query, now, ANSWER_SETTINGS)
            firsts.append((time.perf_counter() - start) * 1000)
            times = []
            for _ in range(BACKLOG_REPEATS):
                start = time.perf_counter()
                answer(store, query, now, ANSWER_SETTINGS)
                times.append((time.perf_counter() - start) * 1000)
        repeats.append(statistics.median(times))
        outstanding.append(first.backlog.figures[-1].outstanding)
    worst_first = max(range(len(days)), key=firsts.__getitem__)
    worst_repeat = max(range(len(days)), key=repeats.__getitem__)
    log(
        f"  answer(/backlog as of each week): first median {statistics.median(firsts):.1f} ms, "
        f"worst {firsts[worst_first]:.1f} ms; repeated median {statistics.median(repeats):.1f} "
        f"ms, worst {repeats[worst_repeat]:.1f} ms"
    )
    return {
        "dates": len(days),
        "repeats": BACKLOG_REPEATS,
        "first_median_ms": round(statistics.median(firsts), 2),
        "first_worst_ms": round(firsts[worst_first], 2),
        "first_worst_as_of": days[worst_first].isoformat(),
        "repeated_median_ms": round(statistics.median(repeats), 2),
        "repeated_worst_ms": round(repeats[worst_repeat], 2),
        "repeated_worst_as_of": days[worst_repeat].isoformat(),
        "first_ms": [round(t, 2) for t in firsts],
        "repeated_ms": [round(t, 2) for t in repeats],
        "outstanding": outstanding,
        "target": f"every date's answer < {BACKLOG_MS_TARGET:g} ms, first or repeated",
        "met": max(firsts) < BACKLOG_MS_TARGET and max(repeats) < BACKLOG_MS_TARGET,
    }


def _revisions(db: Path, since: date, as_of: date, log: Log) -> dict[str, object]:
    """``oversight revisions`` for the year: the answer and its text, in this process (the
    first on a fresh connection, then again), and the whole command as a process."""
    from oversight.answers.revisions import revisions
    from oversight.render.text import render_text
    from oversight.store import open_store

    times = []
    with open_store(db) as store:
        for _ in range(REVISIONS_RUNS):
            start = time.perf_counter()
            result = revisions(store, as_of, since)
            text = render_text(result)
            times.append(time.perf_counter() - start)
    triangle = result.triangle
    args = [*oversight_command(), "--db", str(db), "revisions", "--since", since.isoformat()]
    env = oversight_env()
    env["OVERSIGHT_NOW"] = f"{as_of.isoformat()}T18:00"
    processes = [run(args, cwd=db.parent, env=env).check() for _ in range(REVISIONS_RUNS)]
    if processes[-1].stdout != text:
        log("  (the process's text differs from the answer rendered here)")
    walls = [p.wall_s for p in processes]
    log(
        f"  oversight revisions: answer + text {times[0]:.2f} s (then "
        f"{statistics.median(times[1:] or times):.2f} s); the process {walls[0]:.2f} s "
        f"(median {statistics.median(walls):.2f} s)"
    )
    return {
        "week_ends": len(triangle.week_ends),
        "figures": len(triangle.figures),
        "revised": len(triangle.revised),
        "text_lines": text.count("\n"),
        "answer_first_s": round(times[0], 3),
        "answer_median_s": round(statistics.median(times), 3),
        "process_first_s": round(walls[0], 3),
        "process_median_s": round(statistics.median(walls), 3),
        "process_max_s": round(max(walls), 3),
        "process_max_rss_mib": round(max(p.max_rss_bytes for p in processes) / MIB, 1),
        "target": f"< {REVISIONS_S_TARGET:g} s, in process and as a process",
        "met": max(*times, *walls) < REVISIONS_S_TARGET,
    }
