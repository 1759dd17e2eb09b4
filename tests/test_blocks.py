"""Block Kit rendering: every answer, on any amount of data, inside Slack's limits.

Slack refuses the whole message when one limit is passed, so each is asserted with Slack's
own numbers (not the module's constants): at most 50 blocks; a section's text at most 3,000
characters; at most 10 fields in a section, each at most 2,000; a header at most 150; at most
10 elements in a context block. Text from the extracts must not mention anyone or link
anywhere, and the figures must be those of the JSON rendering of the same answer model.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from oversight.answers import COMMANDS, UsageError, answer, parse_command
from oversight.answers.deadlines import DeadlinesAnswer
from oversight.answers.returns import ReturnsAnswer
from oversight.clock import LONDON
from oversight.figures.deadlines import Deadline, Deadlines
from oversight.figures.returns import DataReturn, ReturnsStatus
from oversight.importing.kinds import KINDS, import_extract
from oversight.render.blocks import render_blocks
from oversight.render.json import to_json
from oversight.store import Store, open_store
from tests.support.blocks import SLACK_MAX_HEADER, assert_within_limits, strings
from tests.support.data import (
    CASE_HEADER,
    DEADLINE_HEADER,
    RETURN_HEADER,
    case,
    settings,
    write_csv,
)

NOW = datetime(2020, 7, 10, 10, 0, tzinfo=LONDON)
AS_OF = NOW.date()
STALE_AFTER = 8
NASTY = "<!channel> <@U0123ABC> <https://evil.example|click> & *bold* _it_ ~x~ `code` >quote"


# Text on one line, as an extract's cell is (a line break in a cell is a separate question).
LINE_TEXT = st.characters(blacklist_categories=["Cc", "Cs", "Zl", "Zp"])


def slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- the checks -------------------------------------------------------------------------------


def section_texts(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]


def list_section(blocks: list[dict], heading: str) -> tuple[str, list[str]]:
    """The heading line and the other lines of the section whose first line starts so."""
    [text] = [t for t in section_texts(blocks) if t.split("\n")[0].startswith(heading)]
    first, *lines = text.split("\n")
    return first, lines


def assert_list(lines: list[str], items: list[str]) -> None:
    """The lines show the first items in order, then "…and N more" for exactly the rest."""
    if not items:
        assert lines == ["None"]
        return
    bullets = [line for line in lines if line.startswith("• ")]
    assert bullets, "at least one item is shown"
    for line, item in zip(bullets, items, strict=False):
        # In full, or clipped with "…" when too long for a list.
        assert line == item or (line.endswith("…") and item.startswith(line[:-1])), (line, item)
    rest = len(items) - len(bullets)
    if rest:
        assert lines == [*bullets, f"…and {rest} more"]
    else:
        assert lines == bullets


def header_day(blocks: list[dict]) -> date:
    text = blocks[0]["text"]["text"]
    match = re.search(r"as of (\d{1,2} [A-Z][a-z]{2} \d{4})", text)
    assert match, text
    return datetime.strptime(match.group(1), "%d %b %Y").date()


def number(text: str) -> int:
    match = re.match(r"\d[\d,]*", text)
    assert match, text
    return int(match.group().replace(",", ""))


def day_text(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.day} {d:%b %Y}"


def half_up(value: float) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def warnings(blocks: list[dict]) -> list[str]:
    return [s for s in strings(blocks) if ":warning:" in s]


# --- a big store: thousands of rows with long, awkward text --------------------------------------


def big_rows(rng: random.Random) -> dict[str, list[list[str]]]:
    cases = []
    for i in range(3000):
        recorded = AS_OF - timedelta(days=rng.randrange(0, 400))
        workstream = rng.choice(["domestic_abuse", "child_protection"])
        if rng.random() < 0.15:
            cases.append(case(f"INC{i}", workstream, recorded.isoformat(), "no", ""))
            continue
        status = rng.choice(["outstanding", "in_progress", "reviewed", "reviewed"])
        reviewed = ""
        if status == "reviewed":
            reviewed = recorded + timedelta(days=rng.randrange(0, (AS_OF - recorded).days + 1))
            reviewed = reviewed.isoformat()
        answers = [rng.choice(["yes", "no", ""]) for _ in range(3)] if reviewed else ["", "", ""]
        cases.append(
            case(f"INC{i}", workstream, recorded.isoformat(), "yes", status, reviewed, *answers)
        )

    returns = []
    periods = [f"2019-{m:02d}" for m in range(7, 13)] + [f"2020-{m:02d}" for m in range(1, 7)]
    for i in range(300):
        dataset = f"Dataset {i} {NASTY} " + "recorded crime by offence group " * rng.randrange(1, 9)
        for period in periods[: rng.randrange(6, 13)]:
            due = date(2019, 8, 1) + timedelta(days=rng.randrange(0, 420))
            status = rng.choice(["submitted", "late", "missing", "excluded", "pending"])
            submitted = ""
            if status in ("submitted", "late") and due < AS_OF:
                submitted = min(AS_OF, due + timedelta(days=rng.randrange(-5, 30))).isoformat()
            elif status == "submitted":
                status = "pending"
            returns.append([dataset.strip(), period, due.isoformat(), status, submitted, NASTY])

    deadlines = []
    for i in range(3000):
        title = f"Deadline {i}: {NASTY} " + "respond to the inspectorate's recommendation " * (
            rng.randrange(1, 9)
        )
        owner = f"Owner {i} {NASTY} " + "deputy chief constable " * rng.randrange(0, 4)
        due = AS_OF + timedelta(days=rng.randrange(-300, 400))
        done = rng.random() < 0.2 and due <= AS_OF
        deadlines.append(
            [
                title.strip(),
                due.isoformat(),
                "inspection",
                owner.strip() if i % 7 else "",
                "done" if done else "open",
                due.isoformat() if done else "",
            ]
        )
    return {"cases": cases, "returns": returns, "deadlines": deadlines}


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("big")
    store = open_store(folder / "big.db", create=True)
    headers = {"cases": CASE_HEADER, "returns": RETURN_HEADER, "deadlines": DEADLINE_HEADER}
    for kind, rows in big_rows(random.Random(20200710)).items():
        path = write_csv(folder / f"{kind} {NASTY[:14]}.csv", headers[kind], rows)
        import_extract(
            store,
            KINDS[kind],
            path,
            extract_as_of=AS_OF,
            imported_by="analyst",
            imported_at=NOW - timedelta(hours=3),
        )
    yield store
    store.close()


def ask(store: Store, typed: str) -> tuple[object, dict, str, list[dict]]:
    model = answer(store, parse_command(typed), NOW, settings(STALE_AFTER))
    text, blocks = render_blocks(model)
    return model, json.loads(to_json(model)), text, blocks


LONG_FILTER = ("recorded crime by offence group " * 5).strip()
QUERIES = [
    "/backlog",
    "/backlog da",
    "/backlog cp",
    "/backlog as of 2019-06-01",  # before any case
    "/ons-status",
    "/ons-status channel",
    f"/ons-status {LONG_FILTER}",
    "/ons-status nothing matches this",
    "/deadlines",
    "/deadlines 1",
    "/deadlines 366",
    "/deadlines as of 2019-01-01",
    "/oversight status",
    "/oversight help",
]


def test_the_big_store_is_big(big: Store):
    counts = {
        table: big.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("case_reviews", "data_returns", "deadlines")
    }
    assert counts["case_reviews"] == 3000
    assert counts["data_returns"] > 2000
    assert counts["deadlines"] == 3000
    _, data, _, _ = ask(big, "/deadlines 366")
    assert len(data["deadlines"]["overdue"]) > 500
    assert len(data["deadlines"]["upcoming"]) > 500


@pytest.mark.parametrize("typed", QUERIES)
def test_every_answer_on_a_big_store_is_within_slacks_limits(big: Store, typed: str):
    _, _, text, blocks = ask(big, typed)
    assert_within_limits(text, blocks)


def test_a_long_dataset_filter_is_clipped_in_the_header_not_refused(big: Store):
    _, data, _, blocks = ask(big, f"/ons-status {LONG_FILTER}")
    assert data["returns"]["returns"], "the filter matches some returns"
    assert len(blocks[0]["text"]["text"]) == SLACK_MAX_HEADER
    assert blocks[0]["text"]["text"].endswith("…")


# --- the same figures as the JSON -----------------------------------------------------------------


LABELS = {
    "domestic_abuse": "Domestic abuse",
    "child_protection": "Child protection",
    "all": "All workstreams",
}


def fields_after(blocks: list[dict], heading: str) -> dict[str, str]:
    i = next(i for i, b in enumerate(blocks) if b.get("text", {}).get("text") == heading)
    return dict(f["text"][1:].split("*\n", 1) for f in blocks[i + 1]["fields"])


@pytest.mark.parametrize(
    "typed", ["/backlog", "/backlog da", "/backlog cp as of 2020-03-01 revised"]
)
def test_backlog_blocks_show_the_figures_of_the_json(big: Store, typed: str):
    _, data, text, blocks = ask(big, typed)
    backlog, trend = data["backlog"], data["backlog"]["trend"]
    assert header_day(blocks).isoformat() == data["as_of"]
    expected = {"/backlog": ["domestic_abuse", "child_protection", "all"]}.get(
        typed, [backlog["workstream"]]
    )
    assert [f["workstream"] for f in backlog["figures"]] == expected
    for figures in backlog["figures"]:
        shown = fields_after(blocks, f"*{LABELS[figures['workstream']]}*")
        assert number(shown["Outstanding"]) == figures["outstanding"]
        assert number(shown["Needing review"]) == figures["needing_review"]
        assert number(shown["Recorded"]) == figures["recorded"]
        assert number(shown["Reviewed"]) == figures["reviewed"]
        assert f"({figures['percent_reviewed']}%)" in shown["Reviewed"]
        ncrs = f"{figures['ncrs_percent']}% ({figures['ncrs_compliant']:,} of "
        assert shown["NCRS compliance"].startswith(ncrs + f"{figures['ncrs_answered']:,})")
        assert number(shown["Referrals required"]) == figures["referrals_not_sent"]
        assert f"{figures['referrals_unknown']:,} not known" in shown["Referrals required"]
    assert figures["outstanding"] == trend["outstanding"]  # the last shown is the one asked
    # The trend, after the divider.
    divider = next(i for i, b in enumerate(blocks) if b["type"] == "divider")
    shown = dict(f["text"][1:].split("*\n", 1) for f in blocks[divider + 1]["fields"])
    change = shown["Outstanding over seven days"]
    assert number(change) == trend["outstanding"]
    assert f"({trend['outstanding_week_before']:,} on " in change
    last = trend["weeks"][-1]
    assert shown["Last complete week"] == (
        f"{last['completed']:,} in the week from {day_text(last['week_start'])}"
    )
    assert shown["Four-week mean"].startswith(half_up(trend["four_week_mean"]).removesuffix(".0"))
    if trend["projected_completion"]:
        assert shown["Projected completion"].startswith(day_text(trend["projected_completion"]))
    if trend["projected_completion"]:
        brief = f"projected to clear by {day_text(trend['projected_completion'])}"
    else:
        brief = "nothing outstanding" if trend["complete"] else "no projected completion date"
    assert f": {trend['outstanding']:,} outstanding, {brief}." in text


@pytest.mark.parametrize("typed", ["/ons-status", "/ons-status offence", "/ons-status Dataset 7"])
def test_returns_blocks_show_the_figures_of_the_json(big: Store, typed: str):
    _, data, text, blocks = ask(big, typed)
    status = data["returns"]
    assert header_day(blocks).isoformat() == data["as_of"]

    def name(r: dict) -> str:
        return f"{slack_escape(r['dataset'])} {r['period']}"

    def overdue(r: dict) -> str:
        late = plural(r["days_overdue"], "day")
        return f"• *{name(r)}*: due {day_text(r['due_on'])}, overdue by {late} ({r['status']})"

    def other(r: dict) -> str:
        sent = f", submitted {day_text(r['submitted_on'])}" if r["submitted_on"] else ""
        return f"• {name(r)}: due {day_text(r['due_on'])}, {r['status']}{sent}"

    first, lines = list_section(blocks, ":rotating_light: *Overdue")
    assert first == f":rotating_light: *Overdue ({len(status['overdue'])})*"
    assert_list(lines, [overdue(r) for r in status["overdue"]])
    if status["excluded"]:
        _, lines = list_section(blocks, "*Excluded from official statistics*")
        assert_list(lines, [f"• {name(r)}" for r in status["excluded"]])
    else:
        assert not any("Excluded" in t for t in section_texts(blocks))
    _, lines = list_section(blocks, "*Other returns*")
    assert_list(lines, [other(r) for r in status["returns"] if not r["overdue"]])

    nxt = status["next_due"]
    [next_text] = [t for t in section_texts(blocks) if t.startswith("*Next due:*")]
    if nxt:
        due = f"{slack_escape(nxt['dataset'])} {nxt['period']} on {day_text(nxt['due_on'])}"
        assert next_text == f"*Next due:* {due}"
    assert text.startswith(
        f"Crime-data returns as of {day_text(data['as_of'])}: {len(status['overdue'])} overdue, "
        f"{len(status['excluded'])} excluded from official statistics"
    )


@pytest.mark.parametrize(
    "typed", ["/deadlines", "/deadlines 366", "/deadlines 30 as of 2020-01-06"]
)
def test_deadlines_blocks_show_the_figures_of_the_json(big: Store, typed: str):
    _, data, text, blocks = ask(big, typed)
    d = data["deadlines"]
    assert header_day(blocks).isoformat() == data["as_of"]
    assert blocks[0]["text"]["text"].startswith(f"Deadlines in the next {d['within_days']} days")

    def item(x: dict) -> str:
        if x["overdue"]:
            passed = -x["working_days_left"]
            when = (
                f"overdue by {plural(passed, 'working day')}"
                if passed
                else f"overdue by {plural(-x['days_left'], 'day')}"
            )
        elif x["days_left"] == 0:
            when = "due today"
        else:
            when = f"{plural(x['working_days_left'], 'working day')} left"
        owner = f" — {slack_escape(x['owner'])}" if x["owner"] else ""
        return f"• *{slack_escape(x['title'])}*: {day_text(x['due_on'])}, {when}{owner}"

    first, lines = list_section(blocks, ":rotating_light: *Overdue")
    assert first == f":rotating_light: *Overdue ({len(d['overdue'])})*"
    assert_list(lines, [item(x) for x in d["overdue"]])
    first, lines = list_section(blocks, f"*Due in the next {d['within_days']} days")
    assert first == f"*Due in the next {d['within_days']} days ({len(d['upcoming'])})*"
    assert_list(lines, [item(x) for x in d["upcoming"]])
    assert text == (
        f"Deadlines as of {day_text(data['as_of'])}: {len(d['overdue'])} overdue, "
        f"{len(d['upcoming'])} due in the next {d['within_days']} days."
    )


def test_status_blocks_show_the_figures_of_the_json(big: Store):
    _, data, text, blocks = ask(big, "/oversight status")
    shown = dict(f["text"][1:].split("*\n", 1) for f in blocks[1]["fields"])
    assert number(shown["Schema version"]) == data["schema_version"]
    assert number(shown["Case reviews"]) == data["rows"]["case_reviews"] == 3000
    assert number(shown["Data returns"]) == data["rows"]["data_returns"]
    assert number(shown["Deadlines"]) == data["rows"]["deadlines"] == 3000
    assert number(shown["Imports"]) == data["rows"]["imports"] == 3
    assert number(shown["Audit log entries"]) == data["rows"]["audit_log"]
    # No recorded crime, information requests or hospital data were imported: only those are
    # flagged.
    assert text == "Oversight status: stale or missing data: crimes, requests, assaults."
    assert len(warnings(blocks)) == 1
    [freshness] = [t for t in section_texts(blocks) if t.startswith("*Data freshness*")]
    for kind in ("cases", "returns", "deadlines"):
        assert slack_escape(data["sources"][kind]["file_name"]) in freshness


def test_help_blocks_list_every_command_and_its_examples(big: Store):
    _, data, text, blocks = ask(big, "/oversight help")
    assert data["usage"] == {c.name: c.usage for c in COMMANDS}
    body = "\n".join(section_texts(blocks))
    for command, usage in ((c.name, c.usage) for c in COMMANDS):
        syntax, _, meaning = usage.partition(" — ")
        assert f"`{syntax}`\n{meaning}" in body
        for example in COMMANDS[command].examples:
            assert f"`{example}`" in body
        assert f"/{command}" in text


# --- "…and N more", on lists of every length and line width ---------------------------------------


def overdue_deadlines(titles: list[str], owner: str | None = None) -> DeadlinesAnswer:
    items = [
        Deadline(
            title=t,
            due_on=AS_OF - timedelta(days=3),
            category=None,
            owner=owner,
            days_left=-3,
            working_days_left=-3,
        )
        for t in titles
    ]
    return DeadlinesAnswer(as_of=AS_OF, deadlines=Deadlines(AS_OF, 14, items), source=None)


def test_lists_at_the_edge_of_a_section_still_end_with_and_n_more():
    # Every line width from short to long, with enough lines that the list must be cut: the
    # "…and N more" line must never be the part that is clipped away.
    for width in range(20, 400, 3):
        for count in (24, 25, 26, 40, 1000):
            model = overdue_deadlines(["x" * width] * count)
            text, blocks = render_blocks(model)
            assert_within_limits(text, blocks)
            first, lines = list_section(blocks, ":rotating_light: *Overdue")
            assert first == f":rotating_light: *Overdue ({count})*"
            line = f"• *{'x' * width}*: 7 Jul 2020, overdue by 3 working days"
            assert_list(lines, [line] * count)


def test_a_title_too_long_for_a_section_is_clipped_not_hidden():
    model = overdue_deadlines(["A" * 5000, "short"])
    text, blocks = render_blocks(model)
    assert_within_limits(text, blocks)
    _, lines = list_section(blocks, ":rotating_light: *Overdue")
    assert lines[0].startswith("• *AAAA") and lines[0].endswith("…")
    assert "short" in "\n".join(lines)


@hypothesis_settings(max_examples=150, deadline=None)
@given(
    titles=st.lists(st.text(LINE_TEXT, min_size=1, max_size=700), min_size=0, max_size=80),
    owner=st.none() | st.text(LINE_TEXT, min_size=1, max_size=300),
)
def test_any_deadlines_fit_and_count_what_they_leave_out(titles: list[str], owner: str | None):
    model = overdue_deadlines(titles, owner)
    text, blocks = render_blocks(model)
    assert_within_limits(text, blocks)
    _, lines = list_section(blocks, ":rotating_light: *Overdue")
    who = f" — {slack_escape(owner)}" if owner else ""
    day = day_text((AS_OF - timedelta(days=3)).isoformat())
    expected = [f"• *{slack_escape(t)}*: {day}, overdue by 3 working days{who}" for t in titles]
    assert_list(lines, expected)


@hypothesis_settings(max_examples=100, deadline=None)
@given(
    names=st.lists(st.text(LINE_TEXT, min_size=1, max_size=400), min_size=0, max_size=60),
    overdue_every=st.integers(1, 4),
)
def test_any_returns_fit_and_count_what_they_leave_out(names: list[str], overdue_every: int):
    items = [
        DataReturn(
            dataset=name,
            period="2020-Q1",
            due_on=AS_OF - timedelta(days=10),
            status="excluded" if i % 3 == 0 else "missing",
            submitted_on=None,
            notes=None,
            overdue=i % overdue_every == 0,
            days_overdue=10 if i % overdue_every == 0 else 0,
        )
        for i, name in enumerate(names)
    ]
    model = ReturnsAnswer(as_of=AS_OF, returns=ReturnsStatus(AS_OF, None, items), source=None)
    text, blocks = render_blocks(model)
    assert_within_limits(text, blocks)
    _, lines = list_section(blocks, ":rotating_light: *Overdue")
    overdue = [
        f"• *{slack_escape(r.dataset)} 2020-Q1*: due 30 Jun 2020, overdue by 10 days ({r.status})"
        for r in items
        if r.overdue
    ]
    assert_list(lines, overdue)
    excluded = [f"• {slack_escape(r.dataset)} 2020-Q1" for r in items if r.status == "excluded"]
    if excluded:
        _, lines = list_section(blocks, "*Excluded from official statistics*")
        assert_list(lines, excluded)
    _, lines = list_section(blocks, "*Other returns*")
    others = [
        f"• {slack_escape(r.dataset)} 2020-Q1: due 30 Jun 2020, {r.status}"
        for r in items
        if not r.overdue
    ]
    assert_list(lines, others)


# --- stale data ---------------------------------------------------------------------------------


def small_store(folder: Path, imported_days_ago: int) -> Store:
    store = open_store(folder / f"small-{imported_days_ago}.db", create=True)
    rows = {
        "cases": (CASE_HEADER, [case("A1", recorded_on="2020-01-01")]),
        "returns": (RETURN_HEADER, [["Crime", "2020-Q1", "2020-05-15", "pending", "", ""]]),
        "deadlines": (DEADLINE_HEADER, [["Report", "2020-07-20", "", "", "open", ""]]),
    }
    at = NOW - timedelta(days=imported_days_ago)
    for kind, (header, body) in rows.items():
        path = write_csv(folder / f"{kind}-{imported_days_ago}.csv", header, body)
        import_extract(
            store, KINDS[kind], path, extract_as_of=at.date(), imported_by="a", imported_at=at
        )
    return store


@pytest.mark.parametrize(
    ("days_ago", "stale"), [(0, False), (STALE_AFTER, False), (STALE_AFTER + 1, True), (40, True)]
)
@pytest.mark.parametrize("typed", ["/backlog", "/ons-status", "/deadlines"])
def test_a_stale_warning_appears_only_when_the_extract_is_stale(
    tmp_path: Path, days_ago: int, stale: bool, typed: str
):
    store = small_store(tmp_path, days_ago)
    try:
        _, data, text, blocks = ask(store, typed)
    finally:
        store.close()
    assert_within_limits(text, blocks)
    assert data["source"]["stale"] is stale
    found = warnings(blocks)
    if stale:
        assert len(found) == 1
        taken = (NOW - timedelta(days=days_ago)).date()
        assert f"was taken {day_text(taken.isoformat())}, {days_ago} days before " in found[0]
        assert "Stale" in found[0]
    else:
        assert found == []


@pytest.mark.parametrize(("days_ago", "stale"), [(STALE_AFTER, False), (STALE_AFTER + 1, True)])
def test_status_flags_each_stale_kind(tmp_path: Path, days_ago: int, stale: bool):
    store = small_store(tmp_path, days_ago)
    try:
        _, data, text, blocks = ask(store, "/oversight status")
    finally:
        store.close()
    assert_within_limits(text, blocks)
    # One section, a line for each kind; recorded crime was never imported, so always flagged.
    assert len(warnings(blocks)) == 1
    flagged = [line for line in section_texts(blocks)[-1].split("\n") if ":warning:" in line]
    assert len(flagged) == (6 if stale else 3)
    never = ["crimes", "requests", "assaults"]
    kinds = ["cases", "returns", "deadlines", *never] if stale else never
    assert data["stale_kinds"] == kinds
    assert text.endswith(
        "cases, returns, deadlines, crimes, requests, assaults."
        if stale
        else "crimes, requests, assaults."
    )


@pytest.mark.parametrize(
    "typed", [c.slash for c in COMMANDS if c.name != "oversight"] + ["/oversight status"]
)
def test_data_never_imported_is_flagged_too(store: Store, typed: str):
    _, _, text, blocks = ask(store, typed)
    assert_within_limits(text, blocks)
    assert warnings(blocks)
    assert any("import an extract" in w or "never" in w for w in strings(blocks))


# --- Block Kit for everything the bot says, not only the answers ---------------------------------


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(filter_text=st.text(max_size=300))
def test_a_typed_dataset_filter_never_breaks_the_limits(big: Store, filter_text: str):
    try:
        query = parse_command("/ons-status", filter_text)
    except UsageError:
        return  # a usage reply (a bad "as of" date), tested in test_service
    text, blocks = render_blocks(answer(big, query, NOW, settings(STALE_AFTER)))
    assert_within_limits(text, blocks)
    assert len(blocks[0]["text"]["text"]) <= SLACK_MAX_HEADER
