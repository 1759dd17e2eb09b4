"""Hostile extracts: each is refused by the real ``oversight import`` in one sentence, exit 2,
in bounded time and memory, and the store is left exactly as it was.

Every hostile file is built here, in the test: zip bombs (a sheet declaring 1.1 GB of blank
rows, a shared-strings part of 200 MB, parts that lie about their size), XML entity expansion
and external entities in each part of a workbook, named pipes, devices, sockets and folders,
NUL bytes deep in a CSV, endless lines and cells, rows numbered a billion, rows of 20,000
cells. The import runs in a child of a small wrapper that reports the child's peak memory
(``getrusage(RUSAGE_CHILDREN).ru_maxrss``). Each of those starts oversight in a subprocess
(half a second each), so they are marked slow; the same cases also run in this process, for
``make test-fast``.
"""

from __future__ import annotations

import os
import re
import socket
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from oversight.errors import UserError
from oversight.extracts import limits as extracts
from oversight.importing.kinds import KINDS, NO_RISK_COLUMNS, import_extract
from tests.support.data import CASE_HEADER, NOW, case, write_csv
from tests.support.processes import copy_database, shared_folder
from tests.support.refusals import MEMORY_LIMIT, MiB, assert_refused, dump, measured

# Each test that runs the real `oversight import` in a measured subprocess is marked slow; the
# same cases run in this process too (the end of this file), for `make test-fast`.

BOMB_SECONDS = 10  # wall time for the whole command, Python's start included
SECRET = "TOP-SECRET-8d1f0c"  # in a local file an external entity points at


@pytest.fixture
def imported(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """A store holding one good import (made once for the session by the real command, and
    copied for each test); what it holds, dumped."""

    def build(folder: Path) -> None:
        good = write_csv(folder / "good.csv", CASE_HEADER, [case("DA-1"), case("DA-2")])
        done = measured(folder, "import", "cases", str(good), "--by", "analyst")
        assert done.returncode == 0, done.stderr

    built = shared_folder(tmp_path_factory, "hostile-files-store", build)
    copy_database(built / "oversight.db", tmp_path / "oversight.db")
    return dump(tmp_path / "oversight.db")


# --- building zips byte by byte ----------------------------------------------------------------


@dataclass
class Member:
    """A zip member as stored: its bytes, and the size and CRC it declares, true or not."""

    name: str
    data: bytes
    size: int
    crc: int
    method: int = zipfile.ZIP_DEFLATED


def deflated(name: str, content: bytes) -> Member:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = packer.compress(content) + packer.flush()
    return Member(name, data, len(content), zlib.crc32(content))


def stored(name: str, content: bytes) -> Member:
    return Member(name, content, len(content), zlib.crc32(content), zipfile.ZIP_STORED)


def repeated(name: str, head: bytes, chunk: bytes, times: int, tail: bytes) -> Member:
    """``head + chunk * times + tail``, deflated without ever being built: each piece is
    deflated on its own (a full flush makes it stand alone), and the chunk's repeated."""

    def piece(content: bytes, last: bool = False) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        return packer.compress(content) + packer.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)

    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    data = piece(head) + piece(chunk) * times + piece(tail, last=True)
    return Member(name, data, len(head) + len(chunk) * times + len(tail), crc)


def write_zip(path: Path, members: list[Member]) -> Path:
    """A zip with exactly the members given, each declaring what it says."""
    out = bytearray()
    directory = bytearray()
    for member in members:
        offset = len(out)
        name = member.name.encode()
        sizes = (member.crc, len(member.data), member.size, len(name))
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, member.method, 0, 0x21, *sizes, 0)
        out += name + member.data
        directory += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, member.method, 0, 0x21, *sizes, 0, 0, 0, 0, 0,
            offset,
        )  # fmt: skip
        directory += name
    start = len(out)
    count = len(members)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), start, 0)
    path.write_bytes(bytes(out + directory + end))
    return path


# --- workbooks ---------------------------------------------------------------------------------

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
STRINGS_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def good_parts(tmp_path: Path) -> dict[str, bytes]:
    """The parts of a good workbook of two cases, as openpyxl writes it, and a shared-strings
    part (unused) as Excel would have."""
    path = tmp_path / "good.xlsx"
    book = openpyxl.Workbook()
    book.active.append(CASE_HEADER)
    book.active.append(case("DA-3"))
    book.active.append(case("DA-4"))
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="' + STRINGS_TYPE + b'"/></Types>',
    )
    parts[STRINGS] = b"<sst " + MAIN + b"><si><t>unused</t></si></sst>"
    return parts


