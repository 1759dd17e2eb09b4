"""The demo's hospital assault attendances: synthetic ISTV extracts (ISB 1594) from Greater
Manchester's emergency departments, July 2018 to June 2020, one file a month as the violence
reduction unit would gather them, each imported some days after its month ends. One department
sends nothing for two months (a new patient record system), and the share of assaults by knife
or sharp object rises through the last year at one borough's department. Every row is invented:
the references are made up, and no cell holds an identifier."""

from __future__ import annotations

import calendar
import csv
import itertools
import random
from datetime import date, datetime, timedelta
from pathlib import Path

from oversight.demo.street import SEASON

MONTHS = 24
FIRST_MONTH = (2018, 7)  # to June 2020
# (department, its short code, the borough it stands for, its share of the attendances)
DEPARTMENTS = (
    ("Manchester Royal Infirmary", "MRI", "Manchester", 3.0),
    ("North Manchester General Hospital", "NMGH", "Manchester", 1.6),
    ("Wythenshawe Hospital", "WYT", "Manchester", 1.2),
    ("Salford Royal", "SRFT", "Salford", 1.6),
    ("Royal Bolton Hospital", "RBH", "Bolton", 1.3),
    ("Royal Oldham Hospital", "ROH", "Oldham", 1.4),
    ("Stepping Hill Hospital", "SHH", "Stockport", 1.1),
    ("Royal Albert Edward Infirmary", "RAEI", "Wigan", 1.2),
    ("Tameside General Hospital", "TGH", "Tameside", 1.0),
    ("Fairfield General Hospital", "FGH", "Bury", 0.7),
)
PER_MONTH = 700  # attendances caused by an assault, all departments, in an average month
SILENT_DEPARTMENT = "Royal Oldham Hospital"
SILENT_MONTHS = ("2020-01", "2020-02")  # it sends nothing: a data gap, not a fall
KNIFE_DEPARTMENT = "Salford Royal"  # its knife share rises from 7% to about 22%
KNIFE_SHARE = 0.07
HEADER = (
    "Attendance Ref",
    "Department",
    "Arrived At",
    "Incident At",
    "Incident Location",
    "Means",
    "Age Band",
    "Sex",
)
# The primary means as a desk records it (forgiving words), and how often, knife aside.
MEANS = {
    "Body part": 30,
    "fist": 14,
    "kick": 8,
    "Blunt object": 6,
    "bat": 3,
    "Glass or bottle": 4,
    "bottle": 3,
    "Other": 8,
    "Unknown": 7,
    "firearm": 0.3,
}
KNIVES = ("Knife or sharp object", "knife", "blade", "stabbed")
PLACES = {
    "Home": 22,
    "home": 6,
    "Street": 14,
    "street ": 4,
    "Pub / bar": 7,
    "Nightclub": 6,
    "Town centre": 8,
    "Park": 4,
    "Shop": 3,
    "Work": 3,
    "Bus station": 2,
    "School": 2,
    "Friend's house": 3,
    "": 16,
}
CITY_PLACES = {"Piccadilly Gardens": 4, "piccadilly gardens.": 1, "Deansgate": 3}
AGE_BANDS = {"0-17": 12, "18-24": 28, "25-34": 27, "35-44": 16, "45-54": 10, "55+": 7}
# The hours of the day, as assaults fall in them: few in the morning, most late at night.
HOURS = (9, 8, 6, 4, 2, 1, 1, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4, 4.5, 5, 5.5, 6, 6.5, 7, 8, 9, 9.5)


def months() -> list[str]:
    year, month = FIRST_MONTH
    out = []
    for _ in range(MONTHS):
        out.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def sent_on(month: str) -> date:
    """When the demo imports a month's extract: the 10th of the month after it."""
    year, number = int(month[:4]), int(month[5:7])
    return date(year + number // 12, number % 12 + 1, 10)


def _slots(month: str) -> tuple[list[datetime], list[float]]:
    """Every hour of the month, and how likely an assault is to end in hospital then: the late
    hours of Friday and Saturday nights (and the small hours after them) the most."""
    year, number = int(month[:4]), int(month[5:7])
    slots, weights = [], []
    for day in range(1, calendar.monthrange(year, number)[1] + 1):
        for hour in range(24):
            moment = datetime(year, number, day, hour)
            weekday = moment.weekday()
            night = (weekday in (4, 5) and hour >= 20) or (weekday in (5, 6) and hour <= 3)
            slots.append(moment)
            weights.append(HOURS[hour] * (2.6 if night else 1.0))
    return slots, weights


def _knife_share(department: str, index: int) -> float:
    if department == KNIFE_DEPARTMENT and index >= 12:
        return KNIFE_SHARE + 0.15 * (index - 11) / 12
    return KNIFE_SHARE


def _pick(rng: random.Random, weighted: dict[str, float], n: int) -> list[str]:
    """``n`` keys of ``weighted``, each as likely as its weight."""
    return rng.choices(
        list(weighted), cum_weights=list(itertools.accumulate(weighted.values())), k=n
    )


def hospital_rows(month: str, index: int, rng: random.Random) -> list[list[str]]:
    """One month's attendances from every department that sent that month."""
    slots, weights = _slots(month)
    cumulative = list(itertools.accumulate(weights))
    season = SEASON[int(month[5:7]) - 1]
    total = sum(d[3] for d in DEPARTMENTS)
    rows = []
    for department, code, borough, share in DEPARTMENTS:
        if department == SILENT_DEPARTMENT and month in SILENT_MONTHS:
            continue
        n = round(PER_MONTH * season * share / total * (0.9 + 0.2 * rng.random()))
        places = {**PLACES, **(CITY_PLACES if borough == "Manchester" else {})}
        chosen = zip(
            sorted(rng.choices(slots, cum_weights=cumulative, k=n)),
            _pick(rng, MEANS, n),
            _pick(rng, places, n),
            _pick(rng, AGE_BANDS, n),
            strict=True,
        )
        for k, (hour, means, place, age) in enumerate(chosen):
            arrived = hour + timedelta(minutes=rng.randrange(60))
            incident = arrived - timedelta(minutes=rng.randint(10, 90))
            if rng.random() < _knife_share(department, index):
                means = rng.choice(KNIVES)
            rows.append(
                [
                    f"{code}/{month[2:4]}{month[5:7]}/{k + 1:05d}",  # never ten digits running
                    department,
                    f"{arrived:%Y-%m-%d %H:%M}",
                    "" if rng.random() < 0.12 else f"{incident:%Y-%m-%d %H:%M}",
                    place,
                    means,
                    age,
                    "M" if rng.random() < 0.72 else "F",
                ]
            )
    return rows


def hospital_extracts(folder: Path, seed: int = 1594) -> list[tuple[Path, date]]:
    """Write ``folder/istv-greater-manchester-YYYY-MM.csv``, one a month: (path, imported on)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for index, month in enumerate(months()):
        path = folder / f"istv-greater-manchester-{month}.csv"
        with path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(HEADER)
            writer.writerows(hospital_rows(month, index, rng))
        written.append((path, sent_on(month)))
    return written
