"""deploy/: the systemd unit runs ``oversight bot`` as an unprivileged user with owner-only files,
its settings from an EnvironmentFile, restarted on failure but not after a settings mistake; the
nginx example passes the bot's own limits and only Slack's path."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from tests.support.data import CASE_HEADER, DEADLINE_HEADER, TEST_NOW, case, write_csv
from tests.support.processes import clean_env
from tests.support.runtime_lock import canonical, pinned, runtime_lock

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file's sections, each key with every value given to it."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        assert current is not None and _, raw
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_the_bot_runs_unprivileged_with_owner_only_files_and_settings_from_a_file():
    service = unit(DEPLOY / "oversight-bot.service")["Service"]
    assert service["User"] == ["oversight"] and service["User"] != ["root"]
    assert service["UMask"] == ["0077"]
    assert service["Restart"] == ["on-failure"]
    assert service["RestartPreventExitStatus"] == ["2"]  # a settings mistake: say it, once
    [env_file] = service["EnvironmentFile"]
    assert env_file.startswith("/etc/") and not env_file.startswith("-")  # required, not optional
    [start] = service["ExecStart"]
    assert re.fullmatch(r"/\S+/oversight bot --host 127\.0\.0\.1", start)
    assert service["NoNewPrivileges"] == ["yes"]
    assert service["ReadWritePaths"] == service["WorkingDirectory"]
    # Nothing secret is written into the unit itself.
    text = (DEPLOY / "oversight-bot.service").read_text(encoding="utf-8")
    assert not re.search(r"x(ox[abp]|app)-\w", text)
    assert "Environment=" not in text.replace("EnvironmentFile=", "")
    install = unit(DEPLOY / "oversight-bot.service")["Install"]
    assert install["WantedBy"] == ["multi-user.target"]


def test_the_proxy_example_forwards_only_slacks_path_with_the_bots_limits():
    conf = (DEPLOY / "nginx-oversight.conf").read_text(encoding="utf-8")
    assert "location = /slack/events" in conf
    assert re.search(r"client_max_body_size\s+1m;", conf)  # HTTP_MAX_BODY_BYTES
    assert re.search(r"server 127\.0\.0\.1:3000;", conf)  # the bot on loopback, on PORT
    assert "ssl_certificate " in conf


# --- the production install, the backup timer and the drop folder -----------------------------

REPO = DEPLOY.parent
BOT = unit(DEPLOY / "oversight-bot.service")["Service"]


def test_the_runtime_lock_is_the_runtime_part_of_requirements_lock():
    text = (REPO / "requirements-runtime.lock").read_text(encoding="utf-8")
    assert text == runtime_lock(), "write it again: .venv/bin/python -m tests.support.runtime_lock"
    names = {canonical(line.split("==")[0]) for line in text.splitlines() if "==" in line}
    assert {"slack-bolt", "waitress", "apscheduler", "pandas", "setuptools"} <= names
    assert not names & {"pytest", "pytest-xdist", "hypothesis", "ruff", "websockets"}  # dev only
    locked = pinned()
    for line in text.splitlines():
        if "==" in line:
            name, version = line.split("==")
            assert locked[canonical(name)] == (name, version)  # the very pin CI tested


def test_the_backup_and_import_units_run_as_the_bot_does_without_the_network():
    bin_folder = BOT["ExecStart"][0].split()[0].rsplit("/", 1)[0]
    for name in ("oversight-backup.service", "oversight-import.service"):
        service = unit(DEPLOY / name)["Service"]
        for key in ("User", "Group", "UMask", "WorkingDirectory", "EnvironmentFile"):
            assert service[key] == BOT[key], (name, key)
        assert service["Type"] == ["oneshot"]
        [start] = service["ExecStart"]
        assert start.split()[0].rsplit("/", 1)[0] == bin_folder, name  # the same release
        assert service["ReadWritePaths"] == BOT["ReadWritePaths"]
        assert service["PrivateNetwork"] == ["yes"] and service["NoNewPrivileges"] == ["yes"]
        assert service["ProtectSystem"] == ["strict"]


def test_the_timer_backs_up_daily_keeping_the_newest_n_inside_the_store_folder():
    timer = unit(DEPLOY / "oversight-backup.timer")
    assert timer["Timer"]["Unit"] == ["oversight-backup.service"]
    assert (DEPLOY / "oversight-backup.service").is_file()
    [when] = timer["Timer"]["OnCalendar"]
    assert re.fullmatch(r"\*-\*-\* \d\d:\d\d:00 Europe/London", when)  # daily, London time
    assert timer["Timer"]["Persistent"] == ["yes"]  # a night missed is caught up at start
    assert timer["Install"]["WantedBy"] == ["timers.target"]
    [start] = unit(DEPLOY / "oversight-backup.service")["Service"]["ExecStart"]
    match = re.fullmatch(r"/\S+/oversight backup --keep (\d+) (/\S+)", start)
    assert match and int(match.group(1)) >= 1
    assert match.group(2).startswith(BOT["ReadWritePaths"][0] + "/")


def test_the_path_unit_watches_the_folder_the_import_service_empties():
    path = unit(DEPLOY / "oversight-import.path")
    [watched] = path["Path"]["DirectoryNotEmpty"]
    assert path["Path"]["Unit"] == ["oversight-import.service"]
    [start] = unit(DEPLOY / "oversight-import.service")["Service"]["ExecStart"]
    program, folder = start.split()
    assert folder == watched and watched.startswith(BOT["ReadWritePaths"][0] + "/")
    # The program is the script in deploy/, which make install puts beside oversight.
    script = DEPLOY / program.rsplit("/", 1)[1]
    assert script.is_file() and script.stat().st_mode & 0o111
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(rf"install -m 755 deploy/{script.name} \"\$\(PREFIX\)/bin/\"", makefile)


def test_the_proxy_example_uses_no_directive_of_some_nginx_versions_only():
    conf = (DEPLOY / "nginx-oversight.conf").read_text(encoding="utf-8")
    directives = [line.split("#")[0].strip() for line in conf.splitlines()]
    # `http2 on;` fails before nginx 1.25.1 (Debian 12 has 1.22); `listen ... http2` is
    # deprecated from 1.25.1 (Debian 13 has 1.26).
    assert not [d for d in directives if re.match(r"http2\b", d) or re.match(r"listen.*\bhttp2", d)]
    assert "listen 443 ssl;" in directives


def test_the_readme_names_every_deployment_file():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for path in DEPLOY.iterdir():
        assert f"deploy/{path.name}" in readme, path.name


@pytest.mark.slow
def test_the_drop_folder_script_imports_what_its_names_say_and_refuses_the_rest(tmp_path):
    oversight = Path(sys.executable).parent / "oversight"
    assert oversight.is_file()
    drop = tmp_path / "incoming"
    drop.mkdir()
    write_csv(drop / "cases-da-2020-06-30.csv", CASE_HEADER, [case(f"DA-{n}") for n in range(3)])
    write_csv(drop / "deadlines-2020-06-30.csv", DEADLINE_HEADER, [])  # no rows: refused
    write_csv(drop / "deadlines.csv", DEADLINE_HEADER, [["Q3 return", "2020-07-31"]])  # today's
    (drop / "notes.txt").write_text("not an extract")
    (drop / "crimes-2020-05").mkdir()  # a folder: zip it
    abandoned = drop / ".cases-2020-06-23.csv.aB3dE9"
    abandoned.write_text("half an upload")
    os.utime(abandoned, (time.time() - 7200, time.time() - 7200))
    uploading = drop / ".cases-2020-07-01.csv.Zx81Qa"  # as rsync writes, then renames
    write_csv(
        uploading, CASE_HEADER, [case(f"DA-{n}", review_status="in_progress") for n in (1, 9)]
    )
    db = tmp_path / "store" / "oversight.db"
    db.parent.mkdir()
    env = clean_env(OVERSIGHT=str(oversight), OVERSIGHT_DB=str(db), OVERSIGHT_NOW=TEST_NOW)
    script = DEPLOY / "oversight-import-incoming"
    run = subprocess.Popen(
        [str(script), str(drop)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )

    def imports() -> list[tuple]:
        try:
            with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
                return conn.execute(
                    "SELECT file_name, extract_as_of, scope, imported_by FROM imports ORDER BY id"
                ).fetchall()
        except sqlite3.OperationalError:  # not made yet, or not yet its tables
            return []

    first = [
        ("cases-da-2020-06-30.csv", "2020-06-30", "domestic_abuse", "drop folder"),
        ("deadlines.csv", "2020-07-01", None, "drop folder"),  # no date in the name: today's
    ]
    deadline = time.monotonic() + 60
    while imports() != first and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)
    assert imports() == first  # the upload under way is waited for, not imported half done
    assert run.poll() is None
    uploading.rename(drop / "cases-2020-07-01.csv")
    out, err = run.communicate(timeout=60)
    assert run.returncode == 2, (out, err)  # some were refused
    assert imports() == [*first, ("cases-2020-07-01.csv", "2020-07-01", None, "drop folder")]
    assert list(drop.iterdir()) == []
    done = {p.name for p in (tmp_path / "imported").iterdir()}
    assert done == {"cases-da-2020-06-30.csv", "deadlines.csv", "cases-2020-07-01.csv"}
    refused = {p.name for p in (tmp_path / "refused").iterdir()}
    assert refused == {"deadlines-2020-06-30.csv", "notes.txt", "crimes-2020-05", abandoned.name}
    for name in refused:
        assert f"Refused {name}, moved to {tmp_path / 'refused'}: " in out
    assert "deadlines-2020-06-30.csv has a header but no data rows." in err
