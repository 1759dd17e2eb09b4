"""The answer models: the right figures for each query, with their source, and their JSON."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from oversight.answers import COMMANDS, UsageError, parse_command
from oversight.answers.backlog import BacklogAnswer
from oversight.answers.deadlines import DeadlinesAnswer
from oversight.answers.overview import HelpAnswer, StatusAnswer, status
from oversight.answers.returns import ReturnsAnswer
from oversight.figures.backlog import backlog
from oversight.figures.deadlines import open_deadlines
from oversight.figures.returns import returns_status
from oversight.importing.kinds import KINDS, import_extract
from oversight.render.json import to_json, to_plain
from oversight.schema import CURRENT_VERSION
from oversight.store import Store
from tests.support.data import RETURN_HEADER, settings, write_csv
from tests.support.handchecked import (
    BACKLOG_EXPECTED,
    DEADLINES_EXPECTED,
    STALE_AFTER,
    SUMMER_NOW,
    WINTER_NOW,
    ask,
)


def test_backlog_answer(summer: Store):
    # The extract was taken on 10 July: today's knowledge of 30 June is the revised answer.
    result = ask(summer, "/backlog as of 30/06/2020 revised")
    assert isinstance(result, BacklogAnswer)
    assert result.command == "backlog"
    assert result.as_of == date(2020, 6, 30)
    assert result.backlog == backlog(summer, date(2020, 6, 30))
    assert result.backlog.figures[-1].outstanding == 5  # worked out in test_backlog
    assert result.source.file_name == "cases.csv"
    assert result.source.extract_as_of == date(2020, 7, 10)
    assert result.source.stale is False
    assert result.known.revised


def test_before_any_extract_the_answer_says_which_came_first(summer: Store):
    result = ask(summer, "/backlog as of 30/06/2020")
    assert result.source is None
    assert result.known.first_since.file_name == "cases.csv"
    assert [f.recorded for f in result.backlog.figures] == [0, 0, 0]


def test_backlog_answer_for_one_workstream(summer: Store):
    result = ask(summer, "/backlog cp as of 30/06/2020 revised")
    assert result.backlog.workstream == "child_protection"
    assert [f.workstream for f in result.backlog.figures] == ["child_protection"]


def test_without_a_date_the_answer_is_as_of_today(summer: Store):
    result = ask(summer, "/backlog")
    assert result.as_of == date(2020, 7, 10)
    # On 10 July DA9 (recorded 1 July) and DA10's review (5 July) have happened.
    assert result.backlog == backlog(summer, date(2020, 7, 10))
    assert result.backlog.figures[0].recorded == 10


def test_returns_answer(summer: Store):
    result = ask(summer, "/ons-status crime as of 30/06/2020 revised")
    assert isinstance(result, ReturnsAnswer)
    assert result.returns == returns_status(summer, date(2020, 6, 30), "crime")
    assert len(result.returns.returns) == 4
    assert result.source.file_name == "returns.csv"
    # Taken the day after the date asked about; nine days before today, so stale today.
    assert (result.source.age_days, result.source.stale) == (-1, False)
    today = ask(summer, "/ons-status crime")
    assert (today.source.age_days, today.source.stale) == (9, True)


def test_deadlines_answer(winter: Store):
    result = ask(winter, "/deadlines 7 as of 23/12/2020 revised", WINTER_NOW)
    assert isinstance(result, DeadlinesAnswer)
    assert result.deadlines == open_deadlines(winter, date(2020, 12, 23), 7)
    # Within 7 days (to 30 December): B, A (overdue), E, I; not F (4 Jan) nor G (6 Jan).
    assert [d.title for d in result.deadlines.deadlines] == [
        "B done late",
        "A overdue",
        "E due today",
        "I Christmas Eve",
    ]
    assert result.source.file_name == "deadlines.csv"


def test_an_answer_without_data_says_so(winter: Store):
    result = ask(winter, "/backlog", WINTER_NOW)
    assert result.source is None
    assert result.backlog.figures[-1].recorded == 0


def test_status_answer(summer: Store):
    result = ask(summer, "/oversight status")
    assert isinstance(result, StatusAnswer)
    assert result == status(summer, SUMMER_NOW, settings(STALE_AFTER))
    assert result.as_of == date(2020, 7, 10)
    assert result.database == str(summer.path.resolve())
    assert result.schema_version == CURRENT_VERSION
    assert result.rows == {
        "case_reviews": 14,
        "data_returns": 8,
        "deadlines": 0,
        "crime_files": 0,
        "requests": 0,
        "assaults": 0,
        "imports": 2,
        "audit_log": 0,
    }
    assert result.sources["cases"].file_name == "cases.csv"
    assert result.sources["deadlines"] is None
    assert result.stale_kinds == ["returns", "deadlines", "crimes", "requests", "assaults"]


def test_help_answer_and_every_example_parses(store: Store):
    result = ask(store, "/oversight")
    assert isinstance(result, HelpAnswer)
    assert result.usage == {c.name: c.usage for c in COMMANDS}
    assert result.examples == {c.name: list(c.examples) for c in COMMANDS}
    for command, examples in result.examples.items():
        for example in examples:
            assert parse_command(example).command == command


def test_whoami_is_answered_only_in_slack(store: Store):
    with pytest.raises(UsageError) as caught:
        ask(store, "/oversight whoami")
    assert caught.value.command == "oversight"


# Every command that takes "as of", bare (/deadlines with its longest reach).
DATED = [c.slash + (" 366" if c.name == "deadlines" else "") for c in COMMANDS if c.dated]


@pytest.mark.parametrize("typed", DATED)
@pytest.mark.parametrize("day", ["0001-01-01", "01/01/1899", "31/12/3000", "9999-12-31"])
def test_dates_out_of_range_are_a_usage_error_not_a_crash(summer: Store, typed: str, day: str):
    with pytest.raises(UsageError) as caught:
        ask(summer, f"{typed} as of {day}")
    assert "out of range" in caught.value.problem
    assert caught.value.command == parse_command(typed).command


@pytest.mark.parametrize("typed", DATED)
@pytest.mark.parametrize("day", ["1900-01-01", "2999-12-31"])
def test_the_range_ends_are_answered(summer: Store, typed: str, day: str):
    assert ask(summer, f"{typed} as of {day}").as_of == date.fromisoformat(day)


# --- JSON ---------------------------------------------------------------------------------------

QUERIES = [
    ("summer", "/backlog as of 30/06/2020 revised"),
    ("summer", "/backlog as of 30/06/2020"),
    ("summer", "/backlog da as of 30/06/2020 revised"),
    ("summer", "/ons-status as of 30/06/2020 revised"),
    ("summer", "/oversight status"),
    ("summer", "/oversight help"),
    ("winter", "/deadlines as of 23/12/2020 revised"),
    ("winter", "/backlog"),
]


@pytest.mark.parametrize(("data", "typed"), QUERIES)
def test_json_round_trips(request: pytest.FixtureRequest, data: str, typed: str):
    store = request.getfixturevalue(data)
    result = ask(store, typed, SUMMER_NOW if data == "summer" else WINTER_NOW)
    text = to_json(result)
    loaded = json.loads(text)
    assert loaded == to_plain(result)
    assert json.dumps(loaded, indent=2, ensure_ascii=False) == text
    assert loaded["command"] == result.command
    assert loaded["as_of"] == result.as_of.isoformat()


def test_backlog_json_carries_the_figures(summer: Store):
    loaded = json.loads(to_json(ask(summer, "/backlog as of 30/06/2020 revised")))
    figures = {f["workstream"]: f for f in loaded["backlog"]["figures"]}
    assert list(figures) == ["domestic_abuse", "child_protection", "all"]
    expected = BACKLOG_EXPECTED
    for workstream, f in figures.items():
        assert (
            f["recorded"],
            f["needing_review"],
            f["reviewed"],
            f["outstanding"],
            f["percent_reviewed"],
            f["ncrs_answered"],
            f["ncrs_compliant"],
            f["ncrs_percent"],
            f["referrals_not_sent"],
            f["referrals_unknown"],
        ) == expected[workstream]
    trend = loaded["backlog"]["trend"]
    assert trend["four_week_mean"] == 1.25
    assert (trend["outstanding"], trend["outstanding_week_before"]) == (5, 6)
    assert trend["change_over_week"] == -1
    assert trend["projected_completion"] == "2020-07-28"
    assert (trend["complete"], trend["has_projection"]) == (False, True)
    assert trend["last_week"] == {"week_start": "2020-06-22", "completed": 1}
    assert len(trend["weeks"]) == 12
    assert loaded["source"]["imported_at"] == "2020-07-10T08:15:00+01:00"
    assert loaded["source"]["extract_as_of"] == "2020-07-10"


def test_returns_json_carries_overdue_excluded_and_next_due(summer: Store):
    loaded = json.loads(to_json(ask(summer, "/ons-status as of 30/06/2020 revised")))
    returns = loaded["returns"]
    assert [(r["period"], r["days_overdue"]) for r in returns["overdue"]] == [
        ("2019-Q3", 228),
        ("2019-Q4", 137),
        ("2019/20", 61),
    ]
    assert [r["period"] for r in returns["excluded"]] == ["2019-Q4"]
    assert returns["next_due"]["dataset"] == "Monthly_stats 100%"
    assert returns["next_due"]["due_on"] == "2020-06-30"
    assert returns["returns"][0]["notes"] == "Not sent: excluded from the bulletin"
    assert returns["returns"][0]["submitted_on"] is None


def test_deadlines_json(winter: Store):
    loaded = json.loads(to_json(ask(winter, "/deadlines as of 23/12/2020 revised", WINTER_NOW)))
    items = loaded["deadlines"]["deadlines"]
    assert [(d["title"], d["days_left"], d["working_days_left"]) for d in items] == [
        tuple(row) for row in DEADLINES_EXPECTED
    ]
    assert [d["title"] for d in loaded["deadlines"]["overdue"]] == ["B done late", "A overdue"]
    assert loaded["deadlines"]["within_days"] == 14


def test_json_keeps_non_ascii_text(store: Store, tmp_path: Path):
    path = write_csv(
        tmp_path / "returns.csv",
        RETURN_HEADER,
        [["Retour données — été", "2020-Q2", "2020-08-14", "pending", "", "Noté"]],
    )
    import_extract(
        store,
        KINDS["returns"],
        path,
        extract_as_of=date(2020, 7, 1),
        imported_by="analyst",
        imported_at=SUMMER_NOW,
    )
    text = to_json(ask(store, "/ons-status"))
    assert "Retour données — été" in text
    assert json.loads(text)["returns"]["next_due"]["notes"] == "Noté"


def test_status_and_help_take_no_notice_of_the_date(summer: Store):
    assert isinstance(ask(summer, "/oversight status as of 0001-01-01"), StatusAnswer)
    assert isinstance(ask(summer, "/oversight help as of 9999-12-31"), HelpAnswer)
