"""The renderings of ``/backlog``: text and Block Kit."""

from __future__ import annotations

from oversight.answers.backlog import BacklogAnswer
from oversight.render import words as fmt
from oversight.render.blocks import (
    Block,
    blocks_of,
    divider,
    fields,
    header,
    section,
    source_context,
)
from oversight.render.text import footer, lines_of, table


@lines_of.register
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
    lines += table(header, rows, "lrrrrrrr")
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
    lines += [f"{label}: {words}" for label, words in fmt.risk_pairs(answer.risk)]
    missing = fmt.missing_records(answer.missing_from_latest)
    if missing:
        lines.append(f"WARNING: {missing}; see /integrity")
    return lines + footer("cases", answer)


@blocks_of.register
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
    if answer.risk:
        blocks += fields(fmt.risk_pairs(answer.risk))
    missing = fmt.missing_records(answer.missing_from_latest)
    if missing:
        blocks.append(section(f":warning: *{missing}*: see `/integrity`."))
    blocks += source_context("cases", answer)
    text = (
        f"Review backlog{scope} as of {fmt.day(answer.as_of)}: "
        f"{fmt.count(trend.outstanding)} outstanding, {fmt.projection_brief(trend)}."
    )
    return text, blocks
