"""Information requests: ``oversight import requests`` and ``/requests``, through the command line
on a real store, compared with a count made here over generated extracts (due dates from the
reference implementation of the statutory clock in test_foi_clock)."""

from __future__ import annotations

import csv
import json
import random
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.support.cli import database_dump, invoke, one_sentence, refused, succeeded
from tests.support.foi import WORKING, reference_due

HEADER = ["Ref", "To", "Subject", "Received On", "Answered On", "Status", "Extended To", "Notes"]
AUTHORITIES = ["Manchester University NHS FT", "Salford Royal NHS FT", "Pennine Acute NHS Trust"]
AS_OF = date(2020, 6, 30)


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def generated(seed: int, as_of: date, n: int = 60) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        received = as_of - timedelta(days=rng.randint(0, 500))
        status = rng.choice(["", "open", "answered", "answered", "refused", "withdrawn"])
        status = rng.choice([status, "internal_review"]) if status == "answered" else status
        answered = ""
        if status in ("answered", "refused", "internal_review"):
            answered = min(received + timedelta(days=rng.randint(0, 60)), as_of).isoformat()
        extended = ""
        if rng.random() < 0.15:
            extended = (received + timedelta(days=rng.randint(30, 80))).isoformat()
        ref, to = f"FOI-{seed}-{i:03}", rng.choice(AUTHORITIES)
        rows.append([ref, to, f"subject {i}", received.isoformat(), answered, status, extended, ""])
    return rows


def count_by_hand(rows: list[list[str]], on: date) -> dict:
    """Open, overdue, and answers in the 12 months to ``on`` by authority, counted here."""
    year_before = on.replace(year=on.year - 1)
    result = {"open": [], "overdue": [], "by_authority": {}, "due": {}}
    for ref, to, _, received, answered, status, extended, _ in sorted(
        rows, key=lambda r: (r[3], r[0])
    ):
        received_on = date.fromisoformat(received)
        if received_on > on:
            continue
        due = date.fromisoformat(extended) if extended else reference_due(received_on)
        result["due"][ref] = due
        answered_on = date.fromisoformat(answered) if answered else None
        if status == "withdrawn":
            continue
        if answered_on is not None and answered_on <= on:
            if answered_on > year_before:
                on_time, late = result["by_authority"].get(to, (0, 0))
                ok = answered_on <= due
                result["by_authority"][to] = (on_time + ok, late + (not ok))
            continue
        result["open"].append(ref)
        if due < on:
            result["overdue"].append(ref)
    return result


def uk_working_days_after(start: date, end: date) -> int:
    return sum(1 for d in WORKING if start < d <= end)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_requests_figures_match_a_count_by_hand(runner, tmp_path, seed):
    rows = generated(seed, AS_OF)
    path = write(tmp_path / "requests.csv", rows)
    succeeded(invoke(runner, "import", "requests", str(path), "--as-of", AS_OF.isoformat()))
    expected = count_by_hand(rows, AS_OF)
    answer = json.loads(
        succeeded(invoke(runner, "ask", "--json", "--as-of", "2020-06-30", "/requests all")).stdout
    )
    listed = answer["requests"]["requests"]
    assert [r["ref"] for r in listed if r["state"] == "open"] == expected["open"]
    received = [r["received_on"] for r in listed]
    assert received == sorted(received)  # the oldest first
    overdue = [r["ref"] for r in listed if r["state"] == "open" and r["days_left"] < 0]
    assert overdue == expected["overdue"]
    for r in listed:
        # The due date as reckoned here (the reference clock, or the extension given).
        due = expected["due"][r["ref"]]
        assert r["due_on"] == due.isoformat(), r["ref"]
        if r["state"] == "open":
            left = uk_working_days_after(AS_OF, due) if due >= AS_OF else None
            if left is not None:
                assert r["working_days_left"] == left
            else:
                assert r["working_days_left"] == -uk_working_days_after(due, AS_OF)
    by_authority = {
        a["authority"]: (a["on_time"], a["late"]) for a in answer["requests"]["by_authority"]
    }
    assert by_authority == expected["by_authority"]

    text = succeeded(invoke(runner, "ask", "--as-of", "2020-06-30", "/requests")).stdout
    assert f"Open: {len(expected['open'])}; overdue: {len(expected['overdue'])}" in text
    shown = re.findall(rf"^(FOI-{seed}-\d+) ", text, re.MULTILINE)
    assert shown == expected["open"]
    on_time = sum(a for a, _ in expected["by_authority"].values())
    late = sum(b for _, b in expected["by_authority"].values())
    assert f"{on_time + late} answered, {on_time} on time" in text
    assert f"{late} late" in text
    for authority, (a, b) in expected["by_authority"].items():
        [line] = [x for x in text.splitlines() if x.startswith(authority)]
        assert line.split()[-4:-1] == [str(a + b), str(a), str(b)]
    overdue_text = succeeded(invoke(runner, "ask", "--as-of", "2020-06-30", "/requests overdue"))
    assert (
        re.findall(rf"^(FOI-{seed}-\d+) ", overdue_text.stdout, re.MULTILINE)
        == (expected["overdue"])
    )


