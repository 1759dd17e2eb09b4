"""``/crime``: recorded crime by month from data.police.uk's files, and the gaps in them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from oversight.answers.commands import (
    COMMANDS,
    Choice,
    Command,
    Query,
    Switch,
    UsageError,
    answer_model,
)
from oversight.answers.sources import sources
from oversight.figures.crime import CrimeFigures, crime_figures, crime_type_named
from oversight.figures.freshness import LastImport
from oversight.settings import Settings
from oversight.store import Store


@answer_model
@dataclass(frozen=True)
class CrimeAnswer:
    as_of: date
    crime: CrimeFigures
    source: LastImport | None
    command: str = "crime"


def crime_answer(
    store: Store,
    as_of: date,
    crime_type: str | None,
    now: datetime,
    settings: Settings,
) -> CrimeAnswer:
    """Recorded crime for ``settings.force`` (OVERSIGHT_FORCE; empty: the store's only force)."""
    figures = crime_figures(store, as_of, settings.force, crime_type)
    source = sources(store, now, settings)["crimes"]
    return CrimeAnswer(as_of=as_of, crime=figures, source=source)


@dataclass(frozen=True)
class CrimeOptions:
    crime_type: str | None = None  # one crime type, as data.police.uk names it; None: all


def _parse(rest: str) -> CrimeOptions:
    if not rest:
        return CrimeOptions()
    crime_type = crime_type_named(rest)
    if crime_type is None:
        raise UsageError(
            f'"{rest}" is not a crime type: try violence, burglary, robbery, shoplifting, '
            "drugs, vehicle, asb.",
            "crime",
        )
    return CrimeOptions(crime_type)


def _crime_types(query: Query, result: CrimeAnswer) -> list[Switch]:
    """A menu: all crime, then the types of the month shown (at most the 16 data.police.uk
    names, far within a menu's 100 options), and the type asked for if it had none."""
    types = [None, *(t.crime_type for t in result.crime.by_type)]
    if query.options.crime_type not in types:
        types.append(query.options.crime_type)
    choices = [Choice(t or "all", t or "All recorded crime", CrimeOptions(t)) for t in types]
    return [Switch(choices, types.index(query.options.crime_type), menu="Crime type")]


COMMANDS.register(
    Command(
        name="crime",
        syntax="[type] [as of YYYY-MM-DD]",
        summary="recorded crime by month from data.police.uk's files, and the gaps in them",
        examples=("/crime", "/crime violence", "/crime asb as of 31/12/2019"),
        options=CrimeOptions,
        parse=_parse,
        words=lambda options: [options.crime_type] if options.crime_type else [],
        answer=lambda store, q, now, settings: crime_answer(
            store, q.as_of, q.options.crime_type, now, settings
        ),
        answer_types=(CrimeAnswer,),
        rank=50,
        switches=_crime_types,
    )
)
