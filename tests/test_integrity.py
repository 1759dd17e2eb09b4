"""Lost records: every case import is reconciled with the store, and what it finds is kept.

Each test counts the findings itself, with the csv module and plain Python over the files it
wrote (:func:`expected_findings`), and compares them with what oversight stored and prints.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import threading
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobs.tasks import Jobs
from oversight.clock import LONDON
from oversight.figures.integrity import FINDING_COLUMNS, findings
from oversight.importing.kinds import KINDS, import_extract
from oversight.slack.plumbing import make_client
from oversight.store import open_store
from tests.support.data import CASE_HEADER, assert_totals_are_a_recount, write_csv
from tests.support.jobs import CHANNEL, job_settings

DA, CP = "domestic_abuse", "child_protection"
AS_OF = "2020-06-30"
Row = dict[str, str]


def row(
    ref: str,
    ws: str = DA,
    recorded: str = "2019-07-01",
    needs: str = "yes",
    status: str = "outstanding",
    reviewed: str = "",
    ncrs: str = "",
    required: str = "",
    sent: str = "",
) -> list[str]:
    if needs == "no":
        status = "not_required"
    return [ref, ws, recorded, needs, status, reviewed, ncrs, required, sent]


# --- the findings, counted independently ---


def read_rows(path: Path) -> dict[str, Row]:
    with path.open(newline="", encoding="utf-8") as file:
        return {r["incident_ref"]: r for r in csv.DictReader(file)}


def expected_findings(
    stored: dict[str, Row], missing: set[str], new: dict[str, Row], scope: str = "all"
) -> set[tuple[str, str, str, str, str]]:
    """(kind, ref, workstream, old, new) for each finding, from the rules in the README."""
    found = set()
    for ref, old in stored.items():
        in_scope = scope == "all" or old["workstream"] == scope
        if ref not in new and ref not in missing and in_scope:
            found.add(("vanished", ref, old["workstream"], old["review_status"], ""))
    for ref, now in new.items():
        if ref not in stored:
            continue
        old, ws = stored[ref], now["workstream"]
        if ref in missing:
            found.add(("reappeared", ref, ws, "", now["review_status"]))
        for column, kind in (
            ("workstream", "workstream_changed"),
            ("recorded_on", "recorded_on_changed"),
        ):
            if old[column] != now[column]:
                found.add((kind, ref, ws, old[column], now[column]))
        if old["needs_review"] == "yes" and now["needs_review"] == "no":
            found.add(("needs_review_withdrawn", ref, ws, "yes", "no"))
        if old["needs_review"] == "no" and now["needs_review"] == "yes":
            found.add(("needs_review_added", ref, ws, "no", "yes"))
        if old["review_status"] == "reviewed" and now["review_status"] != "reviewed":
            found.add(("review_undone", ref, ws, "reviewed", now["review_status"]))
        if old["review_status"] == now["review_status"] == "reviewed" and (
            old["reviewed_on"] != now["reviewed_on"]
        ):
            found.add(("review_date_changed", ref, ws, old["reviewed_on"], now["reviewed_on"]))
        if old["referral_sent"] == "yes" and now["referral_sent"] != "yes":
            found.add(("referral_unsent", ref, ws, "yes", now["referral_sent"]))
        answers = {old["ncrs_compliant"], now["ncrs_compliant"]}
        if answers == {"yes", "no"}:
            found.add(("ncrs_changed", ref, ws, old["ncrs_compliant"], now["ncrs_compliant"]))
    return found


class Reference:
    """The store as the README says it must be: every record as last seen, and which are missing."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.missing: set[str] = set()

    def apply(self, new: dict[str, Row], scope: str = "all") -> set[tuple]:
        found = expected_findings(self.rows, self.missing, new, scope)
        vanished = {f[1] for f in found if f[0] == "vanished"}
        self.missing = (self.missing - set(new)) | vanished
        self.rows.update(new)
        return found


def stored_findings(store: object, import_id: int) -> set[tuple]:
    return {(f.kind, f.ref, f.workstream, f.old, f.new) for f in findings(store, import_id)}


