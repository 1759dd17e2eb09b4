"""As of D means as known on D: a store of six weekly extracts answers every command for each
week exactly as a store holding only the extracts up to that week does (built independently,
here), and as a count of those extracts' rows by hand; ``revised`` answers as the whole store
knows the date now; the revision triangle is the same count done for every week and extract;
and a digest sent can be shown, and made again, with the figures it was sent with.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from oversight.answers import COMMANDS as REGISTERED
from tests.support.cli import invoke, refused, settings_env, succeeded
from tests.support.data import CASE_HEADER, write_csv
from tests.support.jobs import CHANNEL, job_env
from tests.support.weekly import (
    CASES,
    CP,
    DA,
    DAYS,
    build,
    count,
    merged_cases,
    write_extracts,
)

# Every registered command (/oversight as the Home tab, which holds the others' answers), and
# the backlog of each workstream.
COMMANDS = [c.slash if c.name != "oversight" else "/oversight home" for c in REGISTERED]
COMMANDS += ["/backlog da", "/backlog cp", "/deadlines 30"]
# Each week's extract day, a day between two extracts, and the last week-end's Sunday.
ASKED = [d + timedelta(days=n) for d in DAYS for n in (0, 3)]
LATER = "2020-08-20T09:00"  # "now" when asking: after every extract
HOW_KNOWN = ("known", "since")  # how the figures were known: the full store knows more


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """The store of all six weeks (key 6), and one per week built from its extracts alone."""
    folder = tmp_path_factory.mktemp("weekly")
    steps = write_extracts(folder)
    made = {}
    for weeks in range(1, 7):
        place = folder / "stores" / f"weeks-1-to-{weeks}"
        place.mkdir(parents=True)
        made[weeks] = build(place / "oversight.db", steps, weeks)
    return made


def weeks_known(on: date) -> int:
    return sum(d <= on for d in DAYS)


def ask(db: Path, on: date, typed: str, *flags: str) -> dict:
    runner = CliRunner(env={**settings_env(db), "OVERSIGHT_NOW": LATER})
    result = invoke(runner, "ask", "--json", "--as-of", on.isoformat(), *flags, typed)
    return json.loads(succeeded(result).stdout)


def without(answer: object, keys: tuple[str, ...]) -> object:
    """The answer without ``keys``, at any depth (the Home tab holds answers of its own)."""
    if isinstance(answer, dict):
        return {k: without(v, keys) for k, v in answer.items() if k not in keys}
    if isinstance(answer, list):
        return [without(v, keys) for v in answer]
    return answer


def figures_of(answer: dict) -> dict[str, dict[str, int]]:
    names = ("recorded", "needing_review", "reviewed", "outstanding", "ncrs_answered")
    names += ("ncrs_compliant", "referrals_not_sent")
    return {f["workstream"]: {n: f[n] for n in names} for f in answer["backlog"]["figures"]}


def expected_figures(rows: dict, on: date) -> dict[str, dict[str, int]]:
    counted = count(rows, on)
    names = ("recorded", "needing_review", "reviewed", "outstanding", "ncrs_answered")
    names += ("ncrs_compliant", "referrals_not_sent")
    return {ws: {n: counted[ws].get(n, 0) for n in names} for ws in counted}


# --- every command, as of every week ---------------------------------------------------------


@pytest.mark.parametrize("typed", COMMANDS)
def test_every_answer_as_of_a_week_is_the_answer_of_a_store_of_the_extracts_to_then(
    stores: dict[int, Path], typed: str
):
    for on in ASKED:
        known = weeks_known(on)
        full = ask(stores[6], on, typed)
        alone = ask(stores[known], on, typed)
        assert without(full, HOW_KNOWN) == without(alone, HOW_KNOWN), (typed, on)


def test_the_backlog_as_of_each_week_is_the_count_of_the_extracts_to_then(
    stores: dict[int, Path],
):
    for on in ASKED:
        answer = ask(stores[6], on, "/backlog")
        assert figures_of(answer) == expected_figures(merged_cases(weeks_known(on)), on), on
        assert answer["source"]["extract_as_of"] == DAYS[weeks_known(on) - 1].isoformat()


def test_the_totals_kept_after_each_import_are_those_of_a_store_of_the_extracts_to_then(
    stores: dict[int, Path],
):
    """What a past answer reads (the totals kept whole after each cases import) is what the
    store of the extracts to that week holds, table for table."""
    import sqlite3

    def rows(db: Path, sql: str, *params: object) -> list[tuple]:
        with sqlite3.connect(db) as conn:
            return sorted(conn.execute(sql, params).fetchall())

    full = stores[6]
    cases = [i for (i,) in rows(full, "SELECT id FROM imports WHERE kind = 'cases'")]
    assert len(cases) == 6
    for week, import_id in enumerate(cases, 1):
        for kept, live, columns in (
            ("case_daily_kept", "case_daily", "*"),
            ("case_waiting_kept", "case_ages", "workstream, recorded_on, needing"),
        ):
            where = " WHERE reviewed_on = ''" if live == "case_ages" else ""
            alone = rows(stores[week], f"SELECT {columns} FROM {live}{where}")
            latest = f"(SELECT max(import_id) FROM {kept} WHERE import_id <= ?)"
            held = rows(full, f"SELECT * FROM {kept} WHERE import_id = {latest}", import_id)
            assert [r[1:] for r in held] == alone, (kept, week)


def test_revised_is_what_the_whole_store_knows_of_the_date(stores: dict[int, Path]):
    for on in [DAYS[0] - timedelta(days=5), *ASKED]:
        revised = ask(stores[6], on, "/backlog", "--revised")
        assert revised["known"]["revised"] is True
        assert figures_of(revised) == expected_figures(merged_cases(6), on), on
        assert revised["source"]["extract_as_of"] == DAYS[-1].isoformat()


def test_an_answer_says_which_of_its_figures_later_extracts_revised(stores: dict[int, Path]):
    for on in ASKED:
        then = expected_figures(merged_cases(weeks_known(on)), on)["all"]
        now = expected_figures(merged_cases(6), on)["all"]
        answer = ask(stores[6], on, "/backlog")
        said = {
            r["figure"]: (r["known_then"], r["known_now"]) for r in answer["known"]["revisions"]
        }
        expected = {
            figure: (then[figure], now[figure])
            for figure in ("outstanding", "reviewed")
            if then[figure] != now[figure]
        }
        assert said == expected, on
    # The weeks did revise something: the test would not notice a store that never revises.
    assert any(ask(stores[6], on, "/backlog")["known"]["revisions"] for on in ASKED[:4])


def test_before_any_extract_each_kind_says_so(stores: dict[int, Path]):
    runner = CliRunner(env={**settings_env(stores[6]), "OVERSIGHT_NOW": LATER})
    text = succeeded(invoke(runner, "ask", "--as-of", "2020-07-01", "/integrity")).stdout
    for kind in ("case reviews", "data returns", "deadlines", "recorded crime"):
        assert f"No {kind} extract had been taken by 1 Jul 2020" in text


def test_ons_status_as_of_a_past_week_has_that_weeks_statuses(stores: dict[int, Path]):
    def statuses(on: date) -> dict[str, str]:
        returns = ask(stores[6], on, "/ons-status")["returns"]["returns"]
        return {r["period"]: r["status"] for r in returns}

    # Marked excluded only by the extract of week 4 (28 July).
    assert statuses(DAYS[2])["2019-Q4"] == "missing"
    assert statuses(DAYS[3])["2019-Q4"] == "excluded"
    assert ask(stores[6], DAYS[2], "/ons-status")["source"]["extract_as_of"] == "2020-07-07"


def test_deadlines_as_of_a_past_week_are_where_they_were_then(stores: dict[int, Path]):
    def due(on: date) -> dict[str, str]:
        items = ask(stores[6], on, "/deadlines 60")["deadlines"]["deadlines"]
        return {d["title"]: d["due_on"] for d in items}

    assert due(DAYS[0]) == {}  # no deadlines extract yet
    assert due(DAYS[3])["Backlog report"] == "2020-07-20"
    assert due(DAYS[4]) == {"Backlog report": "2020-08-10"}  # moved; the evidence pack done


def test_a_republished_crime_month_is_read_as_it_was_then(stores: dict[int, Path]):
    def may(on: date, *flags: str) -> tuple[str, int]:
        crime = ask(stores[6], on, "/crime", *flags)["crime"]
        return crime["month"], crime["crimes"]

    # May as first published (30 burglaries, 5 drug offences, 3 violent), until June's came.
    assert may(date(2020, 7, 10)) == ("2020-05", 30 + 5 + 3)
    assert may(DAYS[2]) == ("2020-06", 26 + 7 + 5)
    # Republished in week 5 (34, 9 and 7): what is known now of May.
    assert may(date(2020, 6, 15), "--revised") == ("2020-05", 34 + 9 + 7)
    assert may(date(2020, 7, 10), "--revised")[0] == "2020-06"


def test_the_crime_chart_names_both_years_of_a_month_neither_has(stores: dict[int, Path]):
    """Only May and June 2020 have files: each earlier month of the chart's year has no file in
    either year, and its one band names both (two labels in one place would overprint)."""
    from datetime import datetime

    from oversight.answers.digest import build_digest
    from oversight.clock import LONDON
    from oversight.render.charts import crime_chart_data
    from oversight.store import open_store
    from tests.support.data import settings

    with open_store(stores[6]) as store:
        digest = build_digest(store, DAYS[-1], datetime(2020, 8, 20, 9, tzinfo=LONDON), settings())
    data = crime_chart_data(digest)
    assert data is not None
    months = ["Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar", "Apr", "May", "Jun"]
    both = [(i, f"no file: {m} {2018 + (i > 5)} and {m} {2019 + (i > 5)}")
            for i, m in enumerate(months[:10])]  # fmt: skip
    assert data.bands == [*both, (10, "no file: May 2019"), (11, "no file: Jun 2019")]


# --- the revision triangle ----------------------------------------------------------------------


def percent(numerator: int, denominator: int) -> str:
    if not denominator:
        return ""
    value = Decimal(numerator) * 100 / Decimal(denominator)
    return str(float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)))


def headline(rows: dict, on: date, ws: str) -> dict[str, str]:
    c = count(rows, on)[ws]
    return {
        "outstanding": str(c.get("outstanding", 0)),
        "reviewed": str(c.get("reviewed", 0)),
        "ncrs_percent": percent(c.get("ncrs_compliant", 0), c.get("ncrs_answered", 0)),
        "referrals_not_sent": str(c.get("referrals_not_sent", 0)),
    }


def test_the_revision_triangle_is_the_count_of_every_extract_for_every_week(
    stores: dict[int, Path], tmp_path: Path
):
    runner = CliRunner(env={**settings_env(stores[6]), "OVERSIGHT_NOW": LATER})
    out = succeeded(invoke(runner, "revisions", "--since", "2020-07-01", "--csv")).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    # The case imports' ids, and which workstreams each extract covered.
    ids = {
        r["extract_as_of"]: int(r["import_id"]) for r in rows
    }  # every case import is cited at least once below
    covers = {week: (DA, CP) for week in range(5)} | {5: (DA,)}
    expected = []
    sundays = [date(2020, 7, 5) + timedelta(weeks=n) for n in range(7)]
    for sunday in sundays:
        for ws in ("all", DA, CP):
            covering = [w for w in range(6) if ws == "all" or ws in covers[w]]
            first = max([w for w in covering if DAYS[w] <= sunday], default=covering[0])
            for figure in ("outstanding", "reviewed", "ncrs_percent", "referrals_not_sent"):
                value = headline(merged_cases(first + 1), sunday, ws)[figure]
                estimates = [(first, value)]
                for later in range(first + 1, 6):
                    now = headline(merged_cases(later + 1), sunday, ws)[figure]
                    if now != estimates[-1][1]:
                        estimates.append((later, now))
                for n, (week, value) in enumerate(estimates):
                    expected.append(
                        (sunday.isoformat(), ws, figure, str(n), DAYS[week].isoformat(), value)
                    )
    got = [
        (r["week_end"], r["workstream"], r["figure"], r["estimate"], r["extract_as_of"], r["value"])
        for r in rows
    ]
    assert sorted(got) == sorted(expected)
    assert len(ids) == 6 and any(r["estimate"] != "0" for r in rows)
    first_after = {r["week_end"] for r in rows if r["first_after_week_end"] == "1"}
    assert first_after == {"2020-07-05"}  # before the first extract, 7 July


def test_the_revisions_text_cites_each_extract_and_marks_the_first_week(stores: dict[int, Path]):
    runner = CliRunner(env={**settings_env(stores[6]), "OVERSIGHT_NOW": LATER})
    text = succeeded(invoke(runner, "revisions")).stdout
    assert text.startswith("Revisions of the headline figures, week-ends 12 Jul 2020 to ")
    for n, day in enumerate(DAYS):
        assert f"cases-w{n + 1}.csv (taken {day.day} {day:%b %Y})" in text
    assert refused(invoke(runner, "revisions", "--since", "2020-09-01")).startswith(
        "--since 2020-09-01 is after the as-of date 2020-08-20."
    )


# --- published digests --------------------------------------------------------------------------


def test_a_digest_sent_is_shown_and_made_again_with_the_figures_it_was_sent_with(
    tmp_path: Path, digest_standin
):
    steps = write_extracts(tmp_path)
    db = build(tmp_path / "oversight.db", steps, 3)
    monday = "2020-07-27"  # after week 3's extract (21 July), before week 4's (28 July)
    env = job_env(digest_standin, db, OVERSIGHT_NOW=f"{monday}T09:00")
    runner = CliRunner(env=settings_env(db))
    preview = succeeded(invoke(runner, "digest", "preview", "--as-of", monday, env=env)).stdout
    sent = succeeded(invoke(runner, "digest", "send", "--as-of", monday, env=env)).stdout
    assert sent.startswith(f"Posted the weekly-digest for 2020-W31 to {CHANNEL}")

    # Two more weeks of extracts, taken after the digest's date.
    later = [s for s in steps if s.week in (3, 4)]
    for n, step in enumerate(later):
        now = {"OVERSIGHT_NOW": f"{DAYS[step.week].isoformat()}T19:{n:02d}"}
        args = ["import", step.kind, str(step.path), "--as-of", DAYS[step.week].isoformat()]
        succeeded(invoke(runner, *args, env=now))

    shown = succeeded(invoke(runner, "digest", "show", "2020-W31")).stdout
    assert shown.startswith(preview)
    assert "As published: the digest for 2020-W31 sent on 27 Jul 2020 09:00" in shown
    kept = json.loads(succeeded(invoke(runner, "digest", "show", "2020-07-29", "--json")).stdout)
    outstanding = {f["workstream"]: f["outstanding"] for f in kept["backlog"]["figures"]}
    on = date.fromisoformat(monday)
    assert outstanding == {ws: c["outstanding"] for ws, c in count(merged_cases(3), on).items()}

    again = succeeded(
        invoke(runner, "digest", "preview", "--as-of", monday, env={"OVERSIGHT_NOW": LATER})
    ).stdout
    assert again.startswith(preview)
    assert again.removeprefix(preview).strip() == (
        "Same figures as the digest for 2020-W31 sent on 27 Jul 2020 09:00 to "
        f"{CHANNEL} (ts {digest_standin.posted()[0]['ts']})."
    )

    # An extract taken on the digest's date, imported only now: the published figure is
    # revised, and the preview says by how much and why.
    late_rows = dict(CASES[2])
    ref = next(r for r, row in late_rows.items() if row[4] == "outstanding" and row[1] == DA)
    late_rows[ref] = [*late_rows[ref][:4], "reviewed", "2020-07-25", "yes", "no", ""]
    late = write_csv(tmp_path / "late.csv", CASE_HEADER, late_rows.values())
    now = {"OVERSIGHT_NOW": LATER}
    succeeded(invoke(runner, "import", "cases", str(late), "--as-of", monday, env=now))
    revised = succeeded(
        invoke(runner, "digest", "preview", "--as-of", monday, env={"OVERSIGHT_NOW": LATER})
    ).stdout
    before = count(merged_cases(3), on)["all"]["outstanding"]
    tail = revised.split("REVISED since it was published: ", 1)[1]
    assert f"outstanding (All workstreams): {before:,} when sent, {before - 1:,} now (-1)" in tail
    assert "late.csv (taken 27 Jul 2020, imported 20 Aug 2020 09:00)" in tail
    # What was sent is still what it was.
    assert succeeded(invoke(runner, "digest", "show", "2020-W31")).stdout == shown


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2020-W30", "No digest was sent for 2020-W30 (sent: none yet)."),
        ("last week", '"last week" is not a digest period: give the week as 2020-W28, or a date'),
    ],
)
def test_digest_show_of_a_week_never_sent_is_one_sentence(
    runner: CliRunner, period: str, message: str
):
    build(Path("oversight.db").resolve(), write_extracts(Path.cwd()), 1)
    assert refused(invoke(runner, "digest", "show", period)).startswith(message)
