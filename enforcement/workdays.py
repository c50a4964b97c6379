"""Working days in the PRC calendar: weekends and public holidays off, make-up working days on.

Every deadline counted in working days goes through this module. The calendar is `chinesecalendar`, which
follows the State Council's yearly holiday notice. The notice for a year is published in its last weeks of the
year before; for a year the library does not know yet, we count weekends only and log that we did, so a
deadline is never silently wrong.
"""

import datetime
import logging

import chinese_calendar

logger = logging.getLogger(__name__)


def is_working_day(day: datetime.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        logger.warning("No PRC holiday data for %s; counting weekends only", day.year)
        return day.weekday() < 5


def add_working_days(start: datetime.date, count: int) -> datetime.date:
    """The date `count` working days after `start` (the day of the cause itself does not count)."""
    day = start
    remaining = count
    while remaining > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def roll_to_working_day(day: datetime.date) -> datetime.date:
    """A period whose last day is a rest day ends on the next working day (Civil Procedure Law, on periods)."""
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def period_end(start: datetime.date, days: int) -> datetime.date:
    """Last day of a period of `days` calendar days that starts the day after `start`."""
    return roll_to_working_day(start + datetime.timedelta(days=days))
