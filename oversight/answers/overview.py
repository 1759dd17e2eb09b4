"""``/oversight``: help, the store's status, the overview of the Home tab, and whoami."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from oversight.answers.backlog import BacklogAnswer, backlog_answer
from oversight.answers.commands import COMMANDS, Command, Query, UsageError, answer_model
from oversight.answers.crime import CrimeAnswer, CrimeOptions, crime_answer
from oversight.answers.deadlines import DEFAULT_DEADLINE_DAYS, DeadlinesAnswer, deadlines_answer
from oversight.answers.digest import DIGEST_JOB
from oversight.answers.integrity import IntegrityAnswer, integrity_answer
from oversight.answers.returns import ReturnsAnswer, returns_answer
from oversight.answers.sources import vintage_of
from oversight.answers.violence import ViolenceAnswer, ViolenceOptions, violence_answer
from oversight.figures.vintage import LastImport
from oversight.importing.kinds import KINDS
from oversight.schema import CURRENT_VERSION
from oversight.settings import Settings
from oversight.store import Store, readable_by_others

OVERSIGHT_TOPICS = ("help", "status", "home", "whoami")


def tables() -> dict[str, str]:
    """The tables whose rows ``status`` counts, with what their rows are."""
    return {
        **{kind.table: kind.row_label for kind in KINDS},
        "imports": "imports",
        "audit_log": "audit log entries",
    }


@answer_model
@dataclass(frozen=True)
class StatusAnswer:
    as_of: date
    database: str
    schema_version: int
    rows: dict[str, int]
    sources: dict[str, LastImport | None]
    readable_by_others: list[str] = field(default_factory=list)  # the database's files
    command: str = "status"

    @property
    def stale_kinds(self) -> list[str]:
        return [k for k, s in self.sources.items() if s is None or s.stale]


@answer_model
@dataclass(frozen=True)
class HomeAnswer:
    """The overview on a person's Home tab in Slack (and ``/oversight home``): the answers of
    the commands, as of one date, with the freshness of each kind of data."""

    as_of: date
    backlog: BacklogAnswer
    integrity: IntegrityAnswer
    returns: ReturnsAnswer
    deadlines: DeadlinesAnswer
    crime: CrimeAnswer
    sources: dict[str, LastImport | None]
    violence: ViolenceAnswer | None = None  # shown short: police violence, hospital, knives
    command: str = "home"


@answer_model
@dataclass(frozen=True)
class HelpAnswer:
    as_of: date
    usage: dict[str, str]
    examples: dict[str, list[str]]
    command: str = "help"


def home_answer(store: Store, as_of: date, now: datetime, settings: Settings) -> HomeAnswer:
    """Each command's answer as of ``as_of``, as its command gives it with no words."""
    checked = integrity_answer(store, as_of, now, settings)
    return HomeAnswer(
        as_of=as_of,
        backlog=backlog_answer(store, as_of, "all", now, settings, checked.integrity),
        integrity=checked,
        returns=returns_answer(store, as_of, None, now, settings),
        deadlines=deadlines_answer(store, as_of, DEFAULT_DEADLINE_DAYS, now, settings),
        crime=crime_answer(store, as_of, CrimeOptions(), now, settings),
        sources=vintage_of(store, as_of, settings).known,
        violence=violence_answer(store, as_of, ViolenceOptions(), now, settings),
    )


def data_version(store: Store) -> str:
    """Changes whenever an import or a digest lands: what a Home tab was built from."""
    imported, digests = store.conn.execute(
        "SELECT (SELECT coalesce(max(id), 0) FROM imports), "
        "(SELECT count(*) FROM digest_ledger WHERE job = ? AND state = 'sent')",
        (DIGEST_JOB,),
    ).fetchone()
    return f"{imported}.{digests}"


def status(store: Store, now: datetime, settings: Settings) -> StatusAnswer:
    conn = store.conn
    rows = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables()}
    return StatusAnswer(
        as_of=now.date(),
        database=str(Path(store.path).resolve()),
        schema_version=CURRENT_VERSION,
        rows=rows,
        sources=vintage_of(store, now.date(), settings).known,
        readable_by_others=readable_by_others(store.path),
    )


def help_answer(as_of: date) -> HelpAnswer:
    """What each command does, with examples, in the order they are listed."""
    return HelpAnswer(
        as_of=as_of,
        usage={c.name: c.usage for c in COMMANDS},
        examples={c.name: list(c.examples) for c in COMMANDS},
    )


@dataclass(frozen=True)
class OversightOptions:
    topic: str = "help"  # one of OVERSIGHT_TOPICS


def _parse(rest: str) -> OversightOptions:
    topic = rest.lower() or "help"
    if topic not in OVERSIGHT_TOPICS:
        raise UsageError(f'"{rest}" is not something /oversight answers.', "oversight")
    return OversightOptions(topic)


def _answer(
    store: Store, query: Query, now: datetime, settings: Settings
) -> StatusAnswer | HelpAnswer | HomeAnswer:
    topic = query.options.topic
    if topic == "status":
        return status(store, now, settings)
    if topic == "home":
        return home_answer(store, query.as_of or now.date(), now, settings)
    if topic == "help":
        return help_answer(query.as_of or now.date())
    raise UsageError(f'"/oversight {topic}" is answered only in Slack.', "oversight")


COMMANDS.register(
    Command(
        name="oversight",
        syntax="[help|status|home|whoami]",
        summary="what each command does, data freshness, your overview (as on the Home tab), "
        "access",
        examples=("/oversight help", "/oversight status", "/oversight home"),
        options=OversightOptions,
        parse=_parse,
        words=lambda options: [options.topic],
        answer=_answer,
        answer_types=(StatusAnswer, HelpAnswer, HomeAnswer),
        rank=90,
        dated=False,
        shareable=False,
        about_the_asker=lambda options: options.topic == "whoami",
    )
)
