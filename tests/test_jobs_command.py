"""``oversight digest send``, ``digest history``, ``jobs list`` and ``oversight bot`` with its
scheduler: the real console script in subprocesses, on a copy of the demo database, posting
to the loopback Slack stand-in.

Exactly once: senders started together post one digest; a sender killed mid-post does not
block the week; a failure releases the claim and says so in one sentence; a retry never posts
the message twice.
"""

from __future__ import annotations

import io
import re
import socket
import time
from pathlib import Path

import openpyxl
import pytest
from PIL import Image

from oversight import ledger
from oversight.clock import Clock
from oversight.store import EX_TEMPFAIL, open_store
from tests.support.cli import invoke
from tests.support.jobs import CHANNEL, DIGEST, job_env, slack_env
from tests.support.processes import (
    BotProcess,
    hold_write_lock,
    one_sentence,
    oversight,
    start_oversight,
)
from tests.support.slack import bot_process_env, populate
from tests.support.slack_standin import Fault, SlackStandIn

POSTED = re.compile(r"^Posted the weekly-digest for 2020-W27 to CDIGEST \(ts ([\d.]+)\)\.$")


@pytest.fixture
def send(tmp_path: Path, digest_standin: SlackStandIn, db: Path):
    """``oversight digest send ARGS`` to the stand-in, on Tuesday 30 June 2020 unless told."""

    def run(*args: str, **env: str):
        return oversight(tmp_path, slack_env(digest_standin, db, **env), "digest", "send", *args)

    return run


HISTORY_LINE = re.compile(
    r"^(?P<job>\S+) +(?P<period>.+?) +(?P<state>claimed|sent|released) +(?P<when>[\d-]+ [\d:]+|-)"
    r"  (?P<channel>\S+)  ts (?P<ts>\S+)  tries (?P<tries>\d+)(?:  last error: (?P<error>.+))?$"
)


def history(tmp_path: Path, slack: SlackStandIn, db: Path) -> list[dict[str, str]]:
    """``oversight digest history``, one dict per line."""
    result = oversight(tmp_path, slack_env(slack, db), "digest", "history")
    assert result.returncode == 0, result.stderr
    rows = []
    for line in result.stdout.splitlines():
        match = HISTORY_LINE.match(line)
        assert match, line
        rows.append(match.groupdict())
    return rows


def posted_ts(stdout: str) -> str:
    match = POSTED.match(stdout.strip())
    assert match, stdout
    return match.group(1)


def assert_chart_and_workbook_uploaded(slack: SlackStandIn, thread_ts: str) -> None:
    """The last upload went through, in the digest's thread: the backlog chart, the recorded-crime
    chart (the demo database has recorded crime) and a workbook that opens."""
    complete = slack.calls_to("files.completeUploadExternal")[-1]  # the one that went through
    assert complete.params["thread_ts"] == thread_ts
    assert complete.params["channel_id"] == CHANNEL
    uploaded = sorted((c.params["bytes"] for c in slack.calls_to("upload")[-3:]), reverse=True)
    *pngs, xlsx = uploaded  # b"\x89PNG..." sorts after b"PK..."
    assert len(pngs) == 2 and xlsx.startswith(b"PK")
    for png in pngs:
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG" and image.size[0] > 100
        image.verify()
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert "Summary" in workbook.sheetnames


# --- exactly once ---------------------------------------------------------------------------


