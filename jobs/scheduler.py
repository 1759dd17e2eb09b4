"""The scheduler (APScheduler 3.11, Europe/London): when each job runs, catch-up and back-off.

Runs missed while the process was down are caught up once at start-up within
``MISFIRE_GRACE_HOURS``; the ledger makes a catch-up that races a normal run harmless.
A post that fails is tried again with back-off, through the same ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from jobs.posting import Outcome, PostFailed
from jobs.tasks import Jobs
from jobs.triggers import WorkingDayTrigger, cron_trigger
from oversight.clock import LONDON
from oversight.errors import UserError
from oversight.settings import Settings
from oversight.slack.plumbing import make_client
from oversight.store import Store

log = logging.getLogger(__name__)

STALE_ALARM_CRON = "15 9 * * *"  # one alarm a day while the case extract is stale
INTEGRITY_POLL_SECONDS = 30
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))


@dataclass(frozen=True)
class JobSpec:
    id: str
    name: str
    trigger: BaseTrigger
    setting: str  # where its timing comes from


def job_specs(settings: Settings) -> list[JobSpec]:
    """Every job and its trigger; a bad setting stops here with one sentence naming it."""
    digest = WorkingDayTrigger(
        cron_trigger(settings.digest_cron, "DIGEST_CRON"), settings.digest_on_holiday
    )
    # Reminders are for working days: none on a bank holiday.
    reminder = WorkingDayTrigger(cron_trigger(settings.reminder_cron, "REMINDER_CRON"), "skip")
    stale = cron_trigger(STALE_ALARM_CRON, "the stale-data alarm")
    return [
        JobSpec("weekly-digest", "Weekly digest", digest, f"DIGEST_CRON={settings.digest_cron}"),
        JobSpec(
            "deadline-reminders",
            "Deadline reminders",
            reminder,
            f"REMINDER_CRON={settings.reminder_cron}",
        ),
        JobSpec("stale-data-alarm", "Stale-data alarm", stale, "daily at 09:15"),
        # Whether the import ran in this process or another: an alert within a minute.
        JobSpec(
            "integrity-alert",
            "Integrity alerts",
            IntervalTrigger(
                seconds=INTEGRITY_POLL_SECONDS, start_date=settings.clock.now(), timezone=LONDON
            ),
            f"every {INTEGRITY_POLL_SECONDS} seconds, for each case import that lost records",
        ),
    ]


def next_runs(settings: Settings, now: datetime) -> list[tuple[JobSpec, datetime | None]]:
    return [(spec, spec.trigger.get_next_fire_time(None, now)) for spec in job_specs(settings)]


def missed_runs(settings: Settings, now: datetime) -> list[tuple[JobSpec, datetime]]:
    """Runs scheduled within the grace period before ``now`` (at most one per job)."""
    since = now - timedelta(hours=settings.misfire_grace_hours)
    missed = []
    for spec in job_specs(settings):
        fire, last = spec.trigger.get_next_fire_time(None, since), None
        while fire is not None and fire <= now:
            last = fire
            fire = spec.trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        if last is not None:
            missed.append((spec, last))
    return missed


class Scheduler:
    """The jobs on an APScheduler background scheduler."""

    def __init__(self, jobs: Jobs) -> None:
        self.jobs = jobs
        settings = jobs.settings
        self.specs = job_specs(settings)
        self.actions: dict[str, Callable[[], Outcome]] = {
            "weekly-digest": jobs.send_digest,
            "deadline-reminders": jobs.send_reminders,
            "stale-data-alarm": jobs.send_stale_alarm,
            "integrity-alert": jobs.send_integrity_alerts,
        }
        self.scheduler = BackgroundScheduler(
            timezone=LONDON,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": settings.misfire_grace_hours * 3600,
            },
        )
        for spec in self.specs:
            self.scheduler.add_job(
                self.run, spec.trigger, args=[spec.id], id=spec.id, name=spec.name
            )

    def start(self) -> None:
        self.scheduler.start()
        for spec, when in missed_runs(self.jobs.settings, self.jobs.settings.clock.now()):
            log.info("Catching up the %s missed at %s.", spec.name.lower(), when.isoformat())
            self.scheduler.add_job(
                self.run, args=[spec.id], id=f"{spec.id}-catch-up", replace_existing=True
            )

    def stop(self) -> None:
        self.scheduler.shutdown(wait=True)

    def run(self, job_id: str, attempt: int = 0) -> Outcome | None:
        try:
            outcome = self.actions[job_id]()
        except PostFailed as failure:
            if attempt >= len(BACKOFF):
                log.error("%s Giving up after %d tries.", failure, attempt + 1)
                return None
            delay = BACKOFF[attempt]
            log.warning("%s Trying again in %s.", failure, delay)
            self.scheduler.add_job(
                self.run,
                "date",
                run_date=self.jobs.settings.clock.now() + delay,
                args=[job_id, attempt + 1],
                id=f"{job_id}-retry",
                replace_existing=True,
                # A retry is owed however late it runs (a machine that slept, a fixed
                # OVERSIGHT_NOW in the past): the misfire grace would silently drop it.
                misfire_grace_time=None,
            )
            return None
        except UserError as error:  # a setting to fix, said in one sentence
            log.error("The %s job did not run: %s", job_id, error)
            return None
        except Exception as error:  # a job must never take the scheduler down
            # The type only: an exception's text could carry case details into the log.
            log.error("The %s job failed: %s.", job_id, type(error).__name__)
            return None
        log.info("%s", outcome.sentence)
        return outcome


@contextmanager
def scheduled_jobs(settings: Settings, store: Store) -> Iterator[Scheduler | None]:
    """The scheduler, started for the length of a ``with`` block; None, and a warning that
    says why, when the jobs are off (no DIGEST_CHANNEL)."""
    if not settings.digest_channel:
        log.warning("DIGEST_CHANNEL is not set: the digest, reminders and alarm are off.")
        yield None
        return
    scheduler = Scheduler(Jobs(settings=settings, store=store, client=make_client(settings)))
    scheduler.start()
    try:
        for spec, when in next_runs(settings, settings.clock.now()):
            shown = f"{when:%a %d %b %Y %H:%M %Z}" if when else "never"
            log.info("%s: next at %s.", spec.name, shown)
        yield scheduler
    finally:
        scheduler.stop()
