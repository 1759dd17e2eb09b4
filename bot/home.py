"""The Home tab: a private overview for each allowed person, rebuilt when the data changes.

When someone opens the app's Home tab, Slack sends ``app_home_opened`` and the bot publishes
(``views.publish``) the overview of ``/oversight home`` for them, or, for anyone who may not
see figures, a view that says so and whom to ask, with no figure in it. Publishing is the Home
tab publisher's work (``bot.publisher``): one thread, at most one publication per person every
HOME_PUBLISH_INTERVAL_SECONDS, honouring Slack's rate limit; answers never wait for it.

Who has been shown a Home tab with figures, and the data it was built from, is kept in the
store (``home_tabs``); after every import and every digest each of them is rebuilt once, so
that no Home tab is older than the data. Someone refused is not kept (a refusal has no data to
grow old), and someone allowed who has not opened their Home tab for ``KEEP_DAYS`` days is
dropped. That bookkeeping never waits for another process's write lock: a write the lock
refuses is kept and written when the lock is free. Each publication is audited.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.access import AccessPolicy, Decision
from bot.publisher import Publisher, RateLimited
from oversight.answers import answer, parse_command
from oversight.answers.overview import data_version
from oversight.audit import AuditEntry
from oversight.render.blocks import Block, context, header, section
from oversight.render.overview import render_home
from oversight.settings import Settings
from oversight.slack.plumbing import describe_failure, retry_after
from oversight.store import DatabaseFault, Store

log = logging.getLogger(__name__)

HOME = "/oversight home"  # the question a Home tab answers
OPENED = "opened"
REBUILT = "rebuilt after an import or a digest"
KEEP_DAYS = 90  # a Home tab not opened for this long is no longer rebuilt
BOOKKEEPING_WAIT_SECONDS = 0.1  # a write waits this long for the lock, then is kept for later


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
    client: WebClient  # for views.publish: raises on a rate limit rather than sleeping
    audit: Callable[[AuditEntry], None]
    publisher: Publisher = field(init=False)

    def __post_init__(self) -> None:
        self._books = _Bookkeeping(self.store)
        self._claimed: dict[str, str] = {}  # rebuilds claimed, waiting out a rate limit
        self.publisher = Publisher(
            self._publish,
            self.settings.home_publish_interval_seconds,
            opening=OPENED,
            idle=self._books.flush,
        )

    def opened(self, user_id: str) -> None:
        """Someone opened the Home tab: theirs is published, built then (never waits)."""
        self.publisher.request(user_id, OPENED)

    def refresh(self) -> int:
        """Drop the Home tabs not opened for KEEP_DAYS, then ask for each one built from older
        data than the store holds now to be rebuilt once; how many were asked for.

        A rebuild is claimed in the store just before it is published, so that two bots (or a
        refresh and an opening at once) publish it once.
        """
        self._drop_unopened()
        version = data_version(self.store)
        stale = self.store.conn.execute(
            "SELECT user_id FROM home_tabs WHERE data_version IS NOT ? ORDER BY user_id",
            (version,),
        ).fetchall()
        for (user_id,) in stale:
            self.publisher.request(user_id, REBUILT)
        return len(stale)

    def stop(self) -> None:
        """Publish nothing more; write the bookkeeping still kept, if the lock is free."""
        self.publisher.stop()
        self._books.flush()
        self._books.close()

    def _drop_unopened(self) -> None:
        cutoff = self.settings.clock.now() - timedelta(days=KEEP_DAYS)
        rows = self.store.conn.execute("SELECT user_id, opened_at FROM home_tabs").fetchall()
        gone = [user for user, opened in rows if _before(opened, cutoff)]
        for user_id in gone:  # as the other bookkeeping: never waiting out another's lock
            self._books.forget(user_id)
        if gone:
            log.info("Dropped %d Home tabs not opened for %d days.", len(gone), KEEP_DAYS)

    def _publish(self, user_id: str, why: str, last_try: bool) -> bool:
        now = self.settings.clock.now()
        version = data_version(self.store)
        if why == REBUILT and self._claimed.get(user_id) != version:
            if not self._books.claim(user_id, version):
                return False  # rebuilt already (by another bot), dropped, or locked: not now
            self._claimed[user_id] = version
        # A rebuild asks Slack afresh whether the person is still allowed: it pushes new
        # figures to someone who did not ask for them just now.
        decision = self.access.check(user_id, None, fresh=why != OPENED)
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
            wait = _rate_limit(error)
            if wait is not None and not last_try:
                raise RateLimited(wait) from None  # the publisher waits, then tries again
            outcome, detail = "error", describe_failure(error)
            log.warning("Could not publish a Home tab: %s", detail)
            version = None  # built from no data: the next refresh tries again
        self._claimed.pop(user_id, None)
        moment = now.isoformat(timespec="seconds")
        if outcome == "refused":
            self._books.forget(user_id)  # nothing to rebuild for someone who sees no figures
        else:
            # A refusal Slack did not take is tried again only for someone already kept (whose
            # Home tab may still show figures): a stranger is never added.
            opened = why == OPENED and decision.allowed
            self._books.remember(user_id, moment, version, opened=opened)
        self._audit(user_id, outcome, detail)
        return True

    def _audit(self, user_id: str, outcome: str, detail: str | None) -> None:
        at = self.settings.clock.now()
        entry = {"user_id": user_id, "channel_id": None, "command": "home", "text": None}
        self.audit(AuditEntry(at=at, outcome=outcome, detail=detail, **entry))


def _rate_limit(error: Exception) -> float | None:
    """The seconds Slack asks to wait, if ``error`` is its rate limit (HTTP 429)."""
    if not isinstance(error, SlackApiError) or error.response is None:
        return None
    if error.response.status_code != 429:
        return None
    return retry_after(error.response.headers) or 1.0


def _before(moment: object, cutoff: datetime) -> bool:
    try:
        opened = datetime.fromisoformat(str(moment))
    except ValueError:
        return False  # unreadable: kept, rather than dropping someone by mistake
    if opened.tzinfo is None:
        opened = opened.replace(tzinfo=cutoff.tzinfo)
    return opened < cutoff


class _Bookkeeping:
    """The ``home_tabs`` writes, made on a connection that waits a moment at most for the
    write lock: one the lock refuses is kept (the latest for each person) and written, in
    order, when ``flush`` finds the lock free. Used by the publisher's thread, and by a refresh
    dropping Home tabs not opened for long (each write under ``_lock``)."""

    def __init__(self, store: Store) -> None:
        self._store = Store(store.path, lock_timeout=BOOKKEEPING_WAIT_SECONDS)
        self._kept: dict[str, tuple[str, tuple[object, ...]]] = {}
        self._lock = threading.Lock()
        self._warned = False

    def claim(self, user_id: str, version: str) -> bool:
        """Mark ``user_id``'s Home tab as built from ``version``; False if it already was, or
        is not kept, or the lock is held."""
        if self._kept:
            return False  # earlier writes wait for the lock: this one would too
        try:
            with self._store.write() as conn:
                return bool(
                    conn.execute(
                        "UPDATE home_tabs SET data_version = ? WHERE user_id = ? "
                        "AND data_version IS NOT ?",
                        (version, user_id, version),
                    ).rowcount
                )
        except DatabaseFault:
            return False

    def remember(self, user_id: str, moment: str, version: str | None, opened: bool) -> None:
        if opened:
            sql = (
                "INSERT INTO home_tabs (user_id, opened_at, published_at, data_version) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
                "opened_at = excluded.opened_at, published_at = excluded.published_at, "
                "data_version = excluded.data_version"
            )
            self._write(user_id, sql, (user_id, moment, moment, version))
        else:  # a rebuild: kept only if it still is (it may have been dropped meanwhile)
            sql = "UPDATE home_tabs SET published_at = ?, data_version = ? WHERE user_id = ?"
            self._write(user_id, sql, (moment, version, user_id))

    def forget(self, user_id: str) -> None:
        self._write(user_id, "DELETE FROM home_tabs WHERE user_id = ?", (user_id,))

    def flush(self) -> None:
        """Write what was kept, in order, while the lock is free."""
        with self._lock:
            while self._kept:
                user_id = next(iter(self._kept))
                sql, values = self._kept[user_id]
                if not self._try(sql, values):
                    return
                del self._kept[user_id]
            if self._warned:
                log.info("The Home tab bookkeeping is written again.")
                self._warned = False

    def close(self) -> None:
        with self._lock:
            if self._kept:
                log.warning(
                    "%d Home tab records were not written (the database stayed locked): those "
                    "Home tabs are rebuilt when next opened.",
                    len(self._kept),
                )
        self._store.close()

    def _write(self, user_id: str, sql: str, values: tuple[object, ...]) -> None:
        with self._lock:
            if not self._kept and self._try(sql, values):
                return
            self._kept.pop(user_id, None)  # the latest for each person, after the others
            self._kept[user_id] = (sql, values)
            if not self._warned:
                self._warned = True
                log.warning(
                    "The Home tab bookkeeping waits for the database's write lock (an import or "
                    "a backup): it is written when the lock is free."
                )

    def _try(self, sql: str, values: tuple[object, ...]) -> bool:
        try:
            with self._store.write() as conn:
                conn.execute(sql, values)
            return True
        except DatabaseFault:
            return False


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
