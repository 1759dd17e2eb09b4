"""Block Kit rendering of the answer models, inside Slack's limits for any size of data.

Slack refuses a message with more than 50 blocks, a section text over 3,000 characters, more
than 10 fields in a section, a field over 2,000 characters or a header over 150 characters.
Long lists therefore end with "…and N more" rather than being cut off by Slack.
"""

from __future__ import annotations

import re
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
from oversight.figures.crime import month_label
from oversight.figures.deadlines import Deadline
from oversight.figures.freshness import LastImport
from oversight.figures.returns import DataReturn
from oversight.integrity import ALARMING, FINDINGS
from oversight.kinds import kind_label
from oversight.reminders import RemindersAnswer
from oversight.values import WORKSTREAMS

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100  # a Home tab's view
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_LIST_LINES = 25
MAX_LINE = 500  # one line of a list; a longer one is clipped
HEADING_ROOM = 100  # kept for the heading above a list, by default

Block = dict[str, object]

_PART_ESCAPE = re.compile(r"&[a-z]{0,3}$")


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": _clip(text, MAX_HEADER)}}


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, MAX_SECTION_TEXT)}}


def fields(pairs: list[tuple[str, str]]) -> list[Block]:
    """Label/value pairs as section fields, ten to a section."""
    items = [{"type": "mrkdwn", "text": _clip(f"*{k}*\n{v}", MAX_FIELD_TEXT)} for k, v in pairs]
    return [
        {"type": "section", "fields": items[i : i + MAX_FIELDS]}
        for i in range(0, len(items), MAX_FIELDS)
    ]


def context(*texts: str) -> Block:
    elements = [{"type": "mrkdwn", "text": _clip(t, MAX_FIELD_TEXT)} for t in texts if t]
    return {"type": "context", "elements": elements[:MAX_CONTEXT_ELEMENTS]}


def divider() -> Block:
    return {"type": "divider"}


def bulleted(
    lines: list[str],
    empty: str,
    limit: int = MAX_LIST_LINES,
    room: int = MAX_SECTION_TEXT - HEADING_ROOM,
) -> str:
    """A list in at most ``room`` characters: at most ``limit`` lines, then "…and N more".

    Room is kept for the "…and N more" line itself, so that clipping the section never cuts
    it off; a line too long for a list is clipped rather than left out.
    """
    if not lines:
        return empty
    shown: list[str] = []
    used = -1  # no newline before the first line
    for i, line in enumerate(lines[:limit]):
        line = _clip(line, MAX_LINE)
        left = len(lines) - i - 1
        tail = len(f"\n…and {left} more") if left else 0
        if used + 1 + len(line) + tail > room:
            break
        shown.append(line)
        used += 1 + len(line)
    if len(shown) < len(lines):
        shown.append(f"…and {len(lines) - len(shown)} more")
    return "\n".join(shown)


def list_section(
    heading: str, lines: list[str], empty: str = "None", limit: int = MAX_LIST_LINES
) -> Block:
    """A heading and a list under it, in one section within Slack's limit."""
    room = MAX_SECTION_TEXT - len(heading) - 1
    return section(heading + "\n" + bulleted(lines, empty, limit=limit, room=room))


def overdue_section(lines: list[str]) -> Block:
    return list_section(f":rotating_light: *Overdue ({len(lines)})*", lines)


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    # Never half an escape ("&am…"): Slack would show it as typed.
    return _PART_ESCAPE.sub("", text[: limit - 1]) + "…"


