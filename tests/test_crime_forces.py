"""Recorded crime as every force publishes it: files shaped like the real ones (Northern
Ireland's crimes with coordinates and no LSOA, British Transport Police's blank Crime IDs and
Scottish stations, the same month saved with other line ends), a force that stops publishing, a
window of one month against twelve, several forces and their areas. Every figure is held
against a count of the same files made here with the csv module.
"""

from __future__ import annotations

import csv
import hashlib
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from oversight.answers import parse_command
from oversight.answers.crime import CrimeOptions
from oversight.extracts.street_format import ASB, STREET_HEADER, force_slug
from tests.support.cli import invoke, succeeded
from tests.support.street import (
    AREAS,
    GMP,
    ask_json,
    imported,
    months,
    naive_count,
    refused_import,
    street_rows,
    write_month,
)

PSNI = "Police Service of Northern Ireland"
BTP = "British Transport Police"
CITY_OF_LONDON = "City of London Police"
MERSEYSIDE = "Merseyside Police"


def write_rows(folder: Path, month: str, force: str, rows: list[dict[str, str]]) -> Path:
    """A month file of rows given cell by cell (the rest as data.police.uk leaves them)."""
    path = folder / month / f"{month}-{force_slug(force)}-street.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(STREET_HEADER)
        for n, cells in enumerate(rows):
            row = dict.fromkeys(STREET_HEADER, "")
            row.update({"Month": month, "Reported by": force, "Falls within": force})
            row["Crime ID"] = hashlib.sha256(f"{force}{month}{n}".encode()).hexdigest()
            row.update(cells)
            writer.writerow([row[c] for c in STREET_HEADER])
    return path


def placed(crime_type: str, lon: str, lat: str, code: str = "", name: str = "", **cells: str):
    location = cells.pop("Location", "On or near Main Street")
    return {
        "Longitude": lon,
        "Latitude": lat,
        "Location": location,
        "LSOA code": code,
        "LSOA name": name,
        "Crime type": crime_type,
        **cells,
    }


def nowhere(crime_type: str) -> dict[str, str]:
    return {"Location": "No Location", "Crime type": crime_type}


# --- 1 and 2: No Location means no coordinates ------------------------------------------------


def test_northern_irelands_crimes_have_coordinates_and_no_lsoa(runner: CliRunner, tmp_path):
    # Every placed row has coordinates and a blank LSOA (Northern Ireland has none); 3 rows
    # truly have no location.
    rows = [placed("Burglary", f"-5.93{i:02d}", "54.597", Location="On or near Royal Avenue")
            for i in range(40)]  # fmt: skip
    rows += [placed("Violence and sexual offences", "-6.2", "54.5") for _ in range(17)]
    rows += [nowhere("Burglary") for _ in range(3)]
    rows += [placed(ASB, "-5.9", "54.6", **{"Crime ID": ""}) for _ in range(5)]
    write_rows(tmp_path / "ni", "2020-01", PSNI, rows)
    imported(runner, tmp_path / "ni")
    naive = naive_count(tmp_path / "ni")[(PSNI, "2020-01")]
    crime = ask_json(runner, "--as-of", "2020-01-31", "/crime", force=PSNI)
    assert (
        (crime["crimes"], crime["no_location"], crime["no_lsoa"])
        == (
            naive["crimes"],
            naive["no_location"],
            naive["no_lsoa"],
        )
        == (60, 3, 57)
    )
    assert crime["no_location_percent"] == 5.0  # not 100%
    text = succeeded(invoke(runner, "ask", "--revised", "--as-of", "2020-01-31", "/crime",
                            env={"OVERSIGHT_FORCE": PSNI})).stdout  # fmt: skip
    assert "No Location: 3 of 60 crimes (5.0%)" in text
    assert "placed outside any LSOA: 57, in the totals too" in text


