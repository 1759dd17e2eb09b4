"""The renderings of ``/oversight``: status, help and the Home tab's overview."""

from __future__ import annotations

from oversight.answers.overview import HelpAnswer, HomeAnswer, StatusAnswer, tables
from oversight.importing.kinds import kind_label
from oversight.render import words as fmt
from oversight.render.blocks import (
    MAX_HOME_BLOCKS,
    Block,
    blocks_of,
    context,
    divider,
    escape,
    fields,
    freshness_lines,
    header,
    render_blocks,
    section,
)
from oversight.render.text import lines_of
from oversight.render.violence import summary_blocks, summary_lines


@lines_of.register
def _(answer: StatusAnswer) -> list[str]:
    lines = [
        f"Database: {answer.database}",
        f"Schema version: {answer.schema_version}",
        "",
        "Rows:",
        *(f"  {label}: {fmt.count(answer.rows[t])}" for t, label in tables().items()),
        "",
        "Last imports:",
    ]
    for kind, last in answer.sources.items():
        if last is None:
            lines.append(f"  {kind_label(kind)}: never imported")
            continue
        as_of = fmt.day(last.extract_as_of) if last.extract_as_of else "unknown"
        lines.append(
            f"  {kind_label(kind)}: {last.file_name}, extract as of {as_of} "
            f"({fmt.plural(last.age_days, 'day')} old{', STALE' if last.stale else ''}), "
            f"imported {fmt.moment(last.imported_at)} by {last.imported_by or 'unknown'}"
        )
    warning = fmt.private_warning(answer.readable_by_others)
    return [*lines, "", f"WARNING: {warning}"] if warning else lines


@lines_of.register
def _(answer: HelpAnswer) -> list[str]:
    lines = ["Oversight answers these commands:", ""]
    for command, usage in answer.usage.items():
        lines.append(usage)
        lines += [f"    e.g. {example}" for example in answer.examples[command]]
    return lines


@lines_of.register
def _(answer: HomeAnswer) -> list[str]:
    lines = [f"Oversight overview, {fmt.day(answer.as_of)}", "", "Data freshness:"]
    lines += [f"  {kind_label(k)}: {fmt.source(k, s)}" for k, s in answer.sources.items()]
    for part in (answer.backlog, answer.integrity, answer.returns, answer.deadlines, answer.crime):
        lines += ["", "-" * 40, *lines_of(part)]
    if answer.violence is not None:
        lines += ["", "-" * 40, "Violence: police and hospital", *summary_lines(answer.violence)]
    return lines


@blocks_of.register
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


@blocks_of.register
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


@blocks_of.register
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
        text, part_blocks = blocks_of(part)
        blocks += [divider(), *part_blocks]
        texts.append(text)
    if answer.violence is not None:  # short: /violence gives the whole profile
        text, part_blocks = summary_blocks(answer.violence)
        blocks += [divider(), *part_blocks]
        texts.append(text)
    return f"Oversight overview, {fmt.day(answer.as_of)}: " + " ".join(texts), blocks


def render_home(answer: HomeAnswer) -> tuple[str, list[Block]]:
    """A Home tab's blocks: up to 100, where a message may have 50."""
    return render_blocks(answer, MAX_HOME_BLOCKS)
