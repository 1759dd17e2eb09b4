"""The demo's synthetic case reviews, data returns and deadlines, and its extracts as CSV files.

The records are invented. Their totals match what is on the public record: 35,107 domestic-abuse
incidents recorded July to October 2019, a little over a third needing an in-depth review, about
a quarter of those reviewed by the end of June 2020 (just over 10,000 outstanding), 96% of
reviewed cases compliant with the National Crime Recording Standard, the child-protection audit
complete, the July–September and October–December 2019 quarterly crime-data returns missing and
excluded from the national bulletin, and an annual data return due in April 2020.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from oversight.demo.hospital import hospital_extracts
from oversight.demo.requests import REQUEST_ROWS
from oversight.demo.street import published_on, spread, street_files
from oversight.figures.vintage import SYNTHETIC_IMPORTER
from oversight.importing.kinds import KINDS

AS_OF = date(2020, 6, 30)
# The later weekly case extracts: a week of progress, then one in which records are lost.
LATER = (date(2020, 7, 7), date(2020, 7, 14))
JULY_REVIEWS, VANISHED, UNDONE = 190, 120, 35
DEMO_USER = SYNTHETIC_IMPORTER  # marks the store as synthetic (figures.vintage.is_synthetic)
SYNTHETIC_NOTICE = (
    "SYNTHETIC RECORDS: every case below is invented for this demonstration. The totals are "
    "made to agree with the published figures; no real incident is in this database."
)


@dataclass(frozen=True)
class WorkstreamPlan:
    prefix: str
    workstream: str
    recorded: int
    needing_review: int
    reviewed: int
    in_progress: int
    ncrs_compliant: int
    referral_required: int
    referral_not_sent: int
    referral_unknown: int
    reviews_start: date
    reviews_end: date


DOMESTIC_ABUSE = WorkstreamPlan(
    prefix="DA",
    workstream="domestic_abuse",
    recorded=35_107,
    needing_review=13_482,  # 38.4%: "more than a third"
    reviewed=3_370,  # 25.0% of those needing review: 10,112 outstanding
    in_progress=412,
    ncrs_compliant=3_235,  # 96.0% of 3,370
    referral_required=1_188,
    referral_not_sent=41,
    referral_unknown=12,
    reviews_start=date(2020, 1, 6),
    reviews_end=AS_OF,
)
CHILD_PROTECTION = WorkstreamPlan(
    prefix="CP",
    workstream="child_protection",
    recorded=4_612,
    needing_review=1_029,
    reviewed=1_029,  # the child-protection audit is complete
    in_progress=0,
    ncrs_compliant=988,  # 96.0%
    referral_required=431,
    referral_not_sent=7,
    referral_unknown=0,
    reviews_start=date(2019, 12, 2),
    reviews_end=date(2020, 5, 29),
)
RECORDED_FROM, RECORDED_TO = date(2019, 7, 1), date(2019, 10, 31)

CRIME_RETURN = "Quarterly crime data return (ONS)"
ANNUAL_RETURN = "Annual data return (Home Office)"
RETURN_ROWS = [
    # dataset, period, due_on, status, submitted_on, notes
    (CRIME_RETURN, "2019-Q2", "2019-07-31", "submitted", "2019-07-24", ""),
    (
        CRIME_RETURN,
        "2019-Q3",
        "2019-10-31",
        "excluded",
        "",
        "Missing after the records-system launch; excluded from the national statistics bulletin",
    ),
    (
        CRIME_RETURN,
        "2019-Q4",
        "2020-01-31",
        "excluded",
        "",
        "Missing after the records-system launch; excluded from the national statistics bulletin",
    ),
    (CRIME_RETURN, "2020-Q1", "2020-04-30", "late", "2020-06-12", "Submitted six weeks late"),
    (CRIME_RETURN, "2020-Q2", "2020-07-31", "pending", "", ""),
    (ANNUAL_RETURN, "2019/20", "2020-04-30", "late", "", "Annual data requirement, due April 2020"),
]
DEADLINE_ROWS = [
    # title, due_on, category, owner, status, done_on
    (
        "Annual data return 2019/20 to the Home Office",
        "2020-04-30",
        "data return",
        "Force performance team",
        "open",
        "",
    ),
    (
        "Safeguarding referrals: reconcile with partner agencies",
        "2020-06-26",
        "safeguarding",
        "Public protection unit",
        "open",
        "",
    ),
    (
        "Quarterly crime data return Jan–Mar 2020",
        "2020-04-30",
        "data return",
        "Force performance team",
        "done",
        "2020-06-12",
    ),
    (
        "Police and Crime Committee: review backlog report",
        "2020-07-09",
        "governance",
        "Deputy mayor's office",
        "open",
        "",
    ),
    (
        "Violence reduction unit: problem profile refresh",
        "2020-07-10",
        "partnership",
        "Violence reduction unit",
        "open",
        "",
    ),
    (
        "Inspectorate follow-up: evidence pack",
        "2020-07-13",
        "inspection",
        "Force audit lead",
        "open",
        "",
    ),
    (
        "Quarterly crime data return Apr–Jun 2020",
        "2020-07-31",
        "data return",
        "Force performance team",
        "open",
        "",
    ),
    (
        "Inspectorate follow-up audit fieldwork",
        "2020-09-30",
        "inspection",
        "Force audit lead",
        "open",
        "",
    ),
]


def _review_days(plan: WorkstreamPlan) -> list[date]:
    """Review dates for the plan's reviewed cases: working days, the pace rising over time."""
    days = [
        plan.reviews_start + timedelta(days=n)
        for n in range((plan.reviews_end - plan.reviews_start).days + 1)
    ]
    days = [d for d in days if d.weekday() < 5]
    per_day = spread(plan.reviewed, [1 + 2 * i / len(days) for i in range(len(days))])
    return [d for d, n in zip(days, per_day, strict=True) for _ in range(n)]


