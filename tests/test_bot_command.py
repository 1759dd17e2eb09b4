"""``oversight bot``, the real console script, in a subprocess against the Slack stand-in.

HTTP mode: signed slash commands are acked and answered through the response URL within
Slack's three seconds, with the figures ``oversight ask --json`` gives; forged or stale
requests get 401; outsiders get a refusal without a figure; ``oversight audit`` lists every
answered or refused request; ``GET /healthz`` reports the database; SIGTERM stops it cleanly.
Start-up mistakes stop it with one sentence and exit status 2; its log (stderr) never holds a
token, the signing secret or the text of a request.
"""

from __future__ import annotations

import csv
import json
import re
import socket
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from oversight.importing.kinds import KINDS
from tests.support.processes import SERVING, BotProcess, one_sentence
from tests.support.readback import assert_backlog, block_texts, local_day
from tests.support.slack import (
    ALLOWED,
    APP_TOKEN,
    AS_OF,
    BOT_TOKEN,
    OUTSIDER,
    PRIVATE,
    SIGNING_SECRET,
    ask_bot,
    ask_json,
    bot_process_env,
    get,
    populate,
    post_signed,
    slash,
)
from tests.support.slack_standin import Fault, SlackStandIn

# Every test here starts the real `oversight bot` in a subprocess.
pytestmark = pytest.mark.slow


@pytest.fixture
def launch(tmp_path: Path, bot_standin: SlackStandIn, db: Path) -> Iterator:
    """Start ``oversight bot`` with the given settings; it is killed if a test leaves it running."""
    started: list[BotProcess] = []

    def run(**overrides: str | None) -> BotProcess:
        bot = BotProcess(tmp_path, bot_process_env(bot_standin, db, **overrides))
        started.append(bot)
        return bot

    yield run
    for bot in started:
        bot.kill()


def serve(launch, **overrides: str | None) -> tuple[BotProcess, str]:
    """An HTTP-mode bot and its address, read from its "Serving Slack at" log line."""
    bot = launch(**overrides)
    return bot, bot.wait_for_log(SERVING).group(1)


def test_a_signed_backlog_is_acked_and_answered_in_time_with_the_figures_of_oversight_ask(
    launch, bot_standin, cli
):
    bot, url = serve(launch)
    reply = ask_bot(url, bot_standin, "one", "/backlog", f"as of {AS_OF}")
    assert_backlog(reply, ask_json(cli, "/backlog"))
    assert reply["response_type"] == "ephemeral"
    assert bot_standin.calls_to(
        "users.info"
    )  # the access check asked the stand-in, with the bot token
    assert {c.token for c in bot_standin.calls} == {BOT_TOKEN}
    assert bot.stop() == 0


def test_forged_stale_and_outside_requests_are_refused_and_the_audit_lists_what_was_asked(
    launch, bot_standin, cli
):
    bot, url = serve(launch)
    fields = slash(bot_standin, "forged", "/backlog", f"as of {AS_OF}")
    assert post_signed(url, fields, secret="0123456789abcdef0123456789abcdef")[0] == 401
    assert post_signed(url, fields, timestamp=int(time.time()) - 5 * 60 - 10)[0] == 401
    answered = ask_bot(url, bot_standin, "answered", "/backlog", f"as of {AS_OF}")
    refused = ask_bot(url, bot_standin, "refused", "/backlog", f"as of {AS_OF}", user=OUTSIDER)
    assert bot.stop() == 0
    assert "forged" not in bot_standin.replies
    assert_backlog(answered, ask_json(cli, "/backlog"))
    shown = [refused["text"], *block_texts(refused["blocks"])]
    assert not any(re.search(r"\d", text) for text in shown), shown
    assert "allow-list" in refused["text"]

    listing = cli("audit")
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("2020-07-01 09:00:00")
    assert f"{ALLOWED}  {PRIVATE}  /backlog as of {AS_OF}  -> answered" in lines[0]
    assert f"{OUTSIDER}  {PRIVATE}  /backlog as of {AS_OF}  -> refused (" in lines[1]

    table = cli("audit", "--csv", "--since", "2020-07-01")
    assert table.returncode == 0, table.stderr
    rows = list(csv.DictReader(table.stdout.splitlines()))
    assert [(r["user_id"], r["command"], r["text"], r["outcome"]) for r in rows] == [
        (ALLOWED, "/backlog", f"as of {AS_OF}", "answered"),
        (OUTSIDER, "/backlog", f"as of {AS_OF}", "refused"),
    ]
    assert {r["at"] for r in rows} == {"2020-07-01T09:00:00+01:00"}
    assert rows[1]["detail"] == refused["text"]
    later = cli("audit", "--csv", "--since", "2020-07-02")
    assert later.stdout.splitlines()[1:] == []


