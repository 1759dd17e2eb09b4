"""How an answer's figures were known: the extracts they come from (as the store knew them on
the answer's date, or, revised, as it knows them now), and whether later extracts have changed
them since (README: "As of a date")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from oversight.figures.vintage import LastImport, Vintage, as_known, vintage
from oversight.importing.kinds import KINDS
from oversight.settings import Settings
from oversight.store import Store

__all__ = ["Knowing", "LastImport", "Revision", "as_known", "knowing", "vintage_of"]


def vintage_of(store: Store, as_of: date, settings: Settings, revised: bool = False) -> Vintage:
    """What the store knew on ``as_of`` of every declared kind (and of any other kind it holds,
    a newer oversight's); ``revised``: what it knows of that date now."""
    own: dict[str, int | None] = {
        k.name: k.stale_after_days if k.judged_by_age else None
        for k in KINDS
        if k.stale_after_days is not None or not k.judged_by_age
    }
    return vintage(store, as_of, KINDS.names(), settings.stale_after_days, revised, own)


@dataclass(frozen=True)
class Revision:
    """A figure that later extracts have changed since the answer's date."""

    figure: str  # what it counts, in words: "outstanding"
    known_then: int  # as known on the date
    known_now: int  # as the store knows it now
    latest: LastImport  # the latest extract it is known from now


@dataclass(frozen=True)
class Knowing:
    """How an answer's figures were known."""

    revised: bool = False  # today's knowledge of the date, not what was known on it
    # When no extract had been taken by the date: the first taken since, if any.
    first_since: LastImport | None = None
    # The import whose state the figures read, when the date is before the store kept versions
    # (it was upgraded later): what was known on the date itself is not kept.
    not_kept_from: LastImport | None = None
    revisions: list[Revision] = field(default_factory=list)


def knowing(at: Vintage, kind: str, then: dict[str, int], now: dict[str, int] | None) -> Knowing:
    """How figures of ``kind`` were known at the vintage ``at``: ``then`` the headline figures
    as known then, ``now`` as known now (None when they are the same by construction)."""
    not_kept = at.not_kept.get(kind)
    revisions = []
    # Nothing known on the date is nothing revised: the answer says which extract came first.
    if now is not None and not at.revised and at.known.get(kind) is not None:
        latest = at.latest.get(kind)
        for figure, value in then.items():
            if latest is not None and now.get(figure, value) != value:
                revisions.append(Revision(figure, value, now[figure], latest))
    first = first_since(at, kind)
    return Knowing(at.revised, first, not_kept, revisions)


def first_since(at: Vintage, kind: str) -> LastImport | None:
    """The latest extract of ``kind`` now, when none had been taken by the vintage's date."""
    return at.latest.get(kind) if at.known.get(kind) is None else None


def first_since_each(at: Vintage) -> dict[str, LastImport]:
    """For each kind no extract of which had been taken by the date, the latest taken since."""
    return {kind: latest for kind in at.known if (latest := first_since(at, kind)) is not None}
