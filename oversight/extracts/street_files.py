"""data.police.uk's street-level files, each month file read, checked and counted with pandas, a
chunk of rows at a time. The format is :mod:`~oversight.extracts.street_format`'s; where the
files are (one CSV, a folder or a zip), :mod:`~oversight.extracts.street_sources`'. A bad file
or line is one sentence naming the file, the line and the column. What is read is stored by
:mod:`oversight.importing.crimes`.

pandas is imported inside the reading functions only: ``oversight ask`` never pays for it.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from oversight.errors import InvalidExtract, UserError
from oversight.extracts.street_format import (
    ASB,
    CRIME_TYPES,
    FILE_NAME,
    FIRST_MONTH,
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    MONTH,
    STREET_HEADER,
    force_slug,
    month_named,
    quoted,
    recorded,
)
from oversight.extracts.street_sources import Member, members

# Rows pandas reads at a time, and the longest line it may be given: together they bound the
# memory a chunk takes (50,000 lines of at most 4 KiB), whatever the file. A real line is about
# 300 bytes.
CHUNK_ROWS = 50_000
MAX_LINE_BYTES = 4096
MAX_PROBLEMS = 50  # bad lines listed; past it, how many more

# --- what one month file holds ----------------------------------------------------------------


@dataclass
class MonthFile:
    name: str  # as shown in messages: the path inside an archive, or the file's name
    month: str
    slug: str
    sha256: str = ""  # of its bytes
    content_sha256: str = ""  # of its content: the same whatever its line ends
    force: str = ""  # "Falls within"
    rows: int = 0
    # crime type -> [rows, with no location (no coordinates), placed but outside any LSOA]
    types: dict[str, list[int]] = field(default_factory=dict)
    # LSOA code -> [name, recorded crimes, placed crimes, longitude sum, latitude sum]
    areas: dict[str, list] = field(default_factory=dict)
    # (LSOA code, crime type) -> rows, anti-social behaviour too
    area_types: dict[tuple[str, str], int] = field(default_factory=dict)
    lsoa_names: dict[str, str] = field(default_factory=dict)  # LSOA code -> name

    @property
    def crimes(self) -> int:
        return sum(counts[0] for t, counts in self.types.items() if recorded(t))

    @property
    def asb(self) -> int:
        return self.types.get(ASB, [0, 0, 0])[0]

    @property
    def no_location(self) -> int:
        return sum(counts[1] for t, counts in self.types.items() if recorded(t))

    @property
    def no_lsoa(self) -> int:
        return sum(counts[2] for t, counts in self.types.items() if recorded(t))


class _Checked(io.RawIOBase):
    """Reads through to ``raw``, and on the way hashes every byte (what is checked is what is
    kept), refuses text that is not UTF-8 in any column, and refuses a line longer than
    MAX_LINE_BYTES before pandas is given it, so one endless line costs no memory."""

    def __init__(self, raw: IO[bytes], name: str) -> None:
        self.raw = raw
        self.name = name
        self.digest = hashlib.sha256()
        self.content = _ContentDigest()
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.line = 1  # the line the next byte is on
        self.run = 0  # bytes read since the last line end

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:
        data = self.raw.read(len(buffer))
        self.digest.update(data)
        self.content.update(data)
        self._check_lines(data)
        try:
            self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as error:
            line = self.line + data[: error.start].count(b"\n")
            raise UserError(
                f"{self.name}, line {line:,}: the text is not UTF-8; nothing was imported."
            ) from None
        self.line += data.count(b"\n")
        buffer[: len(data)] = data
        return len(data)

    def _check_lines(self, data: bytes) -> None:
        start = 0
        line, run = self.line, self.run
        while True:
            end = data.find(b"\n", start)
            length = run + (len(data) if end < 0 else end) - start
            if length > MAX_LINE_BYTES:
                raise UserError(
                    f"{self.name}, line {line:,}: the line is longer than {MAX_LINE_BYTES:,} "
                    "bytes, far longer than a street-level row; nothing was imported."
                )
            if end < 0:
                self.run = length
                return
            start, line, run = end + 1, line + 1, 0


class _ContentDigest:
    """A hash of a file's content, the same for the same rows however the file was saved: a byte
    order mark, CRLF or LF line ends and blank lines at the end make no difference."""

    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self.started = False
        self.held = b""  # line ends at the end of what was read: content only if more follows

    def update(self, data: bytes) -> None:
        if not data:
            return
        if not self.started:
            data = data.removeprefix(b"\xef\xbb\xbf")
            self.started = True
        data = (self.held + data).replace(b"\r\n", b"\n")
        body = data.rstrip(b"\r\n")
        self.hash.update(body)
        self.held = data[len(body) :]

    def hexdigest(self) -> str:
        return self.hash.hexdigest()


@contextmanager
def _opened(member: Member) -> Iterator[IO[bytes]]:
    """The member's bytes; a damaged, encrypted or unreadable entry is one sentence."""
    try:
        with member.open() as raw:
            yield raw
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, OSError) as error:
        raise UserError(
            f"{member.name} cannot be read ({_why(error)}): nothing was imported."
        ) from None


