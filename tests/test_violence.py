"""``/violence`` against a count made here, with the csv module, of the very files imported:
street-level files for two local authorities over 24 months and hospital extracts from three
departments (one of which stops sending for two months, one with small monthly counts). Every
hospital figure shown is either the count itself or suppressed by the rule, and no suppressed
count can be worked out from the numbers shown beside it."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from oversight.figures.suppression import FEWER, WITHHELD, protect
from tests.support.cli import invoke, succeeded
from tests.support.violence import (
    AREAS,
    DEPARTMENTS,
    GAP,
    ISTV_HEADER,
    LAST,
    MEANS,
    MONTHS,
    PLACES,
    PREVIOUS,
    TYPES,
    hospital_extracts,
    street_files,
)


def _knife(word: str) -> bool:
    return word in ("knife",)


def _hospital_count(paths: list[Path]) -> dict:
    """By month and department: attendances and knife; by place in the 12 months."""
    cells: Counter = Counter()
    knife: Counter = Counter()
    places: Counter = Counter()
    hours: Counter = Counter()  # (weekday, Monday 0; hour)
    for path in paths:
        with path.open(newline="", encoding="utf-8") as file:
            for row in csv.DictReader(file):
                month = row["Arrived At"][:7]
                cells[(month, row["Department"])] += 1
                knife[(month, row["Department"])] += _knife(row["Means"])
                if month in LAST:  # no incident time in these files: the arrival's
                    arrived = datetime.strptime(row["Arrived At"], "%Y-%m-%d %H:%M")
                    hours[(arrived.weekday(), arrived.hour)] += 1
                    place = " ".join(
                        "".join(ch if ch.isalnum() or ch.isspace() else " "
                                for ch in row["Incident Location"].lower()).split()
                    )  # fmt: skip
                    places[place or None] += 1
    return {"cells": cells, "knife": knife, "places": places, "hours": hours}


def _street_count(folder: Path) -> dict:
    by: Counter = Counter()  # (month, code, type)
    for path in folder.rglob("*-street.csv"):
        with path.open(newline="", encoding="utf-8") as file:
            for row in csv.DictReader(file):
                by[(row["Month"], row["LSOA code"], row["Crime type"])] += 1
    return by


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("violence")
    street_files(folder / "street")
    paths = hospital_extracts(folder)
    runner = CliRunner(env={"OVERSIGHT_DB": str(folder / "oversight.db"),
                            "OVERSIGHT_NOW": "2020-07-15T09:00"})  # fmt: skip
    succeeded(invoke(runner, "import", "crimes", str(folder / "street")))
    for path in paths:
        succeeded(invoke(runner, "import", "assaults", str(path)))
    answer = succeeded(invoke(runner, "ask", "--json", "--as-of", "2020-07-15", "/violence"))
    text = succeeded(invoke(runner, "ask", "--as-of", "2020-07-15", "/violence"))
    area = succeeded(invoke(runner, "ask", "--json", "--as-of", "2020-07-15",
                            "/violence area salford"))  # fmt: skip
    return {
        "json": json.loads(answer.stdout),
        "text": text.stdout,
        "area": json.loads(area.stdout),
        "street": _street_count(folder / "street"),
        "db": folder / "oversight.db",
        "hospital": _hospital_count(paths),
    }


def test_police_figures_are_those_of_the_files(profile):
    police, by = profile["json"]["police"], profile["street"]
    for crime_type in TYPES:
        figures = police["figures"][crime_type]
        assert figures["month"] == "2020-06"
        last = sum(n for (m, _, t), n in by.items() if t == crime_type and m in LAST)
        before = sum(n for (m, _, t), n in by.items() if t == crime_type and m in PREVIOUS)
        assert (figures["last_12"], figures["previous_12"]) == (last, before)
        assert f"{last:,} against {before:,}" in profile["text"]
    violence = Counter()
    for (m, code, t), n in by.items():
        if t == TYPES[0] and m in LAST:
            violence[code] += n
    whole = sum(violence.values())
    ranked = sorted(violence, key=lambda c: (-violence[c], c))[:10]
    names = dict(AREAS)
    assert [(h["code"], h["violence"], h["local_authority"]) for h in police["hotspots"]] == [
        (c, violence[c], names[c].split()[0]) for c in ranked
    ]
    for h in police["hotspots"]:
        assert h["share"] == round(violence[h["code"]] * 100 / whole, 1)
        assert f"{names[h['code']]}" in profile["text"]
    top = -(-len(violence) * 5 // 100)  # the top 5%, rounded up
    assert police["top_count"] == top
    assert police["top_share"] == round(sum(violence[c] for c in ranked[:top]) * 100 / whole, 1)
    for row in police["authorities"]:
        codes = [c for c, name in AREAS if name.startswith(row["local_authority"])]

        def total(t, window, codes=codes):
            return sum(n for (m, c, ty), n in by.items() if ty == t and c in codes and m in window)

        assert row["violence"] == total(TYPES[0], LAST)
        assert row["violence_before"] == total(TYPES[0], PREVIOUS)
        assert row["robbery"] == total(TYPES[1], LAST)
        assert row["weapons"] == total(TYPES[2], LAST)
    assert {r["local_authority"] for r in police["authorities"]} == {"Manchester", "Salford"}
    salford = profile["area"]["police"]
    assert [r["local_authority"] for r in salford["authorities"]] == ["Salford"]
    assert salford["figures"][TYPES[0]]["last_12"] == sum(
        n for (m, c, t), n in by.items() if t == TYPES[0] and m in LAST and c > "E01000008"
    )


def _expected(value: int) -> object:
    return FEWER if 1 <= value <= 4 else value


def _agrees(shown, value: int) -> bool:
    """A figure shown is the count, or "fewer than 5" for 1 to 4, or withheld."""
    if shown == WITHHELD:
        return True
    return shown == _expected(value)


def _solutions(parts: list, total) -> list[tuple[int, ...]]:
    """Every assignment of the hidden parts consistent with what is shown (the test's own
    search: small ones 1 to 4, withheld ones 5 or more)."""
    if not isinstance(total, int):
        return []
    hidden = [i for i, v in enumerate(parts) if not isinstance(v, int)]
    rest = total - sum(v for v in parts if isinstance(v, int))
    ranges = [range(1, 5) if parts[i] == FEWER else range(5, rest + 1) for i in hidden]
    return [s for s in itertools.product(*ranges) if sum(s) == rest]


def _not_recoverable(parts: list, total) -> None:
    solutions = _solutions(parts, total)
    hidden = [i for i, v in enumerate(parts) if not isinstance(v, int)]
    if not isinstance(total, int) or not hidden:
        return
    for k, i in enumerate(hidden):
        if parts[i] == FEWER:
            assert {s[k] for s in solutions} == {1, 2, 3, 4}, (parts, total)


def test_hospital_figures_are_those_of_the_files_suppressed(profile):
    h, count = profile["json"]["hospital"], profile["hospital"]
    cells, knife = count["cells"], count["knife"]

    def total(window, counter=cells):
        return sum(n for (m, _), n in counter.items() if m in window)

    assert h["month"] == "2020-06"
    assert _agrees(h["last_12"], total(LAST)) and _agrees(h["previous_12"], total(PREVIOUS))
    assert h["last_12"] == total(LAST)  # large enough to be shown
    assert h["knife_last_12"] == total(LAST, knife)
    assert h["knife_share"] == round(total(LAST, knife) * 100 / total(LAST), 1)
    assert f"Attendances: {total(LAST):,} against {total(PREVIOUS):,}" in profile["text"]
    for row in h["months"]:
        m = row["month"]
        n = sum(v for (mm, _), v in cells.items() if mm == m)
        assert _agrees(row["attendances"], n)
        assert row["departments"] == len({d for (mm, d), v in cells.items() if mm == m and v})
    # Salford Royal's two silent months are a gap, named.
    assert [(g["department"], g["months"]) for g in h["gaps"]] == [("Salford Royal", list(GAP))]
    assert "DATA GAP: Salford Royal sent nothing for February 2020 to March 2020" in profile["text"]
    # The small centre's counts are suppressed, and no suppressed one can be worked out.
    rows = {r["department"]: r for r in h["departments"]}
    small = sum(n for (m, d), n in cells.items() if d == DEPARTMENTS[2] and m in LAST)
    assert small == 3 and rows[DEPARTMENTS[2]]["attendances"] == FEWER
    assert WITHHELD in [r["attendances"] for r in h["departments"]]  # its complement
    for window in (LAST, PREVIOUS):
        values = [sum(v for (mm, _), v in cells.items() if mm == m) for m in window]
        parts, shown_total = protect(values)
        assert [r["attendances"] for r in h["months"] if r["month"] in window] == parts
        _not_recoverable(parts, shown_total)

    # Each department's own figures, against the count (or suppressed as the rule allows).
    def of(d, window, counter=cells):
        return sum(n for (m, dd), n in counter.items() if dd == d and m in window)

    for d, row in rows.items():
        assert _agrees(row["attendances"], of(d, LAST)), d
        assert _agrees(row["knife"], of(d, LAST, knife)), d
        assert _agrees(row["knife_before"], of(d, PREVIOUS, knife)), d
        assert row["months_sent"] == sum(1 for m in LAST if cells[(m, d)]), d
    assert rows[DEPARTMENTS[0]]["attendances"] == of(DEPARTMENTS[0], LAST)  # shown whole
    # The hours of the week, against the arrivals counted here.
    for day, by_hour in enumerate(h["grid"]):
        for hour, shown in enumerate(by_hour):
            assert _agrees(shown, count["hours"][(day, hour)]), (day, hour)
    parts = [r["attendances"] for r in h["departments"]]
    _not_recoverable(parts, h["last_12"])
    parts = [r["knife"] for r in h["departments"]]
    _not_recoverable(parts, h["knife_last_12"])
    places = [p["attendances"] for p in h["places"]]
    _not_recoverable(places, h["last_12"])
    by_place = {p["what"]: p["attendances"] for p in h["places"]}
    for place, n in count["places"].items():
        if place in by_place:
            assert _agrees(by_place[place], n), place
    assert by_place["piccadilly gardens"] == count["places"]["piccadilly gardens"]
    # The JSON never holds a count from 1 to 4 of hospital data.
    small_ints = [v for v in _hospital_numbers(h) if isinstance(v, int) and 1 <= v <= 4]
    assert small_ints == [], small_ints


def _hospital_numbers(h: dict) -> list:
    out = [h["last_12"], h["previous_12"], h["knife_last_12"], h["knife_previous_12"]]
    for row in h["months"]:
        out += [row["attendances"], row["knife"]]
    for row in h["departments"]:
        out += [row["attendances"], row["knife"], row["knife_before"]]
    out += [p["attendances"] for p in h["places"]] + [c["attendances"] for c in h["hours"]]
    return out + [c for day in h["grid"] for c in day]


@pytest.mark.parametrize(
    "values",
    [[1, 30, 40], [3, 5, 6, 50], [2, 2, 100], [4, 0, 0, 9], [1, 1], [4, 4, 4], [1, 5, 7, 200]],
)
def test_no_suppressed_count_can_be_worked_out_from_its_total(values):
    parts, total = protect(values)
    for shown, value in zip(parts, values, strict=True):
        assert shown == value or shown in (FEWER, WITHHELD)
        if 1 <= value <= 4:
            assert shown == FEWER
    _not_recoverable(parts, total)


def test_bad_words_get_one_sentence(runner: CliRunner):
    result = invoke(runner, "ask", "/violence force")
    assert result.exit_code == 2 and "force" in result.stderr and "Traceback" not in (result.stderr)


def test_the_trend_draws_a_month_a_department_did_not_send_as_a_gap_not_a_fall(profile):
    from oversight.answers.violence import ViolenceOptions, violence_answer
    from oversight.render.violence_files import trend_series
    from oversight.store import open_store
    from tests.support.data import settings

    with open_store(profile["db"]) as store:
        answer = violence_answer(
            store, date(2020, 7, 15), ViolenceOptions(), datetime(2020, 7, 15, 9), settings()
        )
    trend = trend_series(answer)
    cells = profile["hospital"]["cells"]
    assert trend.months == MONTHS
    for month, value in zip(trend.months, trend.hospital, strict=True):
        count = sum(n for (m, _), n in cells.items() if m == month)
        # Salford Royal sent nothing: no point is drawn (not the other departments' count).
        assert value == (None if month in GAP else count), month
    first, last = MONTHS.index(GAP[0]), MONTHS.index(GAP[-1])
    assert trend.gaps == [(first, last, "Salford Royal sent nothing")]
    assert [trend.knife_share[i] for i in range(first, last + 1)] == [None, None]
    police = profile["street"]
    assert trend.police == [
        sum(n for (m, _, t), n in police.items() if m == month and t == TYPES[0])
        for month in MONTHS
    ]


def test_an_hour_with_no_assault_is_drawn_white_however_few_the_counts(tmp_path):
    """Seven attendances, each in an hour of its own: every hour shown holds none (the seven
    are fewer than 5, hatched). The grid's scale starts at 0, so those hours are white, not
    the scale's middle colour, as if they were busy."""
    from PIL import Image

    from oversight.answers.violence import ViolenceOptions, violence_answer
    from oversight.render.violence_files import hours_chart
    from oversight.store import open_store
    from tests.support.data import settings

    path, db = tmp_path / "june.csv", tmp_path / "oversight.db"
    rows = [[f"R-{k}", "Ward A", f"2020-06-0{1 + k} 0{k}:15", "", "home", "fist", "", ""]
            for k in range(7)]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([ISTV_HEADER, *rows])
    env = {"OVERSIGHT_DB": str(db), "OVERSIGHT_NOW": "2020-07-10T18:00"}
    args = ("import", "assaults", str(path), "--as-of", "2020-07-10")
    succeeded(invoke(CliRunner(), *args, env=env))
    with open_store(db) as store:
        answer = violence_answer(
            store, date(2020, 7, 15), ViolenceOptions(), datetime(2020, 7, 15, 9), settings()
        )
    assert {c for day in answer.hospital.grid for c in day} == {0, FEWER}
    picture = Image.open(io.BytesIO(hours_chart(answer))).convert("RGB")
    grid = picture.crop((0, 0, int(picture.width * 0.8), picture.height))  # not the scale
    data = grid.tobytes()  # RGB, a byte each
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    red = sum(1 for r, g, b in pixels if r > 180 and g < 170 and b < 160)
    assert red < grid.width * grid.height // 100, red