def escape(text: str) -> str:
    """Text from an extract, made inert in mrkdwn (no mentions, links or formatting)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def deadline_line(item: Deadline, owner: bool = True) -> str:
    who = f" — {escape(item.owner)}" if owner and item.owner else ""
    return f"• *{escape(item.title)}*: {fmt.day(item.due_on)}, {fmt.deadline_when(item)}{who}"


def overdue_return_line(item: DataReturn) -> str:
    return (
        f"• *{escape(item.dataset)} {item.period}*: due {fmt.day(item.due_on)}, "
        f"{fmt.return_state(item)} ({item.status})"
    )


def next_due_text(item: DataReturn | None) -> str:
    return f"{escape(item.dataset)} {item.period} on {fmt.day(item.due_on)}" if item else "none"


def source_context(kind: str, answer_as_of: object, source: LastImport | None) -> list[Block]:
    blocks = [context(f"As of {fmt.long_day(answer_as_of)}", escape(fmt.source(kind, source)))]
    warning = fmt.stale_warning(kind, source)
    if warning:
        blocks.append(context(f":warning: *{warning}*"))
    return blocks


def render_blocks(answer: Answer) -> tuple[str, list[Block]]:
    """The notification text (also read by screen readers) and the blocks, within the limits."""
    text, blocks = _render(answer)
    return text, fit(blocks)


def render_home(answer: HomeAnswer) -> tuple[str, list[Block]]:
    """A Home tab's blocks: up to 100, where a message may have 50."""
    text, blocks = _render(answer)
    return text, fit(blocks, MAX_HOME_BLOCKS)


def fit(blocks: list[Block], limit: int = MAX_BLOCKS) -> list[Block]:
    """At most ``limit`` blocks: the last says how many more there would have been."""
    if len(blocks) <= limit:
        return blocks
    return [*blocks[: limit - 1], context(f"…and {len(blocks) - limit + 1} more")]


def freshness_lines(sources: dict[str, LastImport | None]) -> list[str]:
    """One line per kind of data: its latest extract, and a warning when it is stale."""
    lines = []
    for kind, last in sources.items():
        warning = fmt.stale_warning(kind, last)
        mark = f" :warning: {warning}" if warning else ""
        label = kind_label(kind).capitalize()
        lines.append(f"• *{label}*: {escape(fmt.source(kind, last))}{mark}")
    return lines


def has_rendering(answer_type: type) -> bool:
    """Whether ``answer_type`` has its own rendering here (not only the fallback's error)."""
    return _render.dispatch(answer_type) is not _render.registry[object]


@singledispatch
def _render(answer: object) -> tuple[str, list[Block]]:
    raise TypeError(f"no Block Kit rendering for {type(answer).__name__}")


@_render.register
def _(answer: BacklogAnswer) -> tuple[str, list[Block]]:
    b, trend = answer.backlog, answer.backlog.trend
    scope = "" if b.workstream == "all" else f": {fmt.workstream(b.workstream)}"
    blocks: list[Block] = [header(f"Review backlog{scope}, as of {fmt.day(answer.as_of)}")]
    for w in b.figures:
        blocks.append(section(f"*{fmt.workstream(w.workstream)}*"))
        blocks += fields(
            [
                ("Outstanding", fmt.count(w.outstanding)),
                ("Reviewed", f"{fmt.count(w.reviewed)} ({fmt.pct(w.percent_reviewed)})"),
                ("Needing review", fmt.count(w.needing_review)),
                ("Recorded", fmt.count(w.recorded)),
                ("NCRS compliance", fmt.ncrs(w)),
                ("Referrals required", fmt.referrals(w)),
            ]
        )
    blocks.append(divider())
    blocks += fields(
        [
            ("Last complete week", fmt.last_week(trend)),
            ("Four-week mean", fmt.weekly_rate(trend.four_week_mean)),
            ("Outstanding over seven days", fmt.outstanding_change(trend, answer.as_of)),
            ("Projected completion", fmt.projection(trend)),
            ("Outstanding by age", fmt.ages(b.ages)),
        ]
    )
    missing = fmt.missing_records(answer.missing_from_latest)
    if missing:
        blocks.append(section(f":warning: *{missing}*: see `/integrity`."))
    blocks += source_context("cases", answer.as_of, answer.source)
    text = (
        f"Review backlog{scope} as of {fmt.day(answer.as_of)}: "
        f"{fmt.count(trend.outstanding)} outstanding, {fmt.projection_brief(trend)}."
    )
    return text, blocks


