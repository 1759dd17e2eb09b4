"""The four measured targets. Each returns a plain dict, ready for ``results.json``."""

from __future__ import annotations

import re
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.children import ChildRun, oversight_command, oversight_env, remove_database, run
from oversight.clock import Clock
from oversight.settings import Settings

# What an answer is given of the settings: the defaults (stale after 8 days, the only force).
ANSWER_SETTINGS = Settings(db_path=Path("oversight.db"), clock=Clock())

AS_OF = "2020-06-30"
MIB = 1 << 20
GIB = 1 << 30
IMPORT_RATIO_TARGET = 3.0
BIG_IMPORT_RSS_TARGET = 256 * MIB
XLSX_RATIO_TARGET = 2.0
BACKLOG_MS_TARGET = 100.0
FORBIDDEN_ON_ASK = ("pandas", "sqlite_utils")

Log = Callable[[str], None]


def _import_cases(csv: Path, db: Path, workdir: Path, *, fresh: bool = True) -> ChildRun:
    if fresh:
        remove_database(db)
    args = [*oversight_command(), "--db", str(db), "import", "cases", str(csv)]
    args += ["--as-of", AS_OF, "--by", "bench"]
    return run(args, cwd=workdir, env=oversight_env()).check()


def _shell_import(csv: Path, db: Path, workdir: Path) -> ChildRun:
    remove_database(db)
    sqlite3 = shutil.which("sqlite3") or "/usr/bin/sqlite3"
    args = [sqlite3, str(db), "-cmd", ".mode csv", f".import {csv} t"]
    result = run(args, cwd=workdir).check()
    if result.stderr.strip():  # the shell reports bad lines on stderr but still exits 0
        raise RuntimeError(f"sqlite3 .import complained:\n{result.stderr[-2000:]}")
    return result


def _summary(runs: list[ChildRun], rows: int) -> dict[str, object]:
    wall = statistics.median(r.wall_s for r in runs)
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(statistics.median(r.cpu_s for r in runs), 3),
        "rows_per_s": round(rows / wall),
        "max_rss_mib": round(max(r.max_rss_bytes for r in runs) / MIB, 1),
        "runs_wall_s": [round(r.wall_s, 3) for r in runs],
    }


def import_vs_shell(csv: Path, rows: int, db: Path, repeat: int, log: Log) -> dict[str, object]:
    """Target 1: the validated import beside the sqlite3 shell's .import, alternating.

    The store built by the last oversight run is left at ``db`` for the /backlog targets.
    """
    shell_db = db.with_name("shell-import.db")
    ours: list[ChildRun] = []
    shell: list[ChildRun] = []
    for attempt in range(1, repeat + 1):
        log(f"  [{attempt}/{repeat}] sqlite3 .import of {rows:,} rows")
        shell.append(_shell_import(csv, shell_db, db.parent))
        log(f"      {shell[-1].wall_s:.2f} s")
        log(f"  [{attempt}/{repeat}] oversight import cases of {rows:,} rows")
        ours.append(_import_cases(csv, db, db.parent))
        log(f"      {ours[-1].wall_s:.2f} s")
    remove_database(shell_db)
    result = {"rows": rows, "oversight": _summary(ours, rows), "sqlite3": _summary(shell, rows)}
    ratio = result["oversight"]["wall_s"] / result["sqlite3"]["wall_s"]
    cpu_ratio = result["oversight"]["cpu_s"] / result["sqlite3"]["cpu_s"]
    result["ratio"] = round(ratio, 2)
    result["cpu_ratio"] = round(cpu_ratio, 2)
    result["target"] = f"ratio <= {IMPORT_RATIO_TARGET:g}"
    result["met"] = ratio <= IMPORT_RATIO_TARGET
    result["output"] = ours[-1].stdout.strip()
    return result


def big_import(csv: Path, rows: int, db: Path, log: Log) -> dict[str, object]:
    """Target 2: the peak memory (and time) of one import of many rows into a fresh store.

    The store is left at ``db``, holding "last week", for the weekly import at this scale.
    """
    log(f"  oversight import cases of {rows:,} rows")
    ours = _import_cases(csv, db, db.parent)
    log(f"      {ours.wall_s:.2f} s, max RSS {ours.max_rss_bytes / MIB:.0f} MiB")
    database_mib = db.stat().st_size / MIB
    log(f"  sqlite3 .import of {rows:,} rows (for scale)")
    shell = _shell_import(csv, db.with_name("shell-import.db"), db.parent)
    remove_database(db.with_name("shell-import.db"))
    return {
        "rows": rows,
        "oversight": _summary([ours], rows),
        "sqlite3": _summary([shell], rows),
        "ratio": round(ours.wall_s / shell.wall_s, 2),
        "cpu_ratio": round(ours.cpu_s / shell.cpu_s, 2),
        "database_mib": round(database_mib, 1),
        "max_rss_mib": round(ours.max_rss_bytes / MIB, 1),
        "target": f"max RSS < {BIG_IMPORT_RSS_TARGET // MIB} MiB",
        "met": ours.max_rss_bytes < BIG_IMPORT_RSS_TARGET,
        "output": ours.stdout.strip(),
    }