def _why(error: BaseException) -> str:
    text = str(error).lower()
    if "crc" in text:
        return "its checksum does not match what it holds: the archive is damaged"
    if "encrypted" in text or "password" in text:
        return "it is encrypted"
    if "differ" in text:
        return "the archive names it one way in its table of contents and another in the entry"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return "the archive is damaged"


def _refuse(name: str, line: int, column: str | None, message: str) -> UserError:
    where = f"{name}, line {line:,}" + (f', column "{column}"' if column else "")
    return UserError(f"{where}: {message}; nothing was imported.")


def _check_header(member: Member, line: bytes) -> None:
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{member.name} is not UTF-8 text: nothing was imported.") from None
    if not text.strip():
        raise UserError(f"{member.name} is empty: there is no header; nothing was imported.")
    found = next(csv.reader([text.rstrip("\r\n")]))
    if tuple(found) == STREET_HEADER:
        return
    missing = [c for c in STREET_HEADER if c not in found]
    unexpected = [c for c in found if c not in STREET_HEADER]
    parts = []
    if missing:
        parts.append("missing " + ", ".join(f'"{c}"' for c in missing))
    if unexpected:
        parts.append("unexpected " + ", ".join(quoted(c) for c in unexpected[:5]))
    if not parts:
        parts.append("the right columns in another order")
    raise _refuse(
        member.name,
        1,
        None,
        "the header is not data.police.uk's street-level header (" + "; ".join(parts) + ")",
    )


def _read_member(member: Member, latest_month: str) -> MonthFile:
    """One month file, checked and counted (pandas, in chunks); a bad line is one sentence."""
    import pandas as pd

    match = FILE_NAME.fullmatch(member.base)
    if match is None or not MONTH.fullmatch(match["month"]):
        raise UserError(
            f"{member.name} is not named as data.police.uk names a street-level file "
            "(YYYY-MM-<force>-street.csv): nothing was imported."
        )
    month = match["month"]
    if month < FIRST_MONTH:
        raise UserError(
            f"{member.name} is for {month}, before {month_named(FIRST_MONTH)}, when "
            "data.police.uk's street-level files begin: nothing was imported."
        )
    if month > latest_month:
        raise UserError(
            f"{member.name} is for {month}, after the import's as-of month ({latest_month}): "
            "nothing was imported (give --as-of the date the files were downloaded)."
        )
    result = MonthFile(name=member.name, month=month, slug=match["force"])
    used = [
        "Month",
        "Falls within",
        "Longitude",
        "Latitude",
        "LSOA code",
        "LSOA name",
        "Crime type",
    ]
    dtypes = {c: "category" for c in used} | {"Longitude": "float64", "Latitude": "float64"}
    suspect = False
    with _opened(member) as raw:
        checked = _Checked(raw, member.name)
        stream = io.BufferedReader(checked, buffer_size=1 << 20)
        _check_header(member, stream.readline(MAX_LINE_BYTES + 1))
        try:
            chunks = pd.read_csv(
                stream,
                header=None,
                names=list(STREET_HEADER),
                usecols=used,
                dtype=dtypes,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=True,
                encoding="utf-8",
                engine="c",
                chunksize=CHUNK_ROWS,
            )
            parts = _Parts()
            for chunk in chunks:
                if not _count_chunk(chunk, result, parts):
                    suspect = True
                    break
            else:
                _add_areas(parts, result)
        except pd.errors.EmptyDataError:
            pass
        except (ValueError, pd.errors.ParserError):
            suspect = True  # pandas could not read a line: the exact reading below names it
        if not suspect:
            while stream.read(1 << 20):  # the rest of the file (none, normally), for its hash
                pass
            result.sha256 = checked.digest.hexdigest()
            result.content_sha256 = checked.content.hexdigest()
    if suspect:
        raise _problems(member, result)
    return result