def test_btp_leaves_every_crime_id_blank_and_its_scottish_stations_have_no_lsoa(
    runner: CliRunner, tmp_path
):
    rows = [
        placed("Theft from the person", "-0.1233", "51.5308", "E01000914", "Camden 028B",
               **{"Crime ID": "", "Location": "On or near King's Cross (Station)"})
        for _ in range(9)
    ]  # fmt: skip
    rows += [
        placed("Public order", "-3.9356", "56.1196",
               **{"Crime ID": "", "Location": "On or near Stirling (Station)"})
        for _ in range(4)
    ]  # fmt: skip
    rows += [nowhere("Other theft") | {"Crime ID": ""} for _ in range(2)]
    rows += [
        placed(ASB, "-0.1233", "51.5308", "E01000914", "Camden 028B", **{"Crime ID": ""})
        for _ in range(6)
    ]
    write_rows(tmp_path / "btp", "2020-02", BTP, rows)
    imported(runner, tmp_path / "btp")
    naive = naive_count(tmp_path / "btp")[(BTP, "2020-02")]
    crime = ask_json(runner, "--as-of", "2020-02-29", "/crime", force="btp")
    # A blank Crime ID is not anti-social behaviour: the type says what a row is.
    assert (crime["crimes"], crime["asb"]) == (naive["crimes"], naive["asb"]) == (15, 6)
    assert (crime["no_location"], crime["no_lsoa"]) == (2, 4)
    with sqlite3.connect(tmp_path / "oversight.db") as conn:
        areas = dict(conn.execute("SELECT lsoa_code, crimes FROM crime_areas"))
        by_type = {
            (code, t): n
            for code, t, n in conn.execute(
                "SELECT lsoa_code, crime_type, crimes FROM crime_area_types"
            )
        }
    assert areas == dict(naive["areas"]) == {"E01000914": 9}
    assert by_type == dict(naive["area_types"])


# --- 4: the same month with other line ends ------------------------------------------------------


def test_the_same_month_saved_with_other_line_ends_is_unchanged(runner: CliRunner, tmp_path):
    path = write_month(tmp_path / "crlf", "2019-07", GMP, street_rows({"Drugs": 12}, AREAS))
    imported(runner, path)
    text = path.read_bytes()
    assert b"\r\n" in text
    copies = {
        "lf": text.replace(b"\r\n", b"\n"),
        "bom": b"\xef\xbb\xbf" + text,
        "blank lines at the end": text + b"\r\n\r\n",
    }
    for name, data in copies.items():
        copy = tmp_path / name / path.name
        copy.parent.mkdir()
        copy.write_bytes(data)
        assert imported(runner, copy).startswith("No changes:"), name
    # A real change is still a change.
    changed = tmp_path / "changed" / path.name
    changed.parent.mkdir()
    changed.write_bytes(text.replace(b"Drugs", b"Robbery", 1))
    assert "month files 0 new, 1 updated, 0 unchanged" in imported(runner, changed)


# --- 6: every bad line ---------------------------------------------------------------------------


@pytest.mark.parametrize(("bad", "listed", "more"), [(3, 3, 0), (60, 50, 10)])
def test_every_bad_line_is_named_up_to_fifty(
    runner: CliRunner, tmp_path: Path, bad: int, listed: int, more: int
):
    rows = [placed("Burglary", "-2.24", "53.48", *AREAS[0]) for _ in range(70)]
    for i in range(bad):
        rows[i]["Crime type"] = "Muggings"
    path = write_rows(tmp_path / "in", "2019-07", GMP, rows)
    message = refused_import(runner, tmp_path, path, f"{bad} problems found")
    lines = message.splitlines()[1:]
    named = [line for line in lines if "line " in line]
    assert len(named) == listed
    assert named[0].strip().startswith('line 2, column "Crime type": "Muggings"')
    assert named[-1].strip().startswith(f'line {listed + 1}, column "Crime type"')
    assert ("…and 10 more" in message) is bool(more)


# --- a force that stops publishing ---------------------------------------------------------------


@pytest.fixture
def stopped(runner: CliRunner, tmp_path: Path) -> Path:
    """Merseyside publishes January 2019 to June 2020, then nothing."""
    for month in months("2019-01", 18):
        write_month(tmp_path / "mers", month, MERSEYSIDE, street_rows({"Burglary": 20}, AREAS))
    imported(runner, tmp_path / "mers")
    return tmp_path


def test_a_force_that_stops_publishing_is_said_first_in_crime_and_in_integrity(
    runner: CliRunner, stopped: Path
):
    env = {"OVERSIGHT_FORCE": MERSEYSIDE, "OVERSIGHT_NOW": "2021-08-02T09:00"}
    text = succeeded(invoke(runner, "ask", "--as-of", "2021-07-31", "/crime", env=env)).stdout
    lines = text.splitlines()
    assert lines[0].startswith(f"Recorded crime — {MERSEYSIDE}, June 2020")
    assert lines[2] == (
        f"WARNING: No recorded crime published for {MERSEYSIDE} since June 2020: 13 months "
        "missing as of 31 Jul 2021 (data.police.uk usually publishes a month within 2 months)."
    )
    # Within the usual delay, nothing is said.
    quiet = succeeded(invoke(runner, "ask", "--as-of", "2020-08-31", "/crime", env=env)).stdout
    assert "No recorded crime published" not in quiet
    rows = [r for r in gaps_csv_as_of(runner, "2021-07-31") if r["kind"] == "not_published"]
    assert [(r["ref"], r["month"], r["until_month"], r["new"]) for r in rows] == [
        (MERSEYSIDE, "2020-07", "2021-07", "13")
    ]
    integrity = succeeded(invoke(runner, "ask", "--as-of", "2021-07-31", "/integrity",
                                 env=env)).stdout  # fmt: skip
    assert f"not_published: July 2020 to July 2021 (13 months), {MERSEYSIDE}" in integrity
    relaxed = {**env, "CRIME_PUBLICATION_LAG_MONTHS": "14"}
    assert (
        "not_published"
        not in succeeded(
            invoke(runner, "ask", "--as-of", "2021-07-31", "/integrity", env=relaxed)
        ).stdout
    )