def test_the_map_moves_local_authority_names_apart_until_none_overlaps():
    from oversight.render.violence_files import _separate, new_figure

    fig, ax = new_figure(figsize=(4, 3))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    names = [ax.text(0.5, 0.5, la, ha="center", va="center", fontsize=14)
             for la in ("Manchester", "Salford", "Trafford")]  # fmt: skip
    renderer = fig.canvas.get_renderer()
    before = [t.get_window_extent(renderer) for t in names]
    assert before[0].overlaps(before[1])
    _separate(fig, names)
    after = [t.get_window_extent(renderer) for t in names]
    for a, b in itertools.combinations(after, 2):
        assert not a.overlaps(b)
    assert [round(b.x0) for b in after] == [round(b.x0) for b in before]  # moved up or down only


@pytest.mark.parametrize(("day", "stale"), [("2020-07-25", False), ("2020-07-26", True)])
def test_a_monthly_hospital_extract_is_stale_after_45_days_not_the_weekly_8(
    runner: CliRunner, tmp_path: Path, day: str, stale: bool
):
    path = tmp_path / "istv.csv"
    path.write_text(
        "attendance_ref,department,arrived_at,means\nA/1,Salford Royal,2020-05-30 23:10,fist\n",
        encoding="utf-8",
    )
    succeeded(invoke(runner, "import", "assaults", str(path), "--as-of", "2020-06-10"))
    shown = succeeded(invoke(runner, "ask", "--json", "--as-of", day, "/violence"))
    source = json.loads(shown.stdout)["sources"]["assaults"]
    assert (source["age_days"], source["stale"]) == (45 + stale, stale)
    text = succeeded(invoke(runner, "ask", "--as-of", day, "/violence")).stdout
    assert ("Stale: the latest hospital assault attendances extract" in text) == stale


