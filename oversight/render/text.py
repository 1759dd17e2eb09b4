"""Plain-text rendering of the answer models, for the command line."""

from __future__ import annotations

from functools import singledispatch

from oversight import formatting as fmt
from oversight.alarms import IntegrityAlert, StaleAlarm
from oversight.answers import (
    Answer,
    BacklogAnswer,
    CrimeAnswer,
    DeadlinesAnswer,
    HelpAnswer,
    HomeAnswer,
    IntegrityAnswer,
    ReturnsAnswer,
    StatusAnswer,
    tables,
)
from oversight.digest import DigestAnswer
from oversight.figures.crime import CrimeFigures, month_label
from oversight.integrity import FINDINGS
from oversight.kinds import kind_label
from oversight.reminders import RemindersAnswer
from oversight.values import WORKSTREAMS


def render_text(answer: Answer) -> str:
    """The answer as plain text for a terminal, ending in a newline."""
    return "\n".join(_lines(answer)).rstrip() + "\n"


def _footer(
    kind: str, answer: BacklogAnswer | ReturnsAnswer | DeadlinesAnswer | CrimeAnswer
) -> list[str]:
    lines = ["", fmt.source(kind, answer.source)]
    warning = fmt.stale_warning(kind, answer.source)
    return [*lines, f"WARNING: {warning}"] if warning else lines


