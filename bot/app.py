"""The Bolt app, made by one factory from the settings and the store.

Listeners are thin: ack at once (Slack allows 3 seconds), then answer through the command
service and send the reply to the response URL Slack gave.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.access import AccessPolicy
from bot.service import CommandService
from oversight.commands import COMMANDS
from oversight.settings import Settings
from oversight.store import Store
from slack_plumbing import make_client

log = logging.getLogger(__name__)


class _TokenFromClient(logging.Filter):
    """Bolt also reads SLACK_BOT_TOKEN from the environment itself, then warns that the client's
    token wins: it is the same token, read by our settings, so the warning only misleads."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def build_app(settings: Settings, store: Store, client: WebClient | None = None) -> App:
    """The Bolt app: a listener for every registered command, each acking at once and then
    answering through :class:`CommandService` at the response URL.

    Bolt checks the token with ``auth.test`` here (a ``BoltError`` if Slack refuses it). With
    no allow-list the app refuses everyone, and says so in the log.
    """
    client = client or make_client(settings)
    access = AccessPolicy(
        client,
        allowed_users=settings.allowed_users,
        allowed_usergroups=settings.allowed_usergroups,
        contact=settings.access_contact,
    )
    if not access.configured:
        log.warning(
            "No one is allowed to see figures: set OVERSIGHT_ALLOWED_USERS or "
            "OVERSIGHT_ALLOWED_USERGROUPS. Every command will be refused."
        )
    service = CommandService(settings=settings, store=store, access=access)
    # Bolt logs the body of a badly signed request at INFO: case text must not reach the log.
    bolt_logger = logging.getLogger("bot.bolt")
    bolt_logger.setLevel(logging.WARNING)
    if not any(isinstance(f, _TokenFromClient) for f in bolt_logger.filters):
        bolt_logger.addFilter(_TokenFromClient())
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret or None,
        request_verification_enabled=bool(settings.slack_signing_secret),
        logger=bolt_logger,
    )

    def on_command(ack: Ack, command: dict, respond: Respond) -> None:
        ack()
        reply_to = command.get("command", "")
        reply = service.handle(
            user_id=command.get("user_id", ""),
            channel_id=command.get("channel_id", ""),
            command=command.get("command", ""),
            text=command.get("text", ""),
        )
        sent = respond(**reply.as_message())
        if sent.status_code != 200:
            log.warning("Slack did not take the reply to %s (HTTP %s).", reply_to, sent.status_code)

    for command in COMMANDS:
        app.command(command.slash)(on_command)
    return app
