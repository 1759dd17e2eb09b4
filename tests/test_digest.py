"""What the weekly digest says: the figures ``oversight ask`` gives, the change since the last
digest, and Block Kit that Slack accepts however much data there is.

The numbers are read back out of the text the user sees (``oversight digest preview``, or the
blocks the Slack stand-in received) and compared with ``oversight ask --json`` on the same
database and date; they are never rebuilt with the project's own formatting.
"""

from __future__ import annotations

import html
import json
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from PIL import Image

from jobs.tasks import Jobs
from oversight.slack.plumbing import make_client
from oversight.store import open_store
from tests.support.data import CASE_HEADER, DEADLINE_HEADER, RETURN_HEADER, case, write_csv
from tests.support.jobs import CHANNEL, DIGEST, REMINDER, job_settings, slack_env
from tests.support.processes import clean_env, oversight
from tests.support.readback import WORKSTREAMS, dates, numbers

# Every test here runs the real `oversight` in subprocesses, one of them on thousands of rows.
pytestmark = pytest.mark.slow

AS_OF = "2020-06-30"


def no_slack_env(db: Path) -> dict[str, str]:
    """No Slack setting at all: previews and ``ask`` must not need one."""
    return clean_env(OVERSIGHT_DB=str(db), OVERSIGHT_NOW="2020-07-01T09:00")


def ask(tmp_path: Path, db: Path, text: str, as_of: str = AS_OF) -> dict:
    result = oversight(tmp_path, no_slack_env(db), "ask", "--as-of", as_of, "--json", text)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def line_starting(lines: list[str], start: str) -> str:
    (found,) = [line for line in lines if line.startswith(start)]
    return found.removeprefix(start)


# --- the preview and oversight ask ----------------------------------------------------------