@pytest.mark.slow
def test_two_senders_started_together_post_one_digest_and_a_third_posts_nothing(
    tmp_path, digest_standin, db, send
):
    env = slack_env(digest_standin, db)
    senders = [start_oversight(tmp_path, env, "digest", "send") for _ in range(2)]
    said = [sender.communicate(timeout=60) for sender in senders]
    assert [s.returncode for s in senders] == [0, 0], said
    outs = sorted((out.strip() for out, _ in said), key=lambda o: not o.startswith("Posted"))
    ts = posted_ts(outs[0])
    assert outs[1].startswith("The weekly-digest for 2020-W27 was ")
    assert outs[1].endswith(": nothing was posted.")
    assert (
        "being sent now" in outs[1] or f"already sent on 30 Jun 2020 at 09:00 (ts {ts})" in outs[1]
    )

    (message,) = digest_standin.posted()
    assert message["ts"] == ts and message["text"].startswith(DIGEST)
    assert len(digest_standin.calls_to("chat.postMessage")) == 1
    (complete,) = digest_standin.calls_to("files.completeUploadExternal")
    assert len(digest_standin.calls_to("upload")) == 3
    assert_chart_and_workbook_uploaded(digest_standin, ts)
    assert "Outstanding reviews" in complete.params["files"]
    assert "Recorded crime" in complete.params["files"]
    assert "Digest figures" in complete.params["files"]

    calls_before = len(digest_standin.calls)
    third = send()
    assert third.returncode == 0, third.stderr
    assert third.stdout.strip() == (
        f"The weekly-digest for 2020-W27 was already sent on 30 Jun 2020 at 09:00 (ts {ts}): "
        "nothing was posted."
    )
    assert len(digest_standin.calls) == calls_before  # not a single call to Slack

    (row,) = history(tmp_path, digest_standin, db)
    assert row == {
        "job": "weekly-digest",
        "period": "2020-W27",
        "state": "sent",
        "when": "2020-06-30 09:00",
        "channel": CHANNEL,
        "ts": ts,
        "tries": "1",
        "error": None,
    }

    forced = send("--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.startswith("Posted the weekly-digest for 2020-W27 forced ")
    _, again = digest_standin.posted()
    assert again["ts"] != ts
    assert f"(ts {again['ts']})" in forced.stdout
    rows = {
        row["period"]: (row["state"], row["ts"]) for row in history(tmp_path, digest_standin, db)
    }
    assert rows == {
        "2020-W27": ("sent", ts),
        "2020-W27 forced 2020-06-30T09:00:00": ("sent", again["ts"]),
    }


@pytest.mark.slow
def test_a_send_that_cannot_get_the_write_lock_gives_up_after_the_lock_timeout_posting_nothing(
    tmp_path, digest_standin, db, send
):
    # The claim in the ledger comes before the post: while another process holds the write lock
    # (a long import, a backup) nothing is posted, and LOCK_TIMEOUT_SECONDS says how long a job
    # waits, as it does for an import (10 s by default).
    holder = hold_write_lock(db, 60)
    try:
        started = time.monotonic()
        refused = send(LOCK_TIMEOUT_SECONDS="2")
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert refused.returncode == EX_TEMPFAIL, refused.stderr
    assert refused.stdout == ""
    assert one_sentence(refused.stderr) == (
        f"The database {db} stayed locked by another process (an import or a backup) for 2 "
        "seconds: nothing was changed; try again when it is done."
    )
    assert 2 <= waited < 9, waited  # the default of 10 s would be past it
    assert digest_standin.posted() == [] and digest_standin.calls_to("upload") == []
    listed = oversight(tmp_path, slack_env(digest_standin, db), "digest", "history")
    assert listed.stdout == "Nothing has been sent yet.\n"

    sent = send()
    assert sent.returncode == 0, sent.stderr
    (message,) = digest_standin.posted()
    assert message["ts"] == posted_ts(sent.stdout)


@pytest.mark.slow
def test_a_sender_killed_mid_post_does_not_block_the_week_nor_the_next(
    tmp_path, digest_standin, db, send
):
    digest_standin.hold("chat.postMessage")
    doomed = start_oversight(tmp_path, slack_env(digest_standin, db), "digest", "send")
    try:
        assert digest_standin.held.wait(30), "the first sender never posted"
        # It holds a live claim within its lease: a second sender leaves it alone.
        second = send()
        assert second.returncode == 0, second.stderr
        assert re.fullmatch(
            rf"The weekly-digest for 2020-W27 was being sent now by \S+:{doomed.pid}: "
            r"nothing was posted\.",
            second.stdout.strip(),
        ), second.stdout
        assert len(digest_standin.calls_to("chat.postMessage")) == 1  # only the held one
    finally:
        doomed.kill()
        doomed.communicate(timeout=30)  # reaped: its pid is dead, not a zombie
        digest_standin.let_go.set()
    assert digest_standin.posted() == []

    # Five minutes later, well within its lease: the dead sender's claim is taken over at once.
    later = send(OVERSIGHT_NOW="2020-06-30T09:05")
    assert later.returncode == 0, later.stderr
    ts = posted_ts(later.stdout)
    (message,) = digest_standin.posted()
    assert message["ts"] == ts
    assert_chart_and_workbook_uploaded(digest_standin, ts)
    (row,) = history(tmp_path, digest_standin, db)
    assert (row["period"], row["state"], row["ts"], row["tries"]) == ("2020-W27", "sent", ts, "2")

    # Next week's digest is its own period, and compares itself with this one.
    next_week = send(OVERSIGHT_NOW="2020-07-07T09:00")
    assert next_week.returncode == 0, next_week.stderr
    assert "2020-W28" in next_week.stdout
    assert len(digest_standin.posted()) == 2
    fields = str(digest_standin.posted()[-1]["blocks"])
    assert "since the digest of 30 Jun 2020" in fields
    assert len(history(tmp_path, digest_standin, db)) == 2


@pytest.mark.slow
def test_a_claim_left_by_an_exited_process_is_taken_over_by_the_next_send(
    tmp_path, digest_standin, db, send
):
    exited = start_oversight(tmp_path, slack_env(digest_standin, db), "--version")
    exited.communicate(timeout=30)
    owner = f"{socket.gethostname()}:{exited.pid}"
    now = Clock.parse("2020-06-30T09:00").now()
    store = open_store(db)
    try:
        assert ledger.claim(store, "weekly-digest", "2020-W27", now, owner=owner).granted
    finally:
        store.close()
    result = send()
    assert result.returncode == 0, result.stderr
    posted_ts(result.stdout)
    assert len(digest_standin.posted()) == 1


@pytest.mark.slow
def test_a_failure_beyond_the_retries_releases_the_claim_and_the_next_try_posts_once(
    tmp_path, digest_standin, db, send
):
    digest_standin.fail("chat.postMessage", *[Fault(status=500)] * 3)
    failed = send()
    assert failed.returncode != 0
    assert "Traceback" not in failed.stderr
    sentence = one_sentence(failed.stderr)
    assert "weekly-digest for 2020-W27 was not posted" in sentence
    assert failed.stdout == ""
    assert digest_standin.posted() == []
    assert len(digest_standin.calls_to("chat.postMessage")) == 3
    store = open_store(db)
    try:
        entry = ledger.get(store, "weekly-digest", "2020-W27")
        assert ledger.last_sent(store, "weekly-digest", "2020-W28") is None
    finally:
        store.close()
    assert (entry.state, entry.message_ts, entry.sent_at) == ("released", None, None)
    assert entry.last_error and entry.last_error in sentence
    (row,) = history(tmp_path, digest_standin, db)
    assert (row["state"], row["ts"], row["error"]) == ("released", "-", entry.last_error)

    again = send()
    assert again.returncode == 0, again.stderr
    ts = posted_ts(again.stdout)
    (message,) = digest_standin.posted()
    assert message["ts"] == ts
    assert len(digest_standin.calls_to("chat.postMessage")) == 4
    (row,) = history(tmp_path, digest_standin, db)
    assert (row["state"], row["ts"], row["tries"], row["error"]) == ("sent", ts, "2", None)


@pytest.mark.slow
def test_an_upload_failing_after_the_post_is_finished_without_posting_again(
    tmp_path, digest_standin, db, send
):
    digest_standin.fail("files.completeUploadExternal", *[Fault(status=500)] * 3)
    failed = send()
    assert failed.returncode != 0
    assert "Traceback" not in failed.stderr
    sentence = one_sentence(failed.stderr)
    (message,) = digest_standin.posted()
    ts = message["ts"]
    assert f"(ts {ts})" in sentence and "not uploaded" in sentence, sentence
    store = open_store(db)
    try:
        entry = ledger.get(store, "weekly-digest", "2020-W27")
    finally:
        store.close()
    assert (entry.state, entry.message_ts) == ("released", ts)

    again = send()
    assert again.returncode == 0, again.stderr
    assert posted_ts(again.stdout) == ts
    assert len(digest_standin.calls_to("chat.postMessage")) == 1  # the message was not posted again
    assert len(digest_standin.calls_to("files.completeUploadExternal")) == 4
    assert_chart_and_workbook_uploaded(digest_standin, ts)
    (row,) = history(tmp_path, digest_standin, db)
    assert (row["state"], row["ts"], row["tries"], row["error"]) == ("sent", ts, "2", None)


# --- settings: ``jobs list`` in this process (``runner``); ``oversight bot`` in a subprocess --

BAD_SETTINGS = [
    pytest.param({"DIGEST_CRON": "0 9 * *"}, "DIGEST_CRON", id="digest-cron-four-fields"),
    pytest.param({"DIGEST_CRON": "0 25 * * mon"}, "DIGEST_CRON", id="digest-cron-hour-25"),
    pytest.param({"REMINDER_CRON": "30 8 * * 1-9"}, "REMINDER_CRON", id="reminder-cron-day-9"),
    pytest.param({"DIGEST_ON_HOLIDAY": "monday"}, "DIGEST_ON_HOLIDAY", id="holiday-policy"),
    pytest.param({"MISFIRE_GRACE_HOURS": "12h"}, "MISFIRE_GRACE_HOURS", id="grace-12h"),
    pytest.param({"MISFIRE_GRACE_HOURS": "0"}, "MISFIRE_GRACE_HOURS", id="grace-0"),
]


@pytest.mark.parametrize(("env", "setting"), BAD_SETTINGS)
def test_a_bad_job_setting_stops_jobs_list_with_one_sentence_naming_it(
    runner, digest_standin, db, env, setting
):
    result = invoke(runner, "jobs", "list", env=job_env(digest_standin, db, **env))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    (sentence,) = result.stderr.splitlines()
    assert sentence.startswith(setting) and sentence.endswith(".")
    assert next(iter(env.values())) in sentence


@pytest.mark.slow
@pytest.mark.parametrize(("env", "setting"), [BAD_SETTINGS[i] for i in (0, 2, 3, 5)])
def test_a_bad_job_setting_stops_the_bot_before_it_calls_slack(
    tmp_path, bot_standin, db, env, setting
):
    bot = BotProcess(tmp_path, bot_process_env(bot_standin, db, DIGEST_CHANNEL=CHANNEL, **env))
    try:
        assert bot.wait() == 2
    finally:
        bot.kill()
    assert "Traceback" not in bot.stderr
    assert one_sentence(bot.stderr).startswith(setting)
    assert bot_standin.calls == []


def test_jobs_list_shows_the_next_runs_in_london_time_either_side_of_the_clock_change(
    runner, digest_standin, db
):
    # Tuesday 20 October 2020: the clocks went back on Sunday 25 October.
    result = invoke(
        runner,
        "jobs",
        "list",
        env=job_env(digest_standin, db, OVERSIGHT_NOW="2020-10-20T12:00", DIGEST_CRON="0 9 * * 1"),
    )
    assert result.exit_code == 0, result.stderr
    lines = {line.split("  ")[0]: line for line in result.stdout.splitlines()}
    assert set(lines) == {
        "Weekly digest",
        "Deadline reminders",
        "Stale-data alarm",
        "Integrity alerts",
    }
    assert "next Mon 26 Oct 2020 09:00 GMT" in lines["Weekly digest"]
    assert "(DIGEST_CRON=0 9 * * 1)" in lines["Weekly digest"]
    assert "next Wed 21 Oct 2020 08:30 BST" in lines["Deadline reminders"]
    assert "(REMINDER_CRON=30 8 * * mon-fri)" in lines["Deadline reminders"]
    assert "next Wed 21 Oct 2020 09:15 BST" in lines["Stale-data alarm"]
    assert "next Tue 20 Oct 2020 12:00 BST" in lines["Integrity alerts"]  # every 30 seconds
    assert digest_standin.calls == []


@pytest.mark.parametrize(
    ("days", "now", "expected"),
    [
        ("0-4", "2020-07-03T12:00", "Sun 05 Jul 2020 09:00 BST"),  # Sunday to Thursday
        ("mon-sun", "2020-07-04T12:00", "Sun 05 Jul 2020 09:00 BST"),
        ("*/2", "2020-06-29T12:00", "Tue 30 Jun 2020 09:00 BST"),  # Sun, Tue, Thu, Sat
    ],
)
def test_cron_days_mean_what_they_mean_in_crontab(runner, digest_standin, db, days, now, expected):
    env = job_env(digest_standin, db, OVERSIGHT_NOW=now, REMINDER_CRON=f"0 9 * * {days}")
    result = invoke(runner, "jobs", "list", env=env)
    assert result.exit_code == 0, result.stderr
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("Deadline reminders")]
    assert f"next {expected}" in line