def test_a_request_is_due_by_the_act_and_an_extension_replaces_it(runner, tmp_path):
    rows = [
        # Received Mon 2 Mar 2020: 3-6 Mar (1-4), 9-13 (5-9), 16 (10), Tue 17 St Patrick's Day
        # out, 18-20 (11-13), 23-27 (14-18), 30-31 (19-20): due Tue 31 Mar 2020.
        ["A", AUTHORITIES[0], "s", "2020-03-02", "", "", "", ""],
        ["B", AUTHORITIES[1], "s", "2020-04-01", "", "open", "2020-07-15", "PIT"],
        # Answered Wed 1 Apr 2020, the first working day after the due date: late by 1.
        ["C", AUTHORITIES[0], "s", "2020-03-02", "2020-04-01", "answered", "", ""],
    ]
    path = write(tmp_path / "requests.csv", rows)
    succeeded(invoke(runner, "import", "requests", str(path), "--as-of", "2020-06-30"))
    text = succeeded(invoke(runner, "ask", "--as-of", "2020-06-30", "/requests all")).stdout
    assert re.search(r"^A .*31 Mar 2020 +OVERDUE by 61 working days$", text, re.MULTILINE)
    assert re.search(r"^B .*15 Jul 2020 \(extended\) +10 working days left$", text, re.MULTILINE)
    assert re.search(r"^C .*answered 1 Apr 2020, late by 1 working day$", text, re.MULTILINE)
    # Before the answer, C was open (as the store knows it now: the extract was taken later).
    words = ["ask", "--json", "--as-of", "2020-03-31", "--revised", "/requests"]
    early = json.loads(succeeded(invoke(runner, *words)).stdout)
    assert [r["ref"] for r in early["requests"]["requests"]] == ["A", "C"]
    assert [r["working_days_left"] for r in early["requests"]["requests"]] == [0, 0]


def test_as_of_a_date_reads_the_requests_extract_taken_by_then(runner, tmp_path):
    first = [["A", AUTHORITIES[0], "s", "2020-06-01", "", "open", "", ""]]
    second = [["A", AUTHORITIES[0], "s", "2020-06-01", "2020-06-20", "answered", "", ""]]
    p1, p2 = write(tmp_path / "r1.csv", first), write(tmp_path / "r2.csv", second)
    succeeded(invoke(runner, "import", "requests", str(p1), "--as-of", "2020-06-10"))
    succeeded(invoke(runner, "import", "requests", str(p2), "--as-of", "2020-06-25"))

    def open_on(day: str, *more: str) -> list[str]:
        words = ["ask", "--json", "--as-of", day, *more, "/requests"]
        answer = json.loads(succeeded(invoke(runner, *words)).stdout)
        return [r["ref"] for r in answer["requests"]["requests"] if r["state"] == "open"]

    # On 22 June the store knew only the first extract: A was open, though answered on the 20th.
    assert open_on("2020-06-22") == ["A"]
    assert open_on("2020-06-22", "--revised") == []
    assert open_on("2020-06-30") == []


BAD = [
    (["X", "", "s", "2020-06-01", "", "", "", ""], "line 2, to: is required but blank"),
    (["X", "T", "s", "2020-13-01", "", "", "", ""], 'line 2, received_on: "2020-13-01" is not'),
    (["X", "T", "s", "2020-06-01", "", "answered", "", ""], "line 2, answered_on: is required"),
    (["X", "T", "s", "2020-06-01", "2020-06-02", "open", "", ""], "line 2, answered_on: is given"),
    (["X", "T", "s", "2020-06-01", "2020-05-02", "refused", "", ""], "is before received_on"),
    (["X", "T", "s", "2020-06-01", "", "lost", "", ""], 'line 2, status: "lost" is not a request'),
    (["X", "T", "s", "2020-07-09", "", "", "", ""], "is after the extract's as-of date"),
    (["X", "T", "s", "2020-06-01", "", "", "2020-05-01", ""], "line 2, extended_to: 2020-05-01"),
]


@pytest.mark.parametrize(("row", "said"), BAD)
def test_a_bad_line_is_named_and_nothing_changes(runner, tmp_path, row, said):
    good = write(tmp_path / "good.csv", [["G", "T", "s", "2020-06-01", "", "", "", ""]])
    succeeded(invoke(runner, "import", "requests", str(good), "--as-of", "2020-06-30"))
    before = database_dump(tmp_path / "oversight.db")
    path = write(tmp_path / "bad.csv", [row])
    message = refused(invoke(runner, "import", "requests", str(path), "--as-of", "2020-06-30"))
    one_sentence(message)
    assert said in message
    assert database_dump(tmp_path / "oversight.db") == before


def test_a_file_without_the_to_column_is_refused_by_its_header_name(runner, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("ref,subject,received_on\nA,s,2020-06-01\n")
    message = refused(invoke(runner, "import", "requests", str(path)))
    assert "missing the required column to " in one_sentence(message)
