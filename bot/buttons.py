"""The buttons on an answer, and what a click on one does.

Every answer the bot gives only to its asker ends with buttons: *Share in channel*, *Workbook*
and, on ``/backlog`` and ``/crime``, switches between workstreams and crime types. A button
carries the words of the question it answers again (``/backlog da as of 2020-06-30``), signed
by the bot (an HMAC under a key derived from its token), so that a click answers the same
question as of the same date, and a button the bot did not make is refused. Each click is
checked again against the allow-list at that moment, asking Slack afresh (the person may have
left the allowed group since the answer was sent), and audited like a command.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.access import AccessPolicy
from bot.workbooks import WorkbookWorker
from oversight.answers import COMMANDS, Query, UsageError, answer, parse_command
from oversight.answers.commands import Switch
from oversight.audit import AuditEntry
from oversight.render.blocks import MAX_BLOCKS, Block, context, fit, render_blocks, section
from oversight.settings import Settings
from oversight.slack.plumbing import describe_failure
from oversight.store import Store

log = logging.getLogger(__name__)

SHARE, SWITCH, WORKBOOK = "share", "switch", "workbook"
BLOCK_ID = "oversight-actions"
_TAG_CHARS = 22  # 128 bits of the HMAC, in base64
NOT_OURS = "That button did not come from oversight: nothing was done."
UNKNOWN = "That is not a button oversight knows: nothing was done."
NOT_SHARED = ":lock: Not shared: this channel is not one the figures may be posted in."


class ButtonSigner:
    """Signs the words a button carries, and checks them when it is clicked."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"oversight buttons\0" + secret.encode()).digest()

    def sign(self, action: str, text: str) -> str:
        return f"{self._tag(action, text)}|{text}"

    def verify(self, action: str, value: object) -> str | None:
        """The words ``value`` carries if the bot signed them for ``action``; else None."""
        if not isinstance(value, str) or "|" not in value:
            return None
        tag, text = value.split("|", 1)
        return text if hmac.compare_digest(tag, self._tag(action, text)) else None

    def _tag(self, action: str, text: str) -> str:
        digest = hmac.new(self._key, f"{action}\0{text}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:_TAG_CHARS]


def _button(text: str, action_id: str, value: str, primary: bool = False) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if primary:
        button["style"] = "primary"
    return button


@dataclass
class Buttons:
    settings: Settings
    store: Store
    access: AccessPolicy
    client: WebClient
    audit: Callable[[AuditEntry], None]
    signer: ButtonSigner
    workbooks: WorkbookWorker  # builds and sends workbooks, outside the answer pool

    # --- making them ---------------------------------------------------------------------------

    def actions(self, query: Query, result: object, share: bool = True) -> Block:
        """The buttons under the answer ``result`` to ``query`` (its date already set)."""
        elements: list[Block] = []
        for switch in COMMANDS[query.command].switches(query, result):
            elements += self._switch(query, switch)
        if share and COMMANDS[query.command].shareable:
            elements.append(
                _button("Share in channel", SHARE, self.signer.sign(SHARE, query.text()))
            )
        elements.append(_button("Workbook", WORKBOOK, self.signer.sign(WORKBOOK, query.text())))
        return {"type": "actions", "block_id": BLOCK_ID, "elements": elements}

    def _switch(self, query: Query, switch: Switch) -> list[Block]:
        """The command's other answers a click away: a button each, or one menu."""
        signed = [
            self.signer.sign(SWITCH, replace(query, options=choice.options).text())
            for choice in switch.choices
        ]
        if switch.menu is None:
            return [
                _button(choice.label, f"{SWITCH}-{choice.key}", value, i == switch.chosen)
                for i, (choice, value) in enumerate(zip(switch.choices, signed, strict=True))
            ]
        options = [
            {"text": {"type": "plain_text", "text": choice.label[:75]}, "value": value}
            for choice, value in zip(switch.choices, signed, strict=True)
        ]
        return [
            {
                "type": "static_select",
                "action_id": f"{SWITCH}-menu",
                "placeholder": {"type": "plain_text", "text": switch.menu},
                "options": options,
                "initial_option": options[switch.chosen],
            }
        ]

    def with_actions(
        self, query: Query, result: object, blocks: list[Block], share: bool = True
    ) -> list[Block]:
        """``blocks`` with the buttons under them, within Slack's 50 blocks."""
        return [*fit(blocks, MAX_BLOCKS - 1), self.actions(query, result, share)]

    # --- a click -----------------------------------------------------------------------------

    def click(self, body: dict[str, Any], respond: Callable[..., Any] | None) -> None:
        """Do what the clicked button says, if the bot made it and the person may see figures.

        ``respond`` is None for a click that came with no response URL (not from a message):
        it is still checked and audited, and nothing is sent.
        """
        respond = respond or _nowhere
        entry = click_entry(body)
        user_id, channel_id = entry["user_id"], entry["channel_id"]
        action = _action(body)
        kind = str(action.get("action_id", "")).split("-", 1)[0]
        value = action.get("value")
        if isinstance(action.get("selected_option"), dict):
            value = action["selected_option"].get("value")

        def refuse(reason: str, detail: str, text: str | None = None) -> None:
            self._audit(entry, text, "refused", detail)
            respond(text=reason, blocks=[section(f":no_entry: {reason}")], replace_original=False)

        if entry["command"] == "button:unknown":
            return refuse(UNKNOWN, "an action the bot does not know")
        text = self.signer.verify(kind, value)
        if text is None:
            return refuse(NOT_OURS, "a button the bot did not make")
        decision = self.access.check(user_id, channel_id, fresh=True)
        if not decision.allowed:
            return refuse(decision.reason, decision.reason, text)
        try:
            query = parse_command(text)
            now = self.settings.clock.now()
            # Audited before the reply is sent, as a command is: in the order people saw them.
            if kind == WORKBOOK:
                busy = self.workbooks.submit(
                    (user_id, text), lambda: self._send_workbook(entry, text, query, now, respond)
                )
                return None if busy is None else refuse(busy, busy, text)
            result = answer(self.store, query, now, self.settings)
            fallback, blocks = render_blocks(result)
            if kind == SWITCH:
                self._audit(entry, text, "answered", None)
                respond(
                    text=fallback,
                    blocks=self.with_actions(query, result, blocks),
                    replace_original=True,
                )
                return
            if channel_id in self.settings.share_channels:
                self.client.chat_postMessage(channel=channel_id, text=fallback, blocks=blocks)
                return self._audit(entry, text, "shared", None)
            self._audit(entry, text, "refused", "not a channel figures may be shared in")
            kept = [*fit(blocks, MAX_BLOCKS - 2), context(NOT_SHARED)]
            respond(
                text=fallback,
                blocks=self.with_actions(query, result, kept, share=False),
                replace_original=True,
            )
        except UsageError as error:  # a date out of range, in a button the bot signed long ago
            return refuse(error.problem, error.problem, text)
        except Exception as error:
            self._failed(entry, text, error, respond)

    def _failed(
        self, entry: dict[str, str], text: str, error: Exception, respond: Callable[..., Any]
    ) -> None:
        why = describe_failure(error)
        log.error("Could not answer a click on %s: %s", entry["command"], why)
        self._audit(entry, text, "error", why)
        # Slack's refusal in words (a missing scope, say) helps; any other error is logged.
        said = why if isinstance(error, SlackApiError) else "Something went wrong."
        message = f"That did not work: {said} It has been logged."
        respond(text=message, blocks=[section(f":x: {message}")], replace_original=False)

    def _send_workbook(
        self,
        entry: dict[str, str],
        text: str,
        query: Query,
        now: Any,
        respond: Callable[..., Any],
    ) -> None:
        """Build the workbook and send it (in the workbook worker), then say so."""
        try:
            try:
                self._workbook(entry["user_id"], query, now)
            except Exception as error:
                return self._failed(entry, text, error, respond)
            self._audit(entry, text, "answered", "workbook sent by direct message")
            message = "The figures workbook is in your direct messages with me."
            respond(text=message, blocks=[section(message)], replace_original=False)
        except Exception as unsent:  # the response URL could not be reached: nothing more to do
            log.warning("Could not reply to a click on Workbook: %s", describe_failure(unsent))

    def _workbook(self, user_id: str, query: Query, now: Any) -> None:
        """The answer's own workbook (the violence profile's), else the weekly digest's."""
        from oversight.answers.digest import weekly_digest
        from oversight.render.workbook import answer_workbook, figures_workbook

        as_of = query.as_of or now.date()
        made = answer_workbook(answer(self.store, query, now, self.settings))
        if made is None:
            made = figures_workbook(weekly_digest(self.store, as_of, now, self.settings))
        name, title, data = made
        channel = self.client.conversations_open(users=user_id)["channel"]["id"]
        self.client.files_upload_v2(
            channel=channel,
            file=data,
            filename=name,
            title=title,
            initial_comment=f"The figures workbook as of {as_of.isoformat()}, as you asked.",
        )

    def _audit(self, entry: dict[str, str], text: str | None, outcome: str, detail: str | None):
        at = self.settings.clock.now()
        self.audit(AuditEntry(at=at, text=text, outcome=outcome, detail=detail, **entry))


def click_entry(body: dict[str, Any]) -> dict[str, str]:
    """Who clicked, where, and which kind of button, as the audit log names them."""
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    action_id = str(_action(body).get("action_id", ""))
    known = action_id in (SHARE, WORKBOOK) or action_id.startswith(f"{SWITCH}-")
    kind = action_id.split("-", 1)[0] if known else "unknown"
    return {
        "user_id": str(user.get("id", "")),
        "channel_id": _channel(body),
        "command": f"button:{kind}",
    }


def _action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions") if isinstance(body.get("actions"), list) else []
    return actions[0] if actions and isinstance(actions[0], dict) else {}


def _nowhere(**message: object) -> None:
    log.warning("A click came with no response URL: nothing was sent back.")


def _channel(body: dict[str, Any]) -> str:
    channel = body.get("channel")
    if isinstance(channel, dict) and channel.get("id"):
        return str(channel["id"])
    container = body.get("container") if isinstance(body.get("container"), dict) else {}
    return str(container.get("channel_id", ""))
