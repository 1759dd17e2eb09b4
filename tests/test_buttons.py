"""The buttons on answers, end to end: signed ``block_actions`` over HTTP and Socket Mode.

The bot is ``bot.run.start`` (what ``oversight bot`` runs) in this process; Slack is the
loopback stand-in, which receives the updates at each response URL, the posts and the uploads.
Every answer a click brings is read back out of its blocks and checked against
``oversight ask --json`` for the same question and date.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from oversight.answers import COMMANDS
from tests.support.blocks import assert_within_limits
from tests.support.processes import copy_database, demo_database, wait_until
from tests.support.readback import assert_backlog, assert_crime, block_texts, context_text
from tests.support.slack import (
    ALLOWED,
    APP_TOKEN,
    AS_OF,
    BRIEFING,
    GROUP,
    MEMBER,
    PRIVATE,
    SLACK_LIMIT,
    ask_bot,
    ask_json,
    audit_rows,
    buttons_of,
    click,
    post_click,
    running_bot,
)
from tests.support.slack_standin import Fault, SlackStandIn

pytestmark = pytest.mark.slow  # each test starts and stops a bot

_replies = iter(range(1, 1_000_000))


@pytest.fixture
def bot(bot_standin: SlackStandIn, tmp_path: Path, tmp_path_factory) -> Iterator[str]:
    copy_database(demo_database(tmp_path_factory), tmp_path / "oversight.db")
    with running_bot(bot_standin, tmp_path / "oversight.db") as running:
        yield running.url


def ask(url: str, slack: SlackStandIn, command: str, text: str = "", **who: str) -> dict:
    return ask_bot(url, slack, f"ask-{next(_replies)}", command, text, **who)


def press(
    url: str, slack: SlackStandIn, element: dict, option: dict | None = None, **who: str
) -> dict:
    """Click ``element``: acked with 200 at once; the update Slack received at the response URL."""
    name = f"click-{next(_replies)}"
    started = time.monotonic()
    assert post_click(url, click(slack, name, element, option=option, **who)) == (200, "")
    reply = slack.wait_for_reply(name, timeout=10)
    assert time.monotonic() - started < SLACK_LIMIT
    return reply


def assert_no_figure(reply: dict) -> None:
    texts = [reply["text"], *block_texts(reply["blocks"])]
    assert not any(re.search(r"\d", t) for t in texts), texts


def clicks(cli) -> list[tuple[str, str, str, str]]:
    return [
        (r["user_id"], r["command"], r["text"], r["outcome"])
        for r in audit_rows(cli)
        if r["command"].startswith("button:")
    ]


def test_every_answer_shown_only_to_its_asker_has_its_buttons_within_slacks_limits(
    bot, bot_standin
):
    for command in (c.slash for c in COMMANDS if c.shareable):
        reply = ask(bot, bot_standin, command, f"as of {AS_OF}")
        assert_within_limits(reply["text"], reply["blocks"])
        labels = set(buttons_of(reply))
        assert {"Share in channel", "Workbook"} <= labels, command
    assert set(buttons_of(ask(bot, bot_standin, "/backlog"))) == {
        "All",
        "Domestic abuse",
        "Child protection",
        "Share in channel",
        "Workbook",
    }
    # /oversight's answers (help, status) are not figures to share: no buttons.
    status = ask(bot, bot_standin, "/oversight", "status")
    assert status["blocks"][-1]["type"] != "actions"


def test_a_workstream_switch_updates_the_answer_in_place_with_the_figures_of_oversight_ask(
    bot, bot_standin, cli
):
    first = ask(bot, bot_standin, "/backlog", f"as of {AS_OF}")
    switched = press(bot, bot_standin, buttons_of(first)["Domestic abuse"])
    assert switched["replace_original"] is True
    assert_backlog(switched, ask_json(cli, "/backlog da"))
    assert buttons_of(switched)["Domestic abuse"].get("style") == "primary"
    back = press(bot, bot_standin, buttons_of(switched)["All"])
    assert back["blocks"] == first["blocks"]
    assert clicks(cli) == [
        (ALLOWED, "button:switch", f"/backlog domestic_abuse as of {AS_OF}", "answered"),
        (ALLOWED, "button:switch", f"/backlog as of {AS_OF}", "answered"),
    ]


def test_a_crime_type_switch_shows_that_type_with_the_figures_of_oversight_ask(
    bot, bot_standin, cli
):
    first = ask(bot, bot_standin, "/crime", f"as of {AS_OF}")
    select = buttons_of(first)["Crime type"]
    assert select["initial_option"]["text"]["text"] == "All recorded crime"
    expected = ask_json(cli, "/crime")["crime"]["by_type"]
    assert [o["text"]["text"] for o in select["options"]] == [
        "All recorded crime",
        *(t["crime_type"] for t in expected),
    ]
    (burglary,) = [o for o in select["options"] if o["text"]["text"] == "Burglary"]
    switched = press(bot, bot_standin, select, option=burglary)
    assert switched["replace_original"] is True
    assert_crime(switched, ask_json(cli, "/crime burglary"))
    assert buttons_of(switched)["Crime type"]["initial_option"] == burglary


def test_share_posts_the_same_answer_in_an_allowed_channel(bot, bot_standin, cli):
    answer = ask(bot, bot_standin, "/backlog", f"as of {AS_OF}", channel=BRIEFING)
    name = f"click-{next(_replies)}"
    share = buttons_of(answer)["Share in channel"]
    assert post_click(bot, click(bot_standin, name, share, channel=BRIEFING)) == (200, "")
    wait_until(lambda: bot_standin.posted() and clicks(cli), "the shared answer, audited")
    (post,) = bot_standin.posted()
    assert post["channel"] == BRIEFING
    figures = answer["blocks"][:-1]  # the answer without its buttons
    posted = json.loads(post["blocks"]) if isinstance(post["blocks"], str) else post["blocks"]
    assert posted == figures and figures[0]["type"] == "header"
    assert clicks(cli) == [(ALLOWED, "button:share", f"/backlog as of {AS_OF}", "shared")]


def test_share_where_sharing_is_not_allowed_replaces_the_button_with_the_reason(
    bot, bot_standin, cli
):
    answer = ask(bot, bot_standin, "/backlog", f"as of {AS_OF}", channel=PRIVATE)
    kept = press(bot, bot_standin, buttons_of(answer)["Share in channel"], channel=PRIVATE)
    assert kept["replace_original"] is True
    assert kept["blocks"][: len(answer["blocks"]) - 1] == answer["blocks"][:-1]
    assert "Not shared" in context_text(kept["blocks"])
    assert "Share in channel" not in buttons_of(kept)
    assert "Workbook" in buttons_of(kept)
    assert bot_standin.posted() == []
    assert clicks(cli) == [(ALLOWED, "button:share", f"/backlog as of {AS_OF}", "refused")]


def test_the_workbook_button_sends_the_figures_workbook_in_a_direct_message(bot, bot_standin, cli):
    answer = ask(bot, bot_standin, "/backlog", f"as of {AS_OF}")
    note = press(bot, bot_standin, buttons_of(answer)["Workbook"])
    assert note["replace_original"] is False and "direct messages" in note["text"]
    (opened,) = bot_standin.calls_to("conversations.open")
    assert opened.params["users"] == ALLOWED
    (complete,) = bot_standin.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == f"D{ALLOWED}"
    (upload,) = bot_standin.calls_to("upload")
    workbook = openpyxl.load_workbook(io.BytesIO(upload.params["bytes"]), read_only=True)
    summary = {row[0]: row[1:] for row in workbook["Summary"].iter_rows(values_only=True)}
    model = ask_json(cli, "/backlog")["backlog"]["figures"]
    assert list(summary["Outstanding"][: len(model)]) == [w["outstanding"] for w in model]
    assert list(summary["Recorded"][: len(model)]) == [w["recorded"] for w in model]
    assert clicks(cli) == [(ALLOWED, "button:workbook", f"/backlog as of {AS_OF}", "answered")]


def test_the_workbook_button_under_the_violence_profile_sends_the_profiles_workbook(
    bot, bot_standin, cli
):
    """The profile's own workbook (what the monthly post carries), not the weekly digest's:
    its sheets, and its hospital months as the answer shows them, suppressed."""
    answer = ask(bot, bot_standin, "/violence", f"as of {AS_OF}")
    press(bot, bot_standin, buttons_of(answer)["Workbook"])
    (complete,) = bot_standin.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == f"D{ALLOWED}"
    (upload,) = bot_standin.calls_to("upload")
    (named,) = bot_standin.calls_to("files.getUploadURLExternal")
    assert named.params["filename"] == f"violence-profile-{AS_OF[:7]}.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(upload.params["bytes"]), read_only=True)
    assert workbook.sheetnames == ["Hotspots", "Areas", "Months", "Hospital locations"]
    rows = list(workbook["Months"].iter_rows(values_only=True))
    months = rows[rows.index(("Month", "Hospital attendances", "Knife", "Knife share %",
                                "Departments sending")) + 1:]  # fmt: skip
    shown = ask_json(cli, "/violence")["hospital"]["months"]
    said = [(m["month"], "no data" if m["attendances"] is None else m["attendances"])
            for m in shown]  # fmt: skip
    assert [(m, n) for m, n, *_ in months] == said
    assert clicks(cli) == [(ALLOWED, "button:workbook", f"/violence as of {AS_OF}", "answered")]


def test_a_workbook_slack_will_not_take_is_explained_and_audited(bot, bot_standin, cli):
    # An app installed before im:write was added: Slack refuses to open the direct message.
    bot_standin.fail("conversations.open", Fault(body={"ok": False, "error": "missing_scope"}))
    answer = ask(bot, bot_standin, "/backlog", f"as of {AS_OF}")
    failed = press(bot, bot_standin, buttons_of(answer)["Workbook"])
    assert "lacks a permission scope" in failed["text"]
    assert bot_standin.calls_to("upload") == []
    ((_, command, _, outcome),) = clicks(cli)
    assert (command, outcome) == ("button:workbook", "error")


@pytest.mark.parametrize(
    ("label", "command"),
    [
        ("Domestic abuse", "button:switch"),
        ("Share in channel", "button:share"),
        ("Workbook", "button:workbook"),
    ],
)
def test_a_click_from_someone_removed_from_the_allowed_group_is_refused_and_audited(
    bot, bot_standin, cli, label, command
):
    answer = ask(bot, bot_standin, "/backlog", f"as of {AS_OF}", user=MEMBER, channel=BRIEFING)
    assert answer["blocks"][-1]["type"] == "actions"  # MEMBER was allowed when it was sent
    bot_standin.usergroups[GROUP] = []  # and is removed from the group since
    refused = press(bot, bot_standin, buttons_of(answer)[label], user=MEMBER, channel=BRIEFING)
    assert_no_figure(refused)
    assert refused["replace_original"] is False
    assert bot_standin.posted() == [] and bot_standin.calls_to("conversations.open") == []
    ((user, clicked, _, outcome),) = clicks(cli)
    assert (user, clicked, outcome) == (MEMBER, command, "refused")


def test_a_button_the_bot_did_not_make_or_does_not_know_is_refused_without_a_traceback(
    bot, bot_standin, cli, caplog
):
    answer = ask(bot, bot_standin, "/backlog", f"as of {AS_OF}")
    real = buttons_of(answer)["Domestic abuse"]
    tag = real["value"].partition("|")[0]
    forged = {**real, "value": f"{tag}|/backlog child_protection as of {AS_OF}"}
    unsigned = {**real, "value": f"/backlog as of {AS_OF}"}
    unknown = {**real, "action_id": "delete_everything"}
    for element in (forged, unsigned, unknown):
        refused = press(bot, bot_standin, element)
        assert_no_figure(refused)
        assert refused["replace_original"] is False
    rows = [(c, o) for _, c, _, o in clicks(cli)]
    assert rows == [
        ("button:switch", "refused"),
        ("button:switch", "refused"),
        ("button:unknown", "refused"),
    ]
    details = [r["detail"] for r in audit_rows(cli) if r["command"].startswith("button:")]
    assert details == [
        "a button the bot did not make",
        "a button the bot did not make",
        "an action the bot does not know",
    ]
    assert "Traceback" not in caplog.text


def test_a_click_with_no_response_url_is_refused_and_audited_without_a_traceback(
    bot, bot_standin, cli, caplog
):
    answer = ask(bot, bot_standin, "/backlog", f"as of {AS_OF}")
    element = {**buttons_of(answer)["Workbook"], "value": "forged|/backlog"}
    payload = click(bot_standin, "nowhere", element)
    del payload["response_url"]
    assert post_click(bot, payload) == (200, "")
    wait_until(lambda: clicks(cli), "the click's audit entry")
    assert clicks(cli) == [(ALLOWED, "button:workbook", "", "refused")]
    assert bot_standin.calls_to("upload") == []
    assert "Traceback" not in caplog.text


def test_a_replayed_click_is_acknowledged_once_and_audited_as_a_replay(bot, bot_standin, cli):
    answer = ask(bot, bot_standin, "/backlog", f"as of {AS_OF}")
    payload = click(bot_standin, "replayed", buttons_of(answer)["Child protection"])
    stamp = int(time.time())
    assert post_click(bot, payload, timestamp=stamp) == (200, "")
    bot_standin.wait_for_reply("replayed")
    assert post_click(bot, payload, timestamp=stamp) == (200, "")  # the same signed request
    time.sleep(1)  # time for a second update, were there one
    assert len(bot_standin.replies["replayed"]) == 1
    assert [(c, o) for u, c, _, o in clicks(cli) if u == ALLOWED] == [
        ("button:switch", "answered"),
        ("button:switch", "replay"),
    ]


def test_a_click_over_socket_mode_is_acked_and_answered_like_over_http(
    bot_standin, tmp_path, tmp_path_factory, cli
):
    db = copy_database(demo_database(tmp_path_factory), tmp_path / "oversight.db")
    with running_bot(bot_standin, db) as http:
        answer = ask(http.url, bot_standin, "/backlog", f"as of {AS_OF}")
        over_http = press(http.url, bot_standin, buttons_of(answer)["Child protection"])
    with running_bot(bot_standin, db, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET=None):
        started = time.monotonic()
        payload = click(bot_standin, "socket-click", buttons_of(answer)["Child protection"])
        ack = bot_standin.send_envelope("env-1", "interactive", payload)
        assert ack["envelope_id"] == "env-1"
        over_socket = bot_standin.wait_for_reply("socket-click", timeout=10)
        assert time.monotonic() - started < SLACK_LIMIT
    assert over_socket == over_http
    assert_backlog(over_socket, ask_json(cli, "/backlog cp"))


def test_oversight_audit_lists_home_views_and_clicks_beside_commands(bot, bot_standin, cli):
    from tests.support.slack import home_opened, post_event

    answer = ask(bot, bot_standin, "/backlog", f"as of {AS_OF}")
    press(bot, bot_standin, buttons_of(answer)["Child protection"])
    assert post_event(bot, home_opened(ALLOWED, "Ev1")) == (200, "")
    wait_until(lambda: bot_standin.views(ALLOWED), "the Home tab")
    wait_until(lambda: len(audit_rows(cli)) >= 3, "three audit entries")
    listed = cli("audit")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert len(lines) == 3
    assert re.search(rf"{ALLOWED}  {PRIVATE}  /backlog as of {AS_OF}  -> answered$", lines[0])
    assert re.search(
        rf"{ALLOWED}  {PRIVATE}  button:switch /backlog child_protection as of {AS_OF}  "
        r"-> answered$",
        lines[1],
    )
    assert re.search(rf"{ALLOWED}  -  home  -> answered \(Home tab opened\)$", lines[2])


def test_a_hundred_workbook_clicks_at_once_do_not_delay_an_answer(bot, bot_standin, cli):
    """Workbooks are built and sent by a small worker of their own, one at a time, a few waiting
    at most: a flood of clicks on Workbook leaves the answer threads free for the next command."""
    people = [ALLOWED, MEMBER]
    presses = []
    for person in people:
        answer = ask(bot, bot_standin, "/backlog", f"as of {AS_OF}", user=person)
        presses += [
            click(bot_standin, f"book-{person}-{n}", buttons_of(answer)["Workbook"], user=person)
            for n in range(50)
        ]
    pending = iter(presses)
    lock = threading.Lock()

    def send() -> None:
        while True:
            with lock:
                payload = next(pending, None)
            if payload is None:
                return
            assert post_click(bot, payload) == (200, "")

    senders = [threading.Thread(target=send) for _ in range(10)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(60)
    ask(bot, bot_standin, "/backlog", f"as of {AS_OF}")  # answered within Slack's 3 seconds
    for payload in presses:  # every click gets an answer: the workbook sent, or why not
        bot_standin.wait_for_reply(payload["response_url"].rsplit("/", 1)[1], timeout=30)
    # Each click audited once: a workbook sent, or refused (already being made, or too many).
    uploads = len(bot_standin.calls_to("upload"))
    outcomes = [o for _, c, _, o in clicks(cli) if c == "button:workbook"]
    print(f"\n  100 clicks on Workbook: {uploads} workbooks sent")
    assert len(outcomes) == 100 and set(outcomes) <= {"answered", "refused"}
    assert 1 <= outcomes.count("answered") == uploads
