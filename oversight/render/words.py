"""Words and numbers shared by every rendering (text, Block Kit, charts, the workbook), so they
read alike."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from oversight.clock import LONDON
from oversight.figures.backlog import OutstandingAges, Trend, WorkstreamFigures
from oversight.figures.deadlines import Deadline
from oversight.figures.integrity import FindingCount
from oversight.figures.returns import DataReturn
from oversight.figures.revisions import RevisedFigure
from oversight.figures.risk import RiskFigures
from oversight.figures.vintage import SYNTHETIC_IMPORTER, LastImport
from oversight.importing.kinds import kind_label
from oversight.values import WORKSTREAM_LABELS, whole_years

if TYPE_CHECKING:
    from oversight.answers.alarms import IntegrityAlert
    from oversight.answers.sources import Knowing
    from oversight.importing.result import ImportResult


# On the face of anything made from the demo's store (the digest's text, charts and sheets).
SYNTHETIC_MARK = "SYNTHETIC: made from the demo's invented records, not real data"


def count(n: int) -> str:
    return f"{n:,}"


def plural(n: int, noun: str) -> str:
    return f"{count(n)} {noun}{'' if n == 1 else 's'}"


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def long_day(d: date) -> str:
    return f"{d:%A} {d.day} {d:%B %Y}"


def moment(at: datetime) -> str:
    local = at.astimezone(LONDON)
    return f"{day(local.date())} {local:%H:%M}"


def workstream(name: str) -> str:
    return WORKSTREAM_LABELS.get(name, "All workstreams")


def signed_change(n: int, noun: str = "") -> str:
    if n == 0:
        return "no change"
    word = "up" if n > 0 else "down"
    return f"{word} {count(abs(n))}{noun}"


def outstanding_change(trend: Trend, as_of: date) -> str:
    week_before = as_of - timedelta(days=7)
    return (
        f"{count(trend.outstanding)}, {signed_change(trend.change_over_week)} in seven days "
        f"({count(trend.outstanding_week_before)} on {day(week_before)})"
    )


def ncrs(figures: WorkstreamFigures) -> str:
    if not figures.ncrs_answered:
        return "n/a (no reviewed case has an answer)"
    return (
        f"{pct(figures.ncrs_percent)} "
        f"({count(figures.ncrs_compliant)} of {count(figures.ncrs_answered)})"
    )


def referrals(figures: WorkstreamFigures) -> str:
    text = f"{count(figures.referrals_not_sent)} not sent"
    if figures.referrals_unknown:
        text += f", {count(figures.referrals_unknown)} not known"
    return text


def rate(value: float) -> str:
    """One decimal place, halves rounded up like every percentage (1.25 is 1.3, not 1.2)."""
    rounded = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{rounded:,.1f}".rstrip("0").rstrip(".")


def weekly_rate(value: float) -> str:
    return f"{rate(value)} {'review' if rate(value) == '1' else 'reviews'} a week"


def deadline_when(item: Deadline) -> str:
    if item.overdue:
        passed = -item.working_days_left
        if passed == 0:  # due at the weekend or on a bank holiday, and not one working day since
            return f"overdue by {plural(-item.days_left, 'day')}"
        return f"overdue by {plural(passed, 'working day')}"
    if item.days_left == 0:
        return "due today"
    return f"{plural(item.working_days_left, 'working day')} left"


def risk_pairs(figures: list[RiskFigures]) -> list[tuple[str, str]]:
    """(label, words) for each workstream's risk assessments; one pair when none is known."""
    if figures and not any(f.in_extract for f in figures):
        return [("Risk assessments", "not in this extract")]
    return [(f"Risk assessments, {workstream(f.workstream)}", risk(f)) for f in figures]


def risk(figures: RiskFigures) -> str:
    """Risk assessments never done, how long the oldest has waited, and the high-risk share."""
    if not figures.in_extract:
        return "risk assessments not in this extract"
    waited = ""
    if figures.oldest_recorded_on is not None:
        waited = (
            f", the oldest waiting {plural(figures.oldest_days or 0, 'day')} "
            f"(recorded {day(figures.oldest_recorded_on)})"
        )
    return (
        f"{count(figures.unassessed)} not risk-assessed{waited}; "
        f"{count(figures.high)} of {count(figures.assessed)} assessed high risk"
    )


def return_state(item: DataReturn) -> str:
    if item.submitted_on:
        return f"submitted {day(item.submitted_on)}"
    if item.overdue:
        return f"overdue by {plural(item.days_overdue, 'day')}"
    return ""


