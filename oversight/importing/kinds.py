"""The kinds of extract, each declared once: its columns, key, rules, table, label and importer.

Everything that lists kinds (the import command's choices, status and freshness in every
rendering, the demo) derives from :data:`KINDS`. A kind found in a store's import history that
this version does not declare is shown by its name, never a crash (see :func:`kind_label`).
"""

from __future__ import annotations

from datetime import date
from functools import partial
from itertools import repeat
from operator import is_, lt
from pathlib import Path

from oversight.case_totals import adjust_case_totals
from oversight.importing.assault_counts import adjust_assault_counts
from oversight.importing.assaults import (
    ASSAULT_COLUMNS,
    check_assault,
    import_assaults,
    vouch_assaults,
)
from oversight.importing.crimes import STREET_COLUMNS, import_crimes
from oversight.importing.kind import Column, FastPath, Kind, Row
from oversight.importing.reconcile import reconcile
from oversight.importing.result import ImportResult
from oversight.importing.tabular import import_rows
from oversight.registry import Registry
from oversight.store import Store
from oversight.values import (
    DEADLINE_STATUSES,
    REQUEST_STATUSES,
    RETURN_STATUSES,
    REVIEW_STATUSES,
    parse_choice,
    parse_date,
    parse_period,
    parse_risk_level,
    parse_text,
    parse_workstream,
    parse_yes_no,
)


def _not_after(row: Row, column: str, as_of: date) -> list[tuple[str, str]]:
    value = row[column]
    if isinstance(value, date) and value > as_of:
        return [(column, f"{value.isoformat()} is after the extract's as-of date {as_of}")]
    return []


NO_RISK_COLUMNS = (
    "no risk_assessed_on or risk_level column: risk assessments are not in this extract, and "
    "its figures say so"
)

KINDS: Registry[Kind] = Registry("kind", lambda kind: kind.name)


def check_case(row: Row, as_of: date) -> list[tuple[str, str]]:
    problems = _not_after(row, "recorded_on", as_of) + _not_after(row, "reviewed_on", as_of)
    status, reviewed_on = row["review_status"], row["reviewed_on"]
    if row["needs_review"] is False:
        if status not in (None, "not_required"):
            problems.append(("review_status", f'is "{status}" but needs_review is no'))
        row["review_status"] = "not_required"
        if status is None:  # blank means not required: check the rest of the row as that
            status = "not_required"
    elif row["needs_review"] is True:
        if status is None:
            problems.append(("review_status", "is required when needs_review is yes"))
        elif status == "not_required":
            problems.append(("review_status", 'is "not_required" but needs_review is yes'))
    if status == "reviewed" and reviewed_on is None:
        problems.append(("reviewed_on", "is required when review_status is reviewed"))
    if reviewed_on is not None and status not in ("reviewed", None):
        problems.append(("reviewed_on", f'is given but review_status is "{status}"'))
    recorded_on = row["recorded_on"]
    if (
        isinstance(reviewed_on, date)
        and isinstance(recorded_on, date)
        and reviewed_on < recorded_on
    ):
        problems.append(
            ("reviewed_on", f"{reviewed_on.isoformat()} is before recorded_on {recorded_on}")
        )
    return problems + _check_risk(row, as_of)


_LAST: dict[object, object] = {None: date.max}  # a blank date comes after every other


