"""``oversight jobs``, ``oversight digest`` and ``oversight remind``: the scheduled jobs by hand."""

from __future__ import annotations

import signal
import threading
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from oversight.cli import as_of_option, date_option
from oversight.settings import Settings, channel_id
from oversight.store import Store

if TYPE_CHECKING:
    from jobs.tasks import Jobs


def _settings(ctx: click.Context) -> Settings:
    return ctx.find_object(Settings)


def _as_of(value: str | None) -> date | None:
    return date_option("--as-of", value)


def _jobs(settings: Settings, store: Store) -> Jobs:
    """The jobs with a Slack client: the token is checked first, never printed."""
    from jobs.tasks import Jobs
    from oversight.slack.plumbing import make_client

    return Jobs(settings=settings, store=store, client=make_client(settings))


@click.group()
def jobs() -> None:
    """The scheduled jobs: list them, or run them without the bot."""


@jobs.command("list")
@click.pass_context
def list_jobs(ctx: click.Context) -> None:
    """Every job with its next run, in Europe/London time."""
    from jobs.scheduler import next_runs

    settings = _settings(ctx)
    for spec, when in next_runs(settings, settings.clock.now()):
        shown = f"{when:%a %d %b %Y %H:%M %Z}" if when else "never"
        click.echo(f"{spec.name:<20} next {shown}   ({spec.setting})")


@jobs.command("run")
@click.pass_context
def run_jobs(ctx: click.Context) -> None:
    """Run the scheduler until stopped, for when the bot and the jobs run apart."""
    from jobs.scheduler import scheduled_jobs
    from oversight.slack.plumbing import configure_logging

    settings = _settings(ctx)
    configure_logging(settings.secrets)
    settings.require_digest_channel()
    settings.require_bot_token()
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    with settings.open_store() as store, scheduled_jobs(settings, store):
        stopped.wait()


@click.group()
def digest() -> None:
    """The weekly digest: preview it, send it, or list what was sent."""


@digest.command("preview")
@as_of_option("The digest as of this date (default: today).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the chart (PNG) and the figures (XLSX) into this folder.",
)
@click.pass_context
def preview_digest(ctx: click.Context, as_of: str | None, out: Path | None) -> None:
    """Print the digest as text, and whether it has the figures of the digest sent for that
    week; touches no Slack."""
    from oversight.answers.digest import weekly_digest
    from oversight.render.text import render_text

    settings = _settings(ctx)
    day = _as_of(as_of) or settings.clock.today()
    with settings.open_store() as store:
        result = weekly_digest(store, day, settings.clock.now(), settings)
        comparison = _compared_with_sent(store, result)
    click.echo(render_text(result), nl=False)
    for line in comparison:
        click.echo(line)
    if out is not None:
        from oversight.render.digest import digest_files

        _write_files(out, digest_files(result))


def _write_files(out: Path, files: list[tuple[str, str, bytes]]) -> None:
    """Write a preview's files (name, title, content) into ``out``, owner-only (they hold case
    or hospital figures), and say which."""
    from oversight.store import write_private_files

    written = [str(path) for path in write_private_files(out, files)]
    click.echo(f"Wrote {', '.join(written[:-1])} and {written[-1]}.")


def _compared_with_sent(store: Store, result: object) -> list[str]:
    """How ``result`` compares with the digest sent for its week (nothing when none was)."""
    from oversight import ledger
    from oversight.answers.digest import DIGEST_JOB
    from oversight.answers.published import compare
    from oversight.render.json import to_plain
    from oversight.render.published import published_lines

    entry = ledger.sent(store, DIGEST_JOB, result.period)
    if entry is None:
        return []
    published = compare(entry, to_plain(result), store)
    workstreams = [f.workstream for f in result.backlog.figures]
    return ["", *published_lines(published, workstreams)]


@digest.command("show")
@click.argument("period")
@click.option("--json", "as_json", is_flag=True, help="Print the figures sent, as JSON.")
@click.pass_context
def show_digest(ctx: click.Context, period: str, as_json: bool) -> None:
    """Print the digest sent for PERIOD (a week, 2020-W28, or a date in it) as it was sent."""
    from oversight.answers.published import Published, period_named, sent_digest
    from oversight.render.published import sent_line

    settings = _settings(ctx)
    with settings.open_store() as store:
        entry = sent_digest(store, period_named(period))
    published = Published(entry, None)
    if entry.figures is None:
        raise click.ClickException(
            f"The digest for {entry.period} was sent before oversight kept what digests said: "
            f"its message is in Slack (channel {entry.channel}, ts {entry.message_ts})."
        )
    if as_json:
        click.echo(entry.figures)
        return
    click.echo(entry.text, nl=False)
    click.echo("")
    click.echo(f"As published: {sent_line(published)}.")


