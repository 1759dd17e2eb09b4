"""The demo's recorded crime: synthetic street-level files in data.police.uk's exact layout,
for Greater Manchester Police, January 2018 to June 2020, in neighbourhoods of its ten
boroughs, whose calendar-year totals are the published ones (334,544 in 2018, 306,663 in 2019),
with a missing month, a low month and a city-centre neighbourhood that goes silent. Every row
is invented."""

from __future__ import annotations

import functools
import hashlib
import random
from datetime import date, timedelta
from pathlib import Path

from oversight.extracts.street_format import ASB, STREET_HEADER, force_slug

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


def spread(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights``, exactly (largest remainders)."""
    shares = [total * w / sum(weights) for w in weights]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


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
        for month, n in zip(months, spread(total, weights), strict=True):
            if month != MISSING_MONTH:
                totals[month] = n
    for i in range(MONTHS_2020):
        totals[f"2020-{i + 1:02d}"] = round(26_400 * SEASON[i])
    return totals


# Greater Manchester's ten boroughs: (name, longitude and latitude of the centre, how far its
# neighbourhoods reach from it in degrees east-west and north-south, neighbourhoods, weight).
BOROUGHS = (
    ("Manchester", -2.235, 53.455, 0.045, 0.065, 19, 1.4),
    ("Salford", -2.345, 53.500, 0.055, 0.030, 11, 1.1),
    ("Trafford", -2.335, 53.420, 0.040, 0.035, 10, 0.8),
    ("Stockport", -2.140, 53.400, 0.050, 0.030, 14, 0.8),
    ("Tameside", -2.070, 53.480, 0.035, 0.035, 10, 1.0),
    ("Oldham", -2.100, 53.550, 0.035, 0.030, 10, 1.1),
    ("Rochdale", -2.160, 53.615, 0.035, 0.030, 10, 1.0),
    ("Bury", -2.295, 53.590, 0.030, 0.035, 8, 0.9),
    ("Bolton", -2.450, 53.575, 0.055, 0.030, 13, 1.1),
    ("Wigan", -2.600, 53.530, 0.065, 0.035, 14, 1.0),
)


def _areas(rng: random.Random) -> list[tuple[str, str, float, str, str]]:
    """120 neighbourhoods in Greater Manchester's ten boroughs: (LSOA code, name, weight,
    longitude, latitude); codes and names are illustrative, in the published form (the local
    authority, then a number and a letter), the points scattered about each borough's centre."""
    areas = [(*CITY_CENTRE, 3.0, "-2.236700", "53.480900")]
    i = 0
    for borough, lon0, lat0, wide, high, count, weight in BOROUGHS:
        for j in range(count):
            code = f"E0100{5000 + i:04d}"
            i += 1
            name = f"{borough} {1 + j // 4:03d}{'ABCD'[j % 4]}"
            lon = lon0 + (rng.random() * 2 - 1) * wide
            lat = lat0 + (rng.random() * 2 - 1) * high
            areas.append((code, name, weight * (0.5 + rng.random()), f"{lon:.6f}", f"{lat:.6f}"))
    return areas


def published_on(month: str) -> date:
    """When the demo takes a month's file from data.police.uk: the last day of the month after
    it (a month is published some weeks after it ends)."""
    year, number = int(month[:4]), int(month[5:7])
    after_next = date(year + (number + 1) // 12, (number + 1) % 12 + 1, 1)
    return after_next - timedelta(days=1)


def street_files(folder: Path, seed: int = 2019) -> Path:
    """Write the demo's street-level files, ``folder/YYYY-MM/YYYY-MM-greater-manchester-street.csv``
    with data.police.uk's header; returns ``folder``."""
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
            [*spread(total, list(CRIME_SHARES.values())), ASB_PER_MONTH],
            strict=True,
        ):
            nowhere = 0 if crime_type == ASB else round(n * NO_LOCATION_SHARE)
            outcome = "" if crime_type == ASB else "Investigation complete; no suspect identified"
            for area, count in zip(placed, spread(n - nowhere, weights), strict=True):
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
    return hashlib.sha256(f"demo {month}".encode()).hexdigest()[:48]
