"""Hospital assault attendances (the ISTV data set, ISB 1594): an emergency department's monthly
anonymised extract, screened for identifiers first, then imported all or nothing like the other
CSV/XLSX kinds."""

from __future__ import annotations

import re
from datetime import date, datetime
from operator import gt, itemgetter
from pathlib import Path

from oversight.extracts.identifiers import could_hold_identifier, screen
from oversight.figures.assaults import KNIFE
from oversight.importing.kind import Column, Kind, Row
from oversight.importing.result import ImportResult
from oversight.importing.tabular import Screen, import_rows
from oversight.store import Store
from oversight.values import normalise_name

MEANS = (
    "body part",
    "blunt object",
    "knife or sharp object",
    "firearm",
    "glass or bottle",
    "other",
    "unknown",
)
# Forgiving words for the primary means of assault, as a desk records them (normalised names).
MEANS_WORDS = {
    **{normalise_name(m): m for m in MEANS},
    **dict.fromkeys(
        (
            "knife",
            "blade",
            "sharp",
            "sharp_object",
            "stab",
            "stabbing",
            "stabbed",
            "machete",
            "sword",
            "screwdriver",
            "scissors",
            "knife_or_sharp",
        ),
        KNIFE,
    ),
    **dict.fromkeys(
        (
            "body",
            "bodypart",
            "fist",
            "fists",
            "punch",
            "punched",
            "kick",
            "kicked",
            "foot",
            "feet",
            "head",
            "headbutt",
            "hand",
            "hands",
            "bite",
            "push",
            "pushed",
            "slap",
        ),
        "body part",
    ),
    **dict.fromkeys(
        ("blunt", "bat", "baseball_bat", "stick", "club", "hammer", "brick", "pole", "bar"),
        "blunt object",
    ),
    **dict.fromkeys(("gun", "shot", "shooting", "firearms", "gunshot"), "firearm"),
    **dict.fromkeys(
        ("glass", "bottle", "glassed", "glass_bottle", "bottle_or_glass"), "glass or bottle"
    ),
    **dict.fromkeys(("not_known", "not_recorded", "unk", "n_k"), "unknown"),
}
LOCATION_CHARS = 200
_DATETIME = re.compile(
    r"(?:(\d{4})-(\d{2})-(\d{2})|(\d{1,2})/(\d{1,2})/(\d{4}))[ T](\d{1,2}):(\d{2})(?::(\d{2}))?"
)


def parse_datetime(value: object) -> str:
    """A date and time (``2020-01-31 22:15``, ``2020-01-31T22:15:00`` or ``31/01/2020 22:15``),
    kept as ``YYYY-MM-DD HH:MM`` in local time."""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    text = str(value).strip()
    if _is_iso_minute(text):  # as stored already, the usual export: checked as a date only
        try:
            datetime(int(text[:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]),
                     int(text[14:16]))  # fmt: skip
            return text
        except ValueError:
            raise ValueError(f'"{text}" is not a date and time (2020-01-31 22:15)') from None
    match = _DATETIME.fullmatch(text)
    if match is None:
        raise ValueError(f'"{text}" is not a date and time (2020-01-31 22:15)')
    iy, im, iday, uday, um, uy, hh, mm, _ = match.groups()
    year, month, day = (int(iy), int(im), int(iday)) if iy else (int(uy), int(um), int(uday))
    try:
        moment = datetime(year, month, day, int(hh), int(mm))
    except ValueError:
        raise ValueError(f'"{text}" is not a date and time (2020-01-31 22:15)') from None
    return f"{moment:%Y-%m-%d %H:%M}"


def _is_iso_minute(text: str) -> bool:
    """Whether ``text`` is written ``YYYY-MM-DD HH:MM`` in ASCII digits."""
    return (
        len(text) == 16
        and text.isascii()
        and text[4] == text[7] == "-"
        and text[10] == " "
        and text[13] == ":"
        and (text[:4] + text[5:7] + text[8:10] + text[11:13] + text[14:]).isdigit()
    )


_ISO_MINUTES = re.compile(r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}\n)*")
_DAY, _TIME = itemgetter(slice(0, 10)), itemgetter(slice(11, 16))