def test_the_preview_gives_the_figures_of_oversight_ask_and_writes_a_chart_and_workbook(
    tmp_path, db
):
    out = tmp_path / "digest files"
    result = oversight(
        tmp_path, no_slack_env(db), "digest", "preview", "--as-of", AS_OF, "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    backlog = ask(tmp_path, db, "/backlog")["backlog"]
    returns = ask(tmp_path, db, "/ons-status")["returns"]
    deadlines = ask(tmp_path, db, "/deadlines 14")["deadlines"]
    as_of = date.fromisoformat(AS_OF)

    # The demo's store: the digest says SYNTHETIC before anything else.
    assert lines[0] == "SYNTHETIC: made from the demo's invented records, not real data."
    assert dates(lines[1]) == [as_of]
    for w in backlog["figures"]:
        shown = line_starting(lines, f"Outstanding, {WORKSTREAMS[w['workstream']]}: ")
        assert numbers(shown) == [w["outstanding"]]
    trend, everything = backlog["trend"], backlog["figures"][-1]
    seven = line_starting(lines, "Outstanding: ")
    assert not any(line.startswith("Over seven days") for line in lines)
    change = trend["change_over_week"]
    assert numbers(seven) == [
        trend["outstanding"],
        *([abs(change)] if change else []),
        trend["outstanding_week_before"],
    ]
    assert ("down" if change < 0 else "up" if change > 0 else "no change") in seven
    assert dates(seven) == [as_of - timedelta(days=7)]
    week = line_starting(lines, "Reviews completed last complete week: ")
    assert numbers(week) == [trend["last_week"]["completed"], trend["four_week_mean"]]
    assert dates(week) == [date.fromisoformat(trend["last_week"]["week_start"])]
    projected = line_starting(lines, "Projected completion: ")
    assert dates(projected) == [date.fromisoformat(trend["projected_completion"])]
    assert numbers(projected) == [trend["four_week_mean"]]
    assert numbers(line_starting(lines, "NCRS compliance of reviewed cases: ")) == [
        everything["ncrs_percent"],
        everything["ncrs_compliant"],
        everything["ncrs_answered"],
    ]
    assert numbers(line_starting(lines, "Referrals required among reviewed cases: ")) == [
        everything["referrals_not_sent"],
        everything["referrals_unknown"],
    ]

    start = lines.index(f"Data returns overdue: {len(returns['overdue'])}")
    overdue_lines = lines[start + 1 : start + 1 + len(returns["overdue"])]
    for line, item in zip(overdue_lines, returns["overdue"], strict=True):
        assert line.startswith(f"  {item['dataset']} {item['period']}: ")
        assert numbers(line, item["dataset"], item["period"]) == [item["days_overdue"]]
        assert dates(line) == [date.fromisoformat(item["due_on"])]
    excluded = line_starting(lines, "Excluded from official statistics: ")
    assert excluded == ", ".join(f"{r['dataset']} {r['period']}" for r in returns["excluded"])
    nxt = returns["next_due"]
    next_due = line_starting(lines, "Next return due: ")
    assert next_due == f"{nxt['dataset']} {nxt['period']} on {_day(nxt['due_on'])}"

    listed = deadlines["deadlines"]
    heading = f"Deadlines, overdue and in the next {deadlines['within_days']} days: "
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    assert numbers(lines[start]) == [deadlines["within_days"], len(listed)]
    for line, item in zip(lines[start + 1 : start + 1 + len(listed)], listed, strict=True):
        assert line.startswith(f"  {item['title']}: ")
        assert dates(line) == [date.fromisoformat(item["due_on"])]
        assert numbers(line, item["title"]) == [abs(item["working_days_left"])]
        assert ("overdue" in line) == item["overdue"]

    png = out / f"oversight-digest-{AS_OF}.png"
    crime = out / f"oversight-crime-{AS_OF}.png"  # the demo database has recorded crime
    xlsx = out / f"oversight-digest-{AS_OF}.xlsx"
    assert result.stdout.rstrip().endswith(f"Wrote {png}, {crime} and {xlsx}.")
    for chart in (png, crime):
        with Image.open(chart) as image:
            assert image.format == "PNG" and min(image.size) >= 200
            image.verify()
    summary = openpyxl.load_workbook(xlsx)["Summary"]
    rows = {row[0]: row[1:] for row in summary.iter_rows(values_only=True) if row[0]}
    assert list(rows["Outstanding"]) == [w["outstanding"] for w in backlog["figures"]]


def _day(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.day} {d:%b %Y}"


# --- the change since the previous digest ---------------------------------------------------


def outstanding_fields(blocks: list[dict]) -> dict[str, str]:
    """The "Outstanding: <workstream>" fields of a digest, by workstream label."""
    shown = {}
    for block in blocks:
        for field in block.get("fields", []):
            label, _, value = html.unescape(field["text"]).partition("\n")
            if label.startswith("*Outstanding: "):
                shown[label.strip("*").removeprefix("Outstanding: ")] = value
    return shown


def test_the_second_digest_says_how_far_the_backlog_moved_since_the_first(
    tmp_path, digest_standin, db
):
    for as_of in ("2020-06-23", AS_OF):
        result = oversight(
            tmp_path, slack_env(digest_standin, db), "digest", "send", "--as-of", as_of
        )
        assert result.returncode == 0, result.stderr
    first, second = digest_standin.posted(DIGEST)
    before = {
        w["workstream"]: w
        for w in ask(tmp_path, db, "/backlog", "2020-06-23")["backlog"]["figures"]
    }
    after = ask(tmp_path, db, "/backlog")["backlog"]["figures"]

    assert "since the digest" not in json.dumps(first["blocks"])
    shown = outstanding_fields(second["blocks"])
    assert set(shown) == {WORKSTREAMS[w["workstream"]] for w in after}
    for w in after:
        value = shown[WORKSTREAMS[w["workstream"]]]
        moved = w["outstanding"] - before[w["workstream"]]["outstanding"]
        assert numbers(value) == [w["outstanding"], *([abs(moved)] if moved else [])], value
        word = "down" if moved < 0 else "up" if moved > 0 else "no change"
        assert value.endswith("since the digest of 23 Jun 2020"), value
        assert word in value, value
    assert any(
        w["outstanding"] != before[w["workstream"]]["outstanding"] for w in after
    )  # the data moved, so the comparison means something

    # The preview after both were sent compares itself with the same digest.
    preview = oversight(tmp_path, no_slack_env(db), "digest", "preview", "--as-of", AS_OF)
    everything = after[-1]
    moved = everything["outstanding"] - before["all"]["outstanding"]
    line = line_starting(preview.stdout.splitlines(), "Outstanding, All workstreams: ")
    assert numbers(line) == [everything["outstanding"], abs(moved)]
    assert line.endswith(" since the digest of 23 Jun 2020)")


# --- Slack's limits on large data -----------------------------------------------------------

LONG = "with the partner agencies, the inspectorate & the <b>records</b> team " * 6


def big_database(folder: Path) -> tuple[Path, dict[str, int]]:
    """Thousands of returns and deadlines, with long names and text Slack would act on."""
    db = folder / "big.db"
    cases = [case(f"INC{n:05d}", recorded_on="2020-01-06") for n in range(20)]
    returns, deadlines = [], []
    for n in range(3000):
        status = "excluded" if n % 3 == 0 else "missing"
        returns.append(
            [
                f"Crime data return {n:04d} <!channel> {LONG}",
                "2019-Q3",
                "2019-10-31",
                status,
                "",
                "notes " * 50,
            ]
        )
    for n in range(500):
        returns.append([f"Future return {n:03d}", "2020-Q3", "2020-10-31", "pending", "", ""])
    for n in range(3000):
        due = date(2020, 1, 1) + timedelta(days=n % 196)  # to 14 July 2020
        deadlines.append(
            [
                f"Deadline {n:04d} <@U123> {LONG}",
                due.isoformat(),
                "governance",
                "Owner " * 40,
                "open",
                "",
            ]
        )
    files = {
        "cases": write_csv(folder / "cases.csv", CASE_HEADER, cases),
        "returns": write_csv(folder / "returns.csv", RETURN_HEADER, returns),
        "deadlines": write_csv(folder / "deadlines.csv", DEADLINE_HEADER, deadlines),
    }
    env = clean_env(OVERSIGHT_DB=str(db), OVERSIGHT_NOW="2020-07-01T09:00")
    for kind, path in files.items():
        result = oversight(folder, env, "import", kind, str(path), "--as-of", AS_OF)
        assert result.returncode == 0, result.stderr
    counts = {"overdue returns": 3000, "excluded returns": 1000, "deadlines": 3000}
    return db, counts


def assert_within_slack_limits(message: dict) -> None:
    blocks = message["blocks"]
    assert 1 <= len(blocks) <= 50
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        elif block["type"] == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                assert len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))
        elif block["type"] == "context":
            assert 1 <= len(block["elements"]) <= 10
            assert all(len(e["text"]) <= 2000 for e in block["elements"])
    assert len(message["text"]) <= 4000
    seen = " ".join([message["text"], *(t for b in blocks for t in _raw_texts(b))])
    assert "<!channel>" not in seen and "<@U123>" not in seen  # nobody is pinged


