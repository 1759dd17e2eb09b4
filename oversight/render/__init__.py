"""The renderers of answer models, registered by name: ``text``, ``blocks`` and ``json``.

Every answer model has a rendering in each (a test walks them all), so the command line, Slack
and machines are shown the same figures. A renderer is a function of the model alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from oversight.answers import Answer, to_json
from oversight.registry import Registry
from oversight.render import blocks, text


@dataclass(frozen=True)
class Renderer:
    name: str
    render: Callable[[Answer], object]
    has_rendering: Callable[[type], bool]  # its own rendering for this answer type


RENDERERS: Registry[Renderer] = Registry("renderer", lambda renderer: renderer.name)
RENDERERS.register(Renderer("text", text.render_text, text.has_rendering))
RENDERERS.register(Renderer("blocks", blocks.render_blocks, blocks.has_rendering))
RENDERERS.register(Renderer("json", to_json, lambda answer_type: True))  # any dataclass
