"""data.police.uk street-level files as the tests write them, byte for byte, an independent
count of them with the csv module, and the commands the crime tests run."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from oversight.extracts.street_format import ASB, STREET_HEADER, force_slug
from tests.support.cli import invoke

GMP, CHESHIRE = "Greater Manchester Police", "Cheshire Constabulary"
Row = tuple[str, str | None, str | None]  # crime type, LSOA code (None: No Location), LSOA name


def street_rows(types: dict[str, int], areas: list[tuple[str, str]], no_location: int = 0):
    """Rows of the given types spread over ``areas`` in turn, then ``no_location`` burglaries
    that could not be placed."""
    rows: list[Row] = []
    turn = 0
    for crime_type, n in types.items():
        for _ in range(n):
            code, name = areas[turn % len(areas)]
            rows.append((crime_type, code, name))
            turn += 1
    rows += [("Burglary", None, None)] * no_location
    return rows


def write_month(folder: Path, month: str, force: str, rows: list[Row], **cells: str) -> Path:
    """A month file as data.police.uk publishes it, in its archive folder ``YYYY-MM/``."""
    path = folder / month / f"{month}-{force_slug(force)}-street.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(STREET_HEADER)
        for i, (crime_type, code, name) in enumerate(rows):
            crime_id = (
                ""
                if crime_type == ASB
                else hashlib.sha256(f"{month}{force}{i}".encode()).hexdigest()
            )
            located = code is not None
            row = {
                "Crime ID": crime_id,
                "Month": month,
                "Reported by": force,
                "Falls within": force,
                "Longitude": "-2.2426" if located else "",
                "Latitude": "53.4808" if located else "",
                "Location": "On or near Piccadilly" if located else "No Location",
                "LSOA code": code or "",
                "LSOA name": name or "",
                "Crime type": crime_type,
                "Last outcome category": "" if crime_type == ASB else "Under investigation",
                "Context": "",
            }
            row.update(cells)
            writer.writerow([row[c] for c in STREET_HEADER])
    return path


def naive_count(folder: Path) -> dict[tuple[str, str], dict[str, object]]:
    """Every month file under ``folder`` counted row by row with the csv module: by force and
    month, crimes (not anti-social behaviour), anti-social behaviour, No Location (no
    coordinates), placed outside any LSOA, by type, and by neighbourhood (recorded crime, with
    the coordinates' sums) and by neighbourhood and type (every row)."""
    counts: dict[tuple[str, str], dict[str, object]] = {}
    for path in sorted(folder.rglob("*-street.csv")):
        with path.open(newline="", encoding="utf-8-sig") as file:
            for row in csv.DictReader(file):
                key = (row["Falls within"], row["Month"])
                c = counts.setdefault(
                    key,
                    {
                        "crimes": 0,
                        "asb": 0,
                        "no_location": 0,
                        "no_lsoa": 0,
                        "types": Counter(),
                        "areas": Counter(),
                        "area_types": Counter(),
                        "points": {},
                    },
                )
                c["types"][row["Crime type"]] += 1
                code = row["LSOA code"]
                if code:
                    c["area_types"][(code, row["Crime type"])] += 1
                if row["Crime type"] == ASB:
                    c["asb"] += 1
                    continue
                c["crimes"] += 1
                if not row["Longitude"]:
                    c["no_location"] += 1
                elif not code:
                    c["no_lsoa"] += 1
                if code:
                    c["areas"][code] += 1
                    if row["Longitude"]:
                        placed = c["points"].setdefault(code, [0, 0.0, 0.0])
                        placed[0] += 1
                        placed[1] += float(row["Longitude"])
                        placed[2] += float(row["Latitude"])
    return counts


def months(first: str, n: int) -> list[str]:
    year, month = int(first[:4]), int(first[5:]) - 1
    return [f"{year + (month + i) // 12}-{(month + i) % 12 + 1:02d}" for i in range(n)]


AREAS = [(f"E0100{i:04d}", f"Manchester {i:03d}A") for i in range(1, 7)]
CITY = ("E01033677", "Manchester 054C")


def gmp_year(folder: Path, first: str = "2018-01", n: int = 24, skip: tuple[str, ...] = ()) -> None:
    """``n`` months of GMP files (a mix of types, anti-social behaviour, No Location)."""
    for i, month in enumerate(months(first, n)):
        if month in skip:
            continue
        types = {"Violence and sexual offences": 30 + i, "Burglary": 12, "Shoplifting": 8, ASB: 5}
        write_month(folder, month, GMP, street_rows(types, AREAS, no_location=i % 3))


def ask_json(runner: CliRunner, *words: str, force: str = GMP) -> dict:
    """/crime in JSON, as the store knows it now (the files are imported as of today, and
    asked about for the months they hold)."""
    result = invoke(runner, "ask", "--json", "--revised", *words, env={"OVERSIGHT_FORCE": force})
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["crime"]


def gaps_csv(runner: CliRunner) -> list[dict[str, str]]:
    result = invoke(runner, "integrity", "--csv")
    assert result.exit_code == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def imported(runner: CliRunner, path: Path) -> str:
    result = invoke(runner, "import", "crimes", str(path))
    assert result.exit_code == 0, result.stderr
    return result.stdout


def refused_import(runner: CliRunner, tmp_path: Path, path: Path, *expected: str) -> str:
    """``oversight import crimes PATH`` refused: exit 2, one sentence (then, for bad lines, one
    indented line for each) holding each of ``expected``, and the store's bytes unchanged; the
    message."""
    db = tmp_path / "oversight.db"
    before = db.read_bytes() if db.exists() else None
    result = invoke(runner, "import", "crimes", str(path))
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""
    message = result.stderr.strip()
    sentence, *lines = message.splitlines()
    assert sentence.endswith("."), message
    assert all(line.startswith("  ") for line in lines), message
    for part in expected:
        assert part in message, message
    assert (db.read_bytes() if db.exists() else None) == before
    return message


def zip_of(tmp_path: Path, entries: dict[str, bytes], deflate: bool = True) -> Path:
    path = tmp_path / "archive.zip"
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", method) as zipped:
        for name, data in entries.items():
            zipped.writestr(name, data)
    return path
