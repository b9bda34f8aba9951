"""Salesforce relative date literals (TODAY, LAST_N_DAYS:n, THIS_MONTH, ...) as date ranges.

Ranges are half-open [start, end) in whole days of the org's time zone, which the emulator fixes
to UTC. Weeks start on Sunday and fiscal periods equal calendar periods, Salesforce's defaults.
"""

from __future__ import annotations

import datetime as dt

_FIXED: dict[str, tuple[str, int]] = {
    "YESTERDAY": ("day", -1),
    "TODAY": ("day", 0),
    "TOMORROW": ("day", 1),
    "LAST_WEEK": ("week", -1),
    "THIS_WEEK": ("week", 0),
    "NEXT_WEEK": ("week", 1),
    "LAST_MONTH": ("month", -1),
    "THIS_MONTH": ("month", 0),
    "NEXT_MONTH": ("month", 1),
    "LAST_QUARTER": ("quarter", -1),
    "THIS_QUARTER": ("quarter", 0),
    "NEXT_QUARTER": ("quarter", 1),
    "LAST_FISCAL_QUARTER": ("quarter", -1),
    "THIS_FISCAL_QUARTER": ("quarter", 0),
    "NEXT_FISCAL_QUARTER": ("quarter", 1),
    "LAST_YEAR": ("year", -1),
    "THIS_YEAR": ("year", 0),
    "NEXT_YEAR": ("year", 1),
    "LAST_FISCAL_YEAR": ("year", -1),
    "THIS_FISCAL_YEAR": ("year", 0),
    "NEXT_FISCAL_YEAR": ("year", 1),
}

_UNIT_WORDS = {
    "DAYS": "day",
    "WEEKS": "week",
    "MONTHS": "month",
    "QUARTERS": "quarter",
    "FISCAL_QUARTERS": "quarter",
    "YEARS": "year",
    "FISCAL_YEARS": "year",
}
_PARAMETERISED: dict[str, tuple[str, str]] = {}
for _word, _unit in _UNIT_WORDS.items():
    _PARAMETERISED[f"LAST_N_{_word}"] = ("last", _unit)
    _PARAMETERISED[f"NEXT_N_{_word}"] = ("next", _unit)
    _PARAMETERISED[f"N_{_word}_AGO"] = ("ago", _unit)

_MONTHS_PER = {"month": 1, "quarter": 3, "year": 12}


def is_date_literal(name: str, *, has_n: bool) -> bool:
    """Whether `name` (upper case) is a date literal taking (has_n) or not taking an `:n`."""
    if has_n:
        return name in _PARAMETERISED
    return name in _FIXED or name in ("LAST_90_DAYS", "NEXT_90_DAYS")


def needs_n(name: str) -> bool:
    """Whether `name` (upper case) is a date literal that requires `:n`."""
    return name in _PARAMETERISED


def resolve_date_literal(name: str, n: int | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """The half-open day range [start, end) a date literal denotes on `today`."""
    if name == "LAST_90_DAYS":
        name, n = "LAST_N_DAYS", 90
    elif name == "NEXT_90_DAYS":
        name, n = "NEXT_N_DAYS", 90
    if name in _FIXED:
        unit, step = _FIXED[name]
        start = _shift(_period_start(today, unit), unit, step)
        return start, _shift(start, unit, 1)
    kind, unit = _PARAMETERISED[name]
    if n is None:
        raise ValueError(f"{name} needs a number")
    current = _period_start(today, unit)
    if kind == "ago":
        start = _shift(current, unit, -n)
        return start, _shift(start, unit, 1)
    if kind == "next":
        first = _shift(current, unit, 1)
        return first, _shift(first, unit, n)
    # LAST_N_DAYS includes today; the longer LAST_N_* periods stop before the current one.
    end = _shift(current, unit, 1) if unit == "day" else current
    return _shift(current, unit, -n), end


def _period_start(today: dt.date, unit: str) -> dt.date:
    if unit == "day":
        return today
    if unit == "week":
        return today - dt.timedelta(days=(today.weekday() + 1) % 7)
    if unit == "month":
        return today.replace(day=1)
    if unit == "quarter":
        return dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return dt.date(today.year, 1, 1)


def _shift(start: dt.date, unit: str, count: int) -> dt.date:
    if unit == "day":
        return start + dt.timedelta(days=count)
    if unit == "week":
        return start + dt.timedelta(weeks=count)
    months = start.year * 12 + (start.month - 1) + count * _MONTHS_PER[unit]
    return dt.date(months // 12, months % 12 + 1, 1)