def _table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    """Columns padded to their widest cell; ``align`` has "l" or "r" for each column."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = (
            c.rjust(w) if a == "r" else c.ljust(w)
            for c, w, a in zip(cells, widths, align, strict=True)
        )
        return "  ".join(padded).rstrip()

    return [line(header), *(line(r) for r in rows)]


def _loud(text: str) -> str:
    """Overdue in capitals, so it stands out in a terminal table."""
    return text.replace("overdue", "OVERDUE", 1)


def has_rendering(answer_type: type) -> bool:
    """Whether ``answer_type`` has its own rendering here (not only the fallback's error)."""
    return _lines.dispatch(answer_type) is not _lines.registry[object]


@singledispatch
def _lines(answer: object) -> list[str]:
    raise TypeError(f"no text rendering for {type(answer).__name__}")


@_lines.register
def _(answer: BacklogAnswer) -> list[str]:
    b, trend = answer.backlog, answer.backlog.trend
    rows = [
        [
            fmt.workstream(w.workstream),
            fmt.count(w.recorded),
            fmt.count(w.needing_review),
            fmt.count(w.reviewed),
            fmt.count(w.outstanding),
            fmt.pct(w.percent_reviewed),
            fmt.pct(w.ncrs_percent),
            fmt.count(w.referrals_not_sent),
        ]
        for w in b.figures
    ]
    header = [
        "",
        "Recorded",
        "Need review",
        "Reviewed",
        "Outstanding",
        "Reviewed %",
        "NCRS %",
        "Referrals not sent",
    ]
    scope = "" if b.workstream == "all" else f" — {fmt.workstream(b.workstream)}"
    lines = [f"Review backlog{scope}, as of {fmt.long_day(answer.as_of)}", ""]
    lines += _table(header, rows, "lrrrrrrr")
    shown = b.figures[-1]
    lines += [
        "",
        f"NCRS compliance of reviewed cases: {fmt.ncrs(shown)}",
        f"Referrals required among reviewed cases: {fmt.referrals(shown)}",
        f"Reviews completed last complete week: {fmt.last_week(trend)}; "
        f"four-week mean {fmt.weekly_rate(trend.four_week_mean)}",
        f"Outstanding: {fmt.outstanding_change(trend, answer.as_of)}",
        f"Projected completion: {fmt.projection(trend)}",
        f"Outstanding by age: {fmt.ages(b.ages)}",
    ]
    missing = fmt.missing_records(answer.missing_from_latest)
    if missing:
        lines.append(f"WARNING: {missing}; see /integrity")
    return lines + _footer("cases", answer)


@_lines.register
def _(answer: ReturnsAnswer) -> list[str]:
    status = answer.returns
    scope = f' matching "{status.dataset}"' if status.dataset else ""
    lines = [f"Crime-data returns{scope}, as of {fmt.long_day(answer.as_of)}", ""]
    if not status.returns:
        lines.append("No data returns recorded" + (scope or "") + ".")
        return lines + _footer("returns", answer)
    rows = []
    for r in status.returns:
        rows.append([r.dataset, r.period, fmt.day(r.due_on), r.status, _loud(fmt.return_state(r))])
    lines += _table(["Dataset", "Period", "Due", "Status", ""], rows, "llrll")
    lines.append("")
    lines.append(f"Overdue: {len(status.overdue)}")
    if status.excluded:
        periods = ", ".join(f"{r.dataset} {r.period}" for r in status.excluded)
        lines.append(f"Excluded from official statistics: {periods}")
    nxt = status.next_due
    lines.append(
        f"Next due: {nxt.dataset} {nxt.period} on {fmt.day(nxt.due_on)}"
        if nxt
        else "Next due: none"
    )
    return lines + _footer("returns", answer)


@_lines.register
def _(answer: DeadlinesAnswer) -> list[str]:
    d = answer.deadlines
    lines = [
        f"Deadlines in the next {d.within_days} days and overdue, "
        f"as of {fmt.long_day(answer.as_of)}",
        "",
    ]
    if not d.deadlines:
        lines.append("No open deadlines in that time, and none overdue.")
        return lines + _footer("deadlines", answer)
    rows = []
    for item in d.deadlines:
        left = _loud(fmt.deadline_when(item))
        rows.append([item.title, fmt.day(item.due_on), left, item.owner or "", item.category or ""])
    lines += _table(["Deadline", "Due", "", "Owner", "Category"], rows, "lrlll")
    lines += [
        "",
        f"Overdue: {len(d.overdue)}; due in the next {d.within_days} days: {len(d.upcoming)}",
    ]
    return lines + _footer("deadlines", answer)


@_lines.register
def _(answer: StatusAnswer) -> list[str]:
    lines = [
        f"Database: {answer.database}",
        f"Schema version: {answer.schema_version}",
        "",
        "Rows:",
        *(f"  {label}: {fmt.count(answer.rows[t])}" for t, label in tables().items()),
        "",
        "Last imports:",
    ]
    for kind, last in answer.sources.items():
        if last is None:
            lines.append(f"  {kind_label(kind)}: never imported")
            continue
        as_of = fmt.day(last.extract_as_of) if last.extract_as_of else "unknown"
        lines.append(
            f"  {kind_label(kind)}: {last.file_name}, extract as of {as_of}, imported "
            f"{fmt.moment(last.imported_at)} by {last.imported_by or 'unknown'} "
            f"({last.age_days} days ago{', STALE' if last.stale else ''})"
        )
    warning = fmt.private_warning(answer.readable_by_others)
    return [*lines, "", f"WARNING: {warning}"] if warning else lines


@_lines.register
def _(answer: HelpAnswer) -> list[str]:
    lines = ["Oversight answers these commands:", ""]
    for command, usage in answer.usage.items():
        lines.append(usage)
        lines += [f"    e.g. {example}" for example in answer.examples[command]]
    return lines


@_lines.register
def _(answer: HomeAnswer) -> list[str]:
    lines = [f"Oversight overview, {fmt.day(answer.as_of)}", "", "Data freshness:"]
    lines += [f"  {kind_label(k)}: {fmt.source(k, s)}" for k, s in answer.sources.items()]
    for part in (answer.backlog, answer.integrity, answer.returns, answer.deadlines, answer.crime):
        lines += ["", "-" * 40, *_lines(part)]
    return lines


@_lines.register
def _(answer: DigestAnswer) -> list[str]:
    b, trend = answer.backlog, answer.backlog.trend
    changes = answer.change_since_previous
    lines = [f"Weekly oversight digest, {fmt.long_day(answer.as_of)} (week {answer.period})", ""]
    for w in b.figures:
        change = ""
        if changes is not None and answer.previous is not None:
            change = (
                f" ({fmt.signed_change(changes[w.workstream])} since the digest of "
                f"{fmt.day(answer.previous.as_of)})"
            )
        lines.append(
            f"Outstanding, {fmt.workstream(w.workstream)}: {fmt.count(w.outstanding)}{change}"
        )
    shown = b.figures[-1]
    lines += [
        f"Over seven days: {fmt.outstanding_change(trend, answer.as_of)}",
        f"Reviews completed last complete week: {fmt.last_week(trend)}; "
        f"four-week mean {fmt.weekly_rate(trend.four_week_mean)}",
        f"Projected completion: {fmt.projection(trend)}",
        f"NCRS compliance of reviewed cases: {fmt.ncrs(shown)}",
        f"Referrals required among reviewed cases: {fmt.referrals(shown)}",
        "",
        f"Data returns overdue: {len(answer.returns.overdue)}",
        *(
            f"  {r.dataset} {r.period}: due {fmt.day(r.due_on)}, {fmt.return_state(r)}"
            for r in answer.returns.overdue
        ),
    ]
    if answer.returns.excluded:
        lines.append(
            "Excluded from official statistics: "
            + ", ".join(f"{r.dataset} {r.period}" for r in answer.returns.excluded)
        )
    nxt = answer.returns.next_due
    lines.append(
        f"Next return due: {nxt.dataset} {nxt.period} on {fmt.day(nxt.due_on)}"
        if nxt
        else "Next return due: none"
    )
    lines += [
        "",
        f"Deadlines, overdue and in the next {answer.deadlines.within_days} days: "
        f"{len(answer.deadlines.deadlines)}",
    ]
    lines += [
        f"  {d.title}: {fmt.day(d.due_on)}, {fmt.deadline_when(d)}"
        for d in answer.deadlines.deadlines
    ]
    integrity = answer.integrity
    found = fmt.integrity_since(
        len(integrity.imports), integrity.counts, integrity.missing_now, integrity.since
    )
    lines += ["", found[0], *(f"  {line}" for line in found[1:])]
    if answer.crime is not None and answer.crime.month is not None:
        c = answer.crime
        lines += ["", f"Recorded crime, {c.force}, {month_label(c.month)}:"]
        lines += [f"  {line}" for line in digest_crime_lines(c)]
    lines.append("")
    lines += [fmt.source(kind, s) for kind, s in answer.sources.items()]
    lines += [f"WARNING: {w}" for k, s in answer.sources.items() if (w := fmt.stale_warning(k, s))]
    return lines


@_lines.register
def _(answer: RemindersAnswer) -> list[str]:
    if answer.empty:
        return [
            f"Nothing due within {answer.working_days} working days or overdue, as of "
            f"{fmt.long_day(answer.as_of)}: no reminder would be posted."
        ]
    lines = [
        f"Due within {answer.working_days} working days, or overdue, as of "
        f"{fmt.long_day(answer.as_of)}",
        "",
    ]
    lines += [f"  {d.title}: {fmt.day(d.due_on)}, {fmt.deadline_when(d)}" for d in answer.deadlines]
    lines += [
        f"  {r.dataset} {r.period}: due {fmt.day(r.due_on)}"
        + (f", {fmt.return_state(r)}" if r.overdue else "")
        for r in answer.returns
    ]
    return lines


@_lines.register
def _(answer: StaleAlarm) -> list[str]:
    if not answer.raised:
        return [
            f"The case extract is fresh ({fmt.source('cases', answer.source)}): no alarm "
            "would be posted."
        ]
    return [
        f"WARNING: {fmt.stale_warning('cases', answer.source)}",
        fmt.source("cases", answer.source),
        f"Figures may be out of date until a new case extract is imported (alarm after "
        f"{fmt.plural(answer.stale_after_days, 'day')}).",
    ]


@_lines.register
def _(answer: IntegrityAnswer) -> list[str]:
    found, latest = answer.integrity, answer.integrity.latest
    lines = [f"Data integrity of the case extracts, as of {fmt.long_day(answer.as_of)}", ""]
    if latest is None:
        lines.append("No case extract has been imported by that date: nothing to compare.")
    else:
        as_of = f" (as of {fmt.day(latest.extract_as_of)})" if latest.extract_as_of else ""
        lines += [
            f"Latest case extract: {latest.file_name}{as_of}, import #{latest.import_id}, "
            f"{fmt.scope(latest.scope)}",
            "Missing from the latest extract (kept in the figures): "
            f"{fmt.count(found.missing_now)}",
            "",
        ]
        if found.counts:
            lines.append("What that import found:")
            by_kind: dict[str, dict[str, int]] = {}
            for c in found.counts:
                by_kind.setdefault(c.kind, {})[c.workstream] = c.count
            header = ["Finding", *(fmt.workstream(w) for w in WORKSTREAMS), "All"]
            rows = [
                [
                    kind,
                    *(fmt.count(counts.get(w, 0)) for w in WORKSTREAMS),
                    fmt.count(sum(counts.values())),
                ]
                for kind, counts in by_kind.items()
            ]
            lines += _table(header, rows, "l" + "r" * (len(header) - 1))
            lines.append("")
            lines += [f"  {k}: {FINDINGS[k].meaning}" for k in by_kind if k in FINDINGS]
        else:
            lines.append("That import found nothing lost or changed: it agrees with the store.")
        lines += ["", f"Vanished records over the last {len(found.trend)} case imports:"]
        lines += [
            f"  #{i.import_id} {i.file_name}, imported {fmt.moment(i.imported_at)}: "
            f"{fmt.count(i.vanished)} vanished, {fmt.count(i.reappeared)} back, "
            f"{fmt.count(i.missing_after)} missing after it"
            for i in found.trend
        ]
    gaps = answer.crime_gaps
    if gaps is not None:
        lines += ["", crime_gaps_heading(gaps.import_id, gaps.file_name, gaps.counts)]
        lines += [f"  {line}" for line in gaps.lines]
        shown = sum(gaps.counts.values()) - len(gaps.lines)
        if shown > 0:
            lines.append(f"  …and {fmt.count(shown)} more: oversight integrity --csv")
    lines.append("")
    lines += [fmt.source(kind, s) for kind, s in answer.sources.items()]
    lines += [f"WARNING: {w}" for k, s in answer.sources.items() if (w := fmt.stale_warning(k, s))]
    return lines


@_lines.register
def _(alert: IntegrityAlert) -> list[str]:
    source = alert.source
    as_of = f", as of {fmt.day(source.extract_as_of)}" if source.extract_as_of else ""
    lines = [
        f"ALERT: case import #{source.import_id} ({source.file_name}{as_of}) lost or changed "
        "records, imported " + fmt.moment(source.imported_at),
        "",
    ]
    lines += [f"  {kind}: {shown}" for kind, shown in fmt.finding_counts(alert.counts)]
    return [
        *lines,
        "",
        f"{fmt.count(source.missing_after)} records are missing from the extracts now; they are "
        "kept in the store and in every figure. Every finding: oversight integrity "
        f"--import {source.import_id} (and the CSV in the alert's thread).",
    ]


def crime_gaps_heading(import_id: int, file_name: str, counts: dict[str, int]) -> str:
    found = ", ".join(f"{kind} {fmt.count(n)}" for kind, n in counts.items()) or "none"
    return f"Gaps in recorded crime (import #{import_id}, {file_name}): {found}"


def crime_lines(c: CrimeFigures) -> list[str]:
    """The figures of /crime below its heading, shared by the text rendering and the digest."""
    assert c.month is not None and c.year_before is not None
    month, before = month_label(c.month), month_label(c.year_before)
    lines = []
    rows = [
        [
            t.crime_type,
            fmt.count(t.crimes),
            "no file" if t.year_before is None else fmt.count(t.year_before),
            change_words(t.change_percent) if t.year_before is not None else "",
        ]
        for t in c.by_type
    ]
    if c.crime_type is None:
        rows.append(
            [
                "All recorded crime",
                fmt.count(c.crimes),
                "no file" if c.crimes_year_before is None else fmt.count(c.crimes_year_before),
                change_words(_change(c.crimes, c.crimes_year_before)),
            ]
        )
    lines += _table(["Crime type", month, before, "Change"], rows, "lrrl")
    lines += ["", twelve_months(c)]
    if c.crime_type is None:
        lines.append(
            f"Anti-social behaviour (not a crime, not counted above): {fmt.count(c.asb)}"
            + (
                f" ({before}: {fmt.count(c.asb_year_before)})"
                if c.asb_year_before is not None
                else ""
            )
        )
    lines.append(no_location(c))
    warning = gap_warning(c)
    if warning:
        lines.append(f"WARNING: {warning}")
    return lines


def _change(new: int, old: int | None) -> float | None:
    from oversight.figures.crime import percent_change

    return percent_change(new, old)


def change_words(percent: float | None) -> str:
    if percent is None:
        return "n/a"
    if percent == 0:
        return "no change"
    return f"{'up' if percent > 0 else 'down'} {abs(percent):.1f}%"


def twelve_months(c: CrimeFigures) -> str:
    """ "12 months to December 2019: 306,663 against 334,544, down 8.3%"."""
    assert c.month is not None
    what = "" if c.crime_type is None else f" ({c.crime_type})"
    line = (
        f"12 months to {month_label(c.month)}{what}: {fmt.count(c.last_12)} against "
        f"{fmt.count(c.previous_12)}, {change_words(c.change_12_percent)}"
    )
    if c.incomplete:
        absent = [*c.absent_previous_12, *c.absent_last_12]
        named = ", ".join(month_label(m) for m in absent[:4])
        more = f" and {len(absent) - 4} more" if len(absent) > 4 else ""
        line += f" (INCOMPLETE: no file for {named}{more})"
    return line


def no_location(c: CrimeFigures) -> str:
    return (
        f"No Location: {fmt.count(c.no_location)} of {fmt.count(c.crimes)} crimes "
        f"({fmt.pct(c.no_location_percent)}), in the totals but in no neighbourhood"
    )


def gap_warning(c: CrimeFigures) -> str | None:
    """Missing and low months of the 24, and neighbourhoods that went silent in the last 12."""
    parts = []
    if c.missing_months:
        parts.append("no file for " + ", ".join(month_label(m) for m in c.missing_months))
    if c.low_months:
        parts.append(
            "low "
            + ", ".join(
                f"{month_label(m.month)} ({fmt.count(m.crimes)} crimes, under half the "
                f"median {fmt.count(round(m.median))})"
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
            f"{fmt.plural(c.silent_areas, 'neighbourhood')} went silent (no crime in a month "
            f"after averaging 10 or more): {shown}"
        )
    return "data gaps: " + "; ".join(parts) if parts else None


@_lines.register
def _(answer: CrimeAnswer) -> list[str]:
    c = answer.crime
    scope = f" — {c.crime_type}" if c.crime_type else ""
    if c.month is None or c.force is None:
        lines = [f"Recorded crime{scope}, as of {fmt.long_day(answer.as_of)}", "", c.note or ""]
        return lines + _footer("crimes", answer)
    lines = [
        f"Recorded crime{scope} — {c.force}, {month_label(c.month)} "
        f"(the latest month as of {fmt.long_day(answer.as_of)})",
        "",
        *crime_lines(c),
    ]
    return lines + _footer("crimes", answer)


def digest_crime_lines(c: CrimeFigures) -> list[str]:
    """The digest's recorded-crime section: the month, the 12 months, and the gaps."""
    assert c.month is not None and c.year_before is not None
    before = (
        "no file"
        if c.crimes_year_before is None
        else f"{fmt.count(c.crimes_year_before)} in {month_label(c.year_before)}"
    )
    lines = [
        f"{fmt.count(c.crimes)} crimes against {before} "
        f"({change_words(_change(c.crimes, c.crimes_year_before))}); anti-social behaviour "
        f"{fmt.count(c.asb)} (not a crime)",
        twelve_months(c),
        no_location(c),
    ]
    warning = gap_warning(c)
    return [*lines, f"WARNING: {warning}"] if warning else lines
