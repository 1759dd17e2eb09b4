"""The renderings of ``/integrity``: text and Block Kit."""

from __future__ import annotations

from oversight.answers.integrity import IntegrityAnswer
from oversight.figures.integrity import FINDINGS
from oversight.render import crime_words
from oversight.render import words as fmt
from oversight.render.blocks import (
    Block,
    blocks_of,
    escape,
    fields,
    header,
    list_section,
    section,
    sources_context,
)
from oversight.render.text import lines_of, sources_footer, table
from oversight.values import WORKSTREAMS


@lines_of.register
def _(answer: IntegrityAnswer) -> list[str]:
    found, latest = answer.integrity, answer.integrity.latest
    lines = [f"Data integrity of the case extracts, as of {fmt.long_day(answer.as_of)}", ""]
    if latest is None:
        lines.append("No case extract has been imported by that date: nothing to compare.")
    else:
        as_of = f" (as of {fmt.day(latest.extract_as_of)})" if latest.extract_as_of else ""
        lines += [
            f"Latest case extract: {latest.file_name}{as_of}, import #{latest.import_id}, "
            f"{fmt.scope(latest.scope)}",
            "Missing from the latest extract (kept in the figures): "
            f"{fmt.count(found.missing_now)}",
            "",
        ]
        if found.counts:
            lines.append("What that import found:")
            by_kind: dict[str, dict[str, int]] = {}
            for c in found.counts:
                by_kind.setdefault(c.kind, {})[c.workstream] = c.count
            header = ["Finding", *(fmt.workstream(w) for w in WORKSTREAMS), "All"]
            rows = [
                [
                    kind,
                    *(fmt.count(counts.get(w, 0)) for w in WORKSTREAMS),
                    fmt.count(sum(counts.values())),
                ]
                for kind, counts in by_kind.items()
            ]
            lines += table(header, rows, "l" + "r" * (len(header) - 1))
            lines.append("")
            lines += [f"  {k}: {FINDINGS[k].meaning}" for k in by_kind if k in FINDINGS]
        else:
            lines.append("That import found nothing lost or changed: it agrees with the store.")
        lines += ["", f"Vanished records over {_last_imports(len(found.trend))}:"]
        lines += [
            f"  #{i.import_id} {i.file_name}, imported {fmt.moment(i.imported_at)}: "
            f"{fmt.count(i.vanished)} vanished, {fmt.count(i.reappeared)} back, "
            f"{fmt.count(i.missing_after)} missing after it"
            for i in found.trend
        ]
    gaps = answer.crime_gaps
    if gaps is not None:
        lines += ["", crime_words.crime_gaps_heading(gaps.import_id, gaps.file_name, gaps.counts)]
        lines += [f"  {line}" for line in gaps.lines]
        shown = sum(gaps.counts.values()) - len(gaps.lines)
        if shown > 0:
            lines.append(f"  …and {fmt.count(shown)} more: oversight integrity --csv")
    return [*lines, "", *sources_footer(answer.sources, answer.as_of, answer.since)]


@blocks_of.register
def _(answer: IntegrityAnswer) -> tuple[str, list[Block]]:
    found, latest = answer.integrity, answer.integrity.latest
    blocks: list[Block] = [header(f"Data integrity of the case extracts, {fmt.day(answer.as_of)}")]
    if latest is None:
        blocks.append(
            section("No case extract has been imported by that date: nothing to compare.")
        )
        text = f"Data integrity as of {fmt.day(answer.as_of)}: no case extract yet."
    else:
        as_of = f" (as of {fmt.day(latest.extract_as_of)})" if latest.extract_as_of else ""
        blocks += fields(
            [
                ("Missing from the latest extract", fmt.count(found.missing_now)),
                ("Findings of the latest import", fmt.count(found.total)),
                ("Latest case extract", f"{escape(latest.file_name)}{as_of}"),
                ("Covering", fmt.scope(latest.scope)),
            ]
        )
        by_kind: dict[str, dict[str, int]] = {}
        for c in found.counts:
            by_kind.setdefault(c.kind, {})[c.workstream] = c.count
        lines = []
        for kind, counts in by_kind.items():
            split = ", ".join(
                f"{fmt.workstream(w)} {fmt.count(counts[w])}" for w in WORKSTREAMS if w in counts
            )
            meaning = FINDINGS[kind].meaning if kind in FINDINGS else ""
            alarm = ":rotating_light: " if kind in FINDINGS and FINDINGS[kind].alarming else ""
            lines.append(
                f"• {alarm}*{kind}*: {fmt.count(sum(counts.values()))} ({split}): _{meaning}_"
            )
        blocks.append(
            list_section(
                f"*What import #{latest.import_id} found*",
                lines,
                empty="Nothing lost or changed: the extract agrees with the store.",
            )
        )
        trend = [
            f"• #{i.import_id} {escape(i.file_name)}: {fmt.count(i.vanished)} vanished, "
            f"{fmt.count(i.reappeared)} back, {fmt.count(i.missing_after)} missing after it"
            for i in found.trend
        ]
        blocks.append(list_section(f"*{_last_imports(len(trend)).capitalize()}*", trend))
        text = (
            f"Data integrity as of {fmt.day(answer.as_of)}: {fmt.count(found.missing_now)} "
            f"records missing from the latest extract; {fmt.count(found.total)} findings."
        )
    gaps = answer.crime_gaps
    if gaps is not None:
        heading = escape(
            crime_words.crime_gaps_heading(gaps.import_id, gaps.file_name, gaps.counts)
        )
        more = sum(gaps.counts.values()) - len(gaps.lines)
        lines = [f"• {escape(line)}" for line in gaps.lines]
        if more > 0:
            lines.append(f"…and {fmt.count(more)} more: `oversight integrity --csv`")
        blocks.append(list_section(f"*{heading}*", lines, empty="No gaps."))
    blocks += sources_context(answer.sources, answer.as_of, answer.since)
    return text, blocks


def _last_imports(n: int) -> str:
    """ "the last 8 case imports", or "the last case import" (not "the last 1 case imports")."""
    return "the last case import" if n == 1 else f"the last {n} case imports"
