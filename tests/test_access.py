"""Access control: who may see oversight figures, and where; checked before any figure.

Slack is the loopback stand-in (tests/support/slack_standin.py); the store is a real SQLite file.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from bot.access import AccessPolicy, Decision
from bot.service import CommandService, Reply
from oversight.answers import COMMANDS, answer, parse_command
from oversight.audit import entries
from oversight.clock import LONDON
from oversight.render.blocks import render_blocks
from oversight.settings import Settings
from oversight.slack.plumbing import make_client
from oversight.store import Store
from tests.support.access import (
    ALLOWED,
    CHANNEL,
    CONTACT,
    DM,
    GROUP,
    GUEST,
    MEMBER,
    OUTSIDER,
    SHARED,
    make_settings,
    policy_for,
)
from tests.support.slack_standin import Fault, SlackStandIn

RETRY = "I could not check your access just now: please try again."


@pytest.fixture
def access_standin(slack_standin: SlackStandIn) -> SlackStandIn:
    """The stand-in (reset): three people, a channel, a DM, a shared channel, one user group."""
    for user in (ALLOWED, MEMBER, OUTSIDER):
        slack_standin.add_user(user)
    slack_standin.add_channel(CHANNEL)
    slack_standin.add_channel(DM, is_im=True)
    slack_standin.add_channel(SHARED, is_ext_shared=True)
    slack_standin.usergroups[GROUP] = [MEMBER, "USOMEONE"]
    return slack_standin


@pytest.fixture
def settings(access_standin: SlackStandIn, tmp_path: Path) -> Settings:
    return make_settings(access_standin, tmp_path)


@pytest.fixture
def policy(settings: Settings) -> AccessPolicy:
    return policy_for(settings)


# --- the policy on its own ------------------------------------------------------------------


def test_a_person_on_the_allow_list_is_allowed(policy: AccessPolicy, access_standin: SlackStandIn):
    decision = policy.check(ALLOWED, CHANNEL)
    assert decision.allowed
    assert "allow-list" in decision.reason
    # Allowed by name: the user groups were not needed.
    assert access_standin.calls_to("usergroups.users.list") == []


def test_a_direct_message_with_the_bot_is_a_place_to_answer(policy: AccessPolicy):
    assert policy.check(ALLOWED, DM).allowed


def test_a_member_of_an_allowed_user_group_is_allowed(
    policy: AccessPolicy, access_standin: SlackStandIn
):
    decision = policy.check(MEMBER, CHANNEL)
    assert decision.allowed
    assert GROUP in decision.reason
    calls = access_standin.calls_to("usergroups.users.list")
    assert [c.params.get("usergroup") for c in calls] == [GROUP]


def test_the_membership_of_a_user_group_is_cached(
    policy: AccessPolicy, access_standin: SlackStandIn
):
    assert policy.check(MEMBER, CHANNEL).allowed
    assert len(access_standin.calls_to("usergroups.users.list")) == 1
    assert policy.check(MEMBER, CHANNEL).allowed
    # An outsider asking next is checked against the same cached membership.
    assert not policy.check(OUTSIDER, CHANNEL).allowed
    assert len(access_standin.calls_to("usergroups.users.list")) == 1
    # The person and the channel are remembered too.
    assert len(access_standin.calls_to("users.info")) == 2  # MEMBER, OUTSIDER
    assert len(access_standin.calls_to("conversations.info")) == 1


def test_the_cache_forgets_after_its_time(settings: Settings, access_standin: SlackStandIn):
    policy = AccessPolicy(
        make_client(settings),
        allowed_users=settings.allowed_users,
        allowed_usergroups=settings.allowed_usergroups,
        contact=settings.access_contact,
        cache_seconds=0,
    )
    assert policy.check(MEMBER, CHANNEL).allowed
    access_standin.usergroups[GROUP] = ["USOMEONE"]  # removed from the group
    assert not policy.check(MEMBER, CHANNEL).allowed
    assert len(access_standin.calls_to("usergroups.users.list")) == 2


def test_an_outsider_is_refused_and_told_whom_to_ask(
    policy: AccessPolicy, access_standin: SlackStandIn
):
    decision = policy.check(OUTSIDER, CHANNEL)
    assert not decision.allowed
    assert decision.reason == (
        f"You are not on the oversight allow-list. Ask {CONTACT} if you need access."
    )
    # Refused only after the user group was consulted.
    assert len(access_standin.calls_to("usergroups.users.list")) == 1


@pytest.mark.parametrize("kind", ["is_restricted", "is_ultra_restricted"])
@pytest.mark.parametrize("listed_as", ["person", "group member"])
def test_a_guest_is_refused_even_on_the_allow_list(
    access_standin: SlackStandIn, tmp_path: Path, kind: str, listed_as: str
):
    access_standin.add_user(GUEST, **{kind: True})
    if listed_as == "group member":
        access_standin.usergroups[GROUP].append(GUEST)
        settings = make_settings(access_standin, tmp_path)
    else:
        settings = make_settings(
            access_standin, tmp_path, OVERSIGHT_ALLOWED_USERS=f"{ALLOWED},{GUEST}"
        )
    decision = policy_for(settings).check(GUEST, CHANNEL)
    assert not decision.allowed
    assert decision.reason.startswith("Guest accounts may not see oversight figures.")
    assert CONTACT in decision.reason


@pytest.mark.parametrize("user", [ALLOWED, MEMBER])
def test_a_channel_shared_with_another_organisation_is_refused(policy: AccessPolicy, user: str):
    decision = policy.check(user, SHARED)
    assert not decision.allowed
    assert "shared with another organisation" in decision.reason


def test_a_channel_the_bot_cannot_see_is_refused(
    policy: AccessPolicy, access_standin: SlackStandIn
):
    decision = policy.check(ALLOWED, "CUNKNOWN")  # the stand-in answers channel_not_found
    assert not decision.allowed
    assert "direct message" in decision.reason
    assert access_standin.calls_to("conversations.info")[-1].params.get("channel") == "CUNKNOWN"


def test_a_channel_the_bot_is_not_in_is_refused(policy: AccessPolicy, access_standin: SlackStandIn):
    access_standin.fail("conversations.info", Fault(body={"ok": False, "error": "not_in_channel"}))
    decision = policy.check(ALLOWED, CHANNEL)
    assert not decision.allowed
    assert "direct message" in decision.reason
    assert len(access_standin.calls_to("conversations.info")) == 1


def test_once_invited_to_a_channel_the_bot_answers_there_at_once(
    policy: AccessPolicy, access_standin: SlackStandIn
):
    assert not policy.check(ALLOWED, "CLATER").allowed
    access_standin.add_channel("CLATER")  # the bot is invited, as the refusal suggested
    assert policy.check(ALLOWED, "CLATER").allowed


@pytest.mark.parametrize("user", [ALLOWED, MEMBER, OUTSIDER, "UANYONE"])
def test_an_empty_allow_list_refuses_everyone(
    access_standin: SlackStandIn, tmp_path: Path, user: str
):
    settings = make_settings(
        access_standin, tmp_path, OVERSIGHT_ALLOWED_USERS="", OVERSIGHT_ALLOWED_USERGROUPS=""
    )
    policy = policy_for(settings)
    assert not policy.configured
    decision = policy.check(user, CHANNEL)
    assert not decision.allowed
    assert "allow-list is empty" in decision.reason
    assert CONTACT in decision.reason
    assert access_standin.calls == []  # secure by default, without asking Slack anything


def test_an_allow_list_of_user_groups_alone_is_enough(access_standin: SlackStandIn, tmp_path: Path):
    settings = make_settings(access_standin, tmp_path, OVERSIGHT_ALLOWED_USERS="")
    policy = policy_for(settings)
    assert policy.check(MEMBER, CHANNEL).allowed
    assert not policy.check(ALLOWED, CHANNEL).allowed


SLACK_FAULTS = {
    "invalid_auth": [Fault(body={"ok": False, "error": "invalid_auth"})],
    "server error": [Fault(status=500)] * 3,  # the first try and both retries
    "rate limited": [
        Fault(status=429, headers={"Retry-After": "0"}, body={"ok": False, "error": "ratelimited"})
    ]
    * 3,
    "dropped connection": [Fault(drop=True)] * 3,
}


def waits(fault: str) -> tuple[pytest.MarkDecorator, ...]:
    """Every fault but invalid_auth is retried after a back-off: seconds of waiting, so slow."""
    return () if fault == "invalid_auth" else (pytest.mark.slow,)


CHECKS = {"users.info": ALLOWED, "conversations.info": ALLOWED, "usergroups.users.list": MEMBER}


@pytest.mark.parametrize(
    ("method", "fault"),
    # Every fault on the first look-up; the quick and the worst on the others (retries take
    # seconds of back-off).
    [pytest.param("users.info", fault, marks=waits(fault)) for fault in SLACK_FAULTS]
    + [
        pytest.param(method, fault, marks=waits(fault))
        for method in ("conversations.info", "usergroups.users.list")
        for fault in ("invalid_auth", "dropped connection")
    ],
)
def test_a_slack_error_during_the_check_refuses_with_a_retry_sentence(
    policy: AccessPolicy, access_standin: SlackStandIn, method: str, fault: str
):
    user = CHECKS[method]
    access_standin.fail(method, *SLACK_FAULTS[fault])
    decision = policy.check(user, CHANNEL)
    assert decision == Decision(False, RETRY)
    assert len(access_standin.calls_to(method)) == len(SLACK_FAULTS[fault])  # every fault was met
    # A failure is not remembered: once Slack answers again, so does the bot.
    assert policy.check(user, CHANNEL).allowed
    assert len(access_standin.calls_to(method)) == len(SLACK_FAULTS[fault]) + 1


def test_a_user_group_that_cannot_be_listed_does_not_lock_out_another(
    access_standin: SlackStandIn, tmp_path: Path
):
    # "SAAA" is checked first and no longer exists (no_such_subteam).
    settings = make_settings(access_standin, tmp_path, OVERSIGHT_ALLOWED_USERGROUPS=f"SAAA {GROUP}")
    policy = policy_for(settings)
    assert policy.check(MEMBER, CHANNEL).allowed
    # Someone in neither: the missing group might have held them, so no firm "no".
    assert policy.check(OUTSIDER, CHANNEL) == Decision(False, RETRY)


# --- through the command service: one audit row for each request, no figure when refused ----


@pytest.fixture
def figures(summer: Store, winter: Store) -> Store:
    """The hand-checked case reviews and returns (summer) and deadlines (winter), in one store."""
    assert summer is winter
    return summer


def service_for(settings: Settings, store: Store) -> CommandService:
    return CommandService(settings=settings, store=store, access=policy_for(settings))


def reply_text(reply: Reply) -> str:
    return reply.text + "\n" + json.dumps(reply.blocks, ensure_ascii=False)


REFUSALS = {
    "outsider": (OUTSIDER, CHANNEL, {}, True),
    "guest": (GUEST, CHANNEL, {"OVERSIGHT_ALLOWED_USERS": f"{ALLOWED},{GUEST}"}, True),
    "shared channel": (ALLOWED, SHARED, {}, False),
    "unseen channel": (ALLOWED, "CUNKNOWN", {}, False),
    "empty allow-list": (
        ALLOWED,
        CHANNEL,
        {"OVERSIGHT_ALLOWED_USERS": "", "OVERSIGHT_ALLOWED_USERGROUPS": ""},
        True,
    ),
}
ASKED = [
    ("/backlog", ""),
    ("/backlog", "da as of 30/06/2020"),
    ("/ons-status", "share"),
    ("/deadlines", "30"),
    ("/oversight", "status"),
    ("/oversight", "whoami"),
]
# And every other registered command, bare: a command added later is held to the same.
ASKED += [(c.slash, "") for c in COMMANDS if c.slash not in {slash for slash, _ in ASKED}]


@pytest.mark.parametrize("who", REFUSALS, ids=list(REFUSALS))
@pytest.mark.parametrize(("command", "text"), ASKED)
def test_a_refusal_shows_no_figure_and_is_audited(
    figures: Store,
    access_standin: SlackStandIn,
    tmp_path: Path,
    who: str,
    command: str,
    text: str,
):
    user, channel, env, names_contact = REFUSALS[who]
    access_standin.add_user(GUEST, is_restricted=True)
    settings = make_settings(
        access_standin, tmp_path, OVERSIGHT_SHARE_CHANNELS=f"{CHANNEL} {SHARED}", **env
    )
    reply = service_for(settings, figures).handle(user, channel, command, text)

    shown = reply_text(reply)
    assert not re.search(r"\d", shown), shown  # not one digit, let alone a figure
    assert not reply.in_channel
    assert reply.text.strip()
    assert ":no_entry:" in shown
    if names_contact:
        assert f"Ask {CONTACT} if you need access." in reply.text
    else:  # the place is the problem: the reply says where to ask instead
        assert "shared with another organisation" in reply.text or "direct message" in reply.text

    [row] = entries(figures)
    assert row.at == settings.clock.now() == datetime(2020, 7, 10, 10, 0, tzinfo=LONDON)
    assert (row.user_id, row.channel_id, row.command, row.text) == (user, channel, command, text)
    assert row.outcome == "refused"
    assert row.detail == reply.text


@pytest.mark.parametrize(("command", "text"), ASKED)
@pytest.mark.parametrize("user", [ALLOWED, MEMBER])
def test_an_allowed_person_gets_the_figures_and_is_audited(
    figures: Store, settings: Settings, user: str, command: str, text: str
):
    reply = service_for(settings, figures).handle(user, CHANNEL, command, text)
    shown = reply_text(reply)
    assert ":no_entry:" not in shown
    if (command, text) != ("/oversight", "whoami"):
        # The figures, worked out from the same store, are in the reply: so the refusals above,
        # with not one digit, do hide them.
        result = answer(figures, parse_command(command, text), settings.clock.now(), settings)
        assert re.search(r"\d", shown)
        assert reply.text == render_blocks(result)[0]
    [row] = entries(figures)
    assert (row.user_id, row.channel_id, row.command, row.text) == (user, CHANNEL, command, text)
    assert row.outcome == "answered"  # CHANNEL is not a share channel here
    assert row.at == settings.clock.now()


@pytest.mark.parametrize("fault", [pytest.param(f, id=f, marks=waits(f)) for f in SLACK_FAULTS])
def test_a_slack_error_during_the_check_is_a_refusal_with_an_audit_row(
    figures: Store, settings: Settings, access_standin: SlackStandIn, fault: str
):
    access_standin.fail("users.info", *SLACK_FAULTS[fault])
    reply = service_for(settings, figures).handle(ALLOWED, CHANNEL, "/backlog", "")
    assert len(access_standin.calls_to("users.info")) == len(SLACK_FAULTS[fault])
    assert reply.text == RETRY
    assert not re.search(r"\d", reply_text(reply))
    [row] = entries(figures)
    assert (row.outcome, row.detail, row.user_id) == ("refused", RETRY, ALLOWED)


def test_access_is_checked_before_the_words_are_read(
    figures: Store, settings: Settings, access_standin: SlackStandIn
):
    reply = service_for(settings, figures).handle(OUTSIDER, CHANNEL, "/backlog", "nonsense")
    assert "not a workstream" not in reply.text
    assert [r.outcome for r in entries(figures)] == ["refused"]


def test_access_is_checked_before_any_figure_is_worked_out(figures: Store, settings: Settings):
    # With the deadlines table gone, working out /deadlines fails: a refused request must not
    # get that far, so it is refused, not an error.
    figures.conn.execute("DROP TABLE deadlines")
    service = service_for(settings, figures)
    assert service.handle(OUTSIDER, CHANNEL, "/deadlines", "").text.startswith("You are not")
    assert service.handle(ALLOWED, CHANNEL, "/deadlines", "").text.startswith("Something went")
    assert [r.outcome for r in entries(figures)] == ["refused", "error"]


def test_every_request_gets_its_own_audit_row_in_order(
    figures: Store, settings: Settings, access_standin: SlackStandIn
):
    service = service_for(settings, figures)
    asked = [
        (ALLOWED, CHANNEL, "/backlog", "da"),
        (OUTSIDER, CHANNEL, "/backlog", ""),
        (MEMBER, CHANNEL, "/deadlines", "9999"),
        (ALLOWED, SHARED, "/ons-status", ""),
        (MEMBER, DM, "/oversight", "whoami"),
    ]
    for request in asked:
        service.handle(*request)
    rows = entries(figures)
    assert [(r.user_id, r.channel_id, r.command, r.text) for r in rows] == asked
    assert [r.outcome for r in rows] == ["answered", "refused", "usage", "refused", "answered"]
