"""The access-control tests' workspace (people, a user group, channels) and their settings,
shared by test_access and test_service."""

from __future__ import annotations

from pathlib import Path

from bot.access import AccessPolicy
from oversight.settings import Settings, load_settings
from oversight.slack.plumbing import make_client
from tests.support.slack_standin import SlackStandIn

NOW = "2020-07-10T10:00"
CONTACT = "Priya Shah in the deputy mayor's office"
ALLOWED, MEMBER, OUTSIDER, GUEST = "UALLOWED", "UMEMBER", "UOUTSIDER", "UGUEST"
GROUP = "SGROUP"
CHANNEL, SHARED, DM = "CPRIVATE", "CSHARED", "DBOT"


def make_settings(slack: SlackStandIn, tmp_path: Path, **env: str) -> Settings:
    return load_settings(
        {
            "SLACK_API_URL": slack.api_url,
            "SLACK_BOT_TOKEN": "xoxb-1234567890-abc",
            "OVERSIGHT_DB": str(tmp_path / "oversight.db"),
            "OVERSIGHT_NOW": NOW,
            "OVERSIGHT_ALLOWED_USERS": ALLOWED,
            "OVERSIGHT_ALLOWED_USERGROUPS": GROUP,
            "OVERSIGHT_ACCESS_CONTACT": CONTACT,
            **env,
        },
        None,
    )


def policy_for(settings: Settings) -> AccessPolicy:
    """The policy exactly as bot.app.build_app makes it, with a real Web API client."""
    return AccessPolicy(
        make_client(settings),
        allowed_users=settings.allowed_users,
        allowed_usergroups=settings.allowed_usergroups,
        contact=settings.access_contact,
    )
