"""Slack's Block Kit limits, written out here so that a change to oversight's renderer cannot
move them, and the check that a message keeps within them and carries nothing live."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

SLACK_MAX_BLOCKS = 50
SLACK_MAX_HOME_BLOCKS = 100
SLACK_MAX_ACTION_ELEMENTS = 25
SLACK_MAX_BUTTON_TEXT = 75
SLACK_MAX_BUTTON_VALUE = 2000
SLACK_MAX_OPTIONS = 100
SLACK_MAX_OPTION_VALUE = 150
SLACK_MAX_SECTION_TEXT = 3000
SLACK_MAX_FIELDS = 10
SLACK_MAX_FIELD_TEXT = 2000
SLACK_MAX_HEADER = 150
SLACK_MAX_CONTEXT_ELEMENTS = 10
SLACK_MAX_TEXT_OBJECT = 3000
SLACK_MAX_MESSAGE_TEXT = 40000


def strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def assert_within_limits(text: str, blocks: list[dict], max_blocks: int = SLACK_MAX_BLOCKS) -> None:
    """``max_blocks``: 50 in a message, 100 in a Home tab."""
    assert isinstance(text, str)
    assert text.strip(), "a message needs a notification (fallback) text"
    assert len(text) <= SLACK_MAX_MESSAGE_TEXT
    assert 1 <= len(blocks) <= max_blocks
    for block in blocks:
        kind = block["type"]
        if kind == "header":
            assert block["text"]["type"] == "plain_text"
            assert 1 <= len(block["text"]["text"]) <= SLACK_MAX_HEADER
        elif kind == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                assert block["text"]["type"] == "mrkdwn"
                assert 1 <= len(block["text"]["text"]) <= SLACK_MAX_SECTION_TEXT
            if "fields" in block:
                assert 1 <= len(block["fields"]) <= SLACK_MAX_FIELDS
                for field in block["fields"]:
                    assert 1 <= len(field["text"]) <= SLACK_MAX_FIELD_TEXT
        elif kind == "context":
            assert 1 <= len(block["elements"]) <= SLACK_MAX_CONTEXT_ELEMENTS
            for element in block["elements"]:
                assert 1 <= len(element["text"]) <= SLACK_MAX_TEXT_OBJECT
        elif kind == "actions":
            assert 1 <= len(block["elements"]) <= SLACK_MAX_ACTION_ELEMENTS
            for element in block["elements"]:
                if element["type"] == "button":
                    assert 1 <= len(element["text"]["text"]) <= SLACK_MAX_BUTTON_TEXT
                    assert len(element["value"]) <= SLACK_MAX_BUTTON_VALUE
                else:
                    assert element["type"] == "static_select"
                    assert 1 <= len(element["options"]) <= SLACK_MAX_OPTIONS
                    for option in element["options"]:
                        assert len(option["text"]["text"]) <= SLACK_MAX_BUTTON_TEXT
                        assert len(option["value"]) <= SLACK_MAX_OPTION_VALUE
        else:
            assert kind == "divider", f"unexpected block type {kind}"
    # Nothing from an extract may mention, link or break out: no raw angle brackets at all, and
    # an ampersand only as the start of an escape. (A header is plain text: nothing in it is
    # read as a mention; it may quote what the asker typed.)
    mrkdwn = [b for b in blocks if b["type"] not in ("header", "actions")]
    for s in [text, *strings(mrkdwn)]:
        assert "<" not in s and ">" not in s, s
        assert "&" not in re.sub(r"&(amp|lt|gt);", "", s), s
    json.dumps(blocks)  # plain JSON, as Slack receives it