@_render.register
def _(answer: ReturnsAnswer) -> tuple[str, list[Block]]:
    status = answer.returns
    scope = f' matching "{status.dataset}"' if status.dataset else ""
    blocks: list[Block] = [header(f"Crime-data returns{scope}, as of {fmt.day(answer.as_of)}")]
    overdue = [overdue_return_line(r) for r in status.overdue]
    blocks.append(overdue_section(overdue))
    excluded = [f"• {escape(r.dataset)} {r.period}" for r in status.excluded]
    if excluded:
        blocks.append(list_section("*Excluded from official statistics*", excluded))
    others = [
        f"• {escape(r.dataset)} {r.period}: due {fmt.day(r.due_on)}, {r.status}"
        + (f", submitted {fmt.day(r.submitted_on)}" if r.submitted_on else "")
        for r in status.returns
        if not r.overdue
    ]
    blocks.append(list_section("*Other returns*", others))
    next_text = next_due_text(status.next_due)
    blocks.append(section(f"*Next due:* {next_text}"))
    blocks += source_context("returns", answer.as_of, answer.source)
    text = (
        f"Crime-data returns as of {fmt.day(answer.as_of)}: {len(overdue)} overdue, "
        f"{len(excluded)} excluded from official statistics; next due {next_text}."
    )
    return text, blocks


@_render.register
def _(answer: DeadlinesAnswer) -> tuple[str, list[Block]]:
    d = answer.deadlines
    blocks: list[Block] = [
        header(f"Deadlines in the next {d.within_days} days, as of {fmt.day(answer.as_of)}")
    ]
    overdue = [deadline_line(i) for i in d.overdue]
    upcoming = [deadline_line(i) for i in d.upcoming]
    blocks.append(overdue_section(overdue))
    blocks.append(
        list_section(f"*Due in the next {d.within_days} days ({len(upcoming)})*", upcoming)
    )
    blocks += source_context("deadlines", answer.as_of, answer.source)
    text = (
        f"Deadlines as of {fmt.day(answer.as_of)}: {len(overdue)} overdue, {len(upcoming)} due "
        f"in the next {d.within_days} days."
    )
    return text, blocks


@_render.register
def _(answer: StatusAnswer) -> tuple[str, list[Block]]:
    blocks: list[Block] = [header("Oversight status")]
    blocks += fields(
        [("Schema version", str(answer.schema_version))]
        + [(label.capitalize(), fmt.count(answer.rows[t])) for t, label in tables().items()]
    )
    blocks.append(section("*Data freshness*\n" + "\n".join(freshness_lines(answer.sources))))
    warning = fmt.private_warning(answer.readable_by_others)
    if warning:
        blocks.append(context(f":warning: *{escape(warning)}*"))
    stale = ", ".join(answer.stale_kinds) or "none"
    return f"Oversight status: stale or missing data: {stale}.", blocks


@_render.register
def _(answer: HelpAnswer) -> tuple[str, list[Block]]:
    blocks: list[Block] = [header("What oversight answers")]
    for command, usage in answer.usage.items():
        examples = ", ".join(f"`{e}`" for e in answer.examples[command])
        syntax, _, meaning = usage.partition(" — ")
        blocks.append(section(f"`{syntax}`\n{meaning}\n_e.g._ {examples}"))
    blocks.append(
        context("Answers are shown only to you; add `share` to post one in an allowed channel.")
    )
    return f"Oversight commands: {', '.join(f'/{c}' for c in answer.usage)}.", blocks


