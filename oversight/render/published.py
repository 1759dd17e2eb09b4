"""The words for a published digest: what ``oversight digest show`` prints beside the kept text,
and what ``oversight digest preview`` says when it compares itself with the digest sent."""

from __future__ import annotations

import re

from oversight.answers.published import Difference, Published
from oversight.render import words as fmt

SHOWN = 12  # differences listed in words; the rest are counted
_FIGURE = re.compile(r"backlog\.figures\[(\d+)\]\.(\w+)")


def sent_line(published: Published) -> str:
    e = published.entry
    when = fmt.moment(e.sent_at) if e.sent_at else "an unknown time"
    return f"the digest for {e.period} sent on {when} to {e.channel or '-'} (ts {e.message_ts})"


def published_lines(published: Published, now_workstreams: list[str]) -> list[str]:
    """How the digest made again compares with the one sent (``now_workstreams``: the
    workstream of each of its backlog figures, to name them)."""
    sent = sent_line(published)
    if not published.kept:
        return [
            f"Not compared: {sent} was sent before oversight kept what digests said "
            "(its message is in Slack)."
        ]
    if not published.compared and published.as_of is not None:
        return [
            f"Not compared: {sent} was as of {fmt.day(published.as_of)}: give "
            f"--as-of {published.as_of.isoformat()} to compare with it."
        ]
    if published.same:
        return [f"Same figures as {sent}."]
    return _revised(published, sent, now_workstreams)


def _revised(published: Published, sent: str, now_workstreams: list[str]) -> list[str]:
    differences = published.differences
    lines = [
        f"REVISED since it was published: {fmt.plural(len(differences), 'value')} differ from "
        f"{sent}:"
    ]
    lines += [f"  {difference_text(d, now_workstreams)}" for d in differences[:SHOWN]]
    if len(differences) > SHOWN:
        lines.append(f"  and {fmt.count(len(differences) - SHOWN)} more: oversight digest show "
                     f"{published.entry.period} --json has the figures sent.")  # fmt: skip
    if published.late:
        lines.append("Extracts taken by its date but imported after it was sent:")
        lines += [
            f"  #{i.import_id} {i.kind} {i.file_name} (taken {fmt.day(i.taken)}, imported "
            f"{fmt.moment(i.imported_at)})"
            for i in published.late
        ]
    else:
        lines.append(
            "No extract taken by its date was imported after it was sent: the store was changed "
            "another way (oversight audit lists who changed what)."
        )
    return lines


def difference_text(d: Difference, workstreams: list[str]) -> str:
    """One difference in words: a headline backlog figure by name, any other by its path."""
    match = _FIGURE.fullmatch(d.path)
    where = d.path
    if match is not None and int(match[1]) < len(workstreams):
        where = f"{match[2].replace('_', ' ')} ({fmt.workstream(workstreams[int(match[1])])})"
    change = ""
    if isinstance(d.then, int | float) and isinstance(d.now, int | float):
        delta = d.now - d.then
        delta = round(delta, 1) if isinstance(delta, float) else delta
        change = f" ({delta:+,})"
    return f"{where}: {_value(d.then)} when sent, {_value(d.now)} now{change}"


def _value(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return fmt.count(value)
    return "none" if value is None else str(value)