def projection_brief(trend: Trend) -> str:
    """The projection in a few words, for notification text."""
    if trend.complete:
        return "nothing outstanding"
    if trend.projected_completion is None:
        return "no projected completion date"
    return f"projected to clear by {day(trend.projected_completion)}"


def projection(trend: Trend) -> str:
    if trend.complete:
        return "complete: nothing outstanding"
    if trend.projected_completion is None:
        return "no projection: no reviews completed in the last four complete weeks"
    return f"{day(trend.projected_completion)} at {weekly_rate(trend.four_week_mean)}"


def last_week(trend: Trend) -> str:
    week = trend.last_week
    if week is None:
        return "no complete week yet"
    return f"{count(week.completed)} in the week from {day(week.week_start)}"


def source(
    kind: str, last: LastImport | None, as_of: date | None = None, since: LastImport | None = None
) -> str:
    """Where figures come from: the extract, or that none had been taken by ``as_of`` (one
    has been ``since``), or that none has been imported at all."""
    if last is None:
        if as_of is not None and since is not None:
            taken = since.extract_as_of or since.imported_at.date()
            return (
                f"No {kind_label(kind)} extract had been taken by {day(as_of)} (the latest was "
                f"taken {day(taken)}: ask again with revised for what is known of that date now)."
            )
        return f"No {kind_label(kind)} extract has been imported."
    taken = f" (as of {day(last.extract_as_of)})" if last.extract_as_of else ""
    said = f"From {last.file_name}{taken}, imported {moment(last.imported_at)}."
    # Whatever is made from the demo's store says so, wherever its source is cited.
    return f"{said} {SYNTHETIC_MARK}." if last.imported_by == SYNTHETIC_IMPORTER else said


def stale_warning(
    kind: str,
    last: LastImport | None,
    before: date | None = None,
    since: LastImport | None = None,
) -> str | None:
    """A warning when the extract was taken more than STALE_AFTER_DAYS before the date asked
    about (``before``; None: today, said "ago"), or when there is none (and none ``since``:
    :func:`source` says when the first was taken)."""
    if last is None:
        return f"No {kind_label(kind)} data: import an extract." if since is None else None
    if last.stale:
        taken = last.extract_as_of or last.imported_at.date()
        when = f"before {day(before)}" if before is not None else "ago"
        years = whole_years(taken, before or taken + timedelta(days=last.age_days))
        age = plural(last.age_days, "day")
        if years:  # a date long after the latest extract: said in years, and what that means
            return (
                f"Stale: the latest {kind_label(kind)} extract was taken {day(taken)}, "
                f"{plural(years, 'year')} ({age}) {when}: these figures are that extract's, "
                "not the date's."
            )
        return f"Stale: the latest {kind_label(kind)} extract was taken {day(taken)}, {age} {when}."
    return None


def known_lines(known: Knowing, as_of: date) -> list[str]:
    """How an answer's figures were known, when that needs saying: today's knowledge of a past
    date, an upgraded store's earliest kept state, and each figure later extracts changed."""
    lines = []
    if known.revised:
        lines.append(
            f"Revised: what the store knows of {day(as_of)} today, from every extract since; "
            "not what was known on that date."
        )
    if known.not_kept_from is not None:
        first = known.not_kept_from
        lines.append(
            f"Earlier versions were not kept (the store was upgraded later): these figures are "
            f"the store's as it stood after import #{first.import_id} ({first.file_name})."
        )
    for revision in known.revisions:
        change = revision.known_now - revision.known_then
        latest = revision.latest.extract_as_of or revision.latest.imported_at.date()
        lines.append(
            f"Revised since: {count(revision.known_now)} {revision.figure} using extracts up to "
            f"{day(latest)} ({count(abs(change))} {'more' if change > 0 else 'fewer'}); ask "
            "again with revised for today's figures."
        )
    return lines


def revised_weeks(revised: list[RevisedFigure], shown: int = 3) -> list[str]:
    """A line for each past week whose outstanding count has been revised (the digest's
    REVISION_ALERT), the latest weeks first; past ``shown``, how many more."""
    lines = []
    for r in sorted(revised, key=lambda r: r.week_end, reverse=True)[:shown]:
        change = r.change or 0
        share = f", {r.change_percent:.1f}%" if r.change_percent is not None else ""
        lines.append(
            f"outstanding at the end of the week to {day(r.week_end)} was first known as "
            f"{count(r.first.value)} (from the extract of {day(r.first.taken)}), "
            f"{count(r.now.value)} now ({count(abs(change))} {'more' if change > 0 else 'fewer'}"
            f"{share}; extracts up to {day(r.now.taken)})."
        )
    if len(revised) > shown:
        lines.append(f"and {plural(len(revised) - shown, 'more week')}: see oversight revisions.")
    return lines


