"""A messy case extract, as a force's analysts export it from Excel (labels spelt every way,
dates in both forms, an extra column), and its figures counted by hand: read with the csv module,
without oversight's parsers or figures."""

from __future__ import annotations

import csv
import random
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

from tests.support.data import write_csv

AS_OF = date(2020, 6, 30)
WORKSTREAMS = ("domestic_abuse", "child_protection")

# How a force's extract spells things, and what each spelling means, written out by hand.
WORKSTREAM_SPELLINGS = {
    "Domestic abuse": "domestic_abuse",
    "DA": "domestic_abuse",
    "da": "domestic_abuse",
    "domestic_abuse": "domestic_abuse",
    "Domestic-Abuse": "domestic_abuse",
    "Child protection": "child_protection",
    "CP": "child_protection",
    "child_protection": "child_protection",
    "CHILD PROTECTION": "child_protection",
}
YES_SPELLINGS = ("Y", "y", "yes", "Yes", "TRUE", "true", "1")
NO_SPELLINGS = ("N", "n", "no", "No", "FALSE", "false", "0")
STATUS_SPELLINGS = {
    "outstanding": ("Outstanding", "outstanding", "OUTSTANDING"),
    "in_progress": ("In progress", "In Progress", "in-progress", "in_progress"),
    "reviewed": ("Reviewed", "reviewed", "REVIEWED"),
    "not_required": ("Not required", "not_required", ""),
}
STATUS_OF = {s: status for status, spellings in STATUS_SPELLINGS.items() for s in spellings}
# A real export's header: names spelt differently, and a column oversight does not use.
MESSY_HEADER = [
    "Incident Ref",
    "Workstream",
    "Recorded On",
    "Officer in case",
    "Needs Review",
    "Review Status",
    "Reviewed On",
    "NCRS Compliant",
    "Referral required",
    "referral-sent",
]


def spell_date(rng: random.Random, day: date) -> str:
    """A date as some export or other would write it: ISO, UK, with or without a midnight."""
    style = rng.randrange(5)
    if style == 0:
        return day.isoformat()
    if style == 1:
        return day.strftime("%d/%m/%Y")
    if style == 2:
        return f"{day.day}/{day.month}/{day.year}"
    if style == 3:
        return day.strftime("%d/%m/%Y 00:00")
    return f"{day.isoformat()} 00:00:00"


def read_date(text: str) -> date | None:
    """The test's own reading of a date cell (UK day/month order), independent of oversight."""
    text = text.strip()
    if not text:
        return None
    for layout in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y", "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise AssertionError(f"the test wrote a date it cannot read: {text!r}")


def read_yes_no(text: str) -> bool | None:
    if text in YES_SPELLINGS:
        return True
    if text in NO_SPELLINGS:
        return False
    assert text == "", text
    return None


def messy_rows(seed: int, count: int, first: int = 1) -> list[list[str]]:
    """Case rows as a messy export has them, in MESSY_HEADER order.

    Some cases are recorded, and some reviews done, after 30 June 2020, so that the figures
    "as of 30 June" must leave them out. Dates are day-first (UK); many have a day of 12 or
    less, which read month-first would be another date.
    """
    rng = random.Random(seed)
    rows = []
    for number in range(first, first + count):
        recorded = date(2019, 7, 1) + timedelta(days=rng.randrange(376))  # to 10 July 2020
        needs = rng.random() < 0.45
        status, reviewed_on, ncrs, required, sent = "not_required", None, "", "", ""
        if needs:
            status = rng.choice(["outstanding", "outstanding", "in_progress", "reviewed"])
            if status == "reviewed":
                reviewed_on = recorded + timedelta(
                    days=rng.randrange((date(2020, 7, 14) - recorded).days + 1)
                )
                ncrs = rng.choice([*YES_SPELLINGS, *YES_SPELLINGS, *NO_SPELLINGS, ""])
                required = rng.choice([*YES_SPELLINGS, *NO_SPELLINGS, ""])
                if read_yes_no(required):
                    sent = rng.choice([*YES_SPELLINGS, *NO_SPELLINGS, ""])
        officer = rng.choice(["PC 1234", "Smith, J", "DC O'Neill", ""])
        rows.append(
            [
                f"INC-{number:05d}",
                rng.choice(list(WORKSTREAM_SPELLINGS)),
                spell_date(rng, recorded),
                officer,
                rng.choice(YES_SPELLINGS if needs else NO_SPELLINGS),
                rng.choice(STATUS_SPELLINGS[status]),
                spell_date(rng, reviewed_on) if reviewed_on else "",
                ncrs,
                required,
                sent,
            ]
        )
    return rows


def count_by_hand(path: Path, as_of: date) -> dict[str, dict[str, int]]:
    """The backlog on ``as_of``, counted straight from the file, per workstream and for all."""
    counts = {ws: Counter() for ws in (*WORKSTREAMS, "all")}
    with path.open(encoding="utf-8-sig", newline="") as file:
        for row in csv.DictReader(file):
            if not any(cell.strip() for cell in row.values()):
                continue
            workstream = WORKSTREAM_SPELLINGS[row["Workstream"]]
            recorded = read_date(row["Recorded On"])
            needs = read_yes_no(row["Needs Review"])
            status = STATUS_OF[row["Review Status"]] if needs else "not_required"
            reviewed_on = read_date(row["Reviewed On"])
            reviewed = status == "reviewed" and reviewed_on <= as_of
            ncrs = read_yes_no(row["NCRS Compliant"])
            required = read_yes_no(row["Referral required"])
            sent = read_yes_no(row["referral-sent"])
            for key in (workstream, "all"):
                c = counts[key]
                c["recorded"] += recorded <= as_of
                c["needing_review"] += bool(needs) and recorded <= as_of
                c["reviewed"] += reviewed
                c["outstanding"] += bool(needs) and recorded <= as_of and not reviewed
                if reviewed:
                    c["ncrs_answered"] += ncrs is not None
                    c["ncrs_compliant"] += ncrs is True
                    c["referrals_not_sent"] += required is True and sent is False
                    c["referrals_unknown"] += required is True and sent is None
    return {ws: dict(c) for ws, c in counts.items()}


def write_messy_extract(path: Path, rows: list[list[str]]) -> Path:
    """BOM, CRLF line ends and blank lines at the end, as Excel writes "CSV UTF-8"."""
    return write_csv(path, MESSY_HEADER, rows, bom=True, crlf=True, trailing_blank_lines=2)
