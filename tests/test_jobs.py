"""The jobs in this process: the real Slack client against the stand-in, the real scheduler.

``Jobs`` posts through ``bot.app.make_client`` (the client the bot uses, with its retry
handlers) to the loopback stand-in; ``jobs.scheduler.Scheduler`` is the real APScheduler
background scheduler, watched through APScheduler's own event listeners. The settings clock
is fixed (``OVERSIGHT_NOW``); the scheduler keeps real time.

The helpers (the digest channel, the settings) are in tests/support/jobs.py, shared with the
other job tests.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from apscheduler.events import (
    EVENT_JOB_ADDED,
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    JobEvent,
)

from jobs.scheduler import Scheduler
from jobs.tasks import Jobs
from oversight import ledger
from oversight.slack.plumbing import make_client
from oversight.store import open_store
from tests.support.jobs import CHANNEL, DIGEST, REMINDER, job_settings
from tests.support.processes import wait_until
from tests.support.slack_standin import Fault

# --- the client's retries -------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        # Each retried after a wait (Retry-After, or the client's back-off): slow.
        pytest.param(
            Fault(status=429, headers={"Retry-After": "1"}),
            id="429-retry-after",
            marks=pytest.mark.slow,
        ),
        pytest.param(Fault(status=500), id="500", marks=pytest.mark.slow),
        pytest.param(Fault(drop=True), id="dropped-connection", marks=pytest.mark.slow),
    ],
)
def test_a_passing_fault_on_the_post_is_retried_by_the_client_and_one_digest_is_posted(
    digest_standin, db, fault
):
    digest_standin.fail("chat.postMessage", fault)
    settings = job_settings(digest_standin, db)
    store = open_store(db)
    try:
        outcome = Jobs(settings, store, make_client(settings)).send_digest()
        entry = ledger.get(store, "weekly-digest", "2020-W27")
    finally:
        store.close()
    assert outcome.posted, outcome.sentence
    assert len(digest_standin.calls_to("chat.postMessage")) == 2  # the fault, then the retry
    (message,) = digest_standin.posted()
    assert message["text"].startswith(DIGEST) and message["channel"] == CHANNEL
    assert outcome.message_ts == message["ts"]
    (upload,) = digest_standin.calls_to("files.completeUploadExternal")
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
def scheduled(digest_standin, db) -> Iterator[Callable[..., tuple[Scheduler, Events]]]:
    """Start real schedulers on the database; each is stopped, and its store closed, after."""
    started: list[tuple[Scheduler, object]] = []

    def start(**env: str) -> tuple[Scheduler, Events]:
        settings = job_settings(digest_standin, db, **env)
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


def test_start_catches_up_the_missed_monday_digest_exactly_once(scheduled, digest_standin, db):
    # Monday 6 July 2020, 12:00: the 09:00 digest (and the 08:30 reminders) were missed.
    scheduler, events = scheduled(OVERSIGHT_NOW="2020-07-06T12:00", MISFIRE_GRACE_HOURS="12")
    wait_until(lambda: digest_standin.posted(DIGEST), "the caught-up digest")
    wait_until(
        lambda: (
            events.finished("weekly-digest-catch-up")
            and events.finished("deadline-reminders-catch-up")
        ),
        "both catch-ups to finish",
    )
    scheduler.stop()
    assert executed(events, "weekly-digest-catch-up").retval.posted
    (digest,) = digest_standin.posted(DIGEST)
    assert "6 Jul 2020" in digest["text"]
    assert len(digest_standin.posted(REMINDER)) == 1  # the 08:30 reminders were caught up too, once
    assert events.added.count("weekly-digest-catch-up") == 1
    store = open_store(db)
    try:
        entry = ledger.get(store, "weekly-digest", "2020-W28")
    finally:
        store.close()
    assert (entry.state, entry.message_ts) == ("sent", digest["ts"])


def test_two_schedulers_catching_up_together_post_one_digest(scheduled, digest_standin):
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
    assert len(digest_standin.posted(DIGEST)) == 1
    assert len(digest_standin.calls_to("files.completeUploadExternal")) == 1


def test_nothing_is_caught_up_beyond_the_grace_period(scheduled, digest_standin):
    # Tuesday 10:00 is 25 hours after Monday's digest: too late. Tuesday's 08:30 reminders are
    # within the 12 hours, so they are caught up, which shows the catch-ups ran.
    scheduler, events = scheduled(OVERSIGHT_NOW="2020-07-07T10:00", MISFIRE_GRACE_HOURS="12")
    wait_until(lambda: events.finished("deadline-reminders-catch-up"), "the reminders catch-up")
    scheduler.stop()
    assert executed(events, "deadline-reminders-catch-up").retval.posted
    assert "weekly-digest-catch-up" not in events.added
    assert digest_standin.posted(DIGEST) == []
    assert len(digest_standin.posted(REMINDER)) == 1


@pytest.mark.slow  # three tries with back-off, then the scheduler's retry
def test_a_post_failing_beyond_the_client_retries_is_tried_again_and_posted_once(
    scheduled, digest_standin, db
):
    # Three 500s: the first try and both of the client's retries. The scheduler then backs off
    # to "weekly-digest-retry", due a minute after the (fixed) settings clock: at once.
    digest_standin.fail("chat.postMessage", *[Fault(status=500)] * 3)
    scheduler, events = scheduled(OVERSIGHT_NOW="2020-07-06T12:00", REMINDER_CRON="30 8 * * fri")
    wait_until(lambda: events.finished("weekly-digest-retry"), "the retry to run or be missed")
    scheduler.stop()
    assert executed(events, "weekly-digest-catch-up").retval is None  # it failed, and said so
    assert events.added.count("weekly-digest-retry") == 1
    assert executed(events, "weekly-digest-retry").retval.posted
    assert len(digest_standin.calls_to("chat.postMessage")) == 4
    (digest,) = digest_standin.posted(DIGEST)
    assert len(digest_standin.calls_to("files.completeUploadExternal")) == 1
    store = open_store(db)
    try:
        entry = ledger.get(store, "weekly-digest", "2020-W28")
    finally:
        store.close()
    assert (entry.state, entry.message_ts, entry.attempts) == ("sent", digest["ts"], 2)


def test_a_digest_moved_off_a_bank_holiday_is_still_caught_up_the_next_morning(
    scheduled, digest_standin
):
    # Easter Monday 13 April 2020 moved the digest to Tuesday 09:00; the scheduler starts at
    # noon on Tuesday (after a restart): that digest is owed, and caught up once.
    scheduler, events = scheduled(OVERSIGHT_NOW="2020-04-14T12:00", MISFIRE_GRACE_HOURS="12")
    wait_until(lambda: events.finished("weekly-digest-catch-up"), "the digest catch-up")
    scheduler.stop()
    assert executed(events, "weekly-digest-catch-up").retval.posted
    (digest,) = digest_standin.posted(DIGEST)
    assert "14 Apr 2020" in digest["text"]
