"""The commands, each declared once: its name, words, options, parser and the answer it gives.

``oversight ask``, the Slack bot's listeners and buttons, ``/oversight help``, the Slack app
manifest's check and the README's check all derive from :data:`COMMANDS`. A command's
declaration lives beside its answer model (``oversight/answers/NAME.py``): its options (a
frozen dataclass of its own), how its words are read into them, how they are written back as
words, and which other answers a person may switch to. The command line and the bot share one
parser, so they accept exactly the same words: ``/backlog da as of 30/06/2020``,
``/deadlines 7``, ``/ons-status``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from oversight.errors import UserError
from oversight.registry import Registry
from oversight.values import parse_date

if TYPE_CHECKING:
    from oversight.settings import Settings
    from oversight.store import Store

# The figures look back 13 weeks and ahead up to a year: far beyond these, date arithmetic fails.
EARLIEST_AS_OF, LATEST_AS_OF = date(1900, 1, 1), date(2999, 12, 31)

T = TypeVar("T", bound=type)

# Every answer model (the commands', the digest's, the reminders' and the alarms'): each
# renderer has a rendering of each, and a test walks them all.
ANSWER_TYPES: Registry[type] = Registry("answer model", lambda model: model.__name__)


def answer_model(model: T) -> T:
    """Registers an answer model (a frozen dataclass with ``as_of`` and ``command``)."""
    ANSWER_TYPES.register(model)
    return model


@dataclass(frozen=True)
class Query:
    """What someone asked: the command, the options its words gave, the date and where to show
    it. ``options`` is the command's own options object (see :class:`Command`)."""

    command: str
    options: Any = None  # None: the command's defaults
    as_of: date | None = None  # None: today
    share: bool = False  # post in the channel rather than only to the asker
    revised: bool = False  # today's knowledge of the date, not what was known on it

    def __post_init__(self) -> None:
        if self.options is None:
            object.__setattr__(self, "options", COMMANDS[self.command].options())

    def text(self) -> str:
        """The words that ask this again, as typed (``/backlog da as of 2020-06-30``): what a
        button carries, so that a click answers the same question."""
        command = COMMANDS[self.command]
        words = [command.slash, *command.words(self.options)]
        if self.as_of is not None and command.dated:
            words.append(f"as of {self.as_of.isoformat()}")
        if self.revised and command.dated:
            words.append("revised")
        return " ".join(words)


@dataclass(frozen=True)
class Choice:
    """One of the answers a switch offers: its label, and the options that ask for it."""

    key: str  # what names it in a button's action (workstream name, or a crime type)
    label: str
    options: Any


@dataclass(frozen=True)
class Switch:
    """Other answers to the same question, a click away: buttons, or a menu when ``menu`` names
    its placeholder."""

    choices: list[Choice]
    chosen: int  # which of the choices is the answer shown
    menu: str | None = None


AnswerFunction = Callable[["Store", Query, datetime, "Settings"], Any]


def _no_switches(query: Query, result: object) -> list[Switch]:
    return []


def _never(options: object) -> bool:
    return False


@dataclass(frozen=True)
class Command:
    """One command, as typed in Slack (``/NAME``) or given to ``oversight ask``."""

    name: str
    syntax: str  # the words it takes, after /NAME: "[da|cp] [as of YYYY-MM-DD [revised]]"
    summary: str  # what it answers, in a few words (help, usage, the manifest)
    examples: tuple[str, ...]
    options: type  # its options: a frozen dataclass whose defaults are the command alone
    parse: Callable[[str], Any]  # the words left once "as of" and "share" are read -> options
    words: Callable[[Any], list[str]]  # options -> the words that ask for them again
    answer: AnswerFunction  # (store, query with its date set, now, settings) -> its answer
    answer_types: tuple[type, ...]  # every answer model it can return
    rank: int = 50  # where it is listed (help, the manifest): lower first, then by name
    dated: bool = True  # "as of DATE" applies
    shareable: bool = True  # "share" posts the answer in an allowed channel
    # The other answers a person may switch to under an answer (buttons or a menu).
    switches: Callable[[Query, Any], list[Switch]] = _no_switches
    # Answered by the bot from what it knows of the person asking, not from the store
    # (``/oversight whoami``): only in Slack.
    about_the_asker: Callable[[Any], bool] = _never

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


# Listed by rank, then name, whatever order their modules were loaded in.
COMMANDS: Registry[Command] = Registry(
    "command", lambda command: command.name, order=lambda command: (command.rank, command.name)
)


class UsageError(UserError):
    """Words a command does not understand: answered with a short usage text."""

    def __init__(self, problem: str, command: str | None = None) -> None:
        self.problem = problem
        self.command = command
        super().__init__(problem)

    def usage(self) -> str:
        shown = [COMMANDS[self.command]] if self.command else list(COMMANDS)
        return "\n".join([self.problem, "Usage:", *(f"  {c.usage}" for c in shown)])


def no_words(command: str) -> Callable[[str], None]:
    """The parser of a command that takes no words (but "as of" and "share")."""

    def parse(rest: str) -> None:
        if rest:
            raise UsageError(f'"{rest}" is not something /{command} takes.', command)

    return parse


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
    revised = declared.dated and any(w.lower() == "revised" for w in words)
    kept = [w for w in words if w.lower() != "share" and not (revised and w.lower() == "revised")]
    options = declared.parse(" ".join(kept))
    return Query(command=name, options=options, as_of=as_of, share=share, revised=revised)


def answer(store: Store, query: Query, now: datetime, settings: Settings) -> Any:
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
    return command.answer(store, replace(query, as_of=as_of), now, settings)
