"""When the jobs run: Europe/London across the clock changes, and off bank holidays."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from jobs.scheduler import missed_runs, next_runs
from jobs.triggers import WorkingDayTrigger, cron_trigger
from oversight.clock import LONDON
from oversight.errors import UserError
from oversight.settings import load_settings


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON)


def fires(trigger: object, start: datetime, count: int) -> list[datetime]:
    """The next ``count`` fire times after ``start``, as APScheduler would ask for them."""
    result, previous = [], None
    now = start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        result.append(fire)
        previous, now = fire, fire + timedelta(seconds=1)
    return result


def digest(policy: str = "next_working_day", cron: str = "0 9 * * mon") -> WorkingDayTrigger:
    return WorkingDayTrigger(cron_trigger(cron, "DIGEST_CRON"), policy)


def test_weekly_digest_is_monday_at_nine_london_time():
    (fire,) = fires(digest(), at(2020, 6, 30, 12), 1)
    assert fire == at(2020, 7, 6, 9)
    assert fire.utcoffset() == timedelta(hours=1)  # BST


def test_nine_oclock_stays_nine_oclock_across_the_march_clock_change():
    # Clocks went forward on Sunday 28 March 2021.
    before, after = fires(digest(), at(2021, 3, 20), 2)
    assert (before.hour, before.utcoffset()) == (9, timedelta(0))
    assert (after.hour, after.utcoffset()) == (9, timedelta(hours=1))
    # A real week less the lost hour (aware datetimes in one zone subtract as wall time).
    assert after.timestamp() - before.timestamp() == (7 * 24 - 1) * 3600


def test_nine_oclock_stays_nine_oclock_across_the_october_clock_change():
    # Clocks went back on Sunday 25 October 2020.
    before, after = fires(digest(), at(2020, 10, 17), 2)
    assert (before, before.utcoffset()) == (at(2020, 10, 19, 9), timedelta(hours=1))
    assert (after, after.utcoffset()) == (at(2020, 10, 26, 9), timedelta(0))


def test_a_job_at_the_missing_hour_of_the_march_change_still_runs_once():
    trigger = cron_trigger("30 1 * * *", "REMINDER_CRON")
    runs = fires(trigger, at(2021, 3, 27, 12), 3)
    # 01:30 did not exist on 28 March 2021: APScheduler runs it at the next valid moment.
    assert [r.date().day for r in runs] == [28, 29, 30]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("next_working_day", at(2020, 4, 14, 9)),  # Easter Monday -> Tuesday, same time
        ("skip", at(2020, 4, 20, 9)),
        ("same_day", at(2020, 4, 13, 9)),
    ],
)
def test_digest_on_easter_monday(policy: str, expected: datetime):
    (fire,) = fires(digest(policy), at(2020, 4, 10), 1)
    assert fire == expected


def test_the_week_after_a_moved_digest_is_back_on_monday():
    runs = fires(digest(), at(2020, 4, 10), 3)
    assert runs == [at(2020, 4, 14, 9), at(2020, 4, 20, 9), at(2020, 4, 27, 9)]


def test_christmas_2020_substitute_bank_holiday_moves_the_digest():
    # Boxing Day 2020 was a Saturday: Monday 28 December was the substitute bank holiday.
    (fire,) = fires(digest(), at(2020, 12, 24), 1)
    assert fire == at(2020, 12, 29, 9)


def test_reminders_skip_bank_holidays():
    trigger = WorkingDayTrigger(cron_trigger("30 8 * * mon-fri", "REMINDER_CRON"), "skip")
    runs = fires(trigger, at(2020, 5, 7, 9), 2)  # Friday 8 May 2020 was VE Day
    assert runs == [at(2020, 5, 11, 8, 30), at(2020, 5, 12, 8, 30)]


@pytest.mark.parametrize(
    ("field", "weekday"),
    [("1", 0), ("mon", 0), ("0", 6), ("7", 6), ("5", 4), ("1-5", 0)],
)
def test_cron_day_numbers_mean_what_they_mean_in_crontab(field: str, weekday: int):
    (fire,) = fires(cron_trigger(f"0 9 * * {field}", "DIGEST_CRON"), at(2020, 6, 28, 12), 1)
    assert fire.weekday() == weekday


def test_a_step_is_not_taken_for_a_day_number():
    runs = fires(cron_trigger("0 9 * * */2", "DIGEST_CRON"), at(2020, 6, 28, 12), 4)
    assert len({r.date() for r in runs}) == 4


@pytest.mark.parametrize(
    ("expression", "setting"),
    [
        ("0 9 * *", "DIGEST_CRON"),
        ("61 9 * * mon", "DIGEST_CRON"),
        ("0 9 * * 9", "REMINDER_CRON"),
        ("every monday", "REMINDER_CRON"),
    ],
)
def test_a_bad_cron_expression_is_one_sentence_naming_the_setting(expression: str, setting: str):
    with pytest.raises(UserError) as error:
        cron_trigger(expression, setting)
    assert str(error.value).startswith(setting)
    assert expression in str(error.value)
    # The settings refuse it on loading, with the same sentence.
    with pytest.raises(UserError) as on_loading:
        load_settings({setting: expression}, None)
    assert str(on_loading.value) == str(error.value)


def test_an_unknown_holiday_policy_names_the_setting():
    with pytest.raises(UserError, match="DIGEST_ON_HOLIDAY"):
        load_settings({"DIGEST_ON_HOLIDAY": "whenever"}, None)
    with pytest.raises(ValueError):  # never reached from the settings, which refuse it first
        WorkingDayTrigger(cron_trigger("0 9 * * mon", "DIGEST_CRON"), "whenever")


def test_next_runs_lists_every_job_in_london_time():
    settings = load_settings({"OVERSIGHT_NOW": "2020-06-30T12:00"}, None)
    runs = dict((spec.id, when) for spec, when in next_runs(settings, at(2020, 6, 30, 12)))
    assert runs == {
        "weekly-digest": at(2020, 7, 6, 9),
        "deadline-reminders": at(2020, 7, 1, 8, 30),
        "stale-data-alarm": at(2020, 7, 1, 9, 15),
        "integrity-alert": at(2020, 6, 30, 12),  # every 30 seconds from the start
    }


def test_a_missed_monday_is_caught_up_within_the_grace_period_only():
    settings = load_settings({"MISFIRE_GRACE_HOURS": "12"}, None)
    within = {spec.id: when for spec, when in missed_runs(settings, at(2020, 7, 6, 20))}
    assert within["weekly-digest"] == at(2020, 7, 6, 9)
    beyond = {spec.id: when for spec, when in missed_runs(settings, at(2020, 7, 7, 7))}
    assert "weekly-digest" not in beyond