def test_the_home_tab_has_a_short_violence_section_with_the_counts_of_the_files(profile):
    runner = CliRunner(env={"OVERSIGHT_DB": str(profile["db"]),
                            "OVERSIGHT_NOW": "2020-07-15T09:00"})  # fmt: skip
    home = json.loads(succeeded(invoke(runner, "ask", "--json", "/oversight home")).stdout)
    assert home["violence"] == profile["json"]  # the answer /violence gives, the same day
    text = succeeded(invoke(runner, "ask", "/oversight home")).stdout
    section = text[text.index("Violence: police and hospital") :].splitlines()
    police = profile["street"]
    last = sum(n for (m, _, t), n in police.items() if m in LAST and t == TYPES[0])
    before = sum(n for (m, _, t), n in police.items() if m in PREVIOUS and t == TYPES[0])
    assert section[1].startswith(
        f"Police: 12 months to June 2020 ({TYPES[0]}): {last:,} against {before:,}, "
    )
    cells, knife = profile["hospital"]["cells"], profile["hospital"]["knife"]
    h = home["violence"]["hospital"]

    def shown(value) -> str:
        return f"{value:,}" if isinstance(value, int) else value

    # Each hospital figure is the count of the files, or suppressed by the rule.
    year = sum(n for (m, _), n in cells.items() if m in LAST)
    knives = sum(n for (m, _), n in knife.items() if m in LAST)
    assert _agrees(h["last_12"], year) and _agrees(h["knife_last_12"], knives)
    assert section[2].startswith(
        f"Hospital assault attendances, 12 months to June 2020: {shown(h['last_12'])} against "
        f"{shown(h['previous_12'])}; like for like: "
    )
    share = f"{h['knife_share']:.1f}%" if h["knife_share"] is not None else "share not shown"
    assert section[3].startswith(f"By knife or sharp object: {shown(h['knife_last_12'])} ({share})")
    assert section[4] == (
        "DATA GAP: Salford Royal sent nothing for February 2020 to March 2020 (2 months)."
    )


