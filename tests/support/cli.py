"""``oversight`` in this process: ``oversight.cli.cli`` through click's runner (the ``runner``
fixture in conftest.py), for the tests that gain nothing from a subprocess: arguments, settings
and user-error messages, and the figures the bot's answers are checked against."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import subprocess
from pathlib import Path

from click.testing import CliRunner, Result

from oversight.cli import cli
from tests.support.data import TEST_NOW
from tests.support.processes import CLEANED, CliRun


def settings_env(db: Path) -> dict[str, str | None]:
    """The settings ``oversight`` runs with in the tests: ``db`` at TEST_NOW, and no other
    oversight, Slack or proxy setting of this environment (None takes a variable away), as
    ``clean_env`` does for a subprocess."""
    unset: dict[str, str | None] = {k: None for k in os.environ if k.upper().startswith(CLEANED)}
    return {**unset, "OVERSIGHT_DB": str(db), "OVERSIGHT_NOW": TEST_NOW}


def invoke(runner: CliRunner, *args: str, env: dict[str, str | None] | None = None) -> Result:
    """``oversight ARGS`` in this process, as the ``runner`` fixture sets it up; ``env`` adds
    settings (or, with None, takes them away). ``result.stdout`` and ``result.stderr`` are apart;
    ``result.exit_code`` is the status the console script would exit with."""
    return runner.invoke(cli, list(args), prog_name="oversight", env=env)


def oversight_here(folder: Path) -> CliRun:
    """``oversight`` on ``folder/oversight.db`` in this process, as ``oversight_in`` runs it in a
    subprocess (in ``folder``): what it did, as a finished process. An exception other than
    exiting is raised, as a subprocess would print it."""
    runner = CliRunner(env=settings_env(folder / "oversight.db"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        with contextlib.chdir(folder):
            result = invoke(runner, *args)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return subprocess.CompletedProcess(
            ["oversight", *args], result.exit_code, result.stdout, result.stderr
        )

    return run


# What ``oversight`` did: a subprocess (the ``cli`` fixture) or a run in this process (``invoke``).
Outcome = subprocess.CompletedProcess[str] | Result


def exit_status(result: Outcome) -> int:
    """The process's exit status; in this process, the status ``oversight`` exits with."""
    return (
        result.returncode if isinstance(result, subprocess.CompletedProcess) else result.exit_code
    )


def crash(result: Outcome) -> BaseException | None:
    """In this process, an exception other than exiting (a subprocess prints a traceback)."""
    if isinstance(result, subprocess.CompletedProcess) or isinstance(result.exception, SystemExit):
        return None
    return result.exception


def succeeded(result: Outcome) -> Outcome:
    status = exit_status(result)
    assert status == 0, f"exit {status}\n{result.stdout}\n{result.stderr}\n{crash(result)!r}"
    assert "Traceback" not in result.stderr
    assert crash(result) is None
    return result


def refused(result: Outcome) -> str:
    """A user's mistake: exit status 2, a message on stderr, no traceback; the message."""
    status = exit_status(result)
    assert status == 2, f"exit {status}\n{result.stdout}\n{result.stderr}\n{crash(result)!r}"
    assert "Traceback" not in result.stderr
    assert crash(result) is None
    assert result.stdout == ""
    assert result.stderr.strip()
    return result.stderr


def one_sentence(message: str) -> str:
    """The first line of an error: one sentence, ending with a full stop."""
    first = message.splitlines()[0]
    assert first.rstrip().endswith("."), message
    assert "\n" not in first
    return first


def ask_json(cli: CliRun, *words: str, env: dict[str, str] | None = None) -> dict:
    return json.loads(succeeded(cli("ask", "--json", *words, env=env)).stdout)


def by_workstream(answer: dict) -> dict[str, dict]:
    return {f["workstream"]: f for f in answer["backlog"]["figures"]}


TABLE_ROW = re.compile(
    r"^(Domestic abuse|Child protection|All workstreams)"
    r"\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s"
)
LABELS = {
    "Domestic abuse": "domestic_abuse",
    "Child protection": "child_protection",
    "All workstreams": "all",
}


def table_figures(text: str) -> dict[str, dict[str, int]]:
    """The recorded / need review / reviewed / outstanding columns of the printed table."""
    found = {}
    for line in text.splitlines():
        match = TABLE_ROW.match(line)
        if match:
            numbers = [int(n.replace(",", "")) for n in match.groups()[1:]]
            found[LABELS[match.group(1)]] = dict(
                zip(["recorded", "needing_review", "reviewed", "outstanding"], numbers, strict=True)
            )
    return found


def database_dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())
