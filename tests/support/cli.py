"""``oversight`` in this process: ``oversight.cli.cli`` through click's runner (the ``runner``
fixture in conftest.py), for the tests that gain nothing from a subprocess: arguments, settings
and user-error messages, and the figures the bot's answers are checked against."""

from __future__ import annotations

import contextlib
import os
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
