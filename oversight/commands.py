"""Reading what someone typed: ``/backlog da as of 30/06/2020``, ``/deadlines 7``, ``/ons-status``.

The command line and the Slack bot share this parser, so they accept exactly the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from oversight.errors import UserError
from oversight.values import WORKSTREAMS, normalise_name, parse_date

COMMANDS = ("backlog", "ons-status", "deadlines", "oversight")
DEFAULT_DEADLINE_DAYS = 14
MAX_DEADLINE_DAYS = 366
OVERSIGHT_TOPICS = ("help", "status", "whoami")

USAGE = {
    "backlog": "/backlog [da|cp] [as of YYYY-MM-DD] — outstanding reviews, progress and projection",
    "ons-status": "/ons-status [dataset] [as of YYYY-MM-DD] — crime-data returns: overdue, "
    "excluded, next due",
    "deadlines": f"/deadlines [DAYS] [as of YYYY-MM-DD] — open deadlines in the next DAYS "
    f"(default {DEFAULT_DEADLINE_DAYS}) and overdue ones",
    "oversight": "/oversight [help|status|whoami] — what each command does, data freshness, access",
}
EXAMPLES = {
    "backlog": ["/backlog", "/backlog da", "/backlog cp as of 30/06/2020"],
    "ons-status": ["/ons-status", "/ons-status crime"],
    "deadlines": ["/deadlines", "/deadlines 30"],
    "oversight": ["/oversight help", "/oversight status"],
}


class UsageError(UserError):
    """Words a command does not understand: answered with a short usage text."""

    def __init__(self, problem: str, command: str | None = None) -> None:
        self.problem = problem
        self.command = command
        super().__init__(problem)

    def usage(self) -> str:
        lines = [USAGE[self.command]] if self.command else [USAGE[c] for c in COMMANDS]
        return "\n".join([self.problem, "Usage:", *(f"  {line}" for line in lines)])


@dataclass(frozen=True)
class Query:
    command: str
    workstream: str = "all"
    dataset: str | None = None
    days: int = DEFAULT_DEADLINE_DAYS
    topic: str = "help"
    as_of: date | None = None  # None: today
    share: bool = False  # post in the channel rather than only to the asker


_AS_OF = re.compile(r"\bas[\s-]of\s+(\S+)", re.IGNORECASE)
_WORKSTREAM_WORDS = {
    **{name: ws for name, ws in WORKSTREAMS.items()},
    "all": "all",
    "both": "all",
}


def parse_command(command: str, text: str = "") -> Query:
    """Parse a slash command and its text; ``command`` may carry the text after it."""
    command = command.strip()
    if " " in command:
        command, rest = command.split(None, 1)
        text = f"{rest} {text}"
    name = command.lstrip("/").lower()
    if name not in COMMANDS:
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
    words = [w for w in words if w.lower() != "share"]
    rest = " ".join(words)
    base = Query(command=name, as_of=as_of, share=share)
    if name == "backlog":
        return _backlog(base, rest)
    if name == "ons-status":
        return replace(base, dataset=rest or None)
    if name == "deadlines":
        return _deadlines(base, rest)
    return _oversight(base, rest)


def _backlog(base: Query, rest: str) -> Query:
    if not rest:
        return base
    workstream = _WORKSTREAM_WORDS.get(normalise_name(rest))
    if workstream is None:
        raise UsageError(f'"{rest}" is not a workstream: use da or cp.', "backlog")
    return replace(base, workstream=workstream)


def _deadlines(base: Query, rest: str) -> Query:
    if not rest:
        return base
    # isdecimal, not isdigit: int() refuses "²"; and a number too long for int() is refused too.
    if not rest.isdecimal() or len(rest) > 9 or not 1 <= int(rest) <= MAX_DEADLINE_DAYS:
        raise UsageError(
            f'"{rest}" is not a number of days from 1 to {MAX_DEADLINE_DAYS}.', "deadlines"
        )
    return replace(base, days=int(rest))


def _oversight(base: Query, rest: str) -> Query:
    topic = rest.lower() or "help"
    if topic not in OVERSIGHT_TOPICS:
        raise UsageError(f'"{rest}" is not something /oversight answers.', "oversight")
    return replace(base, topic=topic)
