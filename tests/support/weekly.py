"""Six weekly extracts, as a force would send them, in which the past keeps changing: reviews
undone and re-dated, records that vanish and come back, a one-workstream extract, a returns
extract that marks a quarter excluded later, deadlines moved, a crime month republished, an
information request extended and then answered, a hospital department's month sent again
revised.

``WEEKS`` lists what each week imports, in order; ``build`` imports the first ``n`` weeks into
a store through the real command line; ``merged_cases`` and ``count`` are the independent
count: the rows the store should hold after a week, and the backlog they give on a date.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner

from tests.support.cli import invoke, settings_env, succeeded
from tests.support.data import CASE_HEADER, DEADLINE_HEADER, RETURN_HEADER, write_csv
from tests.support.street import AREAS, GMP, street_rows, write_month

FIRST = date(2020, 7, 7)  # a Tuesday: an extract is taken each Tuesday
DAYS = [FIRST + timedelta(weeks=n) for n in range(6)]
DA, CP = "domestic_abuse", "child_protection"


def _base() -> dict[str, list[str]]:
    """40 cases, recorded July to September 2019; about a third reviewed by 30 June 2020."""
    rows = {}
    for n in range(40):
        ws = DA if n % 4 else CP
        ref = f"{'DA' if ws == DA else 'CP'}-{n:02d}"
        recorded = (date(2019, 7, 1) + timedelta(days=2 * n)).isoformat()
        needs = "no" if n % 7 == 3 else "yes"
        if needs == "no":
            rows[ref] = [ref, ws, recorded, "no", "not_required", "", "", "", ""]
        elif n % 3 == 0:
            reviewed = (date(2020, 6, 1) + timedelta(days=n % 30)).isoformat()
            referral = ["yes", "no"] if n % 5 == 0 else ["no", ""]
            rows[ref] = [ref, ws, recorded, "yes", "reviewed", reviewed, "yes", *referral]
        else:
            rows[ref] = [ref, ws, recorded, "yes", "outstanding", "", "", "", ""]
    return rows


def _review(row: list[str], on: str, compliant: str = "yes") -> list[str]:
    return [*row[:4], "reviewed", on, compliant, "no", ""]


def _weeks() -> list[dict[str, list[list[str]]]]:
    """Each week's case rows (and, when there is one, its scope)."""
    rows = _base()
    waiting = [ref for ref, r in rows.items() if r[4] == "outstanding"]
    weeks = [dict(rows)]
    # Week 2: five reviewed (8 to 14 July), two cases recorded on 10 July.
    for i, ref in enumerate(waiting[:5]):
        rows[ref] = _review(rows[ref], f"2020-07-{8 + i:02d}", "no" if i == 0 else "yes")
    for ref, ws in (("DA-90", DA), ("CP-91", CP)):
        rows[ref] = [ref, ws, "2020-07-10", "yes", "outstanding", "", "", "", ""]
    weeks.append(dict(rows))
    # Week 3: two of those reviews undone; three records vanish.
    for ref in waiting[:2]:
        rows[ref] = [*rows[ref][:4], "outstanding", "", "", "", ""]
    gone = [waiting[6], waiting[7], "CP-00"]
    weeks.append({ref: r for ref, r in rows.items() if ref not in gone})
    # Week 4: two reviews re-dated into June (revising weeks already published), a compliance
    # answer and a referral corrected, and three more reviews.
    for ref in waiting[2:4]:
        rows[ref] = _review(rows[ref], "2020-06-26")
    corrected = [ref for ref, r in _base().items() if r[4] == "reviewed"][1]
    rows[corrected] = [*rows[corrected][:6], "no", *rows[corrected][7:]]
    referred = next(ref for ref, r in rows.items() if r[7] == "yes" and r[8] == "no")
    rows[referred] = [*rows[referred][:8], "yes"]
    for i, ref in enumerate(waiting[8:11]):
        rows[ref] = _review(rows[ref], f"2020-07-{22 + i:02d}")
    weeks.append({ref: r for ref, r in rows.items() if ref not in gone})
    # Week 5: the vanished records come back, one of them reviewed meanwhile.
    rows[gone[0]] = _review(rows[gone[0]], "2020-07-30")
    weeks.append(dict(rows))
    # Week 6: a domestic-abuse-only extract with two more reviews.
    for ref in [r for r in waiting[11:] if rows[r][1] == DA][:2]:
        rows[ref] = _review(rows[ref], "2020-08-06")
    weeks.append({ref: r for ref, r in rows.items() if r[1] == DA})
    return weeks


