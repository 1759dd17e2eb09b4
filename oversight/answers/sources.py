"""Where an answer's figures came from: the last import of each kind of extract, and whether it
is stale, for the footer of every answer."""

from __future__ import annotations

from datetime import datetime

from oversight.figures.freshness import LastImport, freshness
from oversight.importing.kinds import KINDS
from oversight.settings import Settings
from oversight.store import Store


def sources(store: Store, now: datetime, settings: Settings) -> dict[str, LastImport | None]:
    """The last import of every declared kind (None: never imported), then any other kind the
    import history holds (a newer oversight's)."""
    return freshness(store, now, settings.stale_after_days, KINDS.names())
