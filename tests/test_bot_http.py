"""The Slack bot over signed HTTP, end to end, in this process.

Requests are signed the way Slack signs them and posted to the bot that ``bot.run.start`` (what
``oversight bot`` runs) serves on loopback; the bot talks only to the Slack stand-in
(``SLACK_API_URL``), which also receives the replies sent to each response URL. Every answer
is checked against ``oversight ask --json`` (run in this process too) on the same database and
date: the numbers are read back out of the Block Kit text, not rebuilt with the project's own
formatting. ``oversight bot`` itself, in a subprocess, is test_bot_command's.

The helpers (signing, the bot's workspace, reading blocks back) are in tests/support/slack.py and
tests/support/readback.py.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import time
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.support.cli import oversight_here
from tests.support.processes import copy_database, demo_database
from tests.support.readback import (
    assert_backlog,
    assert_deadlines,
    assert_help,
    assert_returns,
    assert_status,
    block_texts,
    context_text,
)
from tests.support.slack import (
    ALLOWED,
    AS_OF,
    BOT_TOKEN,
    BRIEFING,
    EXTERNAL,
    GROUP,
    GUEST,
    MEMBER,
    OUTSIDER,
    PRIVATE,
    SLACK_LIMIT,
    ask_bot,
    ask_json,
    audit_rows,
    populate,
    post_signed,
    running_bot,
    send,
    slash,
)
from tests.support.slack_standin import Fault, SlackStandIn

_names = itertools.count(1)


@dataclass
class Bench:
    """A running bot, the stand-in it talks to, and the ``oversight`` command on its database
    (in this process: a subprocess would add nothing but time)."""

    slack: SlackStandIn
    url: str
    folder: Path

    def __post_init__(self) -> None:
        self.run = oversight_here(self.folder)
        with closing(sqlite3.connect(self.folder / "oversight.db")) as conn:
            self._audited = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]

    def reply_name(self, name: str) -> str:
        return f"{name}-{next(_names)}"  # response URLs are never reused

    def ask(self, name: str, command: str, text: str = "", **who: str) -> dict:
        return ask_bot(self.url, self.slack, self.reply_name(name), command, text, **who)

    def ask_json(self, text: str) -> dict:
        return ask_json(self.run, text)

    def audit(self) -> list[dict[str, str]]:
        """The audit entries written since this bench was handed to the test."""
        return audit_rows(self.run)[self._audited :]


@pytest.fixture(scope="module")
def shared_bot(
    slack_standin: SlackStandIn, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, str]]:
    """One bot for the tests that need no fresh one (a bot stops in half a second, not less),
    talking to the module's stand-in; its folder and its address."""
    folder = tmp_path_factory.mktemp("bot-http")
    copy_database(demo_database(tmp_path_factory), folder / "oversight.db")
    with running_bot(populate(slack_standin), folder / "oversight.db") as running:
        yield folder, running.url


@pytest.fixture
def bench(shared_bot: tuple[Path, str], bot_standin: SlackStandIn) -> Bench:
    """The shared bot, and the stand-in reset to the bot tests' workspace."""
    folder, url = shared_bot
    return Bench(bot_standin, url, folder)


@pytest.fixture
def fresh_bench(
    bot_standin: SlackStandIn, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Bench]:
    """A bot of its own, for tests that count Web API calls (access checks are cached)."""
    copy_database(demo_database(tmp_path_factory), tmp_path / "oversight.db")
    with running_bot(bot_standin, tmp_path / "oversight.db") as running:
        yield Bench(bot_standin, running.url, tmp_path)


# --- the tests ------------------------------------------------------------------------------

COMMANDS = [
    pytest.param("/backlog", f"as of {AS_OF}", "/backlog", assert_backlog, id="backlog"),
    pytest.param("/backlog", f"da as of {AS_OF}", "/backlog da", assert_backlog, id="backlog-da"),
    pytest.param("/ons-status", f"as of {AS_OF}", "/ons-status", assert_returns, id="ons-status"),
    pytest.param("/deadlines", f"as of {AS_OF}", "/deadlines", assert_deadlines, id="deadlines"),
    pytest.param(
        "/deadlines", f"60 as of {AS_OF}", "/deadlines 60", assert_deadlines, id="deadlines-60"
    ),
    pytest.param("/oversight", "status", "/oversight status", assert_status, id="status"),
    pytest.param("/oversight", "help", "/oversight help", assert_help, id="help"),
]