def backlog_answer(db: Path, runs: int, warmup: int, log: Log) -> dict[str, object]:
    """Target 3a: ``answer(store, parse_command("/backlog"), now, settings)`` in this process."""
    from datetime import datetime

    from oversight.answers import answer, parse_command
    from oversight.clock import LONDON
    from oversight.store import open_store

    now = datetime.fromisoformat(f"{AS_OF}T18:00").replace(tzinfo=LONDON)
    started = time.perf_counter()
    with open_store(db) as store:
        query = parse_command("/backlog")
        first = answer(store, query, now, ANSWER_SETTINGS)
        first_ms = (time.perf_counter() - started) * 1000
        for _ in range(warmup):
            answer(store, query, now, ANSWER_SETTINGS)
        times_ms = []
        for _ in range(runs):
            start = time.perf_counter()
            answer(store, query, now, ANSWER_SETTINGS)
            times_ms.append((time.perf_counter() - start) * 1000)
        rows = store.conn.execute("SELECT count(*) FROM case_reviews").fetchone()[0]
    median = statistics.median(times_ms)
    log(f"  answer(/backlog): median {median:.2f} ms over {runs} runs")
    outstanding = first.backlog.figures[-1].outstanding
    return {
        "case_rows": rows,
        "runs": runs,
        "warmup": warmup,
        "median_ms": round(median, 3),
        "min_ms": round(min(times_ms), 3),
        "p95_ms": round(_percentile(times_ms, 95), 3),
        "max_ms": round(max(times_ms), 3),
        "first_call_ms": round(first_ms, 3),  # opening the store and the first answer
        "outstanding": outstanding,
        "target": f"median < {BACKLOG_MS_TARGET:g} ms",
        "met": median < BACKLOG_MS_TARGET,
    }


def ask_process(db: Path, runs: int, log: Log) -> dict[str, object]:
    """Target 3b: the whole ``oversight ask --as-of 2020-06-30 "/backlog"`` process."""
    args = [*oversight_command(), "--db", str(db), "ask", "--as-of", AS_OF, "/backlog"]
    run(args, cwd=db.parent, env=oversight_env()).check()  # warm-up: bytecode, page cache
    asks = [run(args, cwd=db.parent, env=oversight_env()).check() for _ in range(runs)]
    bare = [run([sys.executable, "-c", "pass"], cwd=db.parent).check() for _ in range(runs)]
    median = statistics.median(r.wall_s for r in asks) * 1000
    log(f"  oversight ask /backlog: median {median:.0f} ms over {runs} runs")
    return {
        "runs": runs,
        "median_ms": round(median, 1),
        "min_ms": round(min(r.wall_s for r in asks) * 1000, 1),
        "cpu_ms": round(statistics.median(r.cpu_s for r in asks) * 1000, 1),
        "max_rss_mib": round(max(r.max_rss_bytes for r in asks) / MIB, 1),
        "python_startup_ms": round(statistics.median(r.wall_s for r in bare) * 1000, 1),
        "answer": asks[-1].stdout,
    }


_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$")


def ask_imports(db: Path, log: Log) -> dict[str, object]:
    """Target 4: what ``oversight ask "/backlog"`` imports (``python -X importtime``)."""
    args = [*oversight_command("-X", "importtime"), "--db", str(db)]
    args += ["ask", "--as-of", AS_OF, "/backlog"]
    result = run(args, cwd=db.parent, env=oversight_env()).check()
    modules: dict[str, tuple[int, int, int]] = {}  # name: (self us, cumulative us, depth)
    for line in result.stderr.splitlines():
        match = _IMPORTTIME.match(line)
        if match:
            depth = len(match.group(3)) // 2
            modules[match.group(4)] = (int(match.group(1)), int(match.group(2)), depth)
    roots = {name.split(".")[0] for name in modules}
    forbidden = [name for name in FORBIDDEN_ON_ASK if name in roots]
    top = sorted(
        ((name, cumulative) for name, (_, cumulative, depth) in modules.items() if depth == 0),
        key=lambda item: -item[1],
    )[:8]
    log(f"  oversight ask imports {len(modules)} modules; forbidden: {forbidden or 'none'}")
    return {
        "modules": len(modules),
        "import_ms": round(sum(self_us for self_us, _, _ in modules.values()) / 1000, 1),
        "forbidden": list(FORBIDDEN_ON_ASK),
        "found": forbidden,
        "also_not_imported": [
            name for name in ("openpyxl", "holidays", "dotenv", "numpy") if name not in roots
        ],
        "slowest_top_level_ms": {name: round(us / 1000, 1) for name, us in top},
        "target": "imports neither " + " nor ".join(FORBIDDEN_ON_ASK),
        "met": not forbidden,
    }


