"""The renderings of ``/crime``: text and Block Kit."""

from __future__ import annotations

from oversight.answers.crime import CrimeAnswer
from oversight.figures.crime import CrimeFigures, month_label, percent_change
from oversight.render import crime_words
from oversight.render import words as fmt
from oversight.render.blocks import (
    Block,
    blocks_of,
    context,
    escape,
    fields,
    header,
    list_section,
    section,
    source_context,
)
from oversight.render.text import footer, lines_of, table


def crime_lines(c: CrimeFigures) -> list[str]:
    """The figures of /crime below its heading, shared by the text rendering and the digest."""
    assert c.month is not None and c.year_before is not None
    month, before = month_label(c.month), month_label(c.year_before)
    lines = []
    rows = [
        [
            t.crime_type,
            fmt.count(t.crimes),
            "no file" if t.year_before is None else fmt.count(t.year_before),
            crime_words.change_words(t.change_percent) if t.year_before is not None else "",
        ]
        for t in c.by_type
    ]
    if c.crime_type is None:
        rows.append(
            [
                "All recorded crime",
                fmt.count(c.crimes),
                "no file" if c.crimes_year_before is None else fmt.count(c.crimes_year_before),
                crime_words.change_words(percent_change(c.crimes, c.crimes_year_before)),
            ]
        )
    lines += table(["Crime type", month, before, "Change"], rows, "lrrl")
    lines += ["", crime_words.twelve_months(c)]
    if c.crime_type is None:
        lines.append(
            f"Anti-social behaviour (not a crime, not counted above): {fmt.count(c.asb)}"
            + (
                f" ({before}: {fmt.count(c.asb_year_before)})"
                if c.asb_year_before is not None
                else ""
            )
        )
    lines.append(crime_words.no_location(c))
    warning = crime_words.gap_warning(c)
    if warning:
        lines.append(f"WARNING: {warning}")
    return lines


def place(c: CrimeFigures) -> str:
    """ "Greater Manchester Police, Manchester (local authority)"."""
    where = f", {c.area.name} ({c.area.kind})" if c.area is not None else ""
    return f"{c.force}{where}"


@lines_of.register
def _(answer: CrimeAnswer) -> list[str]:
    c = answer.crime
    scope = f" — {c.crime_type}" if c.crime_type else ""
    held = crime_words.forces_held(c)
    if c.month is None or c.force is None:
        lines = [f"Recorded crime{scope}, as of {fmt.long_day(answer.as_of)}", "", c.note or ""]
        if answer.source is None and answer.known.first_since is None and not held:
            return lines  # nothing imported at all: the note says so, once
        return lines + ([held] if held else []) + footer("crimes", answer)
    stopped = crime_words.not_published(c)
    lines = [
        f"Recorded crime{scope} — {place(c)}, {month_label(c.month)} "
        f"(the latest month as of {fmt.long_day(answer.as_of)})",
        "",
        *([f"WARNING: {stopped}", ""] if stopped else []),
        *crime_lines(c),
    ]
    return lines + ([held] if held else []) + footer("crimes", answer)


@blocks_of.register
def _(answer: CrimeAnswer) -> tuple[str, list[Block]]:
    c = answer.crime
    scope = f": {c.crime_type}" if c.crime_type else ""
    held = crime_words.forces_held(c)
    if c.month is None or c.force is None or c.year_before is None:
        blocks: list[Block] = [header(f"Recorded crime{scope}, as of {fmt.day(answer.as_of)}")]
        blocks.append(section(escape(c.note or "No crime data.")))
        if held:
            blocks.append(context(escape(held)))
        blocks += source_context("crimes", answer)
        return escape(c.note or "No crime data."), blocks
    month, before = month_label(c.month), month_label(c.year_before)
    blocks = [header(f"Recorded crime{scope}, {escape(place(c))}, {month}")]
    stopped = crime_words.not_published(c)
    if stopped:
        blocks.append(section(f":rotating_light: *{escape(stopped)}*"))
    change = crime_words.change_words(
        None if c.crimes_year_before is None else percent_change(c.crimes, c.crimes_year_before)
    )
    pairs = [
        (f"Crimes in {month}", fmt.count(c.crimes)),
        (
            f"{before}",
            "no file" if c.crimes_year_before is None else f"{fmt.count(c.crimes_year_before)}",
        ),
        ("Change", change),
    ]
    if c.crime_type is None:
        pairs.append(("Anti-social behaviour (not a crime)", fmt.count(c.asb)))
    blocks += fields(pairs)
    blocks.append(section(escape(crime_words.twelve_months(c))))
    if c.crime_type is None:
        lines = [
            f"• {escape(t.crime_type)}: {fmt.count(t.crimes)} against "
            + ("no file" if t.year_before is None else fmt.count(t.year_before))
            + (
                f", {crime_words.change_words(t.change_percent)}"
                if t.year_before is not None
                else ""
            )
            for t in c.by_type
        ]
        blocks.append(list_section(f"*By type, {month} against {before}*", lines))
    blocks.append(context(escape(crime_words.no_location(c))))
    warning = crime_words.gap_warning(c)
    if warning:
        blocks.append(section(f":warning: *{escape(warning)}*"))
    if held:
        blocks.append(context(escape(held)))
    blocks += source_context("crimes", answer)
    text = (
        f"Recorded crime{scope}, {place(c)}, {month}: {fmt.count(c.crimes)}; "
        f"{crime_words.twelve_months(c)}."
    )
    if stopped:
        text = f"{stopped} {text}"
    return escape(text), blocks
