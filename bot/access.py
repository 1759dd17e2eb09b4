"""Who may see oversight figures, and where. Checked before any figure is computed.

Secure by default: with no allow-list, everyone is refused. Guests (restricted or
ultra-restricted accounts) and channels shared with another organisation are always refused.
Slack's answers are cached for a few minutes, so a burst of commands costs few API calls.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from oversight.slack.plumbing import describe_failure

log = logging.getLogger(__name__)

CACHE_SECONDS = 300


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # in words for the asker; also the audit log's detail


class _Cache:
    """A small time-limited cache of Slack look-ups (monotonic time: not the oversight clock)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._values: dict[object, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: object, load: Callable[[], object]) -> object:
        now = time.monotonic()
        with self._lock:
            hit = self._values.get(key)
            if hit and now - hit[0] < self.seconds:
                return hit[1]
        value = load()
        with self._lock:
            self._values[key] = (now, value)
        return value

    def forget(self, key: object) -> None:
        with self._lock:
            self._values.pop(key, None)


class AccessPolicy:
    def __init__(
        self,
        client: WebClient,
        allowed_users: frozenset[str],
        allowed_usergroups: frozenset[str],
        contact: str,
        cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        self.client = client
        self.allowed_users = allowed_users
        self.allowed_usergroups = allowed_usergroups
        self.contact = contact
        self._cache = _Cache(cache_seconds)

    @property
    def configured(self) -> bool:
        return bool(self.allowed_users or self.allowed_usergroups)

    def check(self, user_id: str, channel_id: str | None, *, fresh: bool = False) -> Decision:
        """Allowed or not, and why. A look-up that fails for any reason refuses: never allows.

        ``channel_id`` None checks the person alone (their Home tab, which only they see).
        ``fresh`` asks Slack again rather than trusting what was cached (a button's click: the
        person may have left the allowed group since the answer was sent).
        """
        ask = f" Ask {self.contact} if you need access."
        if not self.configured:
            return Decision(
                False, "No one may see oversight figures yet: the allow-list is empty." + ask
            )
        if fresh:
            for key in [("user", user_id), *(("group", g) for g in self.allowed_usergroups)]:
                self._cache.forget(key)
        try:
            user = self._cache.get(("user", user_id), lambda: self._user(user_id))
            if user.get("deleted"):
                return Decision(False, "This Slack account is deactivated." + ask)
            if user.get("is_restricted") or user.get("is_ultra_restricted"):
                return Decision(False, "Guest accounts may not see oversight figures." + ask)
            channel = (
                None
                if channel_id is None
                else self._cache.get(("channel", channel_id), lambda: self._channel(channel_id))
            )
        except Exception as error:  # Slack errors, and dropped connections after the retries
            return self._unchecked(error)
        if channel_id is not None and channel is None:
            # Not remembered: once invited to the channel, the bot answers there at once.
            self._cache.forget(("channel", channel_id))
            return Decision(
                False,
                "I cannot check who can read this conversation, so I will not answer here: "
                "use a channel I am in, or a direct message with me.",
            )
        if channel is not None and channel.get("is_ext_shared"):
            return Decision(
                False, "This channel is shared with another organisation: no figures here."
            )
        if user_id in self.allowed_users:
            return Decision(True, "on the allow-list of people")
        failure = None
        for group in sorted(self.allowed_usergroups):
            try:
                members = self._cache.get(("group", group), lambda g=group: self._members(g))
            except Exception as error:  # one group that cannot be listed must not lock out others
                why = describe_failure(error)
                log.warning("Could not list the members of user group %s: %s", group, why)
                failure = error
                continue
            if user_id in members:
                return Decision(True, f"a member of the allowed user group {group}")
        if failure is not None:
            return self._unchecked(failure)
        return Decision(False, "You are not on the oversight allow-list." + ask)

    @staticmethod
    def _unchecked(error: Exception) -> Decision:
        log.warning("Could not check access: %s", describe_failure(error))
        return Decision(False, "I could not check your access just now: please try again.")

    def _user(self, user_id: str) -> dict:
        return self.client.users_info(user=user_id)["user"]

    def _channel(self, channel_id: str) -> dict | None:
        try:
            return self.client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as error:
            if error.response.get("error") in ("channel_not_found", "not_in_channel"):
                return None
            raise

    def _members(self, usergroup: str) -> frozenset[str]:
        return frozenset(self.client.usergroups_users_list(usergroup=usergroup)["users"])
