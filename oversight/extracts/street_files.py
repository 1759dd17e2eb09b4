"""data.police.uk's street-level files: their format, where they are (one CSV, a folder searched
for ``*-street.csv``, or a zip of the archive), and each month file read, checked and counted
with pandas, a chunk of rows at a time.

The format is data.police.uk's, not ours: monthly files named ``YYYY-MM-<force>-street.csv``
(in archive folders ``YYYY-MM/``), with the header :data:`STREET_HEADER`. A bad file or line is
one sentence naming the file, the line and the column. What is read is stored by
:mod:`oversight.importing.crimes`.

pandas is imported inside the reading functions only: ``oversight ask`` never pays for it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import stat
import struct
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from oversight.errors import UserError
from oversight.values import one_line

STREET_HEADER = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
ASB = "Anti-social behaviour"
# The crime types data.police.uk publishes; older files' names are accepted under their own.
CRIME_TYPES = (
    ASB,
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
    "Violent crime",
    "Public disorder and weapons",
)
NO_LOCATION = "No Location"
FILE_NAME = re.compile(r"(?P<month>\d{4}-\d{2})-(?P<force>[a-z0-9]+(?:-[a-z0-9]+)*)-street\.csv")
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
# Coordinates are where data.police.uk's forces are (England, Wales, Northern Ireland), with room.
LONGITUDE_RANGE = (-11.0, 3.0)
LATITUDE_RANGE = (49.0, 61.0)

# Limits on an archive (zip), checked before anything is unpacked.
MAX_FILE_BYTES = 16 << 30  # the zip, or one CSV
MAX_MEMBER_BYTES = 2 << 30  # what one month file unpacks to (the largest real one is ~30 MiB)
MAX_UNPACKED_BYTES = 64 << 30  # all of the archive's files together
MAX_PACKING_RATIO = 100  # unpacked ÷ packed size of a member over 1 MiB: only a zip bomb does more
MAX_MEMBERS = 20_000  # 43 forces × 5 years of months is 2,580
MAX_ZIP_DIRECTORY_BYTES = 8 << 20
CHUNK_ROWS = 500_000  # rows pandas reads at a time: memory stays flat whatever the file

# data.police.uk's file names for the forces whose names do not follow the usual pattern.
_SLUG_EXCEPTIONS = {
    "British Transport Police": "btp",
    "Police Service of Northern Ireland": "northern-ireland",
    "Metropolitan Police Service": "metropolitan",
}


def force_slug(name: str) -> str:
    """The force as data.police.uk names its files: "Greater Manchester Police" ->
    "greater-manchester"."""
    name = " ".join(name.split())
    if name in _SLUG_EXCEPTIONS:
        return _SLUG_EXCEPTIONS[name]
    base = re.sub(r"\s+(Police Service|Police|Constabulary)$", "", name, flags=re.IGNORECASE)
    return re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")


def recorded(crime_type: str) -> bool:
    """Whether a crime type counts as recorded crime: anti-social behaviour is not a crime."""
    return crime_type != ASB


# --- what one month file holds ----------------------------------------------------------------


@dataclass
class MonthFile:
    name: str  # as shown in messages: the path inside an archive, or the file's name
    month: str
    slug: str
    sha256: str = ""
    force: str = ""  # "Falls within"
    rows: int = 0
    # crime type -> [rows, rows with no location]
    types: dict[str, list[int]] = field(default_factory=dict)
    # LSOA code -> [name, recorded crimes]
    areas: dict[str, list] = field(default_factory=dict)

    @property
    def crimes(self) -> int:
        return sum(n for t, (n, _) in self.types.items() if recorded(t))

    @property
    def asb(self) -> int:
        return self.types.get(ASB, [0, 0])[0]

    @property
    def no_location(self) -> int:
        return sum(n for t, (_, n) in self.types.items() if recorded(t))


@dataclass(frozen=True)
class _Member:
    name: str  # shown in messages
    base: str  # the file's own name
    open: Callable[[], AbstractContextManager[IO[bytes]]]


class _Hashing(io.RawIOBase):
    """Reads through to ``raw``, hashing every byte on the way: what is checked is what is kept."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:
        data = self.raw.read(len(buffer))
        self.digest.update(data)
        buffer[: len(data)] = data
        return len(data)


def _refuse(name: str, line: int, column: str | None, message: str) -> UserError:
    where = f"{name}, line {line:,}" + (f', column "{column}"' if column else "")
    return UserError(f"{where}: {message}; nothing was imported.")


