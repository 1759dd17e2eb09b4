"""Shared fixtures: a real store in a temporary folder, extract writers, and the real CLI."""

from __future__ import annotations

import csv
import os
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

import pytest

from oversight.clock import LONDON
from oversight.store import Store, open_store

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


@pytest.fixture
def store(tmp_path: Path) -> Iterable[Store]:
    opened = open_store(tmp_path / "oversight.db", create=True)
    yield opened
    opened.close()


def oversight_command() -> list[str]:
    """The installed console script, the real entry point; ``python -m oversight`` otherwise."""
    script = Path(sys.executable).parent / "oversight"
    return [str(script)] if script.exists() else [sys.executable, "-m", "oversight"]


CliRun = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(tmp_path: Path) -> CliRun:
    """Run ``oversight`` in a subprocess, in ``tmp_path``, against ``tmp_path/oversight.db``."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120):
        full_env = {
            **os.environ,
            "OVERSIGHT_DB": str(tmp_path / "oversight.db"),
            "OVERSIGHT_NOW": TEST_NOW,
            **(env or {}),
        }
        return subprocess.run(
            [*oversight_command(), *args],
            cwd=tmp_path,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    return run


# --- the demo database, built once by the real `oversight demo` -----------------------------

_demo: dict[str, Path] = {}


def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database built by the real ``oversight demo``, once per test session."""
    if "db" not in _demo:
        folder = tmp_path_factory.mktemp("bot-demo")
        result = subprocess.run(
            [*oversight_command(), "demo", "--db", str(folder / "demo.db")],
            cwd=folder,
            env=clean_env(OVERSIGHT_DB=str(folder / "not-the-demo.db"), OVERSIGHT_NOW=TEST_NOW),
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0, result.stderr
        _demo["db"] = folder / "demo.db"
    return _demo["db"]


def copy_database(source: Path, target: Path) -> Path:
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return target


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without any Slack, oversight or proxy setting, plus ``values``."""
    dropped = ("SLACK_", "OVERSIGHT_", "PORT", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(dropped)}
    return {**env, **values}


@pytest.fixture
def db(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo database (imported at TEST_NOW), for a test to change freely."""
    return copy_database(demo_database(tmp_path_factory), tmp_path / "oversight.db")


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