def vouch_cases(columns: dict[str, list[object]], as_of: date) -> bool:
    """Whether :func:`check_case` surely finds nothing in these rows, filling in each blank
    review status it would (those of needs_review no). Its rules are of two kinds: dates
    against the extract's date and each other, checked here over whole columns; and the rest,
    which read only needs_review, review_status and which other cells are blank, checked by
    ``check_case`` itself once for each distinct combination of those, its dates put on the
    extract's day (where no rule of dates can fire)."""
    recorded, reviewed = columns["recorded_on"], columns["reviewed_on"]
    assessed, needs = columns["risk_assessed_on"], columns["needs_review"]
    status, level = columns["review_status"], columns["risk_level"]
    for dates in (recorded, reviewed, assessed):
        if max(filter(None, dates), default=as_of) > as_of:  # type: ignore[type-var]
            return False
    for dates in (reviewed, assessed):  # neither before the incident was recorded
        if any(map(lt, map(_LAST.get, dates, dates), recorded)):
            return False
    fills: dict[tuple[object, object], object] = {}
    for need, was, *blanks in set(
        zip(needs, status, map(is_, reviewed, repeat(None)), map(is_, level, repeat(None)),
            map(is_, assessed, repeat(None)), strict=True)
    ):  # fmt: skip
        row: Row = {
            "recorded_on": as_of,
            "needs_review": need,
            "review_status": was,
            **{
                name: None if empty else value
                for name, empty, value in zip(
                    ("reviewed_on", "risk_level", "risk_assessed_on"),
                    blanks,
                    (as_of, "standard", as_of),
                    strict=True,
                )
            },
        }
        if check_case(row, as_of):
            return False
        if row["review_status"] is not was:
            fills[need, was] = row["review_status"]
    if fills:
        columns["review_status"] = list(map(fills.get, zip(needs, status, strict=True), status))
    return True


def _check_risk(row: Row, as_of: date) -> list[tuple[str, str]]:
    """A risk level needs the date of its assessment; that date lies between the incident's
    recording and the extract."""
    assessed, recorded = row["risk_assessed_on"], row["recorded_on"]
    problems = _not_after(row, "risk_assessed_on", as_of)
    if row["risk_level"] is not None and assessed is None:
        problems.append(("risk_level", "is given but risk_assessed_on is blank"))
    if isinstance(assessed, date) and isinstance(recorded, date) and assessed < recorded:
        problems.append(
            ("risk_assessed_on", f"{assessed.isoformat()} is before recorded_on {recorded}")
        )
    return problems


def check_return(row: Row, as_of: date) -> list[tuple[str, str]]:
    problems = _not_after(row, "submitted_on", as_of)
    status = row["status"]
    if status == "submitted" and row["submitted_on"] is None:
        problems.append(("submitted_on", "is required when status is submitted"))
    if status in ("missing", "pending") and row["submitted_on"] is not None:
        problems.append(("submitted_on", f'is given but status is "{status}"'))
    return problems


def check_deadline(row: Row, as_of: date) -> list[tuple[str, str]]:
    problems = _not_after(row, "done_on", as_of)
    if row["status"] is None:
        row["status"] = "open"
    if row["status"] == "open" and row["done_on"] is not None:
        problems.append(("done_on", 'is given but status is "open"'))
    return problems


CASES = KINDS.register(
    Kind(
        name="cases",
        label="case reviews",
        table="case_reviews",
        noun="case review",
        key=("incident_ref",),
        importer=import_rows,
        check=check_case,
        vouch=vouch_cases,
        check_reads=(
            "recorded_on",
            "needs_review",
            "review_status",
            "reviewed_on",
            "risk_assessed_on",
            "risk_level",
        ),
        after_write=adjust_case_totals,
        reconcile=reconcile,
        fast_path=FastPath.BY_RESTS,
        columns=(
            Column("incident_ref", parse_text, required=True),
            Column("workstream", parse_workstream, required=True),
            Column("recorded_on", parse_date, required=True),
            Column("needs_review", parse_yes_no, required=True),
            Column(
                "review_status",
                partial(parse_choice, choices=REVIEW_STATUSES, what="review status"),
            ),
            Column("reviewed_on", parse_date),
            Column("ncrs_compliant", parse_yes_no),
            Column("referral_required", parse_yes_no),
            Column("referral_sent", parse_yes_no),
            Column("risk_assessed_on", parse_date, absent=NO_RISK_COLUMNS),
            Column("risk_level", parse_risk_level, absent=NO_RISK_COLUMNS),
        ),
    )
)

