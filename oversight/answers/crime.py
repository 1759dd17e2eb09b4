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
    options: CrimeOptions,
    now: datetime,
    settings: Settings,
    revised: bool = False,
) -> CrimeAnswer:
    """Recorded crime for the force named (else OVERSIGHT_FORCE; else the store's only force),
    or one area of it, as the files imported by ``as_of`` gave it, or, revised, as the store
    knows that date now."""
    at = vintage_of(store, as_of, settings, revised)

    def figures_of(known: object) -> CrimeFigures:
        return crime_figures(
            known,
            as_of,
            options.force or settings.force,
            options.crime_type,
            options.area or "",
            settings.crime_publication_lag_months,
        )

    figures = figures_of(as_known(store, at))
    latest = None
    if "crimes" in at.behind and figures.month is not None:
        latest = figures_of(store)
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
    force: str | None = None  # the force's words as typed ("gmp"); None: OVERSIGHT_FORCE
    area: str | None = None  # a local authority or a neighbourhood, as typed; None: all


_KEYWORDS = ("force", "area")


def _parse(rest: str) -> CrimeOptions:
    """``[type] [force WORDS] [area WORDS]``: the type first, each keyword's words after it."""
    words = rest.split()
    parts: dict[str, list[str]] = {"type": []}
    current = "type"
    for word in words:
        if word.lower() in _KEYWORDS and word.lower() not in parts:
            current = word.lower()
            parts[current] = []
        else:
            parts[current].append(word)
    for keyword in _KEYWORDS:
        if keyword in parts and not parts[keyword]:
            raise UsageError(f'"{keyword}" needs words after it: e.g. /crime {_EXAMPLE[keyword]}.',
                             "crime")  # fmt: skip
    typed = " ".join(parts["type"])
    crime_type = None
    if typed:
        crime_type = crime_type_named(typed)
        if crime_type is None:
            raise UsageError(
                f'"{typed}" is not a crime type: try violence, burglary, robbery, shoplifting, '
                "drugs, vehicle, asb.",
                "crime",
            )
    force = " ".join(parts.get("force", [])) or None
    area = " ".join(parts.get("area", [])) or None
    return CrimeOptions(crime_type, force, area)


_EXAMPLE = {"force": "force gmp", "area": "area manchester"}


def _words(options: CrimeOptions) -> list[str]:
    words = [options.crime_type] if options.crime_type else []
    if options.force:
        words += ["force", options.force]
    if options.area:
        words += ["area", options.area]
    return words


def _crime_types(query: Query, result: CrimeAnswer) -> list[Switch]:
    """A menu: all crime, then the types of the month shown (at most the 16 data.police.uk
    names, far within a menu's 100 options), and the type asked for if it had none."""
    types = [None, *(t.crime_type for t in result.crime.by_type)]
    if query.options.crime_type not in types:
        types.append(query.options.crime_type)
    options = query.options
    choices = [
        Choice(t or "all", t or "All recorded crime", CrimeOptions(t, options.force, options.area))
        for t in types
    ]
    return [Switch(choices, types.index(options.crime_type), menu="Crime type")]


COMMANDS.register(
    Command(
        name="crime",
        syntax="[type] [force WORDS] [area WORDS] [as of YYYY-MM-DD [revised]]",
        summary="recorded crime by month from data.police.uk's files, and the gaps in them",
        examples=(
            "/crime",
            "/crime violence",
            "/crime asb as of 31/12/2019",
            "/crime force gmp",
            "/crime violence area manchester",
        ),
        options=CrimeOptions,
        parse=_parse,
        words=_words,
        answer=lambda store, q, now, settings: crime_answer(
            store, q.as_of, q.options, now, settings, q.revised
        ),
        answer_types=(CrimeAnswer,),
        rank=50,
        switches=_crime_types,
    )
)
