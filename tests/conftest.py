"""Shared fixtures: a real store in a temporary folder, the CLI (in a subprocess or in this
process), the demo database, the hand-checked stores and the loopback Slack stand-in.

The helpers behind them, and those the test modules share, live in ``tests/support/``.
"""

from __future__ import annotations

import inspect
import os
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from oversight.store import Store, open_store
from tests.support.cli import settings_env
from tests.support.data import TEST_NOW
from tests.support.handchecked import load_summer, load_winter
from tests.support.jobs import CHANNEL
from tests.support.loopback import loopback_only
from tests.support.processes import (
    CliRun,
    copy_database,
    demo_database,
    oversight_command,
)
from tests.support.slack import populate
from tests.support.slack_standin import SlackStandIn


@pytest.fixture
def store(tmp_path: Path) -> Iterable[Store]:
    opened = open_store(tmp_path / "oversight.db", create=True)
    yield opened
    opened.close()


# --- the oversight command -------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path) -> CliRun:
    """Run ``oversight`` in a subprocess, in ``tmp_path``, against ``tmp_path/oversight.db``."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120):
        full_env = {
            **os.environ,
            "OVERSIGHT_DB": str(tmp_path / "oversight.db"),
            "OVERSIGHT_NOW": TEST_NOW,
            **(env or {}),
        }
        return subprocess.run(
            [*oversight_command(), *args],
            cwd=tmp_path,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    return run


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """click's runner, for ``oversight.cli.cli`` in this process, as the ``cli`` fixture runs it
    in a subprocess: in ``tmp_path`` (so a ``.env`` there is read), on ``tmp_path/oversight.db``,
    at TEST_NOW, and with no other oversight, Slack or proxy setting from this environment.

    ``runner.invoke(cli, [...], prog_name="oversight", env={...})``, or for short
    ``tests.support.cli.invoke(runner, ...)``: ``env`` adds settings, or takes them away with
    None; ``result.stdout`` and ``result.stderr`` are kept apart.
    """
    monkeypatch.chdir(tmp_path)
    return CliRunner(env=settings_env(tmp_path / "oversight.db"))


# --- databases ----------------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo database (imported at TEST_NOW), for a test to change freely."""
    return copy_database(demo_database(tmp_path_factory), tmp_path / "oversight.db")


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The demo's synthetic extracts, as the real ``oversight demo`` imported them (the session's
    one demo run, see ``demo_database``): a copy for this worker, which the tests only read."""
    source = demo_database(tmp_path_factory)
    path = copy_database(source, tmp_path_factory.mktemp("demo-store") / "oversight.db")
    store = open_store(path)
    yield store
    store.close()


@pytest.fixture
def summer(store: Store, tmp_path: Path) -> Store:
    """The hand-checked case reviews and returns (tests/support/handchecked.py), as of July."""
    return load_summer(store, tmp_path)


@pytest.fixture
def winter(store: Store, tmp_path: Path) -> Store:
    """The hand-checked deadlines (tests/support/handchecked.py), as of December."""
    return load_winter(store, tmp_path)


# --- the Slack stand-in -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slack_standin() -> Iterator[SlackStandIn]:
    """The loopback stand-in for Slack's Web API and Socket Mode, on 127.0.0.1.

    One server for each test module (starting and closing one for every test adds up); it is
    reset before each test that uses it, so every test starts with a workspace of nobody and no
    calls, and closed after the module's last test.
    """
    standin = SlackStandIn()
    yield standin
    standin.close()


@pytest.fixture(autouse=True)
def network_attempts(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """Every test runs with its process's sockets held to loopback (tests/support/loopback):
    the hosts off loopback anything tried to reach, refused, for a test to look at. A test
    that does not ask for them fails if anything tried at all: a refusal swallowed by the code
    under test would otherwise pass unseen."""
    with loopback_only() as tried:
        yield tried
    asked = "network_attempts" in inspect.signature(request.function).parameters
    if tried and not asked:
        pytest.fail(f"tried to reach beyond loopback: {', '.join(tried)}")


@pytest.fixture(autouse=True)
def _reset_slack_standin(request: pytest.FixtureRequest) -> None:
    """Each test that uses ``slack_standin`` (itself or through another fixture) gets it reset,
    before any of its own fixtures set it up."""
    if "slack_standin" in request.fixturenames:
        request.getfixturevalue("slack_standin").reset()


@pytest.fixture
def bot_standin(slack_standin: SlackStandIn) -> SlackStandIn:
    """The stand-in with the bot tests' people, user group and channels (tests/support/slack)."""
    return populate(slack_standin)


@pytest.fixture
def digest_standin(slack_standin: SlackStandIn) -> SlackStandIn:
    """The stand-in with the channel the job tests post the digest and reminders to."""
    slack_standin.add_channel(CHANNEL)
    return slack_standin
