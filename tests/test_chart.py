"""The digest chart: a real PNG of the right size, drawn from the same figures as the digest.

The data go in through the real import path (the demo's synthetic extracts, or hand-made rows),
and the plotted series are checked against the digest, an independent count over the imported
rows, and what ``oversight ask --json`` prints.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageStat

from oversight import demo
from oversight.answers.digest import DigestAnswer, build_digest
from oversight.importing.kinds import KINDS, import_extract
from oversight.render.charts import BLUE, MAX_PROJECTION, VERMILLION, chart_data, digest_chart
from oversight.store import Store
from tests.support.data import CASE_HEADER, NOW, TEST_NOW, case, settings, write_csv
from tests.support.processes import oversight_command

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DEMO_AS_OF = demo.AS_OF  # Tuesday 30 June 2020


def digest_of(store: Store, as_of: date = DEMO_AS_OF) -> DigestAnswer:
    return build_digest(store, as_of, NOW, settings(7))


def import_cases(store: Store, folder: Path, rows: list[list[str]], as_of: date) -> None:
    path = write_csv(folder / "cases.csv", CASE_HEADER, rows)
    import_extract(
        store, KINDS["cases"], path, extract_as_of=as_of, imported_by="tester", imported_at=NOW
    )


def reviewed(ref: str, on: str) -> list[str]:
    return case(ref, recorded_on="2020-06-01", review_status="reviewed", reviewed_on=on)


def image(png: bytes) -> Image.Image:
    assert png.startswith(PNG_SIGNATURE)
    picture = Image.open(BytesIO(png))
    picture.load()  # reads every pixel: a truncated or corrupt file fails here
    return picture.convert("RGB")


def has_colour(picture: Image.Image, hex_colour: str) -> bool:
    wanted = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return any(rgb == wanted for _, rgb in picture.getcolors(maxcolors=1 << 20))


# --- the PNG ------------------------------------------------------------------------------


def test_the_chart_is_a_png_of_slack_preview_size_and_not_blank(demo_store: Store) -> None:
    picture = image(digest_chart(digest_of(demo_store)))
    width, height = picture.size
    assert 1000 <= width <= 2000 and 550 <= height <= 1200
    assert 1.6 < width / height < 1.9  # about 16:9, the shape Slack previews
    grey = ImageStat.Stat(picture.convert("L"))
    assert grey.stddev[0] > 20  # a blank or single-colour image has none
    assert len(picture.getcolors(maxcolors=1 << 20)) > 50  # text, lines and bars, antialiased


def test_the_outstanding_line_and_the_projection_are_drawn_in_their_colours(
    demo_store: Store,
) -> None:
    picture = image(digest_chart(digest_of(demo_store)))
    assert has_colour(picture, BLUE)
    assert has_colour(picture, VERMILLION)


def test_the_same_digest_gives_the_same_bytes_and_no_software_stamp(demo_store: Store) -> None:
    first = digest_chart(digest_of(demo_store))
    assert digest_chart(digest_of(demo_store)) == first
    assert b"Matplotlib" not in first and b"tEXtSoftware" not in first


def test_a_different_week_gives_a_different_chart(demo_store: Store) -> None:
    week_before = DEMO_AS_OF - timedelta(days=7)
    assert digest_chart(digest_of(demo_store, week_before)) != digest_chart(digest_of(demo_store))


# --- the plotted data agree with the figures -----------------------------------------------


def test_chart_data_are_the_digest_figures(demo_store: Store) -> None:
    digest = digest_of(demo_store)
    data = chart_data(digest)
    trend = digest.backlog.trend
    assert data.outstanding == [(p.day, p.outstanding) for p in digest.history]
    assert data.outstanding[-1] == (DEMO_AS_OF, trend.outstanding)
    assert data.projection == [(DEMO_AS_OF, trend.outstanding), (trend.projected_completion, 0)]
    assert data.completed == [(w.week_start, w.completed) for w in digest.weeks]
    assert data.four_week_mean == trend.four_week_mean
    assert "30 Jun 2020" in data.title
    assert "10,112 outstanding" in data.subtitle and "15 Jul 2021" in data.subtitle


def test_chart_data_agree_with_the_published_demo_figures(demo_store: Store) -> None:
    data = chart_data(digest_of(demo_store))
    da = demo.DOMESTIC_ABUSE
    # Child protection is complete, so everything outstanding is domestic abuse: 10,112.
    assert data.outstanding[-1][1] == da.needing_review - da.reviewed == 10_112
    assert len(data.completed) == 26 and len(data.outstanding) == 27  # 26 Sundays, then D
    assert all(d.weekday() == 6 for d, _ in data.outstanding[:-1])
    assert all(w.weekday() == 0 for w, _ in data.completed)


def test_chart_data_agree_with_a_count_over_the_imported_rows(demo_store: Store) -> None:
    data = chart_data(digest_of(demo_store))
    path = demo_store.path
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:

        def one(sql: str, *params: str) -> int:
            return conn.execute(sql, params).fetchone()[0]

        for day, outstanding in data.outstanding:
            needing = one(
                "SELECT count(*) FROM case_reviews WHERE needs_review = 1 AND recorded_on <= ?",
                day.isoformat(),
            )
            done = one(
                "SELECT count(*) FROM case_reviews "
                "WHERE review_status = 'reviewed' AND reviewed_on <= ?",
                day.isoformat(),
            )
            assert outstanding == needing - done, day
        for monday, completed in data.completed:
            sunday = monday + timedelta(days=6)
            count = one(
                "SELECT count(*) FROM case_reviews WHERE review_status = 'reviewed' "
                "AND reviewed_on BETWEEN ? AND ?",
                monday.isoformat(),
                sunday.isoformat(),
            )
            assert completed == count, monday


def test_chart_data_agree_with_oversight_ask(demo_store: Store) -> None:
    data = chart_data(digest_of(demo_store))
    result = subprocess.run(
        [*oversight_command(), "ask", "--json", "--as-of", DEMO_AS_OF.isoformat(), "/backlog"],
        env={**os.environ, "OVERSIGHT_DB": str(demo_store.path), "OVERSIGHT_NOW": TEST_NOW},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)["backlog"]
    combined = next(f for f in answer["figures"] if f["workstream"] == "all")
    assert data.outstanding[-1][1] == combined["outstanding"]
    assert data.projection[-1] == (date.fromisoformat(answer["trend"]["projected_completion"]), 0)
    assert data.four_week_mean == answer["trend"]["four_week_mean"]
    asked = [
        (date.fromisoformat(w["week_start"]), w["completed"]) for w in answer["trend"]["weeks"]
    ]
    assert data.completed[-len(asked) :] == asked  # ask shows the last 12 of the 26 weeks


def test_a_hand_counted_backlog_as_of_a_sunday(store: Store, tmp_path: Path) -> None:
    # As of Sunday 5 July 2020: ten cases need review, six are done; the as-of date is itself
    # the end of a complete week, so it is not plotted twice.
    rows = [case(f"O{i}", recorded_on="2020-06-01") for i in range(4)]
    rows += [reviewed("A1", "2020-06-10"), reviewed("A2", "2020-06-11")]  # week from 8 Jun
    rows += [reviewed(f"B{i}", "2020-06-24") for i in range(3)]  # week from 22 Jun
    rows += [reviewed("C1", "2020-07-05")]  # Sunday of the week from 29 Jun
    as_of = date(2020, 7, 5)
    import_cases(store, tmp_path, rows, as_of)
    data = chart_data(digest_of(store, as_of))
    assert len(data.outstanding) == 26 and data.outstanding[-1] == (as_of, 4)
    assert dict(data.outstanding)[date(2020, 5, 31)] == 0  # before any was recorded
    assert dict(data.outstanding)[date(2020, 6, 7)] == 10  # recorded, none reviewed yet
    assert dict(data.outstanding)[date(2020, 6, 28)] == 5
    weeks = dict(data.completed)
    assert weeks[date(2020, 6, 8)] == 2 and weeks[date(2020, 6, 15)] == 0
    assert weeks[date(2020, 6, 22)] == 3 and weeks[date(2020, 6, 29)] == 1
    assert sum(weeks.values()) == 6
    # Mean of the last four weeks: (2 + 0 + 3 + 1) / 4 = 1.5 a week; 4 left take 4 * 7 / 1.5
    # = 18.7 days, rounded up to 19: 24 July 2020.
    assert data.four_week_mean == 1.5
    assert data.projection == [(as_of, 4), (date(2020, 7, 24), 0)]
    image(digest_chart(digest_of(store, as_of)))


# --- no projection, no data, a projection years away ---------------------------------------


def test_with_no_projection_the_chart_says_so_and_draws_none(demo_store: Store) -> None:
    # Eight months after the last review: nothing done in the last four weeks.
    digest = digest_of(demo_store, date(2021, 3, 3))
    assert digest.backlog.trend.projected_completion is None
    data = chart_data(digest)
    assert data.projection == []
    assert "No projection: no reviews completed in the last four complete weeks" in data.subtitle
    # The demo's 10,112 outstanding on 30 June, less the July reviews that were not undone.
    july = demo.JULY_REVIEWS - demo.UNDONE
    assert data.outstanding[-1] == (date(2021, 3, 3), 10_112 - july)
    picture = image(digest_chart(digest))
    assert has_colour(picture, BLUE) and not has_colour(picture, VERMILLION)


def test_a_complete_backlog_has_no_projection(store: Store, tmp_path: Path) -> None:
    as_of = date(2020, 7, 5)
    import_cases(store, tmp_path, [reviewed("A1", "2020-06-10")], as_of)
    data = chart_data(digest_of(store, as_of))
    assert data.projection == [] and data.outstanding[-1] == (as_of, 0)
    assert "Complete: nothing outstanding" in data.subtitle
    image(digest_chart(digest_of(store, as_of)))


def test_an_empty_store_still_gives_a_chart(store: Store) -> None:
    digest = digest_of(store)
    data = chart_data(digest)
    assert all(n == 0 for _, n in data.outstanding) and all(n == 0 for _, n in data.completed)
    assert data.projection == []
    assert data.subtitle == "No case reviews data: import an extract."
    width, _ = image(digest_chart(digest)).size
    assert 1000 <= width <= 2000


def test_a_projection_years_away_runs_off_the_chart(store: Store, tmp_path: Path) -> None:
    # One review in the last four weeks (a quarter a week) and 100 left: 2,800 days to go.
    as_of = date(2020, 7, 5)
    rows = [case(f"O{i}", recorded_on="2020-06-01") for i in range(100)]
    import_cases(store, tmp_path, [*rows, reviewed("A1", "2020-06-24")], as_of)
    digest = digest_of(store, as_of)
    data = chart_data(digest)
    assert data.projection[-1] == (as_of + timedelta(days=2800), 0)
    assert data.projection_off_chart and data.x_end == as_of + MAX_PROJECTION
    picture = image(digest_chart(digest))
    assert has_colour(picture, VERMILLION)


def test_importing_the_chart_module_loads_neither_matplotlib_nor_slack() -> None:
    code = (
        "import sys, oversight.render.charts, oversight.render.workbook; "
        "print(sorted(m for m in ('matplotlib', 'openpyxl', 'slack_sdk', 'slack_bolt', 'bot') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
