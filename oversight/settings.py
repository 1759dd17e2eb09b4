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
from oversight.store import LOCK_TIMEOUT_SECONDS, OnWait, Store, open_store

SLACK_API_URL = "https://slack.com/api/"
HOLIDAY_POLICIES = ("next_working_day", "skip", "same_day")  # the first is the default
DEFAULT_CONTACT = "the oversight team's Slack administrator"
_SLACK_ID = re.compile(r"[A-Z0-9]{2,}")


@dataclass(frozen=True)
class Settings:
    db_path: Path
    clock: Clock
    stale_after_days: int = 8
    # The police force /crime answers for, as data.police.uk names it in "Falls within"
    # ("Greater Manchester Police"); empty: the only force whose crime data is in the store.
    force: str = ""
    # A force whose latest month is more than this many months before the date's month has
    # stopped publishing (data.police.uk usually publishes a month within two months of its end).
    crime_publication_lag_months: int = 2
    # Slack. Secrets are kept out of repr(), so printing the settings never shows them.
    slack_bot_token: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    slack_api_url: str = SLACK_API_URL
    # How long ``oversight bot`` keeps trying to reach Slack at start-up (a network not yet up,
    # a 5xx, a rate limit), waiting 1, 2, 4... up to 30 seconds between tries.
    slack_start_seconds: int = 300
    port: int = 3000
    # HTTP mode's front door (waitress, in bot/http.py).
    http_threads: int = 8
    http_backlog: int = 1024
    http_connection_limit: int = 1000
    http_idle_timeout_seconds: int = 30
    http_read_timeout_seconds: int = 10
    http_max_body_bytes: int = 1 << 20
    allowed_users: frozenset[str] = frozenset()
    allowed_usergroups: frozenset[str] = frozenset()
    share_channels: frozenset[str] = frozenset()
    access_contact: str = DEFAULT_CONTACT
    # Scheduled jobs (jobs/). Cron expressions are checked when the scheduler is built.
    digest_channel: str = ""
    digest_cron: str = "0 9 * * mon"
    violence_channel: str = ""  # the monthly violence profile's channel (empty: not posted)
    violence_time: str = "09:30"  # on the first working day of each month, London time
    reminder_cron: str = "30 8 * * mon-fri"
    reminder_days: int = 5
    digest_on_holiday: str = HOLIDAY_POLICIES[0]
    misfire_grace_hours: int = 12
    # The digest says so when a past week's outstanding count has been revised by more than
    # this percentage of the figure first known.
    revision_alert_percent: float = 1.0
    # How long any write waits for another process's write lock (an import, a backup).
    lock_timeout_seconds: int = LOCK_TIMEOUT_SECONDS
    # How often the bot looks for a new import or digest, to rebuild the Home tabs it published.
    home_refresh_seconds: int = 30
    # The shortest time between two publications of one person's Home tab (opens in between are
    # coalesced): Slack allows views.publish about 100 times a minute in all.
    home_publish_interval_seconds: int = 10

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.slack_bot_token, self.slack_app_token, self.slack_signing_secret)

    def require_bot_token(self) -> None:
        """Anything that calls Slack needs the bot token (its shape was checked on loading)."""
        if not self.slack_bot_token:
            raise UserError("SLACK_BOT_TOKEN is not set: give the bot token (it starts xoxb-).")

    def require_slack_connection(self) -> None:
        """The bot needs its token, and a way for Slack to reach it: Socket Mode or HTTP."""
        self.require_bot_token()
        if not self.slack_app_token and not self.slack_signing_secret:
            raise UserError(
                "SLACK_SIGNING_SECRET is not set: HTTP mode needs it to verify Slack's requests "
                "(or set SLACK_APP_TOKEN for Socket Mode)."
            )

    def open_store(self, *, create: bool = False, on_wait: OnWait | None = None) -> Store:
        """The store at ``db_path``, as every command opens it: its writes wait up to
        ``lock_timeout_seconds`` for another process's write lock."""
        return open_store(
            self.db_path, create=create, lock_timeout=self.lock_timeout_seconds, on_wait=on_wait
        )

    def require_digest_channel(self) -> str:
        if not self.digest_channel:
            raise UserError("DIGEST_CHANNEL is not set: give the channel ID messages go to.")
        return self.digest_channel


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