@pytest.mark.parametrize("now", ["2020-04-13T10:00", "2020-04-14T08:00"])
def test_a_digest_moved_off_a_bank_holiday_is_still_next_after_the_holidays_own_nine(
    runner, digest_standin, db, now
):
    # Easter Monday 13 April 2020: the digest moves to Tuesday 09:00, and a scheduler started
    # after Monday's 09:00 (a restart on the holiday, or overnight) must still run it.
    result = invoke(runner, "jobs", "list", env=job_env(digest_standin, db, OVERSIGHT_NOW=now))
    assert result.exit_code == 0, result.stderr
    assert "Weekly digest        next Tue 14 Apr 2020 09:00 BST" in result.stdout


# --- oversight bot --------------------------------------------------------------------------


@pytest.mark.slow
def test_the_bot_catches_up_the_missed_digest_once_and_stops_on_sigterm(tmp_path, bot_standin, db):
    bot_standin.add_channel(CHANNEL)
    bot = BotProcess(
        tmp_path,
        bot_process_env(bot_standin, db, DIGEST_CHANNEL=CHANNEL, OVERSIGHT_NOW="2020-07-06T09:30"),
    )
    try:
        bot.wait_for_log(re.compile(r"Catching up the weekly digest missed at 2020-07-06T09:00"))
        bot.wait_for_log(re.compile(r"Posted the weekly-digest for 2020-W28"))
        bot.wait_for_log(re.compile(r"Posted the deadline-reminders for 2020-07-06"))  # 08:30
        assert bot.stop() == 0
    finally:
        bot.kill()
    posts = bot_standin.calls_to("chat.postMessage")
    digests = [c for c in posts if str(c.params["text"]).startswith(DIGEST)]
    assert len(digests) == 1
    # And the reminders, each once: the deadlines', and one for each information request due or
    # overdue (the demo's requests), as the bot's log names them.
    reminders = [str(c.params["text"]) for c in posts if c not in digests]
    assert len(reminders) == len(set(reminders))
    logged = set(re.findall(r"Posted the (deadline|request)-reminders for (.+?) to ", bot.stderr))
    assert [job for job, _ in logged].count("deadline") == 1
    assert len(logged) == len(reminders)
    assert digests[0].params["channel"] == CHANNEL
    assert len(bot_standin.calls_to("files.completeUploadExternal")) == 1
    assert "Traceback" not in bot.stderr
    store = open_store(db)
    try:
        entry = ledger.get(store, "weekly-digest", "2020-W28")
    finally:
        store.close()
    assert entry.state == "sent"


