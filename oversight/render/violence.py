"""The renderings of ``/violence``: text and Block Kit (JSON comes from the answer model, whose
hospital counts are already suppressed)."""

from __future__ import annotations

from oversight.answers.violence import Hospital, ViolenceAnswer
from oversight.figures.crime import month_label
from oversight.figures.suppression import Shown
from oversight.figures.violence import PoliceViolence
from oversight.render import crime_words
from oversight.render import words as fmt
from oversight.render.blocks import (
    Block,
    blocks_of,
    context,
    escape,
    header,
    section,
    sources_context,
)
from oversight.render.text import lines_of, sources_footer, table

HOSPITAL_NOTE = (
    "Hospital figures: assault attendances at the emergency departments that send ISTV data "
    '(all departments held, whatever the area); counts of 1 to 4 are shown as "fewer than '
    '5", and others "not shown" where they would give one away.'
)


def n(value: Shown | None) -> str:
    """A count as shown: "1,234", "fewer than 5", "not shown"; None: no data."""
    if value is None:
        return "no data"
    return fmt.count(value) if isinstance(value, int) else value


def p(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}%"


def counted(count: Shown | None, share: float | None) -> str:
    """A count as shown, and its share when that may be shown: "12 (4.1%)", "fewer than 5"."""
    return n(count) + ("" if share is None else f" ({p(share)})")


def knife_against(h: Hospital) -> str:
    """Attendances by knife or sharp object, each year with its share when that may be shown:
    "612 (7.4%) against 625 (7.5%)"; "against no data" when no department sent then."""

    def said(count: Shown | None, share: float | None) -> str:
        return n(count) + ("" if count is None else f" ({p(share) or 'share not shown'})")

    return (
        f"{said(h.knife_last_12, h.knife_share)} against "
        f"{said(h.knife_previous_12, h.knife_share_before)}"
    )


def title(answer: ViolenceAnswer) -> str:
    police = answer.police
    v = police.violence
    where = v.force or "no force"
    if v.area is not None:
        where += f", {v.area.name} ({v.area.kind})"
    return f"Violence problem profile — {where}, as of {fmt.long_day(answer.as_of)}"


def police_lines(police: PoliceViolence) -> list[str]:
    v = police.violence
    if v.month is None:
        return [v.note or "No police-recorded crime held."]
    lines = [f"Police-recorded crime, the 12 months to {month_label(v.month)}:"]
    for figures in police.figures.values():
        lines.append(f"  {crime_words.twelve_months(figures)}")
    stopped = crime_words.not_published(v)
    if stopped:
        lines.append(f"WARNING: {stopped}")
    if police.hotspots:
        lines += ["", f"Hotspots: the {len(police.hotspots)} neighbourhoods with most violence"]
        rows = [
            [h.name, h.local_authority, fmt.count(h.violence), p(h.share),
             crime_words.change_words(h.change_percent) if h.change_percent is not None else ""]
            for h in police.hotspots
        ]  # fmt: skip
        lines += table(["Neighbourhood", "Local authority", "Violence", "Share", "Change"],
                       rows, "llrrl")  # fmt: skip
    if police.top_share is not None:
        lines.append(
            f"Concentration: the top 5% of neighbourhoods ({police.top_count} of "
            f"{fmt.count(police.neighbourhoods)}) hold {police.top_share:.1f}% of violence "
            f"placed in a neighbourhood ({fmt.count(police.placed_violence)})."
        )
    if police.authorities:
        lines += ["", "By local authority (violence like for like)"]
        rows = [
            [a.local_authority, fmt.count(a.violence), fmt.count(a.violence_before),
             crime_words.change_words(a.change_percent) if a.change_percent is not None else "",
             fmt.count(a.robbery), fmt.count(a.weapons)]
            for a in police.authorities
        ]  # fmt: skip
        lines += table(["Local authority", "Violence", "12 before", "Change", "Robbery",
                        "Weapons"], rows, "lrrlrr")  # fmt: skip
    return lines


