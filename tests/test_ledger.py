"""The digest ledger on a real SQLite file: claims, leases, dead owners, release, records.

A (job, period) is claimed in a write transaction before anything is posted; only its owner
records the post or releases the claim. A claim's lease runs on the clock it was given.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from oversight import ledger
from oversight.clock import LONDON
from oversight.store import open_store

JOB, WEEK = "weekly-digest", "2020-W27"
NOW = datetime(2020, 6, 29, 9, 0, tzinfo=LONDON)
HERE = socket.gethostname()


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The pid of a process on this machine that has exited (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_the_first_claim_is_granted_and_a_second_within_the_lease_is_refused(store):
    first = ledger.claim(store, JOB, WEEK, NOW)
    assert first.granted
    assert (first.entry.state, first.entry.owner, first.entry.attempts) == (
        "claimed",
        ledger.this_process(),
        1,
    )
    assert first.entry.message_ts is None
    other = f"{HERE}:{os.getppid()}"  # a live process on this machine
    second = ledger.claim(store, JOB, WEEK, NOW + timedelta(minutes=14), owner=other)
    assert not second.granted
    assert second.reason == f"being sent now by {ledger.this_process()}"
    assert ledger.get(store, JOB, WEEK).owner == ledger.this_process()


def test_a_claim_whose_owner_has_died_on_this_machine_is_taken_over_at_once(store, dead_pid):
    assert ledger.claim(store, JOB, WEEK, NOW, owner=f"{HERE}:{dead_pid}").granted
    taken = ledger.claim(store, JOB, WEEK, NOW + timedelta(seconds=1))
    assert taken.granted
    assert (taken.entry.owner, taken.entry.attempts) == (ledger.this_process(), 2)


def test_a_claim_from_another_machine_waits_for_its_lease_to_run_out(store, dead_pid):
    # The pid means nothing here: only the lease can tell whether the other machine gave up.
    assert ledger.claim(store, JOB, WEEK, NOW, owner=f"elsewhere.example:{dead_pid}").granted
    assert not ledger.claim(store, JOB, WEEK, NOW + timedelta(minutes=14, seconds=59)).granted
    later = ledger.claim(store, JOB, WEEK, NOW + ledger.LEASE + timedelta(seconds=1))
    assert later.granted and later.entry.owner == ledger.this_process()


def test_a_sent_period_is_never_claimed_again_and_says_when_it_went(store):
    assert ledger.claim(store, JOB, WEEK, NOW).granted
    ledger.mark_posted(store, JOB, WEEK, "CDIGEST", "1600000001.000100")
    sent_at = NOW + timedelta(seconds=3)
    ledger.mark_sent(store, JOB, WEEK, sent_at, "CDIGEST", "1600000001.000100", '{"x": 1}')
    for later in (NOW + timedelta(minutes=1), NOW + timedelta(days=30)):
        refused = ledger.claim(store, JOB, WEEK, later)
        assert not refused.granted
        assert refused.reason == "already sent on 29 Jun 2020 at 09:00 (ts 1600000001.000100)"
    entry = ledger.get(store, JOB, WEEK)
    assert (entry.state, entry.channel, entry.message_ts, entry.snapshot) == (
        "sent",
        "CDIGEST",
        "1600000001.000100",
        '{"x": 1}',
    )
    assert entry.sent_at == sent_at and entry.sent_at.tzinfo is not None
    # The next week is a period of its own.
    assert ledger.claim(store, JOB, "2020-W28", NOW + timedelta(days=7)).granted


def test_a_released_claim_keeps_its_error_and_its_posted_message_for_the_next_try(store):
    assert ledger.claim(store, JOB, WEEK, NOW).granted
    ledger.mark_posted(store, JOB, WEEK, "CDIGEST", "1600000001.000100")
    ledger.release(store, JOB, WEEK, "Slack could not be reached (URLError).")
    released = ledger.get(store, JOB, WEEK)
    assert (released.state, released.last_error) == (
        "released",
        "Slack could not be reached (URLError).",
    )
    again = ledger.claim(store, JOB, WEEK, NOW + timedelta(minutes=1))
    assert again.granted
    assert (again.entry.attempts, again.entry.message_ts) == (2, "1600000001.000100")
    ledger.mark_sent(store, JOB, WEEK, NOW, "CDIGEST", "1600000001.000100")
    assert ledger.get(store, JOB, WEEK).last_error is None


def test_only_the_owner_records_or_releases_a_claim(store, dead_pid):
    # A process that lost its claim (it was taken over) cannot overwrite the new owner's post.
    gone = f"{HERE}:{dead_pid}"
    assert ledger.claim(store, JOB, WEEK, NOW, owner=gone).granted
    assert ledger.claim(store, JOB, WEEK, NOW).granted
    ledger.release(store, JOB, WEEK, "late failure of the old owner", owner=gone)
    ledger.mark_posted(store, JOB, WEEK, "COTHER", "1600000009.000100", owner=gone)
    ledger.mark_sent(store, JOB, WEEK, NOW, "COTHER", "1600000009.000100", owner=gone)
    entry = ledger.get(store, JOB, WEEK)
    assert (entry.state, entry.owner, entry.message_ts, entry.last_error) == (
        "claimed",
        ledger.this_process(),
        None,
        None,
    )


def test_claims_racing_on_the_same_file_grant_exactly_one(tmp_path: Path, store):
    # Separate connections, as separate processes would have: the transaction decides.
    stores = [open_store(tmp_path / "oversight.db") for _ in range(8)]
    barrier = threading.Barrier(len(stores))
    results: list[bool] = []

    def contend(n: int) -> None:
        barrier.wait()
        claim = ledger.claim(stores[n], JOB, WEEK, NOW, owner=f"elsewhere.example:{n}")
        results.append(claim.granted)

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for opened in stores:
        opened.close()
    assert sorted(results) == [False] * 7 + [True]
    assert ledger.get(store, JOB, WEEK).attempts == 1


def test_last_sent_is_the_latest_sent_period_before_this_one(store):
    def send(period: str, snapshot: str) -> None:
        assert ledger.claim(store, JOB, period, NOW).granted
        ledger.mark_sent(store, JOB, period, NOW, "CDIGEST", f"ts-{period}", snapshot)

    send("2020-W25", "25")
    send("2020-W26", "26")
    send("2020-W28", "28")
    assert ledger.claim(store, JOB, "2020-W27", NOW).granted  # claimed, never sent
    assert ledger.claim(store, "deadline-reminders", "2020-06-30", NOW).granted
    ledger.mark_sent(store, "deadline-reminders", "2020-06-30", NOW, "CDIGEST", "ts-r")
    assert ledger.last_sent(store, JOB, "2020-W28").snapshot == "26"
    assert ledger.last_sent(store, JOB, "2020-W29").snapshot == "28"
    assert ledger.last_sent(store, JOB, "2020-W25") is None
