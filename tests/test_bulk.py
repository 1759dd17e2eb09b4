"""The fast path of an import (oversight.bulk) decides nothing of its own: for any file, what it
stores, and what is refused and why, is what the row-by-row path stores and refuses."""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oversight import bulk
from oversight.clock import LONDON
from oversight.errors import UserError
from oversight.importing import import_extract
from oversight.kinds import KINDS
from oversight.store import open_store
from tests.support.data import CASE_HEADER

AS_OF = date(2020, 6, 30)

# Cells as exports spell them, good and bad, including what only the exact path can judge.
WORKSTREAM = ["DA", "da", "Domestic abuse", "CP", "child_protection", " DA ", "Burglary", ""]
DAY = [
    *("2019-07-01", "01/07/2019", "1/7/2019", "2020-06-30", "2020-07-01", "31/02/2019"),
    *("2019-07-01 00:00", "2019-07-01T00:00:00.000", "2019-07-1", " 2019-07-02", "", "x"),
]
YES_NO = ["yes", "Y", "no", "N", "TRUE", "0", "", " yes", "maybe", "\u00a0"]
STATUS = ["outstanding", "In progress", "reviewed", "not_required", "", "Reviewed", "done"]
REF = ["A1", "A2", "A3", "B1", " A4", "A5 ", "É6", "A7\u00a0", "", "=1"]


@st.composite
def row(draw: st.DrawFn) -> list[str]:
    cells = [
        draw(st.sampled_from(REF)),
        draw(st.sampled_from(WORKSTREAM)),
        draw(st.sampled_from(DAY)),
        draw(st.sampled_from(YES_NO)),
        draw(st.sampled_from(STATUS)),
        draw(st.sampled_from(DAY)),
        draw(st.sampled_from(YES_NO)),
        draw(st.sampled_from(YES_NO)),
        draw(st.sampled_from(YES_NO)),
    ]
    shape = draw(st.sampled_from(["whole", "whole", "whole", "short", "long", "blank"]))
    if shape == "short":
        return cells[:6]
    if shape == "long":
        return [*cells, draw(st.sampled_from(["", " ", "extra"]))]
    if shape == "blank":
        return [""] * len(cells)
    return cells


def outcome(path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[str, object]:
    """What importing ``path`` into a new store comes to: the rows stored, or the refusal."""
    with monkeypatch.context() as patch:
        taken = []
        real = bulk.stage
        patch.setattr(bulk, "stage", lambda *a: taken.append(1) or (real(*a) if fast else None))
        with (
            tempfile.TemporaryDirectory() as folder,
            open_store(Path(folder) / "o.db", create=True) as store,
        ):
            try:
                import_extract(
                    store,
                    KINDS["cases"],
                    path,
                    extract_as_of=AS_OF,
                    imported_by="t",
                    imported_at=datetime(2020, 7, 1, tzinfo=LONDON),
                )
            except UserError as error:
                details = error.details() if hasattr(error, "details") else []
                return "refused", (str(error), details)
            rows = store.conn.execute("SELECT * FROM case_reviews ORDER BY incident_ref")
            return "stored", rows.fetchall()


def write(path: Path, rows: list[list[str]]) -> Path:
    lines = [",".join(CASE_HEADER), *(",".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow  # a long hypothesis run
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(row(), min_size=1, max_size=12))
def test_the_fast_path_stores_and_refuses_exactly_what_the_exact_path_does(rows, monkeypatch):
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "cases.csv", rows)
        assert outcome(path, True, monkeypatch) == outcome(path, False, monkeypatch)


GOOD = [
    ["A1", "DA", "01/07/2019", "yes", "reviewed", "2020-06-01", "Y", "N", ""],
    ["A2", "cp", "2019-07-02", "no", "", "", "", "", ""],
    ["A3", "Domestic abuse", "2019-07-03", "Yes", "In progress", "", "", "", ""],
]


def test_a_plain_valid_file_takes_the_fast_path(tmp_path, monkeypatch):
    path = write(tmp_path / "cases.csv", GOOD)
    staged = []
    real = bulk.stage
    monkeypatch.setattr(bulk, "stage", lambda *a: staged.append(real(*a)) or staged[-1])
    kind, stored = outcome(path, True, monkeypatch)
    assert kind == "stored" and len(stored) == 3
    assert staged == [3]  # the fast path vouched for all three rows


@pytest.mark.parametrize(
    "cells",
    [
        ["A1", "DA", "31/02/2019", "yes", "outstanding", "", "", "", ""],  # not a date
        ["A1 ", "DA", "2019-07-01", "yes", "outstanding", "", "", "", ""],  # a key given twice
        ["É1", "DA", "2019-07-01", "yes", "outstanding", "", "", "", ""],  # beyond ASCII
        ["A9", "DA", "2019-07-01", "yes", "outstanding", "", "", "", "", "x"],  # a long row
        ["A9", "DA", "2019-07-01", "yes"],  # a short row missing a required cell
    ],
)
def test_any_doubt_leaves_the_file_to_the_exact_path(tmp_path, monkeypatch, cells):
    path = write(tmp_path / "cases.csv", [*GOOD, cells])
    staged = []
    real = bulk.stage
    monkeypatch.setattr(bulk, "stage", lambda *a: staged.append(real(*a)) or staged[-1])
    outcome(path, True, monkeypatch)
    assert staged == [None]


def test_a_quoted_file_reads_on_the_fast_path_when_every_row_is_one_line(tmp_path, monkeypatch):
    text = ",".join(CASE_HEADER) + '\n"A1","DA","2019-07-01","yes","outstanding",,,,\n'
    (tmp_path / "q.csv").write_text(text, encoding="utf-8")
    staged = []
    real = bulk.stage
    monkeypatch.setattr(bulk, "stage", lambda *a: staged.append(real(*a)) or staged[-1])
    assert outcome(tmp_path / "q.csv", True, monkeypatch)[0] == "stored"
    assert staged == [1]
