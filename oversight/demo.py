"""``oversight demo``: a demo database from synthetic records consistent with the published figures.

The records are invented. Their totals match what is on the public record: 35,107 domestic-abuse
incidents recorded July to October 2019, a little over a third needing an in-depth review, about
a quarter of those reviewed by the end of June 2020 (just over 10,000 outstanding), 96% of
reviewed cases compliant with the National Crime Recording Standard, the child-protection audit
complete, the July–September and October–December 2019 quarterly crime-data returns missing and
excluded from the national bulletin, and an annual data return due in April 2020.
"""

from __future__ import annotations

import csv
import functools
import random
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from oversight.errors import UserError
from oversight.importing.kinds import KINDS
from oversight.settings import Settings

AS_OF = date(2020, 6, 30)
# The later weekly case extracts: a week of progress, then one in which records are lost.
LATER = (date(2020, 7, 7), date(2020, 7, 14))
JULY_REVIEWS, VANISHED, UNDONE = 190, 120, 35
DEMO_USER = "oversight demo"
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


def _spread(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights``, exactly (largest remainders)."""
    shares = [total * w / sum(weights) for w in weights]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _review_days(plan: WorkstreamPlan) -> list[date]:
    """Review dates for the plan's reviewed cases: working days, the pace rising over time."""
    days = [
        plan.reviews_start + timedelta(days=n)
        for n in range((plan.reviews_end - plan.reviews_start).days + 1)
    ]
    days = [d for d in days if d.weekday() < 5]
    per_day = _spread(plan.reviewed, [1 + 2 * i / len(days) for i in range(len(days))])
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
    return {"cases": cases, "returns": RETURN_ROWS, "deadlines": DEADLINE_ROWS}


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
    """Write the demo's extracts as CSV files in ``folder``: one per kind it has rows for, as
    of 30 June, in kind order; then the later case extracts. Returns (kind, path, as of)."""
    rng = random.Random(seed)
    rows = demo_rows(rng)
    extracts = [(kind.name, rows[kind.name], AS_OF) for kind in KINDS if kind.name in rows]
    extracts += [("cases", later, day) for day, later in later_case_extracts(rows["cases"], rng)]
    written = []
    for kind, kind_rows, as_of in extracts:
        path = folder / f"{kind}-{as_of.isoformat()}.csv"
        with path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(KINDS[kind].names)
            writer.writerows(kind_rows)
        written.append((kind, path, as_of))
    written.append(("crimes", street_files(folder / "street"), AS_OF))
    return written


# --- recorded crime: synthetic street-level files in data.police.uk's exact layout -------------

FORCE = "Greater Manchester Police"
CRIME_YEARS = {2018: 334_544, 2019: 306_663}  # recorded crime (without anti-social behaviour)
MISSING_MONTH = "2019-10"  # no file: the force could not supply it
LOW_MONTH = "2019-08"  # a file with well under half the usual crimes
SILENT_MONTHS = ("2019-09", "2019-11")  # the city-centre neighbourhood records no crime at all
CITY_CENTRE = ("E01033677", "Manchester 054C")  # Piccadilly Gardens (an illustrative LSOA)
MONTHS_2020 = 6  # January to June 2020
ASB_PER_MONTH = 3_000
NO_LOCATION_SHARE = 0.015
# Shares of recorded crime by type, roughly as a large urban force's.
CRIME_SHARES = {
    "Violence and sexual offences": 0.36,
    "Public order": 0.10,
    "Criminal damage and arson": 0.09,
    "Other theft": 0.08,
    "Vehicle crime": 0.08,
    "Burglary": 0.07,
    "Shoplifting": 0.07,
    "Drugs": 0.03,
    "Robbery": 0.02,
    "Theft from the person": 0.02,
    "Other crime": 0.03,
    "Bicycle theft": 0.01,
    "Possession of weapons": 0.01,
}
SEASON = [0.92, 0.88, 0.97, 0.97, 1.03, 1.03, 1.08, 1.05, 1.0, 1.03, 1.0, 0.98]


def crime_month_totals() -> dict[str, int]:
    """Recorded crime per month, January 2018 to June 2020: the calendar years' totals exact,
    October 2019 missing and August 2019 low."""
    totals: dict[str, int] = {}
    for year, total in CRIME_YEARS.items():
        months = [f"{year}-{m:02d}" for m in range(1, 13)]
        weights = [
            0 if m == MISSING_MONTH else SEASON[i] * (0.4 if m == LOW_MONTH else 1)
            for i, m in enumerate(months)
        ]
        for month, n in zip(months, _spread(total, weights), strict=True):
            if month != MISSING_MONTH:
                totals[month] = n
    for i in range(MONTHS_2020):
        totals[f"2020-{i + 1:02d}"] = round(26_400 * SEASON[i])
    return totals


def _areas(rng: random.Random) -> list[tuple[str, str, float, str, str]]:
    """120 neighbourhoods: (LSOA code, name, weight, longitude, latitude); codes and names are
    illustrative, in the published form."""
    areas = [(*CITY_CENTRE, 3.0, "-2.236700", "53.480900")]
    for i in range(119):
        code = f"E0100{5000 + i:04d}"
        name = f"Manchester {1 + i // 4:03d}{'ABCD'[i % 4]}"
        lon, lat = -2.35 + rng.random() * 0.25, 53.40 + rng.random() * 0.15
        areas.append((code, name, 0.5 + rng.random(), f"{lon:.6f}", f"{lat:.6f}"))
    return areas


def street_files(folder: Path, seed: int = 2019) -> Path:
    """Write the demo's street-level files, ``folder/YYYY-MM/YYYY-MM-greater-manchester-street.csv``
    with data.police.uk's header; returns ``folder``."""
    from oversight.extracts.street_files import ASB, STREET_HEADER, force_slug

    rng = random.Random(seed)
    areas = _areas(rng)
    slug = force_slug(FORCE)
    header = ",".join(STREET_HEADER) + "\n"
    for month, total in crime_month_totals().items():
        path = folder / month / f"{month}-{slug}-street.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        placed = areas[1:] if month in SILENT_MONTHS else areas
        weights = [a[2] for a in placed]
        lines = [header]
        number = 0
        for crime_type, n in zip(
            [*CRIME_SHARES, ASB],
            [*_spread(total, list(CRIME_SHARES.values())), ASB_PER_MONTH],
            strict=True,
        ):
            nowhere = 0 if crime_type == ASB else round(n * NO_LOCATION_SHARE)
            outcome = "" if crime_type == ASB else "Investigation complete; no suspect identified"
            for area, count in zip(placed, _spread(n - nowhere, weights), strict=True):
                code, name, _, lon, lat = area
                for _ in range(count):
                    number += 1
                    crime_id = "" if crime_type == ASB else _crime_id(month, number)
                    lines.append(
                        f"{crime_id},{month},{FORCE},{FORCE},{lon},{lat},On or near {name},"
                        f"{code},{name},{crime_type},{outcome},\n"
                    )
            for _ in range(nowhere):
                number += 1
                lines.append(
                    f"{_crime_id(month, number)},{month},{FORCE},{FORCE},,,No Location,,,"
                    f"{crime_type},{outcome},\n"
                )
        path.write_text("".join(lines), encoding="utf-8")
    return folder


def _crime_id(month: str, number: int) -> str:
    """64 hexadecimal characters, as data.police.uk's are: the month's hash, then the number
    (one hash a month, not one a crime: the demo writes 800,000 of them)."""
    return f"{_month_hash(month)}{number:016x}"


@functools.cache
def _month_hash(month: str) -> str:
    import hashlib

    return hashlib.sha256(f"demo {month}".encode()).hexdigest()[:48]


def build_demo(path: Path, settings: Settings, echo: Callable[[str], None] | None = None) -> None:
    """(Re)build the demo database at ``path`` through the real import path; ``echo`` hears
    what each later case import reported."""
    from oversight.importing.kinds import import_extract
    from oversight.render.words import import_report
    from oversight.store import open_store

    path = Path(path)
    check_demo_path(path, settings)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="oversight-demo-") as folder,
        open_store(path, create=True) as store,
    ):
        for kind, extract, as_of in write_extracts(Path(folder)):
            result = import_extract(
                store,
                KINDS[kind],
                extract,
                extract_as_of=as_of,
                imported_by=DEMO_USER,
                imported_at=settings.clock.now(),
            )
            if echo is not None and as_of != AS_OF:
                echo("")
                echo(f"$ oversight import {kind} {extract.name} --as-of {as_of.isoformat()}")
                for line in import_report(result):
                    echo(line)