def hospital_lines(h: Hospital | None) -> list[str]:
    if h is None:
        return ["Hospital assault attendances: none imported (oversight import assaults FILE)."]
    lines = [f"Hospital assault attendances, the 12 months to {month_label(h.month)}:"]
    lines.append(
        f"  Attendances: {n(h.last_12)} against {n(h.previous_12)}"
        + (
            f", {crime_words.change_words(h.change_percent)}"
            if h.change_percent is not None and not h.like_for_like
            else ""
        )
    )
    if h.like_for_like:
        said = (
            crime_words.change_words(h.change_percent)
            if h.change_percent is not None
            else "not compared (no department sent data in the same months of both years)"
            if h.previous_both == 0
            else "not compared"
        )
        lines.append(
            f"  Like for like (the months each department sent in both years): "
            f"{n(h.last_both)} against {n(h.previous_both)}, {said}"
        )
    lines.append(f"  By knife or sharp object: {knife_against(h)}")
    for gap in h.gaps:
        lines.append(
            f"  DATA GAP: {gap.department} sent nothing for {crime_words.month_runs(gap.months)}."
        )
    lines += ["", "By month"]
    rows = [
        [month_label(m.month), n(m.attendances), n(m.knife), p(m.knife_share),
         str(m.departments)]
        for m in h.months[_first_with_data(h):]
    ]  # fmt: skip
    lines += table(["Month", "Attendances", "Knife", "Knife share", "Departments"], rows, "lrrrr")
    lines += ["", "By department, the 12 months"]
    rows = [
        [d.department, n(d.attendances), n(d.knife), p(d.knife_share), p(d.knife_share_before),
         f"{d.months_sent} of 12"]
        for d in h.departments
    ]  # fmt: skip
    lines += table(["Department", "Attendances", "Knife", "Knife share", "A year before",
                    "Months sent"], rows, "lrrrrl")  # fmt: skip
    lines += ["", "When (time of the incident, else of arrival)"]
    if h.peak is not None:
        lines.append(f"  {h.peak.what}: {counted(h.peak.attendances, h.peak.share)}")
    lines += [f"  {c.what}: {counted(c.attendances, c.share)}" for c in h.hours]
    lines += ["", "Where (incident locations as recorded, case and punctuation set aside)"]
    lines += [f"  {c.what}: {counted(c.attendances, c.share)}" for c in h.places]
    return lines


def _first_with_data(h: Hospital) -> int:
    """Months before the first any department sent are left out of the table."""
    return next((i for i, m in enumerate(h.months) if m.departments), len(h.months))


@lines_of.register
def _(answer: ViolenceAnswer) -> list[str]:
    lines = [title(answer), ""]
    if answer.synthetic:
        lines = [f"{fmt.SYNTHETIC_MARK}.", *lines]
    lines += police_lines(answer.police)
    lines += ["", *hospital_lines(answer.hospital)]
    lines += ["", HOSPITAL_NOTE, ""]
    return lines + sources_footer(answer.sources, answer.as_of, answer.since)