def _default(name: str) -> object:
    """A setting's default, written once: on the :class:`Settings` field."""
    return Settings.__dataclass_fields__[name].default


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Every setting, read once from ``environ`` (default: the process environment) over the
    ``env_file``, and checked: a bad value raises :class:`UserError`, one sentence naming the
    setting and what is wrong with it. Secrets never appear in the sentence or the repr."""
    env = dict(read_env_file(env_file)) if env_file is not None else {}
    env.update(os.environ if environ is None else environ)
    return Settings(
        db_path=Path(env.get("OVERSIGHT_DB") or "oversight.db").expanduser(),
        clock=_clock(env.get("OVERSIGHT_NOW", "")),
        stale_after_days=_positive_int(env, "STALE_AFTER_DAYS", "stale_after_days"),
        force=_force(env.get("OVERSIGHT_FORCE", "")),
        crime_publication_lag_months=_bounded_int(
            env, "CRIME_PUBLICATION_LAG_MONTHS", "crime_publication_lag_months", 0, 24, "months"
        ),
        slack_bot_token=_token(env, "SLACK_BOT_TOKEN", BOT_TOKEN),
        slack_app_token=_token(env, "SLACK_APP_TOKEN", APP_TOKEN),
        slack_signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
        slack_api_url=_url(env.get("SLACK_API_URL", "").strip() or SLACK_API_URL),
        port=_port(env.get("PORT", "").strip() or str(_default("port"))),
        http_threads=_bounded_int(env, "HTTP_THREADS", "http_threads", 1, 64, "threads"),
        http_backlog=_bounded_int(env, "HTTP_BACKLOG", "http_backlog", 1, 65535, "connections"),
        http_connection_limit=_bounded_int(
            env, "HTTP_CONNECTION_LIMIT", "http_connection_limit", 1, 100_000, "connections"
        ),
        http_idle_timeout_seconds=_bounded_int(
            env, "HTTP_IDLE_TIMEOUT_SECONDS", "http_idle_timeout_seconds", 1, 3600, "seconds"
        ),
        http_read_timeout_seconds=_bounded_int(
            env, "HTTP_READ_TIMEOUT_SECONDS", "http_read_timeout_seconds", 1, 3600, "seconds"
        ),
        http_max_body_bytes=_bounded_int(
            env, "HTTP_MAX_BODY_BYTES", "http_max_body_bytes", 1024, 64 << 20, "bytes"
        ),
        allowed_users=_slack_ids(env, "OVERSIGHT_ALLOWED_USERS"),
        allowed_usergroups=_slack_ids(env, "OVERSIGHT_ALLOWED_USERGROUPS"),
        share_channels=_slack_ids(env, "OVERSIGHT_SHARE_CHANNELS"),
        access_contact=env.get("OVERSIGHT_ACCESS_CONTACT", "").strip() or DEFAULT_CONTACT,
        digest_channel=channel_id(env.get("DIGEST_CHANNEL", "").strip()),
        digest_cron=_cron(env, "DIGEST_CRON", "digest_cron"),
        violence_channel=channel_id(env.get("VIOLENCE_CHANNEL", "").strip(), "VIOLENCE_CHANNEL"),
        violence_time=_time_of_day(env, "VIOLENCE_TIME"),
        reminder_cron=_cron(env, "REMINDER_CRON", "reminder_cron"),
        reminder_days=_positive_int(env, "REMINDER_DAYS", "reminder_days"),
        digest_on_holiday=_choice(env, "DIGEST_ON_HOLIDAY", HOLIDAY_POLICIES),
        misfire_grace_hours=_positive_int(
            env, "MISFIRE_GRACE_HOURS", "misfire_grace_hours", unit="hours"
        ),
        revision_alert_percent=_percentage(env, "REVISION_ALERT", "revision_alert_percent"),
        lock_timeout_seconds=_bounded_int(
            env, "LOCK_TIMEOUT_SECONDS", "lock_timeout_seconds", 1, 3600, "seconds"
        ),
        slack_start_seconds=_bounded_int(
            env, "SLACK_START_SECONDS", "slack_start_seconds", 1, 86400, "seconds"
        ),
        home_refresh_seconds=_bounded_int(
            env, "HOME_REFRESH_SECONDS", "home_refresh_seconds", 1, 3600, "seconds"
        ),
        home_publish_interval_seconds=_bounded_int(
            env,
            "HOME_PUBLISH_INTERVAL_SECONDS",
            "home_publish_interval_seconds",
            1,
            3600,
            "seconds",
        ),
    )


_TIME_OF_DAY = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


def _time_of_day(env: dict[str, str], name: str) -> str:
    text = env.get(name, "").strip()
    if not text:
        return "09:30"
    match = _TIME_OF_DAY.fullmatch(text)
    if match is None:
        raise UserError(f'{name} must be a time of day such as 09:30, not "{text[:20]}".')
    return f"{int(match.group(1)):02d}:{match.group(2)}"


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


_FORCE = re.compile(r"[A-Za-z][A-Za-z &'.,-]{1,99}")


def _force(text: str) -> str:
    """A police force's name as data.police.uk writes it, or one sentence."""
    text = " ".join(text.split())
    if text and not _FORCE.fullmatch(text):
        raise UserError(
            "OVERSIGHT_FORCE must name a police force as data.police.uk does, such as "
            f'"Greater Manchester Police", not "{text[:60]}".'
        )
    return text


