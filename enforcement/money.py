"""Amounts of money as people read them, one way on every page (staff and public): thousands grouped by commas
and two decimals; in Chinese, renminbi as 12,345.00 元, other currencies as HKD 12,345.00; in English,
CNY 12,345.00."""

from decimal import Decimal

from django.utils.translation import get_language


def format_money(value: Decimal | int | str | None, currency: str) -> str:
    if value is None or value == "":
        return ""
    amount = f"{Decimal(value):,.2f}"
    if (get_language() or "").startswith("zh") and currency == "CNY":
        return f"{amount} 元"
    return f"{currency} {amount}"
