"""The small traps of wording a new analyst fell into (issue 24): each said one way, and meaning
what it says. Every test runs the real command in this process on the demo database (the ``db``
fixture, a copy) or on a store of its own."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from tests.support.cli import invoke
from tests.support.data import CASE_HEADER, case, write_csv


def said(runner: CliRunner, *args: str) -> str:
    result = invoke(runner, *args)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def test_a_median_is_written_the_same_in_crime_and_integrity(runner: CliRunner, db: Path) -> None:
    crime = said(runner, "ask", "--as-of", "2020-01-31", "/crime")
    integrity = said(runner, "ask", "--as-of", "2020-01-31", "/integrity")
    low = re.search(r"under half the median ([\d,.]+)\)", crime)
    kept = re.search(r"low_month: August 2019, [^(]+\(12,529 against ([\d,.]+)\)", integrity)
    assert low is not None and kept is not None, (crime, integrity)
    assert low.group(1) == kept.group(1) == "28,897.5"


def test_a_low_month_under_one_crime_type_says_it_is_all_crime(runner: CliRunner, db: Path) -> None:
    """The low-month rule counts all recorded crime: /crime burglary must not read as 12,529
    burglaries."""
    burglary = said(runner, "ask", "--as-of", "2020-01-31", "/crime burglary")
    assert "low August 2019 (12,529 crimes of all types, under half the median" in burglary
    everything = said(runner, "ask", "--as-of", "2020-01-31", "/crime")
    assert "low August 2019 (12,529 crimes, under half the median" in everything


def test_crime_with_nothing_imported_says_so_once(runner: CliRunner, tmp_path: Path) -> None:
    write_csv(tmp_path / "cases.csv", CASE_HEADER, [case("R-1")])
    said(runner, "import", "cases", "cases.csv")
    for words in ("/crime", "/crime burglary"):
        lines = [line for line in said(runner, "ask", words).splitlines() if line]
        assert len(lines) == 2, lines  # the heading, and one sentence
        assert (
            lines[1]
            == "No street-level crime files have been imported: oversight import crimes PATH."
        )


def test_one_case_import_is_not_1_case_imports(runner: CliRunner, tmp_path: Path) -> None:
    write_csv(tmp_path / "cases.csv", CASE_HEADER, [case("R-1")])
    imported = said(runner, "import", "cases", "cases.csv")
    assert "(1 row) as import #1" in imported
    integrity = said(runner, "ask", "/integrity")
    assert "Vanished records over the last case import:" in integrity, integrity
    assert "1 case imports" not in integrity
    again = said(runner, "import", "cases", "cases.csv")
    assert again.startswith("No changes: the 1 row of cases.csv is already in the store")
    assert "Vanished records over the last 2 case imports:" in said(runner, "ask", "/integrity")


def test_ages_say_the_oldest_has_waited_a_year_but_not_more(runner: CliRunner, db: Path) -> None:
    backlog = said(runner, "ask", "--as-of", "2020-06-30", "/backlog")
    line = next(x for x in backlog.splitlines() if x.startswith("Outstanding by age: "))
    assert line == (
        "Outstanding by age: 10,112 waiting more than 90 days, 10,112 waiting more than 180 "
        "days, 0 waiting more than 365 days; the oldest, recorded 1 Jul 2019, has waited 365 days"
    )


def test_a_date_years_after_the_latest_extract_says_so(runner: CliRunner, db: Path) -> None:
    backlog = said(runner, "ask", "--as-of", "2030-01-01", "/backlog")
    assert (
        "WARNING: Stale: the latest case reviews extract was taken 14 Jul 2020, 9 years "
        "(3,458 days) before 1 Jan 2030: these figures are that extract's, not the date's."
    ) in backlog
    # A fortnight is said in days, as before.
    soon = said(runner, "ask", "--as-of", "2020-07-28", "/backlog")
    assert "extract was taken 14 Jul 2020, 14 days before 28 Jul 2020." in soon
    # Recorded crime years on is led by its own warning, months missing, not a weekly rule.
    crime = said(runner, "ask", "--as-of", "2030-01-01", "/crime")
    assert "WARNING: No recorded crime published for Greater Manchester Police since" in crime
    assert "Stale: the latest recorded crime" not in crime


def test_status_says_the_crime_rows_are_month_files(runner: CliRunner, db: Path) -> None:
    status = said(runner, "ask", "/oversight status")
    assert "  recorded crime, month files (one a force and month): 29" in status
    assert "  recorded crime: 29" not in status
