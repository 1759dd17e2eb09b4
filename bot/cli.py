"""``oversight bot``: run the Slack bot until stopped (SIGINT or SIGTERM)."""

from __future__ import annotations

import signal
import threading

import click

from oversight.settings import Settings


@click.command()
@click.option("--host", default="0.0.0.0", show_default=True, help="HTTP mode: where to listen.")
@click.pass_context
def bot(ctx: click.Context, host: str) -> None:
    """Run the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT.

    The scheduled jobs (weekly digest, reminders, stale-data alarm) run inside it when
    DIGEST_CHANNEL is set.
    """
    from bot.logs import configure_logging
    from bot.run import start
    from jobs.scheduler import job_specs, start_jobs
    from oversight.store import open_store

    settings: Settings = ctx.find_object(Settings)
    configure_logging(settings.secrets)
    job_specs(settings)  # a bad DIGEST_CRON or REMINDER_CRON stops start-up here
    store = open_store(settings.db_path)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    try:
        running = start(settings, store, host)
        scheduler = None
        try:
            scheduler = start_jobs(settings, store)
            stopped.wait()
        finally:
            if scheduler is not None:
                scheduler.stop()
            running.stop()
    finally:
        store.close()