RETURNS = KINDS.register(
    Kind(
        name="returns",
        label="data returns",
        table="data_returns",
        noun="data return",
        key=("dataset", "period"),
        importer=import_rows,
        check=check_return,
        columns=(
            Column("dataset", parse_text, required=True),
            Column("period", parse_period, required=True),
            Column("due_on", parse_date, required=True),
            Column(
                "status",
                partial(parse_choice, choices=RETURN_STATUSES, what="return status"),
                required=True,
            ),
            Column("submitted_on", parse_date),
            Column("notes", parse_text),
        ),
    )
)

DEADLINES = KINDS.register(
    Kind(
        name="deadlines",
        label="deadlines",
        table="deadlines",
        noun="deadline",
        key=("title",),
        importer=import_rows,
        check=check_deadline,
        columns=(
            Column("title", parse_text, required=True),
            Column("due_on", parse_date, required=True),
            Column("category", parse_text),
            Column("owner", parse_text),
            Column(
                "status", partial(parse_choice, choices=DEADLINE_STATUSES, what="deadline status")
            ),
            Column("done_on", parse_date),
        ),
    )
)


CRIMES = KINDS.register(
    Kind(
        name="crimes",
        label="recorded crime",
        table="crime_files",
        noun="street-level crime file",
        # data.police.uk's street-level files, read with pandas and kept as counts, a force's
        # month file at a time (oversight.importing.crimes).
        key=("falls_within", "month"),
        columns=STREET_COLUMNS,
        importer=import_crimes,
        rows_are="recorded crime, month files (one a force and month)",
        judged_by_age=False,
    )
)


def check_request(row: Row, as_of: date) -> list[tuple[str, str]]:
    problems = _not_after(row, "received_on", as_of) + _not_after(row, "answered_on", as_of)
    status = row["status"] or "open"
    row["status"] = status
    received, answered = row["received_on"], row["answered_on"]
    if status == "open" and answered is not None:
        problems.append(("answered_on", 'is given but status is "open"'))
    if status in ("answered", "refused", "internal_review") and answered is None:
        problems.append(("answered_on", f"is required when status is {status}"))
    for column in ("answered_on", "extended_to"):
        value = row[column]
        if isinstance(value, date) and isinstance(received, date) and value < received:
            problems.append((column, f"{value.isoformat()} is before received_on {received}"))
    return problems


REQUESTS = KINDS.register(
    Kind(
        name="requests",
        label="information requests",
        table="requests",
        noun="information request",
        key=("ref",),
        importer=import_rows,
        check=check_request,
        columns=(
            Column("ref", parse_text, required=True),
            # "to" in the file: the public authority asked ("to" is a word SQL keeps).
            Column("authority", parse_text, required=True, header="to"),
            Column("subject", parse_text, required=True),
            Column("received_on", parse_date, required=True),
            Column("answered_on", parse_date),
            Column(
                "status", partial(parse_choice, choices=REQUEST_STATUSES, what="request status")
            ),
            Column("extended_to", parse_date),
            Column("notes", parse_text),
        ),
    )
)


ASSAULTS = KINDS.register(
    Kind(
        name="assaults",
        label="hospital assault attendances",
        table="assaults",
        noun="hospital assault attendance",
        # An emergency department's ISTV extract (ISB 1594): screened for patient identifiers,
        # refused whole when it holds one (oversight.extracts.identifiers).
        key=("attendance_ref",),
        importer=import_assaults,
        check=check_assault,
        vouch=vouch_assaults,
        check_reads=("arrived_at", "incident_at"),
        columns=ASSAULT_COLUMNS,
        fast_path=FastPath.BY_COLUMNS,
        # Sent monthly, some days after the month: stale once a month and a fortnight old.
        stale_after_days=45,
        after_write=adjust_assault_counts,
    )
)


def kind_label(name: str) -> str:
    """A kind's label; a kind this version does not know (a newer store) by its own name."""
    kind = KINDS.get(name)
    return (
        kind.label
        if kind is not None
        else f'"{name}" extracts (a kind this oversight does not know)'
    )


def import_extract(store: Store, kind: Kind, path: Path, **options: object) -> ImportResult:
    """Validate the file at ``path`` as a ``kind``, then import all of it or none of it."""
    return kind.importer(store, kind, path, **options)