# --- through the real command line ---

WEEK_1 = [
    row("DA1", reviewed="2020-06-01", status="reviewed", ncrs="yes", required="yes", sent="yes"),
    row("DA2", reviewed="2020-06-02", status="reviewed", ncrs="yes"),
    row("DA3"),
    row("DA4", needs="yes"),
    row("DA5", needs="no"),
    row("DA6", reviewed="2020-06-03", status="reviewed", ncrs="no"),
    row("CP1", CP),
    row("CP2", CP, reviewed="2020-06-04", status="reviewed", ncrs="yes"),
    row("=HYPERLINK(1)", CP),
]
WEEK_2 = [  # DA3 and CP1 vanish; DA1 undone; DA2 re-dated; DA4 withdrawn; DA5 added; ...
    row("DA1", status="outstanding", required="yes", sent="no"),
    row("DA2", reviewed="2020-06-09", status="reviewed", ncrs="yes"),
    row("DA4", needs="no"),
    row("DA5", needs="yes"),
    row("DA6", CP, recorded="2019-07-02", reviewed="2020-06-03", status="reviewed", ncrs="yes"),
    row("CP2", CP, reviewed="2020-06-04", status="reviewed", ncrs="yes"),
    row("=HYPERLINK(1)", CP),
    row("DA7"),
]
WEEK_3 = [*WEEK_2, row("DA3"), row("CP1", CP, status="in_progress")]  # both come back


@pytest.mark.slow  # the real oversight command in a subprocess
def test_integrity_csv_lists_exactly_the_findings_of_an_independent_diff(tmp_path, cli):
    reference = Reference()
    for number, rows in enumerate((WEEK_1, WEEK_2, WEEK_3), start=1):
        path = write_csv(tmp_path / f"week{number}.csv", CASE_HEADER, rows)
        expected = reference.apply(read_rows(path))
        result = cli("import", "cases", str(path), "--as-of", f"2020-06-{27 + number}")
        assert result.returncode == 0, result.stderr
        listed = cli("integrity", "--csv")
        assert listed.returncode == 0, listed.stderr
        table = list(csv.reader(io.StringIO(listed.stdout, newline="")))
        assert table[0] == list(FINDING_COLUMNS)
        got = {(k, r.removeprefix("'"), w, o, n) for _, k, r, w, o, n, *_ in table[1:]}
        assert got == expected, number
        imports = {int(r[0]) for r in table[1:]}
        assert len(imports) <= 1  # every finding is of the latest import
        # What the import printed agrees, by kind.
        for kind, n in Counter(f[0] for f in expected).items():
            assert f"  {kind}: {n} (" in result.stdout
        if not expected:
            assert "Reconciled" not in result.stdout
    # The formula-looking reference is written as text, and the findings of week 2 are kept.
    assert "'=HYPERLINK(1)" not in listed.stdout  # it changed nothing in week 3
    week_2 = cli("integrity", "--import", "2", "--csv")
    assert "'=HYPERLINK" not in week_2.stdout and "vanished,CP1" in week_2.stdout
    vanished = {r.rstrip("\r") for r in week_2.stdout.splitlines() if ",vanished," in r}
    assert vanished == {
        "2,vanished,DA3,domestic_abuse,outstanding,,,,,",  # no month, area, code or run
        "2,vanished,CP1,child_protection,outstanding,,,,,",
    }


@pytest.mark.slow  # the real oversight command in a subprocess
def test_the_same_extract_again_finds_nothing_and_says_so(tmp_path, cli):
    path = write_csv(tmp_path / "week1.csv", CASE_HEADER, WEEK_1)
    assert cli("import", "cases", str(path)).returncode == 0
    again = cli("import", "cases", str(path))
    assert again.returncode == 0 and again.stdout.startswith("No changes:")
    assert "Reconciled" not in again.stdout
    assert cli("integrity").stdout.strip() == "Import #2 (week1.csv) found nothing lost or changed."