@_render.register
def _(answer: HomeAnswer) -> tuple[str, list[Block]]:
    # Each part is its command's own answer, rendered as the command renders it: the Home tab
    # and the commands cannot disagree.
    blocks: list[Block] = [
        header(f"Oversight overview, {fmt.day(answer.as_of)}"),
        context(
            "Only you see this. It is rebuilt when you open it and after every import and "
            "digest; the commands give the same figures."
        ),
        section("*Data freshness*\n" + "\n".join(freshness_lines(answer.sources))),
    ]
    texts = []
    for part in (answer.backlog, answer.integrity, answer.returns, answer.deadlines, answer.crime):
        text, part_blocks = _render(part)
        blocks += [divider(), *part_blocks]
        texts.append(text)
    return f"Oversight overview, {fmt.day(answer.as_of)}: " + " ".join(texts), blocks


@_render.register
def _(digest: DigestAnswer) -> tuple[str, list[Block]]:
    b, trend = digest.backlog, digest.backlog.trend
    changes = digest.change_since_previous
    since = f" since the digest of {fmt.day(digest.previous.as_of)}" if digest.previous else ""
    blocks: list[Block] = [header(f"Weekly oversight digest, {fmt.day(digest.as_of)}")]
    pairs = []
    for w in b.figures:
        change = f", {fmt.signed_change(changes[w.workstream])}{since}" if changes else ""
        pairs.append(
            (f"Outstanding: {fmt.workstream(w.workstream)}", fmt.count(w.outstanding) + change)
        )
    blocks += fields(pairs)
    blocks += fields(
        [
            ("Over seven days", fmt.outstanding_change(trend, digest.as_of)),
            ("Last complete week", fmt.last_week(trend)),
            ("Four-week mean", fmt.weekly_rate(trend.four_week_mean)),
            ("Projected completion", fmt.projection(trend)),
            ("NCRS compliance (reviewed)", fmt.ncrs(b.figures[-1])),
            ("Referrals required", fmt.referrals(b.figures[-1])),
        ]
    )
    blocks.append(divider())
    returns = digest.returns
    overdue = [overdue_return_line(r) for r in returns.overdue]
    excluded = [f"• {escape(r.dataset)} {r.period}" for r in returns.excluded]
    blocks.append(
        list_section(f"*Data returns overdue ({fmt.count(len(overdue))})*", overdue, limit=10)
    )
    if excluded:
        blocks.append(list_section("*Excluded from official statistics*", excluded, limit=10))
    blocks.append(section(f"*Next return due:* {next_due_text(returns.next_due)}"))
    deadlines = [deadline_line(d, owner=False) for d in digest.deadlines.deadlines]
    heading = f"*Deadlines: overdue and next {digest.deadlines.within_days} days*"
    blocks.append(list_section(heading, deadlines, limit=15))
    integrity = digest.integrity
    found = fmt.integrity_since(
        len(integrity.imports), integrity.counts, integrity.missing_now, integrity.since
    )
    alarm = any(k in ALARMING for k in integrity.counts)
    blocks.append(
        section(
            f"{':rotating_light: ' if alarm else ''}*{found[0]}*\n"
            + "\n".join(f"• {line}" for line in found[1:])
        )
    )
    if digest.crime is not None and digest.crime.month is not None:
        from oversight.render.text import digest_crime_lines

        c = digest.crime
        lines = [f"• {escape(line)}" for line in digest_crime_lines(c)]
        heading = f"*Recorded crime, {escape(c.force or '')}, {month_label(c.month)}*"
        blocks.append(list_section(heading, lines, limit=10))
    freshness = [fmt.source(kind, s) for kind, s in digest.sources.items()]
    blocks.append(context(*(escape(t) for t in freshness)))
    for kind, source in digest.sources.items():
        warning = fmt.stale_warning(kind, source)
        if warning:
            blocks.append(context(f":warning: *{warning}*"))
    blocks.append(context("The chart and the figures as a spreadsheet are in the thread."))
    text = (
        f"Weekly oversight digest, {fmt.day(digest.as_of)}: {fmt.count(trend.outstanding)} reviews "
        f"outstanding, {fmt.projection_brief(trend)}; {len(overdue)} data returns "
        "overdue."
    )
    return text, blocks


