"""Target 5: a signed ``/backlog`` over HTTP to its answer, against a loopback Slack stand-in.

The real app (``bot.run.start``) serves HTTP; the stand-in from the tests plays Slack's Web API
and the response URL the answer is posted to. Timed from sending the request to the answer
arriving at the response URL: what a person in Slack waits for.
"""

from __future__ import annotations

import hashlib
import hmac
import statistics
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.targets import AS_OF, Log, _percentile

SLACK_LIMIT_MS = 3000.0
AIM_MS = 100.0
SECRET = "bench-signing-secret-0123456789"


def signed_backlog(db: Path, runs: int, warmup: int, log: Log) -> dict[str, object]:
    from bot.run import start
    from oversight.settings import load_settings
    from oversight.store import open_store
    from tests.support.slack_standin import SlackStandIn

    slack = SlackStandIn()
    slack.add_user("UBENCH")
    slack.add_channel("CBENCH")
    settings = load_settings(
        {
            "OVERSIGHT_DB": str(db),
            "OVERSIGHT_NOW": f"{AS_OF}T18:00",
            "SLACK_BOT_TOKEN": "xoxb-bench-0000000000",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "PORT": "0",
            "OVERSIGHT_ALLOWED_USERS": "UBENCH",
        },
        None,
    )
    with open_store(db) as store:
        running = start(settings, store, host="127.0.0.1")
        times_ms: list[float] = []
        try:
            for n in range(warmup + runs):
                started = time.perf_counter()
                _post(running.url, slack.response_url(f"r{n}"))
                slack.wait_for_reply(f"r{n}", timeout=10)
                if n >= warmup:
                    times_ms.append((time.perf_counter() - started) * 1000)
            rows = store.conn.execute("SELECT count(*) FROM case_reviews").fetchone()[0]
        finally:
            running.stop()
            slack.close()
    median = statistics.median(times_ms)
    log(f"  signed /backlog to its answer: median {median:.1f} ms over {runs} requests")
    return {
        "case_rows": rows,
        "runs": runs,
        "median_ms": round(median, 2),
        "p95_ms": round(_percentile(times_ms, 95), 2),
        "max_ms": round(max(times_ms), 2),
        "target": f"median < {AIM_MS:g} ms (Slack's limit: {SLACK_LIMIT_MS:g} ms)",
        "met": median < AIM_MS,
    }


def _post(base_url: str, response_url: str) -> None:
    body = urllib.parse.urlencode(
        {
            "command": "/backlog",
            "text": f"as of {AS_OF}",
            "user_id": "UBENCH",
            "channel_id": "CBENCH",
            "team_id": "T1",
            "response_url": response_url,
            "trigger_id": "bench",
        }
    )
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    request = urllib.request.Request(
        f"{base_url}/slack/events",
        data=body.encode(),
        headers={
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": f"v0={digest.hexdigest()}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 200:
            raise RuntimeError(f"the bot answered HTTP {response.status}")
