"""Risk assessments on case extracts: /backlog's figures against a count made here over
generated extracts, as of a date; an extract without the columns; bad lines; and the
reconciliation findings risk_assessment_removed and risk_level_lowered."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from oversight.importing.kinds import NO_RISK_COLUMNS
from tests.support.cli import database_dump, invoke, one_sentence, refused, succeeded
from tests.support.data import CASE_HEADER, case, write_csv

HEADER = [*CASE_HEADER, "Risk Assessed On", "Risk Level"]
WORKSTREAMS = ("domestic_abuse", "child_protection")


def generated(seed: int, taken: date, n: int = 300) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        recorded = date(2019, 7, 1) + timedelta(
            days=rng.randint(0, (taken - date(2019, 7, 1)).days)
        )
        assessed, level = "", ""
        if rng.random() < 0.8:
            day = min(recorded + timedelta(days=rng.randint(0, 40)), taken)
            assessed = day.isoformat()
            level = rng.choice(["standard", "Medium", "HIGH", "high risk", "std", ""])
        ws = rng.choice(WORKSTREAMS)
        rows.append([*case(f"R-{i:04}", ws, recorded.isoformat()), assessed, level])
    return rows


HIGH = {"high", "high risk"}


def count_by_hand(rows: list[list[str]], on: date) -> dict[str, tuple[int, str | None, int]]:
    """Per workstream and all: (never assessed by ``on``, its oldest recorded day, high risk)."""
    found = {}
    for ws in (*WORKSTREAMS, "all"):
        mine = [r for r in rows if ws in ("all", r[1]) and date.fromisoformat(r[2]) <= on]
        waiting = [r for r in mine if not r[9] or date.fromisoformat(r[9]) > on]
        high = [
            r for r in mine if r[9] and date.fromisoformat(r[9]) <= on and r[10].lower() in HIGH
        ]
        oldest = min((r[2] for r in waiting), default=None)
        found[ws] = (len(waiting), oldest, len(high))
    return found


def risk_of(runner, *words: str) -> dict[str, tuple[int, str | None, int]]:
    answer = json.loads(succeeded(invoke(runner, "ask", "--json", *words)).stdout)
    return {
        r["workstream"]: (r["unassessed"], r["oldest_recorded_on"], r["high"])
        for r in answer["risk"]
        if r["in_extract"]
    }


@pytest.mark.parametrize("seed", [5, 6])
def test_backlog_risk_figures_match_a_count_by_hand_as_of_each_date(runner, tmp_path, seed):
    first_taken, second_taken = date(2020, 6, 30), date(2020, 7, 14)
    first = generated(seed, first_taken)
    # A week later: more assessments done, some dates blanked, some levels lowered.
    rng = random.Random(seed + 100)
    second = []
    for row in first:
        row = list(row)
        if not row[9] and rng.random() < 0.5:
            row[9], row[10] = (first_taken + timedelta(days=rng.randint(1, 14))).isoformat(), "high"
        elif row[9] and rng.random() < 0.03:
            row[9], row[10] = "", ""
        elif row[10].lower() in HIGH and rng.random() < 0.2:
            row[10] = "medium"
        second.append(row)
    for rows, taken in ((first, first_taken), (second, second_taken)):
        path = write_csv(tmp_path / f"cases-{taken}.csv", HEADER, rows)
        result = succeeded(invoke(runner, "import", "cases", str(path), "--as-of", str(taken)))
        assert "risk assessments are not in this extract" not in result.stdout
    for day, rows in (
        (date(2020, 6, 30), first),  # as known then: the first extract
        (date(2020, 7, 10), first),  # the second extract was not taken until 14 July
        (date(2020, 7, 14), second),
        (date(2020, 6, 1), second),  # a date before the first extract: none known
    ):
        expected = count_by_hand(rows, day)
        if day < first_taken:
            assert risk_of(runner, "--as-of", str(day), "/backlog") == {}
            assert risk_of(runner, "--as-of", str(day), "--revised", "/backlog") == expected
            continue
        assert risk_of(runner, "--as-of", str(day), "/backlog") == expected
        text = succeeded(invoke(runner, "ask", "--as-of", str(day), "/backlog")).stdout
        unassessed, _, high = expected["all"]
        assert f"Risk assessments, All workstreams: {unassessed:,} not risk-assessed" in text
        assert f"; {high:,} of " in text.split("Risk assessments, All workstreams")[1]
    # The revised view of 30 June reads the second extract; as known then, the first.
    assert risk_of(runner, "--as-of", "2020-06-30", "--revised", "/backlog") == count_by_hand(
        second, date(2020, 6, 30)
    )
    # The findings of the second import, against a count made here.
    removed = [a[0] for a, b in zip(first, second, strict=True) if a[9] and not b[9]]
    rank = {"": 0, "standard": 1, "std": 1, "medium": 2, "high": 3, "high risk": 3}
    lowered = [
        a[0]
        for a, b in zip(first, second, strict=True)
        if rank[a[10].lower()] > rank[b[10].lower()]
    ]
    with sqlite3.connect(tmp_path / "oversight.db") as conn:
        found = conn.execute(
            "SELECT kind, ref FROM import_findings WHERE kind LIKE 'risk%' ORDER BY ref"
        ).fetchall()
    assert sorted(r for k, r in found if k == "risk_assessment_removed") == sorted(removed)
    assert sorted(r for k, r in found if k == "risk_level_lowered") == sorted(lowered)
    assert removed and lowered  # the generated extracts do hold some of each
    integrity = succeeded(invoke(runner, "ask", "--as-of", "2020-07-14", "/integrity")).stdout
    for kind, refs in (("risk_assessment_removed", removed), ("risk_level_lowered", lowered)):
        [line] = [x for x in integrity.splitlines() if x.startswith(f"{kind} ")]
        assert line.split()[-1] == str(len(refs))  # the All column


def test_an_extract_without_the_columns_imports_and_says_what_it_lacks(runner, tmp_path):
    path = write_csv(tmp_path / "old.csv", CASE_HEADER, [case("A-1"), case("A-2")])
    result = succeeded(invoke(runner, "import", "cases", str(path), "--as-of", "2020-06-30"))
    assert NO_RISK_COLUMNS in result.stdout + result.stderr
    text = succeeded(invoke(runner, "ask", "--as-of", "2020-06-30", "/backlog")).stdout
    assert "Risk assessments: not in this extract" in text
    assert "0 not risk-assessed" not in text
    answer = json.loads(
        succeeded(invoke(runner, "ask", "--json", "--as-of", "2020-06-30", "/backlog")).stdout
    )
    assert [r["in_extract"] for r in answer["risk"]] == [False, False, False]
    # A later extract with the columns: its figures are shown; blanks there are not findings
    # against the old one, which said nothing of assessments.
    rows = [[*case("A-1"), "2019-07-02", "high"], [*case("A-2"), "", ""]]
    newer = write_csv(tmp_path / "new.csv", HEADER, rows)
    succeeded(invoke(runner, "import", "cases", str(newer), "--as-of", "2020-07-07"))
    assert risk_of(runner, "--as-of", "2020-07-07", "/backlog")["all"] == (1, "2019-07-01", 1)
    # And an old-format extract after it finds nothing removed: it has no such column.
    succeeded(invoke(runner, "import", "cases", str(path), "--as-of", "2020-07-14"))
    with sqlite3.connect(tmp_path / "oversight.db") as conn:
        kinds = {k for (k,) in conn.execute("SELECT kind FROM import_findings")}
    assert not {"risk_assessment_removed", "risk_level_lowered"} & kinds
    assert risk_of(runner, "--as-of", "2020-07-14", "/backlog") == {}


BAD = [
    ([*case("B-1"), "", "high"], "line 2, risk_level: is given but risk_assessed_on is blank"),
    (
        [*case("B-1"), "2019-06-30", ""],
        "line 2, risk_assessed_on: 2019-06-30 is before recorded_on",
    ),
    ([*case("B-1"), "2020-07-01", ""], "line 2, risk_assessed_on: 2020-07-01 is after the extract"),
    ([*case("B-1"), "2019-07-02", "severe"], 'line 2, risk_level: "severe" is not a risk level'),
    ([*case("B-1"), "2019-02-30", ""], 'line 2, risk_assessed_on: "2019-02-30" is not a date'),
]


@pytest.mark.parametrize(("row", "said"), BAD)
def test_a_bad_risk_line_is_named_and_nothing_changes(runner, tmp_path: Path, row, said):
    good = write_csv(tmp_path / "good.csv", HEADER, [[*case("G-1"), "2019-07-01", "medium"]])
    succeeded(invoke(runner, "import", "cases", str(good), "--as-of", "2020-06-30"))
    before = database_dump(tmp_path / "oversight.db")
    bad = write_csv(tmp_path / "bad.csv", HEADER, [row])
    message = refused(invoke(runner, "import", "cases", str(bad), "--as-of", "2020-06-30"))
    one_sentence(message)
    assert said in message
    assert database_dump(tmp_path / "oversight.db") == before
