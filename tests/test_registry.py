"""The registries: every kind, command and renderer is declared once and everything derives from
them; a store that knows a kind this version does not is still shown, never a crash."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from oversight.answers import ANSWER_TYPES, COMMANDS, Command, Query, answer, parse_command
from oversight.answers.overview import OversightOptions
from oversight.clock import LONDON
from oversight.importing.kinds import KINDS, kind_label
from oversight.registry import Registry
from oversight.render import RENDERERS
from oversight.render.blocks import render_blocks
from oversight.store import Store, open_store
from tests.support.blocks import assert_within_limits
from tests.support.data import NOW, settings
from tests.support.processes import CliRun, copy_database, demo_database


def test_a_name_is_registered_once():
    registry: Registry[str] = Registry("thing", lambda thing: thing)
    registry.register("a")
    with pytest.raises(ValueError, match="already registered"):
        registry.register("a")
    assert registry.names() == ["a"] and "a" in registry and registry.get("b") is None


@pytest.mark.parametrize("renderer", RENDERERS.names())
@pytest.mark.parametrize("answer_type", ANSWER_TYPES, ids=lambda t: t.__name__)
def test_every_answer_type_has_a_rendering_in_every_renderer(renderer: str, answer_type: type):
    assert RENDERERS[renderer].has_rendering(answer_type)


def test_a_type_without_a_rendering_is_noticed():
    class Unrendered:
        pass

    assert not RENDERERS["text"].has_rendering(Unrendered)
    assert not RENDERERS["blocks"].has_rendering(Unrendered)


@pytest.mark.parametrize("command", COMMANDS.names())
def test_every_command_answers_with_registered_answer_types(command: str):
    declared: Command = COMMANDS[command]
    assert declared.answer_types and set(declared.answer_types) <= set(ANSWER_TYPES)
    assert declared.examples and all(e.split()[0] == declared.slash for e in declared.examples)
    for example in declared.examples:
        assert parse_command(example).command == command


def test_every_kind_has_a_label_a_table_and_a_key():
    for kind in KINDS:
        assert kind.label and kind.noun and kind.table
        assert set(kind.key) <= set(kind.names)


# --- a kind this version does not know ----------------------------------------------------------


def _add_unknown_kind(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO imports (kind, file_name, sha256, rows_read, inserted, updated, "
            "unchanged, not_in_file, imported_by, imported_at, extract_as_of) VALUES "
            "('stop_searches', '2019-07-greater-manchester-stop-and-search.csv', 'ab', "
            "10, 10, 0, 0, 0, "
            "'analyst', '2020-06-30T17:00:00+01:00', '2020-06-30')"
        )
    conn.close()


def test_status_names_a_kind_it_does_not_know(db: Path, cli: CliRun):
    _add_unknown_kind(db)
    assert "stop_searches" not in KINDS
    result = cli("status")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    [line] = [x for x in result.stdout.splitlines() if "stop_searches" in x]
    assert kind_label("stop_searches") in line
    assert "2019-07-greater-manchester-stop-and-search.csv" in line
    for kind in KINDS:  # the kinds it does know are still shown
        assert f"  {kind.label}: " in result.stdout
    as_json = json.loads(cli("status", "--json").stdout)
    assert (
        as_json["sources"]["stop_searches"]["file_name"]
        == "2019-07-greater-manchester-stop-and-search.csv"
    )
    asked = cli("ask", "/oversight status")
    assert asked.returncode == 0 and kind_label("stop_searches") in asked.stdout


def test_slack_status_names_a_kind_it_does_not_know(db: Path):
    _add_unknown_kind(db)
    with open_store(db) as store:
        result = answer(store, Query("oversight", OversightOptions("status")), NOW, settings())
    text, blocks = render_blocks(result)
    shown = json.dumps(blocks, ensure_ascii=False)
    assert kind_label("stop_searches").replace('"', '\\"') in shown
    assert "2019-07-greater-manchester-stop-and-search.csv" in shown
    assert text.startswith("Oversight status")


# --- every registered command, and every scheduled message, on the demo store --------------------

DEMO_NOW = datetime(2020, 7, 15, 9, tzinfo=LONDON)  # after the demo's last extract


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = copy_database(demo_database(tmp_path_factory), tmp_path_factory.mktemp("r") / "d.db")
    with open_store(path) as store:
        yield store


def _renders_everywhere(result: object) -> None:
    text = RENDERERS["text"].render(result)
    assert isinstance(text, str) and text.strip()
    fallback, blocks = RENDERERS["blocks"].render(result)
    assert_within_limits(fallback, blocks)
    data = json.loads(RENDERERS["json"].render(result))
    assert data["command"] == result.command and data


@pytest.mark.parametrize("typed", [example for command in COMMANDS for example in command.examples])
def test_every_example_of_every_command_renders_everywhere_on_the_demo(demo_store, typed):
    result = answer(demo_store, parse_command(typed), DEMO_NOW, settings())
    assert isinstance(result, COMMANDS[parse_command(typed).command].answer_types)
    _renders_everywhere(result)


def test_every_scheduled_message_renders_everywhere_on_the_demo(demo_store):
    from oversight.answers.alarms import crime_alarms, integrity_alerts, stale_alarm
    from oversight.answers.digest import weekly_digest
    from oversight.answers.reminders import reminders, request_reminders

    messages = [
        weekly_digest(demo_store, DEMO_NOW.date(), DEMO_NOW, settings()),
        reminders(demo_store, DEMO_NOW.date(), 5),
        *request_reminders(demo_store, DEMO_NOW.date(), 5),
        stale_alarm(demo_store, DEMO_NOW, settings()),
        *integrity_alerts(demo_store, DEMO_NOW, DEMO_NOW - timedelta(days=30)),
        # A year on, the demo's force has published nothing since June 2020.
        *crime_alarms(demo_store, DEMO_NOW + timedelta(days=365), settings()),
    ]
    assert {type(m) for m in messages} == {
        t
        for t in ANSWER_TYPES
        if t.__module__
        in ("oversight.answers.digest", "oversight.answers.reminders", "oversight.answers.alarms")
    }
    for message in messages:
        _renders_everywhere(message)