@pytest.mark.parametrize(("command", "text", "asked", "check"), COMMANDS)
def test_each_command_answers_in_slack_with_the_figures_oversight_ask_gives(
    bench, command, text, asked, check
):
    # Asked first: /oversight status counts the audit log, which the bot's answer adds to.
    model = bench.ask_json(asked)
    reply = bench.ask("one", command, text)
    check(reply, model)
    assert reply["response_type"] == "ephemeral"
    assert [(r["command"], r["text"], r["outcome"]) for r in bench.audit()] == [
        (command, text, "answered")
    ]


def test_whoami_says_why_someone_may_see_figures_and_is_answered_only_in_slack(bench):
    listed = bench.ask("listed", "/oversight", "whoami", user=ALLOWED)
    member = bench.ask("member", "/oversight", "whoami", user=MEMBER)
    assert f"<@{ALLOWED}>" in listed["text"] and "allow-list" in listed["text"]
    assert f"<@{MEMBER}>" in member["text"] and GROUP in member["text"]
    assert f"<@{MEMBER}>" in " ".join(block_texts(member["blocks"]))
    # The command line has no Slack identity to report: it says so rather than guessing.
    result = bench.run("ask", "--json", "/oversight whoami")
    assert result.returncode == 2
    assert "only in Slack" in result.stderr
    assert [(r["user_id"], r["text"], r["outcome"]) for r in bench.audit()] == [
        (ALLOWED, "whoami", "answered"),
        (MEMBER, "whoami", "answered"),
    ]


def test_a_badly_signed_or_stale_request_gets_401_and_is_never_answered(bench):
    forged = bench.reply_name("forged")
    fields = slash(bench.slack, forged, "/backlog", f"as of {AS_OF}")
    five_minutes_ago = int(time.time()) - 5 * 60 - 10
    tampered = {**fields, "channel_id": BRIEFING, "text": "share"}
    refused = [
        post_signed(bench.url, fields, secret="not-the-signing-secret-at-all-00"),
        post_signed(bench.url, fields, timestamp=five_minutes_ago),
        post_signed(bench.url, fields, timestamp=int(time.time()) + 5 * 60 + 10),
        post_signed(bench.url, tampered, sign_as=urlencode(fields)),
    ]
    assert [status for status, _ in refused] == [401] * 4
    # No signature headers at all.
    request = urllib.request.Request(bench.url + "/slack/events", data=urlencode(fields).encode())
    assert send(request)[0] == 401
    # A good request after them is answered; the forged ones left no reply and no audit entry.
    bench.ask("good", "/backlog", f"as of {AS_OF}")
    assert forged not in bench.slack.replies
    assert [r["outcome"] for r in bench.audit()] == ["answered"]


REFUSALS = [
    pytest.param(OUTSIDER, PRIVATE, id="not-on-the-allow-list"),
    pytest.param(GUEST, PRIVATE, id="guest-account"),
    pytest.param(ALLOWED, EXTERNAL, id="channel-shared-with-another-organisation"),
    pytest.param(ALLOWED, "CUNKNOWN", id="conversation-the-bot-cannot-see"),
]


@pytest.mark.parametrize(("user", "channel"), REFUSALS)
def test_a_refusal_carries_no_figure_and_is_audited(bench, user, channel):
    reply = bench.ask("no", "/backlog", f"as of {AS_OF}", user=user, channel=channel)
    shown = [reply["text"], *block_texts(reply["blocks"])]
    assert not any(re.search(r"\d", text) for text in shown), shown
    assert reply["response_type"] == "ephemeral"
    (row,) = bench.audit()
    assert (row["user_id"], row["channel_id"], row["outcome"]) == (user, channel, "refused")
    assert row["detail"]


