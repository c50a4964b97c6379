"""Figures are cut, never rounded up: a p95 of 10.006 ms is reported as 10.00, not 10.01, and a ratio of
1.1986 as 1.19. (Rounding to nearest could turn a miss into a pass in a table of targets.)"""

import math


def down(value: float, digits: int = 0) -> float:
    """`value` cut (towards minus infinity) to `digits` decimals."""
    scale = 10**digits
    return math.floor(value * scale + 1e-9) / scale


def fx(value: float, digits: int = 2) -> str:
    """`value` cut to `digits` decimals, with thousands separators."""
    return f"{down(value, digits):,.{digits}f}"


def pct(share: float) -> str:
    return fx(share * 100, 1) + "%"