def _positive_int(env: Mapping[str, str], name: str, field: str, unit: str = "days") -> int:
    text = env.get(name, "").strip()
    if not text:
        return _default(field)
    if not text.isdecimal() or not 1 <= int(text) <= 10_000:
        raise UserError(f'{name} must be a whole number of {unit}, 1 or more, not "{text}".')
    return int(text)


def _percentage(env: Mapping[str, str], name: str, field: str) -> float:
    """A percentage from 0 to 100, written 1, 0.5 or 1%, or one sentence naming the setting."""
    text = env.get(name, "").strip()
    if not text:
        return _default(field)
    number = text.removesuffix("%").strip()
    try:
        value = float(number)
    except ValueError:
        value = -1.0
    if not number.replace(".", "", 1).isdecimal() or not 0 <= value <= 100:
        raise UserError(
            f'{name} must be a percentage from 0 to 100, such as 1 or 0.5%, not "{text}".'
        )
    return value


def _bounded_int(
    env: Mapping[str, str], name: str, field: str, low: int, high: int, unit: str
) -> int:
    """A whole number from ``low`` to ``high``, or one sentence naming the setting."""
    text = env.get(name, "").strip()
    if not text:
        return _default(field)
    if not text.isdecimal() or not low <= int(text) <= high:
        raise UserError(
            f'{name} must be a whole number of {unit} from {low:,} to {high:,}, not "{text}".'
        )
    return int(text)


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    text = env.get(name, "").strip().lower() or choices[0]
    if text not in choices:
        raise UserError(f'{name} must be one of {", ".join(choices)}, not "{text}".')
    return text


def channel_id(text: str, setting: str = "DIGEST_CHANNEL") -> str:
    """A Slack channel ID (or empty), or one sentence naming the setting or option."""
    if text and not _SLACK_ID.fullmatch(text):
        raise UserError(f'{setting} must be a Slack channel ID such as C012AB3CD, not "{text}".')
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


# --- Slack tokens -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenShape:
    prefix: str
    what: str  # "a bot token"
    where: str  # where in Slack's settings to copy it from


BOT_TOKEN = TokenShape("xoxb-", "a bot token", "the Bot User OAuth Token under OAuth & Permissions")
APP_TOKEN = TokenShape("xapp-", "an app-level token", "an App-Level Token under Basic Information")
# Other Slack token prefixes, to say which token was given instead.
_OTHER_TOKENS = {"xoxp-": "a user token", "xoxa-": "an app token", "xoxe-": "a refresh token"}
_OTHER_TOKENS.update({BOT_TOKEN.prefix: BOT_TOKEN.what, APP_TOKEN.prefix: APP_TOKEN.what})
MIN_TOKEN_BODY = 10  # characters after the prefix; real tokens have far more
_TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9-]+")


