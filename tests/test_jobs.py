"""The jobs in this process: the real Slack client against the stand-in, the real scheduler.

``Jobs`` posts through ``bot.app.make_client`` (the client the bot uses, with its retry
handlers) to the loopback stand-in; ``jobs.scheduler.Scheduler`` is the real APScheduler
background scheduler, watched through APScheduler's own event listeners. The settings clock
is fixed (``OVERSIGHT_NOW``); the scheduler keeps real time.

The helpers here (the stand-in that can hold a call, the settings, the demo database and the
``oversight`` runner) are shared by the other job tests.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from apscheduler.events import (
    EVENT_JOB_ADDED,
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    JobEvent,
)

from slack_plumbing import make_client
from jobs.scheduler import Scheduler
from jobs.tasks import Jobs
from oversight import ledger
from oversight.settings import Settings, load_settings
from oversight.store import open_store
from tests.conftest import clean_env, oversight_command
from tests.slack_standin import Fault, SlackStandIn
from tests.test_bot_http import BOT_TOKEN

CHANNEL = "CDIGEST"
DIGEST = "Weekly oversight digest"
REMINDER = "Reminder:"


class Slack(SlackStandIn):
    """The stand-in, knowing which messages Slack took, and able to hold one call unanswered.

    ``hold(method)`` makes the next call of ``method`` wait, unanswered, until ``let_go`` is
    set (``held`` is set when it arrives): a sender can be killed while its post is in flight.
    The held call is then answered with an error, as nobody is there to read the answer.
    """

    def __init__(self) -> None:
        super().__init__()
        self.add_channel(CHANNEL)
        self.held = threading.Event()
        self.let_go = threading.Event()
        self._holding: set[str] = set()
        self._posted: list[dict[str, object]] = []

    def hold(self, method: str) -> None:
        with self._lock:
            self._holding.add(method)

    def _answer(self, method: str, params: dict[str, object], token: str | None) -> dict:
        with self._lock:
            hold = method in self._holding
            self._holding.discard(method)
        if hold:
            self.held.set()
            self.let_go.wait(60)
            return {"ok": False, "error": "abandoned"}
        answer = super()._answer(method, params, token)
        if method == "chat.postMessage" and answer.get("ok"):
            with self._lock:
                self._posted.append({**params, "ts": answer["ts"]})
        return answer

    def posted(self, starting: str = "") -> list[dict[str, object]]:
        """The messages Slack took (answered ok), whose text starts with ``starting``."""
        with self._lock:
            return [p for p in self._posted if str(p.get("text", "")).startswith(starting)]

    def close(self) -> None:
        self.let_go.set()
        super().close()


@pytest.fixture
def slack() -> Iterator[Slack]:
    standin = Slack()
    yield standin
    standin.close()


def job_settings(slack: SlackStandIn, db: Path, **env: str) -> Settings:
    """Settings as the bot would read them, posting to the stand-in."""
    values = {
        "OVERSIGHT_DB": str(db),
        "OVERSIGHT_NOW": "2020-06-30T09:00",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "DIGEST_CHANNEL": CHANNEL,
        **env,
    }
    return load_settings(values, env_file=None)


def slack_env(slack: SlackStandIn, db: Path, **env: str) -> dict[str, str]:
    """The environment for an ``oversight`` subprocess that posts to the stand-in."""
    values = {
        "OVERSIGHT_DB": str(db),
        "OVERSIGHT_NOW": "2020-06-30T09:00",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "DIGEST_CHANNEL": CHANNEL,
        **env,
    }
    return clean_env(**values)


def oversight(
    cwd: Path, env: dict[str, str], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The real ``oversight`` console script, run to the end."""
    return subprocess.run(
        [*oversight_command(), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def start_oversight(cwd: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*oversight_command(), *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until(condition: Callable[[], object], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {timeout} s")
        time.sleep(0.02)


# --- the client's retries -------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(Fault(status=429, headers={"Retry-After": "1"}), id="429-retry-after"),
        pytest.param(Fault(status=500), id="500"),
        pytest.param(Fault(drop=True), id="dropped-connection"),
    ],
)
def test_a_passing_fault_on_the_post_is_retried_by_the_client_and_one_digest_is_posted(
    slack, db, fault
):
    slack.fail("chat.postMessage", fault)
    settings = job_settings(slack, db)
    store = open_store(db)
    try:
        outcome = Jobs(settings, store, make_client(settings)).send_digest()
        entry = ledger.get(store, "weekly-digest", "2020-W27")
    finally:
        store.close()
    assert outcome.posted, outcome.sentence
    assert len(slack.calls_to("chat.postMessage")) == 2  # the fault, then the retry
    (message,) = slack.posted()
    assert message["text"].startswith(DIGEST) and message["channel"] == CHANNEL
    assert outcome.message_ts == message["ts"]
    (upload,) = slack.calls_to("files.completeUploadExternal")
    assert upload.params["thread_ts"] == message["ts"]
    assert (entry.state, entry.message_ts, entry.attempts) == ("sent", message["ts"], 1)


# --- the scheduler --------------------------------------------------------------------------


@dataclass
class Events:
    """What the real scheduler reports through its listeners: jobs added, run, missed."""

    added: list[str] = field(default_factory=list)
    done: dict[str, list[JobEvent]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def listen(self, scheduler: Scheduler) -> None:
        scheduler.scheduler.add_listener(
            self._record, EVENT_JOB_ADDED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED
        )

    def _record(self, event: JobEvent) -> None:
        with self.lock:
            if event.code == EVENT_JOB_ADDED:
                self.added.append(event.job_id)
            else:
                self.done.setdefault(event.job_id, []).append(event)

    def finished(self, job_id: str) -> list[JobEvent]:
        with self.lock:
            return list(self.done.get(job_id, []))


@pytest.fixture
def scheduled(slack, db) -> Iterator[Callable[..., tuple[Scheduler, Events]]]:
    """Start real schedulers on the database; each is stopped, and its store closed, after."""
    started: list[tuple[Scheduler, object]] = []

    def start(**env: str) -> tuple[Scheduler, Events]:
        settings = job_settings(slack, db, **env)
        store = open_store(db)
        scheduler = Scheduler(Jobs(settings, store, make_client(settings)))
        events = Events()
        events.listen(scheduler)
        started.append((scheduler, store))
        scheduler.start()
        return scheduler, events

    yield start
    for scheduler, store in started:
        if scheduler.scheduler.running:
            scheduler.stop()
        store.close()


def executed(events: Events, job_id: str) -> JobEvent:
    (event,) = events.finished(job_id)
    assert event.code == EVENT_JOB_EXECUTED, event
    return event


def test_start_catches_up_the_missed_monday_digest_exactly_once(scheduled, slack, db):
    # Monday 6 July 2020, 12:00: the 09:00 digest (and the 08:30 reminders) were missed.
    scheduler, events = scheduled(OVERSIGHT_NOW="2020-07-06T12:00", MISFIRE_GRACE_HOURS="12")
    wait_until(lambda: slack.posted(DIGEST), "the caught-up digest")
    wait_until(
        lambda: (
            events.finished("weekly-digest-catch-up")
            and events.finished("deadline-reminders-catch-up")
        ),
        "both catch-ups to finish",
    )
    scheduler.stop()
    assert executed(events, "weekly-digest-catch-up").retval.posted
    (digest,) = slack.posted(DIGEST)
    assert "6 Jul 2020" in digest["text"]
    assert len(slack.posted(REMINDER)) == 1  # the 08:30 reminders were caught up too, once
    assert events.added.count("weekly-digest-catch-up") == 1
    store = open_store(db)
    try:
        entry = ledger.get(store, "weekly-digest", "2020-W28")
    finally:
        store.close()
    assert (entry.state, entry.message_ts) == ("sent", digest["ts"])


def test_two_schedulers_catching_up_together_post_one_digest(scheduled, slack):
    # A second scheduler (a restart overlapping the old one, or the bot and `oversight jobs
    # run` both running) catches up the same Monday: the ledger lets one of them post.
    env = {"OVERSIGHT_NOW": "2020-07-06T12:00", "REMINDER_CRON": "30 8 * * fri"}
    first, first_events = scheduled(**env)
    second, second_events = scheduled(**env)
    for events in (first_events, second_events):
        wait_until(lambda e=events: e.finished("weekly-digest-catch-up"), "both catch-ups")
    first.stop()
    second.stop()
    outcomes = [
        executed(events, "weekly-digest-catch-up").retval
        for events in (first_events, second_events)
    ]
    assert sorted(o.posted for o in outcomes) == [False, True]
    assert "nothing was posted" in next(o.sentence for o in outcomes if not o.posted)
    assert len(slack.posted(DIGEST)) == 1
    assert len(slack.calls_to("files.completeUploadExternal")) == 1


def test_nothing_is_caught_up_beyond_the_grace_period(scheduled, slack):
    # Tuesday 10:00 is 25 hours after Monday's digest: too late. Tuesday's 08:30 reminders are
    # within the 12 hours, so they are caught up, which shows the catch-ups ran.
    scheduler, events = scheduled(OVERSIGHT_NOW="2020-07-07T10:00", MISFIRE_GRACE_HOURS="12")
    wait_until(lambda: events.finished("deadline-reminders-catch-up"), "the reminders catch-up")
    scheduler.stop()
    assert executed(events, "deadline-reminders-catch-up").retval.posted
    assert "weekly-digest-catch-up" not in events.added
    assert slack.posted(DIGEST) == []
    assert len(slack.posted(REMINDER)) == 1


def test_a_post_failing_beyond_the_client_retries_is_tried_again_and_posted_once(
    scheduled, slack, db
):
    # Three 500s: the first try and both of the client's retries. The scheduler then backs off
    # to "weekly-digest-retry", due a minute after the (fixed) settings clock: at once.
    slack.fail("chat.postMessage", *[Fault(status=500)] * 3)
    scheduler, events = scheduled(OVERSIGHT_NOW="2020-07-06T12:00", REMINDER_CRON="30 8 * * fri")
    wait_until(lambda: events.finished("weekly-digest-retry"), "the retry to run or be missed")
    scheduler.stop()
    assert executed(events, "weekly-digest-catch-up").retval is None  # it failed, and said so
    assert events.added.count("weekly-digest-retry") == 1
    assert executed(events, "weekly-digest-retry").retval.posted
    assert len(slack.calls_to("chat.postMessage")) == 4
    (digest,) = slack.posted(DIGEST)
    assert len(slack.calls_to("files.completeUploadExternal")) == 1
    store = open_store(db)
    try:
        entry = ledger.get(store, "weekly-digest", "2020-W28")
    finally:
        store.close()
    assert (entry.state, entry.message_ts, entry.attempts) == ("sent", digest["ts"], 2)


def test_a_digest_moved_off_a_bank_holiday_is_still_caught_up_the_next_morning(scheduled, slack):
    # Easter Monday 13 April 2020 moved the digest to Tuesday 09:00; the scheduler starts at
    # noon on Tuesday (after a restart): that digest is owed, and caught up once.
    scheduler, events = scheduled(OVERSIGHT_NOW="2020-04-14T12:00", MISFIRE_GRACE_HOURS="12")
    wait_until(lambda: events.finished("weekly-digest-catch-up"), "the digest catch-up")
    scheduler.stop()
    assert executed(events, "weekly-digest-catch-up").retval.posted
    (digest,) = slack.posted(DIGEST)
    assert "14 Apr 2020" in digest["text"]
