"""The commands, each declared once: its name, words, help, parser and the function answering it.

``oversight ask``, the Slack bot's listeners, ``/oversight help``, the Slack app manifest's
check and the README's check all derive from :data:`COMMANDS`. The command line and the bot
share one parser, so they accept exactly the same words:
``/backlog da as of 30/06/2020``, ``/deadlines 7``, ``/ons-status``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime

from oversight import answers
from oversight.errors import UserError
from oversight.registry import Registry
from oversight.store import Store
from oversight.values import WORKSTREAM_WORDS, normalise_name, parse_date

DEFAULT_DEADLINE_DAYS = answers.DEFAULT_DEADLINE_DAYS
MAX_DEADLINE_DAYS = 366
OVERSIGHT_TOPICS = ("help", "status", "home", "whoami")
# The figures look back 13 weeks and ahead up to a year: far beyond these, date arithmetic fails.
EARLIEST_AS_OF, LATEST_AS_OF = date(1900, 1, 1), date(2999, 12, 31)


@dataclass(frozen=True)
class Query:
    """What someone asked: the command and the options its words gave."""

    command: str
    workstream: str = "all"
    dataset: str | None = None
    crime_type: str | None = None  # /crime: one crime type, as data.police.uk names it
    days: int = DEFAULT_DEADLINE_DAYS
    topic: str = "help"
    as_of: date | None = None  # None: today
    share: bool = False  # post in the channel rather than only to the asker

    def text(self) -> str:
        """The words that ask this again, as typed (``/backlog da as of 2020-06-30``): what a
        button carries, so that a click answers the same question."""
        words = [f"/{self.command}"]
        if self.command == "backlog" and self.workstream != "all":
            words.append(self.workstream)
        elif self.command == "crime" and self.crime_type:
            words.append(self.crime_type)
        elif self.command == "ons-status" and self.dataset:
            words.append(self.dataset)
        elif self.command == "deadlines" and self.days != DEFAULT_DEADLINE_DAYS:
            words.append(str(self.days))
        elif self.command == "oversight":
            words.append(self.topic)
        if self.as_of is not None and COMMANDS[self.command].dated:
            words.append(f"as of {self.as_of.isoformat()}")
        return " ".join(words)


AnswerFunction = Callable[[Store, Query, datetime, int], "answers.Answer"]


@dataclass(frozen=True)
class Command:
    """One command, as typed in Slack (``/NAME``) or given to ``oversight ask``."""

    name: str
    syntax: str  # the words it takes, after /NAME: "[da|cp] [as of YYYY-MM-DD]"
    summary: str  # what it answers, in a few words (help, usage, the manifest)
    examples: tuple[str, ...]
    parse: Callable[[Query, str], Query]  # the words left once "as of" and "share" are read
    answer: AnswerFunction
    answer_types: tuple[type, ...]  # every answer model it can return
    dated: bool = True  # "as of DATE" applies
    shareable: bool = True  # "share" posts the answer in an allowed channel

    @property
    def slash(self) -> str:
        return f"/{self.name}"

    @property
    def usage(self) -> str:
        return f"{self.slash} {self.syntax} — {self.summary}"

    @property
    def usage_hint(self) -> str:
        """The words as Slack shows them while typing (the manifest's usage_hint)."""
        return self.syntax + (" [share]" if self.shareable else "")


COMMANDS: Registry[Command] = Registry("command", lambda command: command.name)


class UsageError(UserError):
    """Words a command does not understand: answered with a short usage text."""

    def __init__(self, problem: str, command: str | None = None) -> None:
        self.problem = problem
        self.command = command
        super().__init__(problem)

    def usage(self) -> str:
        shown = [COMMANDS[self.command]] if self.command else list(COMMANDS)
        return "\n".join([self.problem, "Usage:", *(f"  {c.usage}" for c in shown)])


_AS_OF = re.compile(r"\bas[\s-]of\s+(\S+)", re.IGNORECASE)


def parse_command(command: str, text: str = "") -> Query:
    """Parse a slash command and its text; ``command`` may carry the text after it."""
    command = command.strip()
    if " " in command:
        command, rest = command.split(None, 1)
        text = f"{rest} {text}"
    name = command.lstrip("/").lower()
    declared = COMMANDS.get(name)
    if declared is None:
        raise UsageError(f'"{command}" is not a command oversight knows.')
    text = " ".join(text.split())
    as_of = None
    match = _AS_OF.search(text)
    if match:
        try:
            as_of = parse_date(match.group(1))
        except ValueError as error:
            raise UsageError(f"{error}: use YYYY-MM-DD or DD/MM/YYYY.", name) from None
        text = (text[: match.start()] + text[match.end() :]).strip()
    words = text.split()
    share = any(w.lower() == "share" for w in words)
    rest = " ".join(w for w in words if w.lower() != "share")
    return declared.parse(Query(command=name, as_of=as_of, share=share), rest)


def answer(store: Store, query: Query, now: datetime, stale_after_days: int) -> answers.Answer:
    """The answer model for ``query``, as of its date (or today, from ``now``).

    Pure: reads the store, writes nothing. Raises :class:`UsageError` for a date out of range.
    """
    command = COMMANDS[query.command]
    as_of = query.as_of or now.date()
    if command.dated and not EARLIEST_AS_OF <= as_of <= LATEST_AS_OF:
        raise UsageError(
            f"{as_of.isoformat()} is out of range: give an as-of date from "
            f"{EARLIEST_AS_OF.year} to {LATEST_AS_OF.year}.",
            query.command,
        )
    return command.answer(store, replace(query, as_of=as_of), now, stale_after_days)


# --- the built-in commands ------------------------------------------------------------------

_WORKSTREAM_WORDS = {**WORKSTREAM_WORDS, "all": "all", "both": "all"}


def _parse_backlog(base: Query, rest: str) -> Query:
    if not rest:
        return base
    workstream = _WORKSTREAM_WORDS.get(normalise_name(rest))
    if workstream is None:
        raise UsageError(f'"{rest}" is not a workstream: use da or cp.', "backlog")
    return replace(base, workstream=workstream)


def _parse_dataset(base: Query, rest: str) -> Query:
    return replace(base, dataset=rest or None)


def _parse_days(base: Query, rest: str) -> Query:
    if not rest:
        return base
    # isdecimal, not isdigit: int() refuses "²"; and a number too long for int() is refused too.
    if not rest.isdecimal() or len(rest) > 9 or not 1 <= int(rest) <= MAX_DEADLINE_DAYS:
        raise UsageError(
            f'"{rest}" is not a number of days from 1 to {MAX_DEADLINE_DAYS}.', "deadlines"
        )
    return replace(base, days=int(rest))


def _parse_nothing(base: Query, rest: str) -> Query:
    if rest:
        raise UsageError(f'"{rest}" is not something /{base.command} takes.', base.command)
    return base


def _parse_topic(base: Query, rest: str) -> Query:
    topic = rest.lower() or "help"
    if topic not in OVERSIGHT_TOPICS:
        raise UsageError(f'"{rest}" is not something /oversight answers.', "oversight")
    return replace(base, topic=topic)


def _answer_oversight(
    store: Store, query: Query, now: datetime, stale_after_days: int
) -> answers.StatusAnswer | answers.HelpAnswer | answers.HomeAnswer:
    if query.topic == "status":
        return answers.status(store, now, stale_after_days)
    if query.topic == "home":
        as_of = query.as_of or now.date()
        return answers.home_answer(store, as_of, _configured_force(), now, stale_after_days)
    if query.topic == "help":
        return answers.HelpAnswer(
            as_of=query.as_of or now.date(),
            usage={c.name: c.usage for c in COMMANDS},
            examples={c.name: list(c.examples) for c in COMMANDS},
        )
    raise UsageError(f'"/oversight {query.topic}" is answered only in Slack.', "oversight")


COMMANDS.register(
    Command(
        name="backlog",
        syntax="[da|cp] [as of YYYY-MM-DD]",
        summary="outstanding reviews, progress and projection",
        examples=("/backlog", "/backlog da", "/backlog cp as of 30/06/2020"),
        parse=_parse_backlog,
        answer=lambda store, q, now, stale: answers.backlog_answer(
            store, q.as_of, q.workstream, now, stale
        ),
        answer_types=(answers.BacklogAnswer,),
    )
)
COMMANDS.register(
    Command(
        name="ons-status",
        syntax="[dataset] [as of YYYY-MM-DD]",
        summary="crime-data returns: overdue, excluded, next due",
        examples=("/ons-status", "/ons-status crime"),
        parse=_parse_dataset,
        answer=lambda store, q, now, stale: answers.returns_answer(
            store, q.as_of, q.dataset, now, stale
        ),
        answer_types=(answers.ReturnsAnswer,),
    )
)
COMMANDS.register(
    Command(
        name="deadlines",
        syntax="[DAYS] [as of YYYY-MM-DD]",
        summary=f"open deadlines in the next DAYS (default {DEFAULT_DEADLINE_DAYS}) and "
        "overdue ones",
        examples=("/deadlines", "/deadlines 30"),
        parse=_parse_days,
        answer=lambda store, q, now, stale: answers.deadlines_answer(
            store, q.as_of, q.days, now, stale
        ),
        answer_types=(answers.DeadlinesAnswer,),
    )
)
COMMANDS.register(
    Command(
        name="integrity",
        syntax="[as of YYYY-MM-DD]",
        summary="records lost or changed by the latest case extract, and the trend",
        examples=("/integrity", "/integrity as of 30/06/2020"),
        parse=_parse_nothing,
        answer=lambda store, q, now, stale: answers.integrity_answer(store, q.as_of, now, stale),
        answer_types=(answers.IntegrityAnswer,),
    )
)


def _parse_crime_type(base: Query, rest: str) -> Query:
    if not rest:
        return base
    from oversight.figures.crime import crime_type_named

    crime_type = crime_type_named(rest)
    if crime_type is None:
        raise UsageError(
            f'"{rest}" is not a crime type: try violence, burglary, robbery, shoplifting, '
            "drugs, vehicle, asb.",
            "crime",
        )
    return replace(base, crime_type=crime_type)


def _configured_force() -> str:
    """OVERSIGHT_FORCE: the force /crime answers for (empty: the only one in the store)."""
    from oversight.settings import configured_force

    return configured_force()


COMMANDS.register(
    Command(
        name="crime",
        syntax="[type] [as of YYYY-MM-DD]",
        summary="recorded crime by month from data.police.uk's files, and the gaps in them",
        examples=("/crime", "/crime violence", "/crime asb as of 31/12/2019"),
        parse=_parse_crime_type,
        answer=lambda store, q, now, stale: answers.crime_answer(
            store, q.as_of, q.crime_type, _configured_force(), now, stale
        ),
        answer_types=(answers.CrimeAnswer,),
    )
)
COMMANDS.register(
    Command(
        name="oversight",
        syntax="[help|status|home|whoami]",
        summary="what each command does, data freshness, your overview (as on the Home tab), "
        "access",
        examples=("/oversight help", "/oversight status", "/oversight home"),
        parse=_parse_topic,
        answer=_answer_oversight,
        answer_types=(answers.StatusAnswer, answers.HelpAnswer, answers.HomeAnswer),
        dated=False,
        shareable=False,
    )
)
