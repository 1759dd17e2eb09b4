"""Posting a scheduled message exactly once: claim in the ledger, post, upload, record.

A failure (5xx, a dropped connection, 429 beyond the client's retries) releases the claim and
is raised as :class:`PostFailed`, for the caller to try again with back-off. A message already
posted is never posted again: a retry only finishes its uploads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from oversight import ledger
from oversight.settings import Settings
from oversight.slack.plumbing import describe_failure
from oversight.store import Store

log = logging.getLogger(__name__)


class PostFailed(Exception):
    """Slack did not take the message; the claim was released so a later try can claim it."""


@dataclass(frozen=True)
class Upload:
    filename: str
    title: str
    content: bytes


@dataclass(frozen=True)
class Message:
    job: str
    period: str
    channel: str
    text: str
    blocks: list[dict[str, object]]
    # The files for its thread, made only once the message is claimed (the digest's charts and
    # workbook take seconds: a send that finds the week already claimed never makes them).
    uploads: Callable[[], list[Upload]] = list
    snapshot: str | None = None  # kept in the ledger for the next message to compare with
    # What it says, kept in the ledger when it is sent (the digest's answer model as JSON, and
    # as text), so that a published figure can be shown and reproduced later.
    figures: str | None = None
    record: str | None = None


@dataclass(frozen=True)
class Outcome:
    posted: bool
    sentence: str
    message_ts: str | None = None


def post_once(
    settings: Settings, store: Store, client: WebClient, message: Message, force: bool = False
) -> Outcome:
    """Post ``message`` unless its (job, period) was already claimed or sent: claim it in the
    ledger, post, upload its files in the thread, and record the message's ts at once.

    Returns the outcome in a sentence (posted, or why not). Raises :class:`PostFailed`, with
    the claim released, when Slack did not take it; a retry then only does what is left.
    ``force`` posts again under a period of its own, so the ledger still shows it.
    """
    job, period = message.job, message.period
    now = settings.clock.now()
    if force:
        # A forced send is recorded under its own period, so the ledger still shows it.
        period = f"{period} forced {now:%Y-%m-%dT%H:%M:%S}"
    claim = ledger.claim(store, job, period, now)
    if not claim.granted:
        return Outcome(False, f"The {job} for {period} was {claim.reason}: nothing was posted.")
    ts = claim.entry.message_ts if claim.entry else None
    try:
        uploads = message.uploads()
        if ts is None:
            response = client.chat_postMessage(
                channel=message.channel,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
            ts = response["ts"]
            ledger.mark_posted(store, job, period, message.channel, ts)
        if uploads:
            client.files_upload_v2(
                channel=message.channel,
                thread_ts=ts,
                file_uploads=[
                    {"content": u.content, "filename": u.filename, "title": u.title}
                    for u in uploads
                ],
            )
    except (SlackClientError, OSError) as error:  # SlackApiError is a SlackClientError
        raise _failed(store, job, period, ts, describe_failure(error)) from None
    ledger.mark_sent(
        store,
        job,
        period,
        settings.clock.now(),
        message.channel,
        ts,
        message.snapshot,
        figures=message.figures,
        text=message.record,
    )
    log.info("Posted the %s for %s to %s (ts %s).", job, period, message.channel, ts)
    return Outcome(True, f"Posted the {job} for {period} to {message.channel} (ts {ts}).", ts)


def _failed(store: Store, job: str, period: str, ts: str | None, reason: str) -> PostFailed:
    ledger.release(store, job, period, reason)
    if ts is None:
        what = f"The {job} for {period} was not posted: {reason}"
    else:  # the message is in Slack: say so, as the next try only finishes the uploads
        what = (
            f"The {job} for {period} was posted (ts {ts}) but its files were not uploaded: {reason}"
        )
    log.warning("%s The claim was released.", what)
    return PostFailed(what)