def gaps_csv_as_of(runner: CliRunner, day: str) -> list[dict[str, str]]:
    result = invoke(runner, "integrity", "--as-of", day, "--csv",
                    env={"OVERSIGHT_NOW": "2021-08-02T09:00"})  # fmt: skip
    return list(csv.DictReader(succeeded(result).stdout.splitlines()))


def test_integrity_as_of_a_date_lists_the_gaps_of_the_months_to_it(
    runner: CliRunner, tmp_path: Path
):
    for month in months("2019-01", 12):
        if month not in ("2019-03", "2019-09"):
            write_month(tmp_path / "a", month, GMP, street_rows({"Burglary": 20}, AREAS))
    succeeded(invoke(runner, "import", "crimes", str(tmp_path / "a"), "--as-of", "2020-01-31",
                     env={"OVERSIGHT_NOW": "2020-01-31T18:00"}))  # fmt: skip
    env = {"OVERSIGHT_NOW": "2020-02-01T09:00"}
    # As known on 30 June 2019: nothing had been imported.
    before = succeeded(invoke(runner, "integrity", "--as-of", "2019-06-30", "--csv", env=env))
    assert before.stdout.count("\n") == 1  # the header alone
    revised = invoke(runner, "integrity", "--as-of", "2019-06-30", "--revised", "--csv", env=env)
    rows = list(csv.DictReader(succeeded(revised).stdout.splitlines()))
    assert [(r["kind"], r["month"]) for r in rows] == [("missing_month", "2019-03")]


# --- 3: like for like ---------------------------------------------------------------------------


def test_one_month_is_never_compared_with_twelve(runner: CliRunner, tmp_path: Path):
    # December 2018 and all of 2019: the year before holds one month.
    counts = {"2018-12": 652}
    counts |= {m: 700 + i for i, m in enumerate(months("2019-01", 12))}
    for month, n in counts.items():
        write_month(tmp_path / "col", month, CITY_OF_LONDON, street_rows({"Other theft": n},
                                                                         AREAS[:1]))  # fmt: skip
    imported(runner, tmp_path / "col")
    crime = ask_json(runner, "--as-of", "2019-12-31", "/crime", force="city of london")
    last = sum(counts[m] for m in months("2019-01", 12))
    assert (crime["last_12"], crime["previous_12"]) == (last, 652)
    assert crime["change_12_percent"] is None
    assert (crime["both_12"], crime["last_both"], crime["previous_both"]) == (1, 711, 652)
    text = succeeded(invoke(runner, "ask", "--revised", "--as-of", "2019-12-31", "/crime",
                            env={"OVERSIGHT_FORCE": CITY_OF_LONDON})).stdout  # fmt: skip
    assert (
        f"12 months to December 2019: {last:,} against 652: not compared, months are missing; "
        "the 1 month present in both: 711 against 652, up 9.0% (no file for January 2018 to "
        "November 2018 (11 months))"
    ) in text
    assert "1248" not in text and "%" not in text.split("12 months to")[1].split("against 652")[0]


# --- 5: several forces, and areas ---------------------------------------------------------------

MANCHESTER = [("E01005001", "Manchester 001A"), ("E01005002", "Manchester 002B")]
BOLTON = [("E01004800", "Bolton 010C")]


@pytest.fixture
def two_forces(runner: CliRunner, tmp_path: Path) -> Path:
    folder = tmp_path / "two"
    for i, month in enumerate(months("2019-01", 13)):
        rows = street_rows({"Violence and sexual offences": 10 + i, "Burglary": 4}, MANCHESTER)
        rows += street_rows({"Violence and sexual offences": 3, ASB: 2}, BOLTON)
        rows += street_rows({}, [], no_location=2)  # two burglaries with no location
        write_month(folder, month, GMP, rows)
        write_month(folder, month, MERSEYSIDE, street_rows({"Robbery": 5}, AREAS[:1]))
    imported(runner, folder)
    return folder


