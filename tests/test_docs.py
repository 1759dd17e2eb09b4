"""The README documents every command: a command or kind added without documentation fails here.

In the manner of sqlite-utils' docs tests: the lists come from the registries and the click
group, not from a list kept beside them.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from oversight.answers import COMMANDS
from oversight.cli import cli
from oversight.importing.kinds import KINDS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _section(heading: str) -> str:
    start = README.index(f"\n{heading}\n")
    end = README.find("\n#", start + len(heading) + 2)
    return README[start : end if end != -1 else None]


def test_the_readme_command_table_lists_exactly_the_registered_commands():
    rows = re.findall(r"^\| `/([a-z-]+)[^`]*` \|", _section("### Commands"), re.MULTILINE)
    assert rows == COMMANDS.names()


@pytest.mark.parametrize("name", COMMANDS.names())
def test_each_command_row_shows_the_words_it_takes(name: str):
    [row] = re.findall(rf"^\| `/{name}\b([^`]*)` \|", _section("### Commands"), re.MULTILINE)
    # The README writes "DATE" where the usage says YYYY-MM-DD, and escapes "|" for the table.
    documented = row.replace("\\|", "|").replace("DATE", "YYYY-MM-DD").split()
    for word in re.findall(r"[a-z]+|[A-Z]+", COMMANDS[name].syntax):
        if word not in ("as", "of"):
            assert any(word in w for w in documented), f"/{name}: {word} is not in the README"


def test_the_readme_extract_table_lists_exactly_the_registered_kinds():
    rows = re.findall(r"^\| `([a-z]+)` \|", _section("## Extracts"), re.MULTILINE)
    assert rows == KINDS.names()


def _command_names() -> list[str]:
    with click.Context(cli) as context:
        return cli.list_commands(context)


@pytest.mark.parametrize("name", _command_names())
def test_every_command_line_command_is_in_the_readme(name: str):
    pattern = rf"`oversight (--db FILE )?{name}\b|^oversight {name}\b"
    assert re.search(pattern, README, re.MULTILINE), f"oversight {name} is not in the README"


def test_the_readme_explains_every_kind_of_finding():
    from oversight.figures.integrity import FINDING_KINDS

    section = _section("## Lost records: reconciling each case extract")
    rows = re.findall(r"^\| `([a-z_]+)` \| (.+) \|$", section, re.MULTILINE)
    assert [name for name, _ in rows] == [k.name for k in FINDING_KINDS]
    for (_, meaning), kind in zip(rows, FINDING_KINDS, strict=True):
        assert meaning.startswith(kind.meaning)
