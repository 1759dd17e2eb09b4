"""Everything that turns an answer model into output, and the renderers registered by name:
``text``, ``blocks`` (Slack Block Kit) and ``json``.

:mod:`~oversight.render.words` holds the words and numbers every rendering shares;
:mod:`~oversight.render.text` and :mod:`~oversight.render.blocks` the machinery of their formats;
each answer's own renderings are in the module named after it (``render/backlog.py`` renders
``oversight/answers/backlog.py``'s model), registered on ``text.lines_of`` and
``blocks.blocks_of``. The charts, the workbook and the findings CSV are renderings too.

Importing this package loads every module in it, so every rendering is registered: a new
answer's renderings are a new module here, listed nowhere else. Every answer model has a
rendering in each renderer (a test walks them all), so the command line, Slack and machines are
shown the same figures. A renderer is a function of the model alone.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from oversight.registry import Registry
from oversight.render.blocks import has_rendering as has_blocks
from oversight.render.blocks import render_blocks
from oversight.render.json import to_json
from oversight.render.text import has_rendering as has_text
from oversight.render.text import render_text

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")


@dataclass(frozen=True)
class Renderer:
    name: str
    render: Callable[[object], object]
    has_rendering: Callable[[type], bool]  # its own rendering for this answer type


RENDERERS: Registry[Renderer] = Registry("renderer", lambda renderer: renderer.name)
RENDERERS.register(Renderer("text", render_text, has_text))
RENDERERS.register(Renderer("blocks", render_blocks, has_blocks))
RENDERERS.register(Renderer("json", to_json, lambda answer_type: True))  # any dataclass
