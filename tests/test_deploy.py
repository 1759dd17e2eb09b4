"""deploy/: the systemd unit runs ``oversight bot`` as an unprivileged user with owner-only files,
its settings from an EnvironmentFile, restarted on failure but not after a settings mistake; the
nginx example passes the bot's own limits and only Slack's path."""

from __future__ import annotations

import re
from pathlib import Path

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
