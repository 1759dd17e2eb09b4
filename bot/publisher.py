"""The Home tab publisher: one thread of its own that publishes Home tabs within Slack's limits.

Answers never wait for a Home tab: an ``app_home_opened`` event, or a rebuild after an import,
only asks for one (``request``), which returns at once. The publisher's thread then publishes
each person's Home tab at most once every HOME_PUBLISH_INTERVAL_SECONDS: an opening within that
time of the last publication is coalesced into it (nothing new to show), and a rebuild waits
for the interval to pass. When Slack answers ``views.publish`` with HTTP 429, every publication
waits the ``Retry-After`` it asks for (the limit is the method's, for the whole workspace), here
and nowhere else, and the one refused is tried again, three times at most.

At most ``MAX_WAITING`` people wait for a Home tab at once; requests past that are dropped and
logged (a rebuild is asked for again at the next refresh).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

MAX_WAITING = 1000  # people whose Home tab waits to be published
TRIES = 3  # publications of one Home tab that Slack may refuse for its rate limit
LONGEST_PAUSE_SECONDS = 300.0  # whatever Retry-After says
IDLE_SECONDS = 1.0  # how often ``idle`` is called when there is nothing to publish
WARN_EVERY_SECONDS = 60.0


class RateLimited(Exception):
    """Slack refused a publication for its rate limit: wait ``seconds`` before the next one."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"rate-limited for {seconds:g} seconds")
        self.seconds = seconds


# publish(user_id, why, last_try): publish one Home tab, and say whether Slack was asked to (a
# rebuild another bot has made already is not); raise RateLimited to be tried again after a
# pause (never on the last try, which must settle it, audited, either way).
Publish = Callable[[str, str, bool], bool]


@dataclass
class _Wanted:
    why: str
    due: float  # monotonic
    tries: int = 0


class Publisher:
    """Publishes Home tabs through ``publish``, in its own thread (started on the first
    request), at most once per person every ``interval`` seconds. ``opening`` names the
    ``why`` of an opening (coalesced within the interval); any other is a rebuild (deferred).
    ``idle`` is called between publications, and at least every second (bookkeeping left to
    write)."""

    def __init__(
        self,
        publish: Publish,
        interval: float,
        opening: str,
        idle: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._publish = publish
        self._interval = interval
        self._opening = opening
        self._idle = idle
        self._clock = clock
        self._wanted: dict[str, _Wanted] = {}
        self._last: dict[str, float] = {}  # person: when their Home tab was last published
        self._paused_until = 0.0
        self._warned = -WARN_EVERY_SECONDS
        self._changed = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def request(self, user_id: str, why: str) -> None:
        """Ask for ``user_id``'s Home tab to be published (never waits)."""
        with self._changed:
            if self._stopping or user_id in self._wanted:
                return  # coalesced with the one already waiting
            now = self._clock()
            last = self._last.get(user_id)
            recent = last is not None and now - last < self._interval
            if recent and why == self._opening:
                return  # published moments ago, from the same data: nothing new to show
            if len(self._wanted) >= MAX_WAITING:
                if now - self._warned >= WARN_EVERY_SECONDS:
                    self._warned = now
                    log.warning(
                        "%d Home tabs are waiting to be published: more are dropped for now.",
                        MAX_WAITING,
                    )
                return
            self._wanted[user_id] = _Wanted(why, last + self._interval if recent else now)
            self._start()
            self._changed.notify_all()

    @property
    def waiting(self) -> int:
        with self._changed:
            return len(self._wanted)

    def stop(self, timeout: float = 10.0) -> None:
        """Publish nothing more; wait up to ``timeout`` for the publication under way."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="home-publisher", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._changed:
                picked = self._next()
                while picked is None and not self._stopping:
                    self._changed.wait(self._wait())
                    picked = self._next()
                    if picked is None:
                        break  # a second has passed: time for the bookkeeping
                if self._stopping:
                    return
            if picked is not None:
                self._one(*picked)
            self._safely(self._idle)

    def _next(self) -> tuple[str, _Wanted, float | None] | None:
        """The person whose Home tab is due first, if it is due now, and when theirs was last
        published (under the lock)."""
        now = self._clock()
        if not self._wanted or now < self._paused_until:
            return None
        user_id = min(self._wanted, key=lambda u: self._wanted[u].due)
        if self._wanted[user_id].due > now:
            return None
        # Counted from now: an opening while it is being built is coalesced into it.
        before = self._last.get(user_id)
        self._last[user_id] = now
        return user_id, self._wanted.pop(user_id), before

    def _wait(self) -> float:
        """How long to sleep: until the next Home tab is due, a second at most."""
        now = self._clock()
        due = min((w.due for w in self._wanted.values()), default=now + IDLE_SECONDS)
        return min(IDLE_SECONDS, max(0.01, max(due, self._paused_until) - now))

    def _one(self, user_id: str, wanted: _Wanted, before: float | None) -> None:
        try:
            asked = self._publish(user_id, wanted.why, wanted.tries + 1 >= TRIES)
        except RateLimited as limited:
            with self._changed:
                pause = min(max(limited.seconds, 1.0), LONGEST_PAUSE_SECONDS)
                self._paused_until = max(self._paused_until, self._clock() + pause)
                log.warning("Slack asks the bot to wait %g s before publishing Home tabs.", pause)
                waiting = self._wanted.get(user_id)
                due = min(waiting.due, self._paused_until) if waiting else self._paused_until
                self._wanted[user_id] = _Wanted(wanted.why, due, wanted.tries + 1)
            return
        except Exception as error:  # publish settles its own failures: this is a mistake
            log.error("Could not publish a Home tab (%s).", type(error).__name__)
            asked = True
        with self._changed:
            if not asked:  # nothing was published: it does not count
                if before is None:
                    self._last.pop(user_id, None)
                else:
                    self._last[user_id] = before
            if len(self._last) > 2 * MAX_WAITING:  # bounded: only recent ones matter
                now = self._clock()
                self._last = {u: t for u, t in self._last.items() if now - t < self._interval}

    def _safely(self, work: Callable[[], None]) -> None:
        try:
            work()
        except Exception as error:
            log.warning("Home tab bookkeeping failed (%s).", type(error).__name__)
