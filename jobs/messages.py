"""Block Kit for the scheduled messages: the weekly digest, reminders and the stale-data alarm.

Built from the same pieces as the command answers (``bot.blocks``), inside the same limits.
"""

from __future__ import annotations

from bot.blocks import (
    Block,
    context,
    deadline_line,
    divider,
    escape,
    fields,
    fit,
    header,
    list_section,
    next_due_text,
    overdue_return_line,
    section,
)
from oversight import formatting as f
from oversight.digest import DigestAnswer
from oversight.reminders import RemindersAnswer, StaleAlarm


def digest_blocks(digest: DigestAnswer) -> tuple[str, list[Block]]:
    b, trend = digest.backlog, digest.backlog.trend
    changes = digest.change_since_previous
    since = f" since the digest of {f.day(digest.previous.as_of)}" if digest.previous else ""
    blocks: list[Block] = [header(f"Weekly oversight digest, {f.day(digest.as_of)}")]
    pairs = []
    for w in b.figures:
        change = f", {f.signed_change(changes[w.workstream])}{since}" if changes else ""
        pairs.append(
            (f"Outstanding: {f.workstream(w.workstream)}", f.count(w.outstanding) + change)
        )
    blocks += fields(pairs)
    blocks += fields(
        [
            ("Over seven days", f.outstanding_change(trend, digest.as_of)),
            ("Last complete week", f.last_week(trend)),
            ("Four-week mean", f.weekly_rate(trend.four_week_mean)),
            ("Projected completion", f.projection(trend)),
            ("NCRS compliance (reviewed)", f.ncrs(b.figures[-1])),
            ("Referrals required", f.referrals(b.figures[-1])),
        ]
    )
    blocks.append(divider())
    returns = digest.returns
    overdue = [overdue_return_line(r) for r in returns.overdue]
    excluded = [f"• {escape(r.dataset)} {r.period}" for r in returns.excluded]
    blocks.append(
        list_section(f"*Data returns overdue ({f.count(len(overdue))})*", overdue, limit=10)
    )
    if excluded:
        blocks.append(list_section("*Excluded from official statistics*", excluded, limit=10))
    blocks.append(section(f"*Next return due:* {next_due_text(returns.next_due)}"))
    deadlines = [deadline_line(d, owner=False) for d in digest.deadlines.deadlines]
    heading = f"*Deadlines: overdue and next {digest.deadlines.within_days} days*"
    blocks.append(list_section(heading, deadlines, limit=15))
    freshness = [f.source(kind, s) for kind, s in digest.sources.items()]
    blocks.append(context(*(escape(t) for t in freshness)))
    for kind, source in digest.sources.items():
        warning = f.stale_warning(kind, source)
        if warning:
            blocks.append(context(f":warning: *{warning}*"))
    blocks.append(context("The chart and the figures as a spreadsheet are in the thread."))
    text = (
        f"Weekly oversight digest, {f.day(digest.as_of)}: {f.count(trend.outstanding)} reviews "
        f"outstanding, {f.projection_brief(trend)}; {len(overdue)} data returns "
        "overdue."
    )
    return text, fit(blocks)


def reminder_blocks(answer: RemindersAnswer) -> tuple[str, list[Block]]:
    blocks: list[Block] = [
        header(f"Due within {answer.working_days} working days, or overdue"),
    ]
    deadlines = [deadline_line(d) for d in answer.deadlines]
    returns = [
        f"• *{escape(r.dataset)} {r.period}*: due {f.day(r.due_on)}"
        + (f", {f.return_state(r)}" if r.overdue else "")
        for r in answer.returns
    ]
    if deadlines:
        blocks.append(list_section(f"*Deadlines ({f.count(len(deadlines))})*", deadlines))
    if returns:
        blocks.append(list_section(f"*Data returns ({f.count(len(returns))})*", returns))
    blocks.append(context(f"As of {f.long_day(answer.as_of)}"))
    text = (
        f"Reminder: {f.plural(len(deadlines), 'deadline')} and "
        f"{f.plural(len(returns), 'data return')} due within {answer.working_days} working days "
        "or overdue."
    )
    return text, fit(blocks)


def stale_blocks(alarm: StaleAlarm) -> tuple[str, list[Block]]:
    text = f":warning: {f.stale_warning('cases', alarm.source)}"
    detail = f.source("cases", alarm.source)
    blocks = [
        section(f"*{text}*"),
        context(
            escape(detail),
            f"Figures may be out of date until a new case extract is imported "
            f"(alarm after {alarm.stale_after_days} days).",
        ),
    ]
    return text.removeprefix(":warning: "), blocks
