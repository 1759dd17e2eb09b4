"""Published figures: what a digest said when it was sent, kept in the ledger, and how the same
digest made again differs from it (README: "Published figures").

A digest is made as known on its date, so it comes out the same later unless an extract taken
by that date was imported after it was sent (or the store was changed by hand): then the
differences are listed, with the imports that explain them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from oversight import ledger
from oversight.answers.digest import DIGEST_JOB, digest_period
from oversight.errors import UserError
from oversight.figures.vintage import taken_sql
from oversight.ledger import LedgerEntry
from oversight.store import Store

_PERIOD = re.compile(r"\d{4}-W\d{2}")


@dataclass(frozen=True)
class Difference:
    path: str  # where in the answer model, e.g. "backlog.figures[2].outstanding"
    then: object  # as sent
    now: object  # as made again


@dataclass(frozen=True)
class LateImport:
    """An extract taken by the digest's date but imported after the digest was sent."""

    import_id: int
    kind: str
    file_name: str
    taken: date
    imported_at: datetime


@dataclass(frozen=True)
class Published:
    """The digest sent for a week, beside the same digest made again."""

    entry: LedgerEntry
    as_of: date | None  # the date the sent digest was as of (None: its figures were not kept)
    differences: list[Difference] = field(default_factory=list)
    late: list[LateImport] = field(default_factory=list)
    compared: bool = False  # False: its figures were not kept, or it was as of another date

    @property
    def kept(self) -> bool:
        return self.entry.figures is not None

    @property
    def same(self) -> bool:
        return self.compared and not self.differences


def period_named(text: str) -> str:
    """The digest period a person named: an ISO week (2020-W28) or any date in it."""
    text = text.strip()
    if _PERIOD.fullmatch(text.upper()):
        return text.upper()
    try:
        return digest_period(date.fromisoformat(text))
    except ValueError:
        raise UserError(
            f'"{text}" is not a digest period: give the week as 2020-W28, or a date in it.'
        ) from None


def sent_digest(store: Store, period: str) -> LedgerEntry:
    """The digest sent for ``period``, or one sentence saying which were sent."""
    entry = ledger.sent(store, DIGEST_JOB, period)
    if entry is not None:
        return entry
    sent = [e.period for e in ledger.history(store, DIGEST_JOB) if e.state == "sent"]
    listed = ", ".join(sorted(sent)[-8:]) if sent else "none yet"
    raise UserError(f"No digest was sent for {period} (sent: {listed}).")


def compare(entry: LedgerEntry, now: dict, store: Store) -> Published:
    """The sent digest ``entry`` beside ``now``, the same digest made again (as plain data)."""
    if entry.figures is None:
        return Published(entry, None)
    then = json.loads(entry.figures)
    as_of = date.fromisoformat(then["as_of"])
    if now.get("as_of") != then["as_of"]:
        return Published(entry, as_of)
    differences = [
        Difference(path, a, b)
        for path, (a, b) in _paired(_flat(then), _flat(now)).items()
        if a != b
    ]
    late = late_imports(store, as_of, entry.sent_at)
    return Published(entry, as_of, differences, late, compared=True)


def late_imports(store: Store, as_of: date, sent_at: datetime | None) -> list[LateImport]:
    """Extracts taken by ``as_of`` but imported after ``sent_at``."""
    if sent_at is None:
        return []
    rows = store.conn.execute(
        f"SELECT id, kind, file_name, {taken_sql()}, "
        f"imported_at FROM imports WHERE {taken_sql()} "
        "<= ? ORDER BY id",
        (as_of.isoformat(),),
    )
    late = []
    for import_id, kind, name, taken, at in rows:
        imported_at = datetime.fromisoformat(at)
        if imported_at > sent_at:
            late.append(LateImport(import_id, kind, name, date.fromisoformat(taken), imported_at))
    return late


def _flat(value: object, path: str = "") -> dict[str, object]:
    """Every leaf of plain JSON data by its path."""
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for key, item in value.items():
            out.update(_flat(item, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, list):
        out = {f"{path}.length": len(value)}
        for i, item in enumerate(value):
            out.update(_flat(item, f"{path}[{i}]"))
        return out
    return {path: value}


def _paired(then: dict[str, object], now: dict[str, object]) -> dict[str, tuple[object, object]]:
    return {path: (then.get(path), now.get(path)) for path in {**then, **now}}