FAULTS = [
    # Each retried after a wait (Retry-After, or the client's back-off), by a bot of its own: slow.
    pytest.param(
        Fault(status=429, headers={"Retry-After": "1"}), id="rate-limited", marks=pytest.mark.slow
    ),
    pytest.param(Fault(status=500), id="server-error", marks=pytest.mark.slow),
    pytest.param(Fault(drop=True), id="dropped-connection", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("fault", FAULTS)
def test_a_passing_web_api_fault_in_the_access_check_is_retried_and_answered(fresh_bench, fault):
    bench = fresh_bench
    bench.slack.fail("users.info", fault)
    fields = slash(bench.slack, "one", "/backlog", f"as of {AS_OF}")
    assert post_signed(bench.url, fields) == (200, "")
    assert "one" not in bench.slack.replies  # acked at once, while the retry is still waiting
    reply = bench.slack.wait_for_reply("one", timeout=15)
    assert_backlog(reply, bench.ask_json("/backlog"))
    calls = bench.slack.calls_to("users.info")
    assert [c.params.get("user") for c in calls] == [ALLOWED, ALLOWED]
    assert {c.token for c in calls} == {BOT_TOKEN}
    assert [r["outcome"] for r in bench.audit()] == ["answered"]


@pytest.mark.slow  # three tries, with back-off between them
def test_when_slack_keeps_failing_the_access_check_nothing_is_shown(fresh_bench):
    bench = fresh_bench
    bench.slack.fail("users.info", *[Fault(status=500)] * 3)
    fields = slash(bench.slack, "one", "/backlog", f"as of {AS_OF}")
    assert post_signed(bench.url, fields) == (200, "")
    reply = bench.slack.wait_for_reply("one", timeout=15)
    assert len(bench.slack.calls_to("users.info")) == 3  # the call and both retries
    assert "try again" in reply["text"]
    assert not any(re.search(r"\d", t) for t in [reply["text"], *block_texts(reply["blocks"])])
    assert [r["outcome"] for r in bench.audit()] == ["refused"]


@pytest.mark.slow
def test_an_answer_never_sleeps_through_a_long_rate_limit(fresh_bench):
    """Slack asking the access check to wait 20 s: the answer says to try again, at once, rather
    than keep an answer thread asleep (the rate limit is sat out only when it is a second)."""
    bench = fresh_bench
    limited = Fault(status=429, headers={"Retry-After": "20"}, body={"ok": False, "error": "x"})
    bench.slack.fail("users.info", limited)
    started = time.monotonic()
    fields = slash(bench.slack, "one", "/backlog", f"as of {AS_OF}")
    assert post_signed(bench.url, fields) == (200, "")
    reply = bench.slack.wait_for_reply("one", timeout=30)
    assert time.monotonic() - started < SLACK_LIMIT
    assert "try again" in reply["text"]
    assert len(bench.slack.calls_to("users.info")) == 1
    assert [r["outcome"] for r in bench.audit()] == ["refused"]


def test_share_posts_in_an_allowed_channel_and_stays_private_elsewhere(bench):
    plain = bench.ask("plain", "/backlog", f"as of {AS_OF}", channel=BRIEFING)
    shared = bench.ask("shared", "/backlog", f"share as of {AS_OF}", channel=BRIEFING)
    kept = bench.ask("kept", "/backlog", f"share as of {AS_OF}", channel=PRIVATE)
    assert plain["response_type"] == "ephemeral"
    assert shared["response_type"] == "in_channel"
    # An answer shown only to its asker ends with buttons; one posted for all has none.
    *figures, buttons = plain["blocks"]
    assert buttons["type"] == "actions"
    assert shared["blocks"] == figures
    assert kept["response_type"] == "ephemeral"
    # The same figures, a note saying why they were not posted, and no Share button.
    assert kept["blocks"][: len(figures)] == figures
    note, kept_buttons = kept["blocks"][len(figures) :]
    assert note["type"] == "context" and "Not shared" in context_text([note])
    labels = [e["text"]["text"] for e in kept_buttons["elements"]]
    assert "Share in channel" in [e["text"]["text"] for e in buttons["elements"]]
    assert "Share in channel" not in labels and "Workbook" in labels
    assert_backlog(shared, bench.ask_json("/backlog"))
    outcomes = [(r["channel_id"], r["outcome"]) for r in bench.audit()]
    assert outcomes == [(BRIEFING, "answered"), (BRIEFING, "shared"), (PRIVATE, "answered")]


def test_words_the_bot_does_not_understand_get_the_usage_not_figures(bench):
    reply = bench.ask("usage", "/deadlines", "next fortnight")
    assert "Usage:" in reply["text"] and "/deadlines" in reply["text"]
    (row,) = bench.audit()
    assert (row["text"], row["outcome"]) == ("next fortnight", "usage")
