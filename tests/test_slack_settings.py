"""The Slack settings: ID lists, the API URL, the port, the access contact, and secret tokens.

A bad value stops start-up with one sentence naming the setting; a token never shows in the
settings' repr (so not in a log line or a traceback that prints them).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from oversight.errors import UserError
from oversight.settings import DEFAULT_CONTACT, SLACK_API_URL, load_settings
from tests.support.cli import invoke

BOT_TOKEN = "xoxb-1234567890-SECRETBOT"
APP_TOKEN = "xapp-1-A0123-SECRETAPP"
SIGNING_SECRET = "8f14e45fceea167a5a36dedd4bea2543"


def load(**env: str):
    return load_settings(env, None)


def refusal(**env: str) -> str:
    with pytest.raises(UserError) as caught:
        load(**env)
    message = str(caught.value)
    assert "\n" not in message
    assert message.endswith(".")
    assert message[0].isupper()
    return message


# --- lists of Slack IDs -----------------------------------------------------------------------

ID_SETTINGS = {
    "OVERSIGHT_ALLOWED_USERS": "allowed_users",
    "OVERSIGHT_ALLOWED_USERGROUPS": "allowed_usergroups",
    "OVERSIGHT_SHARE_CHANNELS": "share_channels",
}


@pytest.mark.parametrize("name", ID_SETTINGS)
@pytest.mark.parametrize(
    "text",
    [
        "U012AB3CD,W0456EF7G,U0HIJ8KLM",
        "U012AB3CD W0456EF7G U0HIJ8KLM",
        " U012AB3CD , W0456EF7G,,U0HIJ8KLM ",
        "U012AB3CD,\nW0456EF7G\tU0HIJ8KLM,",
        "U012AB3CD, U012AB3CD, W0456EF7G, U0HIJ8KLM",
    ],
)
def test_id_lists_are_split_on_commas_and_spaces(name: str, text: str):
    settings = load(**{name: text})
    assert getattr(settings, ID_SETTINGS[name]) == {"U012AB3CD", "W0456EF7G", "U0HIJ8KLM"}


@pytest.mark.parametrize("name", ID_SETTINGS)
@pytest.mark.parametrize("text", ["", "   ", ",", " , ,"])
def test_an_empty_id_list_is_empty(name: str, text: str):
    assert getattr(load(**{name: text}), ID_SETTINGS[name]) == frozenset()


def test_id_lists_default_to_empty():
    settings = load()
    assert settings.allowed_users == settings.allowed_usergroups == frozenset()
    assert settings.share_channels == frozenset()


@pytest.mark.parametrize("name", ID_SETTINGS)
@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("U012AB3CD,@priya", "@priya"),
        ("<@U012AB3CD>", "<@U012AB3CD>"),
        ("u012ab3cd", "u012ab3cd"),
        ("U012AB3CD;W0456EF7G", "U012AB3CD;W0456EF7G"),
        ("#oversight", "#oversight"),
        ("U", "U"),
        ("U012-AB3CD", "U012-AB3CD"),
    ],
)
def test_a_bad_id_is_refused_in_one_sentence_naming_the_setting(name: str, text: str, bad: str):
    message = refusal(**{name: text})
    assert message.startswith(f"{name} must list Slack IDs")
    assert f'"{bad}"' in message


# --- the API URL and the port ---------------------------------------------------------------


def test_the_api_url_defaults_to_slack(network_attempts):
    # Only the setting's text is checked here: Slack's real address is named, never reached.
    assert load().slack_api_url == SLACK_API_URL
    assert SLACK_API_URL.split("//")[1] == "slack.com/api/"
    assert network_attempts == []


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("http://127.0.0.1:8123/api/", "http://127.0.0.1:8123/api/"),
        ("http://127.0.0.1:8123/api", "http://127.0.0.1:8123/api/"),
        ("https://proxy.example.org", "https://proxy.example.org/"),
        ("  https://proxy.example.org/slack/api/  ", "https://proxy.example.org/slack/api/"),
        ("", SLACK_API_URL),
    ],
)
def test_the_api_url_ends_with_a_slash(text: str, url: str):
    assert load(SLACK_API_URL=text).slack_api_url == url


@pytest.mark.parametrize(
    "text",
    ["slack.invalid/api", "ftp://slack.invalid/api/", "https://", "http:// spaced.example/", "api"],
)
def test_a_bad_api_url_is_refused_in_one_sentence(text: str, network_attempts: list[str]):
    # Names that can never resolve (RFC 2606's .invalid), and none is looked up at all.
    message = refusal(SLACK_API_URL=text)
    assert message.startswith("SLACK_API_URL must be an http(s) URL")
    assert network_attempts == []


@pytest.mark.parametrize(("text", "port"), [("", 3000), ("8080", 8080), (" 443 ", 443)])
def test_the_port(text: str, port: int):
    assert load(PORT=text).port == port


@pytest.mark.parametrize("text", ["http", "-1", "65536", "3000.0", "80 81", "0x50"])
def test_a_bad_port_is_refused_in_one_sentence(text: str):
    message = refusal(PORT=text)
    assert message.startswith("PORT must be a port number from 0 to 65535")


def test_a_superscript_digit_in_the_port_is_refused_in_one_sentence():
    assert refusal(PORT="8²").startswith("PORT must be a port number")


# --- the contact and the tokens -----------------------------------------------------------------


def test_the_access_contact():
    assert load().access_contact == DEFAULT_CONTACT
    assert load(OVERSIGHT_ACCESS_CONTACT="  ").access_contact == DEFAULT_CONTACT
    named = load(OVERSIGHT_ACCESS_CONTACT=" Priya Shah in the deputy mayor's office ")
    assert named.access_contact == "Priya Shah in the deputy mayor's office"


TOKENS = {
    "SLACK_BOT_TOKEN": BOT_TOKEN,
    "SLACK_APP_TOKEN": APP_TOKEN,
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
}


def test_tokens_are_read_and_trimmed_but_not_in_the_repr():
    settings = load(**{name: f"  {value}\n" for name, value in TOKENS.items()})
    assert settings.slack_bot_token == BOT_TOKEN
    assert settings.slack_app_token == APP_TOKEN
    assert settings.slack_signing_secret == SIGNING_SECRET
    assert settings.secrets == (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET)
    for shown in (repr(settings), str(settings), f"{settings}", f"{settings!r}"):
        assert "Settings(" in shown
        for secret in (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, "SECRET", "xoxb", "xapp"):
            assert secret not in shown


def test_tokens_from_an_env_file_are_not_in_the_repr_either(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "".join(f"{name}={value}\n" for name, value in TOKENS.items()) + "PORT=4000\n",
        encoding="utf-8",
    )
    settings = load_settings({}, env_file)
    assert settings.slack_bot_token == BOT_TOKEN
    assert settings.port == 4000
    assert BOT_TOKEN not in repr(settings) and SIGNING_SECRET not in repr(settings)


def test_a_bad_setting_does_not_echo_a_token():
    message = refusal(PORT="x", **TOKENS)
    for secret in TOKENS.values():
        assert secret not in message


# --- through the command line, in this process ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OVERSIGHT_ALLOWED_USERS", "U012AB3CD,@priya"),
        ("OVERSIGHT_SHARE_CHANNELS", "#general"),
        ("SLACK_API_URL", "slack.invalid"),
        ("PORT", "eighty"),
    ],
)
def test_the_command_line_refuses_a_bad_slack_setting_in_one_sentence(
    runner: CliRunner, name: str, value: str, network_attempts: list[str]
):
    result = invoke(runner, "audit", env={name: value, **TOKENS})
    assert network_attempts == []  # refused before anything is reached
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{name} must ")
    assert "Traceback" not in result.stderr
    for secret in TOKENS.values():
        assert secret not in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("SLACK_BOT_TOKEN", "xoxb-1-abc", "is too short to be a whole token (xoxb- then at least"),
        (
            "SLACK_BOT_TOKEN",
            "xoxp-2718281828-3141592653-QwErTy",
            "is a user token, not a bot token",
        ),
        ("SLACK_BOT_TOKEN", "2718281828-3141592653-QwErTyUiOp", "does not start xoxb-"),
        ("SLACK_BOT_TOKEN", "xoxb-2718281828 3141592653", "has characters no Slack token has"),
        ("SLACK_BOT_TOKEN", '"xoxb-2718281828-3141592653"', "has characters no Slack token has"),
        ("SLACK_APP_TOKEN", BOT_TOKEN, "is a bot token, not an app-level token"),
        ("SLACK_APP_TOKEN", "xapp-1-A0", "is too short to be a whole token (xapp- then at least"),
    ],
)
def test_a_malformed_token_is_refused_saying_what_is_actually_wrong(name, value, says):
    message = refusal(**{name: value})
    assert message.startswith(f"{name} {says}")
    assert value.strip('"') not in message
    assert "copy" in message


def test_a_well_formed_token_is_accepted_whatever_its_length():
    assert load(SLACK_BOT_TOKEN="xoxb-1234567890").slack_bot_token == "xoxb-1234567890"