@pytest.mark.slow
def test_jobs_run_alone_catches_up_the_missed_digest_once_and_stops_on_sigterm(
    tmp_path, bot_standin, db
):
    """``oversight jobs run``: the scheduler without the bot, for a separate jobs process."""
    bot_standin.add_channel(CHANNEL)
    env = bot_process_env(bot_standin, db, DIGEST_CHANNEL=CHANNEL, OVERSIGHT_NOW="2020-07-06T09:30")
    jobs = BotProcess(tmp_path, env, args=("jobs", "run"))
    try:
        jobs.wait_for_log(re.compile(r"Posted the weekly-digest for 2020-W28"))
        jobs.wait_for_log(re.compile(r"Posted the deadline-reminders for 2020-07-06"))
        assert jobs.stop() == 0
    finally:
        jobs.kill()
    digests = [
        c
        for c in bot_standin.calls_to("chat.postMessage")
        if str(c.params["text"]).startswith(DIGEST)
    ]
    assert len(digests) == 1
    assert "Traceback" not in jobs.stderr
    # A second scheduler process later the same week finds the digest already sent; the
    # stand-in, reset, has seen nothing of the first.
    bot_standin.reset()
    again = populate(bot_standin)
    again.add_channel(CHANNEL)
    env = bot_process_env(again, db, DIGEST_CHANNEL=CHANNEL, OVERSIGHT_NOW="2020-07-06T10:00")
    jobs = BotProcess(tmp_path, env, args=("jobs", "run"))
    try:
        jobs.wait_for_log(re.compile(r"weekly-digest for 2020-W28 was already sent"))
        assert jobs.stop() == 0
    finally:
        jobs.kill()
    assert not [
        c for c in again.calls_to("chat.postMessage") if str(c.params["text"]).startswith(DIGEST)
    ]