def _count_chunk(chunk: object, result: MonthFile, parts: _Parts) -> bool:
    """Check one chunk of rows at once and add its counts; False when a row is wrong (which the
    exact, row-by-row reading then names)."""
    import pandas as pd

    month, force, kind = chunk["Month"], chunk["Falls within"], chunk["Crime type"]
    code, name = chunk["LSOA code"], chunk["LSOA name"]
    lon, lat = chunk["Longitude"], chunk["Latitude"]
    if month.isna().any() or list(month.cat.categories) not in ([result.month], []):
        return False
    forces = list(force.cat.categories)
    if force.isna().any() or len(forces) > 1:
        return False
    if forces:
        if force_slug(forces[0]) != result.slug or result.force not in ("", forces[0]):
            return False
        result.force = forces[0]
    if kind.isna().any() or not set(kind.cat.categories) <= set(CRIME_TYPES):
        return False
    if ((lon < LONGITUDE_RANGE[0]) | (lon > LONGITUDE_RANGE[1])).any():
        return False
    if ((lat < LATITUDE_RANGE[0]) | (lat > LATITUDE_RANGE[1])).any():
        return False
    # No Location is no coordinates (data.police.uk's rule); a blank LSOA with coordinates is a
    # crime placed outside any LSOA (Northern Ireland has none; BTP's Scottish stations).
    nowhere = lon.isna()
    if (nowhere != lat.isna()).any():
        return False
    no_lsoa = code.isna()
    if (no_lsoa != name.isna()).any():
        return False
    result.rows += len(chunk)
    places = pd.DataFrame({"t": kind, "n": nowhere, "o": no_lsoa & ~nowhere})
    for (crime_type, no_place, outside), n in (
        places.groupby(["t", "n", "o"], observed=True).size().items()
    ):
        counts = result.types.setdefault(str(crime_type), [0, 0, 0])
        counts[0] += int(n)
        counts[1] += int(n) if no_place else 0
        counts[2] += int(n) if outside else 0
    # By neighbourhood, summed over the chunks once they are all read (_add_areas).
    in_lsoa = chunk.loc[~no_lsoa]
    parts.area_types.append(
        in_lsoa.groupby(["LSOA code", "LSOA name", "Crime type"], observed=True).size()
    )
    located = in_lsoa.loc[in_lsoa["Crime type"] != ASB]
    parts.areas.append(
        located.groupby(["LSOA code", "LSOA name"], observed=True).agg(
            crimes=("Crime type", "size"),
            placed=("Longitude", "count"),
            longitude=("Longitude", "sum"),
            latitude=("Latitude", "sum"),
        )
    )
    return True


@dataclass
class _Parts:
    """A file's counts by neighbourhood, a frame per chunk, until they are summed."""

    area_types: list = field(default_factory=list)
    areas: list = field(default_factory=list)


def _add_areas(parts: _Parts, result: MonthFile) -> None:
    """Sum the chunks' counts by neighbourhood into ``result``."""
    import pandas as pd

    if parts.area_types:
        summed = pd.concat(parts.area_types).groupby(level=[0, 1, 2], observed=True).sum()
        for (code, name, crime_type), n in summed.items():
            if n:
                result.area_types[(str(code), str(crime_type))] = int(n)
                result.lsoa_names[str(code)] = str(name)
    if parts.areas:
        areas = pd.concat(parts.areas).groupby(level=[0, 1], observed=True).sum()
        for (lsoa, name), crimes, placed, longitude, latitude in areas.itertuples(name=None):
            if crimes:
                result.areas[str(lsoa)] = [
                    str(name),
                    int(crimes),
                    int(placed),
                    float(longitude),
                    float(latitude),
                ]


