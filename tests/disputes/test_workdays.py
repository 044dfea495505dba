"""Working days across Chinese public holidays and make-up working days, as data."""

from __future__ import annotations

import datetime as dt
import json

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


def _span(first: D, last: D) -> set[D]:
    return {first + dt.timedelta(days=n) for n in range((last - first).days + 1)}


def test_2026_is_the_state_council_notice_of_4_november_2025_day_for_day(calendar):
    # 国务院办公厅关于2026年部分节假日安排的通知, checked against the Xinhua text.
    off = (
        _span(D(2026, 1, 1), D(2026, 1, 3))
        | _span(D(2026, 2, 15), D(2026, 2, 23))
        | _span(D(2026, 4, 4), D(2026, 4, 6))
        | _span(D(2026, 5, 1), D(2026, 5, 5))
        | _span(D(2026, 6, 19), D(2026, 6, 21))
        | _span(D(2026, 9, 25), D(2026, 9, 27))
        | _span(D(2026, 10, 1), D(2026, 10, 7))
    )
    worked = {D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20),
              D(2026, 10, 10)}  # fmt: skip
    assert {d for d in calendar.holidays if d.year == 2026} == off
    assert {d for d in calendar.workdays if d.year == 2026} == worked


def test_2027_has_no_notice_in_the_table_so_its_deadlines_are_provisional(calendar):
    # No 2027 notice was available to copy: weekends only, flagged, until the table has it.
    assert not calendar.covers(D(2027, 2, 8))
    assert calendar.is_working_day(D(2027, 2, 8))


def test_a_year_is_added_from_a_file_and_a_self_contradicting_table_is_refused(tmp_path):
    table = tmp_path / "holidays.json"
    table.write_text(
        json.dumps(
            {
                "years": {"2027": {"notice": "a test notice"}},
                "holidays": {"2027-02-08": "春节"},
                "workdays": {"2027-02-20": "春节调休"},  # a Saturday
            }
        ),
        encoding="utf-8",
    )
    loaded = Calendar.load(table)
    assert loaded.covers(D(2027, 2, 8)) and not loaded.is_working_day(D(2027, 2, 8))
    assert loaded.is_working_day(D(2027, 2, 20))
    table.write_text(
        json.dumps({"years": {}, "holidays": {"2027-02-08": "春节"}, "workdays": {}}),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="no notice listed"):
        Calendar.load(table)
    table.write_text(
        json.dumps({"years": {"2027": {}}, "holidays": {}, "workdays": {"2027-02-22": "x"}}),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="not a weekend day"):  # a Monday
        Calendar.load(table)