def test_healthz_reports_the_database_and_last_imports_and_sigterm_exits_0(launch, cli):
    bot, url = serve(launch)
    status, body = get(url + "/healthz")
    assert status == 200
    health = json.loads(body)
    sources = json.loads(cli("status", "--json").stdout)["sources"]
    assert health["ok"] is True and health["database"] == "readable"
    assert set(health["last_import"]) == set(sources) == set(KINDS.names())
    for kind, last in health["last_import"].items():
        assert last == {"imported_at": sources[kind]["imported_at"], "stale": False}
        # The demo imports each extract on the evening of the day it was taken: 30 June for
        # those known on 1 July (May's crime file was published that day), and the hospital
        # departments' May extract on the 10th of June.
        taken = date(2020, 6, 10) if kind == "assaults" else date(2020, 6, 30)
        assert local_day(last["imported_at"]) == taken, kind
    assert get(url + "/nowhere")[0] == 404
    assert bot.stop() == 0
    assert "Traceback" not in bot.stderr


def test_healthz_says_when_the_database_cannot_be_read(launch, db):
    bot, url = serve(launch)
    assert get(url + "/healthz")[0] == 200
    moved = db.rename(db.with_name("moved-away.db"))
    status, body = get(url + "/healthz")
    assert (status, json.loads(body)) == (503, {"ok": False, "database": "missing"})
    assert not db.exists()  # the check did not leave an empty database in its place
    db.write_bytes(b"this is not a SQLite database, whatever its name says\n" * 100)
    status, body = get(url + "/healthz")
    assert status == 503
    assert json.loads(body)["database"] == "unreadable"
    db.unlink()
    moved.rename(db)
    assert get(url + "/healthz")[0] == 200
    assert bot.stop() == 0


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_health_checks_do_not_pile_up_open_files(launch):
    bot, url = serve(launch)
    open_files = Path(f"/proc/{bot.process.pid}/fd")
    assert get(url + "/healthz")[0] == 200
    before = len(list(open_files.iterdir()))
    for _ in range(100):  # a probe every 10 s for a quarter of an hour
        assert get(url + "/healthz")[0] == 200
    assert len(list(open_files.iterdir())) < before + 10
    assert bot.stop() == 0


START_UP_MISTAKES = [
    pytest.param({"SLACK_BOT_TOKEN": None}, "SLACK_BOT_TOKEN", id="no-bot-token"),
    pytest.param({"SLACK_BOT_TOKEN": "  "}, "SLACK_BOT_TOKEN", id="blank-bot-token"),
    pytest.param(
        {"SLACK_BOT_TOKEN": "xoxp-2718281828-3141592653-QwErTyUiOpUser"},
        "SLACK_BOT_TOKEN",
        id="user-token-for-bot-token",
    ),
    pytest.param(
        {"SLACK_BOT_TOKEN": "2718281828-3141592653-QwErTyUiOpAsDf"},
        "SLACK_BOT_TOKEN",
        id="bot-token-without-prefix",
    ),
    pytest.param(
        {"SLACK_APP_TOKEN": BOT_TOKEN},
        "SLACK_APP_TOKEN",
        id="bot-token-for-app-token",
    ),
    pytest.param({"SLACK_SIGNING_SECRET": None}, "SLACK_SIGNING_SECRET", id="http-without-secret"),
]


