"""The front door checks Slack's signature on the raw bytes of a request before anything reads
them: what an outsider sends unsigned, or signed with the wrong secret, is refused with 401
however it is shaped, and costs the bot too little to delay Slack's own requests. A request
Slack signed whose body is malformed gets 400, never a traceback or a 500.

The real ``oversight bot`` in a subprocess; every request goes to 127.0.0.1, every loop is
bounded in count and time.
"""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.support.front_door import (
    Flood,
    exchange,
    http_request,
    signed_command,
    signed_headers,
)
from tests.support.processes import SERVING, BotProcess
from tests.support.slack import AS_OF, SLACK_LIMIT, ask_bot, bot_process_env, slash
from tests.support.slack_standin import SlackStandIn

pytestmark = pytest.mark.slow  # each test starts and stops ``oversight bot``

MiB = 1 << 20
WRONG_SECRET = "0123456789abcdef0123456789abcdef"
DEEP = 100_000  # levels of nesting: far past what Python's JSON parser can follow


@pytest.fixture
def bot(tmp_path: Path, bot_standin: SlackStandIn, db: Path) -> Iterator[tuple[BotProcess, int]]:
    running = BotProcess(tmp_path, bot_process_env(bot_standin, db))
    try:
        url = running.wait_for_log(SERVING).group(1)
        yield running, int(url.rsplit(":", 1)[1])
    finally:
        running.kill()


def audit(cli) -> list[dict[str, str]]:
    result = cli("audit", "--csv")
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(result.stdout.splitlines()))


def malformed_bodies() -> list[tuple[str, bytes, str]]:
    """Bodies Slack never sends, each with the content type it claims."""
    form, json_kind = "form", "json"
    nested = "[" * DEEP + "]" * DEEP
    return [
        ("a payload that is not JSON", urlencode({"payload": "{"}).encode(), form),
        ("a payload that is null", urlencode({"payload": "null"}).encode(), form),
        ("a payload that is a list", urlencode({"payload": "[1, 2]"}).encode(), form),
        ("a payload nested 100,000 deep", urlencode({"payload": nested}).encode(), form),
        ("an event that is not JSON", b'{"type": "event_callback", ', json_kind),
        ("an event nested 100,000 deep", nested.encode(), json_kind),
        ("an event that is a string", b'"event_callback"', json_kind),
    ]


def test_a_malformed_body_gets_401_unsigned_and_400_signed_never_500(bot, bot_standin, cli):
    running, port = bot
    for what, body, kind in malformed_bodies():
        for secret, status in ((WRONG_SECRET, 401), (None, 400)):
            signing = {"secret": secret} if secret else {}
            headers = signed_headers(body, kind=kind, **signing)
            result = exchange(port, http_request("/slack/events", body, headers))
            assert result.status == status, (what, secret, result)
    # Nothing was answered or audited; the bot is none the worse.
    ask_bot(f"http://127.0.0.1:{port}", bot_standin, "after", "/backlog", f"as of {AS_OF}")
    assert set(bot_standin.replies) == {"after"}
    assert running.stop() == 0
    assert [r["command"] for r in audit(cli)] == ["/backlog"]
    refusals = [line for line in running.stderr.splitlines() if "POST /slack/events -> 4" in line]
    assert sum("-> 401 (bad signature or stale timestamp)" in r for r in refusals) == 7
    assert sum("-> 400" in r for r in refusals) == 7
    assert "Traceback" not in running.stderr and "-> 500" not in running.stderr


def test_no_signature_is_refused_before_the_body_is_read(bot):
    """A request with no signature headers, or a timestamp out of Slack's five minutes, is
    refused as soon as its headers have arrived: the body it promises is never waited for."""
    running, port = bot
    stale = str(int(time.time()) - 10 * 60)
    promised = {"Content-Type": "application/x-www-form-urlencoded", "Content-Length": str(MiB)}
    for headers in (
        promised,
        {**promised, "X-Slack-Signature": "v0=00", "X-Slack-Request-Timestamp": stale},
    ):
        # The headers alone, and a body that never comes: answered at once, not at the read
        # timeout (10 s).
        result = exchange(port, http_request("/slack/events", b"", headers), timeout=5)
        assert result.status == 401 and result.seconds < 2, result
    assert running.stop() == 0


def unsigned_floods(port: int) -> list[Flood]:
    """Twenty 1 MiB bodies a second: half with no signature, half signed with the wrong secret
    (so they must be read to be refused), shaped to be slow to parse (half a million fields)."""
    body = b"a&" * (MiB // 2)
    bare = {"Content-Type": "application/x-www-form-urlencoded"}
    forged = signed_headers(body, secret=WRONG_SECRET)
    return [
        Flood(port, http_request("/slack/events", body, headers), per_second=10, seconds=6)
        for headers in (bare, forged)
    ]


def test_an_unsigned_flood_at_20_mib_a_second_does_not_delay_slacks_requests(bot, bot_standin):
    running, port = bot
    url = f"http://127.0.0.1:{port}"
    ask_bot(url, bot_standin, "warm-up", "/backlog", f"as of {AS_OF}")
    floods = unsigned_floods(port)
    acks: list[tuple[int | None, float]] = []
    senders = []

    def one(name: str) -> None:
        request = signed_command(slash(bot_standin, name, "/backlog", f"as of {AS_OF}"))
        result = exchange(port, request, timeout=30)
        acks.append((result.status, result.seconds))

    try:
        time.sleep(1)  # the floods under way
        for n in range(16):  # a signed /backlog every quarter second, each on its own
            sender = threading.Thread(target=one, args=(f"during-{n}",))
            sender.start()
            senders.append(sender)
            time.sleep(0.25)
        for sender in senders:
            sender.join(40)
    finally:
        refused = [flood.stop() for flood in floods]
    slowest = max(seconds for _, seconds in acks)
    print(f"\n  signed acks during the flood: slowest {slowest * 1000:.0f} ms; flood: {refused}")
    assert sorted(status for status, _ in acks) == [200] * 16
    assert slowest < SLACK_LIMIT
    for n in range(16):
        bot_standin.wait_for_reply(f"during-{n}", timeout=20)
    # Every flood request was refused (or cut off by the refusal): never let through.
    for counts in refused:
        assert set(counts) <= {"401", "no answer"}, counts
    assert running.stop() == 0
    assert "Traceback" not in running.stderr