def _hospital_json(runner: CliRunner, db: Path, as_of: str) -> dict:
    env = {"OVERSIGHT_DB": str(db), "OVERSIGHT_NOW": "2020-09-01T09:00"}
    result = invoke(runner, "ask", "--json", "--as-of", as_of, "/violence", env=env)
    return json.loads(succeeded(result).stdout)["hospital"]


def test_a_revised_hospital_extract_leaves_the_profile_known_before_it_as_it_was(tmp_path):
    """The counts each import keeps are versioned: June's profile, as known before a later
    extract moved some of June's attendances to another department and means, is what a store
    holding only the first extract gives; as known after, what one holding both gives."""
    first, second = tmp_path / "june.csv", tmp_path / "june-revised.csv"
    rows = [[f"R-{k}", DEPARTMENTS[k % 2], f"2020-06-{1 + k % 28:02d} 23:{k % 60:02d}", "",
             PLACES[k % 4], MEANS[k % 5], "18-24", "F"] for k in range(120)]  # fmt: skip
    revised = [[*r[:1], DEPARTMENTS[1], *r[2:5], "knife", *r[6:]] if i < 30 else r
               for i, r in enumerate(rows)]  # fmt: skip
    for path, body in ((first, rows), (second, revised)):
        with path.open("w", newline="", encoding="utf-8") as file:
            csv.writer(file).writerows([ISTV_HEADER, *body])
    both, alone = tmp_path / "both.db", tmp_path / "alone.db"
    runner = CliRunner()
    for db, files in ((both, [(first, "2020-07-10"), (second, "2020-08-10")]),
                      (alone, [(first, "2020-07-10")])):  # fmt: skip
        for path, taken in files:
            env = {"OVERSIGHT_DB": str(db), "OVERSIGHT_NOW": f"{taken}T18:00"}
            succeeded(invoke(runner, "import", "assaults", str(path), "--as-of", taken, env=env))
    then = _hospital_json(runner, both, "2020-07-31")
    assert then == _hospital_json(runner, alone, "2020-07-31")
    # No department sent in the year before June: no data then, not none (no rise from 0).
    assert then["previous_12"] is None and then["knife_previous_12"] is None
    env = {"OVERSIGHT_DB": str(alone), "OVERSIGHT_NOW": "2020-09-01T09:00"}
    text = succeeded(invoke(runner, "ask", "--as-of", "2020-07-31", "/violence", env=env)).stdout
    assert "  Attendances: 120 against no data\n" in text
    assert re.search(r"By knife or sharp object: \d+ \(\d+\.\d%\) against no data\n", text), text
    now = _hospital_json(runner, both, "2020-08-31")
    assert now != then
    # As known on 31 August: the revised file, counted here.
    knives = sum(1 for r in revised if r[5] == "knife")
    assert (now["last_12"], now["knife_last_12"]) == (120, knives)
    assert (then["last_12"], then["knife_last_12"]) == (120, sum(r[5] == "knife" for r in rows))


