"""The Home tab, end to end: opened over signed HTTP and over Socket Mode, rebuilt after imports.

The bot is ``bot.run.start`` (what ``oversight bot`` runs) in this process, or ``oversight bot``
itself in a subprocess; Slack is the loopback stand-in, which records every ``views.publish``.
Each part of an allowed person's Home tab is read back out of its blocks and checked against
``oversight ask --json`` for the same command and date; anyone else's has no digit in it.
"""

from __future__ import annotations

import json
import re
import time
from datetime import date

import pytest

from tests.support.blocks import SLACK_MAX_HOME_BLOCKS, assert_within_limits
from tests.support.data import TEST_NOW, import_deadline
from tests.support.processes import BotProcess, wait_until
from tests.support.readback import (
    assert_backlog,
    assert_crime,
    assert_deadlines,
    assert_freshness,
    assert_integrity,
    assert_returns,
    assert_violence_summary,
    block_texts,
    dates,
    header_text,
    home_parts,
)
from tests.support.slack import (
    ALLOWED,
    APP_TOKEN,
    BOT_TOKEN,
    BRIEFING,
    GROUP,
    GUEST,
    MEMBER,
    OUTSIDER,
    audit_rows,
    bot_process_env,
    home_opened,
    post_event,
    running_bot,
)
from tests.support.slack_standin import Fault, SlackStandIn

pytestmark = pytest.mark.slow  # each test starts and stops a bot

GONE = "UGONE"  # on the allow-list, but the account was deactivated
CONTACT = "Priya Shah in the deputy mayor's office"
SERVING = re.compile(r"Serving Slack at (http://\S+)/slack/events")
TODAY = TEST_NOW[:10]


def ask_today(cli, text: str) -> dict:
    result = cli("ask", "--json", text)  # as of today, the bot's date (OVERSIGHT_NOW)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def views_of(slack: SlackStandIn, user: str, count: int = 1, timeout: float = 10) -> list[dict]:
    wait_until(lambda: len(slack.views(user)) >= count, f"{count} Home views of {user}", timeout)
    return slack.views(user)


def open_home_over_http(url: str, user: str, event_id: str) -> None:
    assert post_event(url, home_opened(user, event_id)) == (200, "")


def assert_home_has_the_figures_of_oversight_ask(view: dict, cli) -> None:
    assert view["type"] == "home"
    blocks = view["blocks"]
    assert_within_limits("Home", blocks, max_blocks=SLACK_MAX_HOME_BLOCKS)
    overview, backlog, integrity, returns, deadlines, crime, violence = home_parts(blocks)
    assert dates(header_text(overview)) == [date.fromisoformat(TODAY)]
    assert_freshness(overview, ask_today(cli, "/oversight status")["sources"])
    assert_backlog({"blocks": backlog}, ask_today(cli, "/backlog"))
    assert_integrity({"blocks": integrity}, ask_today(cli, "/integrity"))
    assert_returns({"blocks": returns}, ask_today(cli, "/ons-status"))
    assert_deadlines({"blocks": deadlines}, ask_today(cli, "/deadlines"))
    assert_crime({"blocks": crime}, ask_today(cli, "/crime"))
    assert_violence_summary({"blocks": violence}, ask_today(cli, "/violence"))


def refreshing_bot_env(slack: SlackStandIn, db) -> dict[str, str]:
    """The environment of an ``oversight bot`` that looks for new data every second (and may
    publish each Home tab as often), allowing the members of GROUP."""
    return bot_process_env(
        slack,
        db,
        HOME_REFRESH_SECONDS="1",
        HOME_PUBLISH_INTERVAL_SECONDS="1",
        OVERSIGHT_ALLOWED_USERGROUPS=GROUP,
        OVERSIGHT_ACCESS_CONTACT=CONTACT,
    )


def assert_refusal(view: dict) -> None:
    texts = block_texts(view["blocks"])
    assert view["type"] == "home"
    assert not any(re.search(r"\d", t) for t in texts), texts
    # Every refusal, whatever its reason, says whom to ask.
    assert CONTACT in " ".join(texts), texts


@pytest.fixture
def workspace(bot_standin: SlackStandIn) -> SlackStandIn:
    bot_standin.add_user(GONE, deleted=True)
    return bot_standin


