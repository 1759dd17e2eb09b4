"""Target 7: the HTTP front door of the real ``oversight bot`` under load, on loopback.

- A burst: 200 signed ``/backlog`` requests on 200 connections released at the same moment:
  the time each waited for its acknowledgement (p50, p95, max), how many connections were
  reset or refused, and how long until all 200 answers had reached their response URLs.
- Slow clients: 250 connections that each trickle a request one byte every ten seconds, and
  20 that send nothing, with the default timeouts: a signed ``/backlog`` sent meanwhile (the
  time to its answer), the bot's threads and memory before and while they are open, and when
  the server closed them (the silent ones at the idle timeout, the slow ones at the read
  timeout, with 408).

- A Home flood: 200 ``app_home_opened`` events from ten people in one burst, and a signed
  ``/backlog`` meanwhile: how many ``views.publish`` calls each person's Home tab took (at most
  one per HOME_PUBLISH_INTERVAL_SECONDS), and the ``/backlog``'s acknowledgement and answer.
- An unsigned flood: twenty 1 MiB bodies a second (half with no signature, half signed with the
  wrong secret and slow to parse), while a signed ``/backlog`` is sent every quarter second: the
  time to each acknowledgement, against the same requests with no flood (the reference, in the
  same run), and what the flood's requests got.

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
HOME_PEOPLE = [f"UHOME{n:02d}" for n in range(1, 11)]  # ten people, twenty opens each
FLOOD_MIB_A_SECOND, FLOOD_SECONDS, SIGNED_EVERY_SECONDS = 20, 8.0, 0.25


def measure(db: Path, log: Log) -> dict[str, object]:
    from oversight.settings import Settings
    from tests.support.processes import SERVING, BotProcess
    from tests.support.slack import bot_process_env, populate
    from tests.support.slack_standin import SlackStandIn

    defaults = Settings.__dataclass_fields__
    idle = defaults["http_idle_timeout_seconds"].default
    read = defaults["http_read_timeout_seconds"].default
    slack = populate(SlackStandIn())
    for person in HOME_PEOPLE:
        slack.add_user(person)
    allowed = ",".join(["UMAYOR", *HOME_PEOPLE])
    env = bot_process_env(
        slack, db, OVERSIGHT_NOW=f"{AS_OF}T18:00", OVERSIGHT_ALLOWED_USERS=allowed
    )
    interval = defaults["home_publish_interval_seconds"].default
    bot = BotProcess(db.parent, env)
    try:
        url = bot.wait_for_log(SERVING, timeout=60).group(1)
        port = int(url.rsplit(":", 1)[1])
        results = {
            "case_rows": _case_rows(db),
            "burst": _burst(slack, url, port, log),
            "slow_clients": _slow_clients(slack, url, port, bot.process.pid, idle, read, log),
            "home_flood": _home_flood(slack, port, interval, log),
            "unsigned_flood": _unsigned_flood(slack, port, log),
        }
        if bot.stop() != 0:
            raise RuntimeError(f"oversight bot did not stop cleanly:\n{bot.stderr[-2000:]}")
    finally:
        bot.kill()
        slack.close()
    burst, slow = results["burst"], results["slow_clients"]
    homes, unsigned = results["home_flood"], results["unsigned_flood"]
    results["met"] = (
        burst["failures"] == 0
        and burst["answered"] == BURST
        and burst["acks"]["max_ms"] < SLACK_LIMIT_MS
        and slow["backlog_ms"] < SLACK_LIMIT_MS
        and slow["threads_while_held"] <= slow["threads_before"] + 8
        and slow["left_open"] == 0
    )
    homes["met"] = (
        homes["most_publishes_a_person"] <= 1
        and homes["backlog_ack_ms"] < SLACK_LIMIT_MS
        and homes["backlog_answer_ms"] < SLACK_LIMIT_MS
    )
    unsigned["met"] = (
        unsigned["acks"]["max_ms"] < SLACK_LIMIT_MS
        and unsigned["answered"] == unsigned["signed"]
        and set(unsigned["flood_answers"]) <= {"401", "no answer"}
    )
    return results


def _home_flood(slack: object, port: int, interval: int, log: Log) -> dict[str, object]:
    """200 Home openings from ten people at once, and a signed /backlog straight after."""
    from tests.support.front_door import burst, exchange, signed_command, signed_event
    from tests.support.slack import home_opened, slash

    opens = [
        signed_event(home_opened(HOME_PEOPLE[n % len(HOME_PEOPLE)], f"EvBench{n}"))
        for n in range(BURST)
    ]
    started = time.monotonic()
    acked = burst(port, opens)
    asked = time.monotonic()
    request = signed_command(slash(slack, "home-flood", "/backlog", f"as of {AS_OF}"))
    backlog = exchange(port, request)
    slack.wait_for_reply("home-flood", timeout=30)
    answered_ms = (time.monotonic() - asked) * 1000
    deadline = time.monotonic() + 30
    while not all(slack.views(p) for p in HOME_PEOPLE) and time.monotonic() < deadline:
        time.sleep(0.05)
    within = time.monotonic() - started
    time.sleep(1)  # time for another publication, were one coming within the interval
    counts = {
        p: len([c for c in slack.calls_to("views.publish") if c.params["user_id"] == p])
        for p in HOME_PEOPLE
    }
    result = {
        "opens": BURST,
        "people": len(HOME_PEOPLE),
        "opens_acked": sum(r.status == 200 for r in acked),
        "publishes": sum(counts.values()),
        "most_publishes_a_person": max(counts.values()),
        "interval_s": interval,
        "all_published_within_s": round(within, 2),
        "backlog_ack_ms": round(backlog.seconds * 1000, 1),
        "backlog_answer_ms": round(answered_ms, 1),
    }
    log(
        f"  {BURST} Home openings by {len(HOME_PEOPLE)} people: {result['publishes']} publishes "
        f"(at most {result['most_publishes_a_person']} a person), all within {within:.2f} s; "
        f"/backlog acked in {result['backlog_ack_ms']} ms, answered in {answered_ms:.0f} ms"
    )
    return result


def _unsigned_flood(slack: object, port: int, log: Log) -> dict[str, object]:
    """Signed /backlog every quarter second, with no flood and then with one: the acks."""
    from tests.support.front_door import Flood, http_request, percentiles, signed_headers

    reference = _signed_during(slack, port, "quiet", FLOOD_SECONDS / 2)
    body = b"a&" * (1 << 19)  # 1 MiB, half a million form fields: slow to parse
    bare = {"Content-Type": "application/x-www-form-urlencoded"}
    forged = signed_headers(body, secret="0123456789abcdef0123456789abcdef")
    rate = FLOOD_MIB_A_SECOND / 2
    floods = [
        Flood(port, http_request("/slack/events", body, h), rate, FLOOD_SECONDS + 2)
        for h in (bare, forged)
    ]
    try:
        time.sleep(1)
        during = _signed_during(slack, port, "flood", FLOOD_SECONDS)
    finally:
        answers = [flood.stop() for flood in floods]
    statuses: dict[str, int] = {}
    for counts in answers:
        for status, n in counts.items():
            statuses[status] = statuses.get(status, 0) + n
    acks = percentiles(during["acks"])
    quiet = percentiles(reference["acks"])
    result = {
        "flood_mib_a_second": FLOOD_MIB_A_SECOND,
        "flood_requests": sum(statuses.values()),
        "flood_answers": statuses,
        "signed": during["sent"],
        "answered": during["answered"],
        "acks": acks,
        "reference_acks": quiet,
        "p95_ratio_to_reference": round(acks["p95_ms"] / max(quiet["p95_ms"], 0.1), 1),
    }
    log(
        f"  {FLOOD_MIB_A_SECOND} MiB/s of unsigned 1 MiB bodies ({statuses}): signed acks p50 "
        f"{acks['p50_ms']} ms, p95 {acks['p95_ms']} ms, max {acks['max_ms']} ms (no flood: "
        f"p95 {quiet['p95_ms']} ms); {during['answered']} of {during['sent']} answered"
    )
    return result


def _signed_during(slack: object, port: int, name: str, seconds: float) -> dict[str, object]:
    """A signed /backlog every SIGNED_EVERY_SECONDS for ``seconds``, each on its own thread."""
    import threading

    from tests.support.front_door import exchange, signed_command
    from tests.support.slack import slash

    acks: list[float] = []
    names = [f"{name}-{n}" for n in range(int(seconds / SIGNED_EVERY_SECONDS))]

    def one(reply_to: str) -> None:
        request = signed_command(slash(slack, reply_to, "/backlog", f"as of {AS_OF}"))
        result = exchange(port, request, timeout=30)
        acks.append(result.seconds if result.status == 200 else 30.0)

    senders = []
    for reply_to in names:
        sender = threading.Thread(target=one, args=(reply_to,))
        sender.start()
        senders.append(sender)
        time.sleep(SIGNED_EVERY_SECONDS)
    for sender in senders:
        sender.join(40)
    answered = 0
    for reply_to in names:
        try:
            slack.wait_for_reply(reply_to, timeout=30)
            answered += 1
        except TimeoutError:
            break
    return {"sent": len(names), "acks": acks, "answered": answered}


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
