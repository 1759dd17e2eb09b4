"""Logging for the bot: plain sentences on stderr, with no token, secret or case text in them."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# Slack tokens have well-known prefixes; anything that looks like one is masked wherever it is.
TOKEN = re.compile(r"\bx(?:ox[abposer]|app)-[A-Za-z0-9-]+")


class Redact(logging.Filter):
    """Masks Slack tokens and the given secrets in every record that passes through, and puts
    each message on one line."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 8]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        # One record, one line: a library's multi-line message must not pass as other output.
        masked = TOKEN.sub("[token]", " ".join(message.splitlines()))
        for secret in self.secrets:
            masked = masked.replace(secret, "[secret]")
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure_logging(secrets: Iterable[str] = (), level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(Redact(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Bolt logs the body of a request with a bad signature at INFO, and slack_sdk logs payloads
    # at DEBUG: case text must never reach the log, so both speak only of warnings and errors.
    for name in ("bot.bolt", "slack_bolt", "slack_sdk"):
        logging.getLogger(name).setLevel(logging.WARNING)
