"""The renderings of the daily reminder: text and Block Kit."""

from __future__ import annotations

from oversight.answers.reminders import RemindersAnswer, RequestReminder
from oversight.render import words as fmt
from oversight.render.blocks import (
    Block,
    blocks_of,
    context,
    deadline_line,
    escape,
    header,
    list_section,
    section,
)
from oversight.render.requests import request_when
from oversight.render.text import lines_of


@lines_of.register
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


@blocks_of.register
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


def _request_sentence(answer: RequestReminder) -> str:
    r = answer.request
    stage = "is overdue" if answer.stage == "overdue" else "falls due"
    return (
        f"Information request {r.ref} to {r.authority} {stage}: received {fmt.day(r.received_on)}, "
        f"due {fmt.day(r.due_on)}{' (extended)' if r.extended else ''}, {request_when(r)}."
    )


@lines_of.register
def _(answer: RequestReminder) -> list[str]:
    return [_request_sentence(answer)]


@blocks_of.register
def _(answer: RequestReminder) -> tuple[str, list[Block]]:
    text = _request_sentence(answer)
    mark = ":rotating_light: " if answer.stage == "overdue" else ""
    return text, [
        section(mark + escape(text)),
        context(f"As of {fmt.long_day(answer.as_of)}; UK-wide working days (FOI Act s.10)"),
    ]