def private_warning(files: list[str]) -> str | None:
    """The warning for database files that other users of the machine may read."""
    if not files:
        return None
    return (
        f"Other users of this machine may read the database ({', '.join(files)}): it holds "
        "case records and the audit log; make it owner-only with chmod 600."
    )


def ages(figures: OutstandingAges) -> str:
    """How long the outstanding reviews have waited, in one line."""
    if figures.oldest_recorded_on is None:
        return "none outstanding"
    waited = ", ".join(
        f"{count(n)} waiting more than {days} days" for days, n in figures.older_than.items()
    )
    return (
        f"{waited}; the oldest, recorded {day(figures.oldest_recorded_on)}, has waited "
        f"{plural(figures.oldest_days or 0, 'day')}"
    )


def missing_records(n: int) -> str | None:
    """The line every backlog carries while records are missing from the latest extract."""
    if not n:
        return None
    noun = "record in the store is" if n == 1 else "records in the store are"
    return f"{count(n)} {noun} missing from the latest extract (kept in these figures)"


def scope(name: str) -> str:
    """An extract's coverage: all workstreams, or one."""
    return "all workstreams" if name == "all" else workstream(name).lower() + " only"


def integrity_since(imports: int, counts: dict[str, int], missing: int, since: date) -> list[str]:
    """The digest's data-integrity lines: what the case imports since ``since`` found."""
    head = f"Data integrity since {day(since)}: {plural(imports, 'case import')}"
    total = sum(counts.values())
    if not imports:
        lines = [head + "."]
    elif not total:
        lines = [head + ", nothing lost or changed."]
    else:
        lines = [head + f", {plural(total, 'finding')}"]
        lines += [f"{kind}: {count(n)}" for kind, n in counts.items()]
    missing_line = missing_records(missing)
    return [*lines, missing_line] if missing_line else lines


def finding_counts(counts: list[FindingCount]) -> list[tuple[str, str]]:
    """Each kind of finding with its total and its split by workstream, in listed order."""
    by_kind: dict[str, list[FindingCount]] = {}
    for c in counts:
        by_kind.setdefault(c.kind, []).append(c)
    return [
        (
            kind,
            f"{count(sum(c.count for c in found))} "
            f"({', '.join(f'{workstream(c.workstream)} {count(c.count)}' for c in found)})",
        )
        for kind, found in by_kind.items()
    ]


def alert_brief(alert: IntegrityAlert) -> str:
    """An integrity alert in one sentence, for notifications."""
    what = ", ".join(f"{count(n)} {kind}" for kind, n in alert.alarming.items())
    return (
        f"Case import #{alert.source.import_id} ({alert.source.file_name}) lost or changed "
        f"records: {what}."
    )


def import_report(result: ImportResult) -> list[str]:
    """What an import did, in the words the command line prints after it."""
    rows = plural(result.rows_read, "row")
    files = result.month_files
    if files is not None:  # recorded crime: the counts are of month files, not rows
        rows += f" in {plural(files, 'month file')}"
    if result.changed_nothing:
        held = f"the {rows} of {result.file_name} is" if result.rows_read == 1 else ""
        lines = [
            f"No changes: {held or f'all {rows} of {result.file_name} are'} already in the "
            f"store (recorded as import #{result.import_id})."
        ]
    else:
        counts = (
            f"{count(result.inserted)} inserted, {count(result.updated)} updated, "
            f"{count(result.unchanged)} unchanged"
        )
        if files is not None:
            counts = f"month files {counts.replace('inserted', 'new')}"
        lines = [f"Imported {result.file_name} ({rows}) as import #{result.import_id}: {counts}."]
    if result.findings:
        total = sum(c.count for c in result.findings)
        lines.append(f"Reconciled with the store: {plural(total, 'finding')}.")
        lines += [f"  {kind}: {shown}" for kind, shown in finding_counts(result.findings)]
        lines.append("  oversight integrity lists each one; records are kept, never deleted.")
    if result.not_in_file:
        lines.append(
            f"{count(result.not_in_file)} {result.kind} already in the store are not in this "
            "file; they were kept as they were."
        )
    return lines
