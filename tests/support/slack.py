"""The bot's side of Slack in the tests: its people, channels and secrets; slash commands
signed the way Slack signs them; the bot started in this process or as ``oversight bot``.

Shared by test_bot_http, test_bot_command, test_bot_socket_mode and the job tests.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode

from bot.run import Running, start
from oversight.settings import load_settings
from oversight.store import open_store
from tests.support.data import TEST_NOW
from tests.support.processes import CliRun, clean_env
from tests.support.slack_standin import SlackStandIn

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
SLACK_LIMIT = 3.0  # seconds Slack waits for an answer


def populate(slack: SlackStandIn) -> SlackStandIn:
    """The bot tests' workspace: the people above, their user group and their channels."""
    for user in (ALLOWED, MEMBER, OUTSIDER):
        slack.add_user(user)
    slack.add_user(GUEST, is_restricted=True)
    slack.usergroups[GROUP] = [MEMBER]
    for channel in (PRIVATE, BRIEFING):
        slack.add_channel(channel)
    slack.add_channel(EXTERNAL, is_ext_shared=True)
    return slack


def ask_json(cli: CliRun, text: str) -> dict:
    """What ``oversight ask --as-of AS_OF --json TEXT`` says, on the test's database."""
    result = cli("ask", "--as-of", AS_OF, "--json", text)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def audit_rows(run: CliRun) -> list[dict[str, str]]:
    """``oversight audit --csv``, read back as rows."""
    result = run("audit", "--csv")
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(result.stdout.splitlines()))


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


def signature(secret: str, timestamp: str, body: str | bytes) -> str:
    raw = body if isinstance(body, bytes) else body.encode()
    base = f"v0:{timestamp}:".encode() + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def post_signed(
    base_url: str,
    fields: dict[str, object],
    *,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    sign_as: str | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> tuple[int, str]:
    """POST ``fields`` to /slack/events, signed with ``secret`` at ``timestamp`` (default: now):
    as a form, or as JSON when ``content_type`` says so (an Events API delivery).

    ``sign_as`` signs a different body from the one sent (a tampered request).
    """
    body = json.dumps(fields) if "json" in content_type else urlencode(fields)
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    request = urllib.request.Request(
        base_url + "/slack/events",
        data=body.encode(),
        headers={
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(secret, stamp, sign_as or body),
        },
    )
    return send(request)


def get(url: str) -> tuple[int, str]:
    return send(urllib.request.Request(url))


def send(request: urllib.request.Request) -> tuple[int, str]:
    """The status and body of the answer to ``request``, whatever its status."""
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


# --- the bot as `oversight bot`, in a subprocess --------------------------------------------


def bot_process_env(slack: SlackStandIn, db: Path, **overrides: str | None) -> dict[str, str]:
    env = {
        "OVERSIGHT_DB": str(db),
        "OVERSIGHT_NOW": TEST_NOW,
        "SLACK_API_URL": slack.api_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "PORT": "0",
        "OVERSIGHT_ALLOWED_USERS": ALLOWED,
        **overrides,
    }
    return clean_env(**{k: v for k, v in env.items() if v is not None})


# --- Slack's side: events and clicks ----------------------------------------------------------


def home_opened(user: str, event_id: str, tab: str = "home") -> dict[str, object]:
    """The Events API body Slack sends when ``user`` opens the app's Home tab."""
    return {
        "token": "verification-token-unused",
        "team_id": "T1",
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": {
            "type": "app_home_opened",
            "user": user,
            "channel": f"D{user}",
            "tab": tab,
            "event_ts": f"{time.time():.6f}",
        },
    }


def click(
    slack: SlackStandIn,
    reply_to: str,
    element: dict[str, object],
    user: str = ALLOWED,
    channel: str = PRIVATE,
    option: dict[str, object] | None = None,
) -> dict[str, object]:
    """The ``block_actions`` payload Slack sends when ``user`` clicks ``element`` (a button, or
    a select with ``option`` chosen) on an ephemeral answer in ``channel``."""
    action: dict[str, object] = {
        "action_id": element["action_id"],
        "block_id": "oversight-actions",
        "type": element["type"],
        "action_ts": f"{time.time():.6f}",
    }
    if option is not None:
        action["selected_option"] = option
    else:
        action["value"] = element.get("value", "")
        action["text"] = element.get("text")
    return {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "city-hall"},
        "user": {"id": user, "username": user.lower(), "team_id": "T1"},
        "api_app_id": "A1",
        "token": "verification-token-unused",
        "container": {
            "type": "message",
            "message_ts": "1600000000.000100",
            "channel_id": channel,
            "is_ephemeral": True,
        },
        "trigger_id": "1337.42.abcd",
        "channel": {"id": channel, "name": "oversight"},
        "response_url": slack.response_url(reply_to),
        "actions": [action],
    }


def post_event(base_url: str, body: dict[str, object]) -> tuple[int, str]:
    """POST an Events API body (JSON) to /slack/events, signed as Slack signs it."""
    return post_signed(base_url, body, content_type="application/json")


def post_click(
    base_url: str, payload: dict[str, object], timestamp: int | None = None
) -> tuple[int, str]:
    """POST a click to /slack/events as Slack does: a signed form with one field, ``payload``."""
    return post_signed(base_url, {"payload": json.dumps(payload)}, timestamp=timestamp)


def buttons_of(message: dict) -> dict[str, dict]:
    """The elements of an answer's buttons (its last block), by their label."""
    actions = message["blocks"][-1]
    assert actions["type"] == "actions", actions
    found = {}
    for element in actions["elements"]:
        label = element["text"]["text"] if element["type"] == "button" else "Crime type"
        found[label] = element
    return found