def workbook(path: Path, parts: dict[str, bytes], *others: Member) -> Path:
    replaced = {member.name for member in others}
    members = [deflated(name, data) for name, data in parts.items() if name not in replaced]
    return write_zip(path, [*members, *others])


def sheet_xml(rows: bytes) -> bytes:
    return (
        b'<?xml version="1.0"?><worksheet '
        + MAIN
        + b"><sheetData>"
        + rows
        + b"</sheetData></worksheet>"
    )


def header_row() -> bytes:
    cells = b"".join(
        b'<c t="inlineStr"><is><t>' + name.encode() + b"</t></is></c>" for name in CASE_HEADER
    )
    return b'<row r="1">' + cells + b"</row>"


LAUGHS = b'<!ENTITY lol0 "lol">' + b"".join(
    b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10) for n in range(1, 10)
)


def billion_laughs(body: bytes) -> bytes:
    """``body`` with ten to the ninth laughs where ``@@`` is."""
    declared = b'<?xml version="1.0"?><!DOCTYPE root [' + LAUGHS + b"]>"
    return declared + body.replace(b"@@", b"&lol9;")


def external_entity(uri: str) -> Callable[[bytes], bytes]:
    """``body`` with an external entity pointing at ``uri`` where ``@@`` is."""

    def declare(body: bytes) -> bytes:
        declared = (
            b'<?xml version="1.0"?><!DOCTYPE root [<!ENTITY xxe SYSTEM "%s">]>' % uri.encode()
        )
        return declared + body.replace(b"@@", b"&xxe;")

    return declare


def with_entity(
    part: str, parts: dict[str, bytes], entity: Callable[[bytes], bytes]
) -> dict[str, bytes]:
    """``parts`` with an entity declared in ``part`` and used there: in a cell or a shared
    string, or else in the first attribute after the root element's own."""
    if part == SHEET:
        row = b'<row r="2"><c t="inlineStr"><is><t>@@</t></is></c></row>'
        body = sheet_xml(header_row() + row).split(b"?>", 1)[1]
    elif part == STRINGS:
        body = b"<sst " + MAIN + b"><si><t>@@</t></si></sst>"
    else:
        body = parts[part].split(b"?>", 1)[-1].lstrip()
        root = body.index(b">") + 1
        body = body[:root] + re.sub(rb'="[^"]*"', b'="@@"', body[root:], count=1)
    assert b"@@" in body
    return {**parts, part: entity(body)}


# --- the cases -------------------------------------------------------------------------------
# Each builds a hostile file in tmp_path, and says what the sentence refusing it must match.

Case = Callable[[Path], tuple[Path, str]]


def sheet_bomb(tmp_path: Path) -> tuple[Path, str]:
    """The attack as found: 2 MB whose sheet unpacks to 1.1 GB of blank rows."""
    rows = repeated(
        SHEET, sheet_xml(header_row())[:-24], b"<row/>" * 50_000, 3_700, b"</sheetData></worksheet>"
    )
    assert rows.size > 1_100_000_000 and len(rows.data) < 3 * MiB
    path = workbook(tmp_path / "bomb.xlsx", good_parts(tmp_path), rows)
    return path, r"its parts unpack to 1\.\d+ GiB, more than the 1 GiB a workbook may"


def ratio_bomb(tmp_path: Path) -> tuple[Path, str]:
    """Under the total, but packed as only a bomb packs: 300 MB of blank rows in 0.5 MB."""
    rows = repeated(
        SHEET, sheet_xml(header_row())[:-24], b"<row/>" * 50_000, 1_000, b"</sheetData></worksheet>"
    )
    path = workbook(tmp_path / "packed.xlsx", good_parts(tmp_path), rows)
    return (
        path,
        r"part xl/worksheets/sheet1\.xml unpacks to 286\.\d+ MiB from .*more than 100 times",
    )


def strings_bomb(tmp_path: Path) -> tuple[Path, str]:
    """The attack as found: 0.5 MB whose shared strings unpack to 200 MB."""
    sst = repeated(STRINGS, b"<sst " + MAIN + b">", b"<si><t>x</t></si>" * 10_000, 1_250, b"</sst>")
    assert sst.size > 200_000_000
    path = workbook(tmp_path / "strings.xlsx", good_parts(tmp_path), sst)
    return path, r"its shared strings unpack to 20\d\.\d+ MiB, more than the 64 MiB"


