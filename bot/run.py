"""``oversight bot``: check the settings, build the app, and serve it over Socket Mode or HTTP."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from oversight.errors import UserError
from oversight.settings import Settings
from oversight.slack.plumbing import retry_after
from oversight.store import EX_TEMPFAIL, Store

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.app import Bot
    from bot.auditing import AuditWriter

log = logging.getLogger(__name__)

ANSWER_THREADS = 8  # answers computed and sent at once; the rest wait their turn, in order


def build(
    settings: Settings,
    store: Store,
    audit: AuditWriter | None = None,
    answers: Executor | None = None,
) -> Bot:
    """The Bolt app, with a token Slack has accepted (auth.test), or a UserError."""
    from slack_bolt.error import BoltError

    from bot.app import build_app

    try:
        return build_app(settings, store, audit=audit.submit if audit else None, answers=answers)
    except BoltError as error:
        if "invalid_auth" in str(error) or "not_authed" in str(error):
            raise UserError(
                "Slack refused the bot token at start-up (invalid_auth): check SLACK_BOT_TOKEN."
            ) from None
        raise UserError(
            "Slack did not confirm the bot token at start-up (auth.test failed): check "
            "SLACK_BOT_TOKEN and SLACK_API_URL, then try again."
        ) from None
    except OSError:  # refused, reset or timed out, after the client's retries
        raise SlackUnreachable(_unreachable(settings)) from None


def _unreachable(settings: Settings) -> str:
    return (
        f"Slack's Web API could not be reached at {settings.slack_api_url} at start-up: "
        "check SLACK_API_URL and the network; exiting with status 75 to be started again."
    )


class SlackUnreachable(UserError):
    """Slack could not be reached at start-up: a failure that may mend by itself, so not exit
    status 2 (a mistake in the settings, which systemd's RestartPreventExitStatus=2 leaves
    down) but 75, EX_TEMPFAIL, which it restarts."""

    exit_code = EX_TEMPFAIL


# auth.test's answers that are the token's or the app's to mend: no retry will.
_TOKEN_REFUSED = {
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "not_allowed_token_type",
}
_LONGEST_WAIT = 30.0  # seconds between two tries at start-up, at most


def reach_slack(
    settings: Settings,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Ask Slack's auth.test until it answers, before anything is built: while it cannot be
    reached, answers 5xx or rate-limits, try again after 1, 2, 4... (at most 30) seconds, one
    log line a try, for SLACK_START_SECONDS; then SlackUnreachable (exit 75). A token Slack
    refuses is a UserError at once (exit 2)."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    quiet = logging.getLogger("bot.start.sdk")  # the client logs a body it cannot decode
    quiet.setLevel(logging.CRITICAL)
    client = WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[],  # the retries are this function's, each logged
        logger=quiet,
    )
    started, wait, tries = clock(), 1.0, 0
    while True:
        tries += 1
        asked = 0.0  # the seconds a rate limit asks for
        try:
            client.auth_test()
            if tries > 1:
                log.info("Slack answered at start-up, after %d tries.", tries)
            return
        except SlackApiError as error:
            status = error.response.status_code
            code = error.response.get("error") if isinstance(error.response.data, dict) else None
            if status == 429:
                reason = "rate limited (HTTP 429)"
                asked = retry_after(error.response.headers) or 0.0  # any case, never a crash
            elif status >= 500:
                reason = f"HTTP {status}"
            else:
                raise UserError(_refused(code or f"HTTP {status}")) from None
        except OSError as error:  # refused, reset, timed out, no route, no name
            reason = _os_reason(error)
        left = settings.slack_start_seconds - (clock() - started)
        if left <= 0:
            raise SlackUnreachable(
                f"Slack's Web API at {settings.slack_api_url} could not be reached at start-up "
                f"({reason}) in {tries} tries over {settings.slack_start_seconds} s "
                "(SLACK_START_SECONDS): check the network and SLACK_API_URL; exiting with "
                "status 75 to be started again."
            )
        pause = min(max(wait, asked), left)
        log.warning(
            "Slack's Web API at %s cannot be reached yet (%s): trying again in %.0f s (try %d).",
            settings.slack_api_url,
            reason,
            pause,
            tries,
        )
        sleep(pause)
        wait = min(wait * 2, _LONGEST_WAIT)


def _refused(code: str) -> str:
    if code in _TOKEN_REFUSED:
        return f"Slack refused the bot token at start-up ({code}): check SLACK_BOT_TOKEN."
    if code == "missing_scope":
        return (
            "Slack refused the bot token at start-up (missing_scope): add the scopes in "
            "slack/manifest.yml to the app, reinstall it, and check SLACK_BOT_TOKEN."
        )
    return (
        f"Slack did not confirm the bot token at start-up (auth.test: {code}): check "
        "SLACK_BOT_TOKEN and SLACK_API_URL, then try again."
    )


def _os_reason(error: OSError) -> str:
    """A network failure in a few words: "connection refused", "timed out"."""
    inner = getattr(error, "reason", None)  # urllib's URLError wraps the socket's error
    cause = inner if isinstance(inner, BaseException) else error
    if isinstance(cause, TimeoutError):
        return "timed out"
    text = getattr(cause, "strerror", None) or str(inner or cause) or type(cause).__name__
    return text[:1].lower() + text[1:]


@dataclass
class Running:
    """A started bot: ``stop()`` ends it; ``url`` is the HTTP address in HTTP mode."""

    stop: Callable[[], None]
    mode: str
    url: str | None = None


def start(settings: Settings, store: Store, host: str = "0.0.0.0") -> Running:
    """Start serving in background threads and return at once."""
    from bot.auditing import AuditWriter
    from bot.home import Refresher

    settings.require_slack_connection()
    reach_slack(settings)
    audit = AuditWriter(store)
    answers = ThreadPoolExecutor(max_workers=ANSWER_THREADS, thread_name_prefix="answer")
    bot: Bot | None = None

    def finish() -> None:
        """Send the answers and workbooks still owed, then write the audit entries queued."""
        answers.shutdown(wait=True)
        if bot is not None:
            bot.stop()
        audit.close(timeout=settings.lock_timeout_seconds)

    refresher: Refresher | None = None
    try:
        bot = build(settings, store, audit, answers)
        # Running before the front door opens, so that "Serving Slack" means every thread is up.
        refresher = Refresher(bot.home.refresh, settings.home_refresh_seconds)
        refresher.start()
        running = _serve(settings, store, host, bot.app)
    except BaseException:
        if refresher is not None:
            refresher.stop()
        finish()
        raise
    stop_serving = running.stop

    def stop() -> None:
        refresher.stop()
        stop_serving()
        finish()

    running.stop = stop
    return running


def _serve(settings: Settings, store: Store, host: str, app: App) -> Running:
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler
        from slack_sdk.errors import SlackApiError

        handler = SocketModeHandler(app, app_token=settings.slack_app_token)
        try:
            handler.connect()
        except SlackApiError as error:
            handler.close()
            code = error.response.get("error") or f"HTTP {error.response.status_code}"
            if error.response.status_code == 429 or error.response.status_code >= 500:
                raise SlackUnreachable(
                    f"Slack would not open a Socket Mode connection at start-up ({code}): "
                    "exiting with status 75 to be started again."
                ) from None
            raise UserError(
                f"Slack would not open a Socket Mode connection at start-up ({code}): "
                "check SLACK_APP_TOKEN."
            ) from None
        except OSError:
            handler.close()
            raise SlackUnreachable(_unreachable(settings)) from None
        log.info("Connected to Slack over Socket Mode.")
        return Running(stop=handler.close, mode="socket")
    from bot.health import health_check
    from bot.http import Serving

    try:
        serving = Serving(app, lambda: health_check(store, settings), host, settings)
    except OSError as error:  # the port is taken, or the host is not an address of this machine
        raise UserError(
            f"Cannot listen on {host} port {settings.port} ({error.strerror or error}): "
            "choose another PORT, or --host."
        ) from None
    serving.start()
    port = serving.port
    log.info("Serving Slack at http://%s:%s/slack/events and /healthz.", host, port)
    return Running(stop=serving.stop, mode="http", url=f"http://127.0.0.1:{port}")
