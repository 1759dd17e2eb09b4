"""The renderings of ``/requests``: text and Block Kit."""

from __future__ import annotations

from oversight.answers.requests import RequestsAnswer
from oversight.figures.requests import AuthorityRecord, InformationRequest, Requests
from oversight.render import words as fmt
from oversight.render.blocks import (
    Block,
    blocks_of,
    context,
    escape,
    fields,
    header,
    list_section,
    source_context,
)
from oversight.render.text import footer, lines_of, loud, table

RULE = (
    "Due on the 20th working day after receipt (FOI Act s.10; EIR reg. 5), a working day being "
    "any weekday but Christmas Day, Good Friday and a bank holiday anywhere in the UK; an "
    "extension replaces it."
)
_LISTED = {"open": "Open", "overdue": "Overdue", "all": "All"}


def request_when(item: InformationRequest) -> str:
    """An open request's working days left, or how long it is overdue; else how it ended."""
    if item.state == "withdrawn":
        return "withdrawn"
    if item.answered_on is not None:
        verb = {"refused": "refused", "internal_review": "answered (under internal review)"}
        late = "on time" if item.on_time else f"late by {fmt.plural(item.late_by, 'working day')}"
        return f"{verb.get(item.state, 'answered')} {fmt.day(item.answered_on)}, {late}"
    if item.overdue:
        passed = -item.working_days_left
        if passed == 0:  # due at a weekend or on a holiday, not one working day since
            return f"overdue by {fmt.plural(-item.days_left, 'day')}"
        return f"overdue by {fmt.plural(passed, 'working day')}"
    if item.days_left == 0:
        return "due today"
    return f"{fmt.plural(item.working_days_left, 'working day')} left"


def digest_requests(requests: Requests | None) -> list[str]:
    """The digest's lines on information requests: overdue ones and the on-time share."""
    if requests is None:
        return ["Information requests: no requests extract"]
    answered = requests.answered
    lines = [
        f"Information requests overdue: {fmt.count(len(requests.overdue))}; answered on time "
        f"in the last 12 months: {fmt.pct(answered.on_time_percent)} "
        f"({fmt.count(answered.on_time)} of {fmt.count(answered.answered)})"
    ]
    return lines + [
        f"{r.ref} to {r.authority}: due {fmt.day(r.due_on)}, {request_when(r)}"
        for r in requests.overdue
    ]


def _heading(r: Requests) -> str:
    return f"{_LISTED[r.shown]} information requests"


def _record(a: AuthorityRecord) -> str:
    return (
        f"{fmt.count(a.answered)} answered, {fmt.count(a.on_time)} on time "
        f"({fmt.pct(a.on_time_percent)}), {fmt.count(a.late)} late"
    )


def _listed_empty(r: Requests) -> str:
    if r.shown == "all":
        return "No request had been received by then."
    return "None overdue." if r.shown == "overdue" else "None open."


@lines_of.register
def _(answer: RequestsAnswer) -> list[str]:
    r = answer.requests
    lines = [f"{_heading(r)}, as of {fmt.long_day(answer.as_of)}", ""]
    lines.append(f"Open: {fmt.count(len(r.open))}; overdue: {fmt.count(len(r.overdue))}")
    lines.append("")
    if r.listed:
        rows = [
            [
                item.ref,
                item.authority,
                fmt.day(item.received_on),
                fmt.day(item.due_on) + (" (extended)" if item.extended else ""),
                loud(request_when(item)),
            ]
            for item in r.listed
        ]
        lines += table(["Ref", "To", "Received", "Due", ""], rows, "lllll")
    else:
        lines.append(_listed_empty(r))
    lines += ["", f"Answered in the 12 months to {fmt.day(answer.as_of)}: {_record(r.answered)}"]
    if r.by_authority:
        rows = [
            [
                a.authority,
                *map(fmt.count, (a.answered, a.on_time, a.late)),
                fmt.pct(a.on_time_percent),
            ]
            for a in r.by_authority
        ]
        lines += table(["Authority", "Answered", "On time", "Late", "On time %"], rows, "lrrrr")
    lines += ["", RULE]
    return lines + footer("requests", answer)


def request_line(item: InformationRequest) -> str:
    return (
        f"• *{escape(item.ref)}* to {escape(item.authority)}: received "
        f"{fmt.day(item.received_on)}, due {fmt.day(item.due_on)}"
        + (" (extended)" if item.extended else "")
        + f", {request_when(item)}"
    )


@blocks_of.register
def _(answer: RequestsAnswer) -> tuple[str, list[Block]]:
    r = answer.requests
    blocks: list[Block] = [header(f"{_heading(r)}, as of {fmt.day(answer.as_of)}")]
    blocks += fields(
        [
            ("Open", fmt.count(len(r.open))),
            ("Overdue", fmt.count(len(r.overdue))),
            ("Answered in 12 months", _record(r.answered)),
        ]
    )
    listed = [request_line(i) for i in r.listed]
    mark = ":rotating_light: " if r.shown != "all" and r.overdue else ""
    blocks.append(
        list_section(
            f"{mark}*{_heading(r)} ({fmt.count(len(listed))}), oldest first*",
            listed,
            empty=_listed_empty(r),
        )
    )
    authorities = [f"• *{escape(a.authority)}*: {_record(a)}" for a in r.by_authority]
    if authorities:
        blocks.append(list_section("*Answered in the last 12 months, by authority*", authorities))
    blocks.append(context(RULE))
    blocks += source_context("requests", answer)
    text = (
        f"Information requests as of {fmt.day(answer.as_of)}: {fmt.count(len(r.open))} open, "
        f"{fmt.count(len(r.overdue))} overdue; {fmt.pct(r.answered.on_time_percent)} of "
        "answers in 12 months on time."
    )
    return text, blocks
