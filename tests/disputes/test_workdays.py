"""Working days across Chinese public holidays and make-up working days, as data."""

from __future__ import annotations

import datetime as dt

import pytest

from fangdu.disputes.workdays import Calendar

D = dt.date


@pytest.fixture(scope="module")
def calendar() -> Calendar:
    return Calendar.load()


def test_three_working_days_across_the_spring_festival(calendar):
    # Sat 14 Feb 2026 is a make-up working day; 15-23 Feb are the holiday.
    assert calendar.is_working_day(D(2026, 2, 14))
    assert not calendar.is_working_day(D(2026, 2, 16))
    assert calendar.add_working_days(D(2026, 2, 13), 3) == D(2026, 2, 25)


def test_three_working_days_across_national_day(calendar):
    # 1-7 Oct 2026 off; Sat 10 Oct is worked.
    assert calendar.add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert calendar.add_working_days(D(2026, 12, 4), 3) == D(2026, 12, 9)  # a weekend between


def test_a_period_ending_on_a_holiday_ends_on_the_next_working_day(calendar):
    # 30 days from 2 Sep 2026 is 2 Oct: the holiday; the next working day is 8 Oct.
    assert calendar.add_days(D(2026, 9, 2), 30) == D(2026, 10, 8)
    assert calendar.add_days(D(2026, 11, 2), 30) == D(2026, 12, 2)


def test_a_year_the_table_does_not_cover_counts_weekends_only_and_says_so(calendar):
    assert not calendar.covers(D(2031, 1, 6))
    assert calendar.add_working_days(D(2031, 1, 3), 3) == D(2031, 1, 8)  # Fri + 3: Wed