def case_rows(plan: WorkstreamPlan, rng: random.Random) -> Iterator[list[str]]:
    span = (RECORDED_TO - RECORDED_FROM).days + 1
    needing = set(rng.sample(range(plan.recorded), plan.needing_review))
    order = sorted(needing)
    reviewed = sorted(rng.sample(order, plan.reviewed))
    review_day = dict(zip(reviewed, _review_days(plan), strict=True))
    rest = [i for i in order if i not in review_day]
    in_progress = set(rng.sample(rest, plan.in_progress))
    compliant = set(rng.sample(reviewed, plan.ncrs_compliant))
    referral = rng.sample(reviewed, plan.referral_required)
    not_sent = set(referral[: plan.referral_not_sent])
    unknown = set(referral[plan.referral_not_sent : plan.referral_not_sent + plan.referral_unknown])
    referral = set(referral)
    yes_no = {True: "yes", False: "no"}
    for i in range(plan.recorded):
        recorded_on = RECORDED_FROM + timedelta(days=i * span // plan.recorded)
        ref = f"{plan.prefix}-2019-{i + 1:06d}"
        if i not in needing:
            yield [
                ref,
                plan.workstream,
                recorded_on.isoformat(),
                "no",
                "not_required",
                "",
                "",
                "",
                "",
            ]
            continue
        if i in review_day:
            sent = "" if i in unknown else yes_no[i not in not_sent] if i in referral else ""
            yield [
                ref,
                plan.workstream,
                recorded_on.isoformat(),
                "yes",
                "reviewed",
                review_day[i].isoformat(),
                yes_no[i in compliant],
                yes_no[i in referral],
                sent,
            ]
            continue
        status = "in_progress" if i in in_progress else "outstanding"
        yield [ref, plan.workstream, recorded_on.isoformat(), "yes", status, "", "", "", ""]


def demo_rows(rng: random.Random) -> dict[str, list[list[str]]]:
    """The synthetic rows of each kind the demo has data for, in its columns' order."""
    cases = [row for plan in (DOMESTIC_ABUSE, CHILD_PROTECTION) for row in case_rows(plan, rng)]
    _risk_assessments(cases, random.Random(23))  # its own draws: the rest stay as they were
    return {
        "cases": cases,
        "returns": RETURN_ROWS,
        "deadlines": DEADLINE_ROWS,
        "requests": REQUEST_ROWS,
    }


NEVER_ASSESSED = 437  # domestic-abuse incidents never risk-assessed, as the inspectorate found


def _risk_assessments(cases: list[list[str]], rng: random.Random) -> None:
    """Each case's risk assessment (two more columns): done within a fortnight of recording,
    a tenth high risk, but NEVER_ASSESSED domestic-abuse incidents never assessed at all."""
    abuse = [i for i, row in enumerate(cases) if row[1] == "domestic_abuse"]
    never = set(rng.sample(abuse, NEVER_ASSESSED))
    for i, row in enumerate(cases):
        if i in never:
            row += ["", ""]
            continue
        assessed = date.fromisoformat(row[2]) + timedelta(days=rng.randint(0, 14))
        level = rng.choices(("standard", "medium", "high"), (55, 35, 10))[0]
        row += [min(assessed, AS_OF).isoformat(), level]


def later_case_extracts(cases: list[list[str]], rng: random.Random) -> list[tuple[date, list]]:
    """The next two weekly case extracts: a week of progress, then one that loses records.

    7 July: JULY_REVIEWS more domestic-abuse reviews, completed 1 to 7 July. 14 July: VANISHED
    records are missing and UNDONE of those July reviews are outstanding again. Nothing before
    30 June changes, so the published figures as of 30 June stand.
    """
    days = [AS_OF + timedelta(days=n) for n in range(1, 8)]
    days = [d for d in days if d.weekday() < 5]
    waiting = [i for i, row in enumerate(cases) if row[1] == "domestic_abuse" and row[4] in
               ("outstanding", "in_progress")]  # fmt: skip
    reviewed = sorted(rng.sample(waiting, JULY_REVIEWS))
    week = [list(row) for row in cases]
    for n, i in enumerate(reviewed):
        compliant = "no" if n % 24 == 0 else "yes"
        week[i][4:9] = ["reviewed", days[n % len(days)].isoformat(), compliant, "no", ""]
    undone = set(rng.sample(reviewed, UNDONE))
    kept = [i for i in range(len(cases)) if i not in set(reviewed)]
    vanished = set(rng.sample(kept, VANISHED))
    lost = []
    for i, row in enumerate(week):
        if i in vanished:
            continue
        row = list(row)
        if i in undone:
            row[4:9] = ["outstanding", "", "", "", ""]
        lost.append(row)
    return [(LATER[0], week), (LATER[1], lost)]


def write_extracts(folder: Path, seed: int = 2019) -> list[tuple[str, Path, date]]:
    """Write the demo's extracts in ``folder``, and list them in the order they were taken, as
    (kind, path, as of): each month's street-level file as data.police.uk published it, the case
    reviews, returns and deadlines as of 30 June (in kind order), then the later case extracts;
    each month's hospital assault extract some days after the month."""
    rng = random.Random(seed)
    rows = demo_rows(rng)
    extracts = [(kind.name, rows[kind.name], AS_OF) for kind in KINDS if kind.name in rows]
    extracts += [("cases", later, day) for day, later in later_case_extracts(rows["cases"], rng)]
    written = []
    for kind, kind_rows, as_of in extracts:
        path = folder / f"{kind}-{as_of.isoformat()}.csv"
        with path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(KINDS[kind].headings)
            writer.writerows(kind_rows)
        written.append((kind, path, as_of))
    street = street_files(folder / "street")
    for month in sorted(street.iterdir()):
        (monthly,) = month.iterdir()
        written.append(("crimes", monthly, published_on(month.name)))
    for extract, sent in hospital_extracts(folder / "istv"):
        written.append(("assaults", extract, sent))
    return sorted(written, key=lambda extract: extract[2])  # stable: kind order within a day
