"""``python -m bench``: generate the extracts, measure the targets, print and save them."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import crime, front_door, home, integrity, locks, slack, targets, violence, year
from bench.children import TIME, remove_database
from bench.generate import cases_csv

OUT = Path(__file__).resolve().parent / "out"
GIB = 1 << 30


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows for targets 1, 3, 4")
    parser.add_argument(
        "--big-rows", type=int, default=5_000_000, help="rows for target 2 (0: skip it)"
    )
    parser.add_argument(
        "--shuffled-refs",
        action="store_true",
        help="incident references in a random order (the worst case) rather than ascending",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of targets 1 and 2c (median)")
    parser.add_argument(
        "--xlsx-rows", type=int, default=100_000, help="rows of the workbook target (0: skip)"
    )
    parser.add_argument("--backlog-runs", type=int, default=50, help="timed answers, target 3")
    parser.add_argument("--ask-runs", type=int, default=5, help="timed ask processes, target 3")
    parser.add_argument(
        "--crime-rows",
        type=int,
        default=6_000_000,
        help="street-level rows of target 8, in 12 month files (0: skip it)",
    )
    parser.add_argument(
        "--violence-rows",
        type=int,
        default=500_000,
        help="hospital assault attendances of target 12, on target 8's store (0: skip it)",
    )
    parser.add_argument(
        "--year-weeks",
        type=int,
        default=52,
        help="weekly extracts of --rows records in target 11, a year of them (0: skip it)",
    )
    parser.add_argument(
        "--year-repeat",
        type=int,
        default=2,
        help="times each week's import and the shell's are timed in target 11 (the fastest kept)",
    )
    parser.add_argument("--out", type=Path, default=OUT, help="where files and results go")
    parser.add_argument(
        "--imports-only",
        action="store_true",
        help="only the import targets (1, 1b, 2, 2b, 2c and 6): no /backlog, Slack, front door "
        "or recorded crime",
    )
    parser.add_argument(
        "--front-door-only",
        action="store_true",
        help="only target 7 (the HTTP front door under load), on the demo database",
    )
    parser.add_argument(
        "--crime-only",
        action="store_true",
        help="only target 8 (recorded crime: --crime-rows street-level rows, then /crime)",
    )
    parser.add_argument(
        "--violence-only",
        action="store_true",
        help="only target 12 (the violence profile: --violence-rows attendances imported on "
        "target 8's store of --crime-rows, then /violence and its map)",
    )
    parser.add_argument(
        "--year-only",
        action="store_true",
        help="only target 11 (a year of weekly extracts into one store, every version kept)",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    data, work = args.out / "data", args.out / "work"
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {
        "machine": _machine(),
        "started_at": _now(),
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
    }
    if args.front_door_only:
        _log("7. The HTTP front door under load, on the demo database")
        results["front_door"] = front_door.measure(front_door.demo_database(work), _log)
        return _finish(results, args.out, started)
    if args.year_only:
        results["year"] = _year(args, data, work)
        return _finish(results, args.out, started)
    if args.crime_only:
        results["crime"] = _crime(args, data, work)
        return _finish(results, args.out, started)
    if args.violence_only:
        results["violence"] = _violence(args, data, work)
        return _finish(results, args.out, started)

    _log(f"Generating {args.rows:,} and {args.big_rows:,} case rows (cached in {data})")
    tick = time.perf_counter()
    shuffled = args.shuffled_refs
    csv = cases_csv(data, args.rows, shuffled=shuffled)
    big_csv = cases_csv(data, args.big_rows, shuffled=shuffled) if args.big_rows else None
    results["generate_s"] = round(time.perf_counter() - tick, 2)
    results["files"] = {
        name: {"path": str(path), "mib": round(path.stat().st_size / targets.MIB, 1)}
        for name, path in (("rows", csv), ("big_rows", big_csv))
        if path is not None
    }

    store = work / "cases.db"
    _log("1. Validated import vs sqlite3 .import, into an empty store")
    results["import"] = targets.import_vs_shell(csv, args.rows, store, args.repeat, _log)
    _log("1b. This week's extract into the store holding last week's (the weekly case)")
    next_week, _, _ = integrity.next_week_csv(csv)
    results["weekly"] = targets.weekly_import_vs_shell(
        next_week, args.rows, store, args.repeat, _log
    )
    _log("10. How long that weekly import holds the store's write lock")
    results["lock_hold"] = locks.weekly_lock_hold(next_week, args.rows, store, _log)
    if big_csv is not None:
        _log("2. Peak memory of a big import")
        big_store = work / "big.db"
        results["big_import"] = targets.big_import(big_csv, args.big_rows, big_store, _log)
        _log("2b. The weekly case at that size")
        big_next, _, _ = integrity.next_week_csv(big_csv)
        results["big_weekly"] = targets.weekly_import_vs_shell(
            big_next, args.big_rows, big_store, 1, _log
        )
        remove_database(big_store)
    if args.xlsx_rows:
        _log("2c. A workbook against the same rows as CSV")
        small = cases_csv(data, args.xlsx_rows, shuffled=shuffled)
        results["xlsx"] = targets.xlsx_vs_csv(small, args.xlsx_rows, work, _log, args.repeat)
    if not args.imports_only:
        _log("3. /backlog on the store from target 1")
        results["backlog"] = targets.backlog_answer(store, args.backlog_runs, 5, _log)
        results["ask"] = targets.ask_process(store, args.ask_runs, _log)
        _log("4. What oversight ask imports")
        results["ask_imports"] = targets.ask_imports(store, _log)
        _log("5. A signed /backlog over HTTP to its answer, on the store from target 1")
        results["slack"] = slack.signed_backlog(store, args.backlog_runs, 5, _log)
        _log("9. A Home tab built on the store from target 1")
        results["home"] = home.home_view(store, args.backlog_runs, 5, _log)
    _log("6. This week's extract, reconciled with the store from target 1; then /integrity")
    results["reconcile"] = integrity.reconciliation(
        csv, store, args.repeat, args.backlog_runs, _log
    )
    if not args.imports_only:
        _log("7. The HTTP front door of oversight bot under load, on the store from target 1")
        results["front_door"] = front_door.measure(store, _log)
    remove_database(store)
    if args.crime_rows and not args.imports_only:
        results["crime"] = _crime(args, data, work)
    if args.crime_rows and args.violence_rows and not args.imports_only:
        results["violence"] = _violence(args, data, work)
    if args.year_weeks and not args.imports_only:
        results["year"] = _year(args, data, work)
    return _finish(results, args.out, started)


def _crime(args: argparse.Namespace, data: Path, work: Path) -> dict[str, object]:
    _log("8. Recorded crime: street-level files vs sqlite3 .import; then /crime")
    return crime.crime_import(data, work, args.crime_rows, args.backlog_runs, _log)


def _violence(args: argparse.Namespace, data: Path, work: Path) -> dict[str, object]:
    _log("12. The violence profile: hospital attendances vs sqlite3 .import; /violence; the map")
    return violence.violence_target(
        data, work, args.crime_rows, args.violence_rows, args.backlog_runs, args.repeat, _log
    )


def _year(args: argparse.Namespace, data: Path, work: Path) -> dict[str, object]:
    weeks = args.year_weeks or 52
    _log(f"11. A year of weekly extracts: {weeks} of {args.rows:,} records into one store")
    return year.year_of_weeks(
        data, work, args.rows, weeks, _log, shuffled=args.shuffled_refs, repeat=args.year_repeat
    )


def _finish(results: dict[str, object], out: Path, started: float) -> int:
    results["machine"]["load_average_end"] = _load_average()
    results["total_s"] = round(time.perf_counter() - started, 1)
    path = out / "results.json"
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print()
    print(_table(results))
    print(f"\n{_machine_line(results['machine'])}")
    print(f"Took {results['total_s']:.0f} s. Results: {path}")
    return 0


def _table(results: dict[str, object]) -> str:
    """The results as a table: what was measured, its goal, and whether it was met."""
    if "import" not in results:  # --front-door-only, --crime-only, --violence-only, --year-only
        rows = _front_door_rows(results["front_door"]) if "front_door" in results else []
        rows += _crime_rows(results["crime"]) if "crime" in results else []
        rows += violence.violence_rows(results["violence"]) if "violence" in results else []
        return _aligned(rows + (_year_rows(results["year"]) if "year" in results else []))
    imp = results["import"]
    ours, shell = imp["oversight"], imp["sqlite3"]
    rows = [
        (f"1. oversight import cases, {imp['rows']:,} rows", _speed(ours), "", ""),
        ("   sqlite3 .import of the same CSV", _speed(shell), "", ""),
        (
            "   ratio (wall; CPU)",
            f"{imp['ratio']:.1f}x; {imp['cpu_ratio']:.1f}x",
            f"<= {targets.IMPORT_RATIO_TARGET:g}x",
            _met(imp),
        ),
    ]
    weekly = results["weekly"]
    rows.append(
        (
            f"1b. weekly import of {weekly['rows']:,} rows into last week's store",
            _speed(weekly["oversight"]),
            "",
            "",
        )
    )
    rows.append(("   sqlite3 .import of the same CSV", _speed(weekly["sqlite3"]), "", ""))
    rows.append(
        (
            "   ratio (wall; CPU)",
            f"{weekly['ratio']:.1f}x; {weekly['cpu_ratio']:.1f}x",
            f"<= {targets.IMPORT_RATIO_TARGET:g}x",
            _met(weekly),
        )
    )
    if "lock_hold" in results:
        hold = results["lock_hold"]
        rows.append(
            (
                f"10. the write lock held by that weekly import of {hold['rows']:,} rows",
                f"at most {hold['longest_hold_s']:.2f} s at a time, of {hold['import_s']:.2f} s",
                "(LOCK_TIMEOUT_SECONDS 10 s)",
                "",
            )
        )
    if "big_import" in results:
        big = results["big_import"]
        goal = f"< {targets.BIG_IMPORT_RSS_TARGET // targets.MIB:,} MiB"
        rows += [
            (
                f"2. import of {big['rows']:,} rows: max RSS",
                f"{big['max_rss_mib']:,.0f} MiB",
                goal,
                _met(big),
            ),
            ("   its time", _speed(big["oversight"]), "", ""),
            ("   sqlite3 .import of the same CSV", _speed(big["sqlite3"]), "", ""),
            ("   ratio (wall; CPU)", f"{big['ratio']:.1f}x; {big['cpu_ratio']:.1f}x", "", ""),
        ]
        big_weekly = results["big_weekly"]
        rows += [
            (
                f"2b. weekly import of {big_weekly['rows']:,} rows (wall; CPU)",
                f"{big_weekly['ratio']:.1f}x; {big_weekly['cpu_ratio']:.1f}x of sqlite3, max RSS "
                f"{big_weekly['max_rss_mib']:,.0f} MiB",
                f"<= {targets.IMPORT_RATIO_TARGET:g}x",
                _met(big_weekly),
            ),
        ]
    if "xlsx" in results:
        xlsx = results["xlsx"]
        pairs = ", ".join(f"{r:.2f}" for r in xlsx["pair_ratios"])
        rows.append(
            (
                f"2c. {xlsx['rows']:,} rows from XLSX against CSV (medians)",
                f"{xlsx['xlsx']['wall_s']:.2f} s against {xlsx['csv']['wall_s']:.2f} s: "
                f"{xlsx['ratio']:.2f}x (pairs {pairs})",
                f"<= {targets.XLSX_RATIO_TARGET:g}x",
                _met(xlsx),
            )
        )
    if "backlog" in results:
        rows += _ask_rows(results["backlog"], results["ask"], results["ask_imports"])
    if "slack" in results:
        signed = results["slack"]
        rows.append(
            (
                f"5. signed /backlog to its answer, {signed['case_rows']:,} rows",
                f"median {signed['median_ms']:.1f} ms, p95 {signed['p95_ms']:.1f} ms "
                f"({signed['runs']} requests)",
                f"< {slack.AIM_MS:g} ms",
                _met(signed),
            )
        )
    if "home" in results:
        built = results["home"]
        rows.append(
            (
                f"9. a Home tab built ({built['blocks']} blocks, {built['view_bytes']:,} bytes)",
                f"median {built['median_ms']:.1f} ms; /backlog alone "
                f"{built['backlog_median_ms']:.1f} ms ({built['ratio_to_backlog']:.1f}x)",
                f"< {home.HOME_MS_TARGET:g} ms",
                _met(built),
            )
        )
    if "reconcile" in results:
        rec = results["reconcile"]
        answer = rec["integrity"]
        rows += [
            (
                f"6. reconciling {rec['findings']:,} findings (wall; CPU added)",
                f"{rec['with_s']:.2f} s against {rec['without_s']:.2f} s: "
                f"{rec['added']:+.0%}; {rec['cpu_added']:+.0%}",
                "<= +20%",
                _met(rec),
            ),
            (
                f"   answer(/integrity), {answer['rows']:,} rows, {answer['findings']:,} findings",
                f"median {answer['median_ms']:.2f} ms",
                "< 100 ms",
                _met(answer),
            ),
        ]
    if "front_door" in results:
        rows += _front_door_rows(results["front_door"])
    if "crime" in results:
        rows += _crime_rows(results["crime"])
    if "violence" in results:
        rows += violence.violence_rows(results["violence"])
    if "year" in results:
        rows += _year_rows(results["year"])
    return _aligned(rows)


def _ask_rows(
    backlog: dict[str, object], ask: dict[str, object], imports: dict[str, object]
) -> list[tuple[str, str, str, str]]:
    return [
        (
            f"3. answer(/backlog), {backlog['case_rows']:,} rows",
            f"median {backlog['median_ms']:.2f} ms, p95 {backlog['p95_ms']:.2f} ms "
            f"({backlog['runs']} runs)",
            f"< {targets.BACKLOG_MS_TARGET:g} ms",
            _met(backlog),
        ),
        (
            "   oversight ask /backlog (process)",
            f"median {ask['median_ms']:.0f} ms (python -c pass: {ask['python_startup_ms']:.0f} ms)",
            "",
            "",
        ),
        (
            "4. ask imports pandas or sqlite_utils",
            ", ".join(imports["found"]) or f"neither ({imports['modules']} modules imported)",
            "neither",
            _met(imports),
        ),
    ]


def _crime_rows(street: dict[str, object]) -> list[tuple[str, str, str, str]]:
    answer = street["answer"]
    rows = [
        (
            f"8. oversight import crimes, {street['rows']:,} rows in 12 files",
            _speed(street["oversight"]),
            "<= sqlite3",
            "yes" if street["ratio"] <= 1 else "NO",
        ),
        ("   sqlite3 .import of the same files", _speed(street["sqlite3"]), "", ""),
        (
            "   its max RSS; the store (the shell's copy)",
            f"{street['max_rss_mib']:,.0f} MiB; {street['database_mib']:,.1f} MiB "
            f"({street['shell_database_mib']:,.0f} MiB)",
            "< 1,024 MiB",
            "yes" if street["max_rss_mib"] < 1024 else "NO",
        ),
        (
            "   answer(/crime) on that store",
            f"median {answer['median_ms']:.2f} ms, p95 {answer['p95_ms']:.2f} ms",
            f"< {crime.ANSWER_MS_TARGET} ms",
            "yes" if answer["median_ms"] < crime.ANSWER_MS_TARGET else "NO",
        ),
    ]
    area = street.get("area_answer")
    if area:  # results from before VERSION 2 have no area timing
        rows.append(
            (
                f"   answer({area['asked']}) on that store",
                f"median {area['median_ms']:.2f} ms, p95 {area['p95_ms']:.2f} ms",
                f"< {crime.ANSWER_MS_TARGET} ms",
                "yes" if area["median_ms"] < crime.ANSWER_MS_TARGET else "NO",
            )
        )
    if street.get("table_mib"):
        largest = sorted(street["table_mib"].items(), key=lambda item: -item[1])[:4]
        rows.append(
            (
                "   the largest tables (with their indexes)",
                "; ".join(f"{name} {mib:,.1f} MiB" for name, mib in largest),
                "",
                "",
            )
        )
    return rows


def _year_rows(result: dict[str, object]) -> list[tuple[str, str, str, str]]:
    imports, store = result["imports"], result["store"]
    backlog, revisions = result["backlog"], result["revisions"]
    weeks = result["weeks"]
    return [
        (
            f"11. a year: {weeks} weekly imports of {result['rows']:,} records "
            f"({imports['changed_a_week']:,} changed, {imports['missing_a_week']:,} missing a "
            "week), each against sqlite3 .import (wall)",
            f"median {imports['median_ratio']:.2f}x, worst {imports['worst_ratio']:.2f}x "
            f"(week {imports['worst_week']}); CPU median {imports['median_cpu_ratio']:.2f}x, "
            f"worst {imports['worst_cpu_ratio']:.2f}x",
            f"each <= {targets.IMPORT_RATIO_TARGET:g}x",
            _met(imports),
        ),
        *_exact_path_row(imports),
        (
            "   oversight import cases; sqlite3 .import (medians)",
            f"{imports['median_oversight_s']:.2f} s (worst {imports['worst_oversight_s']:.2f} s); "
            f"{imports['median_sqlite3_s']:.2f} s; max RSS {imports['max_rss_mib']:,.0f} MiB",
            "",
            "",
        ),
        (
            f"   the store after week 1 and week {weeks} (db + wal, checkpointed)",
            f"{store['first_week_mib']:,.1f} MiB -> {store['last_week_mib']:,.1f} MiB: "
            f"{store['growth']:.2f}x; {store['version_rows']:,} versions kept",
            f"< {year.STORE_GROWTH_TARGET:g}x",
            _met(store),
        ),
        (
            "   the tables that grew most (with their indexes), after week 1 and after the year",
            "; ".join(
                f"{name} {first:,.0f} -> {last:,.0f} MiB"
                for name, (first, last) in list(store["space_mib"].items())[:4]
            ),
            "",
            "",
        ),
        (
            f"   answer(/backlog as of) each of the {backlog['dates']} weeks: first on a fresh "
            "connection",
            f"median {backlog['first_median_ms']:.1f} ms, worst {backlog['first_worst_ms']:.1f} "
            f"ms (as of {backlog['first_worst_as_of']})",
            f"< {year.BACKLOG_MS_TARGET:g} ms",
            "yes" if backlog["first_worst_ms"] < year.BACKLOG_MS_TARGET else "NO",
        ),
        (
            f"   the same, repeated (median of {backlog['repeats']} for each date)",
            f"median {backlog['repeated_median_ms']:.1f} ms, worst "
            f"{backlog['repeated_worst_ms']:.1f} ms (as of {backlog['repeated_worst_as_of']})",
            f"< {year.BACKLOG_MS_TARGET:g} ms",
            "yes" if backlog["repeated_worst_ms"] < year.BACKLOG_MS_TARGET else "NO",
        ),
        (
            f"   oversight revisions for the year ({revisions['figures']:,} figures, "
            f"{revisions['revised']:,} revised): answer + text; the process",
            f"{revisions['answer_first_s']:.2f} s (then {revisions['answer_median_s']:.2f} s); "
            f"{revisions['process_median_s']:.2f} s (max {revisions['process_max_s']:.2f} s)",
            f"< {year.REVISIONS_S_TARGET:g} s",
            _met(revisions),
        ),
    ]


def _exact_path_row(imports: dict[str, object]) -> list[tuple[str, str, str, str]]:
    first, last = imports["distinct_rests_first_last"]
    if not imports["exact_path_weeks"]:
        return [("   distinct rests of a row, week 1 and the last", f"{first:,}; {last:,}", "", "")]
    fast = (
        f"before it median {imports['fast_median_ratio']:.2f}x, worst "
        f"{imports['fast_worst_ratio']:.2f}x; "
        if imports["fast_median_ratio"] is not None
        else ""
    )
    return [
        (
            f"   past {imports['max_distinct']:,} distinct rests of a row (week 1: {first:,}, the "
            f"last: {last:,}): the exact path",
            f"from week {imports['exact_path_from_week']} ({imports['exact_path_weeks']} weeks): "
            f"{fast}after median {imports['exact_median_ratio']:.2f}x",
            "",
            "",
        )
    ]


def _front_door_rows(door: dict[str, object]) -> list[tuple[str, str, str, str]]:
    burst, slow = door["burst"], door["slow_clients"]
    acks = burst["acks"]
    return [
        (
            f"7. {burst['requests']} signed /backlog at once, {door['case_rows']:,} rows: acks",
            f"p50 {acks.get('p50_ms')} ms, p95 {acks.get('p95_ms')} ms, "
            f"max {acks.get('max_ms')} ms; {burst['failures']} reset or refused",
            f"max < {front_door.SLACK_LIMIT_MS:g} ms, none failed",
            _met(door),
        ),
        (
            "   every answer at its response URL",
            f"{burst['answered']} in {burst['all_answered_s']:.2f} s",
            "all",
            "",
        ),
        (
            f"   {slow['trickling']} slow ({slow['trickle_every_s']:g} s a byte) + "
            f"{slow['silent']} silent connections",
            f"/backlog {slow['backlog_ms']} ms; threads {slow['threads_before']} -> "
            f"{slow['threads_while_held']}; {slow['rss_before_mib']} -> "
            f"{slow['rss_while_held_mib']} MiB",
            "< 3000 ms; bounded",
            "",
        ),
        (
            "   closed by the server after (s)",
            f"slow {slow['cut_off_after_s']} ({slow['read_timeout_s']} s read timeout), "
            f"silent {slow['idle_closed_after_s']} ({slow['idle_timeout_s']} s idle timeout)",
            "",
            "",
        ),
        *_flood_rows(door),
    ]


def _flood_rows(door: dict[str, object]) -> list[tuple[str, str, str, str]]:
    homes, unsigned = door.get("home_flood"), door.get("unsigned_flood")
    if not homes or not unsigned:
        return []
    acks, quiet = unsigned["acks"], unsigned["reference_acks"]
    return [
        (
            f"   {homes['opens']} Home openings by {homes['people']} people at once, and a "
            "signed /backlog",
            f"{homes['publishes']} publishes, at most {homes['most_publishes_a_person']} a "
            f"person; /backlog acked in {homes['backlog_ack_ms']} ms, answered in "
            f"{homes['backlog_answer_ms']} ms",
            f"<= 1 a person in {homes['interval_s']} s; /backlog < 3000 ms",
            _met(homes),
        ),
        (
            f"   {unsigned['flood_mib_a_second']} MiB/s of unsigned or forged 1 MiB bodies, a "
            "signed /backlog every 0.25 s",
            f"acks p50 {acks['p50_ms']} ms, p95 {acks['p95_ms']} ms, max {acks['max_ms']} ms "
            f"(no flood: p95 {quiet['p95_ms']} ms); the flood got {unsigned['flood_answers']}",
            "max < 3000 ms; every flood request refused",
            _met(unsigned),
        ),
    ]


def _aligned(rows: list[tuple[str, str, str, str]]) -> str:
    header = ("target", "measured", "goal", "met")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, tuple("-" * width for width in widths), *rows]
    ]
    return "\n".join(lines)


def _speed(run: dict[str, object]) -> str:
    return f"{run['wall_s']:.2f} s, {run['rows_per_s']:,} rows/s (CPU {run['cpu_s']:.2f} s)"


def _met(result: dict[str, object]) -> str:
    return "yes" if result["met"] else "NO"


def _machine() -> dict[str, object]:
    try:
        shell = subprocess.run(
            ["sqlite3", "--version"], capture_output=True, text=True, check=True
        ).stdout.split()[0]
    except (OSError, subprocess.CalledProcessError, IndexError):
        shell = None
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": _cpu_model(),
        "memory_gib": round(
            os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / (1 << 30), 1
        ),
        "python": platform.python_version(),
        "sqlite_library": sqlite3.sqlite_version,
        "sqlite_shell": shell,
        "platform": platform.platform(),
        "max_rss_from": "/usr/bin/time" if TIME.is_file() else "os.wait4 (an upper bound)",
        "load_average_start": _load_average(),
    }


def _machine_line(machine: dict[str, object]) -> str:
    return (
        f"Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['memory_gib']} GiB, "
        f"Python {machine['python']}, SQLite {machine['sqlite_library']} "
        f"(shell {machine['sqlite_shell']}); load average {machine['load_average_start']} "
        f"at the start, {machine['load_average_end']} at the end."
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
