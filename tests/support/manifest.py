"""slack/manifest.yml, read with a small reader for the plain subset of YAML it is written in
(PyYAML is not a dependency; anything outside that subset fails rather than being misread), and
held against the registry of commands."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from oversight.answers.commands import Command

MANIFEST = Path(__file__).resolve().parents[2] / "slack" / "manifest.yml"

# --- a reader for the manifest's subset of YAML ------------------------------------------------

_KEY = re.compile(r"([A-Za-z_][\w-]*):(?: +(.*))?")


def _uncomment(line: str) -> str:
    """The line without its comment; a "#" inside a quoted value is not a comment."""
    body = line.lstrip(" ")
    start = len(line) - len(body)
    if body.startswith("- "):
        start += 2
    key = re.match(r"[A-Za-z_][\w-]*: +", line[start:])
    if key:
        start += key.end()
    if line[start : start + 1] in ("'", '"'):
        close = line.find(line[start], start + 1)
        assert close > start, f"unclosed quote in {line!r}"
        start = close + 1
    hash_at = re.search(r"(^| )#", line[start:]) if start else re.search(r"^ *#", line)
    return line if hash_at is None else line[: start + hash_at.start()]


def _scalar(text: str) -> object:
    if text[:1] in "\"'":
        assert text[-1] == text[0] and len(text) > 1, text
        return text[1:-1]
    assert not text.startswith(("[", "{", "&", "*", "|", ">", "!")), f"not plain YAML: {text}"
    return {"true": True, "false": False}.get(text, text)


def read_manifest(text: str) -> object:
    assert "\t" not in text, "YAML does not allow tabs"
    lines = []
    for raw in text.splitlines():
        line = _uncomment(raw).rstrip()
        if line.strip():
            lines.append([len(line) - len(line.lstrip(" ")), line.strip()])
    value, end = _block(lines, 0, lines[0][0])
    assert end == len(lines), f"cannot read the manifest from {lines[end]}"
    return value


def _block(lines: list[list], i: int, indent: int) -> tuple[object, int]:
    if lines[i][1].startswith("- "):
        items = []
        while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
            item = lines[i][1][2:].strip()
            if _KEY.fullmatch(item):  # a mapping: its first key on the dash's line
                lines[i] = [indent + 2, item]
                value, i = _block(lines, i, indent + 2)
            else:
                value, i = _scalar(item), i + 1
            items.append(value)
        return items, i
    mapping: dict[str, object] = {}
    while i < len(lines) and lines[i][0] == indent and not lines[i][1].startswith("- "):
        match = _KEY.fullmatch(lines[i][1])
        assert match, f"not a key: {lines[i][1]}"
        key, rest = match.group(1), match.group(2)
        assert key not in mapping, f"{key} is given twice"
        i += 1
        if rest:
            mapping[key] = _scalar(rest.strip())
        else:
            assert i < len(lines) and lines[i][0] >= indent, f"{key} has no value"
            mapping[key], i = _block(lines, i, lines[i][0])
    return mapping, i


def command_problems(manifest: dict, commands: Iterable[Command]) -> list[str]:
    """What the manifest lacks or has too many of, against the declared commands: each command
    is in it once, with its usage hint, and nothing else is."""
    entries = {}
    problems = []
    for entry in manifest["features"]["slash_commands"]:
        if entry["command"] in entries:
            problems.append(f"{entry['command']} is in slack/manifest.yml twice")
        entries[entry["command"]] = entry
    declared = {command.slash: command for command in commands}
    for slash, command in declared.items():
        if slash not in entries:
            problems.append(f"{slash} is declared but not in slack/manifest.yml")
        elif entries[slash].get("usage_hint") != command.usage_hint:
            problems.append(
                f"{slash}'s usage hint in slack/manifest.yml is not {command.usage_hint!r}"
            )
    problems += [
        f"{s} is in slack/manifest.yml but not declared" for s in entries if s not in declared
    ]
    return problems
