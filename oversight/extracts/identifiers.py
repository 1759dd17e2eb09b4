"""Identifiable data in a hospital extract: found, and the file refused whole, quoting nothing.

The ISTV standard (ISB 1594) shares anonymised data only. A file that holds a patient
identifier is refused before anything in it is parsed, stored, shown or logged: a column whose
name marks one (NHS number, name, date of birth, address, postcode), or any cell that is a
valid NHS number (ten digits passing the modulus-11 check) or holds a full UK postcode. The
sentence names the column and the line, never the value.
"""

from __future__ import annotations

import re
import string

from oversight.errors import UserError
from oversight.extracts.limits import Extract
from oversight.values import normalise_name

# Column names (normalised: lower case, words joined by "_") that mark a patient identifier.
_IDENTIFIER_NAMES = re.compile(
    r"^(patient_)?("
    r"nhs(_?(no|num|number|id))?|chi(_number)?|"
    r"(full_|first_|last_|given_|family_|fore|sur|middle_|maiden_)?name|"
    r"forename|surname|"
    r"(date_of_birth|dob|birth_?date|birth_?day)|"
    r"(home_|postal_|street_|patient_)?address(_line_?\d)?|"
    r"post_?code|postal_code|zip(_code)?"
    r")$"
)
IDENTIFIER_KINDS = {
    "nhs": "an NHS number",
    "name": "a name",
    "birth": "a date of birth",
    "address": "an address",
    "post": "a postcode",
}

# A full UK postcode (outward and inward code), as the Royal Mail's format allows, any case.
_POSTCODE = (
    r"(?:GIR ?0AA|(?:[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|[A-HK-Y]\d[ABEHMNPRV-Y])"
    r") ?\d[ABD-HJLNP-UW-Z]{2})"
)
_POSTCODE_IN = re.compile(rf"(?<![A-Z0-9]){_POSTCODE}(?![A-Z0-9])", re.IGNORECASE)
# Ten digits, together or written 3-3-4 with spaces or hyphens, standing alone.
_TEN_DIGITS = re.compile(r"(?<![\d])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d])")
_DIGIT = re.compile(r"\d")
# A row's shape: each ASCII digit 9, each ASCII letter a. Ten digits as _TEN_DIGITS finds them
# are one of _NHS_SHAPES in it, and a postcode ends in a digit and two letters ("9aa"): a row
# of ASCII text whose shape holds neither holds no NHS number and no postcode.
_SHAPE = str.maketrans("0123456789" + string.ascii_letters, "9" * 10 + "a" * 52)
_NHS_SHAPES = tuple(f"999{a}999{b}9999" for a in ("", " ", "-") for b in ("", " ", "-"))
_JOIN = "\x1f"  # neither a letter nor a digit: each cell's edges stay edges when joined

# What a cell the screen refuses for an NHS number or a postcode holds, at least: ten digits
# (together, or 3-3-4 with spaces or hyphens), or a digit and two of the letters a postcode
# ends in (as _POSTCODE_IN finds them: the same classes, the same flags; "GIR 0AA" included).
_MAY_BE = re.compile(r"\d(?:\d\d[ -]?\d{3}[ -]?\d{4}|[ABD-HJLNP-UW-Z]{2})", re.IGNORECASE)
# The shape of a CSV file's bytes: each ASCII digit 9, each ASCII letter a, each byte of a
# character beyond ASCII *, and each quote taken out (see could_hold_identifier).
_BYTE_SHAPE = bytes.maketrans(
    b"0123456789" + string.ascii_letters.encode() + bytes(range(0x80, 0x100)),
    b"9" * 10 + b"a" * 52 + b"*" * 0x80,
)
# The NHS number's shapes by how they begin: a text without the beginning is not searched for
# the three shapes that have it.
_NHS_BYTE_SHAPES = {
    start: tuple(nhs.encode() for nhs in _NHS_SHAPES if nhs.startswith(start.decode()))
    for start in (b"999999", b"999 999", b"999-999")
}


def _may_hold_identifier(text: str) -> bool:
    """False only when ``text`` surely holds no NHS number and no postcode (text beyond ASCII,
    whose digits and letters the patterns also match, is always looked at)."""
    if not text.isascii():
        return True
    shape = text.translate(_SHAPE)
    return "9aa" in shape or any(nhs in shape for nhs in _NHS_SHAPES)


