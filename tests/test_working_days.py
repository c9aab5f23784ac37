"""Dutch working days for the five-working-day first-conversation deadline."""

from datetime import date, datetime, timezone

from handoff.case_queue import first_contact_due
from handoff.working_days import add_working_days, is_working_day, public_holidays


def test_holidays_of_2026():
    assert {date(2026, 4, 5), date(2026, 4, 6), date(2026, 4, 27), date(2026, 5, 14), date(2026, 5, 24), date(2026, 5, 25),
            date(2026, 12, 25), date(2026, 12, 26), date(2026, 1, 1)} == set(public_holidays(2026))


def test_kings_day_on_a_sunday_moves_to_saturday_and_liberation_day_counts_in_lustrum_years():
    assert date(2025, 4, 26) in public_holidays(2025)
    assert date(2025, 5, 5) in public_holidays(2025)
    assert date(2026, 5, 5) not in public_holidays(2026)


def test_five_working_days_skip_weekends_and_christmas():
    friday = datetime(2026, 12, 18, 16, 0)
    assert add_working_days(friday, 5).date() == date(2026, 12, 28)
    assert not is_working_day(date(2026, 12, 25))


def test_deadline_is_counted_in_amsterdam_time():
    # 23:30 UTC on Thursday 2 July is already Friday in Amsterdam: five working days end on Friday 10 July.
    due = first_contact_due(datetime(2026, 7, 2, 23, 30, tzinfo=timezone.utc))
    assert due.astimezone(timezone.utc).date() == date(2026, 7, 10)
