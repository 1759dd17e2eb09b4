"""``/backlog``: outstanding reviews per workstream and combined, progress and projection."""

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
from oversight.figures.backlog import ALL, Backlog, backlog
from oversight.figures.freshness import LastImport
from oversight.figures.integrity import Integrity, integrity
from oversight.settings import Settings
from oversight.store import Store
from oversight.values import WORKSTREAM_LABELS, WORKSTREAM_WORDS, normalise_name


@answer_model
@dataclass(frozen=True)
class BacklogAnswer:
    as_of: date
    backlog: Backlog
    source: LastImport | None
    missing_from_latest: int = 0  # records the latest extracts no longer hold, still counted
    command: str = "backlog"


def backlog_answer(
    store: Store,
    as_of: date,
    workstream: str,
    now: datetime,
    settings: Settings,
    found: Integrity | None = None,  # the integrity as of the date, when already worked out
) -> BacklogAnswer:
    figures = backlog(store, as_of, workstream)
    source = sources(store, now, settings)["cases"]
    missing = (found or integrity(store, as_of)).missing_now
    return BacklogAnswer(as_of=as_of, backlog=figures, source=source, missing_from_latest=missing)


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
        syntax="[da|cp] [as of YYYY-MM-DD]",
        summary="outstanding reviews, progress and projection",
        examples=("/backlog", "/backlog da", "/backlog cp as of 30/06/2020"),
        options=BacklogOptions,
        parse=_parse,
        words=_words,
        answer=lambda store, q, now, settings: backlog_answer(
            store, q.as_of, q.options.workstream, now, settings
        ),
        answer_types=(BacklogAnswer,),
        rank=10,
        switches=_workstreams,
    )
)
