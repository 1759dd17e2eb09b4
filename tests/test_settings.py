"""Settings: read once from the environment and an optional .env file; the environment wins."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from oversight.clock import LONDON
from oversight.errors import UserError
from oversight.settings import load_settings

REPO = Path(__file__).resolve().parent.parent


def env_file(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / ".env"
    path.write_bytes(text.encode(encoding))
    return path


def test_the_defaults_when_nothing_is_set(tmp_path: Path) -> None:
    settings = load_settings(environ={}, env_file=tmp_path / "absent.env")
    assert settings.db_path == Path("oversight.db")
    assert settings.clock.fixed is None
    assert settings.stale_after_days == 8


def test_the_environment_alone(tmp_path: Path) -> None:
    settings = load_settings(
        environ={
            "OVERSIGHT_DB": str(tmp_path / "real.db"),
            "OVERSIGHT_NOW": "2020-06-30T10:15",
            "STALE_AFTER_DAYS": "3",
        },
        env_file=None,
    )
    assert settings.db_path == tmp_path / "real.db"
    assert settings.clock.now() == datetime(2020, 6, 30, 10, 15, tzinfo=LONDON)
    assert settings.stale_after_days == 3


def test_values_are_read_from_the_env_file(tmp_path: Path) -> None:
    path = env_file(
        tmp_path,
        "# a comment\n"
        "export OVERSIGHT_DB='from file.db'\n"
        'OVERSIGHT_NOW="2020-01-15"  # a fixed day\n'
        "STALE_AFTER_DAYS=12\n"
        "UNRELATED=1\n",
    )
    settings = load_settings(environ={}, env_file=path)
    assert settings.db_path == Path("from file.db")
    assert settings.clock.now() == datetime(2020, 1, 15, 9, 0, tzinfo=LONDON)
    assert settings.stale_after_days == 12


def test_the_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    path = env_file(
        tmp_path,
        "OVERSIGHT_DB=file.db\nOVERSIGHT_NOW=2020-01-15\nSTALE_AFTER_DAYS=12\n",
    )
    settings = load_settings(
        environ={"OVERSIGHT_DB": "environment.db", "STALE_AFTER_DAYS": "2"}, env_file=path
    )
    assert settings.db_path == Path("environment.db")
    assert settings.stale_after_days == 2
    # What the environment does not set still comes from the file.
    assert settings.clock.today().isoformat() == "2020-01-15"


def test_no_env_file_means_the_file_is_not_read(tmp_path: Path) -> None:
    env_file(tmp_path, "OVERSIGHT_DB=file.db\n")
    assert load_settings(environ={}, env_file=None).db_path == Path("oversight.db")


def test_the_process_environment_is_used_when_no_mapping_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OVERSIGHT_DB", str(tmp_path / "process.db"))
    monkeypatch.setenv("OVERSIGHT_NOW", "2020-06-30")
    monkeypatch.delenv("STALE_AFTER_DAYS", raising=False)
    settings = load_settings(env_file=env_file(tmp_path, "STALE_AFTER_DAYS=5\n"))
    assert settings.db_path == tmp_path / "process.db"
    assert settings.clock.today().isoformat() == "2020-06-30"
    assert settings.stale_after_days == 5


def test_an_empty_oversight_now_means_the_system_clock(tmp_path: Path) -> None:
    settings = load_settings(environ={"OVERSIGHT_NOW": "  "}, env_file=None)
    assert settings.clock.fixed is None


def test_a_home_relative_database_path_is_expanded() -> None:
    settings = load_settings(environ={"OVERSIGHT_DB": "~/oversight/records.db"}, env_file=None)
    assert settings.db_path == Path.home() / "oversight" / "records.db"


def test_the_shipped_example_env_file_is_valid() -> None:
    example = REPO / ".env.example"
    if not example.exists():
        pytest.skip(".env.example is not in this checkout")
    settings = load_settings(environ={}, env_file=example)
    assert settings.db_path == Path("oversight.db")
    assert settings.clock.fixed is None
    assert settings.stale_after_days == 8


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "7 days"])
def test_stale_after_days_must_be_a_whole_number_of_days(value: str) -> None:
    with pytest.raises(UserError) as caught:
        load_settings(environ={"STALE_AFTER_DAYS": value}, env_file=None)
    assert "STALE_AFTER_DAYS" in str(caught.value)
    assert f'"{value}"' in str(caught.value)


@pytest.mark.parametrize(
    ("value", "percent"), [("", 1.0), ("0", 0.0), ("0.5", 0.5), ("2%", 2.0), (" 1.5 % ", 1.5)]
)
def test_revision_alert_is_a_percentage(value: str, percent: float) -> None:
    settings = load_settings(environ={"REVISION_ALERT": value}, env_file=None)
    assert settings.revision_alert_percent == percent


@pytest.mark.parametrize("value", ["-1", "101", "abc", "1e3", "nan", "1..2", "%"])
def test_a_bad_revision_alert_is_one_sentence(value: str) -> None:
    with pytest.raises(UserError) as caught:
        load_settings(environ={"REVISION_ALERT": value}, env_file=None)
    assert str(caught.value) == (
        f'REVISION_ALERT must be a percentage from 0 to 100, such as 1 or 0.5%, not "{value}".'
    )


def test_stale_after_days_may_have_spaces_around_it() -> None:
    assert load_settings(environ={"STALE_AFTER_DAYS": " 14 "}, env_file=None).stale_after_days == 14


@pytest.mark.parametrize("value", ["yesterday", "30/06/2020", "2020-02-30"])
def test_a_bad_oversight_now_is_the_users_mistake(value: str) -> None:
    with pytest.raises(UserError) as caught:
        load_settings(environ={"OVERSIGHT_NOW": value}, env_file=None)
    message = str(caught.value)
    assert message.startswith("OVERSIGHT_NOW must be an ISO date")
    assert f'"{value}"' in message


def test_a_bad_value_in_the_env_file_is_reported_like_one_in_the_environment(
    tmp_path: Path,
) -> None:
    with pytest.raises(UserError, match="OVERSIGHT_NOW"):
        load_settings(environ={}, env_file=env_file(tmp_path, "OVERSIGHT_NOW=next week\n"))


def test_an_env_file_that_is_not_utf8_is_the_users_mistake(tmp_path: Path) -> None:
    path = env_file(tmp_path, "OVERSIGHT_DB=café.db\n", encoding="latin-1")
    with pytest.raises(UserError, match="not UTF-8"):
        load_settings(environ={}, env_file=path)


def test_a_folder_named_env_is_not_read(tmp_path: Path) -> None:
    (tmp_path / ".env").mkdir()
    assert load_settings(environ={}, env_file=tmp_path / ".env").db_path == Path("oversight.db")
