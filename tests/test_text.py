"""Plain-text rendering: hand-checked answers word for word, and the same numbers as the JSON."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from oversight.clock import LONDON
from oversight.figures.backlog import Trend, WorkstreamFigures
from oversight.importing.kinds import KINDS, import_extract
from oversight.render import words as fmt
from oversight.render.json import to_json
from oversight.render.text import render_text
from oversight.schema import CURRENT_VERSION
from oversight.store import Store
from tests.support.data import CASE_HEADER, NOW, case, write_csv
from tests.support.handchecked import WINTER_NOW, ask

# --- hand-checked answers (the numbers are worked out in test_backlog, test_returns and
# test_deadlines) --------------------------------------------------------------------------------

BACKLOG_TEXT = """\
Review backlog, as of Tuesday 30 June 2020

                  Recorded  Need review  Reviewed  Outstanding  Reviewed %  NCRS %  Referrals not sent
Domestic abuse           9            8         4            4       50.0%   66.7%                   1
Child protection         4            3         2            1       66.7%  100.0%                   1
All workstreams         13           11         6            5       54.5%   80.0%                   2

NCRS compliance of reviewed cases: 80.0% (4 of 5)
Referrals required among reviewed cases: 2 not sent, 1 not known
Reviews completed last complete week: 1 in the week from 22 Jun 2020; four-week mean 1.3 reviews a week
Outstanding: 5, down 1 in seven days (6 on 23 Jun 2020)
Projected completion: 28 Jul 2020 at 1.3 reviews a week
Outstanding by age: 4 waiting more than 90 days, 4 waiting more than 180 days, 0 waiting more than 365 days; the oldest, recorded 13 Jul 2019, has waited 353 days
Risk assessments: not in this extract

From cases.csv (as of 10 Jul 2020), imported 10 Jul 2020 08:15.
Revised: what the store knows of 30 Jun 2020 today, from every extract since; not what was known on that date.
"""  # noqa: E501  (the mean is 1.25 a week: one decimal place, halves up)
# Outstanding on 30 June: DA5, DA6, DA10 (reviewed after D) and CP4, recorded in 2019 more than
# 180 days before, and DA8, recorded that day; the oldest is CP4, 353 days before.


def test_backlog_text(summer: Store):
    assert render_text(ask(summer, "/backlog as of 30/06/2020 revised")) == BACKLOG_TEXT


def test_backlog_text_for_one_workstream(summer: Store):
    text = render_text(ask(summer, "/backlog da as of 30/06/2020 revised"))
    lines = text.splitlines()
    assert lines[0] == "Review backlog — Domestic abuse, as of Tuesday 30 June 2020"
    assert re.split(r"\s{2,}", lines[3]) == [
        "Domestic abuse",
        "9",
        "8",
        "4",
        "4",
        "50.0%",
        "66.7%",
        "1",
    ]
    assert lines[4] == ""  # no other row
    # DA: 1, 1, 0, 1 reviews in the last four weeks: 0.75 a week, shown as 0.8;
    # 4 outstanding / 0.75 * 7 = 37.3 days, rounded up to 38: 7 August.
    assert "NCRS compliance of reviewed cases: 66.7% (2 of 3)" in lines
    assert "Referrals required among reviewed cases: 1 not sent, 1 not known" in lines
    assert (
        "Reviews completed last complete week: 1 in the week from 22 Jun 2020; "
        "four-week mean 0.8 reviews a week" in lines
    )
    assert "Outstanding: 4, down 1 in seven days (5 on 23 Jun 2020)" in lines
    assert "Projected completion: 7 Aug 2020 at 0.8 reviews a week" in lines


RETURNS_TEXT = """\
Crime-data returns, as of Tuesday 30 June 2020

Dataset                            Period           Due  Status
Quarterly crime data return (ONS)  2019-Q3  15 Nov 2019  missing    OVERDUE by 228 days
Quarterly crime data return (ONS)  2019-Q4  14 Feb 2020  excluded   OVERDUE by 137 days
Annual data return (Home Office)   2019/20  30 Apr 2020  late       OVERDUE by 61 days
Quarterly crime data return (ONS)  2020-Q1  15 May 2020  submitted  submitted 14 May 2020
Monthly_stats 100%                 2020-06  30 Jun 2020  pending
Stats\\North                        2020-07  31 Jul 2020  pending
Quarterly crime data return (ONS)  2020-Q2  14 Aug 2020  pending
Annual data return (Home Office)   2020/21  30 Apr 2021  pending

