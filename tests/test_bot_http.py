"""The Slack bot over signed HTTP, end to end, in this process.

Requests are signed the way Slack signs them and posted to the bot that ``bot.run.start`` (what
``oversight bot`` runs) serves on loopback; the bot talks only to the Slack stand-in
(``SLACK_API_URL``), which also receives the replies sent to each response URL. Every answer
is checked against ``oversight ask --json`` on the same database and date: the numbers are read
back out of the Block Kit text, not rebuilt with the project's own formatting.

The helpers here (signing, block reading, the demo database) are shared by
``test_bot_socket_mode.py`` and ``test_bot_command.py``.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import html
import itertools
import json
import re
import sqlite3
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from bot.run import Running, start
from oversight.settings import load_settings
from oversight.store import open_store
from tests.conftest import TEST_NOW, clean_env, copy_database, demo_database, oversight_command
from tests.slack_standin import Fault, SlackStandIn

# Realistic-looking secrets, long enough to be told apart from anything else in a log.
BOT_TOKEN = "xoxb-2718281828-3141592653-QwErTyUiOpAsDfGhJkLz"
APP_TOKEN = "xapp-1-A0B1C2D3E4F-1618033988-deadbeefcafef00d"
SIGNING_SECRET = "5e1f0a9c7b3d42e88f6a1c0b9d2e7f31"

ALLOWED = "UMAYOR"  # on the allow-list of people
MEMBER = "UDEPUTY"  # in the allowed user group
GROUP = "SOVERSIGHT"
OUTSIDER = "UOUTSIDER"
GUEST = "UGUEST"  # on the allow-list, but a guest account
PRIVATE = "CPRIVATE"  # a channel the bot is in, not one to share figures in
BRIEFING = "CBRIEFING"  # the channel figures may be shared in
EXTERNAL = "CEXTERNAL"  # shared with another organisation

AS_OF = "2020-06-30"
LONDON = ZoneInfo("Europe/London")
SLACK_LIMIT = 3.0  # seconds Slack waits for an answer


def ask_json(cli: Callable[..., subprocess.CompletedProcess[str]], text: str) -> dict:
    """What ``oversight ask --as-of AS_OF --json TEXT`` says, on the test's database."""
    result = cli("ask", "--as-of", AS_OF, "--json", text)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- Slack's side: signed requests ----------------------------------------------------------


def slash(
    slack: SlackStandIn,
    reply_to: str,
    command: str,
    text: str = "",
    user: str = ALLOWED,
    channel: str = PRIVATE,
) -> dict[str, str]:
    """The form fields Slack posts for a slash command; the reply goes to ``reply_to``."""
    return {
        "token": "verification-token-unused",
        "team_id": "T1",
        "team_domain": "city-hall",
        "channel_id": channel,
        "channel_name": "oversight",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A1",
        "response_url": slack.response_url(reply_to),
        "trigger_id": "1337.42.abcd",
    }


def signature(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def post_signed(
    base_url: str,
    fields: dict[str, str],
    *,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    sign_as: str | None = None,
) -> tuple[int, str]:
    """POST ``fields`` to /slack/events, signed with ``secret`` at ``timestamp`` (default: now).

    ``sign_as`` signs a different body from the one sent (a tampered request).
    """
    body = urlencode(fields)
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    request = urllib.request.Request(
        base_url + "/slack/events",
        data=body.encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(secret, stamp, sign_as or body),
        },
    )
    return _send(request)


def get(url: str) -> tuple[int, str]:
    return _send(urllib.request.Request(url))


def _send(request: urllib.request.Request) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except HTTPError as error:
        return error.code, error.read().decode()


def ask_bot(
    base_url: str, slack: SlackStandIn, name: str, command: str, text: str = "", **who: str
) -> dict:
    """Post a signed slash command; check it is acked with 200 and answered within 3 s."""
    started = time.monotonic()
    status, body = post_signed(base_url, slash(slack, name, command, text, **who))
    assert (status, body) == (200, "")
    reply = slack.wait_for_reply(name, timeout=10)
    assert time.monotonic() - started < SLACK_LIMIT
    return reply


