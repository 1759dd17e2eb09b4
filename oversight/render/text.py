"""Plain-text rendering of the answer models, for the command line."""

from __future__ import annotations

from functools import singledispatch

from oversight import formatting as fmt
from oversight.alarms import IntegrityAlert, StaleAlarm
from oversight.answers import (
    Answer,
    BacklogAnswer,
    DeadlinesAnswer,
    HelpAnswer,
    IntegrityAnswer,
    ReturnsAnswer,
    StatusAnswer,
    tables,
)
from oversight.digest import DigestAnswer
from oversight.integrity import FINDINGS
from oversight.kinds import kind_label
from oversight.reminders import RemindersAnswer
from oversight.values import WORKSTREAMS


def render_text(answer: Answer) -> str:
    """The answer as plain text for a terminal, ending in a newline."""
    return "\n".join(_lines(answer)).rstrip() + "\n"


def _footer(kind: str, answer: BacklogAnswer | ReturnsAnswer | DeadlinesAnswer) -> list[str]:
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
