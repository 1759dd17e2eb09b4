"""Recorded crime from data.police.uk's street-level files: read, checked and counted with pandas.

The format is data.police.uk's, not ours: monthly files named ``YYYY-MM-<force>-street.csv``
(in archive folders ``YYYY-MM/``), with the header :data:`STREET_HEADER`. ``oversight import
crimes PATH`` takes one file, a folder (searched for ``*-street.csv``) or a zip of the archive.
A month file of a force is the unit: importing a month again replaces it, and importing the same
files again changes nothing. Only counts are kept (by force, month and crime type, and by force,
month and neighbourhood), so the store stays small at national scale.

All or nothing: every file is read and checked before anything is written, and one write
transaction then stores the counts, the import record and the data-gap findings
(:func:`find_gaps`). A bad file or line stops the import with one sentence naming the file, the
line and the column.

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
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from statistics import median
from typing import IO, TYPE_CHECKING

from oversight.errors import UserError
from oversight.store import Store
from oversight.values import one_line

if TYPE_CHECKING:
    import sqlite3

    from oversight.importing import ImportResult

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

# The data-gap rules (README: "Recorded crime").
GAP_WINDOW = 12  # months present before a month, for low_month and zero_area
LOW_SHARE = 0.5  # low_month: fewer than this share of the window's median
SILENT_AVERAGE = 10  # zero_area: averaged at least this many crimes a month over the window
SHRUNK_SHARE = 0.10  # month_shrunk: imported again with more than this share fewer crimes
GAP_KINDS = ("missing_month", "low_month", "zero_area", "month_shrunk")

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


# --- the import ----------------------------------------------------------------------------------


def import_crimes(
    store: Store,
    path: Path,
    *,
    extract_as_of: date,
    imported_by: str,
    imported_at: datetime,
    sheet: str | None = None,
    progress: object = None,
) -> ImportResult:
    """Import street-level files (one CSV, a folder or a zip): all of them or none of them."""
    from oversight.importing import ImportResult

    path = Path(path)
    if sheet is not None:
        raise UserError("--sheet applies only to XLSX workbooks, not to street-level files.")
    with _members(path) as members:
        files = [_read_member(member) for member in members]
    seen: dict[tuple[str, str], MonthFile] = {}
    for f in files:
        key = (f.slug, f.month)
        if key in seen:
            raise UserError(
                f"{path.name} holds two files for {f.slug} {f.month} ({seen[key].name} and "
                f"{f.name}): import one of them; nothing was imported."
            )
        seen[key] = f
    named = {f.slug: f.force for f in files if f.force}
    for f in files:
        if not f.force:  # a header and no rows: the force is known from the name alone
            f.force = named.get(f.slug) or _force_named(store, f.slug) or f.slug
    digest = hashlib.sha256("".join(f"{f.name}\0{f.sha256}\n" for f in files).encode())
    rows_read = sum(f.rows for f in files)
    warnings: list[str] = []
    with store.write() as conn:
        state = {"inserted": 0, "updated": 0, "unchanged": 0}
        shrunk: list[tuple[MonthFile, int]] = []
        changed: list[MonthFile] = []
        for f in files:
            old = conn.execute(
                "SELECT sha256, crimes FROM crime_files WHERE force = ? AND month = ?",
                (f.force, f.month),
            ).fetchone()
            if old is None:
                state["inserted"] += 1
                changed.append(f)
            elif old[0] == f.sha256:
                state["unchanged"] += 1
            else:
                state["updated"] += 1
                changed.append(f)
                if f.crimes < old[1] * (1 - SHRUNK_SHARE):
                    shrunk.append((f, old[1]))
        record = {
            "kind": "crimes",
            "file_name": path.name,
            "sha256": digest.hexdigest(),
            "rows_read": rows_read,
            **state,
            "not_in_file": 0,
            "imported_by": imported_by,
            "imported_at": imported_at.isoformat(timespec="seconds"),
            "extract_as_of": extract_as_of.isoformat(),
        }
        import_id = conn.execute(
            f"INSERT INTO imports ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
            list(record.values()),
        ).lastrowid
        for f in changed:
            _write_month(conn, f, import_id)
        findings = [
            Gap("month_shrunk", f.force, f.month, f.force, None, old, f.crimes) for f, old in shrunk
        ]
        findings += find_gaps(conn)
        conn.executemany(
            "INSERT INTO import_findings (import_id, kind, ref, workstream, old, new, month, "
            "area, area_code) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?)",
            [
                (import_id, g.kind, g.force, _text(g.old), _text(g.new), g.month, g.area, g.code)
                for g in findings
            ],
        )
    for f, old in shrunk:
        warnings.append(
            f"{f.force} {f.month} has {old - f.crimes:,} fewer crimes ({f.crimes:,}) than when it "
            f"was last imported ({old:,}): month_shrunk"
        )
    counts = Counter(g.kind for g in findings if g.kind != "month_shrunk")
    if counts:
        warnings.append(
            "data gaps in the store: "
            + ", ".join(f"{kind} {counts[kind]:,}" for kind in GAP_KINDS if counts[kind])
            + " (see /crime and oversight integrity)"
        )
    return ImportResult(
        import_id=import_id,
        kind="crimes",
        file_name=path.name,
        sha256=digest.hexdigest(),
        rows_read=rows_read,
        not_in_file=0,
        extract_as_of=extract_as_of,
        warnings=warnings,
        findings=[],
        **state,
    )


def _force_named(store: Store, slug: str) -> str | None:
    for (force,) in store.conn.execute("SELECT DISTINCT force FROM crime_files"):
        if force_slug(force) == slug:
            return force
    return None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".removesuffix(".0")
    return str(value)


def _write_month(conn: sqlite3.Connection, f: MonthFile, import_id: int) -> None:
    """One month file's counts, replacing what the store held for that force and month."""
    key = (f.force, f.month)
    conn.execute("DELETE FROM crime_types WHERE force = ? AND month = ?", key)
    conn.execute("DELETE FROM crime_areas WHERE force = ? AND month = ?", key)
    conn.execute(
        "INSERT OR REPLACE INTO crime_files (force, month, file_name, sha256, rows_read, crimes, "
        "asb, no_location, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*key, f.name, f.sha256, f.rows, f.crimes, f.asb, f.no_location, import_id),
    )
    conn.executemany(
        "INSERT INTO crime_types VALUES (?, ?, ?, ?, ?)",
        [(*key, t, n, no_place) for t, (n, no_place) in sorted(f.types.items())],
    )
    conn.executemany(
        "INSERT INTO crime_areas VALUES (?, ?, ?, ?, ?)",
        [(*key, code, lsoa_name, n) for code, (lsoa_name, n) in sorted(f.areas.items())],
    )


