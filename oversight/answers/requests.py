"""``/requests``: information requests (FOI Act 2000, EIR 2004) on their statutory clock: the
open ones with working days left or overdue, the oldest first; the answers of the last 12
months, on time and late, by authority."""

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
from oversight.figures.requests import SHOWN, Requests, information_requests
from oversight.figures.vintage import LastImport
from oversight.settings import Settings
from oversight.store import Store
from oversight.values import normalise_name


@answer_model
@dataclass(frozen=True)
class RequestsAnswer:
    as_of: date
    requests: Requests
    source: LastImport | None  # the requests extract they come from (None: none by then)
    known: Knowing = field(default_factory=Knowing)
    command: str = "requests"


def requests_answer(
    store: Store,
    as_of: date,
    shown: str,
    now: datetime,
    settings: Settings,
    revised: bool = False,
) -> RequestsAnswer:
    """The requests as known on ``as_of`` (the latest requests extract taken by then), or,
    revised, as the store knows that date now."""
    at = vintage_of(store, as_of, settings, revised)
    figures = information_requests(as_known(store, at), as_of, shown)
    latest = information_requests(store, as_of, shown) if "requests" in at.behind else None
    return RequestsAnswer(
        as_of=as_of,
        requests=figures,
        source=at.known["requests"],
        known=knowing(at, "requests", _headline(figures), latest and _headline(latest)),
    )


def _headline(requests: Requests) -> dict[str, int]:
    return {"open": len(requests.open), "overdue": len(requests.overdue)}


@dataclass(frozen=True)
class RequestsOptions:
    shown: str = "open"  # "open", "overdue" or "all"


def _parse(rest: str) -> RequestsOptions:
    if not rest:
        return RequestsOptions()
    shown = normalise_name(rest)
    if shown not in SHOWN:
        raise UsageError(f'"{rest}" is not one of open, overdue or all.', "requests")
    return RequestsOptions(shown)


def _shown(query: Query, result: RequestsAnswer) -> list[Switch]:
    choices = [Choice(s, s.capitalize(), RequestsOptions(s)) for s in SHOWN]
    return [Switch(choices, SHOWN.index(query.options.shown))]


COMMANDS.register(
    Command(
        name="requests",
        syntax="[open|overdue|all] [as of YYYY-MM-DD [revised]]",
        summary="information requests (FOI/EIR) on their statutory clock: open, overdue, "
        "answered on time",
        examples=("/requests", "/requests overdue", "/requests all as of 30/06/2020"),
        options=RequestsOptions,
        parse=_parse,
        words=lambda o: [] if o.shown == "open" else [o.shown],
        answer=lambda store, q, now, settings: requests_answer(
            store, q.as_of, q.options.shown, now, settings, q.revised
        ),
        answer_types=(RequestsAnswer,),
        rank=35,
        switches=_shown,
    )
)
