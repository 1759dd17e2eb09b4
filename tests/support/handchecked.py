"""The hand-checked data sets, worked out by hand in their comments, and the stores that the
answer, text and bot tests load them into.

The case reviews are pinned by test_backlog, the data returns by test_returns (both as of
30 June 2020) and the deadlines by test_deadlines (as of 23 December 2020).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from oversight.answers import answer, parse_command
from oversight.clock import LONDON
from oversight.figures.backlog import ALL
from oversight.importing.kinds import KINDS, import_extract
from oversight.store import Store
from tests.support.data import (
    CASE_HEADER,
    DEADLINE_HEADER,
    RETURN_HEADER,
    case,
    settings,
    write_csv,
)

DA, CP = "domestic_abuse", "child_protection"

# --- case reviews: the backlog as of Tuesday 30 June 2020 (test_backlog) ---------------------
#
# As of D = Tuesday 30 June 2020. Complete weeks end on Sunday 28 June; the week from Monday
# 29 June is partial. The last four complete weeks start 1, 8, 15 and 22 June.

CASE_ROWS = [
    # ref, workstream, recorded, needs, status, reviewed_on, ncrs, ref. required, ref. sent
    case("DA1", DA, "2019-07-01", "yes", "reviewed", "2020-06-02", "yes", "yes", "yes"),
    case("DA2", DA, "2019-07-02", "yes", "reviewed", "2020-06-10", "no", "yes", "no"),
    case("DA3", DA, "2019-07-03", "yes", "reviewed", "2020-06-28", "yes", "yes", ""),
    case("DA4", DA, "2019-07-04", "yes", "reviewed", "2020-06-29", "", "no", ""),
    case("DA5", DA, "2019-08-01", "yes", "in_progress"),
    case("DA6", DA, "2019-08-02", "yes", "outstanding"),
    case("DA7", DA, "2019-08-03", "no", ""),
    case("DA8", DA, "2020-06-30", "yes", "outstanding"),  # recorded on D: counted
    case("DA9", DA, "2020-07-01", "yes", "outstanding"),  # recorded after D: not counted
    case("DA10", DA, "2019-09-01", "yes", "reviewed", "2020-07-05", "yes"),  # reviewed after D
    case("CP1", CP, "2019-07-10", "yes", "reviewed", "2020-06-16", "yes", "no", ""),
    case("CP2", CP, "2019-07-11", "yes", "reviewed", "2020-06-17", "yes", "yes", "no"),
    case("CP3", CP, "2019-07-12", "no", "not_required"),
    case("CP4", CP, "2019-07-13", "yes", "outstanding"),
]

# Domestic abuse on D:
#   recorded      DA1-8, DA10                       = 9  (DA9 is recorded the day after D)
#   need review   DA1-6, DA8, DA10 (not DA7)        = 8
#   reviewed      DA1-4 (DA10 is reviewed after D)  = 4
#   outstanding   DA5 (in progress), DA6, DA8, DA10 = 4;  4 of 8 reviewed = 50.0%
#   NCRS          answered DA1-3, compliant DA1, DA3 = 2 of 3 = 66.7%
#   referrals     not sent DA2 = 1; sent unknown DA3 = 1 (DA4 needed none)
# Child protection on D:
#   recorded 4; need review CP1, CP2, CP4 = 3; reviewed CP1, CP2 = 2; outstanding CP4 = 1;
#   2 of 3 = 66.7%; NCRS 2 of 2 = 100.0%; referrals not sent CP2 = 1, unknown 0
# All: recorded 13, need 11, reviewed 6, outstanding 5, 6/11 = 54.545..% = 54.5%,
#   NCRS 4 of 5 = 80.0%, not sent 2, unknown 1
BACKLOG_EXPECTED = {
    # recorded, need, reviewed, outstanding, % reviewed, answered, compliant, NCRS %,
    # not sent, unknown
    DA: (9, 8, 4, 4, 50.0, 3, 2, 66.7, 1, 1),
    CP: (4, 3, 2, 1, 66.7, 2, 2, 100.0, 1, 0),
    ALL: (13, 11, 6, 5, 54.5, 5, 4, 80.0, 2, 1),
}


# --- data returns, as of Tuesday 30 June 2020 (test_returns) ----------------------------------

ONS = "Quarterly crime data return (ONS)"
ANNUAL = "Annual data return (Home Office)"
MONTHLY = "Monthly_stats 100%"
BACKSLASH = "Stats\\North"

# As of Tuesday 30 June 2020 (days overdue worked out by hand):
#   ONS 2019-Q3  due 15 Nov 2019, never sent:   overdue 15+31+31+29+31+30+31+30 = 228 days
#   ONS 2019-Q4  due 14 Feb 2020, excluded:     overdue 15+31+30+31+30 = 137 days
#   Annual 2019/20 due 30 Apr 2020, sent 1 Jul (after D): not sent on D, overdue 31+30 = 61
#   ONS 2020-Q1  due 15 May, sent 14 May: on time
#   Monthly 2020-06 due on D itself: not overdue, and the next due
#   Stats\North 2020-07, ONS 2020-Q2 and Annual 2020/21: due later
RETURN_ROWS = [
    [ONS, "2019-Q3", "2019-11-15", "missing", "", "Not sent: excluded from the bulletin"],
    [ONS, "2019-Q4", "2020-02-14", "excluded", "", ""],
    [ONS, "2020-Q1", "2020-05-15", "submitted", "2020-05-14", ""],
    [ONS, "2020-Q2", "2020-08-14", "pending", "", ""],
    [ANNUAL, "2019/20", "2020-04-30", "late", "2020-07-01", "Sent late"],
    [ANNUAL, "2020/21", "2021-04-30", "pending", "", ""],
    [MONTHLY, "2020-06", "2020-06-30", "pending", "", ""],
    [BACKSLASH, "2020-07", "2020-07-31", "pending", "", ""],
]


# --- deadlines, as of Wednesday 23 December 2020 (test_deadlines) -----------------------------

# As of Wednesday 23 December 2020, within 14 days (to Wednesday 6 January 2021):
DEADLINE_ROWS = [
    # title, due, category, owner, status, done_on
    ["A overdue", "2020-12-18", "HMICFRS", "Chief Constable", "open", ""],
    # Done on 24 December, after D: still open on D, and overdue.
    ["B done late", "2020-12-10", "ONS", "Head of Data", "done", "2020-12-24"],
    ["C done", "2020-12-20", "", "", "done", "2020-12-22"],  # done before D: not shown
    ["D done, no date", "2020-12-01", "", "", "done", ""],  # done, date unknown: not shown
    ["E due today", "2020-12-23", "", "", "open", ""],
    ["F after Christmas", "2021-01-04", "Board", "", "open", ""],
    ["G last day", "2021-01-06", "", "", "", ""],  # D + 14; a blank status is open
    ["H too far", "2021-01-07", "", "", "open", ""],  # D + 15: not shown
    ["I Christmas Eve", "2020-12-24", "", "Mayor's office", "open", ""],
]
# D = Wednesday 23 December 2020.
# title: (calendar days left, working days left), worked out by hand:
#   B  10 Dec: -13 days; working days passed in (10 Dec, 23 Dec]: 11, 14-18, 21-23 = 9
#   A  18 Dec:  -5 days; (18 Dec, 23 Dec]: 21, 22, 23 = 3
#   E  23 Dec:   0
#   I  24 Dec:   1 day; 24 Dec is a Thursday: 1
#   F   4 Jan:  12 days; 24, (25 Christmas, 26-27 weekend, 28 Boxing Day substitute), 29, 30,
#               31, (1 Jan New Year, 2-3 weekend), 4 = 5
#   G   6 Jan:  14 days; F's 5 + 5 and 6 Jan = 7
DEADLINES_EXPECTED = [
    ("B done late", -13, -9),
    ("A overdue", -5, -3),
    ("E due today", 0, 0),
    ("I Christmas Eve", 1, 1),
    ("F after Christmas", 12, 5),
    ("G last day", 14, 7),
]


# --- the data sets imported as the force would send them ------------------------------------

SUMMER_NOW = datetime(2020, 7, 10, 10, 0, tzinfo=LONDON)
WINTER_NOW = datetime(2020, 12, 31, 10, 0, tzinfo=LONDON)
STALE_AFTER = 8


def load(store: Store, folder: Path, kind: str, at: datetime, extract_as_of: date) -> None:
    header, rows = {
        "cases": (CASE_HEADER, CASE_ROWS),
        "returns": (RETURN_HEADER, RETURN_ROWS),
        "deadlines": (DEADLINE_HEADER, DEADLINE_ROWS),
    }[kind]
    path = write_csv(folder / f"{kind}.csv", header, rows)
    import_extract(
        store, KINDS[kind], path, extract_as_of=extract_as_of, imported_by="analyst", imported_at=at
    )


def load_summer(store: Store, folder: Path) -> Store:
    """Cases imported this morning; returns imported 9 days ago (stale); no deadlines."""
    load(store, folder, "cases", datetime(2020, 7, 10, 8, 15, tzinfo=LONDON), date(2020, 7, 10))
    load(store, folder, "returns", datetime(2020, 7, 1, 9, 0, tzinfo=LONDON), date(2020, 7, 1))
    return store


def load_winter(store: Store, folder: Path) -> Store:
    """Deadlines only, imported this morning."""
    load(store, folder, "deadlines", datetime(2020, 12, 31, 9, tzinfo=LONDON), date(2020, 12, 31))
    return store


def ask(store: Store, typed: str, now: datetime = SUMMER_NOW) -> object:
    return answer(store, parse_command(typed), now, settings(STALE_AFTER))
