"""The renderings of the weekly digest: text, Block Kit, and its files (charts and workbook)."""

from __future__ import annotations

from oversight.answers.digest import DigestAnswer
from oversight.figures.crime import month_label
from oversight.figures.integrity import ALARMING
from oversight.render import crime_words
from oversight.render import words as fmt
from oversight.render.blocks import (
    Block,
    blocks_of,
    context,
    deadline_line,
    divider,
    escape,
    fields,
    header,
    list_section,
    next_due_text,
    overdue_return_line,
    section,
    sources_context,
)
from oversight.render.charts import crime_chart, digest_chart
from oversight.render.requests import digest_requests
from oversight.render.text import lines_of, sources_footer
from oversight.render.workbook import digest_workbook


@lines_of.register
def _(answer: DigestAnswer) -> list[str]:
    b, trend = answer.backlog, answer.backlog.trend
    changes = answer.change_since_previous
    lines = [f"Weekly oversight digest, {fmt.long_day(answer.as_of)} (week {answer.period})", ""]
    if answer.synthetic:
        lines = [f"{fmt.SYNTHETIC_MARK}.", *lines]
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
    lines += [f"Revised: {line}" for line in fmt.revised_weeks(answer.revised)]
    lines += [
        f"Outstanding: {fmt.outstanding_change(trend, answer.as_of)}",
        f"Reviews completed last complete week: {fmt.last_week(trend)}; "
        f"four-week mean {fmt.weekly_rate(trend.four_week_mean)}",
        f"Projected completion: {fmt.projection(trend)}",
        f"NCRS compliance of reviewed cases: {fmt.ncrs(shown)}",
        f"Referrals required among reviewed cases: {fmt.referrals(shown)}",
        *(f"{label}: {words}" for label, words in fmt.risk_pairs(answer.risk)),
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
    requests = digest_requests(answer.requests)
    lines += ["", requests[0], *(f"  {line}" for line in requests[1:])]
    integrity = answer.integrity
    found = fmt.integrity_since(
        len(integrity.imports), integrity.counts, integrity.missing_now, integrity.since
    )
    lines += ["", found[0], *(f"  {line}" for line in found[1:])]
    if answer.crime is not None and answer.crime.month is not None:
        c = answer.crime
        lines += ["", f"Recorded crime, {c.force}, {month_label(c.month)}:"]
        lines += [f"  {line}" for line in crime_words.digest_crime_lines(c)]
    return [*lines, "", *sources_footer(answer.sources, answer.as_of, answer.since)]


@blocks_of.register
def _(digest: DigestAnswer) -> tuple[str, list[Block]]:
    b, trend = digest.backlog, digest.backlog.trend
    changes = digest.change_since_previous
    since = f" since the digest of {fmt.day(digest.previous.as_of)}" if digest.previous else ""
    blocks: list[Block] = [header(f"Weekly oversight digest, {fmt.day(digest.as_of)}")]
    if digest.synthetic:
        blocks.append(section(f":warning: *{fmt.SYNTHETIC_MARK}.*"))
    pairs = []
    for w in b.figures:
        change = f", {fmt.signed_change(changes[w.workstream])}{since}" if changes else ""
        pairs.append(
            (f"Outstanding: {fmt.workstream(w.workstream)}", fmt.count(w.outstanding) + change)
        )
    blocks += fields(pairs)
    revised = fmt.revised_weeks(digest.revised)
    if revised:
        blocks.append(context(*(f":information_source: Revised: {escape(r)}" for r in revised)))
    blocks += fields(
        [
            ("Outstanding", fmt.outstanding_change(trend, digest.as_of)),
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
    if digest.risk:
        risk = [f"• *{label}*: {words}" for label, words in fmt.risk_pairs(digest.risk)]
        blocks.append(list_section("*Risk assessments never done*", risk))
    requests = digest_requests(digest.requests)
    blocks.append(
        list_section(f"*{escape(requests[0])}*", [f"• {escape(line)}" for line in requests[1:]])
    )
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
        c = digest.crime
        lines = [f"• {escape(line)}" for line in crime_words.digest_crime_lines(c)]
        heading = f"*Recorded crime, {escape(c.force or '')}, {month_label(c.month)}*"
        blocks.append(list_section(heading, lines, limit=10))
    blocks += sources_context(digest.sources, digest.as_of, digest.since)
    blocks.append(context("The chart and the figures as a spreadsheet are in the thread."))
    text = (
        f"Weekly oversight digest, {fmt.day(digest.as_of)}: {fmt.count(trend.outstanding)} reviews "
        f"outstanding, {fmt.projection_brief(trend)}; {len(overdue)} data returns "
        "overdue."
    )
    return text, blocks


def digest_files(digest: DigestAnswer) -> list[tuple[str, str, bytes]]:
    """The digest's files, each (file name, title, bytes): the backlog chart, the recorded-crime
    chart when there is recorded crime, and the figures workbook (formula-safe)."""
    stamp = digest.as_of.isoformat()
    files = [(f"oversight-digest-{stamp}.png", "Outstanding reviews", digest_chart(digest))]
    crime = crime_chart(digest)
    if crime is not None:
        files.append((f"oversight-crime-{stamp}.png", "Recorded crime", crime))
    files.append((f"oversight-digest-{stamp}.xlsx", "Digest figures", digest_workbook(digest)))
    return files