@blocks_of.register
def _(answer: ViolenceAnswer) -> tuple[str, list[Block]]:
    police, h = answer.police, answer.hospital
    blocks: list[Block] = [header(title(answer)[:150])]
    if answer.synthetic:
        blocks.append(section(f":warning: *{fmt.SYNTHETIC_MARK}.*"))
    v = police.violence
    text = title(answer)
    if v.month is None:
        blocks.append(section(escape(v.note or "No police-recorded crime held.")))
    else:
        said = "\n".join(
            f"• {escape(crime_words.twelve_months(f))}" for f in police.figures.values()
        )
        blocks.append(section(f"*Police-recorded, 12 months to {month_label(v.month)}*\n{said}"))
        stopped = crime_words.not_published(v)
        if stopped:
            blocks.append(section(f":rotating_light: *{escape(stopped)}*"))
        if police.hotspots:
            rows = "\n".join(
                f"{i}. {escape(s.name)} ({escape(s.local_authority)}): {fmt.count(s.violence)}"
                f" ({p(s.share)})"
                + (f", {crime_words.change_words(s.change_percent)}" if s.change_percent is not None
                   else "")
                for i, s in enumerate(police.hotspots, start=1)
            )  # fmt: skip
            blocks.append(section(f"*Hotspots*\n{rows}"))
        if police.top_share is not None:
            blocks.append(
                context(
                    f"The top 5% of neighbourhoods ({police.top_count} of "
                    f"{fmt.count(police.neighbourhoods)}) hold {police.top_share:.1f}% of "
                    "violence placed in a neighbourhood."
                )
            )
        if police.authorities:
            rows = "\n".join(
                f"• {escape(a.local_authority)}: {fmt.count(a.violence)}"
                + (f", {crime_words.change_words(a.change_percent)}" if a.change_percent is not None
                   else "")
                + f"; robbery {fmt.count(a.robbery)}; weapons {fmt.count(a.weapons)}"
                for a in police.authorities[:20]
            )  # fmt: skip
            blocks.append(section(f"*By local authority*\n{rows}"[:2990]))
    if h is None:
        blocks.append(section(escape(hospital_lines(None)[0])))
    else:
        lines = [
            f"Attendances: {n(h.last_12)} against {n(h.previous_12)}"
            + (
                f", {crime_words.change_words(h.change_percent)}"
                if h.change_percent is not None
                else ""
            ),
            f"Knife or sharp object: {knife_against(h)}",
        ]
        if h.peak is not None:
            lines.append(f"When: {h.peak.what}: {p(h.peak.share) or n(h.peak.attendances)}")
        top = [f"{c.what} ({n(c.attendances)})" for c in h.places[:5]]
        if top:
            lines.append("Where: " + "; ".join(top))
        blocks.append(
            section(
                f"*Hospital assaults, 12 months to {month_label(h.month)}*\n"
                + "\n".join(f"• {escape(line)}" for line in lines)
            )
        )
        for gap in h.gaps:
            blocks.append(
                section(
                    f":warning: *Data gap: {escape(gap.department)} sent nothing for "
                    f"{escape(crime_words.month_runs(gap.months))}.*"
                )
            )
        deps = "\n".join(
            f"• {escape(d.department)}: {n(d.attendances)}, knife {n(d.knife)}"
            + (f" ({p(d.knife_share)})" if d.knife_share is not None else "")
            for d in h.departments[:20]
        )
        if deps:
            blocks.append(section(f"*By department*\n{deps}"[:2990]))
    blocks.append(context(escape(HOSPITAL_NOTE)))
    blocks += sources_context(answer.sources, answer.as_of, answer.since)
    return text, blocks


def summary_lines(answer: ViolenceAnswer) -> list[str]:
    """The Home tab's short section: police violence over 12 months like for like, hospital
    attendances (suppressed as everywhere), the knife share, and each department's data gap."""
    v, h = answer.police.violence, answer.hospital
    lines = []
    if v.month is None:
        lines.append(v.note or "No police-recorded crime held.")
    else:
        lines.append(f"Police: {crime_words.twelve_months(v)}")
    if h is None:
        lines.append(hospital_lines(None)[0])
    else:
        said = f"{n(h.last_12)} against {n(h.previous_12)}"
        if h.like_for_like:  # a department missing a month: compared only like for like
            said += f"; like for like: {n(h.last_both)} against {n(h.previous_both)}"
        if h.change_percent is not None:
            said += f", {crime_words.change_words(h.change_percent)}"
        lines.append(f"Hospital assault attendances, 12 months to {month_label(h.month)}: {said}")
        lines.append(f"By knife or sharp object: {knife_against(h)}")
        lines += [f"DATA GAP: {g.department} sent nothing for {crime_words.month_runs(g.months)}."
                  for g in h.gaps]  # fmt: skip
    return lines


def summary_blocks(answer: ViolenceAnswer) -> tuple[str, list[Block]]:
    lines = summary_lines(answer)
    blocks = [
        header("Violence: police and hospital"),
        section("\n".join(f"• {escape(line)}" for line in lines)),
        context(escape("Hospital counts of 1 to 4 are shown as \"fewer than 5\". /violence for "
                       "hotspots, areas, months, departments, when and where.")),
        *sources_context(answer.sources, answer.as_of, answer.since),
    ]  # fmt: skip
    return "Violence: " + " ".join(lines), blocks
