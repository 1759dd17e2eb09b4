"""slack/manifest.yml: the commands the bot registers, Socket Mode, and the least scopes it needs
(read with the small YAML reader of tests/support/manifest.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.http import EVENTS_PATH
from oversight.answers import COMMANDS
from tests.support.manifest import MANIFEST, command_problems, read_manifest

REPO = Path(__file__).resolve().parent.parent

# What each Web API method the code calls needs, from Slack's method reference.
METHOD_SCOPES = {
    "auth_test": set(),  # oversight doctor: any token may ask
    "users_info": {"users:read"},
    "conversations_info": {"channels:read", "groups:read", "im:read", "mpim:read"},
    "usergroups_users_list": {"usergroups:read"},
    "chat_postMessage": {"chat:write"},
    "files_upload_v2": {"files:write"},
    "views_publish": set(),  # the app's own Home tab: no scope
    "conversations_open": {"im:write"},  # a direct message, for the workbook
}
NEEDED = {
    "commands",
    "chat:write",
    "files:write",
    "im:write",
    "users:read",
    "usergroups:read",
    "channels:read",
    "groups:read",
    "im:read",
    "mpim:read",
}


def test_the_reader_reads_this_subset_and_refuses_the_rest():
    text = "a:\n  b: 1  # note\n  c: '#x'\n  d:\n    - e\n    - f: g\n      h: true\nz: \"q\"\n"
    assert read_manifest(text) == {
        "a": {"b": "1", "c": "#x", "d": ["e", {"f": "g", "h": True}]},
        "z": "q",
    }
    for bad in ("a: [1, 2]\n", "a: 1\na: 2\n", "a:\n\tb: 1\n", "a: 1\n    b: 2\n"):
        with pytest.raises(AssertionError):
            read_manifest(bad)


# --- the manifest ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifest() -> dict:
    return read_manifest(MANIFEST.read_text(encoding="utf-8"))


def test_the_manifest_lists_exactly_the_registered_commands(manifest: dict):
    listed = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert sorted(listed) == sorted(c.slash for c in COMMANDS)
    assert len(listed) == len(set(listed))
    assert command_problems(manifest, COMMANDS) == []


@pytest.mark.parametrize("command", COMMANDS.names())
def test_each_command_has_a_description_and_a_usage_hint(manifest: dict, command: str):
    declared = COMMANDS[command]
    [entry] = [c for c in manifest["features"]["slash_commands"] if c["command"] == f"/{command}"]
    assert re.fullmatch(r"/[a-z0-9_-]{1,31}", declared.slash)
    assert isinstance(entry["description"], str) and entry["description"].strip()
    assert isinstance(entry["usage_hint"], str) and entry["usage_hint"].strip()
    # The hint says what the parser accepts (plus "share" for the figures).
    assert entry["usage_hint"] == declared.usage_hint
    assert declared.usage_hint == declared.syntax + (" [share]" if command != "oversight" else "")
    assert entry["should_escape"] is False
    # Used in HTTP mode: the path the bot serves Slack's requests on.
    assert re.fullmatch(rf"https://[^/\s]+{re.escape(EVENTS_PATH)}", entry["url"])


def test_socket_mode_is_set(manifest: dict):
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "bot_user" in manifest["features"]


def test_the_home_tab_the_buttons_and_the_one_event_are_declared(manifest: dict):
    settings = manifest["settings"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is False
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    # In HTTP mode events and clicks come to the one path the bot serves, as commands do.
    for url in (
        settings["interactivity"]["request_url"],
        settings["event_subscriptions"]["request_url"],
    ):
        assert re.fullmatch(rf"https://[^/\s]+{re.escape(EVENTS_PATH)}", url)


def test_the_bot_scopes_are_exactly_those_the_code_needs(manifest: dict):
    scopes = manifest["oauth_config"]["scopes"]
    assert set(scopes) == {"bot"}, "no user-token scopes"
    bot = scopes["bot"]
    assert len(bot) == len(set(bot))
    assert set(bot) == NEEDED
    assert [s for s in bot if ":write" in s or "admin" in s] == [
        "chat:write",
        "files:write",
        "im:write",
    ]


def test_every_web_api_method_the_code_calls_is_covered_by_a_scope(manifest: dict):
    methods = {
        name
        for name, value in vars(WebClient).items()
        if callable(value) and not name.startswith("_")
    }
    called: set[str] = set()
    sources: list[Path] = []
    for folder in ("bot", "jobs", "oversight"):
        sources += (REPO / folder).rglob("*.py")
    for path in sources:
        for name in re.findall(r"\.([a-zA-Z0-9_]+)\(", path.read_text(encoding="utf-8")):
            if name in methods:
                called.add(name)
    unknown = called - set(METHOD_SCOPES)
    assert not unknown, f"add the scopes these need to METHOD_SCOPES and the manifest: {unknown}"
    assert {"users_info", "conversations_info", "usergroups_users_list", "auth_test"} <= called
    assert {"views_publish", "conversations_open", "files_upload_v2"} <= called
    needed = {"commands"}.union(*(METHOD_SCOPES[m] for m in called))
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed


def test_oversight_doctor_expects_exactly_the_manifests_scopes(manifest: dict):
    from oversight.slack.doctor import MANIFEST_SCOPES

    assert set(manifest["oauth_config"]["scopes"]["bot"]) == MANIFEST_SCOPES
