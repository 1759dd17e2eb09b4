"""A store made by the previous release (schema 8, before versions were kept) upgrades in place:
its rows are kept, its versions start at the upgrade, and answers about earlier dates say that
what was known then was not kept. ``tests/data/store_v8.db`` was made by that release's own
command line (tests/data/make_store_v8.py says how)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from oversight.schema import CURRENT_VERSION
from tests.support.cli import invoke, settings_env, succeeded
from tests.support.data import CASE_HEADER, write_csv
from tests.support.weekly import count

V8 = Path(__file__).parent / "data" / "store_v8.db"
NOW = "2020-07-20T09:00"
SPEC = (Path(__file__).parent / "data" / "make_store_v8.py").read_text()


def make_rows(name: str) -> dict[str, list[str]]:
    """The case rows of WEEK_1 or WEEK_2, as the script that made the store wrote them."""
    namespace: dict[str, object] = {}
    # The script is ours, in this repository: the rows are read from where they were written.
    exec(compile(SPEC, "make_store_v8.py", "exec"), namespace)
    return {row[0]: row for row in namespace[name]}


@pytest.fixture
def upgraded(tmp_path: Path) -> Path:
    db = tmp_path / "oversight.db"
    shutil.copyfile(V8, db)
    return db


def dump(db: Path, table: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return sorted(conn.execute(f"SELECT * FROM {table}").fetchall())


def ask(db: Path, *words: str) -> dict:
    runner = CliRunner(env={**settings_env(db), "OVERSIGHT_NOW": NOW})
    return json.loads(succeeded(invoke(runner, "ask", "--json", *words)).stdout)


def text(db: Path, *words: str) -> str:
    runner = CliRunner(env={**settings_env(db), "OVERSIGHT_NOW": NOW})
    return succeeded(invoke(runner, "ask", *words)).stdout


def test_the_store_of_the_previous_release_upgrades_and_keeps_every_row(upgraded: Path):
    with sqlite3.connect(upgraded) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 8
    before = {t: dump(upgraded, t) for t in ("case_reviews", "data_returns", "deadlines")}
    before_imports = dump(upgraded, "imports")
    ask(upgraded, "/backlog")  # opening it upgrades it
    with sqlite3.connect(upgraded) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
        kept = dict(conn.execute("SELECT kind, import_id FROM kept_from"))
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The risk assessment's columns (v11) are empty, and every cases import lacked them.
    risk = {"case_reviews": (None, None), "data_returns": (), "deadlines": ()}
    assert {t: dump(upgraded, t) for t in before} == {
        t: [(*row, *risk[t]) for row in rows] for t, rows in before.items()
    }
    lacks = {"cases": "risk_assessed_on,risk_level"}
    assert dump(upgraded, "imports") == [(*i, lacks.get(i[1])) for i in before_imports]
    # Versions start at the latest import of each kind.
    assert kept == {"cases": 5, "returns": 2, "deadlines": 3, "crimes": 4}


def test_answers_after_the_upgrade_point_are_as_before(upgraded: Path):
    held = make_rows("WEEK_1") | make_rows("WEEK_2")  # DA-6 vanished from week 2: kept
    on = date(2020, 7, 7)
    answer = ask(upgraded, "--as-of", on.isoformat(), "/backlog")
    figures = {f["workstream"]: f["outstanding"] for f in answer["backlog"]["figures"]}
    assert figures == {ws: c["outstanding"] for ws, c in count(held, on).items()}
    assert answer["known"]["not_kept_from"] is None
    assert answer["source"]["file_name"] == "cases-w2.csv"


def test_an_earlier_date_says_what_was_known_then_was_not_kept(upgraded: Path):
    on = date(2020, 7, 1)  # known then: week 1's extract, whose state was not kept
    answer = ask(upgraded, "--as-of", on.isoformat(), "/backlog")
    assert answer["known"]["not_kept_from"]["import_id"] == 5
    # The figures are the store's as it stood after the upgrade's import (week 2's rows).
    held = make_rows("WEEK_1") | make_rows("WEEK_2")
    figures = {f["workstream"]: f["outstanding"] for f in answer["backlog"]["figures"]}
    assert figures == {ws: c["outstanding"] for ws, c in count(held, on).items()}
    said = text(upgraded, "--as-of", on.isoformat(), "/backlog")
    assert (
        "Earlier versions were not kept (the store was upgraded later): these figures are the "
        "store's as it stood after import #5 (cases-w2.csv)."
    ) in said
    # What was known then came from week 1's extract: the answer still cites it.
    assert answer["source"]["file_name"] == "cases-w1.csv"


def test_versions_are_kept_from_the_upgrade_on(upgraded: Path, tmp_path: Path):
    ask(upgraded, "/backlog")  # upgrade
    week_2 = make_rows("WEEK_2")
    week_3 = dict(week_2)
    week_3["DA-3"] = ["DA-3", "domestic_abuse", "2019-07-03", "yes", "reviewed", "2020-07-06",
                      "yes", "no", ""]  # fmt: skip
    path = write_csv(tmp_path / "cases-w3.csv", CASE_HEADER, week_3.values())
    runner = CliRunner(env={**settings_env(upgraded), "OVERSIGHT_NOW": "2020-07-14T18:00"})
    succeeded(invoke(runner, "import", "cases", str(path), "--as-of", "2020-07-14"))
    on = date(2020, 7, 7)
    held = make_rows("WEEK_1") | week_2
    then = ask(upgraded, "--as-of", on.isoformat(), "/backlog")
    assert then["backlog"]["figures"][-1]["outstanding"] == count(held, on)["all"]["outstanding"]
    now = ask(upgraded, "--as-of", on.isoformat(), "--revised", "/backlog")
    held_now = held | week_3
    assert (
        now["backlog"]["figures"][-1]["outstanding"] == (count(held_now, on)["all"]["outstanding"])
    )
    assert then["known"]["revisions"][0]["figure"] == "outstanding"
    # The revision triangle marks the week it could not know.
    runner = CliRunner(env={**settings_env(upgraded), "OVERSIGHT_NOW": NOW})
    triangle = succeeded(invoke(runner, "revisions", "--since", "2020-06-28")).stdout
    rows = triangle.split("Outstanding reviews, all workstreams", 1)[1].splitlines()[2:5]

    def outstanding(rows: dict, day: str) -> str:
        return str(count(rows, date.fromisoformat(day))["all"]["outstanding"])

    assert [row.split()[:4] for row in rows] == [
        # Before any extract, and not kept: first known from the upgrade's import.
        ["28", "Jun", "2020", outstanding(held, "2020-06-28") + "*†"],
        # Known from week 1's extract, whose state was not kept.
        ["5", "Jul", "2020", outstanding(held, "2020-07-05") + "†"],
        # Known from week 2's extract (kept), and revised by week 3's.
        ["12", "Jul", "2020", outstanding(held, "2020-07-12")],
    ]
    assert rows[2].split()[9] == outstanding(held_now, "2020-07-12")  # "Now"
