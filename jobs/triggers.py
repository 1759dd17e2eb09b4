"""When jobs run: five-field cron expressions in Europe/London, moved off bank holidays.

Cron's day-of-week numbers mean what they mean in crontab (0 and 7 are Sunday, 1 is Monday),
not APScheduler 3's own numbering (0 is Monday), so ``0 9 * * 1`` is 09:00 on Mondays.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from oversight.clock import LONDON
from oversight.figures.workdays import is_bank_holiday, next_working_day
from oversight.settings import HOLIDAY_POLICIES, crontab


def cron_trigger(expression: str, setting: str) -> CronTrigger:
    """A cron trigger in Europe/London; the expression is checked by the settings' rules."""
    return CronTrigger.from_crontab(crontab(expression, setting), timezone=LONDON)


def _moved(fire: datetime) -> datetime:
    """The same time of day on the next working day."""
    day = next_working_day(fire.date())
    return datetime.combine(day, fire.time().replace(tzinfo=None)).replace(tzinfo=LONDON)


class WorkingDayTrigger(BaseTrigger):
    """A cron trigger whose runs that fall on a bank holiday move, are skipped, or stay."""

    def __init__(self, cron: CronTrigger, on_holiday: str) -> None:
        if on_holiday not in HOLIDAY_POLICIES:  # settings refuse any other, in words
            raise ValueError(on_holiday)
        self.cron = cron
        self.on_holiday = on_holiday

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        candidate = self.cron.get_next_fire_time(previous_fire_time, now)
        while candidate is not None and is_bank_holiday(candidate.date()):
            if self.on_holiday == "same_day":
                break
            if self.on_holiday == "next_working_day":
                candidate = _moved(candidate)
                break
            candidate = self.cron.get_next_fire_time(candidate, candidate + timedelta(seconds=1))
        if self.on_holiday == "next_working_day":
            owed = self._moved_run_still_ahead(previous_fire_time, now)
            if owed is not None and (candidate is None or owed < candidate):
                return owed
        return candidate

    def _moved_run_still_ahead(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """A run moved off a recent bank holiday whose cron time has passed but whose moved
        time has not: started on Easter Monday at 10:00, Tuesday's digest is still owed."""
        today = now.astimezone(LONDON).date()
        for back in range(7, -1, -1):
            day = today - timedelta(days=back)
            if not is_bank_holiday(day):
                continue
            midnight = datetime.combine(day, time(0)).replace(tzinfo=LONDON)
            fire = self.cron.get_next_fire_time(None, midnight)
            if fire is None or fire.date() != day or fire >= now:
                continue  # no run that day, or one the cron search below still finds
            moved = _moved(fire)
            if moved >= now and (previous_fire_time is None or moved > previous_fire_time):
                return moved
        return None

    def __str__(self) -> str:
        return f"{self.cron} ({self.on_holiday.replace('_', ' ')} on bank holidays)"


class FirstWorkingDayTrigger(BaseTrigger):
    """At ``HH:MM`` (London) on the first working day of each month: not a weekend, not a
    bank holiday."""

    def __init__(self, at: str) -> None:
        hour, minute = (int(x) for x in at.split(":"))
        self.cron = CronTrigger(day="1-10", hour=hour, minute=minute, timezone=LONDON)
        self.at = at

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        candidate = self.cron.get_next_fire_time(previous_fire_time, now)
        while candidate is not None:
            first = next_working_day(candidate.date().replace(day=1))
            if candidate.date() == first:
                return candidate
            candidate = self.cron.get_next_fire_time(candidate, candidate + timedelta(seconds=1))
        return None

    def __str__(self) -> str:
        return f"the first working day of each month at {self.at}"
