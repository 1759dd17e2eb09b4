"""The renderings of ``/deadlines``: text and Block Kit."""

from __future__ import annotations

from oversight.answers.deadlines import DeadlinesAnswer
from oversight.render import words as fmt
from oversight.render.blocks import (
    Block,
    blocks_of,
    deadline_line,
    header,
    list_section,
    overdue_section,
    source_context,
)
from oversight.render.text import footer, lines_of, loud, table


@lines_of.register
def _(answer: DeadlinesAnswer) -> list[str]:
    d = answer.deadlines
    lines = [
        f"Deadlines in the next {d.within_days} days and overdue, "
        f"as of {fmt.long_day(answer.as_of)}",
        "",
    ]
    if not d.deadlines:
        lines.append("No open deadlines in that time, and none overdue.")
        return lines + footer("deadlines", answer)
    rows = []
    for item in d.deadlines:
        left = loud(fmt.deadline_when(item))
        rows.append([item.title, fmt.day(item.due_on), left, item.owner or "", item.category or ""])
    lines += table(["Deadline", "Due", "", "Owner", "Category"], rows, "lrlll")
    lines += [
        "",
        f"Overdue: {len(d.overdue)}; due in the next {d.within_days} days: {len(d.upcoming)}",
    ]
    return lines + footer("deadlines", answer)


@blocks_of.register
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
    blocks += source_context("deadlines", answer)
    text = (
        f"Deadlines as of {fmt.day(answer.as_of)}: {len(overdue)} overdue, {len(upcoming)} due "
        f"in the next {d.within_days} days."
    )
    return text, blocks
