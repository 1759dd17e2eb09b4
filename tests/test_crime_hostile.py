"""Street-level files as an attacker or a careless insider would send them: months out of any
sane range, spans that would multiply findings, damaged and encrypted archives, links, text
that is not UTF-8 and endless lines. Each is one sentence, exit status 2, and the store as it
was; a bad month already in a store (an older oversight accepted any) breaks no answer, is
named by the doctor's data check and can be taken out with ``oversight crimes remove``."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import struct
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from oversight.audit import entries
from oversight.extracts.street_format import STREET_HEADER
from oversight.store import open_store
from tests.support.cli import invoke
from tests.support.data import TEST_NOW
from tests.support.processes import clean_env, oversight_command
from tests.support.refusals import assert_refused, dump, measured
from tests.support.street import (
    AREAS,
    CHESHIRE,
    GMP,
    ask_json,
    gaps_csv,
    imported,
    refused_import,
    street_rows,
    write_month,
    zip_of,
)

ROWS = street_rows({"Burglary": 3, "Drugs": 2}, AREAS)


def _findings(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM import_findings").fetchone()[0]


# --- 1. months outside any sane range ---------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "said"),
    [
        ("0000-01", "before December 2010, when data.police.uk's street-level files begin"),
        ("2010-11", "before December 2010"),
        ("2020-08", "after the import's as-of month (2020-07)"),
        ("9999-12", "after the import's as-of month (2020-07)"),
    ],
)
def test_a_month_outside_data_police_uks_months_is_refused(
    runner: CliRunner, tmp_path: Path, month: str, said: str
):
    imported(runner, write_month(tmp_path / "good", "2020-06", GMP, ROWS))
    path = write_month(tmp_path / "bad", month, GMP, [(t, c, n) for t, c, n in ROWS])
    sentence = refused_import(runner, tmp_path, path, said, "nothing was imported")
    assert f"{month}-greater-manchester-street.csv" in sentence


def test_the_first_and_the_as_of_months_themselves_are_accepted(runner: CliRunner, tmp_path):
    write_month(tmp_path, "2010-12", GMP, ROWS)
    write_month(tmp_path, "2020-07", GMP, ROWS)  # TEST_NOW is 1 July 2020
    assert "month files 2 new" in imported(runner, tmp_path)


def _a_store_an_older_oversight_filled(tmp_path: Path, runner: CliRunner) -> Path:
    """Good months, then a month "0000-01" and one "9999-12" written as an older oversight,
    which took any month, would have written them."""
    for month in ("2019-11", "2019-12", "2020-01"):
        write_month(tmp_path / "good", month, GMP, ROWS)
    imported(runner, tmp_path / "good")
    db = tmp_path / "oversight.db"
    with sqlite3.connect(db) as conn:
        for month in ("0000-01", "9999-12"):
            conn.execute(
                "INSERT INTO crime_files (force, month, file_name, sha256, rows_read, crimes, asb, "
                "no_location, import_id) VALUES (?, ?, 'x.csv', 'ab', 5, 5, 0, 0, 1)",
                (GMP, month),
            )
            conn.execute(
                "INSERT INTO crime_types (force, month, crime_type, crimes, no_location, "
                "import_id) VALUES (?, ?, 'Burglary', 5, 0, 1)",
                (GMP, month),
            )
            conn.execute(
                "INSERT INTO crime_areas (force, month, lsoa_code, lsoa_name, crimes, import_id) "
                "VALUES (?, ?, 'E01000001', 'Manchester 001A', 5, 1)",
                (GMP, month),
            )
            conn.execute(
                "INSERT INTO import_findings (import_id, kind, ref, month, area) "
                "VALUES (1, 'missing_month', ?, ?, ?)",
                (GMP, month, GMP),
            )
    conn.close()
    return db


def test_a_bad_month_already_in_a_store_breaks_no_answer(runner: CliRunner, tmp_path: Path):
    _a_store_an_older_oversight_filled(tmp_path, runner)
    for words in ("/crime", "/integrity", "/oversight home", "/crime burglary"):
        for as_of in ("2020-01-31", "2020-07-01"):
            result = invoke(runner, "ask", "--as-of", as_of, words)
            assert result.exit_code == 0, (words, result.stderr)
            assert "Traceback" not in result.stderr
    crime = ask_json(runner, "--as-of", "2020-07-01", "/crime")
    assert crime["month"] == "2020-01"  # the latest month that can be
    assert crime["crimes"] == 5
    assert invoke(runner, "integrity", "--csv").exit_code == 0
    blocks = invoke(runner, "ask", "--json", "/oversight home")
    assert blocks.exit_code == 0


def test_the_doctor_names_the_bad_months_and_crimes_remove_takes_them_out(
    runner: CliRunner, tmp_path: Path
):
    db = _a_store_an_older_oversight_filled(tmp_path, runner)
    check = _doctors_data_check(db)
    assert check.startswith("FAIL")
    assert "0000-01" in check and "9999-12" in check and "oversight crimes remove" in check

    removed = invoke(runner, "crimes", "remove", "greater-manchester", "0000-01", "--by", "ana")
    assert removed.exit_code == 0, removed.stderr
    assert "Removed Greater Manchester Police's 0000-01 file" in removed.stdout
    invoke(runner, "crimes", "remove", GMP, "9999-12", "--by", "ana")
    assert _doctors_data_check(db).startswith("ok")
    with open_store(db) as store:
        held = [m for (m,) in store.conn.execute("SELECT month FROM crime_files ORDER BY month")]
        assert held == ["2019-11", "2019-12", "2020-01"]
        assert store.conn.execute(
            "SELECT count(*) FROM crime_types WHERE month < '2010'"
        ).fetchone()
        history = store.conn.execute(
            "SELECT file_name, imported_by FROM imports ORDER BY id DESC LIMIT 2"
        ).fetchall()
        assert history[1][0].startswith(f"(removed: {GMP} 0000-01") and history[1][1] == "ana"
        audited = [e for e in entries(store) if e.command == "oversight crimes remove"]
    assert [(e.user_id, e.text, e.outcome) for e in audited] == [
        ("ana", f"{GMP} 0000-01", "removed"),
        ("ana", f"{GMP} 9999-12", "removed"),
    ]
    # Nothing to remove, or a force it does not hold: one sentence, exit 2.
    again = invoke(runner, "crimes", "remove", GMP, "0000-01")
    assert again.exit_code == 2 and "holds no street-level file" in again.stderr
    other = invoke(runner, "crimes", "remove", CHESHIRE, "2019-11")
    assert other.exit_code == 2 and "it holds: Greater Manchester Police" in other.stderr
    bad = invoke(runner, "crimes", "remove", GMP, "Nov 2019")
    assert bad.exit_code == 2 and "write it YYYY-MM" in bad.stderr


def _doctors_data_check(db: Path) -> str:
    """The crime-data line of ``oversight doctor`` (run in a subprocess: it is a plug-in
    command), with no Slack set up, at TEST_NOW."""
    env = {**clean_env(OVERSIGHT_DB=str(db), OVERSIGHT_NOW=TEST_NOW)}
    done = subprocess.run(
        [*oversight_command(), "doctor"], env=env, capture_output=True, text=True, timeout=60
    )
    [line] = [x for x in done.stdout.splitlines() if "crime data" in x]
    return line


# --- 2. findings that multiply -----------------------------------------------------------------


def test_a_run_of_missing_months_is_one_finding(runner: CliRunner, tmp_path: Path):
    # The first and the last months data.police.uk could have, and nothing between: 114 months
    # missing, one finding (its first and last month, and how many).
    write_month(tmp_path, "2010-12", GMP, ROWS)
    write_month(tmp_path, "2020-07", GMP, ROWS)
    imported(runner, tmp_path)
    rows = [r for r in gaps_csv(runner) if r["kind"] == "missing_month"]
    assert [(r["month"], r["until_month"], r["new"]) for r in rows] == [
        ("2011-01", "2020-06", "114")
    ]
    text = invoke(runner, "ask", "/integrity").stdout
    assert f"missing_month: January 2011 to June 2020 (114 months), {GMP}" in text
    crime = ask_json(runner, "--as-of", "2020-07-31", "/crime")  # once July had ended
    assert len(crime["missing_months"]) == 23  # of the 24 months /crime shows


def test_an_import_writes_findings_only_for_the_forces_it_changed(
    runner: CliRunner, tmp_path: Path
):
    for month in ("2019-01", "2019-05"):
        write_month(tmp_path / "a", month, GMP, ROWS)
        write_month(tmp_path / "a", month, CHESHIRE, ROWS)
    imported(runner, tmp_path / "a")
    db = tmp_path / "oversight.db"
    assert _findings(db) == 2  # a run of three months for each force
    imported(runner, tmp_path / "a")  # the same files: nothing changed, nothing written
    assert _findings(db) == 2
    write_month(tmp_path / "b", "2019-06", CHESHIRE, ROWS)
    imported(runner, tmp_path / "b")
    with sqlite3.connect(db) as conn:
        latest = conn.execute(
            "SELECT ref, month, until_month FROM import_findings WHERE import_id = 3"
        ).fetchall()
    conn.close()
    assert latest == [(CHESHIRE, "2019-02", "2019-04")]  # Cheshire looked at again, GMP not
    rows = gaps_csv(runner)
    both = {(r["ref"], r["month"]) for r in rows if r["kind"] == "missing_month"}
    assert both == {(GMP, "2019-02"), (CHESHIRE, "2019-02")}  # each force's latest look
    # On 1 July 2020 neither force had published for over a year: said once for each.
    stopped = {(r["ref"], r["month"], r["new"]) for r in rows if r["kind"] == "not_published"}
    assert stopped == {(GMP, "2019-06", "14"), (CHESHIRE, "2019-07", "13")}


def test_gaps_as_of_a_past_date_are_those_known_then(runner: CliRunner, tmp_path: Path):
    write_month(tmp_path / "a", "2019-01", GMP, ROWS)
    write_month(tmp_path / "a", "2019-04", GMP, ROWS)
    assert invoke(runner, "import", "crimes", str(tmp_path / "a"), "--as-of", "2019-05-01")
    write_month(tmp_path / "b", "2019-02", GMP, ROWS)
    write_month(tmp_path / "b", "2019-03", GMP, ROWS)
    invoke(runner, "import", "crimes", str(tmp_path / "b"), "--as-of", "2019-06-01")
    then = invoke(runner, "integrity", "--as-of", "2019-05-15", "--csv").stdout
    now = invoke(runner, "integrity", "--as-of", "2019-06-15", "--csv").stdout
    assert "missing_month" in then and "2019-03" in then
    assert "missing_month" not in now


# --- 3. archives, links, text and lines --------------------------------------------------------


def _month_bytes(month: str = "2019-07") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(STREET_HEADER)
    cells = ["a" * 64, month, GMP, GMP, "-2.24", "53.48", "On or near X", *AREAS[0], "Burglary"]
    writer.writerow([*cells, "", ""])
    return out.getvalue().encode()


NAME = "2019-07/2019-07-greater-manchester-street.csv"


def _corrupt_crc(path: Path) -> None:
    """Flip the CRC-32 the entry declares, in its local header and in the table of contents."""
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 14), (b"PK\x01\x02", 16)):
        at = data.find(signature)
        (crc,) = struct.unpack_from("<L", data, at + offset)
        struct.pack_into("<L", data, at + offset, crc ^ 0xFFFFFFFF)
    path.write_bytes(bytes(data))


def _rename_local(path: Path) -> None:
    """The entry's name in its local header, unlike its name in the table of contents."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x03\x04") + 30
    data[at : at + 7] = b"2019-08"
    path.write_bytes(bytes(data))


