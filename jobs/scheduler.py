"""The scheduler (APScheduler 3.11, Europe/London): when each job runs, catch-up and back-off.

Runs missed while the process was down are caught up once at start-up within
``MISFIRE_GRACE_HOURS``; the ledger makes a catch-up that races a normal run harmless.
A post that fails is tried again with back-off, through the same ledger. A job that finds the
store locked by another process for longer than ``LOCK_TIMEOUT_SECONDS`` (a long import, a
backup) is late, not lost: it is tried again, less and less often, until the lock is let go or
its misfire window ends, and posts once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from jobs.posting import Outcome, PostFailed
from jobs.tasks import Jobs
from jobs.triggers import FirstWorkingDayTrigger, WorkingDayTrigger, cron_trigger
from oversight.answers.alarms import INTEGRITY_JOB, STALE_JOB
from oversight.answers.digest import DIGEST_JOB
from oversight.answers.reminders import REMINDER_JOB
from oversight.answers.violence import VIOLENCE_JOB
from oversight.clock import LONDON
from oversight.errors import UserError
from oversight.settings import Settings
from oversight.slack.plumbing import make_client
from oversight.store import EX_TEMPFAIL, DatabaseFault, Store

log = logging.getLogger(__name__)

STALE_ALARM_CRON = "15 9 * * *"  # one alarm a day while the case extract is stale
INTEGRITY_POLL_SECONDS = 30
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
LOCKED_RETRY_MAX = timedelta(minutes=5)  # the longest wait between tries while the store is locked
LATE_AFTER = timedelta(minutes=5)  # a post not made this long after it was due is late


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
    monthly = []
    if settings.violence_channel:
        monthly.append(
            JobSpec(
                VIOLENCE_JOB,
                "Violence profile",
                FirstWorkingDayTrigger(settings.violence_time),
                f"first working day of the month at VIOLENCE_TIME={settings.violence_time}",
            )
        )
    return [
        *monthly,
        JobSpec(DIGEST_JOB, "Weekly digest", digest, f"DIGEST_CRON={settings.digest_cron}"),
        JobSpec(
            REMINDER_JOB,
            "Deadline reminders",
            reminder,
            f"REMINDER_CRON={settings.reminder_cron}",
        ),
        JobSpec(STALE_JOB, "Stale-data alarm", stale, "daily at 09:15"),
        # Whether the import ran in this process or another: an alert within a minute.
        JobSpec(
            INTEGRITY_JOB,
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
            DIGEST_JOB: jobs.send_digest,
            REMINDER_JOB: jobs.send_reminders,
            STALE_JOB: jobs.send_stale_alarm,
            INTEGRITY_JOB: jobs.send_integrity_alerts,
            VIOLENCE_JOB: jobs.send_violence_profile,
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

    def run(
        self, job_id: str, attempt: int = 0, locked: tuple[datetime, float, int] | None = None
    ) -> Outcome | None:
        """Run a job once; ``attempt`` counts the posts Slack refused, and ``locked`` is (when
        it first found the store locked, the monotonic clock then, how many tries since)."""
        try:
            outcome = self.actions[job_id]()
        except DatabaseFault as fault:
            if fault.exit_code != EX_TEMPFAIL:
                log.error("The %s job did not run: %s", job_id, fault)
                return None
            if locked is None:
                locked = (self.jobs.settings.clock.now(), time.monotonic(), 0)
            self._try_again_when_unlocked(job_id, attempt, locked)
            return None
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
        if locked is not None:
            late = timedelta(seconds=time.monotonic() - locked[1])
            log.warning(
                "The %s went out %s late: the store was locked by another process.",
                job_id,
                _duration(late),
            )
        return outcome

    def _try_again_when_unlocked(
        self, job_id: str, attempt: int, locked: tuple[datetime, float, int]
    ) -> None:
        """The store stayed locked (a long import, a backup): try again, waiting twice as long
        each time (from LOCK_TIMEOUT_SECONDS up to five minutes), while the run's misfire
        window lasts; the ledger still makes it post once."""
        settings = self.jobs.settings
        now, (since, started, tries) = settings.clock.now(), locked
        window_ends = since + timedelta(hours=settings.misfire_grace_hours)
        wait = min(timedelta(seconds=settings.lock_timeout_seconds * 2**tries), LOCKED_RETRY_MAX)
        if now + wait > window_ends:
            log.error(
                "The %s was not posted: the store stayed locked by another process from %s to "
                "the end of its misfire window (MISFIRE_GRACE_HOURS); send it by hand once the "
                "store is free (oversight digest send, or remind send).",
                job_id,
                f"{since:%H:%M}",
            )
            return
        log.warning(
            "The %s is late: the store is locked by another process (an import or a backup); "
            "trying again at %s.",
            job_id,
            f"{now + wait:%H:%M:%S}",
        )
        self.scheduler.add_job(
            self.run,
            "date",
            run_date=now + wait,
            args=[job_id, attempt, (since, started, tries + 1)],
            # A job of its own for each try: this one is still running when it is added.
            id=f"{job_id}-locked-{tries + 1}",
            misfire_grace_time=None,
        )


def _duration(span: timedelta) -> str:
    seconds = round(span.total_seconds())
    return f"{seconds} s" if seconds < 120 else f"{round(seconds / 60)} minutes"


def late_posts(settings: Settings, now: datetime) -> list[str]:
    """The weekly digests and monthly violence profiles due within the misfire window and not
    yet sent, LATE_AFTER past their time (a store locked by a long import, Slack down): one
    sentence each, for the doctor."""
    from oversight import ledger
    from oversight.answers.digest import DIGEST_JOB, digest_period

    periods = {
        DIGEST_JOB: lambda when: digest_period(when.date()),
        VIOLENCE_JOB: lambda when: f"{when:%Y-%m}",  # the profile's period is its month
    }
    late = []
    with Store(settings.db_path) as store:
        for spec, when in missed_runs(settings, now):
            if spec.id not in periods or now - when < LATE_AFTER:
                continue
            if ledger.sent(store, spec.id, periods[spec.id](when)) is None:
                late.append(
                    f"The {spec.name.lower()} due {when:%a %d %b %Y %H:%M %Z} has not been "
                    f"posted ({_duration(now - when)} late): its log says why (a store locked "
                    "by a long import, or Slack refusing it)."
                )
    return late


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
