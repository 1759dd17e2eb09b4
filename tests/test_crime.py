"""Recorded crime from data.police.uk's street-level files: the import (one file, a folder, a zip,
several forces), /crime in text and JSON, the data-gap rules on both sides of each threshold in
``oversight integrity --csv``, and bad input refused with one sentence and nothing written.

Every figure is held against an independent count of the same files with the csv module.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oversight.demo.street import crime_month_totals
from oversight.extracts.street_format import ASB, STREET_HEADER
from oversight.figures.crime import crime_type_named
from oversight.importing.kinds import KINDS, import_extract
from oversight.store import open_store
from tests.support.cli import invoke
from tests.support.data import NOW
from tests.support.data import settings as answer_settings
from tests.support.street import (
    AREAS,
    CHESHIRE,
    CITY,
    GMP,
    ask_json,
    gaps_csv,
    gmp_year,
    imported,
    months,
    naive_count,
    refused_import,
    street_rows,
    write_month,
    zip_of,
)

# --- the import and /crime, against the naive count ---------------------------------------------


def test_a_folder_of_several_forces_matches_the_naive_count(runner: CliRunner, tmp_path: Path):
    folder = tmp_path / "archive"
    gmp_year(folder)
    for month in months("2018-01", 24):
        write_month(folder, month, CHESHIRE, street_rows({"Drugs": 4, "Robbery": 2}, AREAS[:2]))
    out = imported(runner, folder)
    assert "(1,764 rows in 48 month files)" in out and "month files 48 new" in out
    naive = naive_count(folder)
    with sqlite3.connect(tmp_path / "oversight.db") as conn:
        stored = {
            (f, m): (c, a, n)
            for f, m, c, a, n in conn.execute(
                "SELECT force, month, crimes, asb, no_location FROM crime_files"
            )
        }
        types = Counter()
        for f, m, t, n in conn.execute("SELECT force, month, crime_type, crimes FROM crime_types"):
            types[(f, m, t)] = n
    assert stored == {k: (v["crimes"], v["asb"], v["no_location"]) for k, v in naive.items()}
    for (force, month), c in naive.items():
        for crime_type, n in c["types"].items():
            assert types[(force, month, crime_type)] == n
    # /crime for December 2019, in JSON and in words, for each force.
    for force in (GMP, CHESHIRE):
        crime = ask_json(runner, "--as-of", "2019-12-31", "/crime", force=force)
        dec, year_before = naive[(force, "2019-12")], naive[(force, "2018-12")]
        assert crime["force"] == force and crime["month"] == "2019-12"
        assert crime["crimes"] == dec["crimes"]
        assert crime["crimes_year_before"] == year_before["crimes"]
        assert crime["asb"] == dec["asb"]
        assert crime["no_location"] == dec["no_location"]
        last = sum(naive[(force, m)]["crimes"] for m in months("2019-01", 12))
        previous = sum(naive[(force, m)]["crimes"] for m in months("2018-01", 12))
        assert (crime["last_12"], crime["previous_12"]) == (last, previous)
        assert crime["incomplete"] is False
        assert {t["crime_type"]: t["crimes"] for t in crime["by_type"]} == {
            t: n for t, n in dec["types"].items() if t != ASB
        }
        text = invoke(
            runner,
            "ask",
            "--revised",
            "--as-of",
            "2019-12-31",
            "/crime",
            env={"OVERSIGHT_FORCE": force},
        ).stdout
        change = round((last - previous) * 100 / previous, 1)
        words = f"{'up' if change > 0 else 'down'} {abs(change):.1f}%" if change else "no change"
        assert f"12 months to December 2019: {last:,} against {previous:,}, {words}" in text
        assert f"Anti-social behaviour (not a crime, not counted above): {dec['asb']:,}" in text


def test_a_zip_of_the_archive_imports_as_the_folder_does(runner: CliRunner, tmp_path: Path):
    folder = tmp_path / "archive"
    gmp_year(folder, n=13)
    archive = tmp_path / "street.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(folder.rglob("*.csv")):
            zipped.write(path, path.relative_to(folder).as_posix())
    assert "month files 13 new" in imported(runner, archive)
    crime = ask_json(runner, "--as-of", "2019-01-31", "/crime")
    naive = naive_count(folder)
    assert crime["crimes"] == naive[(GMP, "2019-01")]["crimes"]
    assert crime["crimes_year_before"] == naive[(GMP, "2018-01")]["crimes"]
    # The same files again, from the folder this time: nothing changes, and it says so.
    again = imported(runner, folder)
    assert again.startswith("No changes:")


def test_one_file_a_month_again_replaces_it_and_the_same_files_change_nothing(
    runner: CliRunner, tmp_path: Path
):
    folder = tmp_path / "a"
    gmp_year(folder, n=3)
    imported(runner, folder)
    assert imported(runner, folder).startswith("No changes: all")
    # data.police.uk republishes a month: the new file replaces the old one.
    path = write_month(tmp_path / "b", "2018-02", GMP, street_rows({"Burglary": 40}, AREAS))
    out = imported(runner, path)
    # The counts are of month files, and say so: not "(40 rows) ... 0 inserted, 1 updated".
    assert (
        "(40 rows in 1 month file) as import #3: month files 0 new, 1 updated, 0 unchanged." in out
    )
    crime = ask_json(runner, "--as-of", "2018-02-28", "/crime")
    assert crime["crimes"] == 40 and crime["by_type"] == [
        {"crime_type": "Burglary", "crimes": 40, "year_before": None, "change_percent": None}
    ]


def test_the_type_word_is_forgiving_and_asb_is_apart(runner: CliRunner, tmp_path: Path):
    assert crime_type_named("violence") == "Violence and sexual offences"
    assert crime_type_named("BURGLARY") == "Burglary"
    assert crime_type_named("asb") == ASB
    assert crime_type_named("anti-social behaviour") == ASB
    assert crime_type_named("theft") == "Theft from the person"
    assert crime_type_named("other") is None  # Other crime, or Other theft?
    folder = tmp_path / "a"
    gmp_year(folder, n=13)
    imported(runner, folder)
    naive = naive_count(folder)
    violence = ask_json(runner, "--as-of", "2019-01-31", "/crime violence")
    n = naive[(GMP, "2019-01")]["types"]["Violence and sexual offences"]
    assert violence["crime_type"] == "Violence and sexual offences" and violence["crimes"] == n
    asb = ask_json(runner, "--as-of", "2019-01-31", "/crime asb")
    assert asb["crimes"] == naive[(GMP, "2019-01")]["asb"]
    bad = invoke(runner, "ask", "/crime muggings")
    assert bad.exit_code == 2 and '"muggings" is not a crime type' in bad.stderr


def test_the_no_location_share_and_a_force_never_imported(runner: CliRunner, tmp_path: Path):
    path = write_month(tmp_path, "2019-07", GMP, street_rows({"Drugs": 47}, AREAS, no_location=3))
    imported(runner, path)
    crime = ask_json(runner, "--as-of", "2019-07-31", "/crime")
    assert (crime["no_location"], crime["crimes"], crime["no_location_percent"]) == (3, 50, 6.0)
    other = ask_json(runner, "/crime", force="Cheshire Constabulary")
    assert other["month"] is None and "no crime data for Cheshire Constabulary" in other["note"]


# --- the data-gap rules, each on both sides of its threshold --------------------------------------


def _gaps(rows: list[dict[str, str]], kind: str) -> list[tuple[str, str, str]]:
    return [(r["month"], r["area"], r["area_code"]) for r in rows if r["kind"] == kind]


def test_missing_month_is_a_month_without_a_file_between_the_first_and_the_latest(
    runner: CliRunner, tmp_path: Path
):
    gmp_year(tmp_path / "a", n=6, skip=("2018-03",))
    imported(runner, tmp_path / "a")
    rows = gaps_csv(runner)
    assert set(rows[0]) >= {"month", "area", "area_code"}
    assert _gaps(rows, "missing_month") == [("2018-03", GMP, "")]
    crime = ask_json(runner, "--as-of", "2018-06-30", "/crime")
    assert crime["missing_months"] == ["2018-03"] and crime["incomplete"] is True
    # The month arrives: no gap is left.
    gmp_year(tmp_path / "b", n=6)
    imported(runner, tmp_path / "b")
    assert _gaps(gaps_csv(runner), "missing_month") == []


@pytest.mark.parametrize(("last", "low"), [(49, True), (50, False)])
def test_low_month_is_under_half_the_median_of_the_12_before(
    runner: CliRunner, tmp_path: Path, last: int, low: bool
):
    series = months("2018-01", 13)
    for month in series[:-1]:
        write_month(tmp_path, month, GMP, street_rows({"Burglary": 100}, AREAS))
    write_month(tmp_path, series[-1], GMP, street_rows({"Burglary": last}, AREAS))
    imported(runner, tmp_path)
    expected = [("2019-01", GMP, "")] if low else []
    assert _gaps(gaps_csv(runner), "low_month") == expected
    text = invoke(
        runner, "ask", "--revised", "--as-of", "2019-01-31", "/crime", env={"OVERSIGHT_FORCE": GMP}
    ).stdout
    assert ("low January 2019" in text) is low


@pytest.mark.parametrize(("before", "silent"), [(120, True), (119, False)])
def test_zero_area_is_a_neighbourhood_gone_silent_after_averaging_10(
    runner: CliRunner, tmp_path: Path, before: int, silent: bool
):
    """CITY has ``before`` crimes over 12 months (an average of 10, or just under), then none."""
    series = months("2018-01", 13)
    for i, month in enumerate(series[:-1]):
        n = before // 12 + (1 if i < before % 12 else 0)
        rows = street_rows({"Burglary": 60}, AREAS) + street_rows({"Robbery": n}, [CITY])
        write_month(tmp_path, month, GMP, rows)
    write_month(tmp_path, series[-1], GMP, street_rows({"Burglary": 70}, AREAS))
    imported(runner, tmp_path)
    expected = [("2019-01", CITY[1], CITY[0])] if silent else []
    assert _gaps(gaps_csv(runner), "zero_area") == expected
    crime = ask_json(runner, "--as-of", "2019-01-31", "/crime")
    assert [a["name"] for a in crime["silent"]] == ([CITY[1]] if silent else [])
    text = invoke(
        runner, "ask", "--revised", "--as-of", "2019-01-31", "/crime", env={"OVERSIGHT_FORCE": GMP}
    ).stdout
    assert ("1 neighbourhood went silent" in text and CITY[1] in text) is silent


@pytest.mark.parametrize(("again", "shrunk"), [(89, True), (90, False)])
def test_month_shrunk_is_a_month_imported_again_with_over_10_percent_fewer(
    runner: CliRunner, tmp_path: Path, again: int, shrunk: bool
):
    write_month(tmp_path / "a", "2019-07", GMP, street_rows({"Burglary": 100}, AREAS))
    imported(runner, tmp_path / "a")
    write_month(tmp_path / "b", "2019-07", GMP, street_rows({"Burglary": again}, AREAS))
    result = invoke(runner, "import", "crimes", str(tmp_path / "b"))
    assert result.exit_code == 0, result.stderr
    assert ("month_shrunk" in result.stderr) is shrunk
    rows = [r for r in gaps_csv(runner) if r["kind"] == "month_shrunk"]
    if shrunk:
        assert [(r["month"], r["area"], r["old"], r["new"]) for r in rows] == [
            ("2019-07", GMP, "100", "89")
        ]
    else:
        assert rows == []


# --- the monthly totals, against a naive count, for any mix of rows ------------------------------

TYPES = st.sampled_from(["Burglary", "Drugs", ASB, "Violence and sexual offences", "Robbery"])
ROW = st.tuples(TYPES, st.sampled_from([*AREAS, (None, None)]))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.dictionaries(
        st.sampled_from(months("2018-11", 6)), st.lists(ROW, max_size=30), min_size=1, max_size=6
    )
)
def test_monthly_totals_equal_a_naive_count(tmp_path_factory: pytest.TempPathFactory, plan: dict):
    folder = tmp_path_factory.mktemp("street")
    for month, rows in plan.items():
        write_month(folder, month, GMP, [(t, code, name) for t, (code, name) in rows])
    naive = naive_count(folder)
    store = open_store(folder / "o.db", create=True)
    try:
        import_extract(
            store,
            KINDS["crimes"],
            folder,
            extract_as_of=date(2020, 7, 1),
            imported_by="tester",
            imported_at=NOW,
        )
        stored = {
            m: (c, a, n)
            for m, c, a, n in store.conn.execute(
                "SELECT month, crimes, asb, no_location FROM crime_files"
            )
        }
        areas = Counter()
        for m, code, n in store.conn.execute("SELECT month, lsoa_code, crimes FROM crime_areas"):
            areas[(m, code)] = n
    finally:
        store.close()
    expected_files = dict.fromkeys(plan, (0, 0, 0))  # a file with a header alone: no crime
    expected_files.update(
        {m: (c["crimes"], c["asb"], c["no_location"]) for (_, m), c in naive.items()}
    )
    assert stored == expected_files
    expected = Counter(
        (month, code) for month, rows in plan.items() for t, (code, _) in rows if code and t != ASB
    )
    assert areas == expected


# --- bad input: one sentence naming the file, the line and the column; nothing written -----------


GOOD = street_rows({"Burglary": 3}, AREAS)


def _bad_cell(tmp_path: Path, **cells: str) -> Path:
    folder = tmp_path / "in"
    write_month(folder, "2019-06", GMP, GOOD)  # a good file beside it is not imported either
    path = write_month(folder, "2019-07", GMP, GOOD)
    lines = path.read_text().splitlines()
    row = next(csv.reader([lines[3]]))
    for column, value in cells.items():
        row[STREET_HEADER.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    lines[3] = out.getvalue()
    path.write_text("\r\n".join(lines) + "\r\n")
    return folder


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ({"Month": "2019/07"}, "Month", "is not a month written YYYY-MM"),
        ({"Month": "2019-08"}, "Month", "disagrees with the file's name (2019-07)"),
        ({"Crime type": "Muggings"}, "Crime type", "is not a crime type"),
        ({"Longitude": "181.5"}, "Longitude", "is out of range"),
        ({"Latitude": "north"}, "Latitude", "is not a number"),
        ({"Falls within": CHESHIRE}, "Falls within", "is not the force in the file's name"),
    ],
)
def test_a_bad_line_is_named_by_file_line_and_column(
    runner: CliRunner, tmp_path: Path, cells: dict, column: str, words: str
):
    folder = _bad_cell(tmp_path, **cells)
    imported_first = invoke(runner, "import", "crimes", str(tmp_path / "in" / "2019-06"))
    assert imported_first.exit_code == 0
    refused_import(
        runner,
        tmp_path,
        folder,
        "2019-07-greater-manchester-street.csv",
        "line 4",
        f'column "{column}"',
        words,
    )


def test_a_wrong_header_names_the_missing_and_unexpected_columns(runner: CliRunner, tmp_path):
    path = write_month(tmp_path, "2019-07", GMP, GOOD)
    text = path.read_text().replace("Crime type", "Crime category", 1)
    path.write_text(text)
    refused_import(
        runner,
        tmp_path,
        path,
        path.name,
        "line 1",
        'missing "Crime type"',
        'unexpected "Crime category"',
    )


def test_a_file_for_another_force_than_its_name(runner: CliRunner, tmp_path: Path):
    path = write_month(tmp_path, "2019-07", CHESHIRE, GOOD)
    renamed = path.rename(path.with_name("2019-07-greater-manchester-street.csv"))
    refused_import(runner, tmp_path, renamed, renamed.name, "line 2", '"Falls within"', CHESHIRE)


def test_a_zip_holding_other_files_is_refused(runner: CliRunner, tmp_path: Path):
    good = write_month(tmp_path / "g", "2019-07", GMP, GOOD).read_bytes()
    path = zip_of(
        tmp_path,
        {"2019-07/2019-07-greater-manchester-street.csv": good, "2019-07/notes.txt": b"x"},
    )
    refused_import(runner, tmp_path, path, "archive.zip", "notes.txt", "not a street-level file")


def test_a_zip_slip_path_is_refused(runner: CliRunner, tmp_path: Path):
    good = write_month(tmp_path / "g", "2019-07", GMP, GOOD).read_bytes()
    path = zip_of(tmp_path, {"../2019-07-greater-manchester-street.csv": good})
    refused_import(runner, tmp_path, path, "archive.zip", "points outside the archive")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(runner: CliRunner, tmp_path: Path):
    header = (",".join(STREET_HEADER) + "\r\n").encode()
    bomb = header + b"\r\n" * (64 << 20)  # 128 MiB of blank lines packs into ~130 KiB
    path = zip_of(tmp_path, {"2019-07/2019-07-greater-manchester-street.csv": bomb})
    assert path.stat().st_size < 1 << 20
    refused_import(runner, tmp_path, path, "archive.zip", "zip bomb")


def test_the_digest_has_recorded_crime_its_chart_and_its_monthly_sheet(demo_store):
    """The demo's street files: the digest's section, the second chart and the workbook's sheet
    agree with /crime."""
    from io import BytesIO

    from openpyxl import load_workbook

    from oversight.answers.digest import build_digest
    from oversight.render.charts import crime_chart, crime_chart_data
    from oversight.render.text import render_text
    from oversight.render.workbook import digest_workbook

    # December 2019 was published (and imported) on 31 January 2020.
    digest = build_digest(demo_store, date(2020, 1, 31), NOW, answer_settings())
    crime = digest.crime
    assert crime is not None and (crime.last_12, crime.previous_12) == (306_663, 334_544)
    text = render_text(digest)
    months = crime_month_totals()
    before = sum(n for m, n in months.items() if m.startswith("2018") and m != "2018-10")
    assert (
        "12 months to December 2019: 306,663 against 334,544: not compared, months are missing; "
        f"the 11 months present in both: 306,663 against {before:,}, up "
    ) in text  # October 2019 has no file: only the 11 months both years have are compared
    assert "down 8.3%" not in text
    data = crime_chart_data(digest)
    assert data is not None and data.missing == ["2019-10"] and data.low == ["August 2019"]
    assert sum(v or 0 for v in data.this_year) == 306_663
    assert sum(v or 0 for v in data.last_year) == 334_544
    assert crime_chart(digest)[:8] == b"\x89PNG\r\n\x1a\n"
    sheet = load_workbook(BytesIO(digest_workbook(digest)))["Recorded crime"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True) if r[1] or r[4]}
    assert rows["October 2019"][4] == "No file (missing)"
    assert rows["August 2019"][4] == "Low month"
    assert sum(r[1] or 0 for m, r in rows.items() if m.endswith("2019")) == 306_663