@pytest.mark.parametrize(("overrides", "named"), START_UP_MISTAKES)
def test_a_start_up_mistake_stops_the_bot_with_one_sentence_and_status_2(
    launch, bot_standin, overrides, named
):
    bot = launch(**overrides)
    assert bot.wait() == 2
    sentence = one_sentence(bot.stderr)
    assert named in sentence
    assert "Traceback" not in bot.stderr
    output = bot.stdout + bot.stderr
    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, *filter(None, overrides.values())):
        if secret.strip():
            assert secret not in output
    assert bot_standin.calls == []  # stopped before calling Slack at all


SLACK_REFUSES = [
    pytest.param(
        "auth.test",
        [Fault(body={"ok": False, "error": "invalid_auth"})],
        {},
        "SLACK_BOT_TOKEN",
        id="bot-token-invalid-auth",
    ),
    pytest.param(
        "apps.connections.open",
        [Fault(body={"ok": False, "error": "invalid_auth"})],
        {"SLACK_APP_TOKEN": APP_TOKEN},
        "SLACK_APP_TOKEN",
        id="app-token-invalid-auth",
    ),
    pytest.param(
        "auth.test",
        [Fault(status=200, body={"ok": False, "error": "missing_scope"})],
        {},
        "scopes",
        id="bot-token-missing-scope",
    ),
]


@pytest.mark.parametrize(("method", "faults", "overrides", "named"), SLACK_REFUSES)
def test_slack_refusing_or_unreachable_at_start_up_stops_the_bot_with_one_sentence(
    launch, bot_standin, method, faults, overrides, named
):
    bot_standin.fail(method, *faults)
    bot = launch(**overrides)
    assert bot.wait() == 2
    sentence = one_sentence(bot.stderr)
    assert named in sentence
    assert "Traceback" not in bot.stderr
    assert len(bot_standin.calls_to(method)) == len(faults)
    output = bot.stdout + bot.stderr
    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET):
        assert secret not in output