def strings_stored(tmp_path: Path) -> tuple[Path, str]:
    """Shared strings over the limit, unpacked (no bomb) and under a name of their own."""
    parts = good_parts(tmp_path)
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"/xl/sharedStrings.xml", b"/xl/words.xml"
    )
    del parts[STRINGS]
    big = b"<sst " + MAIN + b">" + b"<si><t>%07d</t></si>" % 1 * 3_000_000 + b"</sst>"
    path = workbook(tmp_path / "words.xlsx", parts, stored("xl/words.xml", big))
    return path, r"its shared strings unpack to 6\d\.\d+ MiB, more than the 64 MiB"


def lying_sheet(tmp_path: Path) -> tuple[Path, str]:
    """A sheet that declares 10 KB and inflates to 500 MB."""
    rows = repeated(
        SHEET, sheet_xml(header_row())[:-24], b"<row/>" * 50_000, 1_700, b"</sheetData></worksheet>"
    )
    rows.size = 10_000
    path = workbook(tmp_path / "liar.xlsx", good_parts(tmp_path), rows)
    return path, r"not a readable XLSX workbook: its part xl/worksheets/sheet1\.xml is damaged"


def lying_styles(tmp_path: Path) -> tuple[Path, str]:
    """The styles (which openpyxl reads whole) declare 1 KB and inflate to 500 MB, with the CRC
    of their first kilobyte: a whole read would inflate it all before cutting it to 1 KB."""
    styles = good_parts(tmp_path)["xl/styles.xml"]
    member = repeated("xl/styles.xml", styles[:-13], b"<x/>" * 75_000, 1_700, b"</styleSheet>")
    member.size = 1024
    member.crc = zlib.crc32((styles[:-13] + b"<x/>" * 300)[:1024])
    path = workbook(tmp_path / "liar.xlsx", good_parts(tmp_path), member)
    return path, r"not a readable XLSX workbook"


def many_parts(tmp_path: Path) -> tuple[Path, str]:
    """A table of contents of 40,000 parts, which zipfile would read whole."""
    parts = good_parts(tmp_path)
    empty = [stored(f"xl/media/image{n:05d}.bin", b"") for n in range(40_000)]
    path = workbook(tmp_path / "parts.xlsx", parts, *empty)
    return path, r"its table of contents is [\d.]+ MiB, more than the 1 MiB"


def bzip2_part(tmp_path: Path) -> tuple[Path, str]:
    parts = good_parts(tmp_path)
    member = Member(SHEET, zlib.compress(b"x"), 1, 0, zipfile.ZIP_BZIP2)
    path = workbook(tmp_path / "bz.xlsx", parts, member)
    return path, r"part xl/worksheets/sheet1\.xml is packed in a way Excel never packs"


def big_styles(tmp_path: Path) -> tuple[Path, str]:
    styles = good_parts(tmp_path)["xl/styles.xml"]
    big = styles[:-13] + b"<x/>" * 800_000 + b"</styleSheet>"
    path = workbook(tmp_path / "styles.xlsx", good_parts(tmp_path), stored("xl/styles.xml", big))
    return path, r"part xl/styles\.xml unpacks to 3\.\d+ MiB, more than the 2 MiB"


def laughs_in(part: str) -> Case:
    def build(tmp_path: Path) -> tuple[Path, str]:
        parts = with_entity(part, good_parts(tmp_path), billion_laughs)
        path = workbook(tmp_path / "entities.xlsx", parts)
        return path, r"declares XML entities or a document type"

    return build


def secret_file(tmp_path: Path) -> str:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    return secret.as_uri()


def external_entity_in(part: str, target: str) -> Case:
    def build(tmp_path: Path) -> tuple[Path, str]:
        uri = secret_file(tmp_path) if target == "secret" else target
        parts = with_entity(part, good_parts(tmp_path), external_entity(uri))
        path = workbook(tmp_path / "external.xlsx", parts)
        return path, r"declares XML entities or a document type"

    return build


def billion_rows(tmp_path: Path) -> tuple[Path, str]:
    """A sheet of 200 bytes standing for a billion blank rows."""
    rows = header_row() + b'<row r="1000000000"><c t="inlineStr"><is><t>x</t></is></c></row>'
    path = workbook(tmp_path / "rows.xlsx", good_parts(tmp_path), deflated(SHEET, sheet_xml(rows)))
    return path, r"has a row 1,000,000,000, past the 1,048,576 rows a sheet may have"


