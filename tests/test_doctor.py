"""``oversight doctor`` against the Slack stand-in: every check passes on a good set-up, and each
fails in turn, alone, with the fix in its sentence; exit status 0, or 1 when anything fails.

It runs in this process through click's runner (``runner`` fixture): it starts no server. The
stand-in answers ``auth.test`` without Slack's ``x-oauth-scopes`` header, so each test gives it
the answer Slack would (``answer_auth``).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from oversight.slack.doctor import MANIFEST_SCOPES
from tests.support.cli import invoke
from tests.support.slack import (
    APP_TOKEN,
    BOT_TOKEN,
    BRIEFING,
    GROUP,
    SIGNING_SECRET,
    populate,
)
from tests.support.slack_standin import Fault, SlackStandIn

DIGEST = "CDIGEST"
CHECKS = [
    "bot token",
    "scopes",
    "channels",
    "user groups",
    "mode",
    "database",
    "crime data",
    "schedule",
    "posts",
]
AUTH = {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "url": "https://x/"}


def answer_auth(slack: SlackStandIn, scopes: set[str] | None = None, **fault: object) -> None:
    """The next auth.test gets Slack's answer, with the scopes the token carries."""
    granted = MANIFEST_SCOPES if scopes is None else scopes
    headers = {} if fault.pop("no_header", False) else {"x-oauth-scopes": ",".join(sorted(granted))}
    slack.fail("auth.test", Fault(status=200, body=AUTH, headers=headers, **fault))


@pytest.fixture
def workspace(slack_standin: SlackStandIn, db: Path) -> SlackStandIn:
    """The bot tests' workspace, the bot a member of its channels, and a private database."""
    populate(slack_standin)
    for channel in (DIGEST, BRIEFING):
        slack_standin.add_channel(channel, is_member=True)
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{db}{suffix}").exists():
            os.chmod(f"{db}{suffix}", 0o600)
    return slack_standin


def doctor(runner, slack: SlackStandIn, **env: str | None) -> tuple[int, dict[str, str]]:
    """``oversight doctor``: its exit status, and each check's line by the check's name."""
    settings = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "DIGEST_CHANNEL": DIGEST,
        "OVERSIGHT_SHARE_CHANNELS": BRIEFING,
        "OVERSIGHT_ALLOWED_USERS": "UMAYOR",
        "OVERSIGHT_ALLOWED_USERGROUPS": GROUP,
        "OVERSIGHT_NOW": "2020-06-30T09:00",
        **env,
    }
    result = invoke(runner, "doctor", env=settings)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(CHECKS), result.stdout
    found = {}
    for line, name in zip(lines, CHECKS, strict=True):
        status, rest = line.split(maxsplit=1)
        assert rest.startswith(name), line
        found[name] = f"{status} {rest[len(name) :].strip()}"
    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET):
        assert secret not in result.output
    return result.exit_code, found


def test_a_good_set_up_passes_every_check_with_what_was_found(runner, workspace):
    answer_auth(workspace)
    code, found = doctor(runner, workspace)
    assert code == 0
    assert all(line.startswith("ok ") for line in found.values()), found
    assert "UBOT in team T1" in found["bot token"]
    assert f"exactly the {len(MANIFEST_SCOPES)} scopes" in found["scopes"]
    assert DIGEST in found["channels"] and BRIEFING in found["channels"]
    assert GROUP in found["user groups"]
    assert "SLACK_SIGNING_SECRET is set" in found["mode"]
    assert "current schema" in found["database"]
    # The next runs, in London time: Tuesday 30 June 2020 at 09:00 is past the digest's hour.
    assert "Weekly digest Mon 06 Jul 2020 09:00 BST" in found["schedule"]
    assert "Deadline reminders Wed 01 Jul 2020 08:30 BST" in found["schedule"]
    assert [c.method for c in workspace.calls] == [
        "auth.test",
        "conversations.info",
        "conversations.info",
        "usergroups.users.list",
    ]
    assert {c.token for c in workspace.calls} == {BOT_TOKEN}


def test_socket_mode_needs_no_signing_secret(runner, workspace):
    answer_auth(workspace)
    code, found = doctor(runner, workspace, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET=None)
    assert code == 0
    assert found["mode"].startswith("ok Socket Mode")


