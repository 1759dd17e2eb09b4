"""Deadline reminders (``oversight remind preview`` and ``send``) and the stale-data alarm.

Reminders post once a day when a deadline or data return is overdue or due within
REMINDER_DAYS working days, and nothing (saying so) when there is nothing to remind of. The
alarm posts once a day while the last case extract is older than STALE_AFTER_DAYS.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from jobs.tasks import Jobs
from oversight import ledger
from oversight.slack.plumbing import make_client
from oversight.store import open_store
from tests.support.data import CASE_HEADER, DEADLINE_HEADER, RETURN_HEADER, case, write_csv
from tests.support.jobs import CHANNEL, REMINDER, job_settings, slack_env
from tests.support.processes import clean_env, copy_database, demo_database, oversight
from tests.support.readback import numbers

WEDNESDAY = "2020-07-01T08:30"

DEADLINES = [
    ["Overdue: partner referrals reconciled", "2020-06-29", "safeguarding", "PPU", "open", ""],
    ["Five working days: committee report", "2020-07-08", "governance", "DMO", "open", ""],
    ["Six working days: problem profile", "2020-07-09", "partnership", "VRU", "open", ""],
    ["Done already: audit pack", "2020-07-02", "inspection", "Audit", "done", "2020-06-30"],
    ["After the bank holiday: evidence pack", "2020-09-03", "inspection", "Audit", "open", ""],
    ["A day later: action plan", "2020-09-04", "inspection", "Audit", "open", ""],
]
RETURNS = [
    ["Quarterly crime data return (ONS)", "2020-Q2", "2020-07-03", "pending", "", ""],
    ["Quarterly crime data return (ONS)", "2020-Q1", "2020-04-30", "submitted", "2020-04-28", ""],
    ["Annual data return (Home Office)", "2020/21", "2021-04-30", "pending", "", ""],
]
DUE = {
    "Overdue: partner referrals reconciled",
    "Five working days: committee report",
    "Quarterly crime data return (ONS) 2020-Q2",
}


def imported(folder: Path, deadlines: list[list[str]], returns: list[list[str]]) -> Path:
    """A database of these deadlines and returns, imported with the real ``oversight import``."""
    db = folder / "oversight.db"
    env = {"OVERSIGHT_DB": str(db), "OVERSIGHT_NOW": "2020-07-01T08:00"}
    for kind, header, rows in (
        ("deadlines", DEADLINE_HEADER, deadlines),
        ("returns", RETURN_HEADER, returns),
    ):
        path = write_csv(folder / f"{kind}.csv", header, rows)
        result = oversight(folder, {**clean_env(), **env}, "import", kind, str(path))
        assert result.returncode == 0, result.stderr
    return db


def shown_items(text: str) -> set[str]:
    """The deadlines and returns a preview lists ("  <name>: due …")."""
    return {line.strip().rpartition(": ")[0] for line in text.splitlines() if line.startswith("  ")}


def posted_items(message: dict) -> set[str]:
    items = set()
    for block in message["blocks"]:
        if block["type"] == "section":
            for line in html.unescape(block["text"]["text"]).split("\n")[1:]:
                items.add(line.removeprefix("• *").split("*")[0])
    return items


@pytest.mark.slow
def test_reminders_are_previewed_and_posted_once_a_day_when_something_is_due(
    tmp_path, digest_standin
):
    db = imported(tmp_path, DEADLINES, RETURNS)
    env = slack_env(digest_standin, db, OVERSIGHT_NOW=WEDNESDAY, REMINDER_DAYS="5")

    preview = oversight(tmp_path, env, "remind", "preview")
    assert preview.returncode == 0, preview.stderr
    assert shown_items(preview.stdout) == DUE
    assert digest_standin.calls == []  # a preview touches no Slack

    sent = oversight(tmp_path, env, "remind", "send")
    assert sent.returncode == 0, sent.stderr
    (message,) = digest_standin.posted(REMINDER)
    assert sent.stdout.strip() == (
        f"Posted the deadline-reminders for 2020-07-01 to {CHANNEL} (ts {message['ts']})."
    )
    assert posted_items(message) == DUE
    assert numbers(message["text"]) == [2, 1, 5]  # deadlines, returns, working days

    again = oversight(tmp_path, env, "remind", "send")
    assert again.returncode == 0, again.stderr
    assert "already sent" in again.stdout and "nothing was posted" in again.stdout
    assert len(digest_standin.calls_to("chat.postMessage")) == 1

    tomorrow = oversight(tmp_path, {**env, "OVERSIGHT_NOW": "2020-07-02T08:30"}, "remind", "send")
    assert tomorrow.returncode == 0, tomorrow.stderr
    assert len(digest_standin.posted(REMINDER)) == 2


@pytest.mark.slow
def test_reminder_days_are_working_days_and_a_setting(tmp_path, digest_standin):
    db = imported(tmp_path, DEADLINES, RETURNS)
    six = oversight(
        tmp_path,
        slack_env(digest_standin, db, OVERSIGHT_NOW=WEDNESDAY, REMINDER_DAYS="6"),
        "remind",
        "preview",
    )
    assert six.returncode == 0, six.stderr
    assert shown_items(six.stdout) == DUE | {"Six working days: problem profile"}
    # Wednesday 26 August 2020: Monday 31 August was a bank holiday, so five working days
    # reach Thursday 3 September, not Friday 4 September.
    bank_holiday = oversight(
        tmp_path,
        slack_env(digest_standin, db, REMINDER_DAYS="5"),
        "remind",
        "preview",
        "--as-of",
        "2020-08-26",
    )
    assert bank_holiday.returncode == 0, bank_holiday.stderr
    items = shown_items(bank_holiday.stdout)
    assert "After the bank holiday: evidence pack" in items
    assert "A day later: action plan" not in items
    assert digest_standin.calls == []


@pytest.mark.slow
def test_nothing_due_posts_nothing_and_says_so(tmp_path, digest_standin):
    db = imported(
        tmp_path,
        [
            ["Far off: annual report", "2020-09-30", "governance", "DMO", "open", ""],
            ["Done: audit pack", "2020-06-29", "inspection", "Audit", "done", "2020-06-29"],
        ],
        [["Quarterly crime data return (ONS)", "2020-Q1", "2020-04-30", "late", "2020-06-12", ""]],
    )
    env = slack_env(digest_standin, db, OVERSIGHT_NOW=WEDNESDAY)
    preview = oversight(tmp_path, env, "remind", "preview")
    assert preview.returncode == 0, preview.stderr
    assert preview.stdout.strip() == (
        "Nothing due within 5 working days or overdue, as of Wednesday 1 July 2020: "
        "no reminder would be posted."
    )
    sent = oversight(tmp_path, env, "remind", "send")
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.strip() == "Nothing is due soon or overdue: no reminder was posted."
    assert digest_standin.calls == []
    assert oversight(tmp_path, env, "digest", "history").stdout == "Nothing has been sent yet.\n"


# --- the stale-data alarm -------------------------------------------------------------------


def test_the_stale_data_alarm_posts_once_a_day_while_the_case_extract_is_stale(
    tmp_path, tmp_path_factory, digest_standin
):
    # The demo's latest case extract was taken on Tuesday 14 July 2020.
    db = copy_database(demo_database(tmp_path_factory), tmp_path / "oversight.db")

    def alarm(now: str, stale_after: str = "8") -> object:
        settings = job_settings(digest_standin, db, OVERSIGHT_NOW=now, STALE_AFTER_DAYS=stale_after)
        store = open_store(db)
        try:
            return Jobs(settings, store, make_client(settings)).send_stale_alarm()
        finally:
            store.close()

    fresh = alarm("2020-07-22T09:15")  # eight days old: not older than eight
    assert not fresh.posted
    assert fresh.sentence == "The case extract is fresh: no alarm was posted."
    assert digest_standin.calls == []

    assert alarm("2020-07-23T09:15").posted  # nine days old
    (message,) = digest_standin.posted()
    assert "9 days ago" in message["text"]
    assert message["channel"] == CHANNEL
    later_that_day = alarm("2020-07-23T17:00")
    assert not later_that_day.posted and "already sent" in later_that_day.sentence
    assert alarm("2020-07-24T09:15").posted
    assert len(digest_standin.posted()) == 2
    assert len(digest_standin.calls_to("chat.postMessage")) == 2

    assert alarm("2020-07-18T09:15", stale_after="3").posted  # four days old, three allowed
    assert len(digest_standin.posted()) == 3

    # A new case extract is imported: the alarm stops.
    cases = write_csv(tmp_path / "cases.csv", CASE_HEADER, [case("NEW-1"), case("NEW-2")])
    imported_now = oversight(
        tmp_path,
        {**clean_env(), "OVERSIGHT_DB": str(db), "OVERSIGHT_NOW": "2020-07-25T08:00"},
        "import",
        "cases",
        str(cases),
    )
    assert imported_now.returncode == 0, imported_now.stderr
    assert not alarm("2020-07-25T09:15").posted
    assert len(digest_standin.calls_to("chat.postMessage")) == 3
    store = open_store(db)
    try:
        sent = [e.period for e in ledger.history(store, "stale-data-alarm") if e.state == "sent"]
    finally:
        store.close()
    assert sorted(sent) == ["2020-07-18", "2020-07-23", "2020-07-24"]


def test_a_force_that_stops_publishing_is_alarmed_once_a_month(
    tmp_path, tmp_path_factory, digest_standin
):
    # The demo's street files end with June 2020 (published 31 July 2020).
    db = copy_database(demo_database(tmp_path_factory), tmp_path / "oversight.db")

    def alarm(now: str) -> object:
        settings = job_settings(digest_standin, db, OVERSIGHT_NOW=now)
        with open_store(db) as store:
            return Jobs(settings, store, make_client(settings)).send_stale_alarm()

    def crime_posts() -> list[str]:
        return [m["text"] for m in digest_standin.posted() if "No recorded crime" in m["text"]]

    alarm("2020-08-31T09:15")  # June is two months before August: within the usual delay
    assert crime_posts() == []
    alarm("2020-09-01T09:15")
    assert crime_posts() == [
        "No recorded crime published for Greater Manchester Police since June 2020: 3 months "
        "missing as of 1 Sep 2020."
    ]
    alarm("2020-09-02T09:15")  # the same month: not again (the case alarm is daily)
    alarm("2020-09-30T09:15")
    assert len(crime_posts()) == 1
    alarm("2020-10-01T09:15")
    assert len(crime_posts()) == 2 and "4 months missing as of 1 Oct 2020" in crime_posts()[1]


# --- information requests ----------------------------------------------------------------------


def test_each_information_request_is_reminded_once_per_stage(tmp_path, digest_standin):
    db = tmp_path / "oversight.db"
    rows = [
        # Received Mon 1 Jun 2020: 2-5 Jun (1-4), 8-12 (5-9), 15-19 (10-14), 22-26 (15-19),
        # Mon 29 Jun (20): due 29 Jun, overdue on Wed 1 Jul.
        ["R-OVER", "Trust A", "s", "2020-06-01", "", "", "", ""],
        # Received Mon 8 Jun: 20 working days on, Mon 6 Jul: 3 working days after 1 Jul.
        ["R-SOON", "Trust B", "s", "2020-06-08", "", "open", "", ""],
        # Received Wed 24 Jun: due Wed 22 Jul, outside five working days.
        ["R-LATER", "Trust C", "s", "2020-06-24", "", "open", "", ""],
        ["R-DONE", "Trust A", "s", "2020-05-01", "2020-05-20", "answered", "", ""],
    ]
    header = ["ref", "to", "subject", "received_on", "answered_on", "status", "extended_to"]
    path = write_csv(tmp_path / "requests.csv", [*header, "notes"], rows)
    env = {**clean_env(), "OVERSIGHT_DB": str(db), "OVERSIGHT_NOW": "2020-07-01T08:00"}
    assert oversight(tmp_path, env, "import", "requests", str(path)).returncode == 0

    def remind(now: str) -> object:
        settings = job_settings(digest_standin, db, OVERSIGHT_NOW=now, REMINDER_DAYS="5")
        store = open_store(db)
        try:
            return Jobs(settings, store, make_client(settings)).send_reminders()
        finally:
            store.close()

    first = remind("2020-07-01T08:30")
    assert first.posted
    texts = [html.unescape(m["text"]) for m in digest_standin.posted()]
    assert len(texts) == 2
    assert texts[0].startswith("Information request R-OVER to Trust A is overdue: ")
    assert "due 29 Jun 2020, overdue by 2 working days" in texts[0]
    assert texts[1].startswith("Information request R-SOON to Trust B falls due: ")
    assert "due 6 Jul 2020, 3 working days left" in texts[1]
    # The next day: nothing new (each was posted once at its stage).
    again = remind("2020-07-02T08:30")
    assert not again.posted
    assert len(digest_standin.posted()) == 2
    # Tue 7 Jul: R-SOON has gone overdue (a new stage); R-OVER is not posted again.
    remind("2020-07-07T08:30")
    texts = [html.unescape(m["text"]) for m in digest_standin.posted()]
    assert len(texts) == 3
    assert texts[2].startswith("Information request R-SOON to Trust B is overdue: ")
    store = open_store(db)
    try:
        sent = sorted(e.period for e in ledger.history(store, "request-reminders"))
    finally:
        store.close()
    assert sent == ["R-OVER overdue", "R-SOON due", "R-SOON overdue"]
