"""Slack's signature on a request, checked on its raw bytes before anything reads them, and then
the shape of a body Slack signed.

Slack signs each request it sends with the app's signing secret: ``X-Slack-Signature`` is
``v0=`` and the hex HMAC-SHA256 of ``v0:{timestamp}:{body}``, and ``X-Slack-Request-Timestamp``
must be within five minutes of now. The headers alone can show that a request is not Slack's
(no signature, a timestamp that is not a number or is stale): it is then refused before its
body is read. Otherwise the body is read and the signature compared in constant time, on the
bytes as they came, before they are decoded or parsed: a request that is not Slack's costs one
HMAC, however it is shaped. Only then is the body parsed, as Bolt will parse it, and one that
Slack would never send (a ``payload`` that is not a JSON object, nesting too deep to follow)
is refused with 400 rather than reaching Bolt.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable

from slack_bolt.request.internals import parse_body

SIGNATURE_WINDOW_SECONDS = 5 * 60  # Slack's window either side of now
MAX_NESTING = 64  # Slack's payloads nest a dozen levels or so
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")

NOT_SIGNED = "not signed"
NOT_A_NUMBER = "the timestamp is not a number"
BAD_SIGNATURE = "bad signature or stale timestamp"


class Signatures:
    """Checks requests against the signing secret, with Slack's five-minute window."""

    def __init__(self, secret: str, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret.encode()
        self._clock = clock  # real time: Slack signs with it, whatever the oversight clock says

    def refused_by_headers(self, timestamp: str | None, signature: str | None) -> str | None:
        """Why the headers alone show a request is not Slack's; None if they may be."""
        if not self._secret or not timestamp or not signature:
            return NOT_SIGNED
        if not _TIMESTAMP.fullmatch(timestamp):
            return NOT_A_NUMBER
        if abs(self._clock() - int(timestamp)) > SIGNATURE_WINDOW_SECONDS:
            return BAD_SIGNATURE
        if not _SIGNATURE.fullmatch(signature):
            return BAD_SIGNATURE
        return None

    def refused(self, raw: bytes, timestamp: str | None, signature: str | None) -> str | None:
        """Why ``raw`` is not a body Slack signed with these headers; None if it is."""
        why = self.refused_by_headers(timestamp, signature)
        if why is not None:
            return why
        base = b"v0:" + str(timestamp).encode() + b":" + raw
        expected = b"v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest().encode()
        if not hmac.compare_digest(expected, str(signature).encode("latin-1")):
            return BAD_SIGNATURE
        return None


def malformed(raw: bytes, content_type: str | None) -> str | None:
    """Why a signed body is not one Slack sends (for a 400); None when Bolt can take it.

    Parsed exactly as Bolt parses it (a form, a form whose ``payload`` is JSON, or JSON), so
    that whatever passes here, Bolt parses too.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    kind = content_type.split(";")[0] if content_type else None
    try:
        body = parse_body(text, kind)
    except (ValueError, RecursionError):  # JSON that is not, or nested past Python's limit
        return "the body is not a form or JSON that Slack sends"
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    if _deeper_than(body, MAX_NESTING):
        return f"the body is nested more than {MAX_NESTING} levels deep"
    return None


def _deeper_than(value: object, limit: int) -> bool:
    """Whether ``value`` nests lists and objects more than ``limit`` deep (without recursion)."""
    level: list[object] = [value]
    for _ in range(limit):
        level = [
            child
            for item in level  # lists and objects only
            for child in (item.values() if isinstance(item, dict) else item)  # type: ignore[union-attr]
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True
