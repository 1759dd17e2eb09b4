"""Target 7: the HTTP front door of the real ``oversight bot`` under load, on loopback.

- A burst: 200 signed ``/backlog`` requests on 200 connections released at the same moment:
  the time each waited for its acknowledgement (p50, p95, max), how many connections were
  reset or refused, and how long until all 200 answers had reached their response URLs.
- Slow clients: 250 connections that each trickle a request one byte every ten seconds, and
  20 that send nothing, with the default timeouts: a signed ``/backlog`` sent meanwhile (the
  time to its answer), the bot's threads and memory before and while they are open, and when
  the server closed them (the silent ones at the idle timeout, the slow ones at the read
  timeout, with 408).

Every request goes to 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from bench.targets import AS_OF, Log

SLACK_LIMIT_MS = 3000.0
BURST = 200
TRICKLING, SILENT, TRICKLE_SECONDS = 250, 20, 10.0


def measure(db: Path, log: Log) -> dict[str, object]:
    from oversight.settings import Settings
    from tests.support.processes import SERVING, BotProcess
    from tests.support.slack import bot_process_env, populate
    from tests.support.slack_standin import SlackStandIn

    defaults = Settings.__dataclass_fields__
    idle = defaults["http_idle_timeout_seconds"].default
    read = defaults["http_read_timeout_seconds"].default
    slack = populate(SlackStandIn())
    env = bot_process_env(slack, db, OVERSIGHT_NOW=f"{AS_OF}T18:00")
    bot = BotProcess(db.parent, env)
    try:
        url = bot.wait_for_log(SERVING, timeout=60).group(1)
        port = int(url.rsplit(":", 1)[1])
        results = {
            "case_rows": _case_rows(db),
            "burst": _burst(slack, url, port, log),
            "slow_clients": _slow_clients(slack, url, port, bot.process.pid, idle, read, log),
        }
        if bot.stop() != 0:
            raise RuntimeError(f"oversight bot did not stop cleanly:\n{bot.stderr[-2000:]}")
    finally:
        bot.kill()
        slack.close()
    burst, slow = results["burst"], results["slow_clients"]
    results["met"] = (
        burst["failures"] == 0
        and burst["answered"] == BURST
        and burst["acks"]["max_ms"] < SLACK_LIMIT_MS
        and slow["backlog_ms"] < SLACK_LIMIT_MS
        and slow["threads_while_held"] <= slow["threads_before"] + 8
        and slow["left_open"] == 0
    )
    return results


def _burst(slack: object, url: str, port: int, log: Log) -> dict[str, object]:
    from tests.support.front_door import burst, percentiles, signed_command
    from tests.support.slack import ask_bot, slash

    ask_bot(url, slack, "warm-up", "/backlog", f"as of {AS_OF}")  # the access check is cached
    names = [f"burst-{n}" for n in range(BURST)]
    requests = [signed_command(slash(slack, n, "/backlog", f"as of {AS_OF}")) for n in names]
    started = time.monotonic()
    results = burst(port, requests)
    answered = 0
    for name in names:
        try:
            slack.wait_for_reply(name, timeout=max(1.0, 60 - (time.monotonic() - started)))
            answered += 1
        except TimeoutError:
            break
    all_answered_s = time.monotonic() - started
    ok = [r for r in results if r.status == 200]
    acks = percentiles([r.seconds for r in ok]) if ok else {}
    failures = [r.failure or str(r.status) for r in results if r.status != 200]
    log(
        f"  {BURST} at once: acks p50 {acks.get('p50_ms')} ms, p95 {acks.get('p95_ms')} ms, "
        f"max {acks.get('max_ms')} ms; {len(failures)} failed; all {answered} answered in "
        f"{all_answered_s:.2f} s"
    )
    return {
        "requests": BURST,
        "acks": acks,
        "failures": len(failures),
        "failure_kinds": sorted(set(failures)),
        "answered": answered,
        "all_answered_s": round(all_answered_s, 2),
    }


def _slow_clients(
    slack: object, url: str, port: int, pid: int, idle: int, read: int, log: Log
) -> dict[str, object]:
    from tests.support.front_door import SlowClients, open_sockets, rss_bytes, threads
    from tests.support.slack import ask_bot

    threads_before, rss_before = threads(pid), rss_bytes(pid)
    slow = SlowClients(
        port, trickling=TRICKLING, silent=SILENT, interval=TRICKLE_SECONDS, limit=idle + 30
    )
    try:
        deadline = time.monotonic() + 10
        while open_sockets(pid) < TRICKLING + SILENT and time.monotonic() < deadline:
            time.sleep(0.05)
        accepted = open_sockets(pid) - 1  # less the listening socket
        times = []
        for n in range(10):
            started = time.monotonic()
            ask_bot(url, slack, f"during-{n}", "/backlog", f"as of {AS_OF}")
            times.append((time.monotonic() - started) * 1000)
        held_threads, held_rss = threads(pid), rss_bytes(pid)
        slow.wait_until_closed(idle + 10)
    finally:
        slow.stop()
    trickled = [c for c in slow.clients if c.trickling and c.closed and c.first_byte]
    silent = [c for c in slow.clients if not c.trickling and c.closed]
    cut_after = [c.closed - c.first_byte for c in trickled]
    idle_after = [c.closed - c.opened for c in silent]
    left_open = len(slow.clients) - len(trickled) - len(silent)
    result = {
        "trickling": TRICKLING,
        "silent": SILENT,
        "trickle_every_s": TRICKLE_SECONDS,
        "accepted": accepted,
        "backlog_ms": round(statistics.median(times), 1),
        "backlog_max_ms": round(max(times), 1),
        "threads_before": threads_before,
        "threads_while_held": held_threads,
        "rss_before_mib": round(rss_before / (1 << 20), 1),
        "rss_while_held_mib": round(held_rss / (1 << 20), 1),
        "read_timeout_s": read,
        "cut_off_after_s": [round(min(cut_after), 2), round(max(cut_after), 2)]
        if cut_after
        else None,
        "cut_off_statuses": sorted({c.status for c in trickled if c.status}),
        "idle_timeout_s": idle,
        "idle_closed_after_s": [round(min(idle_after), 2), round(max(idle_after), 2)]
        if idle_after
        else None,
        "left_open": left_open,
    }
    log(
        f"  {TRICKLING} slow + {SILENT} silent: /backlog median {result['backlog_ms']} ms; "
        f"threads {threads_before} -> {held_threads}; memory {result['rss_before_mib']} -> "
        f"{result['rss_while_held_mib']} MiB; slow cut off after {result['cut_off_after_s']} s, "
        f"silent closed after {result['idle_closed_after_s']} s; {left_open} left open"
    )
    return result


def _case_rows(db: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM case_reviews").fetchone()[0]
    finally:
        conn.close()


def demo_database(work: Path) -> Path:
    """A database built by ``oversight demo``, for ``--front-door-only``."""
    from bench.children import oversight_command, oversight_env, remove_database, run

    db = work / "front-door-demo.db"
    remove_database(db)
    run([*oversight_command(), "demo", "--db", str(db)], cwd=work, env=oversight_env()).check()
    return db