# --- reading the answer back out of Block Kit -----------------------------------------------

_DATE = re.compile(r"\b(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* (\d{4})\b")
_TIME = re.compile(r"\b\d{2}:\d{2}\b")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def dates(text: str) -> list[date]:
    """Every date written like "30 Jun 2020" or "Tuesday 30 June 2020", in order."""
    return [datetime.strptime(f"{d} {m} {y}", "%d %b %Y").date() for d, m, y in _DATE.findall(text)]


def numbers(text: str, *ignore: str) -> list[float]:
    """Every number in ``text`` (thousands separators dropped), leaving out dates, times of day
    and the given strings (names that hold digits, such as "2019/20")."""
    for word in ignore:
        text = text.replace(word, " ")
    text = _TIME.sub(" ", _DATE.sub(" ", text))
    return [float(n.rstrip(",").replace(",", "")) for n in _NUMBER.findall(text)]


def block_texts(blocks: list[dict]) -> list[str]:
    """All the text a reader sees in the blocks, in order, with mrkdwn escapes undone."""
    texts = []
    for block in blocks:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts += [f["text"] for f in block.get("fields", [])]
        texts += [e["text"] for e in block.get("elements", []) if "text" in e]
    return [html.unescape(t) for t in texts]


def header_text(blocks: list[dict]) -> str:
    (text,) = [b["text"]["text"] for b in blocks if b["type"] == "header"]
    return html.unescape(text)


def sections(blocks: list[dict]) -> list[str]:
    return [
        html.unescape(b["text"]["text"]) for b in blocks if b["type"] == "section" and "text" in b
    ]


def section_starting(blocks: list[dict], start: str) -> str | None:
    found = [s for s in sections(blocks) if s.startswith(start)]
    assert len(found) <= 1, found
    return found[0] if found else None


def context_text(blocks: list[dict]) -> str:
    return " ".join(
        html.unescape(e["text"]) for b in blocks if b["type"] == "context" for e in b["elements"]
    )


def field_groups(blocks: list[dict]) -> dict[str, dict[str, str]]:
    """Section fields as {group: {label: value}}: a group is named by the bold one-line section
    before it ("*Domestic abuse*"); fields after a divider, or before any title, are group ""."""
    groups: dict[str, dict[str, str]] = {}
    title = ""
    for block in blocks:
        if block["type"] == "divider":
            title = ""
        elif block["type"] == "section" and "fields" in block:
            for field in block["fields"]:
                label, _, value = html.unescape(field["text"]).partition("\n")
                groups.setdefault(title, {})[label.strip("*")] = value
        elif block["type"] == "section":
            match = re.fullmatch(r"\*([^*\n]+)\*", block["text"]["text"])
            if match:
                title = match.group(1)
    return groups


def bullets(section: str) -> list[str]:
    """The lines of a listing section after its heading ("None" when empty)."""
    return section.split("\n")[1:]


def day(text: str | None) -> list[date]:
    return [date.fromisoformat(text)] if text else []


def local_day(moment: str) -> date:
    return datetime.fromisoformat(moment).astimezone(LONDON).date()


def assert_source(blocks: list[dict], model: dict) -> None:
    """The context line: as of when, and which extract (file, as-of date, import date)."""
    source = model["source"]
    text = context_text(blocks)
    as_of = date.fromisoformat(model["as_of"])
    assert source["file_name"] in text
    assert dates(text)[:3] == [
        as_of,
        *day(source["extract_as_of"]),
        local_day(source["imported_at"]),
    ]


WORKSTREAMS = {
    "domestic_abuse": "Domestic abuse",
    "child_protection": "Child protection",
    "all": "All workstreams",
}