@_render.register
def _(answer: RemindersAnswer) -> tuple[str, list[Block]]:
    blocks: list[Block] = [
        header(f"Due within {answer.working_days} working days, or overdue"),
    ]
    deadlines = [deadline_line(d) for d in answer.deadlines]
    returns = [
        f"• *{escape(r.dataset)} {r.period}*: due {fmt.day(r.due_on)}"
        + (f", {fmt.return_state(r)}" if r.overdue else "")
        for r in answer.returns
    ]
    if deadlines:
        blocks.append(list_section(f"*Deadlines ({fmt.count(len(deadlines))})*", deadlines))
    if returns:
        blocks.append(list_section(f"*Data returns ({fmt.count(len(returns))})*", returns))
    blocks.append(context(f"As of {fmt.long_day(answer.as_of)}"))
    text = (
        f"Reminder: {fmt.plural(len(deadlines), 'deadline')} and "
        f"{fmt.plural(len(returns), 'data return')} due within {answer.working_days} working days "
        "or overdue."
    )
    return text, blocks


@_render.register
def _(alarm: StaleAlarm) -> tuple[str, list[Block]]:
    text = f":warning: {fmt.stale_warning('cases', alarm.source)}"
    detail = fmt.source("cases", alarm.source)
    blocks = [
        section(f"*{text}*"),
        context(
            escape(detail),
            f"Figures may be out of date until a new case extract is imported "
            f"(alarm after {alarm.stale_after_days} days).",
        ),
    ]
    return text.removeprefix(":warning: "), blocks


@_render.register
def _(answer: IntegrityAnswer) -> tuple[str, list[Block]]:
    found, latest = answer.integrity, answer.integrity.latest
    blocks: list[Block] = [header(f"Data integrity of the case extracts, {fmt.day(answer.as_of)}")]
    if latest is None:
        blocks.append(
            section("No case extract has been imported by that date: nothing to compare.")
        )
        text = f"Data integrity as of {fmt.day(answer.as_of)}: no case extract yet."
    else:
        as_of = f" (as of {fmt.day(latest.extract_as_of)})" if latest.extract_as_of else ""
        blocks += fields(
            [
                ("Missing from the latest extract", fmt.count(found.missing_now)),
                ("Findings of the latest import", fmt.count(found.total)),
                ("Latest case extract", f"{escape(latest.file_name)}{as_of}"),
                ("Covering", fmt.scope(latest.scope)),
            ]
        )
        by_kind: dict[str, dict[str, int]] = {}
        for c in found.counts:
            by_kind.setdefault(c.kind, {})[c.workstream] = c.count
        lines = []
        for kind, counts in by_kind.items():
            split = ", ".join(
                f"{fmt.workstream(w)} {fmt.count(counts[w])}" for w in WORKSTREAMS if w in counts
            )
            meaning = FINDINGS[kind].meaning if kind in FINDINGS else ""
            alarm = ":rotating_light: " if kind in FINDINGS and FINDINGS[kind].alarming else ""
            lines.append(
                f"• {alarm}*{kind}*: {fmt.count(sum(counts.values()))} ({split}): _{meaning}_"
            )
        blocks.append(
            list_section(
                f"*What import #{latest.import_id} found*",
                lines,
                empty="Nothing lost or changed: the extract agrees with the store.",
            )
        )
        trend = [
            f"• #{i.import_id} {escape(i.file_name)}: {fmt.count(i.vanished)} vanished, "
            f"{fmt.count(i.reappeared)} back, {fmt.count(i.missing_after)} missing after it"
            for i in found.trend
        ]
        blocks.append(list_section(f"*The last {len(trend)} case imports*", trend))
        text = (
            f"Data integrity as of {fmt.day(answer.as_of)}: {fmt.count(found.missing_now)} "
            f"records missing from the latest extract; {fmt.count(found.total)} findings."
        )
    gaps = answer.crime_gaps
    if gaps is not None:
        from oversight.render.text import crime_gaps_heading

        heading = escape(crime_gaps_heading(gaps.import_id, gaps.file_name, gaps.counts))
        more = sum(gaps.counts.values()) - len(gaps.lines)
        lines = [f"• {escape(line)}" for line in gaps.lines]
        if more > 0:
            lines.append(f"…and {fmt.count(more)} more: `oversight integrity --csv`")
        blocks.append(list_section(f"*{heading}*", lines, empty="No gaps."))
    blocks.append(context(*(escape(fmt.source(k, s)) for k, s in answer.sources.items())))
    for kind, source in answer.sources.items():
        warning = fmt.stale_warning(kind, source)
        if warning:
            blocks.append(context(f":warning: *{warning}*"))
    return text, blocks


