"""The renderings of the alarms: a stale case extract, and an import that lost records."""

from __future__ import annotations

from oversight.answers.alarms import CrimeAlarm, IntegrityAlert, StaleAlarm
from oversight.figures.integrity import ALARMING
from oversight.render import crime_words
from oversight.render import words as fmt
from oversight.render.blocks import Block, blocks_of, context, escape, header, list_section, section
from oversight.render.text import lines_of


@lines_of.register
def _(answer: StaleAlarm) -> list[str]:
    if not answer.raised:
        return [
            f"The case extract is fresh ({fmt.source('cases', answer.source)}): no alarm "
            "would be posted."
        ]
    return [
        f"WARNING: {fmt.stale_warning('cases', answer.source)}",
        fmt.source("cases", answer.source),
        f"Figures may be out of date until a new case extract is imported (alarm after "
        f"{fmt.plural(answer.stale_after_days, 'day')}).",
    ]


def crime_alarm_text(alarm: CrimeAlarm) -> str:
    return f"{crime_words.stopped_publishing(alarm.force, alarm.stopped, alarm.as_of)}."


def crime_alarm_detail(alarm: CrimeAlarm) -> str:
    return (
        f"{crime_words.usual_lag(alarm.stopped)} (CRIME_PUBLICATION_LAG_MONTHS); "
        "/crime and /integrity say what is missing."
    )


@lines_of.register
def _(alarm: CrimeAlarm) -> list[str]:
    return [f"WARNING: {crime_alarm_text(alarm)}", crime_alarm_detail(alarm)]


@blocks_of.register
def _(alarm: CrimeAlarm) -> tuple[str, list[Block]]:
    text = crime_alarm_text(alarm)
    blocks = [
        section(f":rotating_light: *{escape(text)}*"),
        context(escape(crime_alarm_detail(alarm))),
    ]
    return text, blocks


@lines_of.register
def _(alert: IntegrityAlert) -> list[str]:
    source = alert.source
    as_of = f", as of {fmt.day(source.extract_as_of)}" if source.extract_as_of else ""
    lines = [
        f"ALERT: case import #{source.import_id} ({source.file_name}{as_of}) lost or changed "
        "records, imported " + fmt.moment(source.imported_at),
        "",
    ]
    lines += [f"  {kind}: {shown}" for kind, shown in fmt.finding_counts(alert.counts)]
    return [
        *lines,
        "",
        f"{fmt.count(source.missing_after)} records are missing from the extracts now; they are "
        "kept in the store and in every figure. Every finding: oversight integrity "
        f"--import {source.import_id} (and the CSV in the alert's thread).",
    ]


@blocks_of.register
def _(alarm: StaleAlarm) -> tuple[str, list[Block]]:
    text = f":warning: {fmt.stale_warning('cases', alarm.source)}"
    detail = fmt.source("cases", alarm.source)
    blocks = [
        section(f"*{text}*"),
        context(
            escape(detail),
            f"Figures may be out of date until a new case extract is imported "
            f"(alarm after {alarm.stale_after_days} days).",
        ),
    ]
    return text.removeprefix(":warning: "), blocks


@blocks_of.register
def _(alert: IntegrityAlert) -> tuple[str, list[Block]]:
    source = alert.source
    as_of = f" (as of {fmt.day(source.extract_as_of)})" if source.extract_as_of else ""
    lines = [
        f"• {':rotating_light: ' if kind in ALARMING else ''}*{kind}*: {shown}"
        for kind, shown in fmt.finding_counts(alert.counts)
    ]
    heading = f"*{escape(source.file_name)}*{as_of}, imported {fmt.moment(source.imported_at)}"
    blocks = [
        header(f"Records lost or changed by case import #{source.import_id}"),
        list_section(heading, lines),
        context(
            f"{fmt.count(source.missing_after)} records are missing from the extracts now; they "
            "are kept in the store and in every figure. Every finding is in the CSV in the "
            "thread; `/integrity` shows the trend."
        ),
    ]
    return escape(fmt.alert_brief(alert)), blocks
