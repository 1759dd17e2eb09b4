"""Reading an answer back out of what the user sees (Block Kit, or plain text): the numbers and
dates are read from the words, never rebuilt with the project's own formatting, and checked
against the JSON model ``oversight ask --json`` gives."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

# --- reading the answer back out of Block Kit -----------------------------------------------

_DATE = re.compile(r"\b(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* (\d{4})\b")
_TIME = re.compile(r"\b\d{2}:\d{2}\b")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def dates(text: str) -> list[date]:
    """Every date written like "30 Jun 2020" or "Tuesday 30 June 2020", in order."""
    return [datetime.strptime(f"{d} {m} {y}", "%d %b %Y").date() for d, m, y in _DATE.findall(text)]


def numbers(text: str, *ignore: str) -> list[float]:
    """Every number in ``text`` (thousands separators dropped), leaving out dates, times of day
    and the given strings (names that hold digits, such as "2019/20")."""
    for word in ignore:
        text = text.replace(word, " ")
    text = _TIME.sub(" ", _DATE.sub(" ", text))
    return [float(n.rstrip(",").replace(",", "")) for n in _NUMBER.findall(text)]


def block_texts(blocks: list[dict]) -> list[str]:
    """All the text a reader sees in the blocks, in order, with mrkdwn escapes undone."""
    texts = []
    for block in blocks:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts += [f["text"] for f in block.get("fields", [])]
        texts += [e["text"] for e in block.get("elements", []) if "text" in e]
    return [html.unescape(t) for t in texts]


def header_text(blocks: list[dict]) -> str:
    (text,) = [b["text"]["text"] for b in blocks if b["type"] == "header"]
    return html.unescape(text)


def sections(blocks: list[dict]) -> list[str]:
    return [
        html.unescape(b["text"]["text"]) for b in blocks if b["type"] == "section" and "text" in b
    ]


def section_starting(blocks: list[dict], start: str) -> str | None:
    found = [s for s in sections(blocks) if s.startswith(start)]
    assert len(found) <= 1, found
    return found[0] if found else None


def context_text(blocks: list[dict]) -> str:
    return " ".join(
        html.unescape(e["text"]) for b in blocks if b["type"] == "context" for e in b["elements"]
    )


def field_groups(blocks: list[dict]) -> dict[str, dict[str, str]]:
    """Section fields as {group: {label: value}}: a group is named by the bold one-line section
    before it ("*Domestic abuse*"); fields after a divider, or before any title, are group ""."""
    groups: dict[str, dict[str, str]] = {}
    title = ""
    for block in blocks:
        if block["type"] == "divider":
            title = ""
        elif block["type"] == "section" and "fields" in block:
            for field in block["fields"]:
                label, _, value = html.unescape(field["text"]).partition("\n")
                groups.setdefault(title, {})[label.strip("*")] = value
        elif block["type"] == "section":
            match = re.fullmatch(r"\*([^*\n]+)\*", block["text"]["text"])
            if match:
                title = match.group(1)
    return groups


def bullets(section: str) -> list[str]:
    """The lines of a listing section after its heading ("None" when empty)."""
    return section.split("\n")[1:]


def day(text: str | None) -> list[date]:
    return [date.fromisoformat(text)] if text else []


def local_day(moment: str) -> date:
    return datetime.fromisoformat(moment).astimezone(LONDON).date()


def assert_source(blocks: list[dict], model: dict) -> None:
    """The context line: as of when, and which extract (file, as-of date, import date)."""
    source = model["source"]
    text = context_text(blocks)
    as_of = date.fromisoformat(model["as_of"])
    assert source["file_name"] in text
    assert dates(text)[:3] == [
        as_of,
        *day(source["extract_as_of"]),
        local_day(source["imported_at"]),
    ]


WORKSTREAMS = {
    "domestic_abuse": "Domestic abuse",
    "child_protection": "Child protection",
    "all": "All workstreams",
}


def assert_backlog(message: dict, model: dict) -> None:
    blocks = message["blocks"]
    as_of = date.fromisoformat(model["as_of"])
    backlog, trend = model["backlog"], model["backlog"]["trend"]
    assert dates(header_text(blocks)) == [as_of]
    groups = field_groups(blocks)
    assert set(groups) == {WORKSTREAMS[w["workstream"]] for w in backlog["figures"]} | {""}
    for w in backlog["figures"]:
        shown = groups[WORKSTREAMS[w["workstream"]]]
        percent = [w["percent_reviewed"]] if w["percent_reviewed"] is not None else []
        ncrs = [w["ncrs_percent"], w["ncrs_compliant"], w["ncrs_answered"]]
        unknown = [w["referrals_unknown"]] if w["referrals_unknown"] else []
        assert numbers(shown["Outstanding"]) == [w["outstanding"]]
        assert numbers(shown["Reviewed"]) == [w["reviewed"], *percent]
        assert numbers(shown["Needing review"]) == [w["needing_review"]]
        assert numbers(shown["Recorded"]) == [w["recorded"]]
        assert numbers(shown["NCRS compliance"]) == (ncrs if w["ncrs_answered"] else [])
        assert numbers(shown["Referrals required"]) == [w["referrals_not_sent"], *unknown]
    shown = groups[""]
    last = trend["last_week"]
    assert numbers(shown["Last complete week"]) == ([last["completed"]] if last else [])
    assert dates(shown["Last complete week"]) == (day(last["week_start"]) if last else [])
    assert numbers(shown["Four-week mean"]) == [trend["four_week_mean"]]
    change = trend["change_over_week"]
    seven = shown["Outstanding over seven days"]
    moved = [abs(change)] if change else []
    assert numbers(seven) == [trend["outstanding"], *moved, trend["outstanding_week_before"]]
    assert ("down" if change < 0 else "up" if change > 0 else "no change") in seven
    assert dates(seven) == [as_of - timedelta(days=7)]
    projected = shown["Projected completion"]
    assert dates(projected) == day(trend["projected_completion"])
    if trend["projected_completion"]:
        assert numbers(projected) == [trend["four_week_mean"]]
    assert_source(blocks, model)
    if "text" in message:  # a Home tab has blocks only
        # The notification text (what a screen reader says first) leads with the outstanding.
        assert numbers(message["text"])[0] == trend["outstanding"]
        assert dates(message["text"])[:1] == [as_of]


def assert_return_line(line: str, item: dict, listed_as_overdue: bool) -> None:
    assert item["dataset"] in line and item["period"] in line, line
    assert dates(line) == [*day(item["due_on"]), *day(item["submitted_on"])], line
    overdue_days = [item["days_overdue"]] if listed_as_overdue and not item["submitted_on"] else []
    assert numbers(line, item["dataset"], item["period"]) == overdue_days, line
    assert item["status"] in line, line


def assert_returns(message: dict, model: dict) -> None:
    blocks = message["blocks"]
    status = model["returns"]
    assert dates(header_text(blocks)) == [date.fromisoformat(model["as_of"])]
    overdue = section_starting(blocks, ":rotating_light: *Overdue")
    assert numbers(overdue.split("\n")[0]) == [len(status["overdue"])]
    assert len(bullets(overdue)) == max(1, len(status["overdue"]))
    for line, item in zip(bullets(overdue), status["overdue"], strict=False):
        assert_return_line(line, item, listed_as_overdue=True)
    excluded = section_starting(blocks, "*Excluded from official statistics*")
    if status["excluded"]:
        assert len(bullets(excluded)) == len(status["excluded"])
        for line, item in zip(bullets(excluded), status["excluded"], strict=True):
            assert item["dataset"] in line and item["period"] in line
    else:
        assert excluded is None
    others = [r for r in status["returns"] if not r["overdue"]]
    listed = bullets(section_starting(blocks, "*Other returns*"))
    assert len(listed) == max(1, len(others))
    for line, item in zip(listed, others, strict=False):
        assert_return_line(line, item, listed_as_overdue=False)
    next_due = section_starting(blocks, "*Next due:*")
    nxt = status["next_due"]
    if nxt:
        assert nxt["dataset"] in next_due and nxt["period"] in next_due
        assert dates(next_due) == day(nxt["due_on"])
    else:
        assert next_due.endswith("none")
    assert_source(blocks, model)
    ignore = [nxt["dataset"], nxt["period"]] if nxt else []
    if "text" in message:
        overdue_and_excluded = [len(status["overdue"]), len(status["excluded"])]
        assert numbers(message["text"], *ignore) == overdue_and_excluded


def assert_deadline_line(line: str, item: dict) -> None:
    assert item["title"] in line, line
    if item["owner"]:
        assert item["owner"] in line, line
    assert dates(line) == day(item["due_on"]), line
    if item["overdue"]:
        # Working days overdue; plain days when it fell due at a weekend and none have passed.
        count = [-item["working_days_left"] or -item["days_left"]]
        assert "overdue" in line, line
    else:
        count = [item["working_days_left"]] if item["days_left"] else []
    assert numbers(line, item["title"], item["owner"] or "") == count, line


def assert_deadlines(message: dict, model: dict) -> None:
    blocks = message["blocks"]
    d = model["deadlines"]
    header = header_text(blocks)
    assert dates(header) == [date.fromisoformat(model["as_of"])]
    assert numbers(header) == [d["within_days"]]
    overdue = section_starting(blocks, ":rotating_light: *Overdue")
    assert numbers(overdue.split("\n")[0]) == [len(d["overdue"])]
    assert len(bullets(overdue)) == max(1, len(d["overdue"]))
    for line, item in zip(bullets(overdue), d["overdue"], strict=False):
        assert_deadline_line(line, item)
    upcoming = section_starting(blocks, "*Due in the next")
    assert numbers(upcoming.split("\n")[0]) == [d["within_days"], len(d["upcoming"])]
    assert len(bullets(upcoming)) == max(1, len(d["upcoming"]))
    for line, item in zip(bullets(upcoming), d["upcoming"], strict=False):
        assert_deadline_line(line, item)
    assert_source(blocks, model)
    if "text" in message:
        counts = [len(d["overdue"]), len(d["upcoming"]), d["within_days"]]
        assert numbers(message["text"]) == counts


TABLES = {
    "case_reviews": "Case reviews",
    "data_returns": "Data returns",
    "deadlines": "Deadlines",
    "crime_files": "Recorded crime, month files (one a force and month)",
    "requests": "Information requests",
    "assaults": "Hospital assault attendances",
    "imports": "Imports",
    "audit_log": "Audit log entries",
}


def assert_freshness(blocks: list[dict], sources: dict) -> None:
    """The "Data freshness" section: one line per kind, naming its latest extract."""
    freshness = bullets(section_starting(blocks, "*Data freshness*"))
    assert len(freshness) == len(sources)
    for line, source in zip(freshness, sources.values(), strict=True):
        if source is None:
            assert dates(line) == []
        else:
            assert source["file_name"] in line
            expected = [*day(source["extract_as_of"]), local_day(source["imported_at"])]
            assert dates(line) == expected
            assert ("Stale" in line) == source["stale"]


def assert_status(message: dict, model: dict) -> None:
    blocks = message["blocks"]
    shown = field_groups(blocks)[""]
    assert numbers(shown["Schema version"]) == [model["schema_version"]]
    assert {TABLES[t]: [n] for t, n in model["rows"].items()} == {
        label: numbers(value) for label, value in shown.items() if label != "Schema version"
    }
    assert_freshness(blocks, model["sources"])
    for kind in model["stale_kinds"]:
        assert kind in message["text"]
    if not model["stale_kinds"]:
        assert message["text"].endswith("none.")


def assert_help(message: dict, model: dict) -> None:
    shown = sections(message["blocks"])
    for command, usage in model["usage"].items():
        syntax, _, meaning = usage.partition(" — ")
        (section,) = [s for s in shown if s.startswith(f"`{syntax}`")]
        assert meaning in section
        for example in model["examples"][command]:
            assert f"`{example}`" in section


def assert_integrity(message: dict, model: dict) -> None:
    """``/integrity``: what the latest case import found, and the crime-data gaps."""
    blocks = message["blocks"]
    found = model["integrity"]
    assert dates(header_text(blocks)) == [date.fromisoformat(model["as_of"])]
    if found["latest"] is None:
        assert "No case extract" in " ".join(sections(blocks))
        return
    shown = field_groups(blocks)[""]
    assert numbers(shown["Missing from the latest extract"]) == [found["missing_now"]]
    assert numbers(shown["Findings of the latest import"]) == [found["total"]]
    assert found["latest"]["file_name"] in shown["Latest case extract"]
    imports = len(found["trend"])
    heading = "*The last case import*" if imports == 1 else f"*The last {imports} case imports*"
    trend = bullets(section_starting(blocks, heading))
    assert len(trend) == len(found["trend"])
    for line, item in zip(trend, found["trend"], strict=True):
        expected = [item["import_id"], item["vanished"], item["reappeared"], item["missing_after"]]
        assert numbers(line, item["file_name"]) == expected, line
    gaps = model["crime_gaps"]
    if gaps is not None:
        (heading,) = [s for s in sections(blocks) if s.startswith("*Gaps in recorded crime")]
        counted = numbers(heading.split("\n")[0], gaps["file_name"])
        assert counted == [gaps["import_id"], *gaps["counts"].values()]


def assert_crime(message: dict, model: dict) -> None:
    """``/crime``: the latest month, the same month a year before, and each crime type."""
    blocks = message["blocks"]
    c = model["crime"]
    shown = field_groups(blocks)[""]
    month = datetime.strptime(c["month"], "%Y-%m").strftime("%B %Y")
    assert month in header_text(blocks)
    assert numbers(shown[f"Crimes in {month}"]) == [c["crimes"]]
    before = datetime.strptime(c["year_before"], "%Y-%m").strftime("%B %Y")
    assert numbers(shown[before]) == [c["crimes_year_before"]]
    if c["crime_type"] is None:
        assert numbers(shown["Anti-social behaviour (not a crime)"]) == [c["asb"]]
        listed = bullets(section_starting(blocks, "*By type,"))
        assert len(listed) == len(c["by_type"])
        for line, item in zip(listed, c["by_type"], strict=True):
            assert line.startswith(f"• {item['crime_type']}:"), line
            change = [abs(item["change_percent"])] if item["change_percent"] else []
            assert numbers(line) == [item["crimes"], item["year_before"], *change], line
    else:
        assert c["crime_type"] in header_text(blocks)
    assert_source(blocks, model)


def home_parts(blocks: list[dict]) -> list[list[dict]]:
    """A Home tab's blocks cut before each header: the overview, then one part per answer."""
    parts: list[list[dict]] = []
    for block in blocks:
        if block["type"] == "header":
            parts.append([])
        parts[-1].append(block)
    return parts