def check_demo_path(path: Path, settings: Settings) -> None:
    """Refuse the real database, and any existing file that is not an earlier demo database."""
    if path.resolve() == Path(settings.db_path).resolve():
        raise UserError(
            f"{path} is the real database (OVERSIGHT_DB): give the demo another file with --db."
        )
    if not path.exists():
        return
    import sqlite3

    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            users = {u for (u,) in conn.execute("SELECT DISTINCT imported_by FROM imports")}
    except sqlite3.Error:
        users = set()
    if users != {DEMO_USER}:
        raise UserError(f"{path} exists and is not a demo database: give the demo another --db.")


def run_demo(path: Path, settings: Settings, echo: Callable[[str], None]) -> None:
    from oversight.answers import COMMANDS, answer, parse_command
    from oversight.render.text import render_text
    from oversight.store import open_store

    check_demo_path(Path(path), settings)  # before saying anything is being built
    echo(SYNTHETIC_NOTICE)
    echo(f"Building the demo database at {path} …")
    later: list[str] = []
    build_demo(path, settings, later.append)
    with open_store(path) as store:

        def ask(text: str, day: date) -> None:
            echo("")
            echo(f'$ oversight ask --as-of {day.isoformat()} "{text}"')
            query = parse_command(f"{text} as of {day.isoformat()}")
            result = answer(store, query, settings.clock.now(), settings)
            echo(render_text(result).rstrip("\n"))

        for command in ("backlog", "ons-status", "deadlines"):
            ask(COMMANDS[command].slash, AS_OF)
        echo("")
        echo("Two weeks later the records system loses records; the imports notice:")
        for line in later:
            echo(line)
        ask(COMMANDS["integrity"].slash, LATER[-1])
        echo("")
        echo(
            "Recorded crime, from SYNTHETIC street-level files in data.police.uk's layout "
            f"({FORCE}, January 2018 to June 2020): the 2019 fall, and the gaps behind it:"
        )
        ask(COMMANDS["crime"].slash, date(2019, 12, 31))
    echo("")
    echo(
        "SYNTHETIC RECORDS: every figure above comes from invented cases, not real incidents, "
        "and invented street-level crime files."
    )
    echo(f'Explore it: OVERSIGHT_DB={path} oversight ask --as-of 2020-06-30 "/backlog da"')
