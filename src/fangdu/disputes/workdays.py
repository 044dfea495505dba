"""Working days in mainland China: weekends, public holidays and make-up working days (调休).

Holidays are data (``data/holidays_cn.json``, or a file of the same shape given as
``FANGDU_HOLIDAYS``), one State Council notice per year, each year listed under ``years`` with
the notice it was copied from. In a year the table does not list only weekends are known:
deadlines there are computed on weekends alone and marked provisional (``covers``), never
silently taken as final. A table that contradicts itself is refused when loaded.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]  # make-up working days on a weekend
    years: frozenset[int]

    @classmethod
    def load(cls, path: Path | None = None) -> Calendar:
        if path is None and os.environ.get("FANGDU_HOLIDAYS"):
            path = Path(os.environ["FANGDU_HOLIDAYS"])
        text = (
            path.read_text(encoding="utf-8")
            if path is not None
            else resources.files("fangdu.disputes")
            .joinpath("data/holidays_cn.json")
            .read_text(encoding="utf-8")
        )
        data = json.loads(text)
        holidays = frozenset(dt.date.fromisoformat(d) for d in data["holidays"])
        workdays = frozenset(dt.date.fromisoformat(d) for d in data["workdays"])
        years = frozenset(int(year) for year in data["years"])
        # A typo here moves a statutory deadline: refuse a table that cannot be right.
        for day in holidays | workdays:
            if day.year not in years:
                raise ValueError(f"holiday table: {day} is in a year with no notice listed")
        for day in workdays:
            if day.weekday() < 5 or day in holidays:
                raise ValueError(f"holiday table: make-up working day {day} is not a weekend day")
        return cls(holidays, workdays, years)

    def covers(self, day: dt.date) -> bool:
        """Whether the table holds ``day``'s year (else its deadlines are provisional)."""
        return day.year in self.years

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (the start day itself does not count,
        as 民事诉讼法 Art 85 counts periods from the next day)."""
        day, left = start, days
        while left > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def add_days(self, start: dt.date, days: int) -> dt.date:
        """A period in calendar days, counted from the next day; one that ends on a holiday
        ends on the next working day (民事诉讼法 Art 85 paras 2-3)."""
        day = start + dt.timedelta(days=days)
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day
