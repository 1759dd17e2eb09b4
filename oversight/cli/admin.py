"""The commands that look after the store: backup, restore, the demo and the audit log."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from oversight.cli.base import (
    CONFIGURED_DB,
    check_folder,
    cli,
    date_option,
    settings_of,
)
from oversight.values import one_line, spreadsheet_safe


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

    settings = settings_of(ctx)
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

    settings = settings_of(ctx)
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
    help="Where to build the demo database (default: oversight --db FILE, else "
    "./oversight-demo.db).",
)
@click.pass_context
def demo(ctx: click.Context, demo_db: Path | None) -> None:
    """Build a demo database from synthetic records and show what the bot answers."""
    from dataclasses import replace

    from oversight.demo import run_demo

    settings = settings_of(ctx)
    if CONFIGURED_DB in ctx.meta:  # oversight --db FILE demo: the demo is built at FILE
        demo_db = demo_db or settings.db_path
        settings = replace(settings, db_path=ctx.meta[CONFIGURED_DB])
    demo_db = demo_db or Path("oversight-demo.db")
    check_folder(demo_db)
    run_demo(demo_db, settings, click.echo)


@cli.command()
@click.option("--since", help="Only requests on or after this date (YYYY-MM-DD or DD/MM/YYYY).")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV, for a spreadsheet.")
@click.pass_context
def audit(ctx: click.Context, since: str | None, as_csv: bool) -> None:
    """Every request made to the bot, allowed or refused: when, who, where, what, outcome."""
    import csv

    from oversight.audit import COLUMNS, entries

    settings = settings_of(ctx)
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