def wide_row(tmp_path: Path) -> tuple[Path, str]:
    rows = header_row() + b'<row r="2">' + b"<c/>" * 20_000 + b"</row>"
    path = workbook(tmp_path / "wide.xlsx", good_parts(tmp_path), deflated(SHEET, sheet_xml(rows)))
    return path, r"row 2 of its sheet has more than 16,384 columns"


def long_cell(tmp_path: Path) -> tuple[Path, str]:
    rows = (
        header_row()
        + b'<row r="2"><c r="B2" t="inlineStr"><is><t>'
        + b"x" * 40_000
        + b"</t></is></c></row>"
    )
    path = workbook(tmp_path / "cell.xlsx", good_parts(tmp_path), deflated(SHEET, sheet_xml(rows)))
    return path, r"the cell B2 of its sheet is longer than 32,767 characters"


def long_tag(tmp_path: Path) -> tuple[Path, str]:
    rows = (
        header_row()
        + b'<row r="2"><c r="A2" x="'
        + os.urandom(1_500_000).hex().encode()
        + b'"/></row>'
    )
    path = workbook(tmp_path / "tag.xlsx", good_parts(tmp_path), deflated(SHEET, sheet_xml(rows)))
    return path, r"its part xl/worksheets/sheet1\.xml has a tag longer than 1 MiB"


def rows_backwards(tmp_path: Path) -> tuple[Path, str]:
    rows = header_row() + b'<row r="5"><c t="inlineStr"><is><t>x</t></is></c></row><row r="2"/>'
    path = workbook(tmp_path / "order.xlsx", good_parts(tmp_path), deflated(SHEET, sheet_xml(rows)))
    return path, r"its sheet has row 2 after row 5"


