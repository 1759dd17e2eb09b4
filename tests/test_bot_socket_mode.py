"""The Slack bot over Socket Mode, end to end: the same answers as over HTTP.

With ``SLACK_APP_TOKEN`` set, the bot opens a WebSocket (``apps.connections.open`` on the
stand-in, then the stand-in's socket) instead of listening for HTTP. Slash commands arrive as
envelopes; the bot acks each by its envelope ID and answers through the response URL.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.support.processes import BotProcess
from tests.support.readback import assert_backlog, block_texts
from tests.support.slack import (
    ALLOWED,
    APP_TOKEN,
    AS_OF,
    BOT_TOKEN,
    OUTSIDER,
    PRIVATE,
    SIGNING_SECRET,
    SLACK_LIMIT,
    ask_bot,
    ask_json,
    audit_rows,
    bot_process_env,
    running_bot,
)
from tests.support.slack_standin import SlackStandIn

# Each test starts and stops bots (one of them `oversight bot` in a subprocess).
pytestmark = pytest.mark.slow

CONNECTED = re.compile(r"Connected to Slack over Socket Mode")


def envelope(slack: SlackStandIn, reply_to: str, command: str, text: str, **who: str) -> dict:
    """A slash command's payload, as Socket Mode delivers it."""
    return {
        "token": "verification-token-unused",
        "team_id": "T1",
        "team_domain": "city-hall",
        "channel_id": who.get("channel", PRIVATE),
        "channel_name": "oversight",
        "user_id": who.get("user", ALLOWED),
        "user_name": "someone",
        "command": command,
        "text": text,
        "api_app_id": "A1",
        "response_url": slack.response_url(reply_to),
        "trigger_id": "1337.42.abcd",
    }


def ask_over_socket(
    slack: SlackStandIn, envelope_id: str, command: str, text: str = "", **who: str
) -> dict:
    """Send a command envelope; check it is acked by ID and answered within 3 s."""
    started = time.monotonic()
    ack = slack.send_envelope(
        envelope_id, "slash_commands", envelope(slack, envelope_id, command, text, **who)
    )
    assert ack["envelope_id"] == envelope_id
    reply = slack.wait_for_reply(envelope_id, timeout=10)
    assert time.monotonic() - started < SLACK_LIMIT
    return reply


def test_socket_mode_gives_the_same_answer_as_http(bot_standin, db, cli):
    with running_bot(bot_standin, db) as http:
        assert http.mode == "http"
        over_http = ask_bot(http.url, bot_standin, "http", "/backlog", f"as of {AS_OF}")
    # Socket Mode needs no signing secret: Slack is reached over the app's own connection.
    with running_bot(
        bot_standin, db, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET=None
    ) as socket:
        assert socket.mode == "socket" and socket.url is None
        over_socket = ask_over_socket(bot_standin, "env-1", "/backlog", f"as of {AS_OF}")
        refused = ask_over_socket(bot_standin, "env-2", "/backlog", f"as of {AS_OF}", user=OUTSIDER)
    assert over_socket == over_http
    assert_backlog(over_socket, ask_json(cli, "/backlog"))
    assert not any(re.search(r"\d", t) for t in [refused["text"], *block_texts(refused["blocks"])])
    (opened,) = bot_standin.calls_to("apps.connections.open")
    assert opened.token == APP_TOKEN
    assert {c.token for c in bot_standin.calls if c.method != "apps.connections.open"} == {
        BOT_TOKEN
    }
    outcomes = [(r["user_id"], r["outcome"]) for r in audit_rows(cli)]
    assert outcomes == [(ALLOWED, "answered"), (ALLOWED, "answered"), (OUTSIDER, "refused")]


def test_oversight_bot_over_socket_mode_answers_and_stops_on_sigterm(
    bot_standin, db, cli, tmp_path
):
    env = bot_process_env(bot_standin, db, SLACK_APP_TOKEN=APP_TOKEN)
    bot = BotProcess(tmp_path, env)
    try:
        bot.wait_for_log(CONNECTED)
        reply = ask_over_socket(bot_standin, "env-1", "/backlog", f"as of {AS_OF}")
        assert bot.stop() == 0
    finally:
        bot.kill()
    assert_backlog(reply, ask_json(cli, "/backlog"))
    with running_bot(bot_standin, db) as http:  # the same store, over HTTP in this process
        assert ask_bot(http.url, bot_standin, "http", "/backlog", f"as of {AS_OF}") == reply
    assert [r["outcome"] for r in audit_rows(cli)] == ["answered", "answered"]
    log = bot.stdout + bot.stderr
    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET):
        assert secret not in log
    assert "Traceback" not in log
