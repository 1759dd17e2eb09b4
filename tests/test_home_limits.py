"""The Home tab under pressure: a flood of opens, a flood of strangers, Slack's rate limit, a
write lock another process holds, and people who have not looked for months.

The bot is ``bot.run.start`` in this process; Slack is the loopback stand-in, which records every
``views.publish``. Home tabs are published by a thread of their own, at most once per person per
HOME_PUBLISH_INTERVAL_SECONDS, honouring Slack's ``Retry-After``: answers never wait for them.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.support.data import TEST_NOW, import_deadline
from tests.support.processes import hold_write_lock, wait_until
from tests.support.slack import (
    ALLOWED,
    AS_OF,
    MEMBER,
    ask_bot,
    audit_rows,
    home_opened,
    post_event,
    running_bot,
)
from tests.support.slack_standin import Fault, SlackStandIn

pytestmark = pytest.mark.slow  # each test starts and stops a bot

PEOPLE = [f"UPERSON{n}" for n in range(1, 9)]  # eight people on the allow-list
STRANGERS = [f"USTRANGER{n}" for n in range(1, 21)]  # twenty on no list at all


def allowing(slack: SlackStandIn, people: list[str]) -> dict[str, str]:
    for person in people:
        slack.add_user(person)
    return {"OVERSIGHT_ALLOWED_USERS": ",".join([ALLOWED, *people])}


def home_rows(db: Path) -> dict[str, str]:
    """The people the bot keeps Home tabs for, and when each last opened theirs, read from the
    database file itself."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT user_id, opened_at FROM home_tabs").fetchall())
    finally:
        conn.close()


def open_homes(url: str, opens: list[str], threads: int = 4) -> None:
    """Each of ``opens`` opens the Home tab, ``threads`` at a time; each acked with 200."""
    events = iter(enumerate(opens))
    lock = threading.Lock()
    statuses: list[tuple[int, str]] = []

    def work() -> None:
        while True:
            with lock:
                n, user = next(events, (None, None))
            if user is None:
                return
            statuses.append(post_event(url, home_opened(user, f"Ev{n}-{time.monotonic_ns()}")))

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert statuses == [(200, "")] * len(opens)


def test_a_flood_of_opens_publishes_once_per_person_and_backlog_is_still_prompt(
    bot_standin, db, cli
):
    people = PEOPLE[:4]
    # An interval longer than the test, so that "once each" holds however slow the machine.
    once = {**allowing(bot_standin, people), "HOME_PUBLISH_INTERVAL_SECONDS": "3600"}
    with running_bot(bot_standin, db, **once) as bot:
        open_homes(bot.url, people * 50)  # 200 opens, 50 each, in a second or two
        ask_bot(bot.url, bot_standin, "during", "/backlog", f"as of {AS_OF}")  # within 3 s
        for person in people:
            wait_until(lambda p=person: bot_standin.views(p), f"{person}'s Home tab", 10)
        time.sleep(1)  # time for any further publish, were one coming
    published = [call.params["user_id"] for call in bot_standin.calls_to("views.publish")]
    assert sorted(published) == sorted(people)  # once each
    homes = [(r["user_id"], r["outcome"]) for r in audit_rows(cli) if r["command"] == "home"]
    assert sorted(homes) == sorted((p, "answered") for p in people)


def test_people_refused_a_home_tab_are_not_kept_nor_republished_after_an_import(
    bot_standin, db, cli, tmp_path
):
    for stranger in STRANGERS:
        bot_standin.add_user(stranger)
    quick = {"HOME_REFRESH_SECONDS": "1", "HOME_PUBLISH_INTERVAL_SECONDS": "1"}
    with running_bot(bot_standin, db, **quick) as bot:
        open_homes(bot.url, [ALLOWED, *STRANGERS])
        for user in [ALLOWED, *STRANGERS]:
            wait_until(lambda u=user: bot_standin.views(u), f"{user}'s Home tab", 10)
        assert set(home_rows(db)) == {ALLOWED}  # the refused are not kept
        looked_up = len(bot_standin.calls_to("users.info"))
        import_deadline(cli, tmp_path, "Strangers check")
        wait_until(lambda: len(bot_standin.views(ALLOWED)) == 2, "ALLOWED's rebuilt Home tab", 10)
        time.sleep(2.5)  # two more refreshes: nothing more
    assert [len(bot_standin.views(s)) for s in STRANGERS] == [1] * len(STRANGERS)
    assert len(bot_standin.calls_to("views.publish")) == 1 + len(STRANGERS) + 1
    # The rebuild asked Slack afresh about ALLOWED alone.
    assert len(bot_standin.calls_to("users.info")) == looked_up + 1
    assert set(home_rows(db)) == {ALLOWED}


