"""``oversight doctor``: what a Slack administrator runs after setting the bot up.

One line per check, ``ok`` or ``FAIL``, each saying what was found and, for a failure, the fix
in a sentence. Exit status 0 when every check passes, 1 otherwise. It changes nothing: the
database is opened read-only, and Slack is only asked (auth.test, conversations.info,
usergroups.users.list).

It lives beside ``slack_plumbing`` rather than in ``bot/`` or ``jobs/``, because it checks
both: the next scheduled runs come from whatever registers an ``oversight.schedules`` entry
point (the jobs package registers ``jobs.scheduler:next_runs``), so it imports neither.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from oversight.settings import Settings
from oversight.slack.plumbing import describe_failure, make_client

# The bot scopes slack/manifest.yml asks for (tests/test_manifest.py keeps the two the same).
MANIFEST_SCOPES = frozenset(
    {
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
)
REINSTALL = "under OAuth & Permissions (or paste slack/manifest.yml again) and reinstall the app"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: not checked, because an earlier check failed
    sentence: str  # what was found; for a failure, the fix

    def line(self) -> str:
        status = {True: "ok", False: "FAIL", None: "--"}[self.ok]
        return f"{status:<5} {self.name:<12} {self.sentence}"


def run_checks(settings: Settings) -> list[Check]:
    """Every check, in the order an administrator would fix them."""
    token, client, scopes = _token(settings)
    checks = [token]
    if client is None:
        later = "Not checked: Slack must accept the bot token first."
        checks += [Check(name, None, later) for name in ("scopes", "channels", "user groups")]
    else:
        checks += [_scopes(scopes), _channels(settings, client), _user_groups(settings, client)]
    return [
        *checks,
        _signing(settings),
        _database(settings.db_path),
        _crime_months(settings),
        _schedule(settings),
        _late_posts(settings),
    ]


# --- Slack --------------------------------------------------------------------------------------


def _token(settings: Settings) -> tuple[Check, WebClient | None, str | None]:
    name = "bot token"
    if not settings.slack_bot_token:
        return (
            Check(
                name,
                False,
                "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from OAuth & "
                "Permissions into it.",
            ),
            None,
            None,
        )
    client = make_client(settings)
    try:
        answer = client.auth_test()
    except SlackApiError as error:
        return Check(name, False, f"{describe_failure(error)} {_REFUSED}"), None, None
    except Exception as error:  # refused, reset or timed out, after the client's retries
        return (
            Check(
                name,
                False,
                f"Slack's Web API could not be reached at {settings.slack_api_url} "
                f"({type(error).__name__}): check SLACK_API_URL and the network.",
            ),
            None,
            None,
        )
    headers = {k.lower(): v for k, v in (answer.headers or {}).items()}
    scopes = headers.get("x-oauth-scopes")
    found = f"the bot is {answer.get('user_id')} in team {answer.get('team_id')}"
    return Check(name, True, f"Slack accepts the bot token (auth.test): {found}."), client, scopes


_REFUSED = (
    "Copy the Bot User OAuth Token again from OAuth & Permissions, or reinstall the app if it "
    "was revoked."
)


def _scopes(header: str | None) -> Check:
    name = "scopes"
    if header is None:
        return Check(
            name,
            False,
            "Slack did not say which scopes the bot token carries (no x-oauth-scopes header): "
            "check that SLACK_API_URL is Slack's Web API.",
        )
    granted = {s.strip() for s in header.split(",") if s.strip()}
    missing, extra = sorted(MANIFEST_SCOPES - granted), sorted(granted - MANIFEST_SCOPES)
    if not missing and not extra:
        return Check(
            name, True, f"The bot token carries exactly the {len(granted)} scopes of the manifest."
        )
    problems = []
    if missing:
        problems.append(f"lacks {_words(missing)}, which the manifest asks for")
    if extra:
        problems.append(f"has {_words(extra)}, which the manifest does not ask for")
    fix = "add" if not extra else "remove" if not missing else "add and remove"
    them = "it" if len(missing) + len(extra) == 1 else "them"
    return Check(name, False, f"The bot token {' and '.join(problems)}: {fix} {them} {REINSTALL}.")


def _channels(settings: Settings, client: WebClient) -> Check:
    name = "channels"
    wanted = [(c, "DIGEST_CHANNEL") for c in [settings.digest_channel] if c]
    wanted += [(c, "OVERSIGHT_SHARE_CHANNELS") for c in sorted(settings.share_channels)]
    if not wanted:
        empty = "DIGEST_CHANNEL and OVERSIGHT_SHARE_CHANNELS are empty"
        return Check(name, True, f"No channel to check: {empty}.")
    outside, unseen, failures = [], [], []
    for channel, setting in wanted:
        try:
            info = client.conversations_info(channel=channel)["channel"]
        except SlackApiError as error:
            if error.response.get("error") in ("channel_not_found", "not_in_channel"):
                unseen.append(f"{channel} ({setting})")
            else:
                failures.append(f"{channel} ({describe_failure(error)})")
            continue
        except Exception as error:
            failures.append(f"{channel} ({describe_failure(error)})")
            continue
        if not info.get("is_member"):
            outside.append(f"{channel} ({setting})")
    shown = _words(f"{c} ({s})" for c, s in wanted)
    if not (outside or unseen or failures):
        return Check(name, True, f"The bot is a member of {shown}.")
    problems = []
    if outside:
        problems.append(f"is not a member of {_words(outside)}")
    if unseen:
        problems.append(f"cannot see {_words(unseen)} (a wrong ID, or a private channel)")
    if failures:
        problems.append(f"could not check {_words(failures)}")
    return Check(
        name,
        False,
        f"The bot {' and '.join(problems)}: check the IDs, and invite the bot in each channel "
        "with /invite @oversight.",
    )


def _user_groups(settings: Settings, client: WebClient) -> Check:
    name = "user groups"
    if not settings.allowed_users and not settings.allowed_usergroups:
        return Check(
            name,
            False,
            "No one may see the figures: OVERSIGHT_ALLOWED_USERS and OVERSIGHT_ALLOWED_USERGROUPS "
            "are both empty; add the Slack IDs of the people or user groups who may.",
        )
    if not settings.allowed_usergroups:
        empty = "OVERSIGHT_ALLOWED_USERGROUPS is empty"
        return Check(name, True, f"No user group is allowed ({empty}).")
    missing, failures, members = [], [], 0
    for group in sorted(settings.allowed_usergroups):
        try:
            members += len(client.usergroups_users_list(usergroup=group)["users"])
        except SlackApiError as error:
            if error.response.get("error") in ("no_such_subteam", "subteam_not_found"):
                missing.append(group)
            else:
                failures.append(f"{group} ({describe_failure(error)})")
        except Exception as error:
            failures.append(f"{group} ({describe_failure(error)})")
    if missing:
        return Check(
            name,
            False,
            f"Slack has no user group {_words(missing)} (OVERSIGHT_ALLOWED_USERGROUPS): copy each "
            "ID from the group's page in Slack, or remove it.",
        )
    if failures:
        return Check(name, False, f"Could not list the members of {_words(failures)}.")
    groups = _words(sorted(settings.allowed_usergroups))
    people = f"{members} member{'' if members == 1 else 's'}"
    return Check(name, True, f"The allowed user groups exist: {groups} ({people}).")


def _signing(settings: Settings) -> Check:
    name = "mode"
    if settings.slack_app_token:
        return Check(
            name, True, "Socket Mode (SLACK_APP_TOKEN is set): no public URL or signing secret."
        )
    if settings.slack_signing_secret:
        return Check(
            name, True, "HTTP mode: SLACK_SIGNING_SECRET is set to verify Slack's requests."
        )
    return Check(
        name,
        False,
        "HTTP mode has no SLACK_SIGNING_SECRET: copy the Signing Secret from Basic Information "
        "into it (or set SLACK_APP_TOKEN for Socket Mode).",
    )


# --- the database and the schedule --------------------------------------------------------------


def _database(path: Path) -> Check:
    from oversight.schema import CURRENT_VERSION
    from oversight.store import readable_by_others

    name = "database"
    if not path.is_file():
        return Check(
            name,
            False,
            f"There is no database at {path}: set OVERSIGHT_DB to it, or import an extract "
            "(oversight import cases FILE).",
        )
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            found = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as error:
        return Check(
            name,
            False,
            f"{path} cannot be read as an oversight database ({_sqlite_words(error)}): set "
            "OVERSIGHT_DB to the right file, or restore a backup (see Backups in the README).",
        )
    if found < CURRENT_VERSION:
        return Check(
            name,
            False,
            f"{path} has schema version {found}, older than this oversight's {CURRENT_VERSION}: "
            "run oversight status once to upgrade it.",
        )
    if found > CURRENT_VERSION:
        return Check(
            name,
            False,
            f"{path} was written by a newer oversight (schema {found}; this one knows up to "
            f"{CURRENT_VERSION}): upgrade oversight.",
        )
    others = readable_by_others(path)
    if others:
        return Check(
            name,
            False,
            f"Other users of this machine may read {_words(others)}: run chmod 600 {path}*.",
        )
    return Check(
        name,
        True,
        f"{path} opens with the current schema (version {found}) and only its owner may read it.",
    )


def _crime_months(settings: Settings) -> Check:
    """Months of recorded crime no force can have: before data.police.uk began, or after this
    month (an older oversight took any month a file named)."""
    from oversight.extracts.street_format import FIRST_MONTH, MONTH

    name = "crime data"
    path = settings.db_path
    this_month = settings.clock.today().isoformat()[:7]
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            held = conn.execute("SELECT DISTINCT force, month FROM crime_files").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return Check(name, None, "Not checked: the database must open first.")
    bad = sorted(
        (force, month)
        for force, month in held
        if not MONTH.fullmatch(month) or not FIRST_MONTH <= month <= this_month
    )
    if not bad:
        return Check(
            name, True, f"No month of recorded crime is before {FIRST_MONTH} or after now."
        )
    shown = ", ".join(f"{force} {month}" for force, month in bad[:5])
    more = f" and {len(bad) - 5:,} more" if len(bad) > 5 else ""
    return Check(
        name,
        False,
        f"The store holds recorded crime for months no force can have ({shown}{more}), left out "
        f"of every figure: take each out with oversight crimes remove FORCE MONTH.",
    )


def _sqlite_words(error: sqlite3.Error) -> str:
    text = str(error).lower()
    if "not a database" in text:
        return "not a SQLite file"
    if "malformed" in text or "corrupt" in text:
        return "damaged"
    if "unable to open" in text:
        return "it cannot be opened"
    return type(error).__name__


Schedule = Callable[[Settings, datetime], Iterable[tuple[object, datetime | None]]]


def _schedules() -> list[Schedule]:
    from importlib.metadata import entry_points

    return [ep.load() for ep in entry_points(group="oversight.schedules")]


def _schedule(settings: Settings, schedules: list[Schedule] | None = None) -> Check:
    from oversight.errors import UserError

    name = "schedule"
    if not settings.digest_channel:
        return Check(
            name,
            True,
            "DIGEST_CHANNEL is not set, so the digest, reminders and alarm are off (set it to "
            "a channel ID to turn them on).",
        )
    schedules = _schedules() if schedules is None else schedules
    if not schedules:
        return Check(
            name,
            False,
            "No scheduled jobs are installed (no oversight.schedules entry point): reinstall "
            "oversight.",
        )
    runs, never = [], []
    try:
        for schedule in schedules:
            for job, when in schedule(settings, settings.clock.now()):
                what = str(getattr(job, "name", job))
                if when is None:
                    never.append(f"{what} ({getattr(job, 'setting', '')})")
                else:
                    runs.append(f"{what} {when:%a %d %b %Y %H:%M %Z}")
    except UserError as error:
        return Check(name, False, str(error))
    if never:
        return Check(
            name,
            False,
            f"Never runs: {_words(never)}: give a time that comes round (a day that exists).",
        )
    return Check(name, True, f"Next runs, London time: {'; '.join(runs)}.")


def _late_posts(settings: Settings) -> Check:
    """The scheduled posts due and not yet sent (the jobs say which, through the
    ``oversight.late_posts`` entry point)."""
    from importlib.metadata import entry_points

    name = "posts"
    if not settings.digest_channel:
        return Check(name, True, "Nothing is scheduled: DIGEST_CHANNEL is not set.")
    if not settings.db_path.is_file():
        return Check(name, None, "Not checked: the database must open first.")
    try:
        late = [
            sentence
            for ep in entry_points(group="oversight.late_posts")
            for sentence in ep.load()(settings, settings.clock.now())
        ]
    except sqlite3.Error:
        return Check(name, None, "Not checked: the database must open first.")
    if late:
        return Check(name, False, " ".join(late))
    return Check(name, True, "Every scheduled post due so far has been sent.")


def _words(items: Iterable[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# --- the command ---------------------------------------------------------------------------------


@click.command()
@click.pass_context
def doctor(ctx: click.Context) -> None:
    """Check the set-up: the bot token and its scopes, the channels, the allowed user groups,
    HTTP mode's signing secret, the database, and the next scheduled runs. Exit status 0 when
    everything passes, 1 otherwise."""
    settings: Settings = ctx.find_object(Settings)
    checks = run_checks(settings)
    for check in checks:
        click.echo(check.line())
    ctx.exit(0 if all(c.ok for c in checks if c.ok is not None) else 1)
