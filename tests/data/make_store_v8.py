"""Make ``store_v8.db``: a store as the previous release (schema 8, commit e017d4c) left it, for
the upgrade test (tests/test_upgrade_v8.py). Run it with that release's ``oversight`` on the
path; it uses only the command line, so any release can run it:

    git worktree add /tmp/v8 e017d4c
    PYTHONPATH=/tmp/v8 python tests/data/make_store_v8.py tests/data/store_v8.db

Two weekly case extracts (the second reviews three cases, undoes one review and loses one
record), a returns extract, a deadlines extract and one month of street-level crime.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CASES = ["incident_ref", "workstream", "recorded_on", "needs_review", "review_status",
         "reviewed_on", "ncrs_compliant", "referral_required", "referral_sent"]  # fmt: skip
WEEK_1 = [
    ["DA-1", "domestic_abuse", "2019-07-01", "yes", "outstanding", "", "", "", ""],
    ["DA-2", "domestic_abuse", "2019-07-02", "yes", "outstanding", "", "", "", ""],
    ["DA-3", "domestic_abuse", "2019-07-03", "yes", "reviewed", "2020-06-22", "yes", "yes", "no"],
    ["DA-4", "domestic_abuse", "2019-07-04", "yes", "in_progress", "", "", "", ""],
    ["DA-5", "domestic_abuse", "2019-07-05", "no", "not_required", "", "", "", ""],
    ["DA-6", "domestic_abuse", "2019-08-01", "yes", "outstanding", "", "", "", ""],
    ["CP-1", "child_protection", "2019-07-01", "yes", "reviewed", "2020-06-15", "yes", "no", ""],
    ["CP-2", "child_protection", "2019-07-09", "yes", "outstanding", "", "", "", ""],
]
# A week later: DA-1, DA-2 and CP-2 reviewed (1-3 July), DA-3's review undone, DA-6 gone.
WEEK_2 = [
    ["DA-1", "domestic_abuse", "2019-07-01", "yes", "reviewed", "2020-07-01", "yes", "no", ""],
    ["DA-2", "domestic_abuse", "2019-07-02", "yes", "reviewed", "2020-07-02", "no", "yes", "no"],
    ["DA-3", "domestic_abuse", "2019-07-03", "yes", "outstanding", "", "", "", ""],
    ["DA-4", "domestic_abuse", "2019-07-04", "yes", "in_progress", "", "", "", ""],
    ["DA-5", "domestic_abuse", "2019-07-05", "no", "not_required", "", "", "", ""],
    ["CP-1", "child_protection", "2019-07-01", "yes", "reviewed", "2020-06-15", "yes", "no", ""],
    ["CP-2", "child_protection", "2019-07-09", "yes", "reviewed", "2020-07-03", "yes", "no", ""],
]
RETURNS = [
    ["dataset", "period", "due_on", "status", "submitted_on", "notes"],
    ["Quarterly crime data return (ONS)", "2019-Q4", "2020-01-31", "excluded", "", ""],
    ["Quarterly crime data return (ONS)", "2020-Q2", "2020-07-31", "pending", "", ""],
]
DEADLINES = [
    ["title", "due_on", "category", "owner", "status", "done_on"],
    ["Backlog report", "2020-07-09", "governance", "Deputy mayor's office", "open", ""],
]
STREET = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
          "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
          "Context"]  # fmt: skip
GMP = "Greater Manchester Police"


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(rows)
    return path


def main(target: Path) -> None:
    target = target.resolve()
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        street = here / "2020-05-greater-manchester-street.csv"
        write(street, [STREET] + [
            [f"{n:064x}", "2020-05", GMP, GMP, "-2.2367", "53.4809", "On or near Piccadilly",
             "E01033677", "Manchester 054C", "Burglary", "Under investigation", ""]
            for n in range(1, 13)
        ])  # fmt: skip
        steps = [
            ("cases", write(here / "cases-w1.csv", [CASES, *WEEK_1]), "2020-06-30", "06-30T18:00"),
            ("returns", write(here / "returns.csv", RETURNS), "2020-06-30", "06-30T18:05"),
            ("deadlines", write(here / "deadlines.csv", DEADLINES), "2020-06-30", "06-30T18:10"),
            ("crimes", street, "2020-06-30", "06-30T18:15"),
            ("cases", write(here / "cases-w2.csv", [CASES, *WEEK_2]), "2020-07-07", "07-07T18:00"),
        ]
        for kind, path, as_of, at in steps:
            env = {**os.environ, "OVERSIGHT_DB": str(target), "OVERSIGHT_NOW": f"2020-{at}"}
            subprocess.run(
                [sys.executable, "-m", "oversight", "import", kind, str(path), "--as-of", as_of,
                 "--by", "analyst"],
                env=env, cwd=folder, check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
