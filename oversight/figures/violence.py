"""Police-recorded violence by neighbourhood: the hotspots, how concentrated violence is, a row
for each local authority, and where each neighbourhood is, for the map. A pure core over the
counts by force, month, neighbourhood and crime type (``crime_area_types``) and the places of
the neighbourhoods (``crime_areas``), compared 12 months against 12 like for like."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from oversight.extracts.street_format import local_authority
from oversight.figures.crime import CrimeFigures, crime_figures, percent_change
from oversight.figures.crime_gaps import month_after
from oversight.store import Store

VIOLENCE = "Violence and sexual offences"
ROBBERY = "Robbery"
WEAPONS = "Possession of weapons"
POLICE_TYPES = (VIOLENCE, ROBBERY, WEAPONS)
HOTSPOTS = 10
TOP_SHARE = 0.05  # concentration: the share of violence held by the top 5% of neighbourhoods


@dataclass(frozen=True)
class Hotspot:
    code: str  # LSOA code
    name: str  # LSOA name, as published
    local_authority: str
    violence: int  # the 12 months to the month
    share: float | None  # of the violence of every neighbourhood, percent
    change_percent: float | None  # like for like: the months with a file in both windows


@dataclass(frozen=True)
class AuthorityRow:
    local_authority: str
    violence: int
    violence_before: int
    change_percent: float | None  # like for like
    robbery: int
    weapons: int


@dataclass(frozen=True)
class Place:
    """A neighbourhood's representative point (the mean of its crimes' published points) and
    its violence in the 12 months, for the map."""

    code: str
    local_authority: str
    longitude: float
    latitude: float
    violence: int


@dataclass(frozen=True)
class PoliceViolence:
    as_of: date
    figures: dict[str, CrimeFigures]  # each of POLICE_TYPES, as /crime gives it
    hotspots: list[Hotspot] = field(default_factory=list)
    neighbourhoods: int = 0  # with any recorded crime in the 12 months
    top_count: int = 0  # how many make the top 5%
    top_share: float | None = None  # percent of the violence placed in a neighbourhood
    placed_violence: int = 0  # violence placed in a neighbourhood, the 12 months
    authorities: list[AuthorityRow] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    both_months: list[str] = field(default_factory=list)  # the like-for-like months of the 12

    @property
    def violence(self) -> CrimeFigures:
        return self.figures[VIOLENCE]

    @property
    def force(self) -> str | None:
        return self.violence.force

    @property
    def month(self) -> str | None:
        return self.violence.month


def police_violence(
    store: Store, as_of: date, force: str = "", area: str = "", lag_months: int = 2
) -> PoliceViolence:
    """Violence and sexual offences, robbery and possession of weapons for the force (or an
    area of it), and violence by neighbourhood and local authority."""
    figures = {t: crime_figures(store, as_of, force, t, area, lag_months) for t in POLICE_TYPES}
    v = figures[VIOLENCE]
    if v.month is None or v.force is None:
        return PoliceViolence(as_of, figures)
    conn = store.conn
    last = [month_after(v.month, -i) for i in range(11, -1, -1)]
    previous = [month_after(m, -12) for m in last]
    with_file = {
        m
        for (m,) in conn.execute(
            "SELECT month FROM crime_files WHERE force = ? AND month BETWEEN ? AND ?",
            (v.force, previous[0], last[-1]),
        )
    }
    both = [m for m in last if m in with_file and month_after(m, -12) in with_file]
    both_before = {month_after(m, -12) for m in both}
    where, params = "force = ? AND month BETWEEN ? AND ?", [v.force, previous[0], last[-1]]
    if v.area is not None:
        authority = local_authority(v.area.name) if v.area.code else v.area.name
        where += " AND local_authority = ?"
        params.append(authority)
        if v.area.code:
            where += " AND lsoa_code = ?"
            params.append(v.area.code)
    # One pass over the three types by neighbourhood and month.
    counts: dict[str, dict[str, list[int]]] = {}  # code -> type -> [last, previous, both, bb]
    authority_of: dict[str, str] = {}
    last_set, previous_set = set(last), set(previous)
    for la, code, month, crime_type, n in conn.execute(
        f"SELECT local_authority, lsoa_code, month, crime_type, SUM(crimes) FROM "
        f"crime_area_types WHERE {where} AND crime_type IN (?, ?, ?) GROUP BY 1, 2, 3, 4",
        (*params, *POLICE_TYPES),
    ):
        authority_of[code] = la
        c = counts.setdefault(code, {}).setdefault(crime_type, [0, 0, 0, 0])
        if month in last_set:
            c[0] += n
            if month in both:
                c[2] += n
        elif month in previous_set:
            c[1] += n
            if month in both_before:
                c[3] += n
    names: dict[str, str] = {}
    points: dict[str, tuple[int, float, float]] = {}
    active: set[str] = set()
    for code, name, la, crimes, placed, lon, lat in conn.execute(
        f"SELECT lsoa_code, max(lsoa_name), max(local_authority), "
        f"sum(CASE WHEN month >= ? THEN crimes ELSE 0 END), sum(placed), sum(longitude_sum), "
        f"sum(latitude_sum) FROM crime_areas WHERE {where} GROUP BY lsoa_code",
        (last[0], *params),
    ):
        names[code] = name or code
        authority_of.setdefault(code, la or "")
        if placed:
            points[code] = (placed, lon, lat)
        if crimes:
            active.add(code)

    def of(code: str, crime_type: str, i: int) -> int:
        return counts.get(code, {}).get(crime_type, [0, 0, 0, 0])[i]

    violence = {code: of(code, VIOLENCE, 0) for code in counts}
    placed_violence = sum(violence.values())
    ranked = sorted((c for c in violence if violence[c]), key=lambda c: (-violence[c], c))
    hotspots = [
        Hotspot(
            code,
            names.get(code, code),
            authority_of.get(code, ""),
            violence[code],
            _percent(violence[code], placed_violence),
            percent_change(of(code, VIOLENCE, 2), of(code, VIOLENCE, 3)) if both else None,
        )
        for code in ranked[:HOTSPOTS]
    ]
    active |= {c for c in violence if violence[c]}
    top_count = math.ceil(len(active) * TOP_SHARE) if active else 0
    top = sum(violence[c] for c in ranked[:top_count])
    authorities = []
    for la in sorted({authority_of[c] for c in counts}):
        codes = [c for c in counts if authority_of[c] == la]

        def total(crime_type: str, i: int, codes: list[str] = codes) -> int:
            return sum(of(c, crime_type, i) for c in codes)

        authorities.append(
            AuthorityRow(
                la,
                total(VIOLENCE, 0),
                total(VIOLENCE, 1),
                percent_change(total(VIOLENCE, 2), total(VIOLENCE, 3)) if both else None,
                total(ROBBERY, 0),
                total(WEAPONS, 0),
            )
        )
    places = [
        Place(code, authority_of.get(code, ""), lon / n, lat / n, violence.get(code, 0))
        for code, (n, lon, lat) in sorted(points.items())
    ]
    return PoliceViolence(
        as_of,
        figures,
        hotspots,
        len(active),
        top_count,
        _percent(top, placed_violence),
        placed_violence,
        authorities,
        places,
        both,
    )


def _percent(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None