def _percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))
    return ordered[index]


def weekly_import_vs_shell(
    next_week: Path, rows: int, last_week_store: Path, repeat: int, log: Log
) -> dict[str, object]:
    """The realistic weekly case: this week's extract imported (and reconciled) into a copy
    of a store that holds last week's, beside the sqlite3 shell's .import of the same file."""
    copy = last_week_store.with_name("weekly.db")
    shell_db = last_week_store.with_name("shell-import.db")
    ours: list[ChildRun] = []
    shell: list[ChildRun] = []
    for attempt in range(1, repeat + 1):
        log(f"  [{attempt}/{repeat}] sqlite3 .import of this week's {rows:,} rows")
        shell.append(_shell_import(next_week, shell_db, copy.parent))
        log(f"      {shell[-1].wall_s:.2f} s")
        remove_database(copy)
        shutil.copyfile(last_week_store, copy)
        log(f"  [{attempt}/{repeat}] oversight import cases of this week's {rows:,} rows")
        ours.append(_import_cases(next_week, copy, copy.parent, fresh=False))
        log(f"      {ours[-1].wall_s:.2f} s, max RSS {ours[-1].max_rss_bytes / MIB:.0f} MiB")
    remove_database(copy)
    remove_database(shell_db)
    result = {"rows": rows, "oversight": _summary(ours, rows), "sqlite3": _summary(shell, rows)}
    ratio = result["oversight"]["wall_s"] / result["sqlite3"]["wall_s"]
    result["ratio"] = round(ratio, 2)
    result["cpu_ratio"] = round(result["oversight"]["cpu_s"] / result["sqlite3"]["cpu_s"], 2)
    result["max_rss_mib"] = result["oversight"]["max_rss_mib"]
    result["target"] = f"ratio <= {IMPORT_RATIO_TARGET:g}"
    result["met"] = ratio <= IMPORT_RATIO_TARGET
    result["output"] = ours[-1].stdout.strip()
    return result


def xlsx_vs_csv(csv: Path, rows: int, work: Path, log: Log, repeat: int = 3) -> dict[str, object]:
    """The same rows as a workbook and as CSV, each imported into a fresh store, alternating,
    ``repeat`` times: the ratio of the medians (one pair alone swings by 10% here)."""
    workbook = csv.with_suffix(".xlsx")
    if not workbook.exists():
        log(f"  writing {rows:,} rows as a workbook (cached)")
        _write_workbook(csv, workbook)
    db = work / "xlsx.db"
    from_csv: list[ChildRun] = []
    from_xlsx: list[ChildRun] = []
    for attempt in range(1, repeat + 1):
        log(f"  [{attempt}/{repeat}] oversight import cases of {rows:,} rows from CSV")
        from_csv.append(_import_cases(csv, db, work))
        log(f"      {from_csv[-1].wall_s:.2f} s")
        log("      and of the same rows from XLSX")
        from_xlsx.append(_import_cases(workbook, db, work))
        log(f"      {from_xlsx[-1].wall_s:.2f} s")
    remove_database(db)
    result = {"rows": rows, "csv": _summary(from_csv, rows), "xlsx": _summary(from_xlsx, rows)}
    ratio = result["xlsx"]["wall_s"] / result["csv"]["wall_s"]
    pairs = [x.wall_s / c.wall_s for c, x in zip(from_csv, from_xlsx, strict=True)]
    return {
        **result,
        "ratio": round(ratio, 2),
        "pair_ratios": [round(r, 2) for r in pairs],
        "target": f"ratio <= {XLSX_RATIO_TARGET:g}",
        "met": ratio <= XLSX_RATIO_TARGET,
    }


def _write_workbook(csv_path: Path, workbook: Path) -> None:
    import csv

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Cases")
    with csv_path.open(encoding="utf-8", newline="") as file:
        for record in csv.reader(file):
            sheet.append(record)
    partial = workbook.with_suffix(".partial")
    book.save(partial)
    partial.replace(workbook)