def test_a_total_withheld_by_one_breakdown_is_not_given_back_by_a_share():
    """Two departments of 3 and 4 attendances: their total (7) is withheld, lest it give both
    away; the busiest hours (5 of the 7) must not give it back as a share."""
    from oversight.answers.violence import hospital_shown
    from oversight.figures.assaults import HospitalCounts, months_to
    from oversight.render.violence import hospital_lines

    months = months_to("2020-06", 24)
    cells = {"2020-06": {"Ward A": (3, 0), "Ward B": (4, 0)}}
    hours = [[0] * 24 for _ in range(7)]
    hours[4][22], hours[4][23], hours[5][0] = 2, 2, 1  # Friday night: 5
    hours[1][10], hours[2][15] = 1, 1
    counts = HospitalCounts(date(2020, 7, 15), "2020-06", months, cells, ["Ward A", "Ward B"],
                            [], hours, Counter({"home": 7}))  # fmt: skip
    shown = hospital_shown(counts)
    assert shown.last_12 == WITHHELD
    assert shown.peak is None or shown.peak.share is None
    assert all(h.share is None for h in shown.hours)
    assert all(p.share is None for p in shown.places)
    # Said without the share, not with an empty one: "Friday 22:00–23:00: fewer than 5".
    said = hospital_lines(shown)
    assert not [line for line in said if "()" in line], said
    assert [line for line in said if line.endswith(": fewer than 5")]


