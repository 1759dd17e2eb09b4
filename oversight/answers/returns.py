"""``/ons-status``: every crime-data return with its status; overdue, excluded and next due."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from oversight.answers.commands import COMMANDS, Command, answer_model
from oversight.answers.sources import Knowing, as_known, knowing, vintage_of
from oversight.figures.returns import ReturnsStatus, returns_status
from oversight.figures.vintage import LastImport
from oversight.settings import Settings
from oversight.store import Store


@answer_model
@dataclass(frozen=True)
class ReturnsAnswer:
    as_of: date
    returns: ReturnsStatus
    source: LastImport | None  # the returns extract the figures come from (None: none by then)
    known: Knowing = field(default_factory=Knowing)
    command: str = "ons-status"


def returns_answer(
    store: Store,
    as_of: date,
    dataset: str | None,
    now: datetime,
    settings: Settings,
    revised: bool = False,
) -> ReturnsAnswer:
    """The data returns as known on ``as_of`` (the latest returns extract taken by then), or,
    revised, as the store knows that date now."""
    at = vintage_of(store, as_of, settings, revised)
    figures = returns_status(as_known(store, at), as_of, dataset)
    latest = returns_status(store, as_of, dataset) if "returns" in at.behind else None
    return ReturnsAnswer(
        as_of=as_of,
        returns=figures,
        source=at.known["returns"],
        known=knowing(at, "returns", _headline(figures), latest and _headline(latest)),
    )


def _headline(status: ReturnsStatus) -> dict[str, int]:
    return {
        "overdue": len(status.overdue),
        "excluded from official statistics": len(status.excluded),
    }


@dataclass(frozen=True)
class ReturnsOptions:
    dataset: str | None = None  # returns whose dataset matches these words; None: every one


COMMANDS.register(
    Command(
        name="ons-status",
        syntax="[dataset] [as of YYYY-MM-DD [revised]]",
        summary="crime-data returns: overdue, excluded, next due",
        examples=("/ons-status", "/ons-status crime"),
        options=ReturnsOptions,
        parse=lambda rest: ReturnsOptions(rest or None),
        words=lambda options: [options.dataset] if options.dataset else [],
        answer=lambda store, q, now, settings: returns_answer(
            store, q.as_of, q.options.dataset, now, settings, q.revised
        ),
        answer_types=(ReturnsAnswer,),
        rank=20,
    )
)
