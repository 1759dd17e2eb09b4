"""One answer model per answer, and the commands that give them.

Each module here is one answer: its model (a frozen dataclass), the function that builds it from
the store and a date, and, for a command, its declaration (``COMMANDS.register``): the weekly
digest, the reminders and the alarms are answers too. Every model is rendered by each renderer
in :mod:`oversight.render` (text, Slack Block Kit and JSON), so they cannot disagree.

Importing this package loads every module in it, so every command is declared: a new command is
a new module here (and its renderings in ``oversight/render/``), listed nowhere else.
"""

from __future__ import annotations

import importlib
import pkgutil

from oversight.answers.commands import (
    ANSWER_TYPES,
    COMMANDS,
    Command,
    Query,
    UsageError,
    answer,
    parse_command,
)

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["ANSWER_TYPES", "COMMANDS", "Command", "Query", "UsageError", "answer", "parse_command"]