def _shown(value: object) -> str:
    text = one_line(str(value))
    return f'"{text if len(text) <= 60 else text[:59] + "…"}"'


def _check_header(member: _Member, line: bytes) -> None:
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
        parts.append("unexpected " + ", ".join(_shown(c) for c in unexpected[:5]))
    if not parts:
        parts.append("the right columns in another order")
    raise _refuse(
        member.name,
        1,
        None,
        "the header is not data.police.uk's street-level header (" + "; ".join(parts) + ")",
    )


def _read_member(member: _Member) -> MonthFile:
    """One month file, checked and counted (pandas, in chunks); a bad line is one sentence."""
    import pandas as pd

    match = FILE_NAME.fullmatch(member.base)
    if match is None or not MONTH.fullmatch(match["month"]):
        raise UserError(
            f"{member.name} is not named as data.police.uk names a street-level file "
            "(YYYY-MM-<force>-street.csv): nothing was imported."
        )
    result = MonthFile(name=member.name, month=match["month"], slug=match["force"])
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
    with member.open() as raw:
        hashing = _Hashing(raw)
        stream = io.BufferedReader(hashing, buffer_size=1 << 20)
        _check_header(member, stream.readline())
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
            for chunk in chunks:
                if not _count_chunk(chunk, result):
                    suspect = True
                    break
        except pd.errors.EmptyDataError:
            pass
        except UnicodeDecodeError:
            raise UserError(f"{member.name} is not UTF-8 text: nothing was imported.") from None
        except (ValueError, pd.errors.ParserError):
            suspect = True  # pandas could not read a line: the exact reading below names it
        if not suspect:
            while stream.read(1 << 20):  # the rest of the file (none, normally), for its hash
                pass
            result.sha256 = hashing.digest.hexdigest()
    if suspect:
        raise _first_problem(member, result)
    return result


def _count_chunk(chunk: object, result: MonthFile) -> bool:
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
    placeless = code.isna()
    if (placeless != name.isna()).any():
        return False
    result.rows += len(chunk)
    by_type = pd.DataFrame({"t": kind, "n": placeless}).groupby(["t", "n"], observed=True).size()
    for (crime_type, no_place), n in by_type.items():
        counts = result.types.setdefault(str(crime_type), [0, 0])
        counts[0] += int(n)
        if no_place:
            counts[1] += int(n)
    located = chunk.loc[~placeless & (kind != ASB), ["LSOA code", "LSOA name"]]
    by_area = located.groupby(["LSOA code", "LSOA name"], observed=True).size()
    for (lsoa, lsoa_name), n in by_area.items():
        counts = result.areas.setdefault(str(lsoa), [str(lsoa_name), 0])
        counts[1] += int(n)
    return True


def _first_problem(member: _Member, result: MonthFile) -> UserError:
    """The first wrong line of a file, read row by row with the csv module: one sentence."""
    with member.open() as raw:
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
                    return _refuse(member.name, start, *problem)
                if first_force is None:
                    first_force = (record[3], start)
        except UnicodeDecodeError:
            return UserError(f"{member.name} is not UTF-8 text: nothing was imported.")
        except csv.Error as error:
            return _refuse(member.name, reader.line_num, None, f"the row cannot be read ({error})")
    return UserError(
        f"{member.name} could not be read as a street-level file: nothing was imported."
    )


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
        return "Month", f"{_shown(month)} is not a month written YYYY-MM"
    if month != result.month:
        return "Month", f"{_shown(month)} disagrees with the file's name ({result.month})"
    force = cells["Falls within"]
    if not force:
        return "Falls within", "is blank"
    if force_slug(force) != result.slug:
        return "Falls within", (
            f"{_shown(force)} is not the force in the file's name ({result.slug})"
        )
    if first_force is not None and force != first_force[0]:
        return "Falls within", f"{_shown(force)} differs from line {first_force[1]:,}'s force"
    for column, (low, high) in (("Longitude", LONGITUDE_RANGE), ("Latitude", LATITUDE_RANGE)):
        value = cells[column]
        if not value:
            continue
        try:
            number = float(value)
        except ValueError:
            return column, f"{_shown(value)} is not a number"
        if not low <= number <= high:
            return column, f"{_shown(value)} is out of range ({low:g} to {high:g})"
    if bool(cells["LSOA code"]) != bool(cells["LSOA name"]):
        blank = "LSOA name" if cells["LSOA code"] else "LSOA code"
        return blank, "is blank but the other LSOA column is not"
    crime_type = cells["Crime type"]
    if not crime_type:
        return "Crime type", "is blank"
    if crime_type not in CRIME_TYPES:
        return "Crime type", f"{_shown(crime_type)} is not a crime type data.police.uk publishes"
    return None


