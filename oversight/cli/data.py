"""The commands that put data in and take it out: import, ask, status, revisions, integrity,
crimes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from oversight.cli.base import (
    KindName,
    Progress,
    as_of_option,
    check_folder,
    cli,
    date_option,
    login,
    settings_of,
    waiting_for_lock,
)
from oversight.errors import UserError
from oversight.importing.kinds import KINDS
from oversight.values import one_line


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

    settings = settings_of(ctx)
    extract_as_of = date_option("--as-of", as_of) or settings.clock.today()
    db_path = settings.db_path
    check_folder(db_path)
    new_database = not db_path.exists()
    try:
        with (
            settings.open_store(
                create=True,
                on_wait=waiting_for_lock,  # a person at a terminal is told why nothing happens
            ) as store,
            Progress(file) as progress,
        ):
            result = import_extract(
                store,
                KINDS[kind],
                file,
                extract_as_of=extract_as_of,
                imported_by=imported_by or login(),
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


@cli.command()
@click.argument("text", nargs=-1, required=True)
@as_of_option(
    "Answer as the store knew this date, from the extracts taken by then (default: today)."
)
@click.option(
    "--revised",
    is_flag=True,
    help="Answer with what the store knows of that date today, from every extract since.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the answer model as JSON.")
@click.pass_context
def ask(
    ctx: click.Context, text: tuple[str, ...], as_of: str | None, revised: bool, as_json: bool
) -> None:
    """Print the answer the Slack bot would give, e.g. oversight ask "/backlog da"."""
    from dataclasses import replace

    from oversight.answers import answer, parse_command
    from oversight.render.json import to_json

    settings = settings_of(ctx)
    query = parse_command(" ".join(text))
    as_of_date = date_option("--as-of", as_of)
    if as_of_date is not None:
        query = replace(query, as_of=as_of_date)
    if revised:
        query = replace(query, revised=True)
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

    settings = settings_of(ctx)
    with settings.open_store() as store:
        result = store_status(store, settings.clock.now(), settings)
    click.echo(to_json(result) if as_json else render_text(result), nl=as_json)


@cli.command()
@click.option("--since", help="The first week-end to list is on or after this date (default: "
              "the day the first case extract was taken).")  # fmt: skip
@as_of_option("The figures as known on this date (default: today).")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV: a row for each estimate.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer model as JSON.")
@click.pass_context
def revisions(
    ctx: click.Context, since: str | None, as_of: str | None, as_csv: bool, as_json: bool
) -> None:
    """Each week-end's headline figures as first known and as known now, and the case extracts
    that changed them: a revision triangle."""
    from oversight.answers.revisions import revisions as revisions_answer
    from oversight.render.json import to_json
    from oversight.render.revisions import revisions_csv
    from oversight.render.text import render_text

    settings = settings_of(ctx)
    day = date_option("--as-of", as_of) or settings.clock.today()
    first = date_option("--since", since)
    if first is not None and first > day:
        raise UserError(f"--since {first.isoformat()} is after the as-of date {day.isoformat()}.")
    with settings.open_store() as store:
        result = revisions_answer(store, day, first)
    if as_csv:
        click.echo(revisions_csv(result), nl=False)
    elif as_json:
        click.echo(to_json(result))
    else:
        click.echo(render_text(result), nl=False)


@cli.command()
@as_of_option("The latest case import as of this date (default: today).")
@click.option(
    "--revised",
    is_flag=True,
    help="The crime-data gaps of the months to --as-of as the files imported since show them.",
)
@click.option("--import", "import_id", type=int, metavar="N", help="The findings of import #N.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV, for a spreadsheet.")
@click.pass_context
def integrity(
    ctx: click.Context, as_of: str | None, revised: bool, import_id: int | None, as_csv: bool
) -> None:
    """Every finding of the latest case import and the data gaps in recorded crime in the
    months to the date, with the forces that had stopped publishing (or the findings of import
    N), one per line."""
    from oversight.figures.integrity import (
        cases_imports,
        crime_gap_findings,
        findings,
        import_of,
        latest_import,
    )
    from oversight.render.findings import findings_csv

    settings = settings_of(ctx)
    day = date_option("--as-of", as_of) or settings.clock.today()
    with settings.open_store() as store:
        chosen = crime = None
        crime_rows = []
        if import_id is None:
            known = cases_imports(store, day)
            chosen = known[-1] if known else None
            crime = latest_import(store, "crimes", date.max if revised else day)
            lag = settings.crime_publication_lag_months
            crime_rows = crime_gap_findings(store, day, lag, revised) if crime else []
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
    from oversight.figures.crime_places import force_named, forces
    from oversight.importing.crimes import remove_month

    if not MONTH.fullmatch(month):
        raise UserError(f'"{one_line(month)[:20]}" is not a month: write it YYYY-MM.')
    settings = settings_of(ctx)
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
            removed_by=removed_by or login(),
            removed_at=settings.clock.now(),
        )
    click.echo(
        f"Removed {chosen}'s {month} file from the store as import #{import_id}; the audit "
        "log and the import history record it."
    )
