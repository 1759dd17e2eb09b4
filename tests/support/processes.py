"""The real ``oversight`` console script in subprocesses: run to the end, or kept running; and
the demo database it builds, once per test session."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.data import TEST_NOW

CliRun = Callable[..., subprocess.CompletedProcess[str]]

# A log line as bot.logs writes it: "2020-07-01 09:00:00,123 INFO bot.run: …".
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ \S+: ")
SERVING = re.compile(r"Serving Slack at (http://[\d.]+:\d+)/")


def oversight_command() -> list[str]:
    """The installed console script, the real entry point; ``python -m oversight`` otherwise."""
    script = Path(sys.executable).parent / "oversight"
    return [str(script)] if script.exists() else [sys.executable, "-m", "oversight"]


# The settings a test never takes from the environment it runs in.
CLEANED = ("SLACK_", "OVERSIGHT_", "PORT", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without any Slack, oversight or proxy setting, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(CLEANED)}
    return {**env, **values}


def oversight(
    cwd: Path, env: dict[str, str], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The real ``oversight`` console script, run to the end."""
    return subprocess.run(
        [*oversight_command(), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def start_oversight(cwd: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """The real ``oversight`` console script, started and left running."""
    return subprocess.Popen(
        [*oversight_command(), *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def oversight_in(folder: Path) -> CliRun:
    """The real ``oversight`` command on ``folder/oversight.db``, like the ``cli`` fixture."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return oversight(
            folder,
            clean_env(OVERSIGHT_DB=str(folder / "oversight.db"), OVERSIGHT_NOW=TEST_NOW),
            *args,
        )

    return run


# --- the demo database, built once by the real `oversight demo` -----------------------------

_demo: dict[str, tuple[Path, subprocess.CompletedProcess[str]]] = {}


def demo_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One run of the real ``oversight --db demo.db demo``, once per test session, in a folder
    of its own whose real database (OVERSIGHT_DB) is ``oversight.db``, at TEST_NOW: the folder
    and the finished run. test_demo reads what it printed; the ``db`` fixture copies its
    database. Nothing may change either."""
    if "run" not in _demo:
        _demo["run"] = _shared_demo_run(tmp_path_factory)
    return _demo["run"]


def shared_folder(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """A folder built once per test session by ``build``, whatever the pytest-xdist workers:
    the first to ask builds it in the session's own temporary folder, under a lock, and the
    others wait for it and read what it holds."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the session's folder, above each worker's own
    folder, done = shared / name, shared / f"{name}.done"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            folder.mkdir(exist_ok=True)
            build(folder)
            done.touch()
    return folder


def _shared_demo_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The demo, run once for the session's workers; its output is kept beside the database."""

    def run(folder: Path) -> None:
        result = oversight(
            folder,
            clean_env(OVERSIGHT_DB=str(folder / "oversight.db"), OVERSIGHT_NOW=TEST_NOW),
            "--db",  # oversight's own --db: the demo is built there (demo --db is the same place)
            "demo.db",
            "demo",
            timeout=300,
        )
        kept = {"args": result.args, "returncode": result.returncode}
        (folder / "run.json").write_text(
            json.dumps({**kept, "stdout": result.stdout, "stderr": result.stderr})
        )

    folder = shared_folder(tmp_path_factory, "demo", run)
    return folder, subprocess.CompletedProcess(**json.loads((folder / "run.json").read_text()))


def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database the session's ``oversight demo`` built (see ``demo_run``)."""
    folder, result = demo_run(tmp_path_factory)
    assert result.returncode == 0, result.stderr
    return folder / "demo.db"


def copy_database(source: Path, target: Path) -> Path:
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return target


# --- waiting for a process ---------------------------------------------------------------------


def wait_until(condition: Callable[[], object], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {timeout} s")
        time.sleep(0.02)


def one_sentence(stderr: str) -> str:
    """What is on stderr besides log lines: it must be exactly one sentence."""
    said = [line for line in stderr.splitlines() if line.strip() and not LOG_LINE.match(line)]
    assert len(said) == 1, stderr
    assert said[0].endswith("."), said
    return said[0]


class BotProcess:
    """``oversight bot`` (or ``args``) in a subprocess, its stdout and stderr read as they come."""

    def __init__(
        self, cwd: Path, env: dict[str, str], args: tuple[str, ...] = ("bot", "--host", "127.0.0.1")
    ) -> None:
        self.process = start_oversight(cwd, env, *args)
        self._lines: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self._changed = threading.Condition()
        self._readers = [
            threading.Thread(target=self._read, args=(name,), daemon=True)
            for name in ("stdout", "stderr")
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, name: str) -> None:
        for line in getattr(self.process, name):
            with self._changed:
                self._lines[name].append(line)
                self._changed.notify_all()
        with self._changed:
            self._lines[name].append("")  # end of stream
            self._changed.notify_all()

    @property
    def stdout(self) -> str:
        with self._changed:
            return "".join(self._lines["stdout"])

    @property
    def stderr(self) -> str:
        with self._changed:
            return "".join(self._lines["stderr"])

    def wait_for_log(self, pattern: re.Pattern[str], timeout: float = 20) -> re.Match[str]:
        """The first stderr line matching ``pattern``; fails if the bot exits first."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self._lines["stderr"]:
                    match = pattern.search(line)
                    if match:
                        return match
                if self._lines["stderr"][-1:] == [""]:
                    raise AssertionError(f"oversight bot ended:\n{''.join(self._lines['stderr'])}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {pattern.pattern!r} in:\n{self.stderr}")
                self._changed.wait(left)

    def wait(self, timeout: float = 20) -> int:
        code = self.process.wait(timeout)
        for reader in self._readers:
            reader.join(timeout)
        return code

    def stop(self) -> int:
        """SIGTERM, as a service manager would send; the exit status."""
        self.process.send_signal(signal.SIGTERM)
        return self.wait()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


_HOLD = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


def hold_write_lock(db: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process holding the store's write lock for ``seconds``, as a long import or a
    backup would; it holds the lock when this returns. Kill it to let go sooner."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    return holder
