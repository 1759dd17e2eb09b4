"""The one clock: Europe/London wall time, system or fixed (OVERSIGHT_NOW)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from oversight.clock import LONDON, Clock

BST = timedelta(hours=1)
GMT = timedelta(0)


def test_a_bare_date_means_nine_in_the_morning_in_london_summer_time() -> None:
    clock = Clock.parse("2020-06-30")
    now = clock.now()
    assert (now.year, now.month, now.day, now.hour, now.minute) == (2020, 6, 30, 9, 0)
    assert now.tzinfo is LONDON
    assert now.utcoffset() == BST
    assert now.astimezone(UTC) == datetime(2020, 6, 30, 8, 0, tzinfo=UTC)
    assert clock.today() == date(2020, 6, 30)


def test_a_bare_date_in_winter_is_greenwich_mean_time() -> None:
    now = Clock.parse("2020-01-15").now()
    assert now.utcoffset() == GMT
    assert now.astimezone(UTC) == datetime(2020, 1, 15, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["20200630", "2020-W27-2", "  2020-06-30\n"])
def test_every_iso_spelling_of_a_bare_date_means_nine_in_the_morning(text: str) -> None:
    assert Clock.parse(text).now() == datetime(2020, 6, 30, 9, 0, tzinfo=LONDON)


@pytest.mark.parametrize("text", ["2020-06-30T09:00", "2020-06-30 09:00", "2020-06-30T09:00:00"])
def test_a_date_time_without_an_offset_is_london_wall_time(text: str) -> None:
    now = Clock.parse(text).now()
    assert now.astimezone(UTC) == datetime(2020, 6, 30, 8, 0, tzinfo=UTC)


def test_midnight_given_explicitly_is_not_moved_to_nine() -> None:
    assert Clock.parse("2020-06-30T00:00").now().hour == 0


def test_a_date_time_with_an_offset_is_converted_to_london() -> None:
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST): "today" is 1 July.
    clock = Clock.parse("2020-06-30T23:30+00:00")
    assert clock.now().tzinfo is LONDON
    assert clock.now().hour == 0 and clock.now().minute == 30
    assert clock.today() == date(2020, 7, 1)
    # In winter London is on UTC: the same wall time stays on the same day.
    assert Clock.parse("2020-01-15T23:30Z").today() == date(2020, 1, 15)


def test_the_clocks_going_forward_and_back() -> None:
    # 29 March 2020: 01:00 GMT becomes 02:00 BST.
    assert Clock.parse("2020-03-29T00:30Z").now().utcoffset() == GMT
    spring = Clock.parse("2020-03-29T01:30Z").now()
    assert (spring.hour, spring.utcoffset()) == (2, BST)
    # 25 October 2020: 02:00 BST becomes 01:00 GMT, so 01:30 happens twice.
    first = Clock.parse("2020-10-25T00:30Z").now()
    second = Clock.parse("2020-10-25T01:30Z").now()
    assert (first.hour, first.minute, first.utcoffset()) == (1, 30, BST)
    assert (second.hour, second.minute, second.utcoffset()) == (1, 30, GMT)


def test_a_fixed_clock_does_not_move() -> None:
    clock = Clock.parse("2020-06-30T09:00")
    assert clock.now() == clock.now() == datetime(2020, 6, 30, 9, 0, tzinfo=LONDON)


def test_a_naive_fixed_instant_is_taken_as_london_time() -> None:
    clock = Clock(datetime(2020, 12, 1, 18, 0))
    assert clock.now().utcoffset() == GMT
    assert clock.now().astimezone(UTC) == datetime(2020, 12, 1, 18, 0, tzinfo=UTC)


def test_an_aware_fixed_instant_is_shown_in_london() -> None:
    clock = Clock(datetime(2020, 6, 30, 23, 30, tzinfo=UTC))
    assert clock.now().tzinfo is LONDON
    assert clock.today() == date(2020, 7, 1)


def test_the_system_clock_is_london_time() -> None:
    clock = Clock()
    before = datetime.now(UTC)
    now = clock.now()
    after = datetime.now(UTC)
    assert now.tzinfo is LONDON
    assert now.utcoffset() in (GMT, BST)
    assert before <= now <= after
    assert clock.fixed is None


@pytest.mark.parametrize(
    "text", ["", "   ", "tomorrow", "30/06/2020", "2020-02-30", "2020-06-30T25:00", "2020-13-01"]
)
def test_what_is_not_an_iso_date_or_date_time_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Clock.parse(text)
