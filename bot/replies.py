"""Where the bot sends a reply: only to Slack's own response URLs.

A slash command or a click carries a ``response_url``, and the answer is posted there. The
request is signed, but whoever sends it chooses that URL: the bot posts only to
``https://hooks.slack.com/`` (where Slack's response URLs are), or to the scheme, host and port
of ``SLACK_API_URL`` (a stand-in for Slack, in tests). Any other URL is refused before anything
is computed: the request is audited as refused, naming the host (never the path, which can hold
a secret), and nothing is sent anywhere.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from oversight.audit import AuditEntry
from oversight.settings import Settings

log = logging.getLogger(__name__)

SLACK_HOOKS = ("https", "hooks.slack.com", 443)
_DEFAULT_PORTS = {"https": 443, "http": 80}
_PLAIN_URL = re.compile(r"[!#-\[\]-~]+")  # printable ASCII, no space, quote or backslash
_SHOWN_HOST = re.compile(r"[^A-Za-z0-9.:\[\]-]")


class ReplyUrls:
    """Which response URLs the bot may post to; refusals audited through ``audit``."""

    def __init__(self, settings: Settings, audit: Callable[[AuditEntry], None]) -> None:
        api = _origin(settings.slack_api_url)
        self._allowed = {SLACK_HOOKS, *([api] if api else [])}
        self._audit = audit
        self._now = settings.clock.now

    def refused(self, url: object) -> str | None:
        """Why the bot will not post to ``url`` (naming its host alone); None if it may."""
        if isinstance(url, str) and _PLAIN_URL.fullmatch(url) and _origin(url) in self._allowed:
            return None
        return f"a response URL that is not Slack's ({_host(url)}): nothing was sent"

    def allowed(self, body: dict[str, object], entry: dict[str, str | None]) -> bool:
        """Whether a reply to ``body`` may go where it asks (True when it asks for none: nothing
        will be sent back); a refusal is audited as ``entry`` and logged, without the URL."""
        url = body.get("response_url")
        if url is None:
            return True
        why = self.refused(url)
        if why is None:
            return True
        log.warning("Refused a request whose reply would go to %s, not to Slack.", _host(url))
        self._audit(AuditEntry(at=self._now(), outcome="refused", detail=why, **entry))
        return False


def _origin(url: str) -> tuple[str, str, int] | None:
    """The scheme, host and port ``url`` names; None if it names credentials or is not a URL
    with a host."""
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None
    if not parts.hostname or port is None or "@" in parts.netloc:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port


def _host(url: object) -> str:
    """The host and port of ``url`` as the audit log shows it: no credentials, path or query."""
    if not isinstance(url, str):
        return "not a URL"
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return "not a URL"
    shown = _SHOWN_HOST.sub("", netloc.rpartition("@")[2])[:100]
    return shown or "no host"
