"""The ``oversight`` command: import extracts, ask what the bot would answer, look after the store.

:mod:`~oversight.cli.base` holds the group and the options every command shares;
:mod:`~oversight.cli.data` the commands that put data in and read it back;
:mod:`~oversight.cli.admin` those that look after the store. Commands that need Slack are
found through the ``oversight.commands`` entry points (``bot/`` and ``jobs/``).
"""

from __future__ import annotations

from oversight.cli import admin, data
from oversight.cli.base import as_of_option, cli, date_option

__all__ = ["admin", "as_of_option", "cli", "data", "date_option", "main"]


def main() -> None:
    cli(prog_name="oversight")