def assert_backlog(message: dict, model: dict) -> None:
    blocks = message["blocks"]
    as_of = date.fromisoformat(model["as_of"])
    backlog, trend = model["backlog"], model["backlog"]["trend"]
    assert dates(header_text(blocks)) == [as_of]
    groups = field_groups(blocks)
    assert set(groups) == {WORKSTREAMS[w["workstream"]] for w in backlog["figures"]} | {""}
    for w in backlog["figures"]:
        shown = groups[WORKSTREAMS[w["workstream"]]]
        percent = [w["percent_reviewed"]] if w["percent_reviewed"] is not None else []
        ncrs = [w["ncrs_percent"], w["ncrs_compliant"], w["ncrs_answered"]]
        unknown = [w["referrals_unknown"]] if w["referrals_unknown"] else []
        assert numbers(shown["Outstanding"]) == [w["outstanding"]]
        assert numbers(shown["Reviewed"]) == [w["reviewed"], *percent]
        assert numbers(shown["Needing review"]) == [w["needing_review"]]
        assert numbers(shown["Recorded"]) == [w["recorded"]]
        assert numbers(shown["NCRS compliance"]) == (ncrs if w["ncrs_answered"] else [])
        assert numbers(shown["Referrals required"]) == [w["referrals_not_sent"], *unknown]
    shown = groups[""]
    last = trend["last_week"]
    assert numbers(shown["Last complete week"]) == ([last["completed"]] if last else [])
    assert dates(shown["Last complete week"]) == (day(last["week_start"]) if last else [])
    assert numbers(shown["Four-week mean"]) == [trend["four_week_mean"]]
    change = trend["change_over_week"]
    seven = shown["Outstanding over seven days"]
    moved = [abs(change)] if change else []
    assert numbers(seven) == [trend["outstanding"], *moved, trend["outstanding_week_before"]]
    assert ("down" if change < 0 else "up" if change > 0 else "no change") in seven
    assert dates(seven) == [as_of - timedelta(days=7)]
    projected = shown["Projected completion"]
    assert dates(projected) == day(trend["projected_completion"])
    if trend["projected_completion"]:
        assert numbers(projected) == [trend["four_week_mean"]]
    assert_source(blocks, model)
    # The notification text (what a screen reader says first) leads with the outstanding count.
    assert numbers(message["text"])[0] == trend["outstanding"]
    assert dates(message["text"])[:1] == [as_of]


def assert_return_line(line: str, item: dict, listed_as_overdue: bool) -> None:
    assert item["dataset"] in line and item["period"] in line, line
    assert dates(line) == [*day(item["due_on"]), *day(item["submitted_on"])], line
    overdue_days = [item["days_overdue"]] if listed_as_overdue and not item["submitted_on"] else []
    assert numbers(line, item["dataset"], item["period"]) == overdue_days, line
    assert item["status"] in line, line


def assert_returns(message: dict, model: dict) -> None:
    blocks = message["blocks"]
    status = model["returns"]
    assert dates(header_text(blocks)) == [date.fromisoformat(model["as_of"])]
    overdue = section_starting(blocks, ":rotating_light: *Overdue")
    assert numbers(overdue.split("\n")[0]) == [len(status["overdue"])]
    assert len(bullets(overdue)) == max(1, len(status["overdue"]))
    for line, item in zip(bullets(overdue), status["overdue"], strict=False):
        assert_return_line(line, item, listed_as_overdue=True)
    excluded = section_starting(blocks, "*Excluded from official statistics*")
    if status["excluded"]:
        assert len(bullets(excluded)) == len(status["excluded"])
        for line, item in zip(bullets(excluded), status["excluded"], strict=True):
            assert item["dataset"] in line and item["period"] in line
    else:
        assert excluded is None
    others = [r for r in status["returns"] if not r["overdue"]]
    listed = bullets(section_starting(blocks, "*Other returns*"))
    assert len(listed) == max(1, len(others))
    for line, item in zip(listed, others, strict=False):
        assert_return_line(line, item, listed_as_overdue=False)
    next_due = section_starting(blocks, "*Next due:*")
    nxt = status["next_due"]
    if nxt:
        assert nxt["dataset"] in next_due and nxt["period"] in next_due
        assert dates(next_due) == day(nxt["due_on"])
    else:
        assert next_due.endswith("none")
    assert_source(blocks, model)
    ignore = [nxt["dataset"], nxt["period"]] if nxt else []
    assert numbers(message["text"], *ignore) == [len(status["overdue"]), len(status["excluded"])]


