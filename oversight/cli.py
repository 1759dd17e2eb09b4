"""The ``oversight`` command: import extracts, ask what the bot would answer, check the store."""

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
from oversight.values import one_line, spreadsheet_safe

F = TypeVar("F", bound=Callable[..., object])


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


def _settings(ctx: click.Context) -> Settings:
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

        settings = replace(settings, db_path=db_path)
    ctx.obj = settings


@cli.command("import")
@click.argument("kind", type=KindName())
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--sheet", help="The worksheet to read from an XLSX workbook (default: the first).")
@as_of_option("The date the extract was taken (default: today).")
@click.option("--by", "imported_by", help="Who is importing (default: your login name).")
@click.option(
    "--scope",
    type=click.Choice(["da", "cp"], case_sensitive=False),
    help="Cases only: the extract covers this workstream only, so records of the other are "
    "not reported as vanished.",
)
@click.pass_context
def import_command(
    ctx: click.Context,
    kind: str,
    file: Path,
    sheet: str | None,
    as_of: str | None,
    imported_by: str | None,
    scope: str | None,
) -> None:
    """Validate a CSV or XLSX extract, then import all of it or none of it.

    KIND is the kind of extract (see the README's table of kinds and their columns).
    """
    from oversight.importing.kinds import import_extract
    from oversight.render.words import import_report
    from oversight.values import WORKSTREAM_WORDS

    settings = _settings(ctx)
    extract_as_of = date_option("--as-of", as_of) or settings.clock.today()
    db_path = settings.db_path
    _check_folder(db_path)
    new_database = not db_path.exists()
    try:
        with (
            settings.open_store(
                create=True,
                on_wait=_waiting_for_lock,  # a person at a terminal is told why nothing happens
            ) as store,
            _Progress(file) as progress,
        ):
            result = import_extract(
                store,
                KINDS[kind],
                file,
                extract_as_of=extract_as_of,
                imported_by=imported_by or _login(),
                imported_at=settings.clock.now(),
                sheet=sheet,
                progress=progress,
                scope=WORKSTREAM_WORDS[scope.lower()] if scope else "all",
            )
    except BaseException:
        if new_database:  # a rejected first import leaves no empty database behind
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        raise
    for warning in result.warnings:
        click.echo(f"Warning: {warning}.", err=True)
    for line in import_report(result):
        click.echo(line)


class _Progress:
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


def _waiting_for_lock(path: Path, seconds: float) -> None:
    click.echo(
        f"Waiting for the database {path}, held by another process (an import or a backup); "
        f"giving up after {seconds:g} seconds (LOCK_TIMEOUT_SECONDS).",
        err=True,
    )