CASES = _weeks()
SCOPES = {5: "da"}  # week index -> --scope
RETURNS = {
    0: [
        ["Quarterly crime data return (ONS)", "2019-Q4", "2020-01-31", "missing", "", ""],
        ["Quarterly crime data return (ONS)", "2020-Q2", "2020-07-31", "pending", "", ""],
    ],
    3: [
        ["Quarterly crime data return (ONS)", "2019-Q4", "2020-01-31", "excluded", "", ""],
        ["Quarterly crime data return (ONS)", "2020-Q2", "2020-07-31", "submitted", "2020-07-27",
         ""],
    ],
}  # fmt: skip
DEADLINES = {
    1: [
        ["Backlog report", "2020-07-20", "governance", "Deputy mayor's office", "open", ""],
        ["Evidence pack", "2020-07-24", "inspection", "Audit lead", "open", ""],
    ],
    4: [
        ["Backlog report", "2020-08-10", "governance", "Deputy mayor's office", "open", ""],
        ["Evidence pack", "2020-07-24", "inspection", "Audit lead", "done", "2020-07-23"],
    ],
}
CRIME = {0: ("2020-05", 30), 2: ("2020-06", 26), 4: ("2020-05", 34)}  # republished in week 5
VIOLENCE = "Violence and sexual offences"  # 3 an area in week 1's file, one more each week
REQUEST_HEADER = ["ref", "to", "subject", "received_on", "answered_on", "status", "extended_to",
                  "notes"]  # fmt: skip
REQUESTS = {
    0: [["FOI-1", "NHS trust", "ED attendances", "2020-06-22", "", "open", "", ""]],
    2: [
        ["FOI-1", "NHS trust", "ED attendances", "2020-06-22", "", "open", "2020-08-31", ""],
        ["FOI-2", "Home Office", "Crime returns", "2020-07-20", "", "open", "", ""],
    ],
    4: [
        ["FOI-1", "NHS trust", "ED attendances", "2020-06-22", "2020-08-03", "answered",
         "2020-08-31", ""],
        ["FOI-2", "Home Office", "Crime returns", "2020-07-20", "2020-07-31", "refused", "", ""],
    ],
}  # fmt: skip
ASSAULT_HEADER = ["attendance_ref", "department", "arrived_at", "incident_at",
                  "incident_location", "means", "age_band", "sex"]  # fmt: skip
MRI, SRFT = "Manchester Royal Infirmary", "Salford Royal"


def _attendances(month: str, department: str, count: int, knives: int) -> list[list[str]]:
    """``count`` attendances at ``department`` in ``month``, the first ``knives`` by knife."""
    code = "M" if department == MRI else "S"
    return [
        [f"{code}{month}-{i:03d}", department, f"{month}-{1 + i % 28:02d} {i % 24:02d}:15",
         "", ("Piccadilly Gardens", "home", "")[i % 3], "knife" if i < knives else "fist",
         "25-34", "M" if i % 2 else "F"]
        for i in range(count)
    ]  # fmt: skip


