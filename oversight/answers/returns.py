"""``/ons-status``: every crime-data return with its status; overdue, excluded and next due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from oversight.answers.commands import COMMANDS, Command, answer_model
from oversight.answers.sources import sources
from oversight.figures.freshness import LastImport
from oversight.figures.returns import ReturnsStatus, returns_status
from oversight.settings import Settings
from oversight.store import Store


@answer_model
@dataclass(frozen=True)
class ReturnsAnswer:
    as_of: date
    returns: ReturnsStatus
    source: LastImport | None
    command: str = "ons-status"


def returns_answer(
    store: Store, as_of: date, dataset: str | None, now: datetime, settings: Settings
) -> ReturnsAnswer:
    figures = returns_status(store, as_of, dataset)
    source = sources(store, now, settings)["returns"]
    return ReturnsAnswer(as_of=as_of, returns=figures, source=source)


@dataclass(frozen=True)
class ReturnsOptions:
    dataset: str | None = None  # returns whose dataset matches these words; None: every one


COMMANDS.register(
    Command(
        name="ons-status",
        syntax="[dataset] [as of YYYY-MM-DD]",
        summary="crime-data returns: overdue, excluded, next due",
        examples=("/ons-status", "/ons-status crime"),
        options=ReturnsOptions,
        parse=lambda rest: ReturnsOptions(rest or None),
        words=lambda options: [options.dataset] if options.dataset else [],
        answer=lambda store, q, now, settings: returns_answer(
            store, q.as_of, q.options.dataset, now, settings
        ),
        answer_types=(ReturnsAnswer,),
        rank=20,
    )
)