@pytest.mark.slow  # the real oversight command in a subprocess
def test_a_scoped_extract_does_not_report_the_other_workstream_as_vanished(tmp_path, cli):
    reference = Reference()
    reference.apply(read_rows(write_csv(tmp_path / "all.csv", CASE_HEADER, WEEK_1)))
    assert cli("import", "cases", str(tmp_path / "all.csv")).returncode == 0
    da_only = [r for r in WEEK_1 if r[1] == DA and r[0] != "DA3"]
    path = write_csv(tmp_path / "da.csv", CASE_HEADER, da_only)
    expected = reference.apply(read_rows(path), scope=DA)
    assert expected == {("vanished", "DA3", DA, "outstanding", "")}
    result = cli("import", "cases", str(path), "--scope", "da")
    assert result.returncode == 0, result.stderr
    assert "vanished: 1 (Domestic abuse 1)" in result.stdout
    unscoped = cli("integrity", "--csv").stdout
    assert unscoped.count(",vanished,") == 1


@pytest.mark.slow  # the real oversight command in a subprocess
def test_scope_is_for_case_extracts_only(tmp_path, cli):
    path = write_csv(
        tmp_path / "r.csv",
        ["dataset", "period", "due_on", "status"],
        [["ONS", "2020-Q1", "2020-04-30", "pending"]],
    )
    result = cli("import", "returns", str(path), "--scope", "cp")
    assert result.returncode == 2
    assert result.stderr.strip() == "--scope applies to case extracts only, not to data returns."


@pytest.mark.slow  # the real oversight command in a subprocess
def test_an_unknown_import_is_one_sentence(tmp_path, cli):
    assert (
        cli("import", "cases", str(write_csv(tmp_path / "a.csv", CASE_HEADER, WEEK_1))).returncode
        == 0
    )
    result = cli("integrity", "--import", "7")
    assert result.returncode == 2
    assert result.stderr.strip() == "Import #7 is not a case import: see oversight status."


# --- the figures keep what vanished ---


def naive_backlog(rows: list[Row], as_of: str) -> dict[str, dict[str, int]]:
    figures: dict[str, Counter] = {DA: Counter(), CP: Counter()}
    for r in rows:
        if r["recorded_on"] > as_of:
            continue
        f = figures[r["workstream"]]
        f["recorded"] += 1
        needs = r["needs_review"] == "yes"
        f["needing_review"] += needs
        reviewed = r["review_status"] == "reviewed" and r["reviewed_on"] <= as_of
        f["reviewed"] += reviewed
        f["outstanding"] += needs and not reviewed
    return {ws: dict(c) for ws, c in figures.items()}


@pytest.mark.slow  # the real oversight command in a subprocess
def test_backlog_counts_the_new_file_plus_the_vanished_records_as_last_seen(tmp_path, cli):
    first = read_rows(write_csv(tmp_path / "w1.csv", CASE_HEADER, WEEK_1))
    second = read_rows(write_csv(tmp_path / "w2.csv", CASE_HEADER, WEEK_2))
    for name in ("w1.csv", "w2.csv"):
        assert cli("import", "cases", str(tmp_path / name)).returncode == 0
    vanished = {ref: r for ref, r in first.items() if ref not in second}
    assert set(vanished) == {"DA3", "CP1"}
    counted = naive_backlog([*second.values(), *vanished.values()], AS_OF)
    # The extracts are as of today (1 July): what the store knows now of 30 June (revised; on
    # 30 June itself no extract had been taken), and the missing as of today.
    answer = json.loads(cli("ask", "--json", "--as-of", AS_OF, "--revised", "/backlog").stdout)
    for figures in answer["backlog"]["figures"]:
        if figures["workstream"] in counted:
            mine = counted[figures["workstream"]]
            for name in ("recorded", "needing_review", "reviewed", "outstanding"):
                assert figures[name] == mine.get(name, 0), (figures["workstream"], name)
    assert answer["missing_from_latest"] == 0  # no extract as of 30 June had lost them
    answer = json.loads(cli("ask", "--json", "/backlog").stdout)
    assert answer["missing_from_latest"] == 2
    text = cli("ask", "/backlog").stdout
    assert (
        "2 records in the store are missing from the latest extract (kept in these figures)" in text
    )
    # Back again: nothing is missing any more.
    write_csv(tmp_path / "w3.csv", CASE_HEADER, WEEK_3)
    assert cli("import", "cases", str(tmp_path / "w3.csv")).returncode == 0
    assert json.loads(cli("ask", "--json", "/backlog").stdout)["missing_from_latest"] == 0


