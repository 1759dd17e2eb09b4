"""Settings, read once from the environment and an optional ``.env`` file.

The environment wins over ``.env``. Every setting is listed, with a comment, in ``.env.example``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from oversight.clock import Clock
from oversight.errors import UserError

SLACK_API_URL = "https://slack.com/api/"
DEFAULT_CONTACT = "the oversight team's Slack administrator"
_SLACK_ID = re.compile(r"[A-Z0-9]{2,}")


@dataclass(frozen=True)
class Settings:
    db_path: Path
    clock: Clock
    stale_after_days: int = 8
    # Slack. Secrets are kept out of repr(), so printing the settings never shows them.
    slack_bot_token: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    slack_api_url: str = SLACK_API_URL
    port: int = 3000
    allowed_users: frozenset[str] = frozenset()
    allowed_usergroups: frozenset[str] = frozenset()
    share_channels: frozenset[str] = frozenset()
    access_contact: str = DEFAULT_CONTACT
    # Scheduled jobs (jobs/). Cron expressions are checked when the scheduler is built.
    digest_channel: str = ""
    digest_cron: str = "0 9 * * mon"
    reminder_cron: str = "30 8 * * mon-fri"
    reminder_days: int = 5
    digest_on_holiday: str = "next_working_day"
    misfire_grace_hours: int = 12

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.slack_bot_token, self.slack_app_token, self.slack_signing_secret)


def read_env_file(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    from dotenv import dotenv_values  # only paid for when there is a .env

    try:
        values = dotenv_values(path)
    except UnicodeDecodeError:
        raise UserError(f"{path} is not UTF-8 text: save it as UTF-8.") from None
    except OSError as error:
        raise UserError(f"{path} cannot be read: {error.strerror}.") from None
    return {k: v for k, v in values.items() if v is not None}


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    env = dict(read_env_file(env_file)) if env_file is not None else {}
    env.update(os.environ if environ is None else environ)
    return Settings(
        db_path=Path(env.get("OVERSIGHT_DB") or "oversight.db").expanduser(),
        clock=_clock(env.get("OVERSIGHT_NOW", "")),
        stale_after_days=_positive_int(env, "STALE_AFTER_DAYS", 8),
        slack_bot_token=env.get("SLACK_BOT_TOKEN", "").strip(),
        slack_app_token=env.get("SLACK_APP_TOKEN", "").strip(),
        slack_signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
        slack_api_url=_url(env.get("SLACK_API_URL", "").strip() or SLACK_API_URL),
        port=_port(env.get("PORT", "").strip() or "3000"),
        allowed_users=_slack_ids(env, "OVERSIGHT_ALLOWED_USERS"),
        allowed_usergroups=_slack_ids(env, "OVERSIGHT_ALLOWED_USERGROUPS"),
        share_channels=_slack_ids(env, "OVERSIGHT_SHARE_CHANNELS"),
        access_contact=env.get("OVERSIGHT_ACCESS_CONTACT", "").strip() or DEFAULT_CONTACT,
        digest_channel=_channel(env.get("DIGEST_CHANNEL", "").strip()),
        digest_cron=env.get("DIGEST_CRON", "").strip() or "0 9 * * mon",
        reminder_cron=env.get("REMINDER_CRON", "").strip() or "30 8 * * mon-fri",
        reminder_days=_positive_int(env, "REMINDER_DAYS", 5),
        digest_on_holiday=_choice(
            env, "DIGEST_ON_HOLIDAY", ("next_working_day", "skip", "same_day")
        ),
        misfire_grace_hours=_positive_int(env, "MISFIRE_GRACE_HOURS", 12, unit="hours"),
    )


def _clock(text: str) -> Clock:
    if not text.strip():
        return Clock()
    try:
        return Clock.parse(text)
    except ValueError:
        raise UserError(
            f"OVERSIGHT_NOW must be an ISO date or date-time such as 2020-06-30T09:00, "
            f'not "{text}".'
        ) from None


def _positive_int(env: Mapping[str, str], name: str, default: int, unit: str = "days") -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdecimal() or not 1 <= int(text) <= 10_000:
        raise UserError(f'{name} must be a whole number of {unit}, 1 or more, not "{text}".')
    return int(text)


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    text = env.get(name, "").strip().lower() or choices[0]
    if text not in choices:
        raise UserError(f'{name} must be one of {", ".join(choices)}, not "{text}".')
    return text


def _channel(text: str) -> str:
    if text and not _SLACK_ID.fullmatch(text):
        raise UserError(
            f'DIGEST_CHANNEL must be a Slack channel ID such as C012AB3CD, not "{text}".'
        )
    return text


def _slack_ids(env: Mapping[str, str], name: str) -> frozenset[str]:
    """A comma- or space-separated list of Slack IDs such as U012AB3CD."""
    ids = frozenset(env.get(name, "").replace(",", " ").split())
    bad = sorted(i for i in ids if not _SLACK_ID.fullmatch(i))
    if bad:
        raise UserError(
            f'{name} must list Slack IDs (such as U012AB3CD), separated by commas; "{bad[0]}" '
            "is not one."
        )
    return ids


def _url(text: str) -> str:
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", text):
        raise UserError(f'SLACK_API_URL must be an http(s) URL, not "{text}".')
    return text if text.endswith("/") else text + "/"


def _port(text: str) -> int:
    if not text.isdecimal() or not 0 <= int(text) <= 65535:
        raise UserError(f'PORT must be a port number from 0 to 65535, not "{text}".')
    return int(text)
