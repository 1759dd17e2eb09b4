"""``oversight demo``: synthetic records whose totals agree with the published figures.

The published figures (as of 30 June 2020): 35,107 domestic-abuse incidents recorded from July
to October 2019; a little over a third of them needing an in-depth review; about a quarter of
those reviewed, leaving just over 10,000 outstanding; 96% of reviewed cases compliant with the
National Crime Recording Standard; the child-protection audit complete; the July–September and
October–December 2019 quarterly crime-data returns missing and excluded from the national
bulletin; an annual data return due in April 2020.

Each is checked twice: by SQL on the demo database itself, and in what ``oversight ask`` says.
"""

from __future__ import annotations

import calendar
import csv
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from oversight import demo
from oversight.demo.street import crime_month_totals
from tests.support.cli import invoke
from tests.support.data import CASE_HEADER, TEST_NOW, case, write_csv
from tests.support.processes import demo_run, oversight_command
from tests.support.street import months as street_months

AS_OF = "2020-06-30"


def run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The console script in ``cwd``; the real database is ``cwd/oversight.db`` unless told."""
    full_env = {
        **os.environ,
        "OVERSIGHT_DB": str(cwd / "oversight.db"),
        "OVERSIGHT_NOW": TEST_NOW,
        **env,
    }
    return subprocess.run(
        [*oversight_command(), *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    """One demo run, shared by the tests that only read it: (its folder, the finished run).

    It is the session's one run of ``oversight --db demo.db demo`` (whose database the ``db``
    fixture copies), in a folder whose real database is ``oversight.db``, at TEST_NOW."""
    return demo_run(tmp_path_factory)


@pytest.fixture(scope="module")
def demo_db(built: tuple[Path, subprocess.CompletedProcess]) -> Path:
    folder, result = built
    assert result.returncode == 0, result.stderr
    return folder / "demo.db"


def query(db: Path, sql: str, *params: object) -> tuple:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchone()


def ask_demo(demo_db: Path, *words: str) -> dict:
    result = run(demo_db.parent, "ask", "--json", "--as-of", AS_OF, *words, OVERSIGHT_DB="demo.db")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- what the demo prints ------------------------------------------------------------------


def test_the_demo_says_plainly_the_records_are_synthetic(built: tuple) -> None:
    _, result = built
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("SYNTHETIC RECORDS: every case below is invented")
    assert "no real incident is in this database" in lines[0]
    assert lines[-2].startswith("SYNTHETIC RECORDS: every figure above comes from invented cases")
    assert "\n\n\n" not in result.stdout  # one blank line between the answers, not two


def test_the_demo_prints_the_three_answers_as_of_30_june_2020(built: tuple) -> None:
    _, result = built
    out = result.stdout
    for command in ("/backlog", "/ons-status", "/deadlines"):
        assert f'$ oversight ask --as-of 2020-06-30 "{command}"' in out
    assert "Review backlog, as of Tuesday 30 June 2020" in out
    assert "Crime-data returns, as of Tuesday 30 June 2020" in out
    assert "Deadlines in the next 14 days and overdue, as of Tuesday 30 June 2020" in out
    order = [
        out.index('"/backlog"'),
        out.index("Review backlog"),
        out.index('"/ons-status"'),
        out.index("Crime-data returns"),
        out.index('"/deadlines"'),
        out.index("Deadlines in the next"),
    ]
    assert order == sorted(order)
    da = re.search(r"^Domestic abuse\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)", out, re.M)
    assert da is not None and da.groups() == ("35,107", "13,482", "3,370", "10,112")
    assert re.search(r"^Child protection\s+[\d,]+\s+([\d,]+)\s+\1\s+0\s", out, re.M)
    assert "Excluded from official statistics: " in out
    assert "2019-Q3" in out and "2019-Q4" in out


def test_what_the_demo_prints_is_what_ask_prints(demo_db: Path, built: tuple) -> None:
    _, result = built
    for command in ("/backlog", "/ons-status", "/deadlines"):
        asked = run(demo_db.parent, "ask", "--as-of", AS_OF, command, OVERSIGHT_DB="demo.db")
        assert asked.returncode == 0, asked.stderr
        assert asked.stdout.strip() in result.stdout, command


def test_the_demo_tells_you_how_to_explore_it(built: tuple) -> None:
    """The hint is a command that works as printed, in the demo's folder, from a shell whose
    PATH does not hold the virtual environment (make demo does not activate it): the script's
    own path, not a bare ``oversight``."""
    folder, result = built
    hint = result.stdout.splitlines()[-1]
    assert hint.startswith("Explore it: ")
    words = shlex.split(hint.removeprefix("Explore it: "))
    assert words[1:] == ["--db", "demo.db", "ask", "--as-of", AS_OF, "/backlog da"]
    assert words[0] != "oversight" and words[0].endswith("oversight")
    env = {**os.environ, "PATH": "/usr/bin:/bin", "OVERSIGHT_NOW": TEST_NOW}
    env.pop("OVERSIGHT_DB", None)
    explored = subprocess.run(
        words, cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )
    assert explored.returncode == 0, explored.stderr
    assert explored.stdout.startswith("Review backlog — Domestic abuse, as of Tuesday 30 June 2020")


def test_the_hint_names_the_script_from_the_folder_it_is_run_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After make demo in a clone: ``.venv/bin/oversight``; on the PATH: ``oversight``."""
    venv = tmp_path / ".venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").touch()
    (venv / "oversight").touch(mode=0o755)
    monkeypatch.setattr("sys.executable", str(venv / "python"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert demo.run.program() == ".venv/bin/oversight"
    monkeypatch.setenv("PATH", f"{venv}:/usr/bin:/bin")
    assert demo.run.program() == "oversight"


def test_the_demo_warns_of_no_stale_crime_extract(built: tuple) -> None:
    """Recorded crime is published monthly: the weekly STALE_AFTER_DAYS rule is not its rule
    (the not_published finding is), so two weeks after its latest file nothing is stale."""
    _, result = built
    assert "Stale: the latest recorded crime extract" not in result.stdout
    assert "Stale: the latest data returns extract" in result.stdout  # the weekly rule still holds


def test_the_demo_does_not_touch_the_real_database(built: tuple) -> None:
    folder, _ = built
    assert not (folder / "oversight.db").exists()


# --- the published figures, from the demo database itself ----------------------------------


def test_35107_domestic_abuse_incidents_recorded_july_to_october_2019(demo_db: Path) -> None:
    total, in_period, first, last = query(
        demo_db,
        "SELECT count(*), sum(recorded_on BETWEEN '2019-07-01' AND '2019-10-31'), "
        "min(recorded_on), max(recorded_on) FROM case_reviews WHERE workstream = ?",
        "domestic_abuse",
    )
    assert total == in_period == 35_107
    assert first[:7] == "2019-07" and last[:7] == "2019-10"


def test_a_little_over_a_third_needed_review_and_a_quarter_of_those_were_reviewed(
    demo_db: Path,
) -> None:
    recorded, needing, reviewed = query(
        demo_db,
        "SELECT count(*), sum(needs_review = 1), "
        "sum(review_status = 'reviewed' AND reviewed_on <= ?) "
        "FROM case_reviews WHERE workstream = 'domestic_abuse'",
        AS_OF,
    )
    assert 1 / 3 < needing / recorded < 0.4
    assert round(reviewed / needing, 2) == 0.25
    outstanding = needing - reviewed
    assert 10_000 < outstanding < 10_500
    # Outstanding counted directly: needing review and not reviewed by 30 June 2020.
    (direct,) = query(
        demo_db,
        "SELECT count(*) FROM case_reviews WHERE workstream = 'domestic_abuse' "
        "AND needs_review = 1 AND NOT (review_status = 'reviewed' AND reviewed_on <= ?)",
        AS_OF,
    )
    assert direct == outstanding
    # Only the later extracts' July reviews (those not undone again) are dated after 30 June.
    later, latest = query(
        demo_db, "SELECT sum(reviewed_on > ?), max(reviewed_on) FROM case_reviews", AS_OF
    )
    assert later == demo.JULY_REVIEWS - demo.UNDONE
    assert latest <= demo.LATER[0].isoformat()


def test_96_percent_of_reviewed_cases_are_ncrs_compliant(demo_db: Path) -> None:
    for where in ("workstream = 'domestic_abuse'", "workstream = 'child_protection'", "1"):
        answered, compliant = query(
            demo_db,
            "SELECT count(ncrs_compliant), sum(ncrs_compliant = 1) FROM case_reviews "
            f"WHERE review_status = 'reviewed' AND reviewed_on <= ? AND {where}",
            AS_OF,
        )
        assert answered > 0
        assert round(100 * compliant / answered) == 96, where


def test_the_child_protection_audit_is_complete(demo_db: Path) -> None:
    needing, outstanding = query(
        demo_db,
        "SELECT sum(needs_review = 1), "
        "sum(needs_review = 1 AND NOT (review_status = 'reviewed' AND reviewed_on <= ?)) "
        "FROM case_reviews WHERE workstream = 'child_protection'",
        AS_OF,
    )
    assert needing > 0
    assert outstanding == 0


def test_the_2019_q3_and_q4_quarterly_returns_were_missed_and_excluded(demo_db: Path) -> None:
    with sqlite3.connect(f"file:{demo_db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT period, status, submitted_on, due_on, notes FROM data_returns "
            "WHERE dataset LIKE '%quarterly%' AND period IN ('2019-Q3', '2019-Q4') "
            "ORDER BY period"
        ).fetchall()
    assert [r[0] for r in rows] == ["2019-Q3", "2019-Q4"]
    for period, status, submitted_on, due_on, notes in rows:
        assert status == "excluded", period
        assert submitted_on is None, period
        assert due_on < AS_OF, period
        assert "excluded" in notes.lower()


def test_the_annual_data_return_was_due_in_april_2020(demo_db: Path) -> None:
    due_on, submitted_on = query(
        demo_db, "SELECT due_on, submitted_on FROM data_returns WHERE dataset LIKE '%annual%'"
    )
    assert due_on.startswith("2020-04-")
    assert submitted_on is None
    (deadline,) = query(
        demo_db,
        "SELECT due_on FROM deadlines WHERE title LIKE 'Annual data return%' AND status = 'open'",
    )
    assert deadline.startswith("2020-04-")


def last_day_of_next(month: str) -> str:
    """The last day of the month after ``month`` (YYYY-MM), as YYYY-MM-DD."""
    (after,) = street_months(month, 2)[1:]
    year, number = int(after[:4]), int(after[5:])
    return f"{after}-{calendar.monthrange(year, number)[1]:02d}"


def test_the_demo_database_was_built_through_the_real_imports(demo_db: Path) -> None:
    with sqlite3.connect(f"file:{demo_db}?mode=ro", uri=True) as conn:
        imports = conn.execute(
            "SELECT kind, imported_by, extract_as_of, rows_read FROM imports ORDER BY id"
        ).fetchall()
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("case_reviews", "data_returns", "deadlines")
        }
    # In the order they were taken (kind by kind within a day): each month's street file on
    # the last day of the month after it; the cases, returns and deadlines on 30 June; then the
    # later case extracts.
    taken = [(kind, AS_OF) for kind in ("cases", "returns", "deadlines", "requests")]
    taken += [("cases", d.isoformat()) for d in demo.LATER]
    crime_months = [m for m in street_months("2018-01", 30) if m != demo.MISSING_MONTH]
    taken += [("crimes", last_day_of_next(m)) for m in crime_months]
    # Each month's hospital extract, July 2018 to June 2020, on the 10th of the month after.
    taken += [("assaults", f"{last_day_of_next(m)[:7]}-10") for m in street_months("2018-07", 24)]
    assert [(i[0], i[2]) for i in imports] == sorted(taken, key=lambda t: t[1])
    assert {i[1] for i in imports} == {"oversight demo"}
    assert [i[3] for i in imports if i[0] == "requests"] == [12]  # a dozen, to NHS trusts
    imports = [i for i in imports if i[0] not in ("crimes", "requests", "assaults")]
    assert [i[3] for i in imports[:3]] == list(counts.values())
    # The last extract lost records: they are still in the store, and nothing else was lost.
    cases = counts["case_reviews"]
    assert [i[3] for i in imports[3:5]] == [cases, cases - demo.VANISHED]


def test_the_demo_tells_the_story_of_lost_records(demo_db: Path, built: tuple) -> None:
    _, result = built
    missing, last_seen = query(
        demo_db,
        "SELECT count(*), count(DISTINCT last_seen_import) FROM case_reviews "
        "WHERE missing_since_import IS NOT NULL",
    )
    assert (missing, last_seen) == (demo.VANISHED, 1)
    undone = query(
        demo_db,
        "SELECT count(*) FROM import_findings WHERE kind = 'review_undone' AND import_id = "
        "(SELECT max(id) FROM imports WHERE kind = 'cases')",
    )[0]
    assert undone == demo.UNDONE
    out = result.stdout
    assert f'$ oversight ask --as-of {demo.LATER[-1].isoformat()} "/integrity"' in out
    assert f"Missing from the latest extract (kept in the figures): {demo.VANISHED}" in out
    assert re.search(rf"^review_undone\s+{demo.UNDONE}\s+0\s+{demo.UNDONE}$", out, re.M)
    assert out.index('"/deadlines"') < out.index('"/integrity"')


# --- the same figures, from what oversight answers -----------------------------------------


def test_ask_gives_the_published_backlog_figures(demo_db: Path) -> None:
    answer = ask_demo(demo_db, "/backlog")
    assert answer["as_of"] == AS_OF
    figures = {f["workstream"]: f for f in answer["backlog"]["figures"]}
    da, cp = figures["domestic_abuse"], figures["child_protection"]
    # The same as the database says, counted by SQL on the rows.
    recorded, needing, reviewed, answered, compliant = query(
        demo_db,
        "SELECT count(*), sum(needs_review = 1), "
        "sum(review_status = 'reviewed' AND reviewed_on <= ?), "
        "sum(review_status = 'reviewed' AND reviewed_on <= ? AND ncrs_compliant IS NOT NULL), "
        "sum(review_status = 'reviewed' AND reviewed_on <= ? AND ncrs_compliant = 1) "
        "FROM case_reviews WHERE workstream = 'domestic_abuse'",
        AS_OF,
        AS_OF,
        AS_OF,
    )
    assert (da["recorded"], da["needing_review"], da["reviewed"]) == (recorded, needing, reviewed)
    assert (da["ncrs_answered"], da["ncrs_compliant"]) == (answered, compliant)
    # And the published figures.
    assert da["recorded"] == 35_107
    assert 1 / 3 < da["needing_review"] / da["recorded"] < 0.4
    assert round(da["percent_reviewed"]) == 25
    assert 10_000 < da["outstanding"] < 10_500
    assert round(da["ncrs_percent"]) == 96
    assert round(figures["all"]["ncrs_percent"]) == 96
    assert cp["outstanding"] == 0
    assert cp["percent_reviewed"] == 100.0
    assert answer["backlog"]["trend"]["outstanding"] == da["outstanding"]


def test_ask_gives_the_published_returns_status(demo_db: Path) -> None:
    returns = ask_demo(demo_db, "/ons-status")["returns"]
    excluded = {(r["dataset"], r["period"]) for r in returns["excluded"]}
    quarterly = {r["dataset"] for r in returns["returns"] if "Quarterly" in r["dataset"]}
    assert len(quarterly) == 1
    (dataset,) = quarterly
    assert excluded == {(dataset, "2019-Q3"), (dataset, "2019-Q4")}
    overdue = {(r["dataset"], r["period"]) for r in returns["overdue"]}
    assert {(dataset, "2019-Q3"), (dataset, "2019-Q4")} <= overdue
    (annual,) = [r for r in returns["returns"] if "Annual" in r["dataset"]]
    assert annual["due_on"].startswith("2020-04-")
    assert annual["overdue"] is True
    assert returns["next_due"]["due_on"] >= AS_OF


def test_ask_gives_the_deadlines_with_the_annual_return_overdue(demo_db: Path) -> None:
    deadlines = ask_demo(demo_db, "/deadlines")["deadlines"]
    overdue = {d["title"]: d for d in deadlines["overdue"]}
    annual = overdue["Annual data return 2019/20 to the Home Office"]
    assert annual["due_on"].startswith("2020-04-")
    assert annual["days_left"] < 0
    # Done deadlines are not listed; every open one due within 14 days is.
    with sqlite3.connect(f"file:{demo_db}?mode=ro", uri=True) as conn:
        due = {
            title
            for (title,) in conn.execute(
                "SELECT title FROM deadlines WHERE status = 'open' AND due_on <= '2020-07-14'"
            )
        }
    assert {d["title"] for d in deadlines["deadlines"]} == due


# --- the demo never overwrites what is not a demo ------------------------------------------
# The refusals run in this process (the ``runner`` fixture); a demo is built by the real one.


def test_the_demo_refuses_the_real_database(runner: CliRunner, tmp_path: Path) -> None:
    write_csv(tmp_path / "cases.csv", CASE_HEADER, [case("R-1")])
    imported = invoke(runner, "import", "cases", "cases.csv")
    assert imported.exit_code == 0, imported.stderr
    real = tmp_path / "oversight.db"
    before = real.read_bytes()
    for spelling in ("oversight.db", "./oversight.db", str(real)):
        result = invoke(runner, "demo", "--db", spelling)
        assert result.exit_code == 2
        assert "Traceback" not in result.stderr
        assert "is the real database (OVERSIGHT_DB)" in result.stderr
        assert "Building" not in result.stdout
    assert real.read_bytes() == before


@pytest.mark.slow  # reads the session's demo
def test_the_demo_refuses_the_real_database_even_when_it_is_a_demo(
    demo_db: Path, tmp_path: Path
) -> None:
    shutil.copy(demo_db, tmp_path / "demo.db")  # a demo database, as the demo built it
    result = run(tmp_path, "demo", "--db", "demo.db", OVERSIGHT_DB="demo.db")
    assert result.returncode == 2
    assert "is the real database" in result.stderr


def test_the_demo_refuses_a_file_that_is_not_a_demo_database(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("important notes\n")
    write_csv(tmp_path / "cases.csv", CASE_HEADER, [case("R-1")])
    other = invoke(runner, "import", "cases", "cases.csv", env={"OVERSIGHT_DB": "other.db"})
    assert other.exit_code == 0, other.stderr
    other_before = (tmp_path / "other.db").read_bytes()
    for name in ("notes.txt", "other.db"):
        result = invoke(runner, "demo", "--db", name)
        assert result.exit_code == 2
        assert "Traceback" not in result.stderr
        assert result.stderr.strip() == (
            f"{name} exists and is not a demo database: give the demo another --db."
        )
    assert (tmp_path / "notes.txt").read_text() == "important notes\n"
    assert (tmp_path / "other.db").read_bytes() == other_before


def test_the_demo_is_built_where_oversight_db_says(runner: CliRunner, tmp_path: Path) -> None:
    """``oversight --db other.db demo`` is about other.db, not ./oversight-demo.db: a file there
    that is not a demo database is refused by name (and nothing is built anywhere)."""
    write_csv(tmp_path / "cases.csv", CASE_HEADER, [case("R-1")])
    other = invoke(runner, "import", "cases", "cases.csv", env={"OVERSIGHT_DB": "other.db"})
    assert other.exit_code == 0, other.stderr
    result = invoke(runner, "--db", "other.db", "demo")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "other.db exists and is not a demo database: give the demo another --db."
    )
    assert not (tmp_path / "oversight-demo.db").exists()
    # The real database is still the configured one, not the one --db names.
    real = invoke(runner, "--db", "oversight.db", "demo")
    assert real.exit_code == 2 and "is the real database" in real.stderr


@pytest.mark.slow  # reads the session's demo
def test_the_demo_built_with_oversight_db_is_there(built: tuple) -> None:
    """The session's run is ``oversight --db demo.db demo``: built there, not at the default
    file, and what it says to ask next names it."""
    folder, result = built
    assert result.returncode == 0, result.stderr
    assert result.args[-3:] == ["--db", "demo.db", "demo"]
    assert query(folder / "demo.db", "SELECT count(*) FROM imports")[0] > 0
    assert not (folder / "oversight-demo.db").exists()  # the real database: its own test
    assert "--db demo.db ask" in result.stdout.splitlines()[-1]


def test_the_demo_refuses_a_folder_that_does_not_exist(runner: CliRunner, tmp_path: Path) -> None:
    result = invoke(runner, "demo", "--db", "no/such/demo.db")
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("The folder no/such does not exist")


@pytest.mark.slow  # builds the demo again
def test_the_demo_runs_twice_and_rebuilds_rather_than_adds(
    demo_db: Path, built: tuple, tmp_path: Path
) -> None:
    _, first = built  # the session's run, whose database is copied to the default file
    db = tmp_path / "oversight-demo.db"
    shutil.copy(demo_db, db)
    # Again, into the default file, on the system clock this time (an empty OVERSIGHT_NOW).
    second = run(tmp_path, "demo", OVERSIGHT_NOW="")
    assert second.returncode == 0, second.stderr
    # One import per kind (cases, returns, deadlines, requests), the two later case extracts, a
    # street file a month and a hospital extract a month: not twice that.
    assert query(db, "SELECT count(*) FROM imports")[0] == 4 + len(demo.LATER) + 29 + 24
    assert (
        query(db, "SELECT count(*) FROM case_reviews")[0]
        == 35_107
        + query(db, "SELECT count(*) FROM case_reviews WHERE workstream = 'child_protection'")[0]
    )

    def tables(text: str) -> str:
        # The figures, not when they were built, nor the file named (demo.db for the first).
        return re.sub(r"\b(oversight-)?demo\.db\b", "DB", text[: text.index("From cases")])

    assert tables(second.stdout) == tables(first.stdout)


# --- recorded crime: synthetic street-level files ------------------------------------------------


def test_the_demo_street_files_have_the_published_calendar_year_totals(demo_db: Path) -> None:
    for year, total in ((2018, 334_544), (2019, 306_663)):
        (crimes,) = query(
            demo_db,
            "SELECT sum(crimes) FROM crime_files WHERE force = ? AND month LIKE ?",
            demo.FORCE,
            f"{year}-%",
        )
        assert crimes == total
    months, first, last = query(
        demo_db,
        "SELECT count(*), min(month), max(month) FROM crime_files WHERE force = ?",
        demo.FORCE,
    )
    assert (months, first, last) == (29, "2018-01", "2020-06")  # 30 months, one missing


def test_the_demo_prints_crime_and_its_gaps(demo_db: Path, built: tuple) -> None:
    _, result = built
    out = result.stdout
    assert '$ oversight ask --as-of 2020-01-31 "/crime"' in out
    months = crime_month_totals()
    before = sum(n for m, n in months.items() if m.startswith("2018") and m != "2018-10")
    assert (
        "12 months to December 2019: 306,663 against 334,544: not compared, months are missing; "
        f"the 11 months present in both: 306,663 against {before:,}, up 0.3% "
        "(no file for October 2019)"
    ) in out
    assert "SYNTHETIC street-level files" in out
    assert "no file for October 2019; low August 2019" in out
    assert "Manchester 054C" in out
    crime = ask_demo(demo_db, "--as-of", "2020-01-31", "/crime")["crime"]
    assert (crime["last_12"], crime["previous_12"]) == (306_663, 334_544)
    assert crime["missing_months"] == [demo.MISSING_MONTH]
    assert [m["month"] for m in crime["low_months"]] == [demo.LOW_MONTH]
    assert {(a["name"], a["month"]) for a in crime["silent"]} == {
        (demo.CITY_CENTRE[1], m) for m in demo.SILENT_MONTHS
    }


# --- the violence profile: synthetic hospital extracts -----------------------------------------


def _hospital_files_counted(folder: Path) -> tuple[Counter, Counter]:
    """(attendances, by knife) by (month, department), counted with the csv module over the
    demo's hospital extracts written again here (they are made from a fixed seed)."""
    from oversight.demo.hospital import hospital_extracts

    cells: Counter = Counter()
    knives: Counter = Counter()
    for path, _ in hospital_extracts(folder):
        with path.open(newline="", encoding="utf-8") as file:
            for row in csv.DictReader(file):
                key = (row["Arrived At"][:7], row["Department"])
                cells[key] += 1
                knives[key] += row["Means"].lower() in ("knife or sharp object", "knife", "blade",
                                                        "stabbed")  # fmt: skip
    return cells, knives


def test_the_demo_prints_the_violence_profile_of_its_synthetic_hospital_extracts(
    demo_db: Path, built: tuple, tmp_path: Path
) -> None:
    folder, result = built
    out = result.stdout
    assert '$ oversight ask --as-of 2020-07-31 "/violence"' in out
    assert "SYNTHETIC ISTV extracts" in out
    assert "invented hospital attendances" in out
    cells, knives = _hospital_files_counted(tmp_path / "istv")
    last = street_months("2019-07", 12)
    before = street_months("2018-07", 12)
    answer = ask_demo(demo_db, "--as-of", "2020-07-31", "/violence")
    h = answer["hospital"]
    total = sum(n for (m, _), n in cells.items() if m in last)
    knife = sum(n for (m, _), n in knives.items() if m in last)
    assert (h["last_12"], h["knife_last_12"]) == (total, knife)
    assert h["previous_12"] == sum(n for (m, _), n in cells.items() if m in before)
    assert f"Attendances: {total:,} against {h['previous_12']:,}" in out
    # The department that stopped sending: a data gap, named, and 9 departments those months.
    silent = ("2020-01", "2020-02")
    assert h["gaps"] == [{"department": "Royal Oldham Hospital", "months": list(silent)}]
    assert "DATA GAP: Royal Oldham Hospital sent nothing for January 2020 to February 2020" in out
    for month in h["months"]:
        sending = {d for (m, d), n in cells.items() if m == month["month"] and n}
        assert month["departments"] == len(sending) == (9 if month["month"] in silent else 10)
        assert month["attendances"] == sum(n for (m, _), n in cells.items() if m == month["month"])
    # The borough whose knife share rises: Salford Royal's, and only it, by well over half.
    rows = {d["department"]: d for d in h["departments"]}
    for name, row in rows.items():
        n = sum(v for (m, d), v in cells.items() if d == name and m in last)
        k = sum(v for (m, d), v in knives.items() if d == name and m in last)
        k_before = sum(v for (m, d), v in knives.items() if d == name and m in before)
        assert (row["attendances"], row["knife"], row["knife_before"]) == (n, k, k_before), name
        assert row["knife_share"] == round(100 * k / n, 1)
        rising = row["knife_share"] > 1.5 * row["knife_share_before"]
        assert rising == (name == "Salford Royal"), name
    # The profile's files, beside the demo database.
    written = folder / "demo-profile"
    names = sorted(p.name for p in written.iterdir())
    assert names == [
        "violence-hours-2020-07.png",
        "violence-map-2020-07.png",
        "violence-profile-2020-07.xlsx",
        "violence-trend-2020-07.png",
    ]
    for name in names:
        assert f"demo-profile/{name}" in out
        content = (written / name).read_bytes()
        assert content[:4] == (b"\x89PNG" if name.endswith(".png") else b"PK\x03\x04")
