"""Parsing what someone typed into the query the figures answer."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oversight.answers import COMMANDS, Query, UsageError, parse_command
from oversight.answers.backlog import BacklogOptions
from oversight.answers.deadlines import DEFAULT_DEADLINE_DAYS, MAX_DEADLINE_DAYS, DeadlinesOptions
from oversight.answers.overview import OversightOptions
from oversight.answers.returns import ReturnsOptions
from oversight.errors import UserError


@pytest.mark.parametrize(
    ("typed", "workstream"),
    [
        ("/backlog", "all"),
        ("/backlog DA", "domestic_abuse"),
        ("/backlog da", "domestic_abuse"),
        ("/backlog domestic abuse", "domestic_abuse"),
        ("/backlog Domestic Abuse", "domestic_abuse"),
        ("/backlog domestic-abuse", "domestic_abuse"),
        ("/backlog domestic_abuse", "domestic_abuse"),
        ("/backlog CP", "child_protection"),
        ("/backlog child protection", "child_protection"),
        ("/backlog all", "all"),
        ("/backlog both", "all"),
        ("  /BACKLOG    Domestic    ABUSE  ", "domestic_abuse"),
    ],
)
def test_backlog_workstreams(typed: str, workstream: str):
    assert parse_command(typed) == Query("backlog", BacklogOptions(workstream))


def test_backlog_as_of_a_uk_date():
    query = parse_command("/backlog cp as of 30/06/2020")
    assert query == Query("backlog", BacklogOptions("child_protection"), as_of=date(2020, 6, 30))


@pytest.mark.parametrize(
    "typed",
    [
        "/backlog da as of 2020-06-30",
        "/backlog da AS OF 30/06/2020",
        "/backlog as of 2020-06-30 da",
        "/backlog   da   as   of   2020-06-30  ",
        "/backlog da as-of 2020-06-30",
        "/backlog da As Of 30/6/2020",
    ],
)
def test_as_of_anywhere_in_any_case(typed: str):
    query = parse_command(typed)
    assert (query.options.workstream, query.as_of) == ("domestic_abuse", date(2020, 6, 30))


def test_command_and_text_apart_as_slack_sends_them():
    assert parse_command("/backlog", "cp as of 30/06/2020") == parse_command(
        "/backlog cp as of 30/06/2020"
    )
    assert parse_command("/deadlines", " 7 ").options.days == 7
    assert parse_command("backlog", "da").options.workstream == "domestic_abuse"  # no slash


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("/backlog burglary", '"burglary" is not a workstream'),
        ("/backlog da cp", '"da cp" is not a workstream'),
        ("/backlog as of 31/02/2020", '"31/02/2020" is not a date'),
        ("/backlog as of yesterday", '"yesterday" is not a date'),
        ("/backlog as of", '"as of" is not a workstream'),
    ],
)
def test_backlog_mistakes(typed: str, problem: str):
    with pytest.raises(UsageError) as caught:
        parse_command(typed)
    assert problem in caught.value.problem
    assert caught.value.command == "backlog"
    usage = caught.value.usage()
    assert usage.splitlines()[0] == caught.value.problem
    assert COMMANDS["backlog"].usage in usage
    assert COMMANDS["deadlines"].usage not in usage  # only the command's own usage


@pytest.mark.parametrize(
    ("typed", "days"),
    [
        ("/deadlines", DEFAULT_DEADLINE_DAYS),
        ("/deadlines 7", 7),
        ("/deadlines 1", 1),
        ("/deadlines 366", 366),
        ("/deadlines 007", 7),
        ("/Deadlines   30  ", 30),
    ],
)
def test_deadlines_days(typed: str, days: int):
    assert parse_command(typed) == Query("deadlines", DeadlinesOptions(days))


@pytest.mark.parametrize(
    "words", ["x", "0", "367", "-1", "7.5", "7 days", "²", "١٠" * 3, "9" * 5000]
)
def test_deadlines_not_a_number_of_days(words: str):
    with pytest.raises(UsageError) as caught:
        parse_command(f"/deadlines {words}")
    assert caught.value.command == "deadlines"
    assert f"from 1 to {MAX_DEADLINE_DAYS}" in caught.value.problem
    assert COMMANDS["deadlines"].usage in caught.value.usage()


def test_deadlines_as_of():
    query = parse_command("/deadlines 7 as of 2020-12-23")
    assert (query.options.days, query.as_of) == (7, date(2020, 12, 23))


@pytest.mark.parametrize(
    ("typed", "dataset", "share"),
    [
        ("/ons-status", None, False),
        ("/ons-status crime", "crime", False),
        ("/ons-status crime share", "crime", True),
        ("/ons-status share crime", "crime", True),
        ("/ons-status Crime   SHARE", "Crime", True),
        ("/ons-status  Quarterly   crime  data ", "Quarterly crime data", False),
        ("/ons-status share", None, True),
    ],
)
def test_ons_status(typed: str, dataset: str | None, share: bool):
    assert parse_command(typed) == Query("ons-status", ReturnsOptions(dataset), share=share)


def test_ons_status_as_of():
    query = parse_command("/ons-status as of 30/06/2020 crime")
    assert (query.options.dataset, query.as_of) == ("crime", date(2020, 6, 30))


def test_share_with_other_commands():
    assert parse_command("/backlog da share").share is True
    assert parse_command("/backlog da share").options.workstream == "domestic_abuse"
    assert parse_command("/deadlines share 7") == Query(
        "deadlines", DeadlinesOptions(7), share=True
    )
    assert parse_command("/backlog da").share is False


@pytest.mark.parametrize(
    ("typed", "topic"),
    [
        ("/oversight", "help"),
        ("/oversight help", "help"),
        ("/oversight STATUS", "status"),
        ("/oversight whoami", "whoami"),
    ],
)
def test_oversight_topics(typed: str, topic: str):
    assert parse_command(typed) == Query("oversight", OversightOptions(topic))


def test_oversight_unknown_topic():
    with pytest.raises(UsageError) as caught:
        parse_command("/oversight delete everything")
    assert caught.value.command == "oversight"
    assert COMMANDS["oversight"].usage in caught.value.usage()


@pytest.mark.parametrize("typed", ["/foo", "/backlogs da", "/ons_status", "", "   ", "/"])
def test_unknown_command_lists_every_usage(typed: str):
    with pytest.raises(UsageError) as caught:
        parse_command(typed)
    assert caught.value.command is None
    assert "is not a command oversight knows" in caught.value.problem
    usage = caught.value.usage()
    assert usage.splitlines()[:2] == [caught.value.problem, "Usage:"]
    for command in COMMANDS:
        assert f"  {command.usage}" in usage.splitlines()


def test_usage_errors_are_user_errors():
    # The command line shows a user error as one sentence with exit status 2.
    assert issubclass(UsageError, UserError)
    assert UsageError("x").exit_code == 2


words = st.sampled_from(
    ["da", "cp", "share", "as", "of", "7", "0", "crime", "status", "help", "²", "30/06/2020",
     "2020-06-30", "-", "%", "all"]
)  # fmt: skip


@given(
    st.sampled_from(["/backlog", "/ons-status", "/deadlines", "/oversight", "/nope"]),
    st.lists(st.one_of(words, st.text(max_size=8)), max_size=6),
)
def test_anything_typed_gives_a_query_or_a_usage_error(command: str, typed: list[str]):
    try:
        query = parse_command(command, " ".join(typed))
    except UsageError as error:
        assert error.usage().startswith(error.problem)
        return
    assert query.command == command.lstrip("/")
    if query.command == "backlog":
        assert query.options.workstream in ("all", "domestic_abuse", "child_protection")
    if query.command == "deadlines":
        assert 1 <= query.options.days <= MAX_DEADLINE_DAYS
    assert query.share is any(w.lower() == "share" for w in " ".join(typed).split())
