"""The jobs themselves: build the message from the core, then post it exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from slack_sdk import WebClient

from jobs.posting import Message, Outcome, Upload, post_once
from oversight import ledger
from oversight.answers.alarms import (
    INTEGRITY_JOB,
    STALE_JOB,
    IntegrityAlert,
    crime_alarms,
    integrity_alerts,
    stale_alarm,
)
from oversight.answers.digest import DIGEST_JOB, DigestAnswer, weekly_digest
from oversight.answers.reminders import (
    REMINDER_JOB,
    REQUEST_JOB,
    RequestReminder,
    reminders,
    request_reminders,
)
from oversight.answers.violence import VIOLENCE_JOB, ViolenceAnswer
from oversight.errors import UserError
from oversight.render.blocks import render_blocks
from oversight.render.digest import digest_files
from oversight.render.findings import findings_csv
from oversight.render.json import to_json
from oversight.render.text import render_text
from oversight.settings import Settings
from oversight.store import Store


@dataclass
class Jobs:
    """What every job needs: the settings (and their clock), the store and a Slack client."""

    settings: Settings
    store: Store
    client: WebClient

    def digest(self, as_of: date | None = None) -> DigestAnswer:
        now = self.settings.clock.now()
        return weekly_digest(self.store, as_of or now.date(), now, self.settings)

    def send_digest(
        self, as_of: date | None = None, channel: str | None = None, force: bool = False
    ) -> Outcome:
        channel = channel or self.settings.require_digest_channel()
        digest = self.digest(as_of)
        text, blocks = render_blocks(digest)
        return post_once(
            self.settings,
            self.store,
            self.client,
            Message(
                job=DIGEST_JOB,
                period=digest.period,
                channel=channel,
                text=text,
                blocks=blocks,
                uploads=lambda: [Upload(*file) for file in digest_files(digest)],
                snapshot=digest.snapshot(),
                figures=to_json(digest),
                record=render_text(digest),
            ),
            force=force,
        )

    def violence_profile(self, as_of: date | None = None) -> ViolenceAnswer:
        from oversight.answers.violence import ViolenceOptions, violence_answer

        now = self.settings.clock.now()
        return violence_answer(self.store, as_of or now.date(), ViolenceOptions(), now,
                               self.settings)  # fmt: skip

    def send_violence_profile(
        self, as_of: date | None = None, channel: str | None = None
    ) -> Outcome:
        """The monthly violence profile, once a month (the ledger's period is the month), with
        its pictures and workbook in the thread."""
        from oversight.render.violence_files import profile_files

        channel = channel or self.settings.violence_channel
        if not channel:
            raise UserError("VIOLENCE_CHANNEL is not set: give the channel ID the profile goes to.")
        answer = self.violence_profile(as_of)
        text, blocks = render_blocks(answer)
        return post_once(
            self.settings,
            self.store,
            self.client,
            Message(
                job=VIOLENCE_JOB,
                period=f"{answer.as_of:%Y-%m}",
                channel=channel,
                text=text,
                blocks=blocks,
                uploads=lambda: [Upload(*file) for file in profile_files(answer)],
                figures=to_json(answer),
                record=render_text(answer),
            ),
        )

    def send_reminders(self, as_of: date | None = None, force: bool = False) -> Outcome:
        """The day's reminder of deadlines and returns, then one post for each information
        request newly due soon or overdue (once per request and stage, ever)."""
        as_of = as_of or self.settings.clock.today()
        answer = reminders(self.store, as_of, self.settings.reminder_days)
        if answer.empty:
            daily = Outcome(False, "Nothing is due soon or overdue: no reminder was posted.")
        else:
            text, blocks = render_blocks(answer)
            message = Message(
                REMINDER_JOB,
                as_of.isoformat(),
                self.settings.require_digest_channel(),
                text,
                blocks,
            )
            daily = post_once(self.settings, self.store, self.client, message, force=force)
        due = request_reminders(self.store, as_of, self.settings.reminder_days)
        new = [r for r in due if ledger.sent(self.store, REQUEST_JOB, r.period) is None]
        if not new:
            return daily
        outcomes = [self._post_request(r) for r in new]
        posted = daily.posted or any(o.posted for o in outcomes)
        sentences = [daily.sentence] if not answer.empty else []
        return Outcome(posted, " ".join([*sentences, *(o.sentence for o in outcomes)]))

    def _post_request(self, reminder: RequestReminder) -> Outcome:
        text, blocks = render_blocks(reminder)
        channel = self.settings.require_digest_channel()
        message = Message(REQUEST_JOB, reminder.period, channel, text, blocks)
        return post_once(self.settings, self.store, self.client, message)

    def send_stale_alarm(self) -> Outcome:
        """The stale-data alarm: once a day while the case extract is stale, and once a month
        for each force that has stopped publishing recorded crime."""
        now = self.settings.clock.now()
        alarm = stale_alarm(self.store, now, self.settings)
        outcomes = []
        if alarm.raised:
            outcomes.append(self._post_alarm(alarm, alarm.as_of.isoformat()))
        for crime in crime_alarms(self.store, now, self.settings):
            outcomes.append(self._post_alarm(crime, crime.period))
        if not outcomes:
            return Outcome(False, "The case extract is fresh: no alarm was posted.")
        posted = [o for o in outcomes if o.posted]
        return Outcome(bool(posted), " ".join(o.sentence for o in outcomes))

    def _post_alarm(self, alarm: object, period: str) -> Outcome:
        text, blocks = render_blocks(alarm)
        message = Message(STALE_JOB, period, self.settings.require_digest_channel(), text, blocks)
        return post_once(self.settings, self.store, self.client, message)

    def send_integrity_alerts(self) -> Outcome:
        """An alert for each recent case import that lost records or undid reviews, each
        posted once ever (the ledger's period is the import), the CSV of findings in its
        thread. Imports within MISFIRE_GRACE_HOURS count, so a restart still alerts."""
        now = self.settings.clock.now()
        since = now - timedelta(hours=self.settings.misfire_grace_hours)
        alerts = integrity_alerts(self.store, now, since)
        if not alerts:
            return Outcome(False, "No recent case import lost or changed records.")
        outcomes = []
        for alert in alerts:
            text, blocks = render_blocks(alert)
            message = Message(
                INTEGRITY_JOB,
                alert.period,
                self.settings.require_digest_channel(),
                text,
                blocks,
                uploads=partial(_findings_upload, alert),
            )
            outcomes.append(post_once(self.settings, self.store, self.client, message))
        posted = [o for o in outcomes if o.posted]
        return Outcome(bool(posted), " ".join(o.sentence for o in outcomes))


def _findings_upload(alert: IntegrityAlert) -> list[Upload]:
    """The CSV of every finding of the alert's import, for its thread."""
    name = f"oversight-findings-import-{alert.source.import_id}.csv"
    return [Upload(name, "Findings", findings_csv(alert.findings).encode())]