@pytest.mark.slow
def test_a_digest_due_while_an_import_holds_the_store_goes_out_once_when_it_is_let_go(
    tmp_path, bot_standin, db
):
    """A real 1M-row import holds the write lock for longer than LOCK_TIMEOUT_SECONDS: the
    digest due meanwhile is late, said so in the log, and posted once when the lock is free."""
    bot_standin.add_channel(CHANNEL)
    holder = hold_write_lock(db, 6)
    env = bot_process_env(
        bot_standin,
        db,
        DIGEST_CHANNEL=CHANNEL,
        OVERSIGHT_NOW="2020-07-06T09:30",  # the digest was due at 09:00: caught up at start
        LOCK_TIMEOUT_SECONDS="1",
    )
    jobs = BotProcess(tmp_path, env, args=("jobs", "run"))
    try:
        jobs.wait_for_log(re.compile(r"weekly-digest is late: the store is locked"))
        assert holder.wait(timeout=30) == 0  # the import is done
        jobs.wait_for_log(re.compile(r"Posted the weekly-digest for 2020-W28"), timeout=40)
        jobs.wait_for_log(re.compile(r"weekly-digest went out \d+ s late"))
        assert jobs.stop() == 0
    finally:
        holder.kill()
        jobs.kill()
    digests = [
        c
        for c in bot_standin.calls_to("chat.postMessage")
        if str(c.params["text"]).startswith(DIGEST)
    ]
    assert len(digests) == 1
    assert "did not run" not in jobs.stderr and "Traceback" not in jobs.stderr


@pytest.mark.slow
def test_jobs_run_without_a_digest_channel_is_one_sentence(tmp_path, bot_standin, db):
    result = oversight(
        tmp_path, {**bot_process_env(bot_standin, db), "DIGEST_CHANNEL": ""}, "jobs", "run"
    )
    assert result.returncode == 2
    assert one_sentence(result.stderr).startswith("DIGEST_CHANNEL is not set")
