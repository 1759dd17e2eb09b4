"""The renderings of ``/ons-status``: text and Block Kit."""

from __future__ import annotations

from oversight.answers.returns import ReturnsAnswer
from oversight.render import words as fmt
from oversight.render.blocks import (
    Block,
    blocks_of,
    escape,
    header,
    list_section,
    next_due_text,
    overdue_return_line,
    overdue_section,
    section,
    source_context,
)
from oversight.render.text import footer, lines_of, loud, table


@lines_of.register
def _(answer: ReturnsAnswer) -> list[str]:
    status = answer.returns
    scope = f' matching "{status.dataset}"' if status.dataset else ""
    lines = [f"Crime-data returns{scope}, as of {fmt.long_day(answer.as_of)}", ""]
    if not status.returns:
        lines.append("No data returns recorded" + (scope or "") + ".")
        return lines + footer("returns", answer)
    rows = []
    for r in status.returns:
        rows.append([r.dataset, r.period, fmt.day(r.due_on), r.status, loud(fmt.return_state(r))])
    lines += table(["Dataset", "Period", "Due", "Status", ""], rows, "llrll")
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
    return lines + footer("returns", answer)


@blocks_of.register
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
    blocks += source_context("returns", answer)
    text = (
        f"Crime-data returns as of {fmt.day(answer.as_of)}: {len(overdue)} overdue, "
        f"{len(excluded)} excluded from official statistics; next due {next_text}."
    )
    return text, blocks
