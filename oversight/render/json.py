"""The JSON rendering of an answer model: plain data, for machines and ``oversight ask --json``."""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from datetime import date, datetime


def to_plain(value: object) -> object:
    """Plain JSON-ready data: dataclass fields and computed properties, dates as ISO text."""
    if is_dataclass(value) and not isinstance(value, type):
        result = {f.name: to_plain(getattr(value, f.name)) for f in fields(value)}
        for name in dir(type(value)):
            if isinstance(getattr(type(value), name, None), property):
                result[name] = to_plain(getattr(value, name))
        return result
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    return value


def to_json(result: object) -> str:
    return json.dumps(to_plain(result), indent=2, ensure_ascii=False)
