"""The cell parsers: dates, yes/no, labels, periods and header names, as extracts write them."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from oversight.values import (
    DEADLINE_STATUSES,
    REVIEW_STATUSES,
    is_blank,
    normalise_name,
    parse_choice,
    parse_date,
    parse_period,
    parse_text,
    parse_workstream,
    parse_yes_no,
)

# Dates as people type them: a year of four digits (an extract never has year 0 or 10000).
dates = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))


def random_case(draw: st.DrawFn, word: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(c.upper() if flip else c.lower() for c, flip in zip(word, flips, strict=True))


# --- dates -----------------------------------------------------------------------------------


@given(dates)
def test_an_iso_date_round_trips(day):
    assert parse_date(day.isoformat()) == day


@given(dates, st.booleans())
def test_a_uk_date_round_trips_with_or_without_leading_zeros(day, padded):
    text = (
        f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
        if padded
        else f"{day.day}/{day.month}/{day.year:04d}"
    )
    assert parse_date(text) == day


@given(dates, st.sampled_from([" 00:00", "T00:00", " 00:00:00", "T00:00:00", " 00:00:00.000"]))
def test_a_midnight_time_after_a_date_is_allowed(day, midnight):
    # Spreadsheet exports often add a midnight time to what is only a date.
    assert parse_date(day.isoformat() + midnight) == day
    assert parse_date(day.strftime("%d/%m/") + f"{day.year:04d}{midnight}") == day


@given(dates, st.sampled_from([" 09:30", "T12:00", " 00:00:01", " 23:59:59"]))
def test_any_other_time_of_day_is_not_a_date(day, time_of_day):
    with pytest.raises(ValueError, match="is not a date"):
        parse_date(day.isoformat() + time_of_day)


@given(
    st.integers(min_value=1, max_value=9999),
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=0, max_value=99),
)
def test_a_day_that_does_not_exist_is_rejected_in_both_forms(year, month, day):
    try:
        date(year, month, day)
    except ValueError:
        pass
    else:
        assume(False)  # only impossible days here
    iso = f"{year:04d}-{month:02d}-{day:02d}"
    uk = f"{day:02d}/{month:02d}/{year:04d}"
    for text in (iso, uk):
        with pytest.raises(ValueError) as caught:
            parse_date(text)
        assert str(caught.value) == f'"{text}" is not a date'


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2019",
        "29/02/2019",  # 2019 is not a leap year
        "2019-02-29",
        "31/04/2020",
        "2019-13-01",
        "00/01/2019",
        "01/00/2019",
        "0000-01-01",
        "01/07/19",  # two-digit year: 1919 or 2019?
        "2019/07/01",
        "2019-7-1",
        "07-01-2019",
        "1 July 2019",
        "yesterday",
        "20190701",
        "2019-07-01x",
        "2019-07-01 00:00 extra",
        "",
        "   ",
    ],
)
def test_text_that_is_not_a_date_is_rejected_with_its_words(text):
    with pytest.raises(ValueError) as caught:
        parse_date(text)
    assert str(caught.value) == f'"{text.strip()}" is not a date'


def test_surrounding_spaces_are_ignored():
    assert parse_date("  01/07/2019 ") == date(2019, 7, 1)
    assert parse_date("\t2019-07-01\n") == date(2019, 7, 1)


def test_uk_order_is_day_first():
    # 02/03/2019 is the 2nd of March, never February the 3rd.
    assert parse_date("02/03/2019") == date(2019, 3, 2)
    assert parse_date("12/11/2019") == date(2019, 11, 12)


@given(dates)
def test_workbook_dates_and_midnight_datetimes_are_dates(day):
    assert parse_date(day) == day
    assert parse_date(datetime(day.year, day.month, day.day)) == day


def test_a_workbook_datetime_with_a_time_of_day_is_rejected():
    with pytest.raises(ValueError, match="has a time of day"):
        parse_date(datetime(2019, 7, 1, 14, 30))


def test_a_workbook_number_is_not_a_date():
    # An Excel serial number that lost its date format is not silently taken as a day.
    with pytest.raises(ValueError) as caught:
        parse_date(43647.0)
    assert str(caught.value) == '"43647.0" is not a date'


# --- yes / no --------------------------------------------------------------------------------


@st.composite
def yes_words(draw: st.DrawFn) -> str:
    return random_case(draw, draw(st.sampled_from(["yes", "y", "true", "1"])))


@st.composite
def no_words(draw: st.DrawFn) -> str:
    return random_case(draw, draw(st.sampled_from(["no", "n", "false", "0"])))


padding = st.sampled_from(["", " ", "  ", "\t"])


@given(yes_words(), padding, padding)
def test_yes_in_any_case_is_true(word, before, after):
    assert parse_yes_no(before + word + after) is True


@given(no_words(), padding, padding)
def test_no_in_any_case_is_false(word, before, after):
    assert parse_yes_no(before + word + after) is False


@pytest.mark.parametrize("blank", [None, "", " ", "\t", "  \n"])
def test_blank_is_unknown(blank):
    assert parse_yes_no(blank) is None


@pytest.mark.parametrize(
    ("cell", "expected"), [(True, True), (False, False), (1, True), (0, False), (1.0, True)]
)
def test_workbook_booleans_and_numbers(cell, expected):
    assert parse_yes_no(cell) is expected


@given(st.text(min_size=1, max_size=8))
def test_anything_else_is_not_yes_or_no(text):
    assume(text.strip().lower() not in {"yes", "y", "true", "1", "no", "n", "false", "0"})
    assume(text.strip())
    with pytest.raises(ValueError) as caught:
        parse_yes_no(text)
    assert str(caught.value) == f'"{text.strip()}" is not yes or no'


@pytest.mark.parametrize("text", ["yess", "nope", "2", "-1", "ja", "t", "f", "0.5"])
def test_near_misses_are_not_yes_or_no(text):
    with pytest.raises(ValueError, match="is not yes or no"):
        parse_yes_no(text)


# --- header names ----------------------------------------------------------------------------

words = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8), min_size=1)
separators = st.text(alphabet=" _-", min_size=1, max_size=3)


@given(st.data(), words)
def test_a_header_name_is_the_same_whatever_its_case_and_separators(data, parts):
    name = parts[0]
    for part in parts[1:]:
        name += data.draw(separators) + part
    name = random_case(data.draw, name)
    padded = data.draw(st.sampled_from(["", " ", "_", "-", "  "]))
    assert normalise_name(padded + name + padded) == "_".join(parts)


@pytest.mark.parametrize(
    "header",
    [
        "Incident Ref",
        "incident_ref",
        "INCIDENT-REF",
        "incident ref",
        " Incident  Ref ",
        "Incident_-_Ref",
        "incident\u00a0ref",  # a non-breaking space pasted from a web page
    ],
)
def test_header_variants_of_incident_ref(header):
    assert normalise_name(header) == "incident_ref"


def test_different_names_stay_different():
    assert normalise_name("recorded on") != normalise_name("reviewed on")
    assert normalise_name("incidentref") == "incidentref"


# --- labels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "workstream"),
    [
        ("Domestic abuse", "domestic_abuse"),
        ("domestic_abuse", "domestic_abuse"),
        ("DOMESTIC-ABUSE", "domestic_abuse"),
        ("DA", "domestic_abuse"),
        ("da", "domestic_abuse"),
        (" Da ", "domestic_abuse"),
        ("Child protection", "child_protection"),
        ("child-protection", "child_protection"),
        ("cp", "child_protection"),
        ("CP", "child_protection"),
    ],
)
def test_workstream_labels(label, workstream):
    assert parse_workstream(label) == workstream


@pytest.mark.parametrize("label", ["domestic", "abuse", "d a", "child", "burglary", "dacp"])
def test_unknown_workstreams_are_rejected_naming_the_choices(label):
    with pytest.raises(ValueError) as caught:
        parse_workstream(label)
    assert str(caught.value) == (
        f'"{label}" is not a workstream (domestic_abuse/DA or child_protection/CP)'
    )


@pytest.mark.parametrize(
    ("label", "status"),
    [
        ("In progress", "in_progress"),
        ("in-progress", "in_progress"),
        ("IN_PROGRESS", "in_progress"),
        ("Outstanding", "outstanding"),
        ("reviewed", "reviewed"),
        ("Not required", "not_required"),
    ],
)
def test_review_status_labels(label, status):
    assert parse_choice(label, REVIEW_STATUSES, "review status") == status


def test_an_unknown_choice_names_the_choices():
    with pytest.raises(ValueError) as caught:
        parse_choice("Finished", DEADLINE_STATUSES, "deadline status")
    assert str(caught.value) == '"Finished" is not a deadline status (open, done)'


# --- periods ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2019-Q3", "2019-Q3"),
        ("2019-q1", "2019-Q1"),
        (" 2020-Q4 ", "2020-Q4"),
        ("2019/20", "2019/20"),
        ("2099/00", "2099/00"),
        ("2019-07", "2019-07"),
        ("2019-12", "2019-12"),
    ],
)
def test_periods(text, period):
    assert parse_period(text) == period


@pytest.mark.parametrize(
    "text", ["2019-Q5", "2019-Q0", "2019-13", "2019-00", "2019-7", "Q3 2019", "2019", "19/20"]
)
def test_text_that_is_not_a_period(text):
    with pytest.raises(ValueError, match="is not a period"):
        parse_period(text)


@given(st.integers(min_value=1000, max_value=9999), st.integers(min_value=0, max_value=99))
def test_a_financial_year_must_be_two_following_years(start, end):
    text = f"{start}/{end:02d}"
    if (start + 1) % 100 == end:
        assert parse_period(text) == text
    else:
        with pytest.raises(ValueError, match="the years must follow each other"):
            parse_period(text)


# --- text ------------------------------------------------------------------------------------


def test_text_is_stripped_and_whole_workbook_numbers_lose_their_point():
    assert parse_text("  INC-1 ") == "INC-1"
    assert parse_text(12345.0) == "12345"
    assert parse_text(12345) == "12345"
    assert parse_text(1.5) == "1.5"


@pytest.mark.parametrize(
    ("value", "blank"), [(None, True), ("", True), (" \t", True), ("x", False)]
)
def test_is_blank(value, blank):
    assert is_blank(value) is blank


def test_zero_is_a_value_not_a_blank():
    assert is_blank(0) is False
    assert parse_yes_no(0) is False


@pytest.mark.parametrize("text", ["2019-Q3x", "x2019-Q3", "2019/201", "2019-071"])
def test_a_period_with_anything_around_it_is_not_a_period(text):
    with pytest.raises(ValueError, match="is not a period"):
        parse_period(text)
