"""Hospital assault attendances (ISTV): imported all or nothing, and refused whole, quoting no
value, when a file holds a patient identifier: an NHS number (one passing the modulus-11 check;
one failing it is an ordinary reference), a postcode, or a column named for an identifier."""

from __future__ import annotations

import csv
import logging
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.cli import invoke, succeeded
from tests.support.violence import ISTV_HEADER

HEADER = ISTV_HEADER
ROWS = [
    ["MRI-1", "Manchester Royal Infirmary", "2020-01-03 23:10", "2020-01-03 22:40",
     "Outside the Crown", "knife", "18-24", "M"],
    ["MRI-2", "Manchester Royal Infirmary", "03/01/2020 01:15", "", "Piccadilly Gardens",
     "Fist", "25-34", "F"],
    ["SRF-1", "Salford Royal", "2020-01-05T02:00:00", "", "", "bottle", "", ""],
    ["SRF-2", "Salford Royal", "2020-01-06 14:00", "", "home", "Blunt object", "35-44", "F"],
]  # fmt: skip


def nhs_check_digit(nine: str) -> int | None:
    """The NHS number's check digit, worked out here from the published rule (None: 10, so no
    valid number begins so)."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(nine))
    check = (11 - total % 11) % 11
    return None if check == 10 else check


def valid_nhs(nine: str = "943476591") -> str:
    check = nhs_check_digit(nine)
    assert check is not None
    return nine + str(check)


def invalid_nhs(nine: str = "943476591") -> str:
    check = nhs_check_digit(nine)
    return nine + str(((check or 0) + 1) % 10)


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def stored(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT attendance_ref, department, arrived_at, incident_at, incident_location, "
            "means FROM assaults ORDER BY attendance_ref"
        ).fetchall()


@pytest.fixture
def held(runner: CliRunner, tmp_path: Path) -> Path:
    """A store already holding the four good rows."""
    succeeded(invoke(runner, "import", "assaults", str(write(tmp_path / "ok.csv", ROWS)),
                     "--as-of", "2020-02-01"))  # fmt: skip
    return tmp_path / "oversight.db"


def test_a_good_file_is_stored_with_forgiving_words(held: Path):
    assert stored(held) == [
        ("MRI-1", "Manchester Royal Infirmary", "2020-01-03 23:10", "2020-01-03 22:40",
         "Outside the Crown", "knife or sharp object"),
        ("MRI-2", "Manchester Royal Infirmary", "2020-01-03 01:15", None, "Piccadilly Gardens",
         "body part"),
        ("SRF-1", "Salford Royal", "2020-01-05 02:00", None, None, "glass or bottle"),
        ("SRF-2", "Salford Royal", "2020-01-06 14:00", None, "home", "blunt object"),
    ]  # fmt: skip
    assert held.stat().st_mode & 0o077 == 0  # owner-only: case-level data


def _refused_quietly(
    runner: CliRunner, tmp_path: Path, db: Path, path: Path, secret: str, caplog, *named: str
) -> str:
    before = db.read_bytes()
    caplog.set_level(logging.DEBUG)
    result = invoke(runner, "import", "assaults", str(path), "--as-of", "2020-02-01")
    assert result.exit_code == 2, (result.stdout, result.stderr)
    message = result.stderr.strip()
    assert "\n" not in message and message.endswith("."), message
    assert "Traceback" not in message and result.stdout == ""
    for part in named:
        assert part in message, message
    assert "nothing was stored" in message
    assert secret not in message and secret not in result.stdout
    assert secret.replace(" ", "") not in message
    assert secret not in caplog.text
    assert db.read_bytes() == before  # nothing stored
    for log in tmp_path.rglob("*.log"):
        assert secret not in log.read_text(errors="replace")
    return message


def test_a_valid_nhs_number_anywhere_refuses_the_file_whole(
    runner: CliRunner, tmp_path: Path, held: Path, caplog
):
    number = valid_nhs()
    rows = [*ROWS, ["X-1", "Salford Royal", "bad date", "", "", "spoon", "", ""]]
    rows.append([number, "Salford Royal", "2020-01-07 10:00", "", "", "knife", "", ""])
    path = write(tmp_path / "nhs.csv", rows)
    # Refused for the identifier, not for the bad line before it: no value is quoted.
    _refused_quietly(runner, tmp_path, held, path, number, caplog,
                     'column "Attendance Ref"', "line 7", "NHS number")  # fmt: skip
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
    rows = [*ROWS, ["X-2", "Salford Royal", "2020-01-07 10:00", "", f"seen {spaced}", "knife"]]
    path = write(tmp_path / "nhs2.csv", rows)
    _refused_quietly(runner, tmp_path, held, path, spaced, caplog,
                     'column "Incident Location"', "line 6", "NHS number")  # fmt: skip


def test_ten_digits_failing_modulus_11_are_an_ordinary_reference(
    runner: CliRunner, tmp_path: Path, held: Path
):
    reference = invalid_nhs()
    rows = [[reference, "Salford Royal", "2020-01-07 10:00", "", "", "kick", "", ""]]
    succeeded(invoke(runner, "import", "assaults", str(write(tmp_path / "r.csv", rows)),
                     "--as-of", "2020-02-01"))  # fmt: skip
    assert (reference, "Salford Royal", "2020-01-07 10:00", None, None, "body part") in stored(held)


@pytest.mark.parametrize("postcode", ["M1 1AE", "m601ab", "SW1A 2AA", "EC1A 1BB"])
def test_a_postcode_refuses_the_file_whole(
    runner: CliRunner, tmp_path: Path, held: Path, caplog, postcode: str
):
    rows = [*ROWS, ["X-3", "Salford Royal", "2020-01-07 10:00", "", f"near {postcode}", "knife"]]
    path = write(tmp_path / "pc.csv", rows)
    _refused_quietly(runner, tmp_path, held, path, postcode, caplog,
                     'column "Incident Location"', "line 6", "postcode")  # fmt: skip


@pytest.mark.parametrize(
    ("column", "what"),
    [
        ("NHS Number", "an NHS number"),
        ("nhs_no", "an NHS number"),
        ("Patient Name", "a name"),
        ("Surname", "a name"),
        ("Date of Birth", "a date of birth"),
        ("DOB", "a date of birth"),
        ("Address", "an address"),
        ("Address Line 1", "an address"),
        ("Postcode", "a postcode"),
        ("Post Code", "a postcode"),
    ],
)
def test_a_column_named_for_an_identifier_refuses_the_file(
    runner: CliRunner, tmp_path: Path, held: Path, caplog, column: str, what: str
):
    rows = [[*r, "Kept secret"] for r in ROWS]
    path = write(tmp_path / "col.csv", rows, [*HEADER, column])
    _refused_quietly(runner, tmp_path, held, path, "Kept secret", caplog,
                     f'column "{column}"', "line 1", what)  # fmt: skip


def test_bad_lines_are_named_and_nothing_is_stored(runner: CliRunner, tmp_path: Path, held: Path):
    before = held.read_bytes()
    rows = [
        ["X-4", "Salford Royal", "31/02/2020 10:00", "", "", "knife"],
        ["X-5", "Salford Royal", "2020-01-07 10:00", "", "", "spoon"],
        ["X-6", "Salford Royal", "2020-01-07 10:00", "2020-01-08 10:00", "", "knife"],
        ["X-7", "Salford Royal", "2020-03-07 10:00", "", "x" * 201, "knife"],
        ["X-8", "Salford Royal", "2020-03-07 10:00", "", "", "knife"],
    ]
    result = invoke(runner, "import", "assaults", str(write(tmp_path / "bad.csv", rows)),
                    "--as-of", "2020-02-01")  # fmt: skip
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    for part in ("line 2, arrived_at", "line 3, means", "line 4, incident_at",
                 "line 5, incident_location", "line 6, arrived_at"):  # fmt: skip
        assert part in result.stderr, result.stderr
    assert held.read_bytes() == before


def test_a_file_that_changes_after_the_screen_is_refused_and_nothing_stored(
    runner: CliRunner, tmp_path: Path, held: Path, monkeypatch
):
    """The rows are read after the bytes are screened as they are hashed: the import refuses
    bytes other than those screened, such as a line with an NHS number written in between."""
    from oversight.importing import assaults

    path = write(tmp_path / "late.csv", ROWS[:2])
    screen = assaults.screen

    def screen_then_change(extract):
        screen(extract)
        with path.open("a", encoding="utf-8") as file:
            file.write(f"{valid_nhs()},Salford Royal,2020-01-07 10:00,,,knife,,\n")

    monkeypatch.setattr(assaults, "screen", screen_then_change)
    before = held.read_bytes()
    result = invoke(runner, "import", "assaults", str(path), "--as-of", "2020-02-01")
    assert result.exit_code == 2
    assert result.stderr.strip() == "late.csv changed while it was being read: import it again."
    assert valid_nhs() not in result.stderr + result.stdout
    assert held.read_bytes() == before


CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "knife",
            "2020-01-03 23:10",
            "MRI/2001/00001",
            "M1 1AE",
            "m601ab",
            "gir 0aa",
            "2nd floor",
            "Pub / bar",
            "943 476 5919",
        ]
    ),
    st.text(alphabet="0123456789 -/abcMAEZ", max_size=14),
    st.text(max_size=12),
)


@given(st.lists(CELLS, min_size=1, max_size=8))
@settings(max_examples=400, deadline=None)
def test_the_screens_look_at_a_whole_row_never_misses_a_cell_the_cell_by_cell_look_finds(
    cells: list[str],
):
    from oversight.extracts.identifiers import _JOIN, _may_hold_identifier, identifier_in

    if any(identifier_in(cell) is not None for cell in cells):
        assert _may_hold_identifier(_JOIN.join(cells))


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("2020-01-31 22:15", "2020-01-31 22:15"),
        ("2020-01-31T22:15:00", "2020-01-31 22:15"),
        ("31/01/2020 22:15", "2020-01-31 22:15"),
        ("2020-01-31 2:15", "2020-01-31 02:15"),
        ("2020-02-30 22:15", None),  # the quick path's shape, not a date
        ("2020-01-31 24:00", None),
        ("2020-W05-5 22:15", None),  # an ISO week date has the shape's length, not its digits
    ],
)
def test_arrival_times_are_read_as_written_or_refused(text: str, kept: str | None):
    from oversight.importing.assaults import parse_datetime

    if kept is None:
        with pytest.raises(ValueError, match="is not a date and time"):
            parse_datetime(text)
    else:
        assert parse_datetime(text) == kept