def test_a_port_already_in_use_stops_the_bot_with_one_sentence(launch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        bot = launch(PORT=str(port))
        assert bot.wait() == 2
    sentence = one_sentence(bot.stderr)
    assert "PORT" in sentence and str(port) in sentence
    assert "Traceback" not in bot.stderr


def test_with_no_allow_list_the_bot_starts_says_so_and_refuses_everyone(launch, bot_standin, cli):
    bot, url = serve(launch, OVERSIGHT_ALLOWED_USERS=None)
    replies = [
        ask_bot(url, bot_standin, user, "/backlog", f"as of {AS_OF}", user=user)
        for user in (ALLOWED, OUTSIDER)
    ]
    replies.append(ask_bot(url, bot_standin, "whoami", "/oversight", "whoami"))
    assert bot.stop() == 0
    warnings = [line for line in bot.stderr.splitlines() if " WARNING " in line]
    assert any("OVERSIGHT_ALLOWED_USERS" in line for line in warnings), bot.stderr
    for reply in replies:
        shown = [reply["text"], *block_texts(reply["blocks"])]
        assert not any(re.search(r"\d", text) for text in shown), shown
        assert "allow-list is empty" in reply["text"]
    rows = list(csv.DictReader(cli("audit", "--csv").stdout.splitlines()))
    assert [r["outcome"] for r in rows] == ["refused"] * 3
    assert bot_standin.calls_to("users.info") == []  # refused before asking Slack who they are


def test_the_log_never_holds_case_text_tokens_or_the_signing_secret(launch, bot_standin, cli):
    bot, url = serve(launch)
    secret_text = "SECRET-CASE-TEXT incident 4417 at 12 Acacia Avenue"
    forged = slash(bot_standin, "forged", "/backlog", secret_text)
    assert post_signed(url, forged, secret="0123456789abcdef0123456789abcdef")[0] == 401
    assert post_signed(url, forged, timestamp=int(time.time()) - 600)[0] == 401
    # Signed but not understood: the usage goes back to the asker, and into the audit log only.
    usage = ask_bot(url, bot_standin, "usage", "/backlog", "SECRET-USAGE-TEXT")
    ask_bot(url, bot_standin, "normal", "/backlog", f"as of {AS_OF}")
    assert bot.stop() == 0
    assert "SECRET-USAGE-TEXT" in usage["text"]
    log = bot.stdout + bot.stderr
    assert "POST /slack/events -> 401" in log  # the requests were logged, without their bodies
    for secret in ("SECRET-CASE-TEXT", "Acacia", "SECRET-USAGE-TEXT", BOT_TOKEN, SIGNING_SECRET):
        assert secret not in log
    assert "xoxb-" not in log


# --- Slack out of reach at start-up: retried, not a mistake --------------------------------------
# A network not yet up at boot, a 5xx or a rate limit mends by itself: the bot tries again, one
# log line a try, for SLACK_START_SECONDS; only a refused token is exit status 2, which the
# systemd unit does not restart (RestartPreventExitStatus=2).

RETRYING = re.compile(r"cannot be reached yet \((.+)\): trying again in (\d+) s \(try (\d+)\)\.")


def retry_lines(log: str) -> list[re.Match[str]]:
    return [m for line in log.splitlines() if (m := RETRYING.search(line))]


def test_slack_refusing_connections_then_coming_up_is_waited_for(launch, tmp_path, cli):
    with socket.socket() as probe:  # a port nothing listens on, yet
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = launch(SLACK_API_URL=f"http://127.0.0.1:{port}/api/", SLACK_START_SECONDS="60")
    bot.wait_for_log(re.compile(r"trying again in \d+ s \(try 2\)"))
    slack = populate(SlackStandIn(port=port))  # Slack comes up on that address
    try:
        url = bot.wait_for_log(SERVING, timeout=30).group(1)
        reply = ask_bot(url, slack, "after-the-wait", "/backlog", f"as of {AS_OF}")
        assert_backlog(reply, ask_json(cli, "/backlog"))
        assert bot.stop() == 0
    finally:
        slack.close()
    tries = retry_lines(bot.stderr)
    assert len(tries) >= 2
    assert {m.group(1) for m in tries} == {"connection refused"}
    waits = [int(m.group(2)) for m in tries]
    assert waits[:3] == [1, 2, 4][: len(waits[:3])]  # backing off
    assert [int(m.group(3)) for m in tries] == list(range(1, len(tries) + 1))
    assert "Traceback" not in bot.stderr


def test_server_errors_and_rate_limits_at_start_up_are_retried(launch, bot_standin):
    bot_standin.fail(
        "auth.test",
        Fault(status=503, body={"ok": False, "error": "service_unavailable"}),
        Fault(status=429, body={"ok": False, "error": "ratelimited"}, headers={"Retry-After": "1"}),
        Fault(drop=True),
    )
    bot, _ = serve(launch, SLACK_START_SECONDS="60")
    assert bot.stop() == 0
    reasons = [m.group(1) for m in retry_lines(bot.stderr)]
    assert reasons[:2] == ["HTTP 503", "rate limited (HTTP 429)"]
    assert len(reasons) == 3
    assert len(bot_standin.calls_to("auth.test")) >= 4  # three refused, then the one answered


def test_slack_out_of_reach_past_the_retries_exits_with_a_status_systemd_restarts(launch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = launch(SLACK_API_URL=f"http://127.0.0.1:{port}/api/", SLACK_START_SECONDS="2")
    status = bot.wait(timeout=30)
    assert status == 75
    sentence = one_sentence(bot.stderr)
    assert "could not be reached at start-up (connection refused)" in sentence
    assert "SLACK_START_SECONDS" in sentence
    assert "Traceback" not in bot.stderr
    assert len(retry_lines(bot.stderr)) >= 1
    unit = (Path(__file__).parent.parent / "deploy" / "oversight-bot.service").read_text()
    prevented = re.search(r"^RestartPreventExitStatus=(.+)$", unit, re.M)
    assert prevented is not None and str(status) not in prevented.group(1).split()
    assert re.search(r"^Restart=(on-failure|always)$", unit, re.M)