def _check_folder(db_path: Path) -> None:
    if not db_path.parent.is_dir():
        raise UserError(
            f"The folder {db_path.parent} does not exist: create it, or choose another "
            "database file (--db or OVERSIGHT_DB)."
        )


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@cli.command()
@click.argument("text", nargs=-1, required=True)
@as_of_option("Answer as of this date (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer model as JSON.")
@click.pass_context
def ask(ctx: click.Context, text: tuple[str, ...], as_of: str | None, as_json: bool) -> None:
    """Print the answer the Slack bot would give, e.g. oversight ask "/backlog da"."""
    from oversight.answers import answer, parse_command
    from oversight.render.json import to_json

    settings = _settings(ctx)
    query = parse_command(" ".join(text))
    as_of_date = date_option("--as-of", as_of)
    if as_of_date is not None:
        from dataclasses import replace

        query = replace(query, as_of=as_of_date)
    with settings.open_store() as store:
        result = answer(store, query, settings.clock.now(), settings)
    if as_json:
        click.echo(to_json(result))
    else:
        from oversight.render.text import render_text

        click.echo(render_text(result), nl=False)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Database path, schema version, row counts and the last import of each kind."""
    from oversight.answers.overview import status as store_status
    from oversight.render.json import to_json
    from oversight.render.text import render_text

    settings = _settings(ctx)
    with settings.open_store() as store:
        result = store_status(store, settings.clock.now(), settings)
    click.echo(to_json(result) if as_json else render_text(result), nl=as_json)


@cli.command()
@as_of_option("The latest case import as of this date (default: today).")
@click.option("--import", "import_id", type=int, metavar="N", help="The findings of import #N.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV, for a spreadsheet.")
@click.pass_context
def integrity(ctx: click.Context, as_of: str | None, import_id: int | None, as_csv: bool) -> None:
    """Every finding of the latest case import and the data gaps in recorded crime (or the
    findings of import N), one per line."""
    from oversight.figures.integrity import (
        cases_imports,
        crime_gap_findings,
        findings,
        import_of,
        latest_import,
    )
    from oversight.render.findings import findings_csv

    settings = _settings(ctx)
    day = date_option("--as-of", as_of) or settings.clock.today()
    with settings.open_store() as store:
        chosen = crime = None
        crime_rows = []
        if import_id is None:
            known = cases_imports(store, day)
            chosen = known[-1] if known else None
            crime = latest_import(store, "crimes", day)
            crime_rows = crime_gap_findings(store, day) if crime else []
        elif (crime := import_of(store, "crimes", import_id)) is not None:
            crime_rows = findings(store, import_id)
        else:
            known = cases_imports(store, date.max)
            chosen = next((i for i in known if i.import_id == import_id), None)
            if chosen is None:
                raise UserError(f"Import #{import_id} is not a case import: see oversight status.")
        rows = findings(store, chosen.import_id) if chosen is not None else []
    if as_csv:
        click.echo(findings_csv(rows + crime_rows), nl=False)
        return
    if chosen is None and crime is None:
        click.echo(f"No case extract had been imported by {day.isoformat()}.")
        return
    if chosen is not None:
        where = f"Import #{chosen.import_id} ({one_line(chosen.file_name)})"
        if not rows:
            click.echo(f"{where} found nothing lost or changed.")
        else:
            click.echo(f"{where}: {len(rows):,} findings")
        for f in rows:
            change = f"{one_line(f.old) or '-'} -> {one_line(f.new) or '-'}"
            click.echo(f"{f.kind:<24} {one_line(f.ref)}  {f.workstream or '-'}  {change}")
    if crime is not None:
        where = (
            f"Recorded crime import #{crime[0]} ({one_line(crime[1])})"
            if import_id is not None
            else f"Recorded crime as of {day.isoformat()}, each force as last imported"
        )
        click.echo(f"{where}: {len(crime_rows):,} data gaps" if crime_rows else f"{where}: no gaps")
        for f in crime_rows:
            when = f"{f.month}..{f.until_month}" if f.until_month else f.month
            numbers = f"  {one_line(f.new)} against {one_line(f.old)}" if f.old else ""
            click.echo(f"{f.kind:<24} {when}  {one_line(f.area)}  {f.area_code or '-'}{numbers}")


@cli.group()
def crimes() -> None:
    """Recorded crime held in the store."""


@crimes.command("remove")
@click.argument("force")
@click.argument("month")
@click.option("--by", "removed_by", help="Who is removing it (default: your login name).")
@click.pass_context
def remove_crime_month(ctx: click.Context, force: str, month: str, removed_by: str | None) -> None:
    """Take FORCE's MONTH (YYYY-MM) street-level file out of the store: one imported by
    mistake, or a month no force can have. Recorded in the import history and the audit log."""
    from oversight.extracts.street_format import MONTH
    from oversight.figures.crime import force_named, forces
    from oversight.importing.crimes import remove_month

    if not MONTH.fullmatch(month):
        raise UserError(f'"{one_line(month)[:20]}" is not a month: write it YYYY-MM.')
    settings = _settings(ctx)
    with settings.open_store() as store:
        known = forces(store.conn)
        chosen = force_named(known, force)
        if chosen is None:
            raise UserError(
                f"The store holds no crime data for {one_line(force)[:60]}; it holds: "
                f"{', '.join(known) or 'none'}."
            )
        import_id = remove_month(
            store,
            chosen,
            month,
            removed_by=removed_by or _login(),
            removed_at=settings.clock.now(),
        )
    click.echo(
        f"Removed {chosen}'s {month} file from the store as import #{import_id}; the audit "
        "log and the import history record it."
    )


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    metavar="N",
    help="FILE is a folder: name the backup oversight-DATE-TIME.db in it, then remove all but "
    "the newest N backups so named there.",
)
@click.pass_context
def backup(ctx: click.Context, file: Path, keep: int | None) -> None:
    """Copy the database to FILE while it is in use: consistent, checked and owner-only."""
    from oversight.backups import backup as backup_store
    from oversight.backups import backup_name, keep_newest

    settings = _settings(ctx)
    if keep is not None:
        file = file / backup_name(settings.clock.now())
    with settings.open_store() as store:
        size = backup_store(store, file)
    click.echo(
        f"Backed up {settings.db_path} to {file} ({size:,} bytes; SQLite's quick_check: ok)."
    )
    if keep is not None:
        removed = keep_newest(file.parent, keep)
        if removed:
            noun = "backup" if len(removed) == 1 else "backups"
            click.echo(f"Removed {len(removed)} older {noun}, keeping the newest {keep}.")


@cli.command()
@click.argument("backup_file", metavar="BACKUP", type=click.Path(path_type=Path))
@click.option(
    "--db",
    "restore_db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The database file to replace (default: oversight --db, $OVERSIGHT_DB, ./oversight.db).",
)
@click.pass_context
def restore(ctx: click.Context, backup_file: Path, restore_db: Path | None) -> None:
    """Replace the database with BACKUP (checked first), keeping the replaced one aside.

    Stop the bot first: a database in use is refused.
    """
    from oversight.backups import restore as restore_store

    settings = _settings(ctx)
    done = restore_store(backup_file, restore_db or settings.db_path, settings.clock.now())
    from oversight.schema import CURRENT_VERSION

    upgraded = "" if done.found_version == CURRENT_VERSION else f", upgraded to {CURRENT_VERSION}"
    kept = (
        f"the database it replaced is now {done.replaced}"
        if done.replaced is not None
        else "there was no database to replace"
    )
    click.echo(
        f"Restored {done.store} from {done.backup} (SQLite's integrity_check: ok; schema "
        f"{done.found_version}{upgraded}); {kept}."
    )


@cli.command()
@click.option(
    "--db",
    "demo_db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("oversight-demo.db"),
    show_default=True,
    help="Where to build the demo database.",
)
@click.pass_context
def demo(ctx: click.Context, demo_db: Path) -> None:
    """Build a demo database from synthetic records and show what the bot answers."""
    from oversight.demo import run_demo

    settings = _settings(ctx)
    _check_folder(demo_db)
    run_demo(demo_db, settings, click.echo)


@cli.command()
@click.option("--since", help="Only requests on or after this date (YYYY-MM-DD or DD/MM/YYYY).")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV, for a spreadsheet.")
@click.pass_context
def audit(ctx: click.Context, since: str | None, as_csv: bool) -> None:
    """Every request made to the bot, allowed or refused: when, who, where, what, outcome."""
    import csv

    from oversight.audit import COLUMNS, entries

    settings = _settings(ctx)
    since_date = date_option("--since", since)
    with settings.open_store() as store:
        rows = entries(store, since_date)
    if as_csv:
        # RFC 4180 line ends: with "\n" alone, a field holding a bare "\r" is not quoted.
        writer = csv.writer(sys.stdout, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for e in rows:
            writer.writerow(
                [
                    e.at.isoformat(timespec="seconds"),
                    *(spreadsheet_safe(getattr(e, c) or "") for c in COLUMNS[1:]),
                ]
            )
        return
    if not rows:
        click.echo("No requests recorded" + (f" since {since_date}" if since_date else "") + ".")
        return
    for e in rows:
        detail = f" ({one_line(e.detail)})" if e.detail else ""
        click.echo(
            f"{e.at:%Y-%m-%d %H:%M:%S}  {one_line(e.user_id) or '-'}  "
            f"{one_line(e.channel_id) or '-'}  "
            f"{one_line(e.command) or '-'} {one_line(e.text)}".rstrip()
            + f"  -> {e.outcome}{detail}"
        )


def main() -> None:
    cli(prog_name="oversight")
