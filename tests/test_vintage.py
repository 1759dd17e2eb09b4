"""Which extract each kind is known from on a date (the latest taken by then), its file and
date, and how stale it was then: days from the extract's as-of date to the date asked about."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from oversight.clock import LONDON
from oversight.figures.vintage import vintage
from oversight.importing.kinds import KINDS, import_extract
from oversight.store import Store
from tests.support.data import CASE_HEADER, DEADLINE_HEADER, NOW, RETURN_HEADER, case, write_csv

HEADERS = {"cases": CASE_HEADER, "returns": RETURN_HEADER, "deadlines": DEADLINE_HEADER}
ROWS = {
    "cases": [case("DA1"), case("DA2", "CP")],
    "returns": [["ONS", "2019-Q3", "2019-11-15", "missing", "", ""]],
    "deadlines": [["Report", "2020-07-31", "", "", "open", ""]],
}


def import_file(
    store: Store,
    folder: Path,
    kind: str,
    name: str,
    *,
    at: datetime,
    extract_as_of: date,
    by: str = "analyst",
    rows: list[list[str]] | None = None,
) -> int:
    path = write_csv(folder / name, HEADERS[kind], rows or ROWS[kind])
    result = import_extract(
        store,
        KINDS[kind],
        path,
        extract_as_of=extract_as_of,
        imported_by=by,
        imported_at=at,
    )
    return result.import_id


def freshness(store: Store, now: datetime, stale_after_days: int) -> dict:
    return vintage(store, now.date(), KINDS.names(), stale_after_days).known


def test_nothing_imported(store: Store):
    assert freshness(store, NOW, 8) == dict.fromkeys(KINDS.names())
    assert KINDS.names() == ["cases", "returns", "deadlines", "crimes", "requests", "assaults"]


def test_the_last_import_of_each_kind(store: Store, tmp_path: Path):
    first = import_file(
        store,
        tmp_path,
        "cases",
        "cases-0616.csv",
        at=datetime(2020, 6, 16, 10, tzinfo=LONDON),
        extract_as_of=date(2020, 6, 16),
    )
    returns_id = import_file(
        store,
        tmp_path,
        "returns",
        "returns.csv",
        at=datetime(2020, 6, 20, 10, tzinfo=LONDON),
        extract_as_of=date(2020, 6, 19),
        by="data team",
    )
    # A newer cases extract, with one more row.
    second = import_file(
        store,
        tmp_path,
        "cases",
        "cases-0630.csv",
        at=datetime(2020, 6, 30, 17, 45, tzinfo=LONDON),
        extract_as_of=date(2020, 6, 30),
        rows=[*ROWS["cases"], case("DA3")],
    )
    assert first < returns_id < second
    result = freshness(store, NOW, 8)  # now: 1 July 2020 09:00
    cases = result["cases"]
    assert cases.kind == "cases"
    assert cases.import_id == second
    assert cases.file_name == "cases-0630.csv"
    assert cases.extract_as_of == date(2020, 6, 30)
    assert cases.imported_at == datetime(2020, 6, 30, 17, 45, tzinfo=LONDON)
    assert cases.imported_by == "analyst"
    assert cases.rows_read == 3
    assert (cases.age_days, cases.stale) == (1, False)
    returns = result["returns"]
    assert (returns.import_id, returns.file_name, returns.imported_by) == (
        returns_id,
        "returns.csv",
        "data team",
    )
    assert returns.extract_as_of == date(2020, 6, 19)
    # Taken on 19 June (imported on the 20th); on 1 July that is 12 days: more than 8, stale.
    assert (returns.age_days, returns.stale) == (12, True)
    assert result["deadlines"] is None


def test_an_import_that_changed_nothing_still_counts(store: Store, tmp_path: Path):
    import_file(
        store,
        tmp_path,
        "deadlines",
        "deadlines.csv",
        at=datetime(2020, 6, 1, 9, tzinfo=LONDON),
        extract_as_of=date(2020, 6, 1),
    )
    again = import_file(
        store,
        tmp_path,
        "deadlines",
        "deadlines-again.csv",
        at=datetime(2020, 6, 30, 9, tzinfo=LONDON),
        extract_as_of=date(2020, 6, 30),
    )
    last = freshness(store, NOW, 8)["deadlines"]
    assert (last.import_id, last.file_name, last.age_days, last.stale) == (
        again,
        "deadlines-again.csv",
        1,
        False,
    )


@pytest.mark.parametrize(
    ("taken", "imported", "age", "stale"),
    [
        (date(2020, 7, 1), datetime(2020, 7, 1, 8, 59, tzinfo=LONDON), 0, False),
        (date(2020, 6, 23), datetime(2020, 6, 30, 9, 0, tzinfo=LONDON), 8, False),  # not over 8
        (date(2020, 6, 22), datetime(2020, 7, 1, 8, 0, tzinfo=LONDON), 9, True),
        # An old extract imported today is as old as it was taken.
        (date(2020, 6, 3), datetime(2020, 7, 1, 8, 0, tzinfo=LONDON), 28, True),
        # With no as-of date (an import by an older oversight): the import's day in London;
        # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST): today, not yesterday.
        (None, datetime(2020, 6, 30, 23, 30, tzinfo=UTC), 0, False),
        (None, datetime(2020, 6, 30, 22, 30, tzinfo=UTC), 1, False),
    ],
)
def test_age_is_from_the_extract_to_the_date(
    store: Store, tmp_path: Path, taken: date | None, imported: datetime, age: int, stale: bool
):
    import_file(store, tmp_path, "cases", "cases.csv", at=imported, extract_as_of=date(2020, 6, 1))
    store.conn.execute(
        "UPDATE imports SET extract_as_of = ?, imported_at = ?",
        (taken.isoformat() if taken else None, imported.isoformat()),
    )
    last = freshness(store, NOW, 8)["cases"]
    assert (last.age_days, last.stale) == (age, stale)


def test_a_kind_is_known_from_the_latest_extract_taken_by_the_date(store: Store, tmp_path: Path):
    june = import_file(
        store, tmp_path, "cases", "c-0630.csv", at=NOW, extract_as_of=date(2020, 6, 30)
    )
    import_file(store, tmp_path, "cases", "c-0714.csv", at=NOW, extract_as_of=date(2020, 7, 14))
    known = vintage(store, date(2020, 7, 1), KINDS.names(), 8)
    assert known.known["cases"].import_id == june
    assert known.behind == {"cases"}  # a later import has changed the cases since
    assert vintage(store, date(2020, 6, 29), KINDS.names(), 8).known["cases"] is None
    revised = vintage(store, date(2020, 7, 1), KINDS.names(), 8, revised=True)
    assert revised.known["cases"].file_name == "c-0714.csv" and revised.behind == frozenset()


def test_stale_after_follows_the_setting(store: Store, tmp_path: Path):
    import_file(
        store,
        tmp_path,
        "returns",
        "returns.csv",
        at=datetime(2020, 6, 28, 9, tzinfo=LONDON),
        extract_as_of=date(2020, 6, 28),
    )
    # Three days old on 1 July.
    assert freshness(store, NOW, 2)["returns"].stale is True
    assert freshness(store, NOW, 3)["returns"].stale is False
    assert freshness(store, NOW, 30)["returns"].stale is False