def test_an_allowed_person_opening_home_over_http_sees_the_figures_of_oversight_ask(
    workspace, db, cli
):
    with running_bot(workspace, db) as bot:
        started = time.monotonic()
        open_home_over_http(bot.url, ALLOWED, "Ev1")
        (view,) = views_of(workspace, ALLOWED)
        assert time.monotonic() - started < 3  # published well within Slack's 3 seconds
    assert_home_has_the_figures_of_oversight_ask(view, cli)
    (publish,) = workspace.calls_to("views.publish")
    assert publish.token == BOT_TOKEN
    (row,) = audit_rows(cli)
    assert (row["user_id"], row["command"], row["outcome"]) == (ALLOWED, "home", "answered")


def test_outsiders_guests_and_deactivated_accounts_get_a_home_tab_with_no_figure(
    workspace, db, cli
):
    env = {
        "OVERSIGHT_ACCESS_CONTACT": CONTACT,
        "OVERSIGHT_ALLOWED_USERS": f"{ALLOWED},{GUEST},{GONE}",
    }
    with running_bot(workspace, db, **env) as bot:
        for n, user in enumerate((OUTSIDER, GUEST, GONE)):
            open_home_over_http(bot.url, user, f"Ev{n}")
            (view,) = views_of(workspace, user)
            assert_refusal(view)
    rows = [(r["user_id"], r["command"], r["outcome"]) for r in audit_rows(cli)]
    assert rows == [(u, "home", "refused") for u in (OUTSIDER, GUEST, GONE)]


def test_socket_mode_publishes_the_same_home_tab_and_the_same_refusal(workspace, db, cli):
    env = {"OVERSIGHT_ACCESS_CONTACT": CONTACT}
    with running_bot(workspace, db, **env) as bot:
        open_home_over_http(bot.url, ALLOWED, "Ev1")
        open_home_over_http(bot.url, OUTSIDER, "Ev2")
        (over_http,) = views_of(workspace, ALLOWED)
        (refused_http,) = views_of(workspace, OUTSIDER)
    with running_bot(workspace, db, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET=None, **env):
        for n, user in enumerate((ALLOWED, OUTSIDER)):
            ack = workspace.send_envelope(f"env-{n}", "events_api", home_opened(user, f"Ev{n + 3}"))
            assert ack["envelope_id"] == f"env-{n}"
        _, over_socket = views_of(workspace, ALLOWED, 2)
        _, refused_socket = views_of(workspace, OUTSIDER, 2)
    assert over_socket == over_http
    assert refused_socket == refused_http
    assert_home_has_the_figures_of_oversight_ask(over_socket, cli)
    assert_refusal(refused_socket)


def test_the_messages_tab_and_other_events_publish_nothing(workspace, db, cli):
    with running_bot(workspace, db) as bot:
        open_home_over_http(bot.url, ALLOWED, "Ev1")
        assert post_event(bot.url, home_opened(ALLOWED, "Ev2", tab="messages")) == (200, "")
        views_of(workspace, ALLOWED)
        time.sleep(0.5)
    assert len(workspace.views(ALLOWED)) == 1


def test_home_is_rebuilt_once_for_each_person_after_an_import_and_after_a_digest(
    workspace, db, cli, tmp_path
):
    """The real ``oversight bot``, an import and a digest from other processes."""
    env = refreshing_bot_env(workspace, db)
    bot = BotProcess(tmp_path, env)
    try:
        url = bot.wait_for_log(SERVING).group(1)
        people = (ALLOWED, MEMBER, OUTSIDER)
        for n, user in enumerate(people):
            open_home_over_http(url, user, f"Ev{n}")
            views_of(workspace, user)
        time.sleep(2.5)  # refreshes meanwhile find nothing new: nothing is republished
        assert [len(workspace.views(u)) for u in people] == [1, 1, 1]

        import_deadline(cli, tmp_path, "Home tab check")
        for user in (ALLOWED, MEMBER):
            views_of(workspace, user, 2)
        time.sleep(2.5)
        # The refused are not kept: a refusal has no figures to grow old.
        assert [len(workspace.views(u)) for u in people] == [2, 2, 1]
        assert_home_has_the_figures_of_oversight_ask(workspace.views(ALLOWED)[-1], cli)
        assert_refusal(workspace.views(OUTSIDER)[-1])
        shown = " ".join(block_texts(workspace.views(MEMBER)[-1]["blocks"]))
        assert "Home tab check" in shown and "Home tab check" not in str(workspace.views(MEMBER)[0])

        # The weekly digest, sent by `oversight digest send`: each Home tab once more.
        sent = cli(
            "digest",
            "send",
            "--channel",
            BRIEFING,
            env={"SLACK_API_URL": workspace.api_url, "SLACK_BOT_TOKEN": BOT_TOKEN},
        )
        assert sent.returncode == 0, sent.stderr
        for user in (ALLOWED, MEMBER):
            views_of(workspace, user, 3)
        time.sleep(2.5)
        assert [len(workspace.views(u)) for u in people] == [3, 3, 1]
        assert bot.stop() == 0
    finally:
        bot.kill()
    homes = [(r["user_id"], r["outcome"]) for r in audit_rows(cli) if r["command"] == "home"]
    assert sorted(homes) == sorted(
        [(ALLOWED, "answered"), (MEMBER, "answered")] * 3 + [(OUTSIDER, "refused")]
    )
    assert "Traceback" not in bot.stderr


