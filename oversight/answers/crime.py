"""``/crime``: recorded crime by month from data.police.uk's files, and the gaps in them."""

from __future__ import annotations

from dataclasses import dataclass, field
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
from oversight.answers.sources import Knowing, as_known, knowing, vintage_of
from oversight.figures.crime import CrimeFigures, crime_figures, crime_type_named
from oversight.figures.vintage import LastImport
from oversight.settings import Settings
from oversight.store import Store


@answer_model
@dataclass(frozen=True)
class CrimeAnswer:
    as_of: date
    crime: CrimeFigures
    source: LastImport | None  # the crime import the figures come from (None: none by then)
    known: Knowing = field(default_factory=Knowing)
    command: str = "crime"


def crime_answer(
    store: Store,
    as_of: date,
    crime_type: str | None,
    now: datetime,
    settings: Settings,
    revised: bool = False,
) -> CrimeAnswer:
    """Recorded crime for ``settings.force`` (OVERSIGHT_FORCE; empty: the store's only force), as
    the files imported by ``as_of`` gave it, or, revised, as the store knows that date now."""
    at = vintage_of(store, as_of, settings, revised)
    figures = crime_figures(as_known(store, at), as_of, settings.force, crime_type)
    latest = None
    if "crimes" in at.behind and figures.month is not None:
        latest = crime_figures(store, as_of, settings.force, crime_type)
        if latest.month != figures.month:
            latest = None  # a month published since: not a revision of one already known
    return CrimeAnswer(
        as_of=as_of,
        crime=figures,
        source=at.known["crimes"],
        known=knowing(at, "crimes", _headline(figures), latest and _headline(latest)),
    )


def _headline(crime: CrimeFigures) -> dict[str, int]:
    if crime.month is None:
        return {}
    return {"crimes in the month": crime.crimes, "crimes in the 12 months": crime.last_12}


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
        syntax="[type] [as of YYYY-MM-DD [revised]]",
        summary="recorded crime by month from data.police.uk's files, and the gaps in them",
        examples=("/crime", "/crime violence", "/crime asb as of 31/12/2019"),
        options=CrimeOptions,
        parse=_parse,
        words=lambda options: [options.crime_type] if options.crime_type else [],
        answer=lambda store, q, now, settings: crime_answer(
            store, q.as_of, q.options.crime_type, now, settings, q.revised
        ),
        answer_types=(CrimeAnswer,),
        rank=50,
        switches=_crime_types,
    )
)
