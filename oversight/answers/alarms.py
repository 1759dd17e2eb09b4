"""Alarms for the mayor's office channel: a case extract that has grown stale, a force that has
stopped publishing its recorded crime, and a case import that lost records or undid reviews
(an integrity alert)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from oversight.answers.commands import answer_model
from oversight.answers.sources import as_known, vintage_of
from oversight.figures.crime_places import NotPublished, publication_gaps
from oversight.figures.integrity import (
    ALARMING,
    Finding,
    FindingCount,
    ImportIntegrity,
    cases_imports,
    finding_counts,
    findings,
)
from oversight.figures.vintage import LastImport
from oversight.settings import Settings
from oversight.store import Store

STALE_JOB = "stale-data-alarm"
INTEGRITY_JOB = "integrity-alert"


@answer_model
@dataclass(frozen=True)
class StaleAlarm:
    as_of: date
    stale_after_days: int
    source: LastImport | None  # the last cases import, if any
    command: str = "stale-alarm"

    @property
    def raised(self) -> bool:
        return self.source is None or self.source.stale


def stale_alarm(store: Store, now: datetime, settings: Settings) -> StaleAlarm:
    source = vintage_of(store, now.date(), settings).known["cases"]
    return StaleAlarm(as_of=now.date(), stale_after_days=settings.stale_after_days, source=source)


@answer_model
@dataclass(frozen=True)
class CrimeAlarm:
    """A force that has stopped publishing recorded crime: said once for each month it misses."""

    as_of: date
    force: str
    stopped: NotPublished
    command: str = "crime-alarm"

    @property
    def period(self) -> str:
        """The ledger's period: one alarm a force a month."""
        return f"crime {self.force} {self.as_of:%Y-%m}"


def crime_alarms(store: Store, now: datetime, settings: Settings) -> list[CrimeAlarm]:
    """An alarm for each force whose latest month, as known today, is more than
    CRIME_PUBLICATION_LAG_MONTHS before this month."""
    today = now.date()
    known = as_known(store, vintage_of(store, today, settings))
    gaps = publication_gaps(known.conn, today, settings.crime_publication_lag_months)
    return [CrimeAlarm(today, force, gap) for force, gap in sorted(gaps.items())]


@answer_model
@dataclass(frozen=True)
class IntegrityAlert:
    """A case import whose extract lost records, undid reviews or withdrew them from review."""

    as_of: date
    source: ImportIntegrity
    counts: list[FindingCount]  # every finding of the import, by kind and workstream
    findings: list[Finding]  # every one, for the CSV in the alert's thread
    command: str = "integrity-alert"

    @property
    def period(self) -> str:
        """The ledger's period: one alert per import, ever."""
        return f"import-{self.source.import_id}"

    @property
    def alarming(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for c in self.counts:
            if c.kind in ALARMING:
                found[c.kind] = found.get(c.kind, 0) + c.count
        return found


def integrity_alerts(store: Store, now: datetime, since: datetime) -> list[IntegrityAlert]:
    """An alert for each case import from ``since`` to ``now`` that found something alarming."""
    alerts = []
    for source in cases_imports(store, date.max):
        if not since <= source.imported_at <= now:
            continue
        counts = finding_counts(store.conn, source.import_id)
        if any(c.kind in ALARMING for c in counts):
            rows = findings(store, source.import_id)
            alerts.append(IntegrityAlert(now.date(), source, counts, rows))
    return alerts