# Each a department's extract for one month. June is sent again in week 4, revised: an
# attendance's means corrected (knife, not fist) and two attendances added.
_JUNE_REVISED = _attendances("2020-06", MRI, 14, 4)
_JUNE_REVISED[5][5] = "knife"
ASSAULTS = {
    1: [_attendances("2020-06", MRI, 12, 4), _attendances("2020-06", SRFT, 7, 1)],
    3: [_JUNE_REVISED, _attendances("2020-07", MRI, 9, 2)],
}


@dataclass(frozen=True)
class Step:
    week: int
    kind: str
    path: Path
    scope: str | None = None


def write_extracts(folder: Path) -> list[Step]:
    """Every week's files in ``folder``, in the order they are imported."""
    steps = []
    for week, cases in enumerate(CASES):
        path = write_csv(folder / f"cases-w{week + 1}.csv", CASE_HEADER, cases.values())
        steps.append(Step(week, "cases", path, SCOPES.get(week)))
        if week in RETURNS:
            path = write_csv(folder / f"returns-w{week + 1}.csv", RETURN_HEADER, RETURNS[week])
            steps.append(Step(week, "returns", path))
        if week in DEADLINES:
            path = write_csv(
                folder / f"deadlines-w{week + 1}.csv", DEADLINE_HEADER, DEADLINES[week]
            )
            steps.append(Step(week, "deadlines", path))
        if week in CRIME:
            month, burglaries = CRIME[week]
            types = {"Burglary": burglaries, "Drugs": 5 + week, VIOLENCE: 3 + week}
            path = write_month(folder / f"w{week + 1}", month, GMP, street_rows(types, AREAS))
            steps.append(Step(week, "crimes", path))
        if week in REQUESTS:
            path = write_csv(folder / f"requests-w{week + 1}.csv", REQUEST_HEADER, REQUESTS[week])
            steps.append(Step(week, "requests", path))
        for n, rows in enumerate(ASSAULTS.get(week, [])):
            path = write_csv(folder / f"istv-w{week + 1}-{n}.csv", ASSAULT_HEADER, rows)
            steps.append(Step(week, "assaults", path))
    return steps


def build(db: Path, steps: list[Step], weeks: int) -> Path:
    """Import the steps of the first ``weeks`` weeks into ``db``, each on the evening of the
    day its extract was taken."""
    runner = CliRunner(env=settings_env(db))
    for n, step in enumerate(s for s in steps if s.week < weeks):
        taken = DAYS[step.week]
        now = f"{taken.isoformat()}T18:{n % 60:02d}"
        scope = ["--scope", step.scope] if step.scope else []
        args = ["import", step.kind, str(step.path), "--as-of", taken.isoformat(), *scope]
        with contextlib.chdir(db.parent):
            succeeded(invoke(runner, *args, env={"OVERSIGHT_NOW": now}))
    return db


def merged_cases(weeks: int) -> dict[str, list[str]]:
    """The case rows the store holds after the first ``weeks`` weeks: each record as the last
    extract that held it said (a record that vanished is kept as it was)."""
    held: dict[str, list[str]] = {}
    for cases in CASES[:weeks]:
        held.update(cases)
    return held


def count(rows: dict[str, list[str]], on: date) -> dict[str, dict[str, int]]:
    """The backlog on ``on``, per workstream and for all, counted row by row."""
    counts = {ws: Counter() for ws in (DA, CP, "all")}
    day = on.isoformat()
    for _, ws, recorded, needs, status, reviewed_on, ncrs, required, sent in rows.values():
        reviewed = status == "reviewed" and reviewed_on <= day
        for key in (ws, "all"):
            c = counts[key]
            c["recorded"] += recorded <= day
            c["needing_review"] += needs == "yes" and recorded <= day
            c["reviewed"] += reviewed
            c["outstanding"] += needs == "yes" and recorded <= day and not reviewed
            if reviewed:
                c["ncrs_answered"] += ncrs != ""
                c["ncrs_compliant"] += ncrs == "yes"
                c["referrals_not_sent"] += required == "yes" and sent == "no"
    return {ws: dict(c) for ws, c in counts.items()}
