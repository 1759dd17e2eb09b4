"""Where the bot posts its replies: only to Slack's response URLs (``https://hooks.slack.com/``,
or the host of ``SLACK_API_URL``, which in these tests is the loopback stand-in). A signed
request whose ``response_url`` points anywhere else is refused and audited, and nothing is
sent there: not the figures, not a refusal.

The bot is ``bot.run.start`` in this process; the other listener is a second stand-in on
another loopback port, which records anything posted to it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.replies import ReplyUrls
from oversight.settings import load_settings
from tests.support.processes import wait_until
from tests.support.slack import (
    AS_OF,
    OUTSIDER,
    ask_bot,
    audit_rows,
    buttons_of,
    click,
    post_click,
    post_signed,
    running_bot,
    slash,
)
from tests.support.slack_standin import SlackStandIn

pytestmark = pytest.mark.slow  # each test starts and stops a bot


@pytest.fixture
def elsewhere() -> Iterator[SlackStandIn]:
    """Another listener on loopback: where a careless insider's response URL points."""
    other = SlackStandIn()
    yield other
    other.close()


def refusals(cli) -> list[tuple[str, str, str]]:
    return [
        (r["command"], r["outcome"], r["detail"])
        for r in audit_rows(cli)
        if r["outcome"] == "refused"
    ]


def test_a_command_whose_response_url_is_elsewhere_is_refused_audited_and_sent_nowhere(
    bot_standin, elsewhere, db, cli
):
    host = f"127.0.0.1:{elsewhere.port}"
    with running_bot(bot_standin, db) as bot:
        for user in ("UMAYOR", OUTSIDER):  # figures, and a refusal: neither goes there
            fields = slash(elsewhere, f"stolen-{user}", "/backlog", f"as of {AS_OF}", user=user)
            assert post_signed(bot.url, fields) == (200, "")
        wait_until(lambda: len(refusals(cli)) == 2 or elsewhere.replies, "two refusals", 10)
        time.sleep(0.5)  # time for a post, were one coming
        # The bot still answers where Slack says.
        ask_bot(bot.url, bot_standin, "here", "/backlog", f"as of {AS_OF}")
    assert dict(elsewhere.replies) == {}
    detail = f"a response URL that is not Slack's ({host}): nothing was sent"
    assert refusals(cli) == [("/backlog", "refused", detail)] * 2
    assert "/respond/" not in str(audit_rows(cli))  # the host is named, never the path


def test_a_click_whose_response_url_is_elsewhere_is_refused_audited_and_sent_nowhere(
    bot_standin, elsewhere, db, cli
):
    with running_bot(bot_standin, db) as bot:
        answer = ask_bot(bot.url, bot_standin, "asked", "/backlog", f"as of {AS_OF}")
        for label in ("Domestic abuse", "Workbook"):
            payload = click(elsewhere, f"stolen-{label}", buttons_of(answer)[label])
            assert post_click(bot.url, payload) == (200, "")
        wait_until(lambda: len(refusals(cli)) == 2 or elsewhere.replies, "two refusals", 10)
        time.sleep(0.5)
    assert dict(elsewhere.replies) == {}
    assert bot_standin.calls_to("conversations.open") == []  # no workbook was made
    host = f"127.0.0.1:{elsewhere.port}"
    detail = f"a response URL that is not Slack's ({host}): nothing was sent"
    assert refusals(cli) == [
        ("button:switch", "refused", detail),
        ("button:workbook", "refused", detail),
    ]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.slack.com/commands/T1/123/abc", True),
        ("https://hooks.slack.com:443/actions/T1/123/abc", True),
        ("http://127.0.0.1:4000/respond/x", True),  # SLACK_API_URL's host
        ("http://hooks.slack.com/commands/T1/123/abc", False),  # not over TLS
        ("https://hooks.slack.com.example.org/commands/T1", False),
        ("https://evil.example@hooks.slack.com/commands/T1", False),  # credentials in the URL
        ("https://hooks.slack.com@evil.example/commands/T1", False),
        ("https://hooks.slack.com:8443/commands/T1", False),
        ("https://127.0.0.1:4000/respond/x", False),  # the API's host, another scheme
        ("http://127.0.0.1:4001/respond/x", False),  # another port
        ("https://hooks.slack.com\\@evil.example/", False),
        ("https://hooks.slack.com/commands/T1\r\nX-Injected: 1", False),
        ("//hooks.slack.com/commands/T1", False),
        ("", False),
    ],
)
def test_only_slacks_response_urls_are_posted_to(url, allowed, network_attempts):
    settings = load_settings({"SLACK_API_URL": "http://127.0.0.1:4000/api/"}, None)
    assert (ReplyUrls(settings, audit=print).refused(url) is None) is allowed
    # Judged from the text alone: Slack's real address is named here, never reached.
    assert network_attempts == []