def _encrypt_flag(path: Path) -> None:
    """Mark the entry encrypted (bit 0 of its flags), as a password-protected zip does."""
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        (flags,) = struct.unpack_from("<H", data, at + offset)
        struct.pack_into("<H", data, at + offset, flags | 1)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("spoil", "said"),
    [
        (_corrupt_crc, "its checksum does not match"),
        (_rename_local, "names it one way in its table of contents and another"),
        (_encrypt_flag, "is encrypted"),
    ],
    ids=["bad CRC", "local name differs", "encrypted"],
)
def test_a_damaged_or_encrypted_zip_entry_is_one_sentence(
    runner: CliRunner, tmp_path: Path, spoil: object, said: str
):
    path = zip_of(tmp_path, {NAME: _month_bytes()})
    with zipfile.ZipFile(path) as unspoilt:
        assert unspoilt.testzip() is None
    spoil(path)
    refused_import(runner, tmp_path, path, said)


def test_a_folder_whose_street_files_are_only_links_is_refused(runner: CliRunner, tmp_path):
    real = write_month(tmp_path / "elsewhere", "2019-07", GMP, ROWS)
    folder = tmp_path / "street"
    folder.mkdir()
    (folder / real.name).symlink_to(real)
    refused_import(runner, tmp_path, folder, "holds no street-level files", "symbolic links")