def assert_deadline_line(line: str, item: dict) -> None:
    assert item["title"] in line, line
    if item["owner"]:
        assert item["owner"] in line, line
    assert dates(line) == day(item["due_on"]), line
    if item["overdue"]:
        # Working days overdue; plain days when it fell due at a weekend and none have passed.
        count = [-item["working_days_left"] or -item["days_left"]]
        assert "overdue" in line, line
    else:
        count = [item["working_days_left"]] if item["days_left"] else []
    assert numbers(line, item["title"], item["owner"] or "") == count, line


def assert_deadlines(message: dict, model: dict) -> None:
    blocks = message["blocks"]
    d = model["deadlines"]
    header = header_text(blocks)
    assert dates(header) == [date.fromisoformat(model["as_of"])]
    assert numbers(header) == [d["within_days"]]
    overdue = section_starting(blocks, ":rotating_light: *Overdue")
    assert numbers(overdue.split("\n")[0]) == [len(d["overdue"])]
    assert len(bullets(overdue)) == max(1, len(d["overdue"]))
    for line, item in zip(bullets(overdue), d["overdue"], strict=False):
        assert_deadline_line(line, item)
    upcoming = section_starting(blocks, "*Due in the next")
    assert numbers(upcoming.split("\n")[0]) == [d["within_days"], len(d["upcoming"])]
    assert len(bullets(upcoming)) == max(1, len(d["upcoming"]))
    for line, item in zip(bullets(upcoming), d["upcoming"], strict=False):
        assert_deadline_line(line, item)
    assert_source(blocks, model)
    assert numbers(message["text"]) == [len(d["overdue"]), len(d["upcoming"]), d["within_days"]]


TABLES = {
    "case_reviews": "Case reviews",
    "data_returns": "Data returns",
    "deadlines": "Deadlines",
    "imports": "Imports",
    "audit_log": "Audit log entries",
}


def assert_status(message: dict, model: dict) -> None:
    blocks = message["blocks"]
    shown = field_groups(blocks)[""]
    assert numbers(shown["Schema version"]) == [model["schema_version"]]
    assert {TABLES[t]: [n] for t, n in model["rows"].items()} == {
        label: numbers(value) for label, value in shown.items() if label != "Schema version"
    }
    freshness = bullets(section_starting(blocks, "*Data freshness*"))
    assert len(freshness) == len(model["sources"])
    for line, source in zip(freshness, model["sources"].values(), strict=True):
        if source is None:
            assert dates(line) == []
        else:
            assert source["file_name"] in line
            expected = [*day(source["extract_as_of"]), local_day(source["imported_at"])]
            assert dates(line) == expected
            assert ("Stale" in line) == source["stale"]
    for kind in model["stale_kinds"]:
        assert kind in message["text"]
    if not model["stale_kinds"]:
        assert message["text"].endswith("none.")


def assert_help(message: dict, model: dict) -> None:
    shown = sections(message["blocks"])
    for command, usage in model["usage"].items():
        syntax, _, meaning = usage.partition(" — ")
        (section,) = [s for s in shown if s.startswith(f"`{syntax}`")]
        assert meaning in section
        for example in model["examples"][command]:
            assert f"`{example}`" in section


# --- the bot, started in this process -------------------------------------------------------


