"""The Bolt app, made by one factory from the settings and the store.

Listeners are thin: ack at once (Slack allows 3 seconds), then answer through plain functions
(the command service, the buttons) and send the reply where Slack said, and only there if it is
Slack's (``bot.replies``). The ack runs in the request's own thread and the answer in a pool of
its own (Bolt's lazy listeners), so an ack never waits behind answers, however many arrive at
once. Nothing in that pool waits on heavy work or on bookkeeping: a Home tab is only asked of
its publisher (``bot.publisher``), and a workbook of its worker (``bot.workbooks``), each in
threads of their own.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.access import AccessPolicy
from bot.buttons import Buttons, ButtonSigner, click_entry
from bot.home import HomeTabs
from bot.replays import ReplayGuard
from bot.replies import ReplyUrls
from bot.service import CommandService
from bot.workbooks import WorkbookWorker
from oversight.answers import COMMANDS
from oversight.audit import AuditEntry, record
from oversight.settings import Settings
from oversight.slack.plumbing import make_client
from oversight.store import Store

log = logging.getLogger(__name__)

# The longest wait for Slack's rate limit (Retry-After) that an answer sits out in its thread;
# Slack asking for longer refuses at once ("I could not check your access just now").
ANSWER_RATE_LIMIT_WAIT = 1.0


class _TokenFromClient(logging.Filter):
    """Bolt also reads SLACK_BOT_TOKEN from the environment itself, then warns that the client's
    token wins: it is the same token, read by our settings, so the warning only misleads."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


@dataclass(frozen=True)
class Bot:
    app: App
    home: HomeTabs  # for the refresher, which rebuilds Home tabs after imports and digests
    workbooks: WorkbookWorker

    def stop(self) -> None:
        """Send the workbooks asked for; publish no more Home tabs."""
        self.workbooks.stop()
        self.home.stop()


def build_app(
    settings: Settings,
    store: Store,
    client: WebClient | None = None,
    *,
    audit: Callable[[AuditEntry], None] | None = None,
    answers: Executor | None = None,
) -> Bot:
    """The Bolt app: a listener for every registered command, for the buttons on answers and
    for the Home tab, each acking at once and then answering in ``answers`` (Bolt's default
    pool when None). Replays are acknowledged and audited, never answered twice. Audit
    entries go to ``audit`` (default: written at once).

    Bolt checks the token with ``auth.test`` here (a ``BoltError`` if Slack refuses it). With
    no allow-list the app refuses everyone, and says so in the log.
    """
    # Answers may wait for Slack's rate limit only briefly; Home tabs never, in the client:
    # their publisher waits, in its own thread (bot.publisher).
    publishing = client or make_client(settings, longest_rate_limit_wait=0)
    client = client or make_client(settings, longest_rate_limit_wait=ANSWER_RATE_LIMIT_WAIT)
    if audit is None:

        def audit(entry: AuditEntry) -> None:
            record(store, entry)

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
    # Buttons are signed with a key from the bot token (set in either mode): a button the bot
    # did not make is refused, and one made before a restart or a change of mode still works.
    signer = ButtonSigner(settings.slack_bot_token)
    workbooks = WorkbookWorker()
    buttons = Buttons(settings, store, access, client, audit, signer, workbooks)
    home = HomeTabs(settings, store, access, publishing, audit)
    service = CommandService(
        settings=settings, store=store, access=access, audit=audit, buttons=buttons
    )
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
        # Each listener's ack function runs before the response is sent, in the request's
        # thread; its lazy functions (the answers) run in ``answers``.
        process_before_response=True,
        listener_executor=answers,
    )
    # After Bolt's own middleware, which verifies the signature first.
    app.use(ReplayGuard(audit, settings.clock.now))

    # Replies go only to Slack's response URLs: checked before anything is computed.
    replies = ReplyUrls(settings, audit)

    def acknowledge(ack: Ack) -> None:
        ack()

    def on_command(command: dict, respond: Respond) -> None:
        reply_to = command.get("command", "")
        asked = {k: str(command.get(k, "")) for k in ("user_id", "channel_id", "command", "text")}
        if not replies.allowed(command, asked):
            return
        reply = service.handle(
            user_id=command.get("user_id", ""),
            channel_id=command.get("channel_id", ""),
            command=command.get("command", ""),
            text=command.get("text", ""),
        )
        sent = respond(**reply.as_message())
        if sent.status_code != 200:
            log.warning("Slack did not take the reply to %s (HTTP %s).", reply_to, sent.status_code)

    def on_click(body: dict, respond: Respond | None) -> None:
        if replies.allowed(body, {**click_entry(body), "text": None}):
            buttons.click(body, respond)

    def on_home_opened(ack: Ack, event: dict) -> None:
        ack()
        user_id = event.get("user")
        if event.get("tab") == "home" and isinstance(user_id, str):
            home.opened(user_id)  # asks the Home tab publisher, and returns at once

    def on_event(event: dict) -> None:
        # The manifest subscribes to app_home_opened alone; any other event that arrives is
        # acknowledged (Slack would otherwise retry it) and audited, and nothing else is done.
        audit(
            AuditEntry(
                at=settings.clock.now(),
                user_id=event.get("user") if isinstance(event.get("user"), str) else None,
                channel_id=event.get("channel") if isinstance(event.get("channel"), str) else None,
                command=f"event:{event.get('type', 'unknown')}",
                text=None,  # an event's text is a message someone wrote: not kept
                outcome="ignored",
                detail="not an event the bot subscribes to",
            )
        )

    for command in COMMANDS:
        app.command(command.slash)(ack=acknowledge, lazy=[on_command])
    # Any action, known or not: a click the bot cannot honour is refused in words and audited.
    app.action(re.compile(".*"))(ack=acknowledge, lazy=[on_click])
    app.event("app_home_opened")(on_home_opened)
    app.event(re.compile(".+"))(on_event)
    return Bot(app=app, home=home, workbooks=workbooks)