def _problems(member: Member, result: MonthFile) -> UserError:
    """Every wrong line of a file (up to MAX_PROBLEMS, then how many more), read row by row
    with the csv module, as the other kinds of extract list theirs."""
    listed: list[str] = []
    more = 0

    def add(line: int, column: str | None, message: str) -> None:
        nonlocal more
        if len(listed) >= MAX_PROBLEMS:
            more += 1
            return
        listed.append(
            f"line {line:,}" + (f', column "{column}"' if column else "") + f": {message}"
        )

    with _opened(member) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="", errors="strict")
        reader = csv.reader(text)
        first_force: tuple[str, int] | None = None
        try:
            next(reader)
            while True:
                start = reader.line_num + 1
                try:
                    record = next(reader)
                except StopIteration:
                    break
                if not record:
                    continue
                problem = _row_problem(record, result, first_force)
                if problem is not None:
                    add(start, *problem)
                elif first_force is None:
                    first_force = (record[3], start)
        except csv.Error as error:
            add(reader.line_num, None, f"the row cannot be read ({error})")
    if not listed:
        return UserError(
            f"{member.name} could not be read as a street-level file: nothing was imported."
        )
    return InvalidExtract(member.name, listed, more)


def _row_problem(
    record: list[str], result: MonthFile, first_force: tuple[str, int] | None
) -> tuple[str | None, str] | None:
    """What is wrong with one row, as (column, problem), or None: the rules of _count_chunk."""
    if len(record) > len(STREET_HEADER):
        return None, f"the row has {len(record)} cells but the header has {len(STREET_HEADER)}"
    cells = dict(
        zip(STREET_HEADER, record + [""] * (len(STREET_HEADER) - len(record)), strict=True)
    )
    month = cells["Month"]
    if not MONTH.fullmatch(month):
        return "Month", f"{quoted(month)} is not a month written YYYY-MM"
    if month != result.month:
        return "Month", f"{quoted(month)} disagrees with the file's name ({result.month})"
    force = cells["Falls within"]
    if not force:
        return "Falls within", "is blank"
    if force_slug(force) != result.slug:
        return "Falls within", (
            f"{quoted(force)} is not the force in the file's name ({result.slug})"
        )
    if first_force is not None and force != first_force[0]:
        return "Falls within", f"{quoted(force)} differs from line {first_force[1]:,}'s force"
    if bool(cells["Longitude"]) != bool(cells["Latitude"]):
        blank = "Latitude" if cells["Longitude"] else "Longitude"
        return blank, "is blank but the other coordinate is not"
    for column, (low, high) in (("Longitude", LONGITUDE_RANGE), ("Latitude", LATITUDE_RANGE)):
        value = cells[column]
        if not value:
            continue
        try:
            number = float(value)
        except ValueError:
            return column, f"{quoted(value)} is not a number"
        if not low <= number <= high:
            return column, f"{quoted(value)} is out of range ({low:g} to {high:g})"
    if bool(cells["LSOA code"]) != bool(cells["LSOA name"]):
        blank = "LSOA name" if cells["LSOA code"] else "LSOA code"
        return blank, "is blank but the other LSOA column is not"
    crime_type = cells["Crime type"]
    if not crime_type:
        return "Crime type", "is blank"
    if crime_type not in CRIME_TYPES:
        return "Crime type", f"{quoted(crime_type)} is not a crime type data.police.uk publishes"
    return None


def read_month_files(path: Path, latest_month: str) -> list[MonthFile]:
    """Every month file at ``path`` (one CSV, a folder or a zip), read and checked; a month
    before data.police.uk began or after ``latest_month`` (the import's as-of month) is refused."""
    with members(path) as found:
        return [_read_member(member, latest_month) for member in found]