def assert_violence_summary(message: dict, model: dict) -> None:
    """The Home tab's short violence section: police violence over 12 months and the hospital
    attendances and knife share of ``/violence`` (its JSON: counts as shown, suppressed)."""
    blocks = message["blocks"]
    assert header_text(blocks) == "Violence: police and hospital"
    (text,) = sections(blocks)
    lines = [line.removeprefix("• ") for line in text.split("\n")]
    v, h = model["police"]["violence"], model["hospital"]
    month = datetime.strptime(v["month"], "%Y-%m").strftime("%B %Y")
    assert lines[0].startswith(f"Police: 12 months to {month} (Violence and sexual offences): ")
    assert numbers(lines[0], f"12 months to {month}")[:2] == [v["last_12"], v["previous_12"]]
    hospital_month = datetime.strptime(h["month"], "%Y-%m").strftime("%B %Y")
    expected = [h["last_12"], h["previous_12"]]
    expected += [h["last_both"], h["previous_both"]] if h["like_for_like"] else []
    expected += [abs(h["change_percent"])] if h["change_percent"] else []
    assert numbers(lines[1], f"12 months to {hospital_month}") == expected, lines[1]
    assert numbers(lines[2]) == [
        h["knife_last_12"], h["knife_share"], h["knife_previous_12"], h["knife_share_before"]
    ]  # fmt: skip
    assert len(lines[3:]) == len(h["gaps"])
    for line, gap in zip(lines[3:], h["gaps"], strict=True):
        assert line.startswith(f"DATA GAP: {gap['department']} sent nothing for "), line
    assert "fewer than 5" in context_text(blocks)