def bot_env(slack: SlackStandIn, db: Path, **overrides: str | None) -> dict[str, str]:
    env = {
        "OVERSIGHT_DB": str(db),
        "OVERSIGHT_NOW": TEST_NOW,
        "SLACK_API_URL": slack.api_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "PORT": "0",
        "OVERSIGHT_ALLOWED_USERS": f"{ALLOWED},{GUEST}",
        "OVERSIGHT_ALLOWED_USERGROUPS": GROUP,
        "OVERSIGHT_SHARE_CHANNELS": BRIEFING,
        **overrides,
    }
    return {k: v for k, v in env.items() if v is not None}


@contextmanager
def running_bot(slack: SlackStandIn, db: Path, **overrides: str | None) -> Iterator[Running]:
    settings = load_settings(bot_env(slack, db, **overrides), env_file=None)
    store = open_store(settings.db_path)
    try:
        running = start(settings, store, "127.0.0.1")
        try:
            yield running
        finally:
            running.stop()
    finally:
        store.close()


def populated_standin() -> SlackStandIn:
    slack = SlackStandIn()
    for user in (ALLOWED, MEMBER, OUTSIDER):
        slack.add_user(user)
    slack.add_user(GUEST, is_restricted=True)
    slack.usergroups[GROUP] = [MEMBER]
    for channel in (PRIVATE, BRIEFING):
        slack.add_channel(channel)
    slack.add_channel(EXTERNAL, is_ext_shared=True)
    return slack


def audit_rows(run: Callable[..., subprocess.CompletedProcess[str]]) -> list[dict[str, str]]:
    """``oversight audit --csv``, read back as rows."""
    result = run("audit", "--csv")
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(result.stdout.splitlines()))