Overdue: 3
Excluded from official statistics: Quarterly crime data return (ONS) 2019-Q4
Next due: Monthly_stats 100% 2020-06 on 30 Jun 2020

From returns.csv (as of 1 Jul 2020), imported 1 Jul 2020 09:00.
Revised: what the store knows of 30 Jun 2020 today, from every extract since; not what was known on that date.
"""  # noqa: E501


def test_returns_text(summer: Store):
    assert render_text(ask(summer, "/ons-status as of 30/06/2020 revised")) == RETURNS_TEXT


def test_returns_text_filtered_to_nothing(summer: Store):
    text = render_text(ask(summer, "/ons-status burglary as of 30/06/2020 revised"))
    assert text.splitlines()[:3] == [
        'Crime-data returns matching "burglary", as of Tuesday 30 June 2020',
        "",
        'No data returns recorded matching "burglary".',
    ]


DEADLINES_TEXT = """\
Deadlines in the next 14 days and overdue, as of Wednesday 23 December 2020

Deadline                   Due                             Owner            Category
B done late        10 Dec 2020  OVERDUE by 9 working days  Head of Data     ONS
A overdue          18 Dec 2020  OVERDUE by 3 working days  Chief Constable  HMICFRS
E due today        23 Dec 2020  due today
I Christmas Eve    24 Dec 2020  1 working day left         Mayor's office
F after Christmas   4 Jan 2021  5 working days left                         Board
G last day          6 Jan 2021  7 working days left

Overdue: 2; due in the next 14 days: 4