@pytest.mark.slow  # the real oversight command in a subprocess
def test_integrity_answers_in_text_and_json(tmp_path, cli):
    for n, rows in enumerate((WEEK_1, WEEK_2), start=1):
        write_csv(tmp_path / f"w{n}.csv", CASE_HEADER, rows)
        assert (
            cli(
                "import", "cases", str(tmp_path / f"w{n}.csv"), "--as-of", f"2020-06-{28 + n}"
            ).returncode
            == 0
        )
    expected = Reference()
    expected.apply(read_rows(tmp_path / "w1.csv"))
    counts = Counter(f[0] for f in expected.apply(read_rows(tmp_path / "w2.csv")))
    data = json.loads(cli("ask", "--json", "/integrity").stdout)["integrity"]
    assert data["latest"]["file_name"] == "w2.csv" and data["missing_now"] == 2
    got = Counter()
    for c in data["counts"]:
        got[c["kind"]] += c["count"]
    assert got == counts
    assert [i["vanished"] for i in data["trend"]] == [0, 2]
    text = cli("ask", "/integrity").stdout
    assert "Missing from the latest extract (kept in the figures): 2" in text
    before = json.loads(cli("ask", "--json", "--as-of", "2020-06-29", "/integrity").stdout)
    assert before["integrity"]["latest"]["file_name"] == "w1.csv"
    assert before["integrity"]["missing_now"] == 0


# --- any pair of extracts ---

REFS = [f"R{i}" for i in range(10)]
day = st.integers(1, 9).map(lambda d: f"2019-07-0{d}")
review_day = st.integers(1, 9).map(lambda d: f"2020-01-0{d}")
yes_no_blank = st.sampled_from(["yes", "no", ""])


@st.composite
def case_row(draw: st.DrawFn, ref: str) -> list[str]:
    needs = draw(st.sampled_from(["yes", "no"]))
    status = (
        "not_required"
        if needs == "no"
        else draw(st.sampled_from(["outstanding", "in_progress", "reviewed"]))
    )
    reviewed = draw(review_day) if status == "reviewed" else ""
    return [
        ref,
        draw(st.sampled_from([DA, CP])),
        draw(day),
        needs,
        status,
        reviewed,
        draw(yes_no_blank),
        draw(yes_no_blank),
        draw(yes_no_blank),
    ]


@st.composite
def extract(draw: st.DrawFn) -> list[list[str]]:
    refs = draw(st.lists(st.sampled_from(REFS), min_size=1, unique=True))
    return [draw(case_row(ref)) for ref in refs]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(extract(), min_size=2, max_size=4), st.sampled_from(["all", DA, CP]))
def test_any_series_of_extracts_finds_what_a_naive_diff_finds(extracts, last_scope):
    reference = Reference()
    with (
        tempfile.TemporaryDirectory() as folder,
        open_store(Path(folder) / "o.db", create=True) as store,
    ):
        for n, rows in enumerate(extracts):
            scope = last_scope if n == len(extracts) - 1 else "all"
            if scope != "all":
                rows = [r for r in rows if r[1] == scope] or rows[:0]
                if not rows:
                    continue
            path = write_csv(Path(folder) / f"e{n}.csv", CASE_HEADER, rows)
            expected = reference.apply(read_rows(path), scope)
            result = import_extract(
                store,
                KINDS["cases"],
                path,
                extract_as_of=date(2020, 6, 30),
                imported_by="t",
                imported_at=datetime(2020, 7, 1, 9, tzinfo=LONDON),
                scope=scope,
            )
            assert stored_findings(store, result.import_id) == expected
            missing = {
                r
                for (r,) in store.conn.execute(
                    "SELECT incident_ref FROM case_reviews WHERE missing_since_import IS NOT NULL"
                )
            }
            assert missing == reference.missing
            total = store.conn.execute("SELECT count(*) FROM case_reviews").fetchone()[0]
            assert total == len(reference.rows)  # nothing is ever deleted
            assert_totals_are_a_recount(store.conn)


