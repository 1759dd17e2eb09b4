"""The one clock. Everything that needs "today" or "now" asks it, so tests can set it."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class Clock:
    """Europe/London time: the system's, or a fixed instant (``OVERSIGHT_NOW``)."""

    def __init__(self, fixed: datetime | None = None) -> None:
        if fixed is not None and fixed.tzinfo is None:
            fixed = fixed.replace(tzinfo=LONDON)
        self.fixed = fixed.astimezone(LONDON) if fixed is not None else None

    def now(self) -> datetime:
        if self.fixed is not None:
            return self.fixed
        return datetime.now(LONDON)

    def today(self) -> date:
        return self.now().date()

    @classmethod
    def parse(cls, text: str) -> Clock:
        """A fixed clock from an ISO date or date-time; a bare date means 09:00 London."""
        text = text.strip()
        try:
            day = date.fromisoformat(text)  # 2020-06-30, 20200630, 2020-W27-2
        except ValueError:
            return cls(datetime.fromisoformat(text))
        return cls(datetime.combine(day, time(9)))