def _raw_texts(block: dict) -> list[str]:
    """The text of a block as Slack receives it: escaped, so "&lt;!channel&gt;" pings nobody."""
    texts = [block["text"]["text"]] if "text" in block else []
    texts += [f["text"] for f in block.get("fields", [])]
    return texts + [e["text"] for e in block.get("elements", [])]


def listed_with_more(section: str) -> tuple[int, int]:
    """(lines shown, N of "…and N more") of a listing section."""
    lines = html.unescape(section).split("\n")[1:]
    more = numbers(lines[-1])[0] if lines[-1].startswith("…and ") else 0
    return len(lines) - (1 if more else 0), int(more)


def test_the_digest_and_reminders_stay_inside_slacks_limits_on_thousands_of_rows(
    tmp_path, digest_standin
):
    db, counts = big_database(tmp_path)
    settings = job_settings(digest_standin, db, OVERSIGHT_NOW="2020-07-01T09:00")
    store = open_store(db)
    try:
        jobs = Jobs(settings, store, make_client(settings))
        assert jobs.send_digest(as_of=date(2020, 6, 30)).posted
        assert jobs.send_reminders(as_of=date(2020, 6, 30)).posted
    finally:
        store.close()
    (digest,) = digest_standin.posted(DIGEST)
    (reminder,) = digest_standin.posted(REMINDER)
    for message in (digest, reminder):
        assert message["channel"] == CHANNEL
        assert_within_slack_limits(message)

    sections = {
        b["text"]["text"].split("\n")[0]: b["text"]["text"]
        for b in digest["blocks"]
        if b["type"] == "section" and "text" in b
    }
    overdue = sections[f"*Data returns overdue ({counts['overdue returns']:,})*"]
    shown, more = listed_with_more(overdue)
    assert shown >= 1 and shown + more == counts["overdue returns"]
    excluded = sections["*Excluded from official statistics*"]
    shown, more = listed_with_more(excluded)
    assert shown >= 1 and shown + more == counts["excluded returns"]
    (deadlines,) = [s for h, s in sections.items() if h.startswith("*Deadlines: overdue")]
    shown, more = listed_with_more(deadlines)
    assert shown >= 1 and shown + more == counts["deadlines"]  # all due by 14 July

    (listing,) = [
        b["text"]["text"]
        for b in reminder["blocks"]
        if b.get("text", {}).get("text", "").startswith("*Deadlines (")
    ]
    due = numbers(listing.split("\n")[0])[0]
    shown, more = listed_with_more(listing)
    assert shown >= 1 and shown + more == due
