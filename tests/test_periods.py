"""Reporting periods (db.periods): 本月/本季度/本年/累计/自定义 and the periods they compare with (环比, 同比)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from db.periods import EPOCH, Period, period_of, previous_period, same_period_last_year

D = date


# --------------------------------------------------------------------------------------------- period_of


def test_month_runs_from_the_first_to_today():
    assert period_of("month", D(2025, 6, 20)) == Period(D(2025, 6, 1), D(2025, 6, 20), "month")


def test_month_on_its_first_day_is_one_day():
    assert period_of("month", D(2025, 6, 1)).days == 1


@pytest.mark.parametrize("today, first", [
    (D(2025, 1, 1), D(2025, 1, 1)), (D(2025, 3, 31), D(2025, 1, 1)), (D(2025, 4, 1), D(2025, 4, 1)),
    (D(2025, 8, 15), D(2025, 7, 1)), (D(2025, 12, 31), D(2025, 10, 1)),
])
def test_quarter_starts_on_the_first_day_of_its_quarter(today, first):
    assert period_of("quarter", today) == Period(first, today, "quarter")


def test_year_runs_from_first_january_to_today():
    assert period_of("year", D(2025, 6, 20)) == Period(D(2025, 1, 1), D(2025, 6, 20), "year")


def test_all_time_runs_from_the_epoch_to_today():
    period = period_of("all", D(2025, 6, 20))
    assert (period.start, period.end, period.kind) == (EPOCH, D(2025, 6, 20), "all")
    assert period.start <= D(2000, 1, 1)  # before any record an activity form accepts


def test_custom_period_takes_its_dates():
    assert period_of("custom", D(2025, 6, 20), D(2024, 3, 10), D(2024, 3, 20)) == \
        Period(D(2024, 3, 10), D(2024, 3, 20), "custom")


def test_custom_period_of_one_day_is_allowed():
    assert period_of("custom", D(2025, 6, 20), D(2024, 3, 10), D(2024, 3, 10)).days == 1


def test_custom_period_ending_before_it_starts_raises():
    with pytest.raises(ValueError, match="结束"):
        period_of("custom", D(2025, 6, 20), D(2024, 3, 20), D(2024, 3, 19))


@pytest.mark.parametrize("start, end", [(None, D(2024, 3, 1)), (D(2024, 3, 1), None)])
def test_custom_period_needs_both_dates(start, end):
    with pytest.raises(ValueError):
        period_of("custom", D(2025, 6, 20), start, end)


def test_period_bounds_cover_whole_days():
    period = Period(D(2025, 6, 1), D(2025, 6, 20))
    assert period.start_dt == datetime(2025, 6, 1, 0, 0)
    assert period.end_dt_exclusive == datetime(2025, 6, 21, 0, 0)
    assert period.days == 20


# ----------------------------------------------------------------------------------------- 环比 (previous)


def test_previous_of_january_is_december_of_the_previous_year():
    assert previous_period(period_of("month", D(2025, 1, 15))) == Period(D(2024, 12, 1), D(2024, 12, 15), "month")


def test_previous_of_a_complete_month_is_the_complete_previous_month():
    full_march = Period(D(2025, 3, 1), D(2025, 3, 31), "month")
    assert previous_period(full_march) == Period(D(2025, 2, 1), D(2025, 2, 28), "month")
    full_february = Period(D(2024, 2, 1), D(2024, 2, 29), "month")
    assert previous_period(full_february) == Period(D(2024, 1, 1), D(2024, 1, 31), "month")


def test_previous_of_month_to_date_clamps_to_the_shorter_month():
    # 1–30 March compares with all of February (which has no 30th).
    assert previous_period(period_of("month", D(2025, 3, 30))) == Period(D(2025, 2, 1), D(2025, 2, 28), "month")
    assert previous_period(period_of("month", D(2024, 3, 30))) == Period(D(2024, 2, 1), D(2024, 2, 29), "month")


def test_previous_of_month_to_date_keeps_the_day():
    assert previous_period(period_of("month", D(2025, 5, 10))) == Period(D(2025, 4, 1), D(2025, 4, 10), "month")


def test_previous_of_first_quarter_is_fourth_quarter_of_the_previous_year():
    assert previous_period(period_of("quarter", D(2025, 2, 10))) == \
        Period(D(2024, 10, 1), D(2024, 11, 10), "quarter")


def test_previous_of_a_complete_quarter_is_the_complete_previous_quarter():
    q2 = Period(D(2025, 4, 1), D(2025, 6, 30), "quarter")
    assert previous_period(q2) == Period(D(2025, 1, 1), D(2025, 3, 31), "quarter")


def test_previous_of_year_to_date_is_the_same_span_last_year():
    assert previous_period(period_of("year", D(2025, 6, 20))) == Period(D(2024, 1, 1), D(2024, 6, 20), "year")


def test_previous_of_a_custom_range_is_the_equally_long_range_just_before():
    custom = period_of("custom", D(2025, 6, 20), D(2024, 3, 10), D(2024, 3, 20))
    previous = previous_period(custom)
    assert previous == Period(D(2024, 2, 28), D(2024, 3, 9), "custom")
    assert previous.days == custom.days


def test_previous_of_a_custom_range_crossing_new_year():
    custom = period_of("custom", D(2025, 6, 20), D(2025, 1, 1), D(2025, 1, 10))
    assert previous_period(custom) == Period(D(2024, 12, 22), D(2024, 12, 31), "custom")


def test_all_time_has_no_previous_period():
    assert previous_period(period_of("all", D(2025, 6, 20))) is None


# ------------------------------------------------------------------------------------- 同比 (last year)


def test_same_month_last_year():
    assert same_period_last_year(period_of("month", D(2025, 6, 20))) == \
        Period(D(2024, 6, 1), D(2024, 6, 20), "month")


def test_leap_day_compares_with_28_february():
    assert same_period_last_year(period_of("month", D(2024, 2, 29))) == \
        Period(D(2023, 2, 1), D(2023, 2, 28), "month")
    assert same_period_last_year(period_of("year", D(2024, 2, 29))) == \
        Period(D(2023, 1, 1), D(2023, 2, 28), "year")


def test_complete_february_compares_with_complete_leap_february():
    assert same_period_last_year(Period(D(2025, 2, 1), D(2025, 2, 28), "month")) == \
        Period(D(2024, 2, 1), D(2024, 2, 29), "month")


def test_same_quarter_last_year():
    assert same_period_last_year(period_of("quarter", D(2025, 1, 31))) == \
        Period(D(2024, 1, 1), D(2024, 1, 31), "quarter")


def test_same_custom_range_last_year_keeps_its_days():
    custom = period_of("custom", D(2025, 6, 20), D(2024, 3, 10), D(2024, 3, 20))
    assert same_period_last_year(custom) == Period(D(2023, 3, 10), D(2023, 3, 20), "custom")


def test_same_custom_range_last_year_ending_on_a_leap_day():
    custom = period_of("custom", D(2025, 6, 20), D(2024, 2, 15), D(2024, 2, 29))
    assert same_period_last_year(custom) == Period(D(2023, 2, 15), D(2023, 2, 28), "custom")


def test_all_time_has_no_same_period_last_year():
    assert same_period_last_year(period_of("all", D(2025, 6, 20))) is None


def test_period_label_is_readable():
    assert Period(D(2025, 6, 1), D(2025, 6, 20)).label() == "2025-06-01 至 2025-06-20"
