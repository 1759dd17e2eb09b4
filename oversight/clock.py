"""The one clock. Everything that needs "today" or "now" asks it, so tests can set it."""

from __future__ import annotations

from datetime import date, datetime
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
        value = datetime.fromisoformat(text.strip())
        if len(text.strip()) == 10:
            value = value.replace(hour=9)
        return cls(value)
