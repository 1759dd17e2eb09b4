"""Block Kit rendering of the answer models, inside Slack's limits for any size of data: the
machinery (blocks, lists that fit, the fallback text), shared by every answer's own rendering
(in the module named after it), registered on :func:`blocks_of`.

Slack refuses a message with more than 50 blocks, a section text over 3,000 characters, more
than 10 fields in a section, a field over 2,000 characters or a header over 150 characters.
Long lists therefore end with "…and N more" rather than being cut off by Slack.
"""

from __future__ import annotations

import re
from datetime import date
from functools import singledispatch
from typing import Any

from oversight.figures.deadlines import Deadline
from oversight.figures.returns import DataReturn
from oversight.figures.vintage import LastImport
from oversight.importing.kinds import kind_label
from oversight.render import words as fmt

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100  # a Home tab's view
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_LIST_LINES = 25
MAX_LINE = 500  # one line of a list; a longer one is clipped
HEADING_ROOM = 100  # kept for the heading above a list, by default
Block = dict[str, object]
_PART_ESCAPE = re.compile(r"&[a-z]{0,3}$")


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": _clip(text, MAX_HEADER)}}


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, MAX_SECTION_TEXT)}}


def fields(pairs: list[tuple[str, str]]) -> list[Block]:
    """Label/value pairs as section fields, ten to a section."""
    items = [{"type": "mrkdwn", "text": _clip(f"*{k}*\n{v}", MAX_FIELD_TEXT)} for k, v in pairs]
    return [
        {"type": "section", "fields": items[i : i + MAX_FIELDS]}
        for i in range(0, len(items), MAX_FIELDS)
    ]


def context(*texts: str) -> Block:
    elements = [{"type": "mrkdwn", "text": _clip(t, MAX_FIELD_TEXT)} for t in texts if t]
    return {"type": "context", "elements": elements[:MAX_CONTEXT_ELEMENTS]}


def divider() -> Block:
    return {"type": "divider"}


def bulleted(
    lines: list[str],
    empty: str,
    limit: int = MAX_LIST_LINES,
    room: int = MAX_SECTION_TEXT - HEADING_ROOM,
) -> str:
    """A list in at most ``room`` characters: at most ``limit`` lines, then "…and N more".

    Room is kept for the "…and N more" line itself, so that clipping the section never cuts
    it off; a line too long for a list is clipped rather than left out.
    """
    if not lines:
        return empty
    shown: list[str] = []
    used = -1  # no newline before the first line
    for i, line in enumerate(lines[:limit]):
        line = _clip(line, MAX_LINE)
        left = len(lines) - i - 1
        tail = len(f"\n…and {left} more") if left else 0
        if used + 1 + len(line) + tail > room:
            break
        shown.append(line)
        used += 1 + len(line)
    if len(shown) < len(lines):
        shown.append(f"…and {len(lines) - len(shown)} more")
    return "\n".join(shown)


def list_section(
    heading: str, lines: list[str], empty: str = "None", limit: int = MAX_LIST_LINES
) -> Block:
    """A heading and a list under it, in one section within Slack's limit."""
    room = MAX_SECTION_TEXT - len(heading) - 1
    return section(heading + "\n" + bulleted(lines, empty, limit=limit, room=room))


def overdue_section(lines: list[str]) -> Block:
    return list_section(f":rotating_light: *Overdue ({len(lines)})*", lines)


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    # Never half an escape ("&am…"): Slack would show it as typed.
    return _PART_ESCAPE.sub("", text[: limit - 1]) + "…"


def escape(text: str) -> str:
    """Text from an extract, made inert in mrkdwn (no mentions, links or formatting)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def deadline_line(item: Deadline, owner: bool = True) -> str:
    who = f" — {escape(item.owner)}" if owner and item.owner else ""
    return f"• *{escape(item.title)}*: {fmt.day(item.due_on)}, {fmt.deadline_when(item)}{who}"


def overdue_return_line(item: DataReturn) -> str:
    return (
        f"• *{escape(item.dataset)} {item.period}*: due {fmt.day(item.due_on)}, "
        f"{fmt.return_state(item)} ({item.status})"
    )


def next_due_text(item: DataReturn | None) -> str:
    return f"{escape(item.dataset)} {item.period} on {fmt.day(item.due_on)}" if item else "none"


def source_context(kind: str, answer: Any) -> list[Block]:
    """Where an answer's figures came from (its ``source`` as of its ``as_of``), a warning when
    that is stale, and how they were known (its ``known``)."""
    as_of, source = answer.as_of, answer.source
    said = fmt.source(kind, source, as_of, answer.known.first_since)
    blocks = [context(f"As of {fmt.long_day(as_of)}", escape(said))]
    warning = fmt.stale_warning(kind, source, as_of, answer.known.first_since)
    if warning:
        blocks.append(context(f":warning: *{warning}*"))
    known = fmt.known_lines(answer.known, as_of)
    if known:
        blocks.append(context(*(f":information_source: {escape(line)}" for line in known)))
    return blocks


def sources_context(
    sources: dict[str, LastImport | None], as_of: date, since: dict[str, LastImport]
) -> list[Block]:
    """Where every kind of data an answer reads came from (``text.sources_footer`` in Block
    Kit), and a warning for each that is stale, marked as every answer marks one."""
    said = (escape(fmt.source(k, last, as_of, since.get(k))) for k, last in sources.items())
    blocks = [context(*said)]
    for kind, last in sources.items():
        warning = fmt.stale_warning(kind, last, as_of, since.get(kind))
        if warning:
            blocks.append(context(f":warning: *{warning}*"))
    return blocks


def render_blocks(answer: object, limit: int = MAX_BLOCKS) -> tuple[str, list[Block]]:
    """The notification text (also read by screen readers) and the blocks, within ``limit``
    blocks (a message's 50, or a Home tab's 100)."""
    text, blocks = blocks_of(answer)
    return text, fit(blocks, limit)


def fit(blocks: list[Block], limit: int = MAX_BLOCKS) -> list[Block]:
    """At most ``limit`` blocks: the last says how many more there would have been."""
    if len(blocks) <= limit:
        return blocks
    return [*blocks[: limit - 1], context(f"…and {len(blocks) - limit + 1} more")]


def freshness_lines(sources: dict[str, LastImport | None]) -> list[str]:
    """One line per kind of data: its latest extract, and a warning when it is stale."""
    lines = []
    for kind, last in sources.items():
        warning = fmt.stale_warning(kind, last)
        mark = f" :warning: {warning}" if warning else ""
        label = kind_label(kind).capitalize()
        lines.append(f"• *{label}*: {escape(fmt.source(kind, last))}{mark}")
    return lines


def has_rendering(answer_type: type) -> bool:
    """Whether ``answer_type`` has its own rendering here (not only the fallback's error)."""
    return blocks_of.dispatch(answer_type) is not blocks_of.registry[object]


@singledispatch
def blocks_of(answer: object) -> tuple[str, list[Block]]:
    raise TypeError(f"no Block Kit rendering for {type(answer).__name__}")
