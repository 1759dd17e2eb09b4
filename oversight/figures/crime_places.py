"""Where recorded crime is: the forces the store holds (named forgivingly: ``gmp``, ``btp``,
``merseyside``), and the areas of a force (a local authority, or one neighbourhood, an LSOA)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta

from oversight.extracts.street_format import force_slug
from oversight.figures.crime_gaps import FIRST_MONTH, month_after, months_apart


def _words(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").replace("_", " ").split())


@dataclass(frozen=True)
class ForceHeld:
    """A force the store holds recorded crime for, and its latest month ended by the date."""

    force: str
    latest_month: str | None


@dataclass(frozen=True)
class Area:
    """The part of a force an answer covers: a local authority, or one neighbourhood (LSOA)."""

    kind: str  # "local authority" or "neighbourhood"
    name: str  # "Manchester", or "Manchester 054C"
    code: str | None = None  # the LSOA code of a neighbourhood


@dataclass(frozen=True)
class NotPublished:
    """A force whose latest month is more than CRIME_PUBLICATION_LAG_MONTHS before the date's."""

    latest_month: str  # the last month it published
    first_missing: str
    missing: int  # months from the first missing to the date's month
    lag_months: int  # the usual delay allowed


def publication_gaps(
    conn: sqlite3.Connection, as_of: date, lag_months: int
) -> dict[str, NotPublished]:
    """The forces that have stopped publishing by ``as_of``: whose latest month with a file is
    more than ``lag_months`` before the date's month."""
    this_month = f"{as_of:%Y-%m}"
    gaps = {}
    for force, newest in conn.execute(
        "SELECT force, max(month) FROM crime_files WHERE month BETWEEN ? AND ? GROUP BY force",
        (FIRST_MONTH, this_month),
    ):
        behind = months_apart(newest, this_month)
        if behind > lag_months:
            gaps[force] = NotPublished(newest, month_after(newest), behind, lag_months)
    return gaps


def forces(conn: sqlite3.Connection) -> list[str]:
    return [f for (f,) in conn.execute("SELECT DISTINCT force FROM crime_files ORDER BY force")]


def _initials(name: str) -> str:
    """ "Greater Manchester Police" -> "gmp"; "Police Service of Northern Ireland" -> "psni"."""
    return "".join(w[0] for w in _words(name).split() if w not in ("of", "the", "and"))


def force_named(known: list[str], wanted: str) -> str | None:
    """The force of ``known`` that ``wanted`` names: its name, its file-name form, its initials
    (``gmp``, ``btp``) or a part of its name that no other force shares (``merseyside``)."""
    words = _words(wanted)
    if not words:
        return None
    for test in (
        lambda f: _words(f) == words or force_slug(f) == force_slug(wanted),
        lambda f: _initials(f) == words.replace(" ", ""),
        lambda f: f" {words} " in f" {_words(f)} ",
    ):
        found = [f for f in known if test(f)]
        if len(found) == 1:
            return found[0]
    return None


def resolve_force(known: list[str], wanted: str) -> tuple[str | None, str | None]:
    """The force to answer for, and else why not: ``wanted`` (the command's words, or
    OVERSIGHT_FORCE), or the only force in the store."""
    if wanted:
        if (found := force_named(known, wanted)) is not None:
            return found, None
        return None, f"The store has no crime data for {wanted}."
    if len(known) == 1:
        return known[0], None
    if not known:
        return None, "No street-level crime files have been imported: oversight import crimes PATH."
    return None, (
        f"The store holds crime data for {len(known)} forces: name one (/crime force "
        f"{_initials(known[0])}), or set OVERSIGHT_FORCE."
    )


def last_ended_month(as_of: date) -> str:
    """The latest month that had ended by ``as_of``: a month's file counts crimes to its last
    day."""
    this_month = f"{as_of:%Y-%m}"
    return this_month if (as_of + timedelta(days=1)).day == 1 else month_after(this_month, -1)


def forces_held(conn: sqlite3.Connection, as_of: date) -> list[ForceHeld]:
    ended = last_ended_month(as_of)
    return [
        ForceHeld(force, latest)
        for force, latest in conn.execute(
            "SELECT force, max(CASE WHEN month BETWEEN ? AND ? THEN month END) FROM crime_files "
            "GROUP BY force ORDER BY force",
            (FIRST_MONTH, ended),
        )
    ]


def area_named(conn: sqlite3.Connection, force: str, wanted: str) -> Area | None:
    """The area of ``force`` that ``wanted`` names: an LSOA code or name, or a local authority
    (any case); None when its files name none such."""
    words = _words(wanted)
    row = conn.execute(
        "SELECT lsoa_code, lsoa_name FROM crime_areas WHERE force = ? AND "
        "(lower(lsoa_code) = ? OR lower(lsoa_name) = ?) LIMIT 1",
        (force, words, words),
    ).fetchone()
    if row is not None:
        return Area("neighbourhood", row[1], row[0])
    row = conn.execute(
        "SELECT local_authority FROM crime_areas WHERE force = ? AND lower(local_authority) = ? "
        "LIMIT 1",
        (force, words),
    ).fetchone()
    return Area("local authority", row[0]) if row is not None else None
