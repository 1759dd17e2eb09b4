"""data.police.uk's street-level crime files: the format, as data.police.uk publishes it.

Monthly files named ``YYYY-MM-<force>-street.csv`` (in archive folders ``YYYY-MM/``), with the
header :data:`STREET_HEADER`; the crime types it publishes; the months it has published (from
December 2010); and the forces' names in file names. Documented at https://data.police.uk/about/.
"""

from __future__ import annotations

import re

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
FILE_NAME = re.compile(r"(?P<month>\d{4}-\d{2})-(?P<force>[a-z0-9]+(?:-[a-z0-9]+)*)-street\.csv")
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
# Coordinates are where data.police.uk's forces are (England, Wales, Northern Ireland), with room.
LONGITUDE_RANGE = (-11.0, 3.0)
LATITUDE_RANGE = (49.0, 61.0)
# data.police.uk's first month of street-level crime: December 2010.
FIRST_MONTH = "2010-12"


def month_named(month: str) -> str:
    """ "2019-12" -> "December 2019", for messages (any well-formed month)."""
    names = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    return f"{names[int(month[5:7]) - 1]} {month[:4]}"


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


_LSOA_SUFFIX = re.compile(r"\s+\d{3}[A-Z]$")


def local_authority(lsoa_name: str) -> str:
    """The local authority an LSOA is in, from its name without its code suffix:
    "Manchester 054C" -> "Manchester"."""
    return _LSOA_SUFFIX.sub("", lsoa_name.strip())


def recorded(crime_type: str) -> bool:
    """Whether a crime type counts as recorded crime: anti-social behaviour is not a crime."""
    return crime_type != ASB


def quoted(value: object) -> str:
    """A cell as a message quotes it: on one line, and at most 60 characters."""
    text = one_line(str(value))
    return f'"{text if len(text) <= 60 else text[:59] + "…"}"'
