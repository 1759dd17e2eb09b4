"""Reading the values found in the force's extracts: dates, yes/no, labels, header names.

Each parser takes a cell (text, or a date from a workbook) and returns the stored value,
or raises ``ValueError`` with the reason in words a person can act on.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

_SEPARATORS = re.compile(r"[\s_\-]+")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
# Spreadsheet exports often add a midnight time to a date; anything else is not a date.
_MIDNIGHT = re.compile(r"(?:[ T]00:00(?::00(?:\.0+)?)?)?")

YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})

# The workstreams, in the order they are shown, with their labels; then the words that name them.
WORKSTREAM_LABELS = {"domestic_abuse": "Domestic abuse", "child_protection": "Child protection"}
WORKSTREAMS = tuple(WORKSTREAM_LABELS)
WORKSTREAM_WORDS = {
    "domestic_abuse": "domestic_abuse",
    "da": "domestic_abuse",
    "child_protection": "child_protection",
    "cp": "child_protection",
}

REVIEW_STATUSES = ("outstanding", "in_progress", "reviewed", "not_required")
RETURN_STATUSES = ("submitted", "late", "missing", "excluded", "pending")
DEADLINE_STATUSES = ("open", "done")
REQUEST_STATUSES = ("open", "answered", "refused", "withdrawn", "internal_review")
# The DASH risk levels of a domestic-abuse risk assessment, lowest first; then forgiving words.
RISK_LEVELS = ("standard", "medium", "high")
_RISK_WORDS = {
    **{level: level for level in RISK_LEVELS},
    **{f"{level}_risk": level for level in RISK_LEVELS},
    "std": "standard",
    "s": "standard",
    "m": "medium",
    "med": "medium",
    "h": "high",
}

_PERIOD = re.compile(r"(\d{4})-Q([1-4])|(\d{4})/(\d{2})|(\d{4})-(0[1-9]|1[0-2])")


def normalise_name(text: str) -> str:
    """``"Recorded On"``, ``"recorded-on"`` and ``"RECORDED_ON"`` are the same name."""
    return _SEPARATORS.sub("_", text.strip().lower()).strip("_")


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_date(value: object) -> date:
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise ValueError(f'"{value}" is not a date (it has a time of day)')
        return value.date()
    if isinstance(value, date):
        return value
    return _parse_date_text(str(value).strip())


@lru_cache(maxsize=8192)
def _parse_date_text(text: str) -> date:
    # Extracts repeat the same few hundred dates many times over: the cache makes them free.
    for pattern, order in ((_ISO_DATE, (0, 1, 2)), (_UK_DATE, (2, 1, 0))):
        match = pattern.match(text)
        if match and _MIDNIGHT.fullmatch(text, match.end()):
            parts = match.groups()
            year, month, day = (int(parts[i]) for i in order)
            try:
                return date(year, month, day)
            except ValueError:
                break
    raise ValueError(f'"{text}" is not a date')


def parse_yes_no(value: object) -> bool | None:
    """yes/no, y/n, true/false, 1/0 in any case; blank is unknown (None)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = _cell_text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(f'"{_cell_text(value)}" is not yes or no')


def parse_workstream(value: object) -> str:
    text = _cell_text(value)
    try:
        return WORKSTREAM_WORDS[normalise_name(text)]
    except KeyError:
        raise ValueError(
            f'"{text}" is not a workstream (domestic_abuse/DA or child_protection/CP)'
        ) from None


def parse_choice(value: object, choices: tuple[str, ...], what: str) -> str:
    text = _cell_text(value)
    name = normalise_name(text)
    if name not in choices:
        raise ValueError(f'"{text}" is not a {what} ({", ".join(choices)})')
    return name


def parse_risk_level(value: object) -> str:
    """standard, medium or high (also "High risk", "H", "med", "std"), in any case."""
    text = _cell_text(value)
    try:
        return _RISK_WORDS[normalise_name(text)]
    except KeyError:
        raise ValueError(f'"{text}" is not a risk level (standard, medium or high)') from None


def parse_period(value: object) -> str:
    """A quarter ``2019-Q3``, a financial year ``2019/20`` or a month ``2019-07``."""
    text = _cell_text(value).upper()
    match = _PERIOD.fullmatch(text)
    if match is None:
        raise ValueError(f'"{_cell_text(value)}" is not a period (2019-Q3, 2019/20 or 2019-07)')
    if match.group(3) and (int(match.group(3)) + 1) % 100 != int(match.group(4)):
        raise ValueError(f'"{text}" is not a financial year (the years must follow each other)')
    return text


def parse_text(value: object) -> str:
    return _cell_text(value)


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs such a cell as a formula


def one_line(text: str | None) -> str:
    """Text from a file or a person, on one line, with control characters shown as escapes
    (\\n, \\x1b), so that it can neither pass itself off as another line nor rewrite the
    terminal."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), text or "")


def spreadsheet_safe(text: str) -> str:
    """Text that a spreadsheet would run as a formula, written as plain text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def stored_value(value: object) -> object:
    """A parsed value as the store holds it: yes/no as 1/0, a date as ISO text."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def figure_text(value: float) -> str:
    """A count or a median, the one way everywhere: 28,898 and 28,897.5 (never one rounded)."""
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def whole_years(start: date, end: date) -> int:
    """Whole years from ``start`` to ``end`` (0 when less than one)."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))