# --- the data-gap rules ------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    kind: str  # one of GAP_KINDS
    force: str
    month: str  # YYYY-MM
    area: str  # the neighbourhood's LSOA name, or the force for a whole-force finding
    code: str | None  # the LSOA code; None for a whole-force finding
    old: object  # what it was measured against: the window's median or mean, or the old count
    new: object  # the month's crimes


def month_after(month: str, n: int = 1) -> str:
    year, number = int(month[:4]), int(month[5:7]) - 1 + n
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def find_gaps(conn: sqlite3.Connection) -> list[Gap]:
    """Every force's data gaps, from the counts in the store (README: "Recorded crime").

    A month's low_month and zero_area findings depend only on that month and the months before
    it, so the gaps as of any date are these, up to that date's month.
    """
    gaps: list[Gap] = []
    totals: dict[str, dict[str, int]] = {}
    for force, month, crimes in conn.execute(
        "SELECT force, month, crimes FROM crime_files ORDER BY force, month"
    ):
        totals.setdefault(force, {})[month] = crimes
    for force, months in totals.items():
        gaps += whole_force_gaps(force, months)
        gaps += _silent_areas(conn, force, list(months))
    return gaps


def whole_force_gaps(force: str, months: dict[str, int]) -> list[Gap]:
    """A force's missing and low months, from its recorded crimes by month (in month order)."""
    gaps: list[Gap] = []
    present = sorted(months)
    if not present:
        return gaps
    month = present[0]
    while month < present[-1]:
        if month not in months:
            gaps.append(Gap("missing_month", force, month, force, None, None, None))
        month = month_after(month)
    for i, month in enumerate(present):
        window = [months[m] for m in present[max(0, i - GAP_WINDOW) : i]]
        if window and months[month] < LOW_SHARE * median(window):
            gaps.append(Gap("low_month", force, month, force, None, median(window), months[month]))
    return sorted(gaps, key=lambda g: g.month)


def _silent_areas(conn: sqlite3.Connection, force: str, present: list[str]) -> list[Gap]:
    index = {m: i for i, m in enumerate(present)}
    areas: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for month, code, name, crimes in conn.execute(
        "SELECT month, lsoa_code, lsoa_name, crimes FROM crime_areas WHERE force = ?", (force,)
    ):
        areas.setdefault(code, [0] * len(present))[index[month]] = crimes
        names[code] = name or code
    gaps = []
    for code in sorted(areas, key=lambda c: (names[c], c)):
        counts = areas[code]
        running = 0  # the sum over the window before month i
        for i, crimes in enumerate(counts):
            size = min(i, GAP_WINDOW)
            if size and crimes == 0 and running >= SILENT_AVERAGE * size:
                mean = running / size
                gaps.append(Gap("zero_area", force, present[i], names[code], code, mean, 0))
            running += crimes
            if i >= GAP_WINDOW:
                running -= counts[i - GAP_WINDOW]
    return gaps
