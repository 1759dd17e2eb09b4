"""Building the demo database through the real import path, and ``oversight demo`` itself."""

from __future__ import annotations

import shlex
import tempfile
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

from oversight.clock import LONDON
from oversight.demo.cases import AS_OF, DEMO_USER, LATER, SYNTHETIC_NOTICE, write_extracts
from oversight.demo.hospital import DEPARTMENTS, SILENT_DEPARTMENT
from oversight.demo.street import FORCE
from oversight.errors import UserError
from oversight.importing.kinds import KINDS
from oversight.settings import Settings

CRIME_AS_OF = date(2020, 1, 31)  # when December 2019 was published: the year is complete
VIOLENCE_AS_OF = date(2020, 7, 31)  # when June 2020 was published (its hospital extract: 10 July)
IMPORTED_AT = time(18, 0)  # each extract is imported on the evening of the day it was taken


def build_demo(path: Path, settings: Settings, echo: Callable[[str], None] | None = None) -> None:
    """(Re)build the demo database at ``path`` through the real import path, each extract
    imported on the day it was taken; ``echo`` hears what each later case import reported."""
    from oversight.importing.kinds import import_extract
    from oversight.render.words import import_report
    from oversight.store import open_store

    path = Path(path)
    check_demo_path(path, settings)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="oversight-demo-") as folder,
        open_store(path, create=True) as store,
    ):
        for kind, extract, as_of in write_extracts(Path(folder)):
            result = import_extract(
                store,
                KINDS[kind],
                extract,
                extract_as_of=as_of,
                imported_by=DEMO_USER,
                imported_at=datetime.combine(as_of, IMPORTED_AT, LONDON),
            )
            if echo is not None and kind == "cases" and as_of != AS_OF:
                echo("")
                echo(f"$ oversight import {kind} {extract.name} --as-of {as_of.isoformat()}")
                for line in import_report(result):
                    echo(line)


def check_demo_path(path: Path, settings: Settings) -> None:
    """Refuse the real database, and any existing file that is not an earlier demo database."""
    if path.resolve() == Path(settings.db_path).resolve():
        raise UserError(
            f"{path} is the real database (OVERSIGHT_DB): give the demo another file with --db."
        )
    if not path.exists():
        return
    import sqlite3

    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            users = {u for (u,) in conn.execute("SELECT DISTINCT imported_by FROM imports")}
    except sqlite3.Error:
        users = set()
    if users != {DEMO_USER}:
        raise UserError(f"{path} exists and is not a demo database: give the demo another --db.")


def write_profile(profile: object, path: Path) -> list[str]:
    """The monthly violence profile's pictures and workbook, as ``oversight profile preview``
    writes them, in the folder ``NAME-profile`` beside the demo database: their paths."""
    from oversight.render.violence_files import profile_files
    from oversight.store import write_private_files

    files = profile_files(profile)  # type: ignore[arg-type]
    return [str(p) for p in write_private_files(path.with_name(f"{path.stem}-profile"), files)]


def run_demo(path: Path, settings: Settings, echo: Callable[[str], None]) -> None:
    from oversight.answers import COMMANDS, answer, parse_command
    from oversight.render.text import render_text
    from oversight.store import open_store

    check_demo_path(Path(path), settings)  # before saying anything is being built
    echo(SYNTHETIC_NOTICE)
    echo(f"Building the demo database at {path} …")
    later: list[str] = []
    build_demo(path, settings, later.append)
    with open_store(path) as store:

        def ask(text: str, day: date) -> object:
            echo("")
            echo(f'$ oversight ask --as-of {day.isoformat()} "{text}"')
            query = parse_command(f"{text} as of {day.isoformat()}")
            result = answer(store, query, settings.clock.now(), settings)
            echo(render_text(result).rstrip("\n"))
            return result

        # The story in the order it happened, each answer as it was known on its date.
        echo("")
        echo(
            "Recorded crime, from SYNTHETIC street-level files in data.police.uk's layout "
            f"({FORCE}, each month imported as it was published), as known once December 2019 "
            "was out: the 2019 fall, and the gaps behind it:"
        )
        ask(COMMANDS["crime"].slash, CRIME_AS_OF)
        echo("")
        echo(
            "Six months later, the review backlog, the data returns, the deadlines and the "
            "information requests to NHS trusts:"
        )
        for command in ("backlog", "ons-status", "deadlines", "requests"):
            ask(COMMANDS[command].slash, AS_OF)
        echo("")
        echo("Two weeks later the records system loses records; the imports notice:")
        for line in later:
            echo(line)
        ask(COMMANDS["integrity"].slash, LATER[-1])
        echo("")
        echo(
            "The violence profile once June 2020 was out: police violence by neighbourhood and "
            f"borough, and hospital assault attendances from SYNTHETIC ISTV extracts of "
            f"{len(DEPARTMENTS)} emergency departments (each month's imported on the 10th of "
            f"the next), {SILENT_DEPARTMENT} sending nothing for two months:"
        )
        profile = ask(COMMANDS["violence"].slash, VIOLENCE_AS_OF)
        written = write_profile(profile, Path(path))
    echo("")
    echo(f"The monthly profile's files (from the synthetic records): {', '.join(written)}.")
    echo("")
    echo(
        "SYNTHETIC RECORDS: every figure above comes from invented cases, not real incidents, "
        "invented street-level crime files and invented hospital attendances."
    )
    db = shlex.quote(str(path))
    echo(f'Explore it: {program()} --db {db} ask --as-of 2020-06-30 "/backlog da"')


def program() -> str:
    """How to run this oversight from here: ``oversight`` when that is it on the PATH (an
    activated environment, a production install); else the script beside this Python, from
    the current folder when it is under it (``.venv/bin/oversight`` after make demo)."""
    import os
    import shutil
    import sys

    script = Path(sys.executable).parent / "oversight"
    if not script.exists():
        return f"{shlex.quote(sys.executable)} -m oversight"
    found = shutil.which("oversight")
    if found is not None and Path(found).resolve() == script.resolve():
        return "oversight"
    here = Path.cwd()
    shown = script.relative_to(here) if script.is_relative_to(here) else script
    return shlex.quote(os.fspath(shown))
