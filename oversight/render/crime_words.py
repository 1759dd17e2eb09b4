"""The words of recorded crime, shared by /crime, /integrity, the digest and the crime chart:
twelve months like for like, months missing in runs, a force that stopped publishing."""

from __future__ import annotations

from datetime import date

from oversight.figures.crime import CrimeFigures, month_after, month_label, percent_change
from oversight.figures.crime_places import NotPublished
from oversight.render.words import count, day, pct, plural
from oversight.values import figure_text


def crime_gaps_heading(import_id: int, file_name: str, counts: dict[str, int]) -> str:
    found = ", ".join(f"{kind} {count(n)}" for kind, n in counts.items()) or "none"
    return f"Gaps in recorded crime (import #{import_id}, {file_name}): {found}"


def change_words(percent: float | None) -> str:
    if percent is None:
        return "n/a"
    if percent == 0:
        return "no change"
    return f"{'up' if percent > 0 else 'down'} {abs(percent):.1f}%"


def twelve_months_change(c: CrimeFigures) -> str:
    """The 12 months against the 12 before, compared only like for like: "12 months to
    December 2019: 306,663 against 334,544, down 8.3%"; when a window lacks a month, "…: not
    compared, a month is missing from one of them; the 11 months present in both: …"."""
    assert c.month is not None
    what = "" if c.crime_type is None else f" ({c.crime_type})"
    line = f"12 months to {month_label(c.month)}{what}: {count(c.last_12)} against " + count(
        c.previous_12
    )
    if not c.incomplete:
        return f"{line}, {change_words(c.change_12_percent)}"
    if not c.both_12:
        return f"{line}: not compared, no month has a file in both years"
    return (
        f"{line}: not compared, months are missing; the {plural(c.both_12, 'month')} present "
        f"in both: {count(c.last_both)} against {count(c.previous_both)}, "
        f"{change_words(c.like_for_like_percent)}"
    )


def twelve_months(c: CrimeFigures) -> str:
    """The change over 12 months, like for like, naming the months without a file."""
    line = twelve_months_change(c)
    if c.incomplete:
        line += f" (no file for {month_runs([*c.absent_previous_12, *c.absent_last_12])})"
    return line


def stopped_publishing(force: str | None, stopped: NotPublished, as_of: date) -> str:
    """ "No recorded crime published for F since June 2020: 12 months missing as of 30 Jun
    2021" (/crime, /violence and the stale-data alarm)."""
    return (
        f"No recorded crime published for {force} since {month_label(stopped.latest_month)}: "
        f"{plural(stopped.missing, 'month')} missing as of {day(as_of)}"
    )


def usual_lag(stopped: NotPublished) -> str:
    return f"data.police.uk usually publishes a month within {plural(stopped.lag_months, 'month')}"


def not_published(c: CrimeFigures) -> str | None:
    """The force has stopped publishing, said in one sentence; None if it has not."""
    stopped = c.not_published
    if stopped is None:
        return None
    return f"{stopped_publishing(c.force, stopped, c.as_of)} ({usual_lag(stopped)})."


def forces_held(c: CrimeFigures) -> str | None:
    """The forces the store holds, each with its latest month, when more than one."""
    if len(c.held) < 2:
        return None
    return "Forces held: " + "; ".join(
        f"{h.force} (to {month_label(h.latest_month)})" if h.latest_month else h.force
        for h in c.held
    )


def month_runs(months: list[str], shown: int = 4) -> str:
    """Months ("2019-10"), a run of consecutive ones said once: "October 2019, July 2018 to
    April 2019 (10 months)"; past ``shown`` runs, how many more."""
    runs: list[list[str]] = []
    for m in sorted(set(months)):
        if runs and month_after(runs[-1][-1], 1) == m:
            runs[-1].append(m)
        else:
            runs.append([m])
    said = [
        month_label(r[0])
        if len(r) == 1
        else f"{month_label(r[0])} to {month_label(r[-1])} ({len(r)} months)"
        for r in runs[:shown]
    ]
    more = f" and {plural(len(runs) - shown, 'more gap')}" if len(runs) > shown else ""
    return ", ".join(said) + more


def no_location(c: CrimeFigures) -> str:
    """Crimes that could not be placed: with no coordinates (No Location), and placed but
    outside any LSOA (all of Northern Ireland's; British Transport Police's in Scotland)."""
    line = (
        f"No Location: {count(c.no_location)} of {count(c.crimes)} crimes "
        f"({pct(c.no_location_percent)}), in the totals but in no neighbourhood"
    )
    if c.no_lsoa:
        line += f"; placed outside any LSOA: {count(c.no_lsoa)}, in the totals too"
    return line


def gap_warning(c: CrimeFigures) -> str | None:
    """Missing and low months of the 24, and neighbourhoods that went silent in the last 12."""
    parts = []
    # Low months are judged on all recorded crime, whatever type the answer is for.
    of_all = "" if c.crime_type is None else " of all types"
    if c.missing_months:
        parts.append("no file for " + month_runs(c.missing_months))
    if c.low_months:
        parts.append(
            "low "
            + ", ".join(
                f"{month_label(m.month)} ({count(m.crimes)} crimes{of_all}, under half the "
                f"median {figure_text(m.median)})"
                for m in c.low_months
            )
        )
    if c.silent:
        names: list[str] = []
        for area in c.silent:
            if area.name not in names:
                names.append(area.name)
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        parts.append(
            f"{plural(c.silent_areas, 'neighbourhood')} went silent (no crime in a month "
            f"after averaging 10 or more): {shown}"
        )
    return "data gaps: " + "; ".join(parts) if parts else None


def digest_crime_lines(c: CrimeFigures) -> list[str]:
    """The digest's recorded-crime section: the month, the 12 months, and the gaps."""
    assert c.month is not None and c.year_before is not None
    before = (
        "no file"
        if c.crimes_year_before is None
        else f"{count(c.crimes_year_before)} in {month_label(c.year_before)}"
    )
    stopped = not_published(c)
    lines = [
        *([f"WARNING: {stopped}"] if stopped else []),
        f"{count(c.crimes)} crimes against {before} "
        f"({change_words(percent_change(c.crimes, c.crimes_year_before))}); anti-social behaviour "
        f"{count(c.asb)} (not a crime)",
        twelve_months(c),
        no_location(c),
    ]
    warning = gap_warning(c)
    return [*lines, f"WARNING: {warning}"] if warning else lines
