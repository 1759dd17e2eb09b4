"""The monthly violence profile: the first working day of each month, exactly once (two
senders racing post one message; a third posts nothing), with its pictures and workbook."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from jobs.triggers import FirstWorkingDayTrigger
from oversight.clock import LONDON
from tests.support.cli import invoke, succeeded
from tests.support.jobs import CHANNEL, slack_env
from tests.support.processes import oversight, start_oversight
from tests.support.violence import hospital_extracts, street_files


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2020, 5, 1, 10, 0), datetime(2020, 6, 1, 9, 30)),  # Monday
        (datetime(2020, 12, 31, 12, 0), datetime(2021, 1, 4, 9, 30)),  # New Year, a weekend
        (datetime(2020, 7, 25, 0, 0), datetime(2020, 8, 3, 9, 30)),  # 1 Aug is a Saturday
        (datetime(2020, 6, 1, 9, 0), datetime(2020, 6, 1, 9, 30)),
    ],
)
def test_the_profile_goes_out_on_the_first_working_day_of_each_month(now, expected):
    trigger = FirstWorkingDayTrigger("09:30")
    fire = trigger.get_next_fire_time(None, now.replace(tzinfo=LONDON))
    assert fire == expected.replace(tzinfo=LONDON)


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    db = tmp_path / "oversight.db"
    street_files(tmp_path / "street")
    runner = CliRunner(env={"OVERSIGHT_DB": str(db), "OVERSIGHT_NOW": "2020-07-15T09:00"})
    succeeded(invoke(runner, "import", "crimes", str(tmp_path / "street")))
    for path in hospital_extracts(tmp_path):
        succeeded(invoke(runner, "import", "assaults", str(path)))
    return db


def test_preview_writes_the_pictures_and_workbook_owner_only(filled: Path, tmp_path: Path):
    runner = CliRunner(env={"OVERSIGHT_DB": str(filled), "OVERSIGHT_NOW": "2020-07-15T09:00"})
    out = tmp_path / "out"
    result = succeeded(invoke(runner, "profile", "preview", "--as-of", "2020-07-15",
                              "--out", str(out)))  # fmt: skip
    assert result.stdout.startswith("Violence problem profile — Greater Manchester Police")
    names = sorted(p.name for p in out.iterdir())
    assert names == ["violence-hours-2020-07.png", "violence-map-2020-07.png",
                     "violence-profile-2020-07.xlsx", "violence-trend-2020-07.png"]  # fmt: skip
    for path in out.iterdir():
        assert path.stat().st_mode & 0o077 == 0
        assert path.stat().st_size > 1000


@pytest.mark.slow
def test_two_senders_racing_post_one_profile_and_a_third_posts_nothing(
    tmp_path, digest_standin, filled
):
    env = slack_env(digest_standin, filled, VIOLENCE_CHANNEL=CHANNEL,
                    OVERSIGHT_NOW="2020-07-15T09:30")  # fmt: skip
    senders = [start_oversight(tmp_path, env, "profile", "send") for _ in range(2)]
    said = [sender.communicate(timeout=120) for sender in senders]
    assert [s.returncode for s in senders] == [0, 0], said
    outs = sorted(out.strip() for out, _ in said)
    assert sum(o.startswith("Posted") for o in outs) == 1, outs
    assert any("violence-profile for 2020-07 was" in o and o.endswith("nothing was posted.")
               for o in outs)  # fmt: skip
    (message,) = digest_standin.posted()
    assert message["text"].startswith("Violence problem profile")
    assert len(digest_standin.calls_to("chat.postMessage")) == 1
    assert len(digest_standin.calls_to("upload")) == 4  # three pictures and the workbook
    before = len(digest_standin.calls)
    third = oversight(tmp_path, env, "profile", "send")
    assert third.returncode == 0 and third.stdout.strip().endswith("nothing was posted.")
    assert len(digest_standin.calls) == before
    # The next month is a month of its own.
    env["OVERSIGHT_NOW"] = "2020-08-03T09:30"
    fourth = oversight(tmp_path, env, "profile", "send")
    assert fourth.returncode == 0 and fourth.stdout.startswith("Posted"), fourth.stdout
    assert len(digest_standin.posted()) == 2