def test_a_stranger_is_not_kept_even_when_slack_fails_their_refusal(bot_standin, db, cli):
    stranger = STRANGERS[0]
    bot_standin.add_user(stranger)
    failed = Fault(body={"ok": False, "error": "internal_error"})
    with running_bot(bot_standin, db, HOME_REFRESH_SECONDS="1") as bot:
        bot_standin.fail("views.publish", failed)
        open_homes(bot.url, [stranger])
        wait_until(lambda: bot_standin.calls_to("views.publish"), "the publication", 10)
        time.sleep(2.5)  # two refreshes: nothing tries again
    assert len(bot_standin.calls_to("views.publish")) == 1
    assert home_rows(db) == {}
    homes = [(r["user_id"], r["outcome"]) for r in audit_rows(cli) if r["command"] == "home"]
    assert homes == [(stranger, "error")]


def test_home_tabs_not_opened_for_90_days_are_dropped(bot_standin, db, cli, tmp_path):
    with running_bot(bot_standin, db) as bot:
        open_homes(bot.url, [ALLOWED])
        wait_until(lambda: bot_standin.views(ALLOWED), "ALLOWED's Home tab", 10)
    wait_until(lambda: set(home_rows(db)) == {ALLOWED}, "ALLOWED kept", 10)
    later = (datetime.fromisoformat(TEST_NOW) + timedelta(days=91)).isoformat(timespec="minutes")
    quick = {"HOME_REFRESH_SECONDS": "1", "HOME_PUBLISH_INTERVAL_SECONDS": "1"}
    with running_bot(bot_standin, db, OVERSIGHT_NOW=later, **quick) as bot:
        open_homes(bot.url, [MEMBER])
        wait_until(lambda: bot_standin.views(MEMBER), "MEMBER's Home tab", 10)
        wait_until(lambda: set(home_rows(db)) == {MEMBER}, "ALLOWED dropped", 10)
        import_deadline(cli, tmp_path, "Ninety days check")
        wait_until(lambda: len(bot_standin.views(MEMBER)) == 2, "MEMBER's rebuilt Home tab", 10)
        time.sleep(1.5)
    assert len(bot_standin.views(ALLOWED)) == 1  # dropped: not rebuilt after the import


def test_slacks_rate_limit_is_honoured_by_the_home_publisher_not_by_answer_threads(
    bot_standin, db, cli
):
    retry_after = 4
    with running_bot(bot_standin, db, **allowing(bot_standin, PEOPLE)) as bot:
        bot_standin.rate_limit("views.publish", retry_after)
        open_homes(bot.url, PEOPLE)  # eight people at once: as many as there are answer threads
        ask_bot(bot.url, bot_standin, "during", "/backlog", f"as of {AS_OF}")  # within 3 s
        for person in PEOPLE:
            wait_until(lambda p=person: bot_standin.views(p), f"{person}'s Home tab", 15)
    calls = sorted(bot_standin.calls_to("views.publish"), key=lambda c: c.at)
    # Told to wait, the publisher waited: the call after the refused one came Retry-After
    # later (measured between the calls themselves, whatever the machine's speed).
    assert calls[1].at - calls[0].at >= retry_after - 0.05
    assert sorted(v for p in PEOPLE for v in [len(bot_standin.views(p))]) == [1] * len(PEOPLE)
    homes = [r["outcome"] for r in audit_rows(cli) if r["command"] == "home"]
    assert homes == ["answered"] * len(PEOPLE)


HELD_SECONDS = 600  # longer than the test: let go only when it is killed


def test_home_opens_while_another_process_holds_the_write_lock_do_not_delay_backlog(
    bot_standin, db, cli
):
    with running_bot(bot_standin, db, **allowing(bot_standin, PEOPLE)) as bot:
        holder = hold_write_lock(db, HELD_SECONDS)
        try:
            open_homes(bot.url, PEOPLE)
            ask_bot(bot.url, bot_standin, "during", "/backlog", f"as of {AS_OF}")  # within 3 s
            for person in PEOPLE:  # published at once: only the bookkeeping waits for the lock
                wait_until(lambda p=person: bot_standin.views(p), f"{person}'s Home tab", 10)
            # All eight while the other process still holds the lock (it holds it until it is
            # killed below): none waited for it; only their bookkeeping did.
            assert holder.poll() is None
            assert home_rows(db) == {}
        finally:
            holder.kill()
            holder.wait(10)
        # Written once the lock is free.
        wait_until(lambda: set(home_rows(db)) == set(PEOPLE), "the Home tabs recorded", 15)