@_render.register
def _(alert: IntegrityAlert) -> tuple[str, list[Block]]:
    source = alert.source
    as_of = f" (as of {fmt.day(source.extract_as_of)})" if source.extract_as_of else ""
    lines = [
        f"• {':rotating_light: ' if kind in ALARMING else ''}*{kind}*: {shown}"
        for kind, shown in fmt.finding_counts(alert.counts)
    ]
    heading = f"*{escape(source.file_name)}*{as_of}, imported {fmt.moment(source.imported_at)}"
    blocks = [
        header(f"Records lost or changed by case import #{source.import_id}"),
        list_section(heading, lines),
        context(
            f"{fmt.count(source.missing_after)} records are missing from the extracts now; they "
            "are kept in the store and in every figure. Every finding is in the CSV in the "
            "thread; `/integrity` shows the trend."
        ),
    ]
    return escape(fmt.alert_brief(alert)), blocks


@_render.register
def _(answer: CrimeAnswer) -> tuple[str, list[Block]]:
    from oversight.render.text import change_words, gap_warning, no_location, twelve_months

    c = answer.crime
    scope = f": {c.crime_type}" if c.crime_type else ""
    if c.month is None or c.force is None or c.year_before is None:
        blocks: list[Block] = [header(f"Recorded crime{scope}, as of {fmt.day(answer.as_of)}")]
        blocks.append(section(escape(c.note or "No crime data.")))
        blocks += source_context("crimes", answer.as_of, answer.source)
        return escape(c.note or "No crime data."), blocks
    month, before = month_label(c.month), month_label(c.year_before)
    blocks = [header(f"Recorded crime{scope}, {escape(c.force)}, {month}")]
    change = change_words(
        None if c.crimes_year_before is None else _percent(c.crimes, c.crimes_year_before)
    )
    pairs = [
        (f"Crimes in {month}", fmt.count(c.crimes)),
        (
            f"{before}",
            "no file" if c.crimes_year_before is None else f"{fmt.count(c.crimes_year_before)}",
        ),
        ("Change", change),
    ]
    if c.crime_type is None:
        pairs.append(("Anti-social behaviour (not a crime)", fmt.count(c.asb)))
    blocks += fields(pairs)
    blocks.append(section(escape(twelve_months(c))))
    if c.crime_type is None:
        lines = [
            f"• {escape(t.crime_type)}: {fmt.count(t.crimes)} against "
            + ("no file" if t.year_before is None else fmt.count(t.year_before))
            + (f", {change_words(t.change_percent)}" if t.year_before is not None else "")
            for t in c.by_type
        ]
        blocks.append(list_section(f"*By type, {month} against {before}*", lines))
    blocks.append(context(escape(no_location(c))))
    warning = gap_warning(c)
    if warning:
        blocks.append(section(f":warning: *{escape(warning)}*"))
    blocks += source_context("crimes", answer.as_of, answer.source)
    text = f"Recorded crime{scope}, {c.force}, {month}: {fmt.count(c.crimes)}; {twelve_months(c)}."
    return escape(text), blocks


def _percent(new: int, old: int) -> float | None:
    from oversight.figures.crime import percent_change

    return percent_change(new, old)
