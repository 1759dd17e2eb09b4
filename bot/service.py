"""Answering one slash command: check access, parse, compute, render, audit.

Plain functions over the core; the Bolt listeners in ``bot.app`` only ack and send.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from bot.access import AccessPolicy, Decision
from bot.buttons import NOT_SHARED, Buttons
from oversight.answers import COMMANDS, UsageError, answer, parse_command
from oversight.audit import AuditEntry, record
from oversight.render.blocks import MAX_BLOCKS, Block, context, escape, fit, render_blocks, section
from oversight.settings import Settings
from oversight.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: list[Block] = field(default_factory=list)
    in_channel: bool = False

    def as_message(self) -> dict[str, object]:
        return {
            "text": self.text,
            "blocks": self.blocks,
            "response_type": "in_channel" if self.in_channel else "ephemeral",
            "replace_original": False,
        }


@dataclass
class CommandService:
    settings: Settings
    store: Store
    access: AccessPolicy
    # Where audit entries go: None writes each at once; the bot gives its AuditWriter's
    # ``submit``, which never makes an answer wait for a database another process has locked.
    audit: Callable[[AuditEntry], None] | None = None
    buttons: Buttons | None = None  # under every answer shown only to its asker

    def handle(self, user_id: str, channel_id: str, command: str, text: str) -> Reply:
        """The reply to one command; every request is written to the audit log."""
        entry = {"user_id": user_id, "channel_id": channel_id, "command": command, "text": text}
        decision = self.access.check(user_id, channel_id)
        if not decision.allowed:
            self._audit(entry, "refused", decision.reason)
            return Reply(text=decision.reason, blocks=[section(f":no_entry: {decision.reason}")])
        try:
            query = parse_command(command, text)
            if COMMANDS[query.command].about_the_asker(query.options):
                self._audit(entry, "answered", decision.reason)
                return self._whoami(user_id, decision)
            now = self.settings.clock.now()
            result = answer(self.store, query, now, self.settings)
        except UsageError as error:
            self._audit(entry, "usage", error.problem)
            usage = escape(error.usage())  # it quotes what was typed: no mentions or links
            return Reply(text=usage, blocks=[section(f"```{usage}```")])
        except Exception as error:
            log.error("Could not answer %s: %s", command, type(error).__name__)
            self._audit(entry, "error", type(error).__name__)
            message = "Something went wrong while answering; it has been logged. Try again shortly."
            return Reply(text=message, blocks=[section(f":x: {message}")])
        fallback, blocks = render_blocks(result)
        share = query.share and channel_id in self.settings.share_channels
        if query.share and not share:
            blocks = [*fit(blocks, MAX_BLOCKS - 1), context(NOT_SHARED)]
        if not share and self.buttons is not None and COMMANDS[query.command].shareable:
            dated = replace(query, as_of=result.as_of, share=False)
            blocks = self.buttons.with_actions(dated, result, blocks, share=not query.share)
        self._audit(entry, "shared" if share else "answered", None)
        return Reply(text=fallback, blocks=blocks, in_channel=share)

    def _whoami(self, user_id: str, decision: Decision) -> Reply:
        text = f"You (<@{user_id}>) may see oversight figures: {decision.reason}."
        return Reply(text=text, blocks=[section(f":white_check_mark: {text}")])

    def _audit(self, entry: dict[str, str], outcome: str, detail: str | None) -> None:
        row = AuditEntry(at=self.settings.clock.now(), outcome=outcome, detail=detail, **entry)
        if self.audit is not None:
            self.audit(row)
        else:
            record(self.store, row)
