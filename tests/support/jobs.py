"""The job tests' side of Slack: the digest channel, and the settings and environment that post
to the stand-in on Tuesday 30 June 2020 at 09:00 unless a test says otherwise."""

from __future__ import annotations

from pathlib import Path

from oversight.settings import Settings, load_settings
from tests.support.processes import clean_env
from tests.support.slack import BOT_TOKEN
from tests.support.slack_standin import SlackStandIn

CHANNEL = "CDIGEST"
DIGEST = "Weekly oversight digest"
REMINDER = "Reminder:"


def job_settings(slack: SlackStandIn, db: Path, **env: str) -> Settings:
    """Settings as the bot would read them, posting to the stand-in."""
    values = {
        "OVERSIGHT_DB": str(db),
        "OVERSIGHT_NOW": "2020-06-30T09:00",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "DIGEST_CHANNEL": CHANNEL,
        **env,
    }
    return load_settings(values, env_file=None)


def job_env(slack: SlackStandIn, db: Path, **env: str) -> dict[str, str]:
    """The settings of an ``oversight`` that posts to the stand-in (for the ``runner``)."""
    return {
        "OVERSIGHT_DB": str(db),
        "OVERSIGHT_NOW": "2020-06-30T09:00",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "DIGEST_CHANNEL": CHANNEL,
        **env,
    }


def slack_env(slack: SlackStandIn, db: Path, **env: str) -> dict[str, str]:
    """The environment for an ``oversight`` subprocess that posts to the stand-in."""
    return clean_env(**job_env(slack, db, **env))
