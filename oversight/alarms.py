"""The stale-data alarm: raised while no case extract has been imported for too long."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from oversight.figures.freshness import LastImport, freshness
from oversight.store import Store

STALE_JOB = "stale-data-alarm"


@dataclass(frozen=True)
class StaleAlarm:
    as_of: date
    stale_after_days: int
    source: LastImport | None  # the last cases import, if any
    command: str = "stale-alarm"

    @property
    def raised(self) -> bool:
        return self.source is None or self.source.stale


def stale_alarm(store: Store, now: datetime, stale_after_days: int) -> StaleAlarm:
    source = freshness(store, now, stale_after_days)["cases"]
    return StaleAlarm(as_of=now.date(), stale_after_days=stale_after_days, source=source)