def test_with_several_forces_crime_lists_them_and_takes_a_force_in_words(
    runner: CliRunner, two_forces: Path
):
    result = invoke(runner, "ask", "--revised", "--as-of", "2020-01-31", "/crime")
    text = succeeded(result).stdout
    assert "The store holds crime data for 2 forces: name one (/crime force gmp)" in text
    assert f"Forces held: {GMP} (to January 2020); {MERSEYSIDE} (to January 2020)" in text
    naive = naive_count(two_forces)
    for words, force in (("gmp", GMP), ("Greater Manchester", GMP), ("merseyside", MERSEYSIDE)):
        crime = ask_json(runner, "--as-of", "2020-01-31", f"/crime force {words}", force="")
        assert crime["force"] == force
        assert crime["crimes"] == naive[(force, "2020-01")]["crimes"]
    unknown = ask_json(runner, "/crime force kent", force="")
    assert unknown["month"] is None and "no crime data for kent" in unknown["note"]


@pytest.mark.parametrize(
    ("words", "places"),
    [
        ("manchester", MANCHESTER),
        ("Bolton", BOLTON),
        ("E01005002", MANCHESTER[1:]),
        ("manchester 001a", MANCHESTER[:1]),
    ],
)
def test_an_area_is_a_local_authority_or_a_neighbourhood(
    runner: CliRunner, two_forces: Path, words: str, places: list
):
    naive = naive_count(two_forces)
    codes = {code for code, _ in places}

    def area_count(month: str, wanted: str | None = None) -> int:
        types = naive[(GMP, month)]["area_types"]
        return sum(
            n
            for (code, t), n in types.items()
            if code in codes and t != ASB and (wanted is None or t == wanted)
        )

    crime = ask_json(runner, "--as-of", "2020-01-31", f"/crime area {words}")
    assert crime["area"]["name"] in {name for _, name in places} | {"Manchester", "Bolton"}
    assert crime["crimes"] == area_count("2020-01")
    assert crime["crimes_year_before"] == area_count("2019-01")
    assert crime["last_12"] == sum(area_count(m) for m in months("2019-02", 12))
    violence = ask_json(runner, "--as-of", "2020-01-31", f"/crime violence area {words}")
    assert violence["crimes"] == area_count("2020-01", "Violence and sexual offences")
    assert (violence["no_location"], violence["no_lsoa"]) == (0, 0)


def test_an_area_nobody_has_heard_of_is_said_plainly(runner: CliRunner, two_forces: Path):
    crime = ask_json(runner, "--as-of", "2020-01-31", "/crime area atlantis")
    assert crime["month"] is None
    assert crime["note"] == (
        f"{GMP}'s files name no local authority or neighbourhood called atlantis."
    )


def test_each_neighbourhood_keeps_its_local_authority_and_where_it_is(
    runner: CliRunner, two_forces: Path
):
    naive = naive_count(two_forces)
    with sqlite3.connect(two_forces.parent / "oversight.db") as conn:
        stored = {
            code: (authority, placed, lon, lat)
            for code, authority, placed, lon, lat in conn.execute(
                "SELECT lsoa_code, local_authority, SUM(placed), SUM(longitude_sum), "
                "SUM(latitude_sum) FROM crime_areas WHERE force = ? GROUP BY lsoa_code",
                (GMP,),
            )
        }
    for code, name in MANCHESTER + BOLTON:
        points = [naive[(GMP, m)]["points"][code] for m in months("2019-01", 13)]
        n = sum(p[0] for p in points)
        authority, placed_n, lon, lat = stored[code]
        assert authority == name.rsplit(" ", 1)[0]
        assert placed_n == n
        assert lon / placed_n == pytest.approx(sum(p[1] for p in points) / n)
        assert lat / placed_n == pytest.approx(sum(p[2] for p in points) / n)


def test_crime_words_parse_each_part(runner: CliRunner):
    bad = invoke(runner, "ask", "/crime violence force")
    assert bad.exit_code == 2 and '"force" needs words after it' in bad.stderr
    words = parse_command("/crime violence force gmp area bolton 010c as of 2020-01-31")
    assert words.options == CrimeOptions("Violence and sexual offences", "gmp", "bolton 010c")
    assert (
        words.text()
        == "/crime Violence and sexual offences force gmp area bolton 010c as of 2020-01-31"
    )
