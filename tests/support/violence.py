"""The files of the violence profile's tests: street-level files for two local authorities
over 24 months, and hospital extracts (ISTV) from three departments, one of which stops
sending for two months and one with small monthly counts."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from tests.support.street import GMP, months, street_rows, write_month

# A department's ISTV extract as its export names the columns.
ISTV_HEADER = [
    "Attendance Ref",
    "Department",
    "Arrived At",
    "Incident At",
    "Incident Location",
    "Means",
    "Age Band",
    "Sex",
]
MONTHS = months("2018-07", 24)  # to June 2020
LAST, PREVIOUS = MONTHS[12:], MONTHS[:12]
AREAS = [(f"E0100{i:04d}", f"{'Manchester' if i <= 8 else 'Salford'} {i:03d}A")
         for i in range(1, 15)]  # fmt: skip
TYPES = ("Violence and sexual offences", "Robbery", "Possession of weapons")
DEPARTMENTS = ("Manchester Royal Infirmary", "Salford Royal", "Small Walk-in Centre")
MEANS = ("knife", "fist", "bottle", "blunt object", "kick")
PLACES = ("Piccadilly Gardens", "piccadilly  gardens!", "Outside the Crown", "home", "", "Bus stn")
GAP = ("2020-02", "2020-03")  # Salford Royal sends nothing


def street_files(folder: Path) -> None:
    rng = random.Random(7)
    for i, month in enumerate(MONTHS):
        rows = []
        for code, name in AREAS:
            weight = 1 + AREAS.index((code, name)) % 5
            types = {
                TYPES[0]: rng.randint(0, 6) * weight + (i // 6),
                TYPES[1]: rng.randint(0, 2),
                TYPES[2]: rng.randint(0, 1),
                "Burglary": rng.randint(0, 3),
            }
            rows += street_rows(types, [(code, name)])
        write_month(folder, month, GMP, rows)


def hospital_extracts(folder: Path) -> list[Path]:
    rng = random.Random(11)
    paths = []
    for d, department in enumerate(DEPARTMENTS):
        path = folder / f"istv-{d}.csv"
        with path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(ISTV_HEADER)
            for i, month in enumerate(MONTHS):
                if department == "Salford Royal" and month in GAP:
                    continue
                if d == 2 and month < "2020-04":  # opened in April 2020: one a month
                    continue
                n = 1 if d == 2 else 20 + rng.randint(0, 15) + i
                for k in range(n):
                    day = rng.randint(1, 28)
                    hour = rng.choice((22, 23, 0, 1, 2, 14, 18))
                    means = "knife" if d == 0 and i >= 12 and k % 3 == 0 else rng.choice(MEANS)
                    arrived = f"{month}-{day:02d} {hour:02d}:{rng.randint(0, 59):02d}"
                    writer.writerow([f"{d}-{month}-{k}", department, arrived, "",
                                     rng.choice(PLACES), means, "18-24", "M"])  # fmt: skip
        paths.append(path)
    return paths
