"""Running the real ``oversight`` as a user would meet a refusal: timed, with its peak memory,
and checked for the one sentence, the exit status and the store left as it was."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.data import TEST_NOW
from tests.support.processes import clean_env, oversight_command

MiB = 1 << 20
MEMORY_LIMIT = 512 * MiB
REFUSAL_SECONDS = 10  # wall time for the whole command, Python's start included

# Runs a command, then reports the peak memory of its children (the command) to a file.
MEASURE = """
import resource, subprocess, sys
report, timeout, *command = sys.argv[1:]
try:
    code = subprocess.run(command, timeout=float(timeout)).returncode
except subprocess.TimeoutExpired:
    code = 124
with open(report, "w") as file:
    file.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    max_rss: int  # bytes


def measured(
    tmp_path: Path, *args: str, command: list[str] | None = None, timeout: float = 60, **env: str
) -> Run:
    """``oversight ARGS`` (or ``command ARGS``) in a subprocess on tmp_path/oversight.db, timed,
    with its peak memory."""
    report = tmp_path / "max-rss"
    full_env = clean_env(OVERSIGHT_DB=str(tmp_path / "oversight.db"), OVERSIGHT_NOW=TEST_NOW)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(report), str(timeout)]
        + (command or oversight_command())
        + list(args),
        cwd=tmp_path,
        env={**full_env, **env},
        capture_output=True,
        text=True,
        timeout=timeout + 30,
        stdin=subprocess.DEVNULL,
    )
    seconds = time.monotonic() - started
    return Run(done.returncode, done.stdout, done.stderr, seconds, int(report.read_text()) * 1024)


def dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def assert_refused(run: Run, named: str, pattern: str, seconds: float = REFUSAL_SECONDS) -> str:
    """Exit status 2, nothing on stdout, one sentence on stderr naming the file, in time and
    memory; the sentence."""
    assert run.returncode == 2, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1 and run.stderr.endswith(".\n"), run.stderr[-3000:]
    sentence = run.stderr.strip()
    assert named in sentence
    assert len(sentence) < 400, sentence
    assert re.search(pattern, sentence), sentence
    assert run.seconds < seconds, run.seconds
    assert run.max_rss < MEMORY_LIMIT, run.max_rss
    print(f"\n  {run.seconds:.2f} s, {run.max_rss / MiB:.0f} MiB: {sentence}")
    return sentence