# --- the alert ---


def alerting_store(tmp_path: Path) -> Path:
    db = tmp_path / "oversight.db"
    with open_store(db, create=True) as store:
        for n, rows in enumerate((WEEK_1, WEEK_2), start=1):
            path = write_csv(tmp_path / f"w{n}.csv", CASE_HEADER, rows)
            import_extract(
                store,
                KINDS["cases"],
                path,
                extract_as_of=date(2020, 6, 28 + n),
                imported_by="t",
                imported_at=datetime(2020, 6, 30, 8, 50 + n, tzinfo=LONDON),
            )
    return db


def test_an_import_that_loses_records_alerts_the_channel_once_with_its_csv(
    tmp_path, digest_standin
):
    db = alerting_store(tmp_path)
    settings = job_settings(digest_standin, db)
    with open_store(db) as store:
        jobs = Jobs(settings, store, make_client(settings))
        first = jobs.send_integrity_alerts()
        assert first.posted, first.sentence
        again = jobs.send_integrity_alerts()
        assert not again.posted and "already sent" in again.sentence
    [post] = digest_standin.posted()
    assert post["channel"] == CHANNEL
    expected = Reference()
    expected.apply(read_rows(tmp_path / "w1.csv"))
    found = expected.apply(read_rows(tmp_path / "w2.csv"))
    for kind in ("vanished", "review_undone", "needs_review_withdrawn"):
        n = sum(1 for f in found if f[0] == kind)
        assert f"{n} {kind}" in post["text"]
    [complete] = digest_standin.calls_to("files.completeUploadExternal")
    assert complete.params  # in the message's thread
    [upload] = digest_standin.calls_to("upload")  # the CSV of every finding
    rows = list(csv.reader(io.StringIO(upload.params["bytes"].decode(), newline="")))
    assert rows[0] == list(FINDING_COLUMNS)
    assert {(k, r.removeprefix("'"), w, o, n) for _, k, r, w, o, n, *_ in rows[1:]} == found


def test_an_import_that_finds_nothing_alarming_posts_nothing(tmp_path, digest_standin):
    db = tmp_path / "oversight.db"
    with open_store(db, create=True) as store:
        path = write_csv(tmp_path / "w1.csv", CASE_HEADER, WEEK_1)
        for _ in range(2):  # the same extract twice: no finding at all
            import_extract(
                store,
                KINDS["cases"],
                path,
                extract_as_of=date(2020, 6, 30),
                imported_by="t",
                imported_at=datetime(2020, 6, 30, 8, tzinfo=LONDON),
            )
        settings = job_settings(digest_standin, db)
        outcome = Jobs(settings, store, make_client(settings)).send_integrity_alerts()
    assert not outcome.posted
    assert digest_standin.posted() == []


def test_two_schedulers_alert_once(tmp_path, digest_standin):
    db = alerting_store(tmp_path)
    settings = job_settings(digest_standin, db)
    outcomes = []

    def one_process() -> None:
        with open_store(db) as store:
            outcomes.append(Jobs(settings, store, make_client(settings)).send_integrity_alerts())

    threads = [threading.Thread(target=one_process) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(o.posted for o in outcomes) == [False, True]
    assert len(digest_standin.posted()) == 1


@pytest.mark.parametrize("renderer", ["text", "blocks", "json"])
def test_the_alert_renders_everywhere(tmp_path, renderer):
    from oversight.answers.alarms import integrity_alerts
    from oversight.render import RENDERERS

    db = alerting_store(tmp_path)
    with open_store(db) as store:
        [alert] = integrity_alerts(
            store, datetime(2020, 6, 30, 9, tzinfo=LONDON), datetime(2020, 6, 30, tzinfo=LONDON)
        )
    assert RENDERERS[renderer].render(alert)
