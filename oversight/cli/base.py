"""The ``oversight`` command group, its shared options, and how a user's mistake is said."""

from __future__ import annotations

import getpass
import sqlite3
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import click

from oversight.errors import InvalidExtract, UserError
from oversight.importing.kinds import KINDS
from oversight.settings import Settings, load_settings

F = TypeVar("F", bound=Callable[..., object])
CONFIGURED_DB = "oversight.configured_db"  # ctx.meta: the database before ``oversight --db``


class Failure(click.ClickException):
    """A user's mistake: the sentence (and any details) on stderr, exit status 2."""

    exit_code = 2

    def __init__(self, error: UserError) -> None:
        super().__init__(str(error))
        self.error = error
        self.exit_code = error.exit_code  # 2, or 75 for a database that stayed locked

    def show(self, file: object = None) -> None:
        from oversight.answers import UsageError

        error = self.error
        text = error.usage() if isinstance(error, UsageError) else str(error)
        if isinstance(error, InvalidExtract):
            text += "\n" + "\n".join(f"  {line}" for line in error.details())
        click.echo(text, err=True)


class Group(click.Group):
    """The oversight commands, plus those that other packages add (``oversight bot``).

    Commands that need Slack live in ``bot/`` and ``jobs/`` and are found through the
    ``oversight.commands`` entry points, so the core never imports them; only a command that
    is not the core's own pays for looking them up.
    """

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except UserError as error:
            raise Failure(error) from None
        except sqlite3.Error as error:  # met outside a write: said for the configured database
            from oversight.store import describe_fault

            fault = describe_fault(error, ctx.find_object(Settings).db_path)
            if fault is None:
                raise
            raise Failure(fault) from None

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None and name in _plugin_commands():
            command = _plugin_commands()[name].load()
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_plugin_commands()})


def _plugin_commands() -> dict[str, object]:
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group="oversight.commands")}


class KindName(click.ParamType):
    """A kind of extract, checked against the kinds declared when the command runs (so a kind
    registered by a plug-in is accepted like the built-in ones)."""

    name = "kind"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "{" + "|".join(KINDS.names()) + "}"

    def convert(self, value: object, param: object, ctx: click.Context | None) -> str:
        if value in KINDS:
            return str(value)
        self.fail(f"{value!r} is not one of {', '.join(map(repr, KINDS.names()))}.", param, ctx)


def settings_of(ctx: click.Context) -> Settings:
    return ctx.find_object(Settings)


def as_of_option(help: str = "As of this date (default: today).") -> Callable[[F], F]:
    """The shared ``--as-of DATE`` option, given to the command as ``as_of`` (text)."""
    return click.option("--as-of", "as_of", metavar="DATE", help=help)


def date_option(option: str, value: str | None) -> date | None:
    """A date given to an option, or one sentence naming the option."""
    if value is None:
        return None
    from oversight.values import parse_date

    try:
        return parse_date(value)
    except ValueError as error:
        raise UserError(f"{option}: {error}: use YYYY-MM-DD or DD/MM/YYYY.") from None


@click.group(cls=Group)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The database file (default: $OVERSIGHT_DB, else ./oversight.db).",
)
@click.version_option(package_name="oversight")
@click.pass_context
def cli(ctx: click.Context, db_path: Path | None) -> None:
    """Oversee a police force's recovery from a failed records-system launch."""
    try:
        settings = load_settings()
    except UserError as error:
        raise Failure(error) from None
    if db_path is not None:
        from dataclasses import replace

        # Kept for ``oversight --db FILE demo``, which builds the demo at FILE: the database
        # it must not overwrite is the configured one.
        ctx.meta[CONFIGURED_DB] = settings.db_path
        settings = replace(settings, db_path=db_path)
    ctx.obj = settings


class Progress:
    """A progress bar on a terminal, for files big enough to wait for."""

    def __init__(self, file: Path) -> None:
        big = file.is_file() and file.stat().st_size > 8 << 20
        self.bar = None
        if big and sys.stderr.isatty():
            self.bar = click.progressbar(length=1000, label="Reading", file=sys.stderr)
        self.done = 0

    def update(self, fraction: float) -> None:
        step = int(fraction * 1000) - self.done
        if self.bar is not None and step > 0:
            self.bar.update(step)
            self.done += step

    def __enter__(self) -> object:
        if self.bar is None:
            return None
        self.bar.__enter__()
        return self.update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def waiting_for_lock(path: Path, seconds: float) -> None:
    click.echo(
        f"Waiting for the database {path}, held by another process (an import or a backup); "
        f"giving up after {seconds:g} seconds (LOCK_TIMEOUT_SECONDS).",
        err=True,
    )


def check_folder(db_path: Path) -> None:
    if not db_path.parent.is_dir():
        raise UserError(
            f"The folder {db_path.parent} does not exist: create it, or choose another "
            "database file (--db or OVERSIGHT_DB)."
        )


def login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