def parse_datetimes(texts: list[str]) -> list[object] | None:
    """Many dates and times at once, as :func:`parse_datetime` gives them, when every one is
    written as it is stored (``YYYY-MM-DD HH:MM``, the usual export): their shape checked by
    one regular expression over them all, and each distinct day and time of day once."""
    joined = "\n".join(texts) + "\n"
    # As many lines as texts, each of 16 characters: no text holds a line end of its own.
    if len(joined) != 17 * len(texts) or not _ISO_MINUTES.fullmatch(joined):
        return None
    try:
        for day in set(map(_DAY, texts)):
            date(int(day[:4]), int(day[5:7]), int(day[8:10]))
    except ValueError:
        return None
    if any(int(t[:2]) > 23 or int(t[3:]) > 59 for t in set(map(_TIME, texts))):
        return None
    return list(texts)


def parse_means(value: object) -> str:
    text = str(value).strip()
    means = MEANS_WORDS.get(normalise_name(text))
    if means is None:
        raise ValueError(f'"{text[:40]}" is not a means of assault ({", ".join(MEANS)})')
    return means


def parse_location(value: object) -> str:
    text = " ".join(str(value).split())
    if len(text) > LOCATION_CHARS:
        raise ValueError(f"is {len(text)} characters long: at most {LOCATION_CHARS}")
    return text


def parse_label(value: object) -> str:
    """A short label (department, age band, sex) on one line."""
    text = " ".join(str(value).split())
    if len(text) > 80:
        raise ValueError(f"is {len(text)} characters long: at most 80")
    return text


def parse_labels(texts: list[str]) -> list[object] | None:
    """Many labels at once, as :func:`parse_label` gives them."""
    labels = list(map(" ".join, map(str.split, texts)))
    return labels if max(map(len, labels), default=0) <= 80 else None


def vouch_assaults(columns: dict[str, list[object]], as_of: date) -> bool:
    """Whether :func:`check_assault` surely finds nothing in these rows: none arrived after the
    extract's date, and no incident after its arrival (a blank incident time is no problem)."""
    arrived, incident = columns["arrived_at"], columns["incident_at"]
    if max(arrived, default="")[:10] > as_of.isoformat():  # type: ignore[index]
        return False
    return not any(map(gt, map(_BLANK_AS_EMPTY.get, incident, incident), arrived))


_BLANK_AS_EMPTY: dict[object, object] = {None: ""}


def check_assault(row: Row, as_of: date) -> list[tuple[str, str]]:
    problems = []
    arrived, incident = row["arrived_at"], row["incident_at"]
    if isinstance(arrived, str) and arrived[:10] > as_of.isoformat():
        problems.append(("arrived_at", f"{arrived} is after the extract's as-of date {as_of}"))
    if isinstance(arrived, str) and isinstance(incident, str) and incident > arrived:
        problems.append(("incident_at", f"{incident} is after arrived_at {arrived}"))
    return problems


def import_assaults(store: Store, kind: Kind, path: Path, **options: object) -> ImportResult:
    """Refuse the file whole when it holds a patient identifier (before anything in it is
    parsed, shown or stored), then import it all or nothing. A plain CSV's lines are looked at
    as they are hashed: most hold nothing an identifier could be, and then the screen need not
    read its rows, and the import reads them once. Otherwise the screen reads every row first
    and the import reads the file again, refusing it unless the bytes it reads have the
    checksum (SHA-256) of those the screen read: what is stored is what was screened."""
    return import_rows(
        store, kind, Path(path), screen=Screen(screen, could_hold_identifier), **options
    )  # type: ignore[arg-type]


ASSAULT_COLUMNS = (
    Column("attendance_ref", parse_label, required=True, parse_many=parse_labels),
    Column("department", parse_label, required=True),
    Column("arrived_at", parse_datetime, required=True, parse_many=parse_datetimes),
    Column("incident_at", parse_datetime, parse_many=parse_datetimes),
    Column("incident_location", parse_location),
    Column("means", parse_means, required=True),
    Column("age_band", parse_label),
    Column("sex", parse_label),
)
