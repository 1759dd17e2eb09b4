"""``oversight bot``: run the Slack bot until stopped (SIGINT or SIGTERM)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack

import click

from oversight.settings import Settings
from oversight.store import Store


@click.command()
@click.option("--host", default="0.0.0.0", show_default=True, help="HTTP mode: where to listen.")
@click.pass_context
def bot(ctx: click.Context, host: str) -> None:
    """Run the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT.

    The scheduled jobs (weekly digest, reminders, stale-data alarm) run inside it when
    DIGEST_CHANNEL is set.
    """
    from bot.run import start
    from oversight.slack.plumbing import configure_logging

    settings: Settings = ctx.find_object(Settings)
    configure_logging(settings.secrets)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    with settings.open_store() as store:
        running = start(settings, store, host)
        try:
            with ExitStack() as services:
                for service in _services():
                    services.enter_context(service(settings, store))
                stopped.wait()
        finally:
            running.stop()


def _services() -> list[Callable[[Settings, Store], AbstractContextManager[object]]]:
    """What runs beside the bot in its process, found through the ``oversight.services``
    entry points (the scheduled jobs are one), so the bot never imports them itself."""
    from importlib.metadata import entry_points

    return [ep.load() for ep in entry_points(group="oversight.services")]
