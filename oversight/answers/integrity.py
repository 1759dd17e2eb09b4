"""``/integrity``: what the latest case extract lost or changed, the trend, and the gaps in
recorded crime."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from oversight.answers.commands import COMMANDS, Command, answer_model, no_words
from oversight.answers.sources import as_known, first_since_each, vintage_of
from oversight.figures.crime import month_label
from oversight.figures.crime_gaps import months_apart
from oversight.figures.integrity import (
    FINDINGS,
    Finding,
    Integrity,
    crime_gap_findings,
    integrity,
    latest_import,
)
from oversight.figures.vintage import LastImport
from oversight.settings import Settings
from oversight.store import Store
from oversight.values import figure_text

CRIME_GAP_LINES = 8


@dataclass(frozen=True)
class CrimeGaps:
    """The data gaps the latest recorded-crime import found, for /integrity."""

    import_id: int
    file_name: str
    counts: dict[str, int]  # by kind of finding, in the order the kinds are listed
    lines: list[str]  # the first few, in words


@answer_model
@dataclass(frozen=True)
class IntegrityAnswer:
    as_of: date
    integrity: Integrity
    sources: dict[str, LastImport | None]
    crime_gaps: CrimeGaps | None = None  # None: no recorded crime imported by the date
    # Kinds no extract of which had been taken by the date: the latest taken since.
    since: dict[str, LastImport] = field(default_factory=dict)
    command: str = "integrity"


def integrity_answer(
    store: Store, as_of: date, now: datetime, settings: Settings, revised: bool = False
) -> IntegrityAnswer:
    """What the case extracts taken by ``as_of`` lost or changed, and the gaps in recorded crime
    then, citing the extracts the store knew on that date (or, revised, knows now)."""
    at = vintage_of(store, as_of, settings, revised)
    return IntegrityAnswer(
        as_of=as_of,
        integrity=integrity(store, as_of),
        sources=at.known,
        crime_gaps=crime_gaps(
            as_known(store, at), as_of, settings.crime_publication_lag_months, revised
        ),
        since=first_since_each(at),
    )


def crime_gaps(
    store: Store, as_of: date, lag_months: int, revised: bool = False
) -> CrimeGaps | None:
    """The data gaps in recorded crime in the months to ``as_of``: each force's as its latest
    look then found them (or, revised, now), and the forces that had stopped publishing (None
    when no recorded crime had been imported by then)."""
    latest = latest_import(store, "crimes", date.max if revised else as_of)
    if latest is None:
        return None
    found = dict.fromkeys(FINDINGS, 0)
    lines = []
    for finding in crime_gap_findings(store, as_of, lag_months, revised):
        found[finding.kind] = found.get(finding.kind, 0) + 1
        if len(lines) < CRIME_GAP_LINES:
            lines.append(gap_line(finding))
    counts = {kind: n for kind, n in found.items() if n}
    return CrimeGaps(import_id=latest[0], file_name=latest[1], counts=counts, lines=lines)


def gap_line(finding: Finding) -> str:
    """A data gap in words: "missing_month: October 2019 to December 2019 (3 months), Force"."""
    place = finding.ref if finding.area in (None, finding.ref) else f"{finding.area}, {finding.ref}"
    month = finding.month or ""
    if finding.until_month and finding.until_month != month:
        count = months_apart(month, finding.until_month) + 1
        when = f"{month_label(month)} to {month_label(finding.until_month)} ({count} months)"
        return f"{finding.kind}: {when}, {place}"
    numbers = f" ({_number(finding.new)} against {_number(finding.old)})" if finding.old else ""
    return f"{finding.kind}: {month_label(month)}, {place}{numbers}"


def _number(text: str) -> str:
    """A count or mean kept as text in a finding, written with thousands separators."""
    try:
        value = float(text)
    except ValueError:
        return text
    return figure_text(value)


@dataclass(frozen=True)
class IntegrityOptions:
    """/integrity takes no words but its date."""


COMMANDS.register(
    Command(
        name="integrity",
        syntax="[as of YYYY-MM-DD [revised]]",
        summary="records lost or changed by the latest case extract, and the trend",
        examples=("/integrity", "/integrity as of 30/06/2020"),
        options=IntegrityOptions,
        parse=no_words("integrity"),
        words=lambda options: [],
        answer=lambda store, q, now, settings: integrity_answer(
            store, q.as_of, now, settings, q.revised
        ),
        answer_types=(IntegrityAnswer,),
        rank=40,
    )
)
