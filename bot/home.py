"""The Home tab: a private overview for each allowed person, rebuilt when the data changes.

When someone opens the app's Home tab, Slack sends ``app_home_opened`` and the bot publishes
(``views.publish``) the overview of ``/oversight home`` for them, or, for anyone who may not
see figures, a view that says so and whom to ask, with no figure in it. Who has been shown a
Home tab, and the data it was built from, is kept in the store (``home_tabs``); after every
import and every digest each of them is rebuilt once, so that no Home tab is older than the
data. Each publication is audited.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.access import AccessPolicy, Decision
from oversight.answers import answer, parse_command
from oversight.answers.overview import data_version
from oversight.audit import AuditEntry
from oversight.render.blocks import Block, context, header, section
from oversight.render.overview import render_home
from oversight.settings import Settings
from oversight.slack.plumbing import describe_failure
from oversight.store import DatabaseFault, Store

log = logging.getLogger(__name__)

HOME = "/oversight home"  # the question a Home tab answers
OPENED = "opened"


def refusal_view(decision: Decision) -> dict[str, object]:
    """The Home tab of someone who may not see figures: why, and whom to ask; no figure."""
    blocks: list[Block] = [
        header("Oversight"),
        section(f":no_entry: {decision.reason}"),
        context("This app shows the recovery figures only to the people allowed to see them."),
    ]
    return {"type": "home", "blocks": blocks}


@dataclass
class HomeTabs:
    settings: Settings
    store: Store
    access: AccessPolicy
    client: WebClient
    audit: Callable[[AuditEntry], None]

    def opened(self, user_id: str) -> None:
        """Someone opened the Home tab: publish theirs, built now."""
        self._publish(user_id, OPENED)

    def refresh(self) -> int:
        """Rebuild once each Home tab built from older data than the store holds now; how many.

        A Home tab is claimed in the store before it is published, so that two bots (or a
        refresh and an opening at once) publish it once.
        """
        version = data_version(self.store)
        stale = self.store.conn.execute(
            "SELECT user_id FROM home_tabs WHERE data_version IS NOT ? ORDER BY user_id",
            (version,),
        ).fetchall()
        published = 0
        for (user_id,) in stale:
            with self.store.write() as conn:
                claimed = conn.execute(
                    "UPDATE home_tabs SET data_version = ? WHERE user_id = ? "
                    "AND data_version IS NOT ?",
                    (version, user_id, version),
                ).rowcount
            if claimed and self._publish(user_id, "rebuilt after an import or a digest"):
                published += 1
        return published

    def _publish(self, user_id: str, why: str) -> bool:
        now = self.settings.clock.now()
        version = data_version(self.store)
        # A rebuild asks Slack afresh whether the person is still allowed: it pushes new
        # figures to someone who did not ask for them just now.
        decision = self.access.check(user_id, None, fresh=why != OPENED)
        entry = {"user_id": user_id, "channel_id": None, "command": "home", "text": None}
        try:
            if decision.allowed:
                result = answer(self.store, parse_command(HOME), now, self.settings)
                view: dict[str, object] = {"type": "home", "blocks": render_home(result)[1]}
                outcome, detail = "answered", f"Home tab {why}"
            else:
                view = refusal_view(decision)
                outcome, detail = "refused", decision.reason
            self.client.views_publish(user_id=user_id, view=view)
        except Exception as error:  # Slack refused it or could not be reached; or a fault
            outcome, detail = "error", describe_failure(error)
            log.warning("Could not publish a Home tab: %s", detail)
            version = None  # built from no data: the next refresh tries again
        self._remember(user_id, now.isoformat(timespec="seconds"), version, why == OPENED)
        self._audit(entry, outcome, detail)
        return version is not None

    def _remember(self, user_id: str, moment: str, version: str | None, opened: bool) -> None:
        try:
            with self.store.write() as conn:
                conn.execute(
                    "INSERT INTO home_tabs (user_id, opened_at, published_at, data_version) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
                    "published_at = excluded.published_at, data_version = excluded.data_version,"
                    " opened_at = CASE WHEN ? THEN excluded.opened_at ELSE opened_at END",
                    (user_id, moment, moment, version, opened),
                )
        except DatabaseFault as fault:  # locked by a long import: rebuilt at a later refresh
            log.warning("Could not record a Home tab: %s", fault)

    def _audit(self, entry: dict[str, object], outcome: str, detail: str | None) -> None:
        at = self.settings.clock.now()
        self.audit(AuditEntry(at=at, outcome=outcome, detail=detail, **entry))


class Refresher:
    """Calls ``refresh`` every ``seconds`` in a thread of its own, until stopped."""

    def __init__(self, refresh: Callable[[], object], seconds: float) -> None:
        self._refresh = refresh
        self._seconds = seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="home-refresh", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(self._seconds + 10)

    def _run(self) -> None:
        while not self._stop.wait(self._seconds):
            try:
                self._refresh()
            except Exception as error:  # a locked or faulty database: try again next time
                log.warning("Could not rebuild the Home tabs: %s", type(error).__name__)
