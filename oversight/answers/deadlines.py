"""``/deadlines``: open deadlines due within a number of days, and overdue ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from oversight.answers.commands import COMMANDS, Command, UsageError, answer_model
from oversight.answers.sources import Knowing, as_known, knowing, vintage_of
from oversight.figures.deadlines import Deadlines, open_deadlines
from oversight.figures.vintage import LastImport
from oversight.settings import Settings
from oversight.store import Store

DEFAULT_DEADLINE_DAYS = 14  # /deadlines with no number, and the Home tab
MAX_DEADLINE_DAYS = 366


@answer_model
@dataclass(frozen=True)
class DeadlinesAnswer:
    as_of: date
    deadlines: Deadlines
    source: LastImport | None  # the deadlines extract they come from (None: none by then)
    known: Knowing = field(default_factory=Knowing)
    command: str = "deadlines"


def deadlines_answer(
    store: Store, as_of: date, days: int, now: datetime, settings: Settings, revised: bool = False
) -> DeadlinesAnswer:
    """The deadlines as known on ``as_of`` (the latest deadlines extract taken by then), or,
    revised, as the store knows that date now."""
    at = vintage_of(store, as_of, settings, revised)
    figures = open_deadlines(as_known(store, at), as_of, days)
    latest = open_deadlines(store, as_of, days) if "deadlines" in at.behind else None
    return DeadlinesAnswer(
        as_of=as_of,
        deadlines=figures,
        source=at.known["deadlines"],
        known=knowing(at, "deadlines", _headline(figures), latest and _headline(latest)),
    )


def _headline(deadlines: Deadlines) -> dict[str, int]:
    return {"overdue": len(deadlines.overdue), "due soon": len(deadlines.upcoming)}


@dataclass(frozen=True)
class DeadlinesOptions:
    days: int = DEFAULT_DEADLINE_DAYS


def _parse(rest: str) -> DeadlinesOptions:
    if not rest:
        return DeadlinesOptions()
    # isdecimal, not isdigit: int() refuses "²"; and a number too long for int() is refused too.
    if not rest.isdecimal() or len(rest) > 9 or not 1 <= int(rest) <= MAX_DEADLINE_DAYS:
        raise UsageError(
            f'"{rest}" is not a number of days from 1 to {MAX_DEADLINE_DAYS}.', "deadlines"
        )
    return DeadlinesOptions(int(rest))


COMMANDS.register(
    Command(
        name="deadlines",
        syntax="[DAYS] [as of YYYY-MM-DD [revised]]",
        summary=f"open deadlines in the next DAYS (default {DEFAULT_DEADLINE_DAYS}) and "
        "overdue ones",
        examples=("/deadlines", "/deadlines 30"),
        options=DeadlinesOptions,
        parse=_parse,
        words=lambda o: [] if o.days == DEFAULT_DEADLINE_DAYS else [str(o.days)],
        answer=lambda store, q, now, settings: deadlines_answer(
            store, q.as_of, q.options.days, now, settings, q.revised
        ),
        answer_types=(DeadlinesAnswer,),
        rank=30,
    )
)
