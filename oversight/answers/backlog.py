"""``/backlog``: outstanding reviews per workstream and combined, progress and projection."""

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
from oversight.figures.backlog import ALL, Backlog, backlog, workstream_figures
from oversight.figures.integrity import Integrity, integrity
from oversight.figures.risk import RiskFigures, lacking_risk_columns, risk_assessments
from oversight.figures.vintage import LastImport
from oversight.settings import Settings
from oversight.store import Store
from oversight.values import WORKSTREAM_LABELS, WORKSTREAM_WORDS, normalise_name


@answer_model
@dataclass(frozen=True)
class BacklogAnswer:
    as_of: date
    backlog: Backlog
    source: LastImport | None  # the case extract the figures come from (None: none by then)
    missing_from_latest: int = 0  # records the latest extracts no longer hold, still counted
    known: Knowing = field(default_factory=Knowing)
    # Risk assessments never done, per workstream shown and combined.
    risk: list[RiskFigures] = field(default_factory=list)
    command: str = "backlog"


def backlog_answer(
    store: Store,
    as_of: date,
    workstream: str,
    now: datetime,
    settings: Settings,
    found: Integrity | None = None,  # the integrity as of the date, when already worked out
    revised: bool = False,
) -> BacklogAnswer:
    """The backlog as known on ``as_of`` (the latest case extract taken by then), or, revised,
    as the store knows that date now; with any figure later extracts have changed since."""
    at = vintage_of(store, as_of, settings, revised)
    known = as_known(store, at)
    figures = backlog(known, as_of, workstream)
    lacking = lacking_risk_columns(store.conn, at.workstreams)
    shown = figures.figures[-1]
    then = {"outstanding": shown.outstanding, "reviewed": shown.reviewed}
    now_known = None
    if "cases" in at.behind:
        latest = workstream_figures(store.conn, as_of)[workstream]
        now_known = {"outstanding": latest.outstanding, "reviewed": latest.reviewed}
    return BacklogAnswer(
        as_of=as_of,
        backlog=figures,
        source=at.known["cases"],
        missing_from_latest=(found or integrity(store, as_of)).missing_now,
        known=knowing(at, "cases", then, now_known),
        risk=risk_assessments(known.conn, as_of, lacking, workstream),
    )


@dataclass(frozen=True)
class BacklogOptions:
    workstream: str = ALL  # "all", or one workstream


_WORKSTREAM_WORDS = {**WORKSTREAM_WORDS, "all": ALL, "both": ALL}


def _parse(rest: str) -> BacklogOptions:
    if not rest:
        return BacklogOptions()
    workstream = _WORKSTREAM_WORDS.get(normalise_name(rest))
    if workstream is None:
        raise UsageError(f'"{rest}" is not a workstream: use da or cp.', "backlog")
    return BacklogOptions(workstream)


def _words(options: BacklogOptions) -> list[str]:
    return [] if options.workstream == ALL else [options.workstream]


def _workstreams(query: Query, result: BacklogAnswer) -> list[Switch]:
    """All, or one workstream: a button each."""
    shown = [(ALL, "All"), *WORKSTREAM_LABELS.items()]
    choices = [Choice(name, label, BacklogOptions(name)) for name, label in shown]
    chosen = [name for name, _ in shown].index(query.options.workstream)
    return [Switch(choices, chosen)]


COMMANDS.register(
    Command(
        name="backlog",
        syntax="[da|cp] [as of YYYY-MM-DD [revised]]",
        summary="outstanding reviews, progress and projection",
        examples=("/backlog", "/backlog da", "/backlog cp as of 30/06/2020"),
        options=BacklogOptions,
        parse=_parse,
        words=_words,
        answer=lambda store, q, now, settings: backlog_answer(
            store, q.as_of, q.options.workstream, now, settings, revised=q.revised
        ),
        answer_types=(BacklogAnswer,),
        rank=10,
        switches=_workstreams,
    )
)
