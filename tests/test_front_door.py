"""The HTTP front door of the real ``oversight bot``, on loopback, as an attacker and a busy Monday
would try it: a burst of signed requests, slow and silent clients, a short body, malformed and
unsigned requests, replays, and a store whose write lock another process holds.

Every request goes to 127.0.0.1 only, every loop is bounded in count and time; the figures a test
prints are for reading, and ``make bench`` measures them properly (bench/front_door.py). Limits
leave room for a loaded two-core machine.
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.http import CHECK_SECONDS
from bot.replays import Remembered
from bot.run import ANSWER_THREADS
from tests.support.front_door import (
    SlowClients,
    burst,
    exchange,
    http_request,
    open_sockets,
    percentiles,
    rss_bytes,
    signed_command,
    signed_event,
    signed_headers,
    threads,
)
from tests.support.processes import SERVING, BotProcess, hold_write_lock, wait_until
from tests.support.readback import assert_backlog
from tests.support.slack import (
    ALLOWED,
    AS_OF,
    BOT_TOKEN,
    PRIVATE,
    SIGNING_SECRET,
    SLACK_LIMIT,
    ask_bot,
    ask_json,
    bot_process_env,
    slash,
)
from tests.support.slack_standin import SlackStandIn

MiB = 1 << 20
MARGIN = 2.0  # seconds of slack for a loaded machine, on top of what a limit allows
# The server cuts off every connection past its limit in one sweep, then answers and closes
# them through its threads: the last of 250 goes this much after the first, at most (measured
# 1.0 s on an idle machine of this kind, 2.2 s with the whole suite's load on it).
SPREAD = 3.0


@pytest.fixture
def launch(tmp_path: Path, bot_standin: SlackStandIn, db: Path) -> Iterator:
    """Start ``oversight bot`` in HTTP mode with the given settings; returns the process and its
    port. A bot a test leaves running is killed."""
    started: list[BotProcess] = []

    def run(**overrides: str | None) -> tuple[BotProcess, int]:
        bot = BotProcess(tmp_path, bot_process_env(bot_standin, db, **overrides))
        started.append(bot)
        url = bot.wait_for_log(SERVING).group(1)
        return bot, int(url.rsplit(":", 1)[1])

    yield run
    for bot in started:
        bot.kill()


def audit(cli) -> list[dict[str, str]]:
    result = cli("audit", "--csv")
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(result.stdout.splitlines()))


def log_lines(bot: BotProcess) -> list[str]:
    return bot.stderr.splitlines()


# --- load ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_burst_of_200_signed_backlogs_is_all_acked_in_time_and_all_answered(
    launch, bot_standin, cli
):
    bot, port = launch()
    names = [f"burst-{n}" for n in range(200)]
    requests = [signed_command(slash(bot_standin, n, "/backlog", f"as of {AS_OF}")) for n in names]
    results = burst(port, requests)
    assert [r.failure for r in results if r.failure] == []  # no reset, refusal or timeout
    assert {(r.status, r.body) for r in results} == {(200, b"")}
    figures = percentiles([r.seconds for r in results])
    print(f"\n  acks of 200 at once: {figures}")
    assert figures["max_ms"] < SLACK_LIMIT * 1000
    replies = [bot_standin.wait_for_reply(name, timeout=60) for name in names]
    model = ask_json(cli, "/backlog")
    assert_backlog(replies[0], model)
    assert all(reply == replies[0] for reply in replies)  # the same figures, every one
    assert bot.stop() == 0
    rows = audit(cli)
    assert [(r["command"], r["outcome"]) for r in rows] == [("/backlog", "answered")] * 200
    assert "Traceback" not in bot.stderr


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_slow_and_silent_clients_hold_no_thread_and_are_closed_in_time(launch, bot_standin):
    idle, read = 3, 5
    bot, port = launch(HTTP_IDLE_TIMEOUT_SECONDS=str(idle), HTTP_READ_TIMEOUT_SECONDS=str(read))
    pid = bot.process.pid
    ask_bot(f"http://127.0.0.1:{port}", bot_standin, "before", "/backlog", f"as of {AS_OF}")
    threads_before, rss_before = threads(pid), rss_bytes(pid)
    slow = SlowClients(port, trickling=250, silent=20, interval=1.0, limit=60)
    try:
        wait_until(lambda: open_sockets(pid) >= 270, "the bot to accept every connection", 10)
        # A signed /backlog is still acked and answered in time, past them all.
        ask_bot(f"http://127.0.0.1:{port}", bot_standin, "during", "/backlog", f"as of {AS_OF}")
        held_threads, held_rss = threads(pid), rss_bytes(pid)
        assert slow.wait_until_closed(read + CHECK_SECONDS + 2 * MARGIN)
    finally:
        slow.stop()
    print(
        f"\n  270 slow or silent connections: threads {threads_before} -> {held_threads}, "
        f"memory {rss_before / MiB:.0f} -> {held_rss / MiB:.0f} MiB"
    )
    assert held_threads <= threads_before + ANSWER_THREADS
    assert held_rss - rss_before < 64 * MiB
    # Cut off with 408 once the read timeout has passed; closed, without a word, once the idle
    # timeout has passed: never before, the first in the sweep after, the last soon after it.
    for trickling, limit in ((True, read), (False, idle)):
        clients = [c for c in slow.clients if c.trickling == trickling]
        start = "first_byte" if trickling else "opened"
        waits = sorted(c.closed - getattr(c, start) for c in clients)
        assert all(c.status == 408 if trickling else c.answer == b"" for c in clients)
        assert limit - 0.5 <= waits[0] <= limit + CHECK_SECONDS + MARGIN, waits
        assert waits[-1] - waits[0] <= SPREAD, (waits[0], waits[-1])
    wait_until(lambda: open_sockets(pid) <= 2, "the bot to let the connections go", 10)
    assert threads(pid) <= threads_before + ANSWER_THREADS
    assert bot.stop() == 0
    lines = log_lines(bot)
    assert sum("-> 408 (not sent in full" in line for line in lines) == 250
    assert "Traceback" not in bot.stderr


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_a_short_body_is_cut_off_within_the_read_timeout_leaving_no_thread(launch):
    read = 2
    bot, port = launch(HTTP_READ_TIMEOUT_SECONDS=str(read))
    pid = bot.process.pid
    before = threads(pid)
    # Signed as Slack signs (the headers pass; the signature is checked once the body is in).
    headers = {**signed_headers("0123456789"), "X-Note": "SECRET-HEADER"}
    short = http_request("/slack/events", b"0123456789", {"Content-Length": "100000", **headers})
    result = exchange(port, short, timeout=read + 10)
    assert result.status == 408
    assert read - 0.5 <= result.seconds <= read + CHECK_SECONDS + MARGIN, result.seconds
    assert threads(pid) == before
    assert bot.stop() == 0
    [line] = [line for line in log_lines(bot) if "-> 408" in line]
    assert line.endswith(
        "POST /slack/events -> 408 (not sent in full within HTTP_READ_TIMEOUT_SECONDS)"
    )
    assert "SECRET-HEADER" not in bot.stderr


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_the_bot_is_one_process_so_the_scheduler_runs_once(launch, bot_standin):
    bot_standin.add_channel("CDIGEST")
    bot, port = launch(DIGEST_CHANNEL="CDIGEST")
    bot.wait_for_log(re.compile(r"Integrity alerts: next at"))  # the scheduler's last line
    pid = bot.process.pid
    assert Path(f"/proc/{pid}/task/{pid}/children").read_text().split() == []  # no workers
    ask_bot(f"http://127.0.0.1:{port}", bot_standin, "one", "/backlog", f"as of {AS_OF}")
    assert bot.stop() == 0
    assert sum("Weekly digest: next at" in line for line in log_lines(bot)) == 1


# --- refusals: 4xx, one log line each, nothing of the request in the log --------------------------

HEADER_TEXT = "SECRET-HEADER-TEXT-4417"
BODY_TEXT = "SECRET-BODY-TEXT-12-Acacia-Avenue"


def _refusals(slack: SlackStandIn) -> list[tuple[str, bytes, int]]:
    body = urlencode(slash(slack, "never", "/backlog", BODY_TEXT))
    signed = signed_headers(body)
    old = str(int(time.time()) - 10 * 60)
    not_utf8 = b"\xff\xfe" + BODY_TEXT.encode()
    return [
        (
            "a timestamp that is not a number",
            http_request(
                "/slack/events",
                body.encode(),
                {**signed, "X-Slack-Request-Timestamp": HEADER_TEXT},
            ),
            401,
        ),
        (
            "no timestamp",
            http_request(
                "/slack/events",
                body.encode(),
                {"X-Slack-Signature": signed["X-Slack-Signature"], "X-Note": HEADER_TEXT},
            ),
            401,
        ),
        (
            "a bad signature",
            http_request(
                "/slack/events",
                body.encode(),
                signed_headers(body, secret="0123456789abcdef0123456789abcdef"),
            ),
            401,
        ),
        (
            "a stale timestamp",
            http_request("/slack/events", body.encode(), signed_headers(body, timestamp=old)),
            401,
        ),
        ("a malformed request line", f"GET / HTTP/1.1 {BODY_TEXT}\r\n\r\n".encode(), 400),
        ("a request line that is not HTTP", f"{HEADER_TEXT} {BODY_TEXT}\r\n\r\n".encode(), 404),
        (
            "a malformed header",
            f"POST /slack/events HTTP/1.1\r\nHost: x\r\n{HEADER_TEXT}\r\n\r\n".encode(),
            400,
        ),
        ("an unknown path", http_request(f"/{HEADER_TEXT}", body.encode()), 404),
        ("the wrong method", http_request("/slack/events", method="GET"), 405),
        (
            "an oversized body",
            http_request(
                "/slack/events", BODY_TEXT.encode(), {"Content-Length": str(2 * MiB), **signed}
            ),
            413,
        ),
        (
            "a signed body that is not UTF-8",
            http_request(
                "/slack/events",
                not_utf8,
                {**signed_headers(not_utf8), "X-N": HEADER_TEXT},
            ),
            400,
        ),
    ]


@pytest.mark.slow
def test_malformed_unsigned_and_unknown_requests_get_4xx_and_one_plain_log_line_each(
    launch, bot_standin
):
    bot, port = launch()
    bot.wait_for_log(re.compile("DIGEST_CHANNEL is not set"))  # the last line of starting up
    for what, request, status in _refusals(bot_standin):
        before = len(log_lines(bot))
        result = exchange(port, request)
        assert result.status == status, what
        wait_until(lambda b=before: len(log_lines(bot)) > b, f"the log line for {what}", 10)
        time.sleep(0.3)  # time for a second line, were there one
        new = log_lines(bot)[before:]
        assert len(new) == 1, (what, new)
        assert f"-> {status}" in new[0], (what, new)
        assert HEADER_TEXT not in new[0] and BODY_TEXT not in new[0], (what, new)
    # The bot is none the worse: a good request after them is answered.
    ask_bot(f"http://127.0.0.1:{port}", bot_standin, "after", "/backlog", f"as of {AS_OF}")
    assert "never" not in bot_standin.replies
    assert bot.stop() == 0
    log = bot.stderr
    for secret in ("Traceback", HEADER_TEXT, BODY_TEXT, BOT_TOKEN, SIGNING_SECRET):
        assert secret not in log


# --- replays --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_replayed_request_and_an_event_retry_are_answered_once_and_audited_as_replays(
    launch, bot_standin, cli
):
    bot, port = launch()
    once = signed_command(slash(bot_standin, "once", "/backlog", f"as of {AS_OF}"))
    assert exchange(port, once).status == 200
    bot_standin.wait_for_reply("once", timeout=10)
    copy = exchange(port, once)  # the same signature and timestamp, within Slack's 5 minutes
    assert (copy.status, copy.body) == (200, b"")
    event = {
        "type": "event_callback",
        "team_id": "T1",
        "api_app_id": "A1",
        "event_id": "Ev0123456789",
        "event_time": int(time.time()),
        "event": {
            "type": "app_mention",
            "user": ALLOWED,
            "channel": PRIVATE,
            "text": "SECRET-EVENT-TEXT",
            "ts": "1593504000.000100",
        },
    }
    assert exchange(port, signed_event(event)).status == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    time.sleep(1.1)  # Slack signs its retry anew, a moment later
    assert exchange(port, signed_event(event, retry)).status == 200
    time.sleep(1)  # time for a second answer, were there one
    assert len(bot_standin.replies["once"]) == 1
    assert bot.stop() == 0
    rows = [(r["command"], r["outcome"], r["text"]) for r in audit(cli)]
    assert rows == [
        ("/backlog", "answered", f"as of {AS_OF}"),
        ("/backlog", "replay", f"as of {AS_OF}"),
        ("event:app_mention", "ignored", ""),
        ("event:app_mention", "replay", ""),
    ]
    details = [r["detail"] for r in audit(cli)]
    assert "signature and timestamp" in details[1]
    assert "retry 1 (http_timeout)" in details[3]
    assert "SECRET-EVENT-TEXT" not in bot.stderr


def test_remembered_keys_expire_and_stay_bounded():
    now = [1000.0]
    seen = Remembered(limit=3, clock=lambda: now[0])
    assert seen.first_time("a", until=1300)
    assert not seen.first_time("a", until=1300)
    now[0] = 1301  # past its window: a copy now fails Bolt's own check, and is forgotten
    assert seen.first_time("a", until=1600)
    for key in "bcd":
        assert seen.first_time(key, until=1600)
    assert len(seen._until) <= 3


# --- a store whose write lock another process holds -----------------------------------------------


@pytest.mark.slow
def test_while_another_process_holds_the_write_lock_backlog_is_answered_and_audited_later(
    launch, bot_standin, cli, db
):
    bot, port = launch()
    url = f"http://127.0.0.1:{port}"
    holder = hold_write_lock(db, 30)
    try:
        locked_at = time.monotonic()
        reply = ask_bot(url, bot_standin, "locked", "/backlog", f"as of {AS_OF}")  # within 3 s
        ask_bot(url, bot_standin, "refused", "/backlog", f"as of {AS_OF}", user="UOUTSIDER")
        assert audit(cli) == []  # queued, not lost: the lock is still held
        assert holder.wait(40) == 0
        freed_after = time.monotonic() - locked_at
    finally:
        holder.kill()
    assert freed_after >= 25
    wait_until(lambda: len(audit(cli)) == 2, "the queued audit entries to be written", 20)
    assert [(r["user_id"], r["outcome"]) for r in audit(cli)] == [
        (ALLOWED, "answered"),
        ("UOUTSIDER", "refused"),
    ]
    assert_backlog(reply, ask_json(cli, "/backlog"))
    assert bot.stop() == 0
    warnings = [line for line in log_lines(bot) if "audit log cannot be written" in line]
    assert len(warnings) == 1 and "another process holds its write lock" in warnings[0]
    assert "Traceback" not in bot.stderr


@pytest.mark.slow
def test_stopping_the_bot_writes_the_audit_entries_still_queued(launch, bot_standin, cli, db):
    bot, port = launch()
    holder = hold_write_lock(db, 5)
    try:
        ask_bot(f"http://127.0.0.1:{port}", bot_standin, "queued", "/backlog", f"as of {AS_OF}")
        assert audit(cli) == []
        assert bot.stop() == 0  # SIGTERM while the lock is held: it waits for it, then writes
    finally:
        holder.kill()
    assert [(r["command"], r["outcome"]) for r in audit(cli)] == [("/backlog", "answered")]


# --- the settings ---------------------------------------------------------------------------------


def test_the_front_door_settings_and_their_defaults():
    from oversight.settings import load_settings

    settings = load_settings({}, None)
    assert (
        settings.http_threads,
        settings.http_backlog,
        settings.http_connection_limit,
        settings.http_idle_timeout_seconds,
        settings.http_read_timeout_seconds,
        settings.http_max_body_bytes,
        settings.lock_timeout_seconds,
    ) == (8, 1024, 1000, 30, 10, MiB, 10)
    chosen = load_settings({"HTTP_BACKLOG": "64", "HTTP_MAX_BODY_BYTES": "65536"}, None)
    assert (chosen.http_backlog, chosen.http_max_body_bytes) == (64, 65536)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HTTP_THREADS", "0"),
        ("HTTP_BACKLOG", "lots"),
        ("HTTP_CONNECTION_LIMIT", "-5"),
        ("HTTP_IDLE_TIMEOUT_SECONDS", "1.5"),
        ("HTTP_READ_TIMEOUT_SECONDS", "0"),
        ("HTTP_MAX_BODY_BYTES", "1MiB"),
        ("LOCK_TIMEOUT_SECONDS", "forever"),
        ("HOME_PUBLISH_INTERVAL_SECONDS", "0"),
    ],
)
def test_a_bad_front_door_setting_is_one_sentence_naming_it(name, value):
    from oversight.errors import UserError
    from oversight.settings import load_settings

    with pytest.raises(UserError) as refused:
        load_settings({name: value}, None)
    sentence = str(refused.value)
    assert sentence.startswith(f"{name} must be a whole number of ")
    assert f'not "{value}"' in sentence and sentence.endswith(".")


def test_home_tabs_are_published_at_most_every_ten_seconds_a_person_unless_set():
    from oversight.settings import load_settings

    assert load_settings({}, None).home_publish_interval_seconds == 10
    chosen = load_settings({"HOME_PUBLISH_INTERVAL_SECONDS": "60"}, None)
    assert chosen.home_publish_interval_seconds == 60


def test_a_traceback_reaches_the_log_as_one_line_naming_the_error():
    import io
    import logging

    from oversight.slack.plumbing import Redact

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(Redact([SIGNING_SECRET]))
    log = logging.getLogger("tests.front_door.traceback")
    log.addHandler(handler)
    log.propagate = False
    try:
        try:
            int("SECRET-HEADER-VALUE")
        except ValueError:
            log.exception("Exception while serving a request")
    finally:
        log.removeHandler(handler)
    assert out.getvalue() == "Exception while serving a request (ValueError)\n"