def test_a_date_before_the_first_extract_says_when_the_first_was_taken(profile):
    runner = CliRunner(
        env={"OVERSIGHT_DB": str(profile["db"]), "OVERSIGHT_NOW": "2020-07-15T09:00"}
    )
    text = succeeded(invoke(runner, "ask", "--as-of", "2020-07-01", "/violence")).stdout
    assert (
        "No hospital assault attendances extract had been taken by 1 Jul 2020 (the latest was "
        "taken 15 Jul 2020: ask again with revised for what is known of that date now)."
    ) in text


def test_the_profile_workbook_holds_the_counts_and_no_small_hospital_number(profile, tmp_path):
    """The workbook the monthly post carries, read back cell by cell against the files."""
    from openpyxl import load_workbook

    runner = CliRunner(
        env={"OVERSIGHT_DB": str(profile["db"]), "OVERSIGHT_NOW": "2020-07-15T09:00"}
    )
    out = tmp_path / "out"
    succeeded(invoke(runner, "profile", "preview", "--as-of", "2020-07-15", "--out", str(out)))
    book = load_workbook(out / "violence-profile-2020-07.xlsx")
    street, count = profile["street"], profile["hospital"]
    areas = {row[0]: row for row in book["Areas"].iter_rows(min_row=2, values_only=True)}
    for la in ("Manchester", "Salford"):
        codes = {c for c, name in AREAS if name.startswith(la)}
        last = sum(
            n for (m, c, t), n in street.items() if c in codes and t == TYPES[0] and m in LAST
        )
        assert areas[la][1] == last, la
    months = {row[0]: row for row in book["Months"].iter_rows(min_row=2, values_only=True)}
    for m in MONTHS:
        n = sum(v for (mm, _), v in count["cells"].items() if mm == m)
        assert _agrees(months[m][1], n), m
    # The hospital counts (not the departments sending): numbers, and none from 1 to 4.
    for sheet, columns in (("Months", (1, 2)), ("Hospital locations", (1,))):
        cells = [row[i] for row in book[sheet].iter_rows(min_row=2, values_only=True)
                 for i in columns]  # fmt: skip
        assert [v for v in cells if isinstance(v, int) and 1 <= v <= 4] == [], sheet
        assert all(isinstance(v, int) or v in (FEWER, WITHHELD, "no data") for v in cells), sheet