def oversight_in(folder: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """The real ``oversight`` command on ``folder/oversight.db``, like the ``cli`` fixture."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*oversight_command(), *args],
            cwd=folder,
            env=clean_env(OVERSIGHT_DB=str(folder / "oversight.db"), OVERSIGHT_NOW=TEST_NOW),
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )

    return run


_names = itertools.count(1)


@dataclass
class Bench:
    """A running bot, the stand-in it talks to, and the ``oversight`` command on its database."""

    slack: SlackStandIn
    url: str
    folder: Path

    def __post_init__(self) -> None:
        self.run = oversight_in(self.folder)
        with closing(sqlite3.connect(self.folder / "oversight.db")) as conn:
            self._audited = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]

    def reply_name(self, name: str) -> str:
        return f"{name}-{next(_names)}"  # response URLs are never reused

    def ask(self, name: str, command: str, text: str = "", **who: str) -> dict:
        return ask_bot(self.url, self.slack, self.reply_name(name), command, text, **who)

    def ask_json(self, text: str) -> dict:
        return ask_json(self.run, text)

    def audit(self) -> list[dict[str, str]]:
        """The audit entries written since this bench was handed to the test."""
        return audit_rows(self.run)[self._audited :]


@pytest.fixture(scope="module")
def shared_bot(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[SlackStandIn, Path, str]]:
    """One bot for the tests that need no fresh one (a bot stops in half a second, not less)."""
    folder = tmp_path_factory.mktemp("bot-http")
    copy_database(demo_database(tmp_path_factory), folder / "oversight.db")
    slack = populated_standin()
    try:
        with running_bot(slack, folder / "oversight.db") as running:
            yield slack, folder, running.url
    finally:
        slack.close()


@pytest.fixture
def bench(shared_bot: tuple[SlackStandIn, Path, str]) -> Bench:
    slack, folder, url = shared_bot
    return Bench(slack, url, folder)


@pytest.fixture
def fresh_bench(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    """A bot of its own, for tests that count Web API calls (access checks are cached)."""
    copy_database(demo_database(tmp_path_factory), tmp_path / "oversight.db")
    slack = populated_standin()
    try:
        with running_bot(slack, tmp_path / "oversight.db") as running:
            yield Bench(slack, running.url, tmp_path)
    finally:
        slack.close()


# --- the tests ------------------------------------------------------------------------------

COMMANDS = [
    pytest.param("/backlog", f"as of {AS_OF}", "/backlog", assert_backlog, id="backlog"),
    pytest.param("/backlog", f"da as of {AS_OF}", "/backlog da", assert_backlog, id="backlog-da"),
    pytest.param("/ons-status", f"as of {AS_OF}", "/ons-status", assert_returns, id="ons-status"),
    pytest.param("/deadlines", f"as of {AS_OF}", "/deadlines", assert_deadlines, id="deadlines"),
    pytest.param(
        "/deadlines", f"60 as of {AS_OF}", "/deadlines 60", assert_deadlines, id="deadlines-60"
    ),
    pytest.param("/oversight", "status", "/oversight status", assert_status, id="status"),
    pytest.param("/oversight", "help", "/oversight help", assert_help, id="help"),
]


@pytest.mark.parametrize(("command", "text", "asked", "check"), COMMANDS)
def test_each_command_answers_in_slack_with_the_figures_oversight_ask_gives(
    bench, command, text, asked, check
):
    # Asked first: /oversight status counts the audit log, which the bot's answer adds to.
    model = bench.ask_json(asked)
    reply = bench.ask("one", command, text)
    check(reply, model)
    assert reply["response_type"] == "ephemeral"
    assert [(r["command"], r["text"], r["outcome"]) for r in bench.audit()] == [
        (command, text, "answered")
    ]


def test_whoami_says_why_someone_may_see_figures_and_is_answered_only_in_slack(bench):
    listed = bench.ask("listed", "/oversight", "whoami", user=ALLOWED)
    member = bench.ask("member", "/oversight", "whoami", user=MEMBER)
    assert f"<@{ALLOWED}>" in listed["text"] and "allow-list" in listed["text"]
    assert f"<@{MEMBER}>" in member["text"] and GROUP in member["text"]
    assert f"<@{MEMBER}>" in " ".join(block_texts(member["blocks"]))
    # The command line has no Slack identity to report: it says so rather than guessing.
    result = bench.run("ask", "--json", "/oversight whoami")
    assert result.returncode == 2
    assert "only in Slack" in result.stderr
    assert [(r["user_id"], r["text"], r["outcome"]) for r in bench.audit()] == [
        (ALLOWED, "whoami", "answered"),
        (MEMBER, "whoami", "answered"),
    ]


def test_a_badly_signed_or_stale_request_gets_401_and_is_never_answered(bench):
    forged = bench.reply_name("forged")
    fields = slash(bench.slack, forged, "/backlog", f"as of {AS_OF}")
    five_minutes_ago = int(time.time()) - 5 * 60 - 10
    tampered = {**fields, "channel_id": BRIEFING, "text": "share"}
    refused = [
        post_signed(bench.url, fields, secret="not-the-signing-secret-at-all-00"),
        post_signed(bench.url, fields, timestamp=five_minutes_ago),
        post_signed(bench.url, fields, timestamp=int(time.time()) + 5 * 60 + 10),
        post_signed(bench.url, tampered, sign_as=urlencode(fields)),
    ]
    assert [status for status, _ in refused] == [401] * 4
    # No signature headers at all.
    request = urllib.request.Request(bench.url + "/slack/events", data=urlencode(fields).encode())
    assert _send(request)[0] == 401
    # A good request after them is answered; the forged ones left no reply and no audit entry.
    bench.ask("good", "/backlog", f"as of {AS_OF}")
    assert forged not in bench.slack.replies
    assert [r["outcome"] for r in bench.audit()] == ["answered"]


REFUSALS = [
    pytest.param(OUTSIDER, PRIVATE, id="not-on-the-allow-list"),
    pytest.param(GUEST, PRIVATE, id="guest-account"),
    pytest.param(ALLOWED, EXTERNAL, id="channel-shared-with-another-organisation"),
    pytest.param(ALLOWED, "CUNKNOWN", id="conversation-the-bot-cannot-see"),
]


@pytest.mark.parametrize(("user", "channel"), REFUSALS)
def test_a_refusal_carries_no_figure_and_is_audited(bench, user, channel):
    reply = bench.ask("no", "/backlog", f"as of {AS_OF}", user=user, channel=channel)
    shown = [reply["text"], *block_texts(reply["blocks"])]
    assert not any(re.search(r"\d", text) for text in shown), shown
    assert reply["response_type"] == "ephemeral"
    (row,) = bench.audit()
    assert (row["user_id"], row["channel_id"], row["outcome"]) == (user, channel, "refused")
    assert row["detail"]


FAULTS = [
    pytest.param(Fault(status=429, headers={"Retry-After": "1"}), id="rate-limited"),
    pytest.param(Fault(status=500), id="server-error"),
    pytest.param(Fault(drop=True), id="dropped-connection"),
]


@pytest.mark.parametrize("fault", FAULTS)
def test_a_passing_web_api_fault_in_the_access_check_is_retried_and_answered(fresh_bench, fault):
    bench = fresh_bench
    bench.slack.fail("users.info", fault)
    fields = slash(bench.slack, "one", "/backlog", f"as of {AS_OF}")
    assert post_signed(bench.url, fields) == (200, "")
    assert "one" not in bench.slack.replies  # acked at once, while the retry is still waiting
    reply = bench.slack.wait_for_reply("one", timeout=15)
    assert_backlog(reply, bench.ask_json("/backlog"))
    calls = bench.slack.calls_to("users.info")
    assert [c.params.get("user") for c in calls] == [ALLOWED, ALLOWED]
    assert {c.token for c in calls} == {BOT_TOKEN}
    assert [r["outcome"] for r in bench.audit()] == ["answered"]


def test_when_slack_keeps_failing_the_access_check_nothing_is_shown(fresh_bench):
    bench = fresh_bench
    bench.slack.fail("users.info", *[Fault(status=500)] * 3)
    fields = slash(bench.slack, "one", "/backlog", f"as of {AS_OF}")
    assert post_signed(bench.url, fields) == (200, "")
    reply = bench.slack.wait_for_reply("one", timeout=15)
    assert len(bench.slack.calls_to("users.info")) == 3  # the call and both retries
    assert "try again" in reply["text"]
    assert not any(re.search(r"\d", t) for t in [reply["text"], *block_texts(reply["blocks"])])
    assert [r["outcome"] for r in bench.audit()] == ["refused"]


def test_share_posts_in_an_allowed_channel_and_stays_private_elsewhere(bench):
    plain = bench.ask("plain", "/backlog", f"as of {AS_OF}", channel=BRIEFING)
    shared = bench.ask("shared", "/backlog", f"share as of {AS_OF}", channel=BRIEFING)
    kept = bench.ask("kept", "/backlog", f"share as of {AS_OF}", channel=PRIVATE)
    assert plain["response_type"] == "ephemeral"
    assert shared["response_type"] == "in_channel"
    assert shared["blocks"] == plain["blocks"]
    assert kept["response_type"] == "ephemeral"
    # The same figures, and a note saying why they were not posted.
    assert kept["blocks"][: len(plain["blocks"])] == plain["blocks"]
    (note,) = kept["blocks"][len(plain["blocks"]) :]
    assert note["type"] == "context" and "Not shared" in context_text([note])
    assert_backlog(shared, bench.ask_json("/backlog"))
    outcomes = [(r["channel_id"], r["outcome"]) for r in bench.audit()]
    assert outcomes == [(BRIEFING, "answered"), (BRIEFING, "shared"), (PRIVATE, "answered")]


def test_words_the_bot_does_not_understand_get_the_usage_not_figures(bench):
    reply = bench.ask("usage", "/deadlines", "next fortnight")
    assert "Usage:" in reply["text"] and "/deadlines" in reply["text"]
    (row,) = bench.audit()
    assert (row["text"], row["outcome"]) == ("next fortnight", "usage")
