"""The command service: one slash command in, one reply out, one audit row written.

Outcomes: answered, shared, refused (see test_access), usage and error. Slack is the loopback
stand-in; the store is a real SQLite file with the hand-checked data sets in it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.service import CommandService, Reply
from oversight.answers import COMMANDS, answer, parse_command
from oversight.audit import entries
from oversight.render.blocks import render_blocks
from oversight.settings import Settings
from oversight.store import Store
from tests.support.access import ALLOWED, CHANNEL, DM, GROUP, MEMBER, make_settings, policy_for
from tests.support.slack_standin import SlackStandIn

SHARE = "CSHAREHERE"


@pytest.fixture
def service_standin(slack_standin: SlackStandIn) -> SlackStandIn:
    """The stand-in (reset): two people allowed, three channels, one user group."""
    slack_standin.add_user(ALLOWED)
    slack_standin.add_user(MEMBER)
    for channel in (CHANNEL, DM, SHARE):
        slack_standin.add_channel(channel)
    slack_standin.usergroups[GROUP] = [MEMBER]
    return slack_standin


@pytest.fixture
def settings(service_standin: SlackStandIn, tmp_path: Path) -> Settings:
    return make_settings(service_standin, tmp_path, OVERSIGHT_SHARE_CHANNELS=SHARE)


@pytest.fixture
def figures(summer: Store, winter: Store) -> Store:
    """The hand-checked case reviews and returns (summer) and deadlines (winter), in one store."""
    assert summer is winter
    return summer


@pytest.fixture
def service(settings: Settings, figures: Store) -> CommandService:
    return CommandService(settings=settings, store=figures, access=policy_for(settings))


def everything(reply: Reply) -> str:
    return reply.text + "\n" + json.dumps(reply.blocks, ensure_ascii=False)


@pytest.mark.parametrize(
    ("command", "text"),
    [
        ("/backlog", ""),
        ("/backlog", "cp"),
        ("/backlog", "da as of 30/06/2020"),
        ("/ons-status", ""),
        ("/ons-status", "crime"),
        ("/deadlines", ""),
        ("/deadlines", "60 as of 2020-12-23"),
        ("/oversight", ""),
        ("/oversight", "status"),
    ],
)
def test_an_answer_is_the_blocks_of_the_same_answer_model(
    service: CommandService, settings: Settings, figures: Store, command: str, text: str
):
    # Worked out first: the request's own audit row then counts in /oversight status neither.
    model = answer(figures, parse_command(command, text), settings.clock.now(), settings)
    reply = service.handle(ALLOWED, CHANNEL, command, text)
    assert (reply.text, reply.blocks) == render_blocks(model)
    assert not reply.in_channel
    [row] = entries(figures)
    assert (row.outcome, row.detail) == ("answered", None)
    assert (row.command, row.text) == (command, text)


def test_the_reply_is_sent_only_to_the_asker(service: CommandService):
    message = service.handle(ALLOWED, CHANNEL, "/backlog", "").as_message()
    assert message["response_type"] == "ephemeral"
    assert message["replace_original"] is False
    assert message["text"]
    assert message["blocks"]


def test_share_in_an_allowed_channel_posts_for_everyone(
    service: CommandService, figures: Store, settings: Settings
):
    reply = service.handle(ALLOWED, SHARE, "/backlog", "share")
    assert reply.in_channel
    assert reply.as_message()["response_type"] == "in_channel"
    model = answer(figures, parse_command("/backlog"), settings.clock.now(), settings)
    assert (reply.text, reply.blocks) == render_blocks(model)
    [row] = entries(figures)
    assert (row.outcome, row.channel_id, row.text) == ("shared", SHARE, "share")


@pytest.mark.parametrize("channel", [CHANNEL, DM])
def test_share_elsewhere_answers_only_the_asker_and_says_why(
    service: CommandService, figures: Store, channel: str
):
    reply = service.handle(ALLOWED, channel, "/ons-status", "share")
    assert not reply.in_channel
    assert reply.as_message()["response_type"] == "ephemeral"
    last = reply.blocks[-1]
    assert last["type"] == "context"
    assert "Not shared" in last["elements"][0]["text"]
    assert len(reply.blocks) <= 50
    [row] = entries(figures)
    assert row.outcome == "answered"


def test_share_without_the_word_share_is_not_shared(service: CommandService, figures: Store):
    reply = service.handle(ALLOWED, SHARE, "/backlog", "")
    assert not reply.in_channel
    assert entries(figures)[0].outcome == "answered"


@pytest.mark.parametrize(
    ("command", "text", "problem"),
    [
        ("/backlog", "burglary", '"burglary" is not a workstream: use da or cp.'),
        ("/deadlines", "0", '"0" is not a number of days from 1 to 366.'),
        ("/backlog", "as of 31/02/2020", None),
        ("/oversight", "secrets", '"secrets" is not something /oversight answers.'),
    ],
)
def test_words_a_command_does_not_understand_get_its_usage(
    service: CommandService, figures: Store, command: str, text: str, problem: str | None
):
    reply = service.handle(ALLOWED, CHANNEL, command, text)
    name = command.lstrip("/")
    assert COMMANDS[name].usage in reply.text
    if problem:
        assert reply.text.startswith(problem)
    assert not reply.in_channel
    [row] = entries(figures)
    assert row.outcome == "usage"
    assert row.detail == reply.text.splitlines()[0]
    assert (row.command, row.text) == (command, text)


def test_a_usage_reply_does_not_echo_a_mention_or_a_link(service: CommandService):
    reply = service.handle(ALLOWED, CHANNEL, "/backlog", "<!channel> <https://evil.example|x> &")
    shown = everything(reply)
    for raw in ("<!channel>", "<https://", "<!", "<@", " & "):
        assert raw not in shown
    assert "&lt;!channel&gt;" in reply.blocks[0]["text"]["text"]
    assert "&amp;" in reply.text


def test_whoami_says_why_the_asker_may_see_the_figures(service: CommandService, figures: Store):
    by_name = service.handle(ALLOWED, CHANNEL, "/oversight", "whoami")
    assert (
        by_name.text
        == f"You (<@{ALLOWED}>) may see oversight figures: on the allow-list of people."
    )
    by_group = service.handle(MEMBER, DM, "/oversight", "whoami")
    assert f"a member of the allowed user group {GROUP}" in by_group.text
    assert [r.outcome for r in entries(figures)] == ["answered", "answered"]


def test_a_failure_while_answering_is_an_error_reply_without_details(
    service: CommandService, figures: Store
):
    figures.conn.execute("DROP TABLE data_returns")  # a damaged database
    reply = service.handle(ALLOWED, CHANNEL, "/ons-status", "")
    assert reply.text == (
        "Something went wrong while answering; it has been logged. Try again shortly."
    )
    assert "data_returns" not in everything(reply)
    [row] = entries(figures)
    assert (row.outcome, row.detail) == ("error", "OperationalError")
    # The other commands still answer.
    assert service.handle(ALLOWED, CHANNEL, "/backlog", "").text.startswith("Review backlog")


def test_an_as_of_date_out_of_range_is_a_usage_reply(service: CommandService, figures: Store):
    reply = service.handle(ALLOWED, CHANNEL, "/backlog", "as of 01/01/1800")
    assert "out of range" in reply.text
    assert entries(figures)[0].outcome == "usage"