def could_hold_identifier(text: bytes) -> bool:
    """False only when no cell of ``text``, whole lines of a CSV file, can hold an NHS number
    or a postcode, as the screen finds them: then its rows need not be read.

    The csv module takes nothing out of a cell but quotes (those around it, one of each pair
    within it, and any after a closing one: ``"012"3`` is ``0123``), and neither pattern
    matches a quote, a separator or a line ending: what either finds in a cell is in the text
    with its quotes taken out, and in one line of it. In ASCII, that is one of the shapes the
    rows' look knows; a line beyond ASCII is searched, as text, for what they must hold.
    """
    shape = text.translate(_BYTE_SHAPE, b'"')
    if b"9aa" in shape or any(
        start in shape and any(nhs in shape for nhs in shapes)
        for start, shapes in _NHS_BYTE_SHAPES.items()
    ):
        return True
    if b"*" not in shape:
        return False
    for line in text.split(b"\n"):
        if not line.isascii():
            try:
                if _MAY_BE.search(line.decode("utf-8").replace('"', "")) is not None:
                    return True
            except UnicodeDecodeError:
                return True  # the rows' reader names the line that is not UTF-8
    return False


def is_nhs_number(digits: str) -> bool:
    """Whether ten digits pass the NHS number's modulus-11 check: the first nine weighted 10
    down to 2, the sum's remainder on 11 taken from 11 (11 is 0; 10 is never valid) is the
    tenth."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def holds_nhs_number(text: str) -> bool:
    return any(is_nhs_number("".join(m.groups())) for m in _TEN_DIGITS.finditer(text))


def holds_postcode(text: str) -> bool:
    return _POSTCODE_IN.search(text) is not None


def identifier_in(text: str) -> str | None:
    """What identifier a cell holds ("an NHS number", "a postcode"), or None."""
    if _DIGIT.search(text) is None:  # both need digits: most cells end here
        return None
    if holds_nhs_number(text):
        return IDENTIFIER_KINDS["nhs"]
    if holds_postcode(text):
        return IDENTIFIER_KINDS["post"]
    return None


def identifier_column(name: str) -> str | None:
    """What a column's name says it holds, when that is a patient identifier."""
    normal = normalise_name(name)
    if not _IDENTIFIER_NAMES.match(normal):
        return None
    for word, what in IDENTIFIER_KINDS.items():
        if word in normal:
            return what
    if normal in ("dob",):
        return IDENTIFIER_KINDS["birth"]
    if "zip" in normal or "code" in normal:
        return IDENTIFIER_KINDS["post"]
    return "a patient identifier"


def _refuse(extract: Extract, where: str, what: str, verb: str = "holds") -> UserError:
    return UserError(
        f"{extract.name} was not imported: {where} {verb} {what}, and hospital data is shared "
        "anonymised only (the ISTV standard), so the whole file was refused and nothing was "
        "stored."
    )


def screen(extract: Extract) -> None:
    """Refuse ``extract`` whole (a :class:`UserError` naming the column and line, quoting no
    value) when its header or any cell holds a patient identifier. Reads every row, unless
    :func:`could_hold_identifier` has looked at every line as the file was hashed (opened with
    it as its look) and found that no cell can hold one."""
    header = [str(cell) for cell in extract.header]
    names = [
        f'column "{h.strip()[:40]}"' if identifier_in(h) is None else f"column {n}"
        for n, h in enumerate(header, start=1)
    ]
    for n, cell in enumerate(header):
        what = identifier_column(cell)
        if what is not None:
            raise _refuse(extract, f"the header's {names[n]} (line 1)", what, "is for")
        if identifier_in(cell) is not None:
            raise _refuse(extract, f"the header's {names[n]} (line 1)", identifier_in(cell))
    if extract.may_hold is False:
        return
    for line, cells in extract.rows:
        # The row's cells joined, looked at once: only a row that may hold an identifier is
        # looked at cell by cell (most rows hold none; this is most of the screen's time).
        joined = _JOIN.join([c if c.__class__ is str else str(c) for c in cells])
        if not _may_hold_identifier(joined):
            continue
        for n, cell in enumerate(cells):
            if cell is None or cell == "":
                continue
            what = identifier_in(cell if isinstance(cell, str) else str(cell))
            if what is not None:
                column = names[n] if n < len(names) else f"column {n + 1}"
                raise _refuse(extract, f"{column} on {extract.unit} {line}", what)