def _older_schema(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 1")
    conn.close()


def _not_a_database(db: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.write_bytes(b"not a database at all\n" * 200)


# The settings, and what else breaks (a function of the stand-in and the database; or of the
# stand-in alone, which then gives auth.test's answer itself), the one check that must fail, and
# words its sentence must hold.
FAILURES = [
    pytest.param(
        {"SLACK_BOT_TOKEN": None}, None, "bot token", ["SLACK_BOT_TOKEN is not set"], id="no-token"
    ),
    pytest.param(
        {},
        lambda s: s.fail("auth.test", Fault(body={"ok": False, "error": "invalid_auth"})),
        "bot token",
        ["invalid_auth", "Copy the Bot User OAuth Token again"],
        id="token-refused",
    ),
    pytest.param(
        {},
        lambda s: s.fail("auth.test", *[Fault(drop=True)] * 3),
        "bot token",
        ["could not be reached", "SLACK_API_URL"],
        id="slack-unreachable",
        marks=pytest.mark.slow,  # the client's retries wait between tries
    ),
    pytest.param(
        {},
        lambda s: answer_auth(s, MANIFEST_SCOPES - {"usergroups:read"}),
        "scopes",
        ["lacks usergroups:read", "add it", "reinstall the app"],
        id="scope-missing",
    ),
    pytest.param(
        {},
        lambda s: answer_auth(s, MANIFEST_SCOPES | {"chat:write.public", "admin"}),
        "scopes",
        ["has admin and chat:write.public", "remove them", "reinstall the app"],
        id="scopes-extra",
    ),
    pytest.param(
        {},
        lambda s: answer_auth(s, no_header=True),
        "scopes",
        ["no x-oauth-scopes header"],
        id="scopes-unknown",
    ),
    pytest.param(
        {},
        lambda s, _: s.add_channel(DIGEST, is_member=False),
        "channels",
        [f"not a member of {DIGEST} (DIGEST_CHANNEL)", "/invite @oversight"],
        id="not-in-digest-channel",
    ),
    pytest.param(
        {"OVERSIGHT_SHARE_CHANNELS": "CGONE"},
        None,
        "channels",
        ["cannot see CGONE (OVERSIGHT_SHARE_CHANNELS)", "check the IDs"],
        id="share-channel-not-found",
    ),
    pytest.param(
        {"OVERSIGHT_ALLOWED_USERGROUPS": f"{GROUP},SNOSUCH"},
        None,
        "user groups",
        ["no user group SNOSUCH", "OVERSIGHT_ALLOWED_USERGROUPS"],
        id="user-group-missing",
    ),
    pytest.param(
        {"OVERSIGHT_ALLOWED_USERGROUPS": None, "OVERSIGHT_ALLOWED_USERS": None},
        None,
        "user groups",
        ["No one may see the figures"],
        id="nobody-allowed",
    ),
    pytest.param(
        {"SLACK_SIGNING_SECRET": None},
        None,
        "mode",
        ["no SLACK_SIGNING_SECRET", "Basic Information"],
        id="http-without-signing-secret",
    ),
    pytest.param(
        {},
        lambda _, db: db.chmod(0o644),
        "database",
        ["Other users of this machine may read", "chmod 600"],
        id="database-readable-by-others",
    ),
    pytest.param(
        {},
        lambda _, db: _older_schema(db),
        "database",
        ["schema version 1, older", "oversight status"],
        id="database-older-schema",
    ),
    pytest.param(
        {},
        lambda _, db: _not_a_database(db),
        "database",
        ["cannot be read as an oversight database (not a SQLite file)"],
        id="not-a-database",
    ),
    pytest.param(
        {"OVERSIGHT_DB": "/nonexistent/oversight.db"},
        None,
        "database",
        ["There is no database at /nonexistent/oversight.db", "OVERSIGHT_DB"],
        id="no-database",
    ),
    pytest.param(
        {},
        lambda _, db: _a_month_no_force_can_have(db),
        "crime data",
        ["Greater Manchester Police 0000-01", "oversight crimes remove FORCE MONTH"],
        id="crime-month-out-of-range",
    ),
    pytest.param(
        {"OVERSIGHT_NOW": "2020-07-06T09:30"},  # the digest was due at 09:00 and is not sent
        None,
        "posts",
        ["The weekly digest due Mon 06 Jul 2020 09:00 BST has not been posted (30 minutes late)"],
        id="digest-late",
    ),
    pytest.param(
        # Wednesday 1 July is the month's first working day: the profile was due at 09:00.
        {
            "OVERSIGHT_NOW": "2020-07-01T10:15",
            "VIOLENCE_CHANNEL": "C0DIGEST",
            "VIOLENCE_TIME": "09:00",
        },
        None,
        "posts",
        [
            "The violence profile due Wed 01 Jul 2020 09:00 BST has not been posted "
            "(75 minutes late)"
        ],
        id="violence-profile-late",
    ),
    pytest.param(
        {"DIGEST_CRON": "0 9 31 2 *"},
        None,
        "schedule",
        ["Never runs: Weekly digest (DIGEST_CRON=0 9 31 2 *)"],
        id="digest-never-runs",
    ),
]


def _a_month_no_force_can_have(db: Path) -> None:
    """A month "0000-01", as an older oversight, which took any month, would have stored it."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO crime_files (force, month, file_name, sha256, rows_read, crimes, asb, "
            "no_location, import_id) VALUES ('Greater Manchester Police', '0000-01', 'x.csv', "
            "'ab', 1, 1, 0, 0, 1)"
        )
    conn.close()


@pytest.mark.parametrize(("env", "breakage", "failing", "words"), FAILURES)
def test_each_check_fails_alone_with_the_fix_in_a_sentence(
    runner, workspace, db, env, breakage, failing, words
):
    if breakage is None or breakage.__code__.co_argcount == 2:
        answer_auth(workspace)  # Slack's good answer; a breakage of one argument answers itself
    if breakage is not None:
        breakage(*(workspace, db)[: breakage.__code__.co_argcount])
    code, found = doctor(runner, workspace, **env)
    assert code == 1
    failed = [name for name, line in found.items() if line.startswith("FAIL ")]
    assert failed == [failing], found
    sentence = found[failing].removeprefix("FAIL ")
    assert sentence.endswith("."), sentence
    for word in words:
        assert word in sentence, sentence
    if failing == "bot token":  # the checks that need the token say they were not checked
        assert all(found[n].startswith("-- Not checked") for n in CHECKS[1:4]), found
    else:
        # What is in a database cannot be looked at when the database does not open.
        unchecked = {"crime data", "posts"} if failing == "database" else set()
        assert all(
            line.startswith("ok ") or (n in unchecked and line.startswith("-- Not checked"))
            for n, line in found.items()
            if n != failing
        ), found