# --- where the files are: one CSV, a folder, or a zip ------------------------------------------


@contextmanager
def _members(path: Path) -> Iterator[list[_Member]]:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise UserError(f"{path} does not exist.") from None
    except OSError as error:
        raise UserError(f"{path} cannot be read: {error.strerror or error}.") from None
    if stat.S_ISDIR(mode):
        found = sorted(p for p in path.rglob("*-street.csv") if p.is_file())
        if not found:
            raise UserError(f"{path} holds no street-level files (*-street.csv).")
        yield [
            _Member(str(p.relative_to(path)), p.name, _file_opener(p))
            for p in found
            if not p.is_symlink()
        ]
        return
    if not stat.S_ISREG(mode):
        raise UserError(f"{path} is not a file or a folder: only those can be imported.")
    if os.stat(path).st_size > MAX_FILE_BYTES:
        raise UserError(f"{path.name} is bigger than the {MAX_FILE_BYTES >> 30} GiB allowed.")
    with open(path, "rb") as raw:
        zipped = raw.read(4) == b"PK\x03\x04"
    if not zipped:
        yield [_Member(path.name, path.name, _file_opener(path))]
        return
    with open(path, "rb") as raw:
        _check_directory(raw, path.name)
        try:
            archive = zipfile.ZipFile(raw)
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise UserError(f"{path.name} is not a readable zip ({error}).") from None
        with archive:
            yield _zip_members(archive, path.name)


def _file_opener(path: Path) -> Callable[[], AbstractContextManager[IO[bytes]]]:
    return lambda: open(path, "rb")  # the caller closes it


def _check_directory(raw: IO[bytes], name: str) -> None:
    """zipfile reads a zip's table of contents whole: its declared size is checked first."""
    end = raw.seek(0, os.SEEK_END)
    start = max(0, end - 22 - 0xFFFF)
    raw.seek(start)
    tail = raw.read(end - start)
    at = tail.rfind(b"PK\x05\x06")
    if at >= 0 and len(tail) - at >= 22:
        (size,) = struct.unpack_from("<L", tail, at + 12)
        if size > MAX_ZIP_DIRECTORY_BYTES:
            raise UserError(
                f"{name} was refused: its table of contents is {size:,} bytes, more than the "
                f"{MAX_ZIP_DIRECTORY_BYTES:,} an archive of street-level files needs."
            )
    raw.seek(0)


def _zip_members(archive: zipfile.ZipFile, name: str) -> list[_Member]:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise UserError(
            f"{name} holds {len(infos):,} entries, more than the {MAX_MEMBERS:,} allowed."
        )
    members, total = [], 0
    for info in infos:
        entry = info.filename
        parts = PurePosixPath(entry.replace("\\", "/")).parts
        if entry.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", entry) or ".." in parts:
            raise UserError(
                f"{name} was refused: the entry {_shown(entry)} points outside the archive."
            )
        if info.is_dir():
            continue
        base = parts[-1] if parts else entry
        if not FILE_NAME.fullmatch(base):
            raise UserError(
                f"{name} was refused: it holds {_shown(entry)}, which is not a street-level "
                "file (YYYY-MM-<force>-street.csv)."
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UserError(f"{name} was refused: {_shown(entry)} is packed in an unusual way.")
        too_big = info.file_size > MAX_MEMBER_BYTES
        bomb = info.file_size > 1 << 20 and info.file_size > MAX_PACKING_RATIO * max(
            info.compress_size, 1
        )
        if too_big or bomb:
            raise UserError(
                f"{name} was refused: {_shown(entry)} unpacks to {info.file_size:,} bytes from "
                f"{info.compress_size:,}, beyond the limits on an archive (a zip bomb)."
            )
        total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise UserError(
                f"{name} was refused: its files unpack to more than {MAX_UNPACKED_BYTES >> 30} GiB."
            )
        members.append(_Member(entry, base, lambda info=info: archive.open(info)))
    if not members:
        raise UserError(f"{name} holds no street-level files (*-street.csv).")
    return sorted(members, key=lambda m: m.name)


def read_month_files(path: Path) -> list[MonthFile]:
    """Every month file at ``path`` (one CSV, a folder or a zip), read and checked."""
    with _members(path) as members:
        return [_read_member(member) for member in members]
