"""The renderings of ``oversight revisions``: a table per figure and workstream as text, CSV
with one row per estimate (the triangle in long form), and Block Kit."""

from __future__ import annotations

import csv
import io

from oversight.answers.revisions import RevisionsAnswer
from oversight.figures.revisions import RevisedFigure, Value
from oversight.render import words as fmt
from oversight.render.blocks import Block, blocks_of, context, header, section
from oversight.render.text import lines_of, table
from oversight.values import spreadsheet_safe

FIGURE_LABELS = {
    "outstanding": "Outstanding reviews",
    "reviewed": "Reviewed",
    "ncrs_percent": "NCRS compliance of reviewed cases",
    "referrals_not_sent": "Referrals required and not sent",
}
CSV_COLUMNS = (
    "week_end",
    "workstream",
    "figure",
    "estimate",
    "import_id",
    "file_name",
    "extract_as_of",
    "value",
    "change",
    "first_after_week_end",
    "not_kept",
)
HOW_TO_READ = (
    "Each week-end's figure as first known (from the latest case extract taken by then), as "
    "known now, and each later extract that changed it, with the figure it left. "
    "* first known from an extract taken after the week-end (none had been taken by then). "
    "† what was known then was not kept (the store was upgraded later): the earliest kept."
)


def value_text(figure: str, value: Value) -> str:
    if figure == "ncrs_percent":
        return fmt.pct(value)
    return fmt.count(value)


def change_text(revised: RevisedFigure) -> str:
    change = revised.change
    if not revised.moves:
        return "-"
    if change is None:
        return "n/a"
    points = " points" if revised.figure == "ncrs_percent" else ""
    return f"{change:+,}{points}" if change else "0"


def title(answer: RevisionsAnswer) -> str:
    ends = answer.triangle.week_ends
    span = f"week-ends {fmt.day(ends[0])} to {fmt.day(ends[-1])}" if ends else "no week-ends"
    return f"Revisions of the headline figures, {span}, as known on {fmt.long_day(answer.as_of)}"


def series(answer: RevisionsAnswer) -> dict[tuple[str, str], list[RevisedFigure]]:
    """The figures by (workstream, figure), each a list by week-end."""
    grouped: dict[tuple[str, str], list[RevisedFigure]] = {}
    for revised in answer.triangle.figures:
        grouped.setdefault((revised.workstream, revised.figure), []).append(revised)
    return grouped


@lines_of.register
def _(answer: RevisionsAnswer) -> list[str]:
    lines = [title(answer), ""]
    if not answer.triangle.figures:
        return [*lines, "No case extract had been taken by then: there is nothing to revise."]
    cited = {e.import_id: e for r in answer.triangle.figures for e in (r.first, *r.moves)}
    lines += [HOW_TO_READ, "", "The case extracts cited:"]
    lines += [f"  #{i} {e.file_name} (taken {fmt.day(e.taken)})" for i, e in sorted(cited.items())]
    lines.append("")
    for (workstream, figure), rows in series(answer).items():
        lines.append(f"{FIGURE_LABELS[figure]}, {fmt.workstream(workstream).lower()}")
        body = []
        for r in rows:
            mark = ("*" if r.first_after else "") + ("†" if r.not_kept else "")
            moved = "; ".join(
                f"#{m.import_id} of {fmt.day(m.taken)}: {value_text(figure, m.value)}"
                for m in r.moves
            )
            body.append(
                [
                    fmt.day(r.week_end),
                    value_text(figure, r.first.value) + mark,
                    f"#{r.first.import_id} of {fmt.day(r.first.taken)}",
                    value_text(figure, r.now.value),
                    change_text(r),
                    moved or "-",
                ]
            )
        header_row = ["Week to", "First known", "From", "Now", "Change", "Changed by"]
        lines += [*table(header_row, body, "lrlrrl"), ""]
    revised = answer.triangle.revised
    lines.append(
        f"{fmt.plural(len(revised), 'figure')} of {fmt.count(len(answer.triangle.figures))} "
        "revised since first known."
    )
    return lines


@blocks_of.register
def _(answer: RevisionsAnswer) -> tuple[str, list[Block]]:
    text = title(answer)
    blocks: list[Block] = [header(text)]
    if not answer.triangle.figures:
        return text, [*blocks, section("No case extract had been taken by then.")]
    lines = []
    for (workstream, figure), rows in series(answer).items():
        revised = [r for r in rows if r.moves]
        if workstream != "all":
            continue
        biggest = max(revised, key=lambda r: abs(r.change or 0), default=None)
        said = "no week revised"
        if biggest is not None:
            said = (
                f"{fmt.plural(len(revised), 'week')} revised; the most, the week to "
                f"{fmt.day(biggest.week_end)}: {value_text(figure, biggest.first.value)} "
                f"first, {value_text(figure, biggest.now.value)} now"
            )
        lines.append(f"• *{FIGURE_LABELS[figure]}*: {said}")
    blocks.append(section("\n".join(lines)))
    blocks.append(context("Every week and workstream: `oversight revisions --csv`."))
    return text, blocks


def revisions_csv(answer: RevisionsAnswer) -> str:
    """The triangle in long form: a row for each estimate of each week-end's figure (0 the
    first, then each revision), RFC 4180 line ends, formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in answer.triangle.figures:
        previous = None
        for n, estimate in enumerate([r.first, *r.moves]):
            change = ""
            if previous is not None and estimate.value is not None:
                delta = estimate.value - previous
                change = round(delta, 1) if isinstance(delta, float) else delta
            writer.writerow(
                [
                    r.week_end.isoformat(),
                    r.workstream,
                    r.figure,
                    n,
                    estimate.import_id,
                    spreadsheet_safe(estimate.file_name),
                    estimate.taken.isoformat(),
                    "" if estimate.value is None else estimate.value,
                    change,
                    int(r.first_after),
                    int(r.not_kept),
                ]
            )
            previous = estimate.value
    return out.getvalue()