@digest.command("send")
@click.option("--channel", help="Post to this channel ID (default: DIGEST_CHANNEL).")
@click.option("--force", is_flag=True, help="Post even if this week's digest was already sent.")
@as_of_option("The digest as of this date (default: today).")
@click.pass_context
def send_digest(ctx: click.Context, channel: str | None, force: bool, as_of: str | None) -> None:
    """Post the digest now, through the ledger: at most once a week unless --force."""
    channel = channel_id(channel or "", "--channel") or None
    _send(ctx, lambda jobs: jobs.send_digest(as_of=_as_of(as_of), channel=channel, force=force))


@digest.command("history")
@click.pass_context
def digest_history(ctx: click.Context) -> None:
    """Every digest and reminder the ledger knows: when, where, and the message timestamp."""
    from oversight import ledger

    settings = _settings(ctx)
    with settings.open_store() as store:
        entries = ledger.history(store)
    if not entries:
        click.echo("Nothing has been sent yet.")
    for e in entries:
        when = f"{e.sent_at:%Y-%m-%d %H:%M}" if e.sent_at else "-"
        error = f"  last error: {e.last_error}" if e.last_error and e.state != "sent" else ""
        click.echo(
            f"{e.job:<20} {e.period:<12} {e.state:<9} {when}  {e.channel or '-'}  "
            f"ts {e.message_ts or '-'}  tries {e.attempts}{error}"
        )


@click.group()
def remind() -> None:
    """Reminders of deadlines and data returns due soon or overdue."""


@remind.command("preview")
@as_of_option()
@click.pass_context
def preview_reminders(ctx: click.Context, as_of: str | None) -> None:
    """Print today's reminder as text; touches no Slack."""
    from oversight.answers.reminders import reminders
    from oversight.render.text import render_text

    settings = _settings(ctx)
    day = _as_of(as_of) or settings.clock.today()
    with settings.open_store() as store:
        click.echo(render_text(reminders(store, day, settings.reminder_days)), nl=False)


@remind.command("send")
@click.option("--force", is_flag=True, help="Post even if today's reminder was already sent.")
@click.pass_context
def send_reminders(ctx: click.Context, force: bool) -> None:
    """Post today's reminder now, through the ledger (nothing when there is nothing to say)."""
    _send(ctx, lambda jobs: jobs.send_reminders(force=force))


def _send(ctx: click.Context, action: object) -> None:
    from jobs.posting import PostFailed
    from oversight.slack.plumbing import configure_logging

    settings = _settings(ctx)
    configure_logging(settings.secrets)
    with settings.open_store() as store:
        try:
            outcome = action(_jobs(settings, store))
        except PostFailed as failure:
            raise click.ClickException(str(failure)) from None
    click.echo(outcome.sentence)


@click.group()
def profile() -> None:
    """The monthly violence profile: preview it, or send it (once a month)."""


@profile.command("preview")
@as_of_option("The profile as of this date (default: today).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the map, the hours of the week, the trend (PNG) and the workbook (XLSX) here.",
)
@click.pass_context
def preview_profile(ctx: click.Context, as_of: str | None, out: Path | None) -> None:
    """Print the profile as text and write its files; touches no Slack."""
    from oversight.answers.violence import ViolenceOptions, violence_answer
    from oversight.render.text import render_text

    settings = _settings(ctx)
    day = _as_of(as_of) or settings.clock.today()
    with settings.open_store() as store:
        answer = violence_answer(store, day, ViolenceOptions(), settings.clock.now(), settings)
    click.echo(render_text(answer), nl=False)
    if out is not None:
        from oversight.render.violence_files import profile_files

        _write_files(out, profile_files(answer))


@profile.command("send")
@as_of_option("The profile as of this date (default: today).")
@click.option("--channel", help="Post to this channel ID (default: VIOLENCE_CHANNEL).")
@click.pass_context
def send_profile(ctx: click.Context, as_of: str | None, channel: str | None) -> None:
    """Post the profile now, through the ledger: at most once a month."""
    channel = channel_id(channel or "", "--channel") or None
    _send(ctx, lambda jobs: jobs.send_violence_profile(as_of=_as_of(as_of), channel=channel))
