"""A new command and a new kind are each declared once, through the registries, and everything
that lists them follows: here a toy command and a toy kind are added at run time (no other module
touched) and turn up in ``/oversight help``, the usage text, the manifest check, every
renderer, ``oversight import`` and ``oversight status``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from oversight.answers import ANSWER_TYPES, COMMANDS, Command, UsageError, answer, parse_command
from oversight.answers.commands import answer_model
from oversight.importing.kind import Column, Kind
from oversight.importing.kinds import KINDS
from oversight.importing.tabular import import_rows
from oversight.render import RENDERERS
from oversight.render.blocks import Block, blocks_of, section
from oversight.render.text import lines_of
from oversight.store import Store, open_store
from oversight.values import parse_text
from tests.support.cli import invoke
from tests.support.data import NOW, settings, write_csv
from tests.support.manifest import MANIFEST, command_problems, read_manifest


@answer_model
@dataclass(frozen=True)
class ToyAnswer:
    as_of: date
    deadlines: int  # open deadlines on the date: a figure from the store
    command: str = "toy"


@dataclass(frozen=True)
class ToyOptions:
    times: int = 1


def _parse(rest: str) -> ToyOptions:
    if rest and not rest.isdecimal():
        raise UsageError(f'"{rest}" is not a number.', "toy")
    return ToyOptions(int(rest) if rest else 1)


def _answer(store: Store, query: object, now: datetime, settings: object) -> ToyAnswer:
    (n,) = store.conn.execute(
        "SELECT count(*) FROM deadlines WHERE due_on <= ?", (query.as_of.isoformat(),)
    ).fetchone()
    return ToyAnswer(as_of=query.as_of, deadlines=n * query.options.times)


@lines_of.register
def _(answer: ToyAnswer) -> list[str]:
    return [f"Toy: {answer.deadlines} as of {answer.as_of}"]


@blocks_of.register
def _(answer: ToyAnswer) -> tuple[str, list[Block]]:
    return f"Toy: {answer.deadlines}", [section(f"*Toy*: {answer.deadlines}")]


TOY = Command(
    name="toy",
    syntax="[N] [as of YYYY-MM-DD]",
    summary="a toy: open deadlines due by the date, N times over",
    examples=("/toy", "/toy 3"),
    options=ToyOptions,
    parse=_parse,
    words=lambda options: [] if options.times == 1 else [str(options.times)],
    answer=_answer,
    answer_types=(ToyAnswer,),
    rank=60,
)
TOY_KIND = Kind(
    name="toys",
    label="toy counts",
    noun="toy count",
    table="toys",
    columns=(Column("toy", parse_text, required=True), Column("colour", parse_text)),
    key=("toy",),
    importer=import_rows,
)
ANSWER_TYPES.unregister("ToyAnswer")  # registered only while a test adds the toy command


@pytest.fixture
def toy_command() -> Iterator[Command]:
    COMMANDS.register(TOY)
    ANSWER_TYPES.register(ToyAnswer)
    try:
        yield TOY
    finally:
        COMMANDS.unregister("toy")
        ANSWER_TYPES.unregister("ToyAnswer")


@pytest.fixture
def toy_kind(tmp_path: Path) -> Iterator[Kind]:
    # What the kind's named migration would create.
    with open_store(tmp_path / "oversight.db", create=True) as store, store.write() as conn:
        conn.execute("CREATE TABLE toys (toy TEXT PRIMARY KEY, colour TEXT, import_id INTEGER)")
    KINDS.register(TOY_KIND)
    try:
        yield TOY_KIND
    finally:
        KINDS.unregister("toys")


def test_a_command_declared_at_run_time_is_listed_parsed_answered_and_rendered(
    toy_command: Command, demo_store: Store
):
    help_answer = answer(demo_store, parse_command("/oversight help"), NOW, settings())
    assert help_answer.usage["toy"] == toy_command.usage
    assert help_answer.examples["toy"] == ["/toy", "/toy 3"]
    assert list(help_answer.usage)[-2:] == ["toy", "oversight"]  # listed by its rank
    assert "/toy [N]" in RENDERERS["text"].render(help_answer)
    with pytest.raises(UsageError) as refused:
        parse_command("/nope")
    assert "/toy [N] [as of YYYY-MM-DD]" in refused.value.usage()

    query = parse_command("/toy 3 as of 2020-06-30")
    assert query.text() == "/toy 3 as of 2020-06-30"
    result = answer(demo_store, query, NOW, settings())
    (due,) = demo_store.conn.execute(
        "SELECT count(*) FROM deadlines WHERE due_on <= '2020-06-30'"
    ).fetchone()
    assert result == ToyAnswer(as_of=date(2020, 6, 30), deadlines=3 * due)
    assert RENDERERS["text"].render(result) == f"Toy: {3 * due} as of 2020-06-30\n"
    assert RENDERERS["blocks"].render(result)[0] == f"Toy: {3 * due}"
    assert json.loads(RENDERERS["json"].render(result))["deadlines"] == 3 * due


def test_the_manifest_check_asks_for_a_command_declared_at_run_time(toy_command: Command):
    manifest = read_manifest(MANIFEST.read_text(encoding="utf-8"))
    assert command_problems(manifest, COMMANDS) == [
        "/toy is declared but not in slack/manifest.yml"
    ]


def test_without_the_toy_the_registries_are_as_shipped():
    assert "toy" not in COMMANDS and "ToyAnswer" not in ANSWER_TYPES and "toys" not in KINDS


def test_a_kind_declared_at_run_time_is_imported_and_shown_by_status(
    toy_kind: Kind, runner, tmp_path: Path
):
    path = write_csv(tmp_path / "toys.csv", ["Toy", "Colour"], [["kite", "red"], ["yo-yo", ""]])
    imported = invoke(runner, "import", "toys", str(path), "--as-of", "2020-06-30")
    assert imported.exit_code == 0, imported.stderr
    assert "Imported toys.csv (2 rows) as import #1: 2 inserted" in imported.stdout
    with open_store(tmp_path / "oversight.db") as store:
        assert store.conn.execute("SELECT toy, colour FROM toys ORDER BY toy").fetchall() == [
            ("kite", "red"),
            ("yo-yo", None),
        ]
    status = invoke(runner, "status")
    assert status.exit_code == 0, status.stderr
    assert "  toy counts: 2" in status.stdout
    assert "  toy counts: toys.csv, extract as of 30 Jun 2020" in status.stdout
    refused = invoke(runner, "import", "kites", str(path))
    assert refused.exit_code == 2 and "'toys'" in refused.stderr
