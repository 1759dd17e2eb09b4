"""When jobs run: five-field cron expressions in Europe/London, moved off bank holidays.

Cron's day-of-week numbers mean what they mean in crontab (0 and 7 are Sunday, 1 is Monday),
not APScheduler 3's own numbering (0 is Monday), so ``0 9 * * 1`` is 09:00 on Mondays.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from oversight.clock import LONDON
from oversight.errors import UserError
from oversight.figures.workdays import is_bank_holiday, next_working_day

HOLIDAY_POLICIES = ("next_working_day", "skip", "same_day")
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _crontab_days(field: str) -> str:
    """Day-of-week numbers as names, so they keep their crontab meaning in APScheduler 3."""
    parts = []
    for part in field.split(","):
        base, slash, step = part.partition("/")
        base = re.sub(
            r"\d+", lambda m: _DAY_NAMES[int(m.group())] if int(m.group()) < 8 else "!", base
        )
        parts.append(base + slash + step)
    return ",".join(parts)


def cron_trigger(expression: str, setting: str) -> CronTrigger:
    """A cron trigger, or one sentence naming the setting that is wrong."""
    fields = expression.split()
    if len(fields) != 5:
        raise UserError(
            f'{setting} must be a five-field cron expression such as "0 9 * * mon", '
            f'not "{expression}".'
        )
    fields[4] = _crontab_days(fields[4])
    try:
        return CronTrigger.from_crontab(" ".join(fields), timezone=LONDON)
    except ValueError as error:
        raise UserError(
            f'{setting} is not a valid cron expression ("{expression}"): {error}.'
        ) from None


class WorkingDayTrigger(BaseTrigger):
    """A cron trigger whose runs that fall on a bank holiday move, are skipped, or stay."""

    def __init__(self, cron: CronTrigger, on_holiday: str) -> None:
        if on_holiday not in HOLIDAY_POLICIES:
            raise UserError(
                f"DIGEST_ON_HOLIDAY must be one of {', '.join(HOLIDAY_POLICIES)}, "
                f'not "{on_holiday}".'
            )
        self.cron = cron
        self.on_holiday = on_holiday

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        candidate = self.cron.get_next_fire_time(previous_fire_time, now)
        while candidate is not None and is_bank_holiday(candidate.date()):
            if self.on_holiday == "same_day":
                return candidate
            if self.on_holiday == "next_working_day":
                day = next_working_day(candidate.date())
                moved = datetime.combine(day, candidate.time().replace(tzinfo=None))
                return moved.replace(tzinfo=LONDON)
            candidate = self.cron.get_next_fire_time(candidate, candidate + timedelta(seconds=1))
        return candidate

    def __str__(self) -> str:
        return f"{self.cron} ({self.on_holiday.replace('_', ' ')} on bank holidays)"