def fifo(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "cases.csv"
    os.mkfifo(path)
    return path, r"cases\.csv is not a file but a named pipe: only regular files can be imported"


def dev_zero(tmp_path: Path) -> tuple[Path, str]:
    return Path("/dev/zero"), r"^/dev/zero is not a file but a device: only regular files"


def folder(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "cases.csv"
    path.mkdir()
    return path, r"cases\.csv is not a file but a folder"


def unix_socket(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "cases.sock"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))  # the socket file stays once the socket is closed
    return path, r"cases\.sock is not a file but a socket"


def sparse(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "huge.csv"
    with path.open("wb") as file:
        file.truncate(5 << 30)
    return path, r"huge\.csv is 5 GiB, more than the 4 GiB an extract may be"


def late_nul(tmp_path: Path) -> tuple[Path, str]:
    path = write_csv(tmp_path / "nul.csv", CASE_HEADER, [case(f"R{n}") for n in range(3_000)])
    lines = path.read_bytes().splitlines(keepends=True)
    lines[2_499] = lines[2_499].replace(b"R2498", b"R24\x0098")  # line 2,500: 200 KB in
    path.write_bytes(b"".join(lines))
    return path, r"nul\.csv has a NUL byte on line 2500: it is not text"


def long_header(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "header.csv"
    path.write_text(
        ",".join(CASE_HEADER) + "," + "h" * 1_000_000 + "\n" + ",".join(case("A")) + "\n"
    )
    return path, r"header\.csv, line 1: cell 10 is longer than 32,767 characters"


def endless_line(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "endless.csv"
    path.write_text(",".join(CASE_HEADER) + "\n" + "x" * 3_000_000)
    return path, r"endless\.csv, line 2: the row is longer than 1,048,576 characters"


def many_line_row(tmp_path: Path) -> tuple[Path, str]:
    """A row of short lines that never ends: a quoted cell after another, each with a line break."""
    path = tmp_path / "lines.csv"
    path.write_text(",".join(CASE_HEADER) + "\n" + '"x\nx",' * 400_000 + "\n")
    return path, r"lines\.csv, line 2: the row is longer than 1,048,576 characters"


def wide_csv(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(CASE_HEADER) + "\n" + "," * 20_000 + "\n")
    return path, r"wide\.csv, line 2: the row has 20,001 cells, more than the 16,384"


def unknown_columns_missing_required(tmp_path: Path) -> tuple[Path, str]:
    header = [f"column {n}" for n in range(10_000)]
    path = write_csv(tmp_path / "unknown.csv", header, [["x"] * 10_000])
    return path, r"unknown\.csv is missing the required columns incident_ref, workstream"


CASES: dict[str, Case] = {
    "sheet bomb (1.1 GB of blank rows)": sheet_bomb,
    "packed like a bomb": ratio_bomb,
    "shared-strings bomb (200 MB)": strings_bomb,
    "shared strings over the limit, unpacked": strings_stored,
    "sheet lying about its size": lying_sheet,
    "styles lying about their size": lying_styles,
    "40,000 parts": many_parts,
    "bzip2 part": bzip2_part,
    "styles over the limit": big_styles,
    **{
        f"billion laughs in {part}": laughs_in(part)
        for part in (
            "[Content_Types].xml",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            STRINGS,
            SHEET,
        )
    },
    **{
        f"external entity ({target}) in {part}": external_entity_in(part, target)
        for part in ("xl/workbook.xml", "xl/styles.xml", STRINGS, SHEET)
        for target in ("secret", "file:///etc/passwd")
    },
    "a row numbered a billion": billion_rows,
    "a row of 20,000 cells": wide_row,
    "a cell of 40,000 characters": long_cell,
    "a tag of 3 MB": long_tag,
    "rows going backwards": rows_backwards,
    "a named pipe": fifo,
    "/dev/zero": dev_zero,
    "a folder": folder,
    "a socket": unix_socket,
    "a 5 GiB file": sparse,
    "a NUL byte on line 2,500": late_nul,
    "a header cell of 1,000,000 characters": long_header,
    "a line without end": endless_line,
    "a row of endless lines": many_line_row,
    "a row of 20,001 cells": wide_csv,
    "10,000 unknown columns, required ones missing": unknown_columns_missing_required,
}


@pytest.mark.slow
@pytest.mark.parametrize("build", CASES.values(), ids=CASES.keys())
def test_a_hostile_file_is_one_sentence_in_bounded_time_and_memory(tmp_path, imported, build):
    path, pattern = build(tmp_path)
    run = measured(tmp_path, "import", "cases", str(path))
    assert_refused(run, path.name, pattern)
    assert dump(tmp_path / "oversight.db") == imported
    # An external entity's file is never read: its content shows nowhere.
    said = run.stdout + run.stderr + "\n".join(imported)
    assert SECRET not in said
    assert "root:x:" not in said


@pytest.mark.slow
def test_rows_past_the_limit_count_blank_lines_too(tmp_path, imported):
    """With MAX_ROWS patched down to 1,000 in the child: 2,000 blank lines are refused."""
    path = tmp_path / "blank.csv"
    path.write_text(",".join(CASE_HEADER) + "\n" + ",".join(case("A")) + "\n" + "\n" * 2_000)
    patched = (
        "import sys, oversight.extracts.limits as e; e.MAX_ROWS = 1000; "
        "from oversight.cli import main; sys.argv[0] = 'oversight'; main()"
    )
    run = measured(tmp_path, "import", "cases", str(path), command=[sys.executable, "-c", patched])
    assert_refused(run, "blank.csv", r"blank\.csv has more than 1,000 lines, the most an extract")
    assert dump(tmp_path / "oversight.db") == imported


@pytest.mark.slow
def test_a_workbook_is_not_read_if_openpyxl_cannot_use_defusedxml(tmp_path, imported):
    path = workbook(tmp_path / "cases.xlsx", good_parts(tmp_path))
    run = measured(tmp_path, "import", "cases", str(path), OPENPYXL_DEFUSEDXML="False")
    assert_refused(run, "cases.xlsx", r"openpyxl cannot use defusedxml")
    assert dump(tmp_path / "oversight.db") == imported


@pytest.mark.slow
def test_the_good_workbook_the_cases_start_from_imports(tmp_path, imported):
    path = workbook(tmp_path / "cases.xlsx", good_parts(tmp_path))
    run = measured(tmp_path, "import", "cases", str(path), "--by", "analyst")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Imported cases.xlsx (2 rows)")


@pytest.mark.slow
def test_10000_unknown_columns_are_one_short_warning(tmp_path, imported):
    header = [*CASE_HEADER, *(f"Unknown column number {n} " + "x" * 60 for n in range(10_000))]
    path = write_csv(tmp_path / "wide.csv", header, [case("DA-9") + ["x"] * 10_000])
    run = measured(tmp_path, "import", "cases", str(path), "--by", "analyst")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Imported wide.csv (1 row)")
    warning, no_risk = run.stderr.splitlines()
    assert no_risk == f"Warning: {NO_RISK_COLUMNS}."
    assert warning.startswith("Warning: ignored 10,000 columns that oversight does not use: ")
    assert warning.endswith(" and 9,995 more.")
    assert warning.count('"Unknown column number') == 5
    assert len(warning) < 400
    print(f"\n  {run.seconds:.2f} s, {run.max_rss / MiB:.0f} MiB: {warning}")


# --- the same, in this process ------------------------------------------------------------------


def import_cases(store, path: Path) -> None:
    import_extract(
        store,
        KINDS["cases"],
        path,
        extract_as_of=NOW.date(),
        imported_by="analyst",
        imported_at=NOW,
    )


@pytest.mark.parametrize("build", CASES.values(), ids=CASES.keys())
def test_a_hostile_file_is_refused_in_this_process_too(store, tmp_path, build):
    path, pattern = build(tmp_path)
    before = list(store.conn.iterdump())
    with pytest.raises(UserError) as caught:
        import_cases(store, path)
    assert re.search(pattern, str(caught.value))
    assert list(store.conn.iterdump()) == before


def test_the_limits_are_read_when_a_file_is(store, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "cases.csv", CASE_HEADER, [case(f"R{n}") for n in range(20)])
    monkeypatch.setattr(extracts, "MAX_ROWS", 10)
    with pytest.raises(UserError, match="has more than 10 lines"):
        import_cases(store, path)
    monkeypatch.setattr(extracts, "MAX_ROWS", 21)
    import_cases(store, path)


def test_no_workbook_is_read_without_defusedxml(store, tmp_path, monkeypatch):
    import openpyxl.xml

    path = workbook(tmp_path / "cases.xlsx", good_parts(tmp_path))
    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", False)
    with pytest.raises(UserError, match="openpyxl cannot use defusedxml"):
        import_cases(store, path)


# --- a sheet python-calamine cannot hold ---------------------------------------------------------
# calamine (the quick reading of a workbook, oversight.extracts.xlsx_quick) holds a sheet as one
# grid from its top left cell to its bottom right one: a few cells far apart ask it for
# gigabytes, or (A1 to XFD1048576) for 550 GB, which kills the process that asks. It runs in a
# child limited in memory: the child dies, and the import takes the exact path, which reads the
# file as ever.


def far_workbook(tmp_path: Path, far: str) -> Path:
    """Two cases, the second on the far row, and a column of notes in the far column."""
    column, number = re.fullmatch(r"([A-Z]+)(\d+)", far).groups()

    def row(at: str, cells: list[str], note: str) -> bytes:
        refs = [f"{chr(65 + n)}{at}" for n in range(len(cells))] + [f"{column}{at}"]
        body = "".join(
            f'<c r="{ref}" t="inlineStr"><is><t>{cell}</t></is></c>'
            for ref, cell in zip(refs, [*cells, note], strict=True)
            if cell
        )
        return f'<row r="{at}">{body}</row>'.encode()

    rows = (
        row("1", CASE_HEADER, "notes") + row("2", case("DA-5"), "") + row(number, case("DA-6"), "x")
    )
    sheet = deflated(SHEET, sheet_xml(rows))
    return workbook(tmp_path / "far.xlsx", good_parts(tmp_path), sheet)


FAR = ["XFD1048576", "Z1000000"]  # calamine's grid: 550 GB, and 830 MB


@pytest.mark.slow
@pytest.mark.parametrize("far", FAR)
def test_a_sheet_calamine_cannot_hold_imports_within_bounds(tmp_path, imported, far):
    path = far_workbook(tmp_path, far)
    run = measured(tmp_path, "import", "cases", str(path), "--by", "analyst")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Imported far.xlsx (2 rows)")
    # Nothing of the child's end shows: only the warning about the column of notes.
    warning = 'Warning: ignored the column "notes", which oversight does not use.\n'
    assert run.stderr == warning + f"Warning: {NO_RISK_COLUMNS}.\n", run.stderr
    assert run.max_rss < MEMORY_LIMIT, run.max_rss
    assert run.seconds < BOMB_SECONDS, run.seconds
    print(f"\n  {run.seconds:.2f} s, {run.max_rss / MiB:.0f} MiB")


@pytest.mark.parametrize("far", FAR)
def test_a_sheet_calamine_cannot_hold_imports_in_this_process_too(store, tmp_path, far):
    import_cases(store, far_workbook(tmp_path, far))
    refs = store.conn.execute("SELECT incident_ref FROM case_reviews ORDER BY 1").fetchall()
    assert refs == [("DA-5",), ("DA-6",)]