From deadlines.csv (as of 31 Dec 2020), imported 31 Dec 2020 09:00.
Revised: what the store knows of 23 Dec 2020 today, from every extract since; not what was known on that date.
"""  # noqa: E501


def test_deadlines_text(winter: Store):
    answer = ask(winter, "/deadlines as of 23/12/2020 revised", WINTER_NOW)
    assert render_text(answer) == DEADLINES_TEXT


def test_nothing_imported(winter: Store):
    # The winter store has deadlines only.
    backlog = render_text(ask(winter, "/backlog", WINTER_NOW)).splitlines()
    assert re.split(r"\s{2,}", backlog[5]) == [
        "All workstreams",
        "0",
        "0",
        "0",
        "0",
        "n/a",
        "n/a",
        "0",
    ]
    assert "NCRS compliance of reviewed cases: n/a (no reviewed case has an answer)" in backlog
    assert "Projected completion: complete: nothing outstanding" in backlog
    assert backlog[-2:] == [
        "No case reviews extract has been imported.",
        "WARNING: No case reviews data: import an extract.",
    ]
    returns = render_text(ask(winter, "/ons-status", WINTER_NOW)).splitlines()
    assert "No data returns recorded." in returns
    assert returns[-1] == "WARNING: No data returns data: import an extract."


def test_no_projection_and_nothing_due(store: Store, tmp_path: Path):
    rows = [
        case("DA1", recorded_on="2020-01-02", review_status="reviewed", reviewed_on="2020-01-06"),
        case("DA2", recorded_on="2020-01-02"),
    ]
    path = write_csv(tmp_path / "cases.csv", CASE_HEADER, rows)
    import_extract(
        store,
        KINDS["cases"],
        path,
        extract_as_of=date(2020, 6, 30),
        imported_by="analyst",
        imported_at=NOW,
    )
    lines = render_text(ask(store, "/backlog as of 30/06/2020", NOW)).splitlines()
    assert (
        "Projected completion: no projection: no reviews completed in the last four "
        "complete weeks" in lines
    )
    assert (
        "Reviews completed last complete week: 0 in the week from 22 Jun 2020; "
        "four-week mean 0 reviews a week" in lines
    )
    assert "Outstanding: 1, no change in seven days (1 on 23 Jun 2020)" in lines
    assert "Referrals required among reviewed cases: 0 not sent" in lines
    deadlines = render_text(ask(store, "/deadlines 30", NOW)).splitlines()
    assert deadlines[:3] == [
        "Deadlines in the next 30 days and overdue, as of Wednesday 1 July 2020",
        "",
        "No open deadlines in that time, and none overdue.",
    ]


def test_status_text(summer: Store):
    lines = render_text(ask(summer, "/oversight status")).splitlines()
    assert lines[0] == f"Database: {summer.path.resolve()}"
    assert lines[1] == f"Schema version: {CURRENT_VERSION}"
    assert lines[3:12] == [
        "Rows:",
        "  case reviews: 14",
        "  data returns: 8",
        "  deadlines: 0",
        "  recorded crime, month files (one a force and month): 0",
        "  information requests: 0",
        "  hospital assault attendances: 0",
        "  imports: 2",
        "  audit log entries: 0",
    ]
    assert lines[13:] == [
        "Last imports:",
        "  case reviews: cases.csv, extract as of 10 Jul 2020 (0 days old), imported "
        "10 Jul 2020 08:15 by analyst",
        "  data returns: returns.csv, extract as of 1 Jul 2020 (9 days old, STALE), imported "
        "1 Jul 2020 09:00 by analyst",
        "  deadlines: never imported",
        "  recorded crime: never imported",
        "  information requests: never imported",
        "  hospital assault attendances: never imported",
    ]


def test_help_text(summer: Store):
    text = render_text(ask(summer, "/oversight help"))
    from oversight.answers import COMMANDS

    for command, usage in ((c.name, c.usage) for c in COMMANDS):
        assert usage in text.splitlines()
        for example in COMMANDS[command].examples:
            assert f"    e.g. {example}" in text.splitlines()


def test_render_text_refuses_what_it_does_not_know():
    with pytest.raises(TypeError):
        render_text(object())


# --- the text carries the same numbers as the JSON ---------------------------------------------


def cells(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


def number(text: str) -> int:
    return int(text.replace(",", ""))


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{Decimal(str(value)):.1f}%"


def half_up(value: float) -> str:
    rounded = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{rounded:,}".removesuffix(".0")


def iso_to_day(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day} {day:%b %Y}"


@pytest.fixture
def big(store: Store, tmp_path: Path) -> Store:
    """Thousands of invented cases, so that counts need thousands separators."""
    rng = random.Random(20200630)
    rows = []
    for n in range(6000):
        workstream = rng.choice(["DA", "DA", "DA", "CP"])
        recorded = date(2019, 7, 1) + timedelta(days=rng.randrange(123))
        if rng.random() < 0.6:
            rows.append(case(f"N{n}", workstream, recorded.isoformat(), "no", ""))
            continue
        if rng.random() < 0.5:
            rows.append(case(f"R{n}", workstream, recorded.isoformat(), "yes", "in_progress"))
            continue
        reviewed_on = date(2020, 1, 6) + timedelta(days=rng.randrange(190))
        answers = [rng.choice(["yes", "yes", "yes", "no", ""]) for _ in range(3)]
        rows.append(
            case(
                f"R{n}", workstream, recorded.isoformat(), "yes", "reviewed",
                reviewed_on.isoformat(), *answers,
            )
        )  # fmt: skip
    path = write_csv(tmp_path / "big.csv", CASE_HEADER, rows)
    import_extract(
        store,
        KINDS["cases"],
        path,
        extract_as_of=date(2020, 7, 14),
        imported_by="analyst",
        imported_at=datetime(2020, 7, 14, 9, tzinfo=LONDON),
    )
    return store


@pytest.mark.parametrize("workstream", ["", "da", "cp"])
@pytest.mark.parametrize("as_of", ["2020-03-29", "2020-06-28", "2020-06-30", "2020-07-14"])
def test_backlog_text_and_json_agree(big: Store, workstream: str, as_of: str):
    result = ask(big, f"/backlog {workstream} as of {as_of} revised", datetime(2020, 7, 14, 10))
    data = json.loads(to_json(result))
    lines = render_text(result).splitlines()
    figures = data["backlog"]["figures"]
    rows = [cells(line) for line in lines[3 : 3 + len(figures)]]
    assert lines[3 + len(figures)] == ""
    for row, fig in zip(rows, figures, strict=True):
        assert row[0] == fmt.workstream(fig["workstream"])
        assert [number(c) for c in row[1:5]] == [
            fig["recorded"],
            fig["needing_review"],
            fig["reviewed"],
            fig["outstanding"],
        ]
        assert row[5:7] == [pct(fig["percent_reviewed"]), pct(fig["ncrs_percent"])]
        assert number(row[7]) == fig["referrals_not_sent"]
    assert any("," in row[1] for row in rows)  # the data set is big enough to show separators
    shown, trend = figures[-1], data["backlog"]["trend"]
    text = "\n".join(lines)
    assert (
        f"NCRS compliance of reviewed cases: {pct(shown['ncrs_percent'])} "
        f"({shown['ncrs_compliant']:,} of {shown['ncrs_answered']:,})" in text
    )
    unknown = shown["referrals_unknown"]
    assert (
        f"Referrals required among reviewed cases: {shown['referrals_not_sent']:,} not sent"
        + (f", {unknown:,} not known" if unknown else "")
        in lines
    )
    last = trend["last_week"]
    mean = half_up(trend["four_week_mean"])
    assert (
        f"Reviews completed last complete week: {last['completed']:,} in the week from "
        f"{iso_to_day(last['week_start'])}; four-week mean {mean} "
        f"{'review' if mean == '1' else 'reviews'} a week" in lines
    )
    change = trend["outstanding"] - trend["outstanding_week_before"]
    assert change == trend["change_over_week"]
    moved = "no change" if change == 0 else f"{'up' if change > 0 else 'down'} {abs(change):,}"
    assert (
        f"Outstanding: {trend['outstanding']:,}, {moved} in seven days "
        f"({trend['outstanding_week_before']:,} on "
        f"{iso_to_day((date.fromisoformat(as_of) - timedelta(days=7)).isoformat())})" in lines
    )
    if trend["projected_completion"]:
        assert (
            f"Projected completion: {iso_to_day(trend['projected_completion'])} at "
            f"{half_up(trend['four_week_mean'])} reviews a week" in lines
        )
    else:
        assert any(line.startswith("Projected completion: no projection") for line in lines)


@pytest.mark.parametrize("as_of", ["2020-06-30", "2020-07-02", "2019-12-31"])
def test_returns_text_and_json_agree(summer: Store, as_of: str):
    result = ask(summer, f"/ons-status as of {as_of} revised")
    data = json.loads(to_json(result))["returns"]
    lines = render_text(result).splitlines()
    rows = [cells(line) for line in lines[3 : 3 + len(data["returns"])]]
    for row, r in zip(rows, data["returns"], strict=True):
        assert row[:4] == [r["dataset"], r["period"], iso_to_day(r["due_on"]), r["status"]]
        if r["overdue"]:
            days = r["days_overdue"]
            assert row[4:] == [f"OVERDUE by {days} day{'' if days == 1 else 's'}"]
        elif r["submitted_on"]:
            assert row[4:] == [f"submitted {iso_to_day(r['submitted_on'])}"]
        else:
            assert row[4:] == []
    assert f"Overdue: {len(data['overdue'])}" in lines
    nxt = data["next_due"]
    assert (
        f"Next due: {nxt['dataset']} {nxt['period']} on {iso_to_day(nxt['due_on'])}"
        if nxt
        else "Next due: none"
    ) in lines


@pytest.mark.parametrize("as_of", ["2020-12-23", "2020-12-29", "2021-01-04"])
def test_deadlines_text_and_json_agree(winter: Store, as_of: str):
    result = ask(winter, f"/deadlines 30 as of {as_of} revised", WINTER_NOW)
    data = json.loads(to_json(result))["deadlines"]
    lines = render_text(result).splitlines()
    for line, d in zip(lines[3:], data["deadlines"], strict=False):
        row = cells(line)
        assert row[:2] == [d["title"], iso_to_day(d["due_on"])]
        if d["overdue"] and d["working_days_left"] == 0:
            days = -d["days_left"]
            assert row[2] == f"OVERDUE by {days} day{'' if days == 1 else 's'}"
        elif d["overdue"]:
            passed = -d["working_days_left"]
            assert row[2] == f"OVERDUE by {passed} working day{'' if passed == 1 else 's'}"
        elif d["days_left"] == 0:
            assert row[2] == "due today"
        else:
            left = d["working_days_left"]
            assert row[2] == f"{left} working day{'' if left == 1 else 's'} left"
    assert (
        f"Overdue: {len(data['overdue'])}; due in the next 30 days: {len(data['upcoming'])}"
        in lines
    )


# --- the shared words and numbers ---------------------------------------------------------------


def test_numbers():
    assert fmt.count(0) == "0"
    assert fmt.count(35107) == "35,107"
    assert fmt.count(-1234567) == "-1,234,567"
    assert fmt.pct(None) == "n/a"
    assert fmt.pct(96.0) == "96.0%"
    assert fmt.pct(100.0) == "100.0%"
    assert fmt.pct(54.5) == "54.5%"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (0.25, "0.3"),  # halves up, as for percentages
        (0.75, "0.8"),
        (1.25, "1.3"),
        (2.5, "2.5"),
        (10.0, "10"),
        (100.0, "100"),
        (842.5, "842.5"),
        (1234.75, "1,234.8"),
    ],
)
def test_rate(value: float, text: str):
    assert fmt.rate(value) == text


def test_dates_and_moments():
    assert fmt.day(date(2020, 6, 5)) == "5 Jun 2020"
    assert fmt.long_day(date(2020, 6, 30)) == "Tuesday 30 June 2020"
    # The same instant in summer (BST, UTC+1) and in winter (GMT).
    assert fmt.moment(datetime(2020, 6, 30, 23, 30, tzinfo=UTC)) == "1 Jul 2020 00:30"
    assert fmt.moment(datetime(2020, 12, 31, 23, 30, tzinfo=UTC)) == "31 Dec 2020 23:30"
    assert fmt.moment(datetime(2020, 10, 25, 1, 30, tzinfo=UTC)) == "25 Oct 2020 01:30"


def test_words():
    assert fmt.workstream("domestic_abuse") == "Domestic abuse"
    assert fmt.workstream("child_protection") == "Child protection"
    assert fmt.workstream("all") == "All workstreams"
    assert fmt.signed_change(0) == "no change"
    assert fmt.signed_change(1200) == "up 1,200"
    assert fmt.signed_change(-3, " cases") == "down 3 cases"


def figures(**values: int) -> WorkstreamFigures:
    base = dict.fromkeys(
        [
            "recorded",
            "needing_review",
            "reviewed",
            "outstanding",
            "ncrs_answered",
            "ncrs_compliant",
            "referrals_not_sent",
            "referrals_unknown",
        ],
        0,
    )
    return WorkstreamFigures(workstream="all", **{**base, **values})


def test_ncrs_and_referrals_words():
    assert fmt.ncrs(figures()) == "n/a (no reviewed case has an answer)"
    assert fmt.ncrs(figures(ncrs_answered=3370, ncrs_compliant=3235)) == "96.0% (3,235 of 3,370)"
    assert fmt.referrals(figures(referrals_not_sent=41)) == "41 not sent"
    assert (
        fmt.referrals(figures(referrals_not_sent=41, referrals_unknown=12))
        == "41 not sent, 12 not known"
    )


def test_projection_words():
    def trend(outstanding: int, mean: float, projected: date | None) -> Trend:
        return Trend([], mean, outstanding, outstanding, projected)

    assert fmt.projection(trend(0, 0.0, None)) == "complete: nothing outstanding"
    assert fmt.projection(trend(5, 0.0, None)).startswith("no projection")
    assert fmt.projection(trend(5, 1.25, date(2020, 7, 28))) == "28 Jul 2020 at 1.3 reviews a week"
    assert fmt.last_week(trend(5, 0.0, None)) == "no complete week yet"
