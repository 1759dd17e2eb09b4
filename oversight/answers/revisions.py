"""``oversight revisions``: every week's headline figures as first known and as known now, and
the case extracts that moved them (README: "Revisions")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from oversight.answers.commands import answer_model
from oversight.figures.revisions import RevisionTriangle, revision_triangle
from oversight.figures.vintage import taken_sql
from oversight.store import Store


@answer_model
@dataclass(frozen=True)
class RevisionsAnswer:
    as_of: date  # as known on this date
    triangle: RevisionTriangle
    command: str = "revisions"


def revisions(store: Store, as_of: date, since: date | None = None) -> RevisionsAnswer:
    """The revision triangle as known on ``as_of``, for every week-end from ``since`` (default:
    the day the first case extract was taken)."""
    if since is None:
        (first,) = store.conn.execute(
            f"SELECT min({taken_sql()}) FROM imports WHERE kind = 'cases'"
        ).fetchone()
        since = date.fromisoformat(first) if first else as_of
    return RevisionsAnswer(as_of, revision_triangle(store, since, as_of))
