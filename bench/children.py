"""Running a command in a child process and measuring it: wall time, CPU time and peak memory.

The peak memory (max RSS) comes from ``/usr/bin/time``, a small C program that forks and execs
the command. Measured from here, a child forked from this Python process would be charged this
process's RSS at the fork (Linux folds the pre-exec address space into the child's max RSS).
Without ``/usr/bin/time``, each child is reaped with ``os.wait4``, which gives that child's own
usage (not the largest over every child so far, as ``getrusage(RUSAGE_CHILDREN)`` would), an
upper bound that includes this process's RSS.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# Every child answers as of the end of the generated extracts, whatever today is.
NOW = "2020-06-30T18:00"
TIME = Path("/usr/bin/time")


@dataclass(frozen=True)
class ChildRun:
    args: tuple[str, ...]
    returncode: int
    wall_s: float
    cpu_s: float  # user + system
    max_rss_bytes: int
    stdout: str
    stderr: str

    def check(self) -> ChildRun:
        if self.returncode != 0:
            raise RuntimeError(
                f"{' '.join(self.args)} exited with {self.returncode}:\n{self.stderr[-2000:]}"
            )
        return self


def run(args: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None) -> ChildRun:
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r") as usage_file,
    ):
        command = list(args)
        if TIME.is_file():
            command = [str(TIME), "-f", "%M %U %S", "-o", usage_file.name, *command]
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        max_rss_kib, cpu_s = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
        if TIME.is_file():
            # The last line: /usr/bin/time starts with "Command exited..." on failure.
            fields = usage_file.read().strip().splitlines()[-1].split()
            max_rss_kib, cpu_s = int(fields[0]), float(fields[1]) + float(fields[2])
        out.seek(0)
        err.seek(0)
        return ChildRun(
            args=tuple(args),
            returncode=process.returncode,
            wall_s=wall,
            cpu_s=cpu_s,
            max_rss_bytes=max_rss_kib * 1024,  # Linux reports KiB
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def oversight_command(*python_options: str) -> list[str]:
    """The installed ``oversight`` command, run by this interpreter (with its options)."""
    script = Path(sys.executable).parent / "oversight"
    if script.is_file():
        return [sys.executable, *python_options, str(script)]
    return [sys.executable, *python_options, "-m", "oversight"]


def oversight_env() -> dict[str, str]:
    """The environment, without the user's own oversight settings, at a fixed moment."""
    env = {k: v for k, v in os.environ.items() if k not in ("OVERSIGHT_DB", "STALE_AFTER_DAYS")}
    env["OVERSIGHT_NOW"] = NOW
    return env


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