@pytest.mark.parametrize("column", ["Location", "Context", "Last outcome category", "Crime ID"])
def test_text_that_is_not_utf8_in_any_column_is_refused(
    runner: CliRunner, tmp_path: Path, column: str
):
    path = write_month(tmp_path, "2019-07", GMP, ROWS)
    lines = path.read_bytes().split(b"\r\n")
    header = lines[0].decode().split(",")
    cells = lines[3].split(b",")
    cells[header.index(column)] = b"Caf\xe9"  # Latin-1, as a careless export writes it
    lines[3] = b",".join(cells)
    path.write_bytes(b"\r\n".join(lines))
    refused_import(runner, tmp_path, path, "line 4", "not UTF-8")


def test_a_line_longer_than_any_street_row_is_refused_before_it_is_read(
    runner: CliRunner, tmp_path: Path
):
    path = write_month(tmp_path, "2019-07", GMP, ROWS, Context="x" * 5000)
    refused_import(runner, tmp_path, path, "line 2", "longer than 4,096 bytes")


@pytest.mark.slow
def test_one_enormous_line_is_refused_in_bounded_memory(tmp_path: Path):
    """256 MiB on one line: pandas would hold it whole (and more); it is refused at 4 KiB."""
    good = write_month(tmp_path / "good", "2019-06", GMP, ROWS)
    assert measured(tmp_path, "import", "crimes", str(good)).returncode == 0
    before = dump(tmp_path / "oversight.db")
    path = write_month(tmp_path / "bad", "2019-07", GMP, ROWS[:1])
    with path.open("ab") as file:
        chunk = b"y" * (1 << 20)
        file.write(b"," * 11)
        for _ in range(256):
            file.write(chunk)
        file.write(b"\r\n")
    run = measured(tmp_path, "import", "crimes", str(path))
    assert_refused(run, path.name, r"line 3: the line is longer than 4,096 bytes")
    assert run.max_rss < 200 << 20, run.max_rss  # pandas alone is some 70 MiB
    assert dump(tmp_path / "oversight.db") == before


def test_the_findings_csv_has_the_runs_column(runner: CliRunner, tmp_path: Path):
    write_month(tmp_path, "2019-01", GMP, ROWS)
    write_month(tmp_path, "2019-03", GMP, ROWS)
    imported(runner, tmp_path)
    [row] = [r for r in gaps_csv(runner) if r["kind"] == "missing_month"]
    assert (row["month"], row["until_month"], row["new"]) == ("2019-02", "2019-02", "1")
    assert json.loads(invoke(runner, "ask", "--json", "/integrity").stdout)["crime_gaps"]