def test_two_bots_on_one_store_rebuild_each_home_tab_once_after_an_import(
    workspace, db, cli, tmp_path
):
    """Two real ``oversight bot`` processes on one store, as two replicas behind one request URL
    would be: each Home tab is claimed in the store by one of them, and published once."""
    # Slack answering slowly makes each refresh take longer than the time between them, so that
    # the two bots are rebuilding at the same moment.
    workspace.slow("views.publish", 0.4)
    env = refreshing_bot_env(workspace, db)
    bots = [BotProcess(tmp_path, env) for _ in range(2)]
    try:
        urls = [bot.wait_for_log(SERVING).group(1) for bot in bots]
        allowed, refused = (ALLOWED, MEMBER), (OUTSIDER, GUEST, GONE)
        people = allowed + refused
        for n, user in enumerate(people):
            open_home_over_http(urls[n % 2], user, f"Ev{n}")
            views_of(workspace, user)
        for round_ in (2, 3):
            import_deadline(cli, tmp_path, f"Replica check {round_}")
            for user in allowed:
                views_of(workspace, user, round_, timeout=20)
            time.sleep(3)  # three more refreshes of each bot: none publishes again
            shown = [len(workspace.views(u)) for u in people]
            assert shown == [round_] * len(allowed) + [1] * len(refused)  # the refused: once
        assert f"Replica check {round_}" in str(workspace.views(MEMBER)[-1])
        assert [bot.stop() for bot in bots] == [0, 0]
    finally:
        for bot in bots:
            bot.kill()
    homes = sorted(r["user_id"] for r in audit_rows(cli) if r["command"] == "home")
    assert homes == sorted(allowed * 3 + refused)
    assert all("Traceback" not in bot.stderr for bot in bots)


def test_someone_removed_from_the_allowed_group_gets_the_refusal_at_the_next_rebuild(
    workspace, db, cli, tmp_path
):
    with running_bot(
        workspace,
        db,
        HOME_REFRESH_SECONDS="1",
        HOME_PUBLISH_INTERVAL_SECONDS="1",
        OVERSIGHT_ACCESS_CONTACT=CONTACT,
    ) as bot:
        open_home_over_http(bot.url, MEMBER, "Ev1")
        (first,) = views_of(workspace, MEMBER)
        workspace.usergroups[GROUP] = []  # removed from the group
        import_deadline(cli, tmp_path, "Another deadline")
        _, rebuilt = views_of(workspace, MEMBER, 2)
    assert re.search(r"\d", " ".join(block_texts(first["blocks"])))
    assert_refusal(rebuilt)


def test_a_home_tab_slack_refused_is_tried_again_at_the_next_refresh(workspace, db, cli):
    with running_bot(
        workspace, db, HOME_REFRESH_SECONDS="1", HOME_PUBLISH_INTERVAL_SECONDS="1"
    ) as bot:
        workspace.fail("views.publish", Fault(body={"ok": False, "error": "internal_error"}))
        open_home_over_http(bot.url, ALLOWED, "Ev1")
        wait_until(lambda: len(workspace.calls_to("views.publish")) >= 2, "a second publish")
        time.sleep(1.5)  # and no third: it is up to date now
    assert len(workspace.calls_to("views.publish")) == 2
    assert len(workspace.views(ALLOWED)) == 1  # the one Slack took
    outcomes = [(r["outcome"], r["detail"]) for r in audit_rows(cli) if r["command"] == "home"]
    assert outcomes == [
        ("error", "Slack answered an API call with an error (internal_error)."),
        ("answered", "Home tab rebuilt after an import or a digest"),
    ]
