"""The import's progress bar: shown on a terminal for a large file, never in a pipe."""

from __future__ import annotations

import os
import pty
import subprocess

import pytest

from tests.support.data import CASE_HEADER, TEST_NOW, case, write_csv
from tests.support.processes import oversight_command

# Each test writes an extract of over 8 MiB and imports it with the real `oversight`.
pytestmark = pytest.mark.slow


def big_extract(path):
    # Over the 8 MiB threshold: about 160,000 rows.
    rows = (
        case(
            f"DA-{n:07d}-{'x' * 20}", recorded_on="2019-07-01", needs_review="no", review_status=""
        )
        for n in range(160_000)
    )
    return write_csv(path, CASE_HEADER, rows)


def run_import(tmp_path, extract, stderr):
    env = {**os.environ, "OVERSIGHT_DB": str(tmp_path / "o.db"), "OVERSIGHT_NOW": TEST_NOW}
    return subprocess.run(
        [*oversight_command(), "import", "cases", str(extract)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=stderr,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def test_a_large_import_shows_a_progress_bar_on_a_terminal(tmp_path):
    extract = big_extract(tmp_path / "cases.csv")
    assert extract.stat().st_size > 8 << 20
    leader, follower = pty.openpty()
    try:
        result = run_import(tmp_path, extract, follower)
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closes once the import is done
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
    assert result.returncode == 0
    text = shown.decode("utf-8", errors="replace")
    assert "Reading" in text and "100%" in text
    assert b"160,000 inserted" in result.stdout


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    extract = big_extract(tmp_path / "cases.csv")
    result = run_import(tmp_path, extract, subprocess.PIPE)
    assert result.returncode == 0
    assert b"Reading" not in result.stderr
