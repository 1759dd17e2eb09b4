"""Extracts as a force would send them, the moment the tests run at, and the per-day totals
counted independently of oversight's SQL."""

from __future__ import annotations

import csv
import sqlite3
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from oversight.clock import LONDON, Clock
from oversight.settings import Settings

CASE_HEADER = [
    "incident_ref",
    "workstream",
    "recorded_on",
    "needs_review",
    "review_status",
    "reviewed_on",
    "ncrs_compliant",
    "referral_required",
    "referral_sent",
]
RETURN_HEADER = ["dataset", "period", "due_on", "status", "submitted_on", "notes"]
DEADLINE_HEADER = ["title", "due_on", "category", "owner", "status", "done_on"]

# The moment the CLI tests run at, unless a test says otherwise (OVERSIGHT_NOW).
TEST_NOW = "2020-07-01T09:00"
NOW = datetime(2020, 7, 1, 9, 0, tzinfo=LONDON)


def settings(stale_after_days: int = 8, force: str = "") -> Settings:
    """The settings answers are given (only what the figures read of them matters here)."""
    return Settings(
        db_path=Path("oversight.db"), clock=Clock(), stale_after_days=stale_after_days, force=force
    )


def case(
    ref: str,
    workstream: str = "domestic_abuse",
    recorded_on: str = "2019-07-01",
    needs_review: str = "yes",
    review_status: str = "outstanding",
    reviewed_on: str = "",
    ncrs_compliant: str = "",
    referral_required: str = "",
    referral_sent: str = "",
) -> list[str]:
    """One case-review row, in CASE_HEADER order."""
    return [
        ref,
        workstream,
        recorded_on,
        needs_review,
        review_status,
        reviewed_on,
        ncrs_compliant,
        referral_required,
        referral_sent,
    ]


def write_csv(
    path: Path,
    header: list[str],
    rows: Iterable[list[str]],
    *,
    bom: bool = False,
    crlf: bool = False,
    trailing_blank_lines: int = 0,
) -> Path:
    """Write an extract the way a spreadsheet export would, byte for byte."""
    newline = "\r\n" if crlf else "\n"
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as file:
        writer = csv.writer(file, lineterminator=newline)
        writer.writerow(header)
        writer.writerows(rows)
        file.write(newline * trailing_blank_lines)
    return path


# --- the per-day totals, counted independently of oversight's SQL ----------------------------

DAILY_COLUMNS = (
    "recorded",
    "needing_review",
    "reviewed",
    "ncrs_answered",
    "ncrs_compliant",
    "referral_not_sent",
    "referral_unknown",
)
CountedCase = tuple  # (workstream, recorded_on, needs_review, review_status, reviewed_on,
#                       ncrs_compliant, referral_required, referral_sent), as stored


def stored_cases(conn: sqlite3.Connection) -> list[CountedCase]:
    return conn.execute(
        "SELECT workstream, recorded_on, needs_review, review_status, reviewed_on, "
        "ncrs_compliant, referral_required, referral_sent FROM case_reviews"
    ).fetchall()


def count_case_daily(cases: Iterable[CountedCase]) -> dict[tuple[str, str], tuple[int, ...]]:
    """The per-day totals, counted one case at a time in Python."""
    totals: dict[tuple[str, str], Counter] = {}
    for ws, recorded_on, needs, status, reviewed_on, ncrs, required, sent in cases:
        day = totals.setdefault((ws, recorded_on), Counter())
        day["recorded"] += 1
        day["needing_review"] += needs
        if status == "reviewed":
            day = totals.setdefault((ws, reviewed_on), Counter())
            day["reviewed"] += 1
            day["ncrs_answered"] += ncrs is not None
            day["ncrs_compliant"] += ncrs == 1
            day["referral_not_sent"] += required == 1 and sent == 0
            day["referral_unknown"] += required == 1 and sent is None
    return {key: tuple(counts[c] for c in DAILY_COLUMNS) for key, counts in totals.items()}


def recount_case_daily(conn: sqlite3.Connection) -> dict[tuple[str, str], tuple[int, ...]]:
    """The per-day totals, counted case by case in Python from the stored rows."""
    return count_case_daily(stored_cases(conn))


def stored_case_daily(conn: sqlite3.Connection) -> dict[tuple[str, str], tuple[int, ...]]:
    """The per-day totals as oversight stored them in case_daily."""
    rows = conn.execute(f"SELECT workstream, day, {', '.join(DAILY_COLUMNS)} FROM case_daily")
    return {(ws, day): tuple(counts) for ws, day, *counts in rows}


def assert_totals_are_a_recount(conn: sqlite3.Connection) -> None:
    """The totals kept beside the rows (per day, and the ages of what needs review), moved by
    each import's changes, equal a recount of the stored rows, case by case."""
    assert stored_case_daily(conn) == recount_case_daily(conn)
    ages = Counter(
        (ws, recorded, reviewed if status == "reviewed" else "")
        for ws, recorded, needs, status, reviewed, *_ in stored_cases(conn)
        if needs == 1
    )
    stored = conn.execute("SELECT * FROM case_ages").fetchall()
    assert {(w, r, v): n for w, r, v, n in stored} == dict(ages)


def import_deadline(cli, folder: Path, title: str) -> None:
    """A deadline due the day after TEST_NOW, in a new deadlines extract that another process
    (``oversight import``) imports: the store's data changes, as after any import."""
    rows = [[title, "2020-07-02", "governance", "Deputy mayor", "open", ""]]
    extract = write_csv(
        folder / f"deadlines-{len(list(folder.glob('deadlines-*')))}.csv", DEADLINE_HEADER, rows
    )
    imported = cli("import", "deadlines", str(extract), "--as-of", TEST_NOW[:10])
    assert imported.returncode == 0, imported.stderr
