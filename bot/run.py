"""``oversight bot``: check the settings, build the app, and serve it over Socket Mode or HTTP."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from oversight.errors import UserError
from oversight.settings import Settings
from oversight.store import Store

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
        raise UserError(_unreachable(settings)) from None


def _unreachable(settings: Settings) -> str:
    return (
        f"Slack's Web API could not be reached at {settings.slack_api_url} at start-up: "
        "check SLACK_API_URL and the network."
    )


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
            raise UserError(
                f"Slack would not open a Socket Mode connection at start-up ({code}): "
                "check SLACK_APP_TOKEN."
            ) from None
        except OSError:
            handler.close()
            raise UserError(_unreachable(settings)) from None
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