def _token(env: Mapping[str, str], name: str, shape: TokenShape) -> str:
    """A token, or one sentence saying what is actually wrong with it (never the token)."""
    text = env.get(name, "").strip()
    if not text:
        return ""
    if not _TOKEN_CHARACTERS.fullmatch(text):
        problem = "has characters no Slack token has (only letters, digits and hyphens)"
    elif not text.startswith(shape.prefix):
        given = next((w for p, w in _OTHER_TOKENS.items() if text.startswith(p)), None)
        problem = f"is {given}, not {shape.what}" if given else f"does not start {shape.prefix}"
    elif len(text) - len(shape.prefix) < MIN_TOKEN_BODY:
        problem = (
            f"is too short to be a whole token ({shape.prefix} then at least {MIN_TOKEN_BODY} "
            "characters)"
        )
    else:
        return text
    raise UserError(f"{name} {problem}: copy {shape.where}.")


# --- cron expressions ----------------------------------------------------------------------------

_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# minute, hour, day of month, month: (first, last, names from first)
_CRON_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of the month", 1, 31, ()),
    ("month", 1, 12, _MONTH_NAMES),
)


def _cron(env: Mapping[str, str], name: str, field: str) -> str:
    text = " ".join(env.get(name, "").split()) or _default(field)
    crontab(text, name)
    return text


def crontab(expression: str, setting: str) -> str:
    """A five-field cron expression, checked, with its day-of-week field spelt out as day
    names (crontab's meaning: 0 and 7 are Sunday), ready for APScheduler 3, whose own day
    numbers start at Monday. A bad one is one sentence naming the setting."""
    fields = expression.split()
    if len(fields) != 5:
        raise UserError(
            f'{setting} must be a five-field cron expression such as "0 9 * * mon", '
            f'not "{expression}".'
        )
    try:
        for text, (what, first, last, names) in zip(fields, _CRON_FIELDS, strict=False):
            _cron_values(text, what, first, last, names)
        fields[4] = _crontab_days(fields[4])
    except ValueError as error:
        raise UserError(
            f'{setting} is not a valid cron expression ("{expression}"): {error}.'
        ) from None
    return " ".join(fields)


def _cron_number(text: str, what: str, first: int, last: int, names: tuple[str, ...]) -> int:
    if text.lower() in names:
        return names.index(text.lower()) + first
    if not text.isdecimal() or not first <= int(text) <= last:
        raise ValueError(f'"{text}" is not a {what} ({first} to {last})')
    return int(text)


def _cron_values(text: str, what: str, first: int, last: int, names: tuple[str, ...]) -> None:
    for part in text.split(","):
        base, slash, step = part.partition("/")
        if slash and not (step.isdecimal() and int(step) > 0):
            raise ValueError(f'the step "{step}" is not a whole number')
        if base == "*":
            continue
        start, dash, end = base.partition("-")
        low = _cron_number(start, what, first, last, names)
        if dash and _cron_number(end, what, first, last, names) < low:
            raise ValueError(f'the range "{base}" runs backwards')


def _day_number(text: str) -> int:
    """A crontab day of the week: 0 to 7 (0 and 7 are Sunday), or a name such as "mon"."""
    if text.isdecimal() and int(text) <= 7:
        return int(text)
    if text.lower() in _DAY_NAMES:
        return _DAY_NAMES.index(text.lower())
    raise ValueError(f'"{text}" is not a day of the week (0 to 7, or a name such as mon)')


def _crontab_days(field: str) -> str:
    """The day-of-week field as the days it means in crontab, named for APScheduler 3.

    Ranges and steps count from Sunday, as in crontab (``0-4`` is Sunday to Thursday, ``*/2``
    is Sunday, Tuesday, Thursday and Saturday), not from APScheduler's Monday.
    """
    if field == "*":
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        base, slash, step = part.partition("/")
        if base == "*":
            first, last = 0, 6
        else:
            start, dash, end = base.partition("-")
            first = _day_number(start)
            last = _day_number(end) if dash else (7 if slash else first)
            if dash and last == 0 < first:
                last = 7  # "mon-sun" ends on Sunday
        if first > last:
            raise ValueError(f'the range "{base}" runs backwards')
        if slash and not (step.isdecimal() and int(step) > 0):
            raise ValueError(f'the step "{step}" is not a whole number of days')
        days.update(day % 7 for day in range(first, last + 1, int(step) if slash else 1))
    return ",".join(_DAY_NAMES[day] for day in sorted(days))
