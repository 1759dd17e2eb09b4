"""Slack plumbing shared by the bot and the scheduled jobs: the Web API client with its retry
handlers, Slack's errors in plain sentences, and logging that never shows a token or case text.

``bot`` and ``jobs`` both import this module; neither imports the other.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from oversight.settings import Settings

# --- the Web API client -----------------------------------------------------------------------


def make_client(settings: Settings, *, longest_rate_limit_wait: float | None = None) -> WebClient:
    """A Web API client for ``SLACK_API_URL`` that retries rate limits, server errors and
    dropped connections. The bot token must be set (one sentence otherwise).

    A rate limit is retried after the wait Slack asks for (``Retry-After``), in the calling
    thread; with ``longest_rate_limit_wait``, only when Slack asks for that many seconds or
    fewer: a longer one raises at once (the ``SlackApiError`` has the 429 and its
    ``Retry-After``), so that a thread others wait on never sleeps through it.
    """
    settings.require_bot_token()
    rate_limits = (
        RateLimitErrorRetryHandler(max_retry_count=2)
        if longest_rate_limit_wait is None
        else ShortRateLimitRetries(longest_rate_limit_wait, max_retry_count=2)
    )
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            rate_limits,
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


class ShortRateLimitRetries(RateLimitErrorRetryHandler):
    """Retries a rate limit only when Slack asks to wait ``longest`` seconds or fewer."""

    def __init__(self, longest: float, max_retry_count: int = 2) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.longest = longest

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:  # noqa: ANN001
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        wait = retry_after(response.headers)
        return wait is not None and wait <= self.longest


def retry_after(headers: Mapping[str, object] | None) -> float | None:
    """The seconds a ``Retry-After`` header asks for (its first value), if it is a number."""
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            first = value[0] if isinstance(value, list | tuple) and value else value
            try:
                seconds = float(str(first))
            except ValueError:
                return None
            return seconds if seconds >= 0 else None
    return None


# --- Slack's errors, as one plain sentence each ------------------------------------------------

SENTENCES = {
    "invalid_auth": "Slack refused the bot token (invalid_auth): check SLACK_BOT_TOKEN.",
    "not_authed": "Slack received no token (not_authed): check SLACK_BOT_TOKEN.",
    "account_inactive": "The bot's Slack account is deactivated (account_inactive).",
    "token_revoked": "The bot token was revoked (token_revoked): reinstall the app.",
    "not_in_channel": "The bot is not in that channel (not_in_channel): invite it with /invite.",
    "channel_not_found": "Slack cannot find that channel (channel_not_found): check the ID "
    "and that the bot can see it.",
    "missing_scope": "The app lacks a permission scope (missing_scope): reinstall it from "
    "slack/manifest.yml.",
    "ratelimited": "Slack is rate-limiting the bot (ratelimited).",
}


def describe(error: SlackApiError) -> str:
    code = error.response.get("error") if error.response is not None else None
    if code in SENTENCES:
        return SENTENCES[code]
    status = getattr(error.response, "status_code", "?")
    return f"Slack answered an API call with an error ({code or 'HTTP ' + str(status)})."


def describe_failure(error: Exception) -> str:
    """Any failure of a Slack call in words, without its text (which may quote a request)."""
    if isinstance(error, SlackApiError):
        return describe(error)
    if isinstance(error, SlackClientError | OSError):
        return f"Slack could not be reached ({type(error).__name__})."
    return type(error).__name__


# --- logging ------------------------------------------------------------------------------------

# Slack tokens have well-known prefixes; anything that looks like one is masked wherever it is.
TOKEN = re.compile(r"\bx(?:ox[abposer]|app)-[A-Za-z0-9-]+")


class Redact(logging.Filter):
    """Masks Slack tokens and the given secrets in every record that passes through, and puts
    each message on one line: a traceback (any library's, the HTTP server's included) becomes
    the name of the exception, since its text can quote a request's headers or body."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 8]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        original = message
        if record.exc_info or record.exc_text or record.stack_info:
            error = record.exc_info[1] if record.exc_info else None
            if error is not None:
                message = f"{message} ({type(error).__name__})"
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        # One record, one line: a library's multi-line message must not pass as other output.
        masked = TOKEN.sub("[token]", " ".join(message.splitlines()))
        for secret in self.secrets:
            masked = masked.replace(secret, "[secret]")
        if masked != original:
            record.msg, record.args = masked, None
        return True


def configure_logging(secrets: Iterable[str] = (), level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(Redact(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # A thread that dies on an error would print its traceback straight to stderr, past the
    # filter above: it is logged instead, as one line naming the thread and the error's type.
    threading.excepthook = _log_thread_failure
    # Bolt logs the body of a request with a bad signature at INFO, and slack_sdk logs payloads
    # at DEBUG: case text must never reach the log, so both speak only of warnings and errors.
    for name in ("bot.bolt", "slack_bolt", "slack_sdk"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _log_thread_failure(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "a thread"
    logging.getLogger("oversight").error(
        "The %s thread stopped on an error (%s).", name, args.exc_type.__name__
    )
