"""Formatting for the public pages, in the reader's language."""

from decimal import Decimal

from django import template
from django.utils import formats
from django.utils.translation import get_language

from enforcement.models import Party, Province

register = template.Library()


def _chinese() -> bool:
    return (get_language() or "").startswith("zh")


@register.filter
def money(value: Decimal, currency: str) -> str:
    """12,345.00 元 in Chinese for renminbi, CNY 12,345.00 in English; grouping as the language writes it."""
    amount = formats.number_format(value, 2, use_l10n=True, force_grouping=True)
    if _chinese() and currency == "CNY":
        return f"{amount} 元"
    return f"{currency} {amount}"


@register.filter
def court_label(entry) -> str:
    return entry.court_name_en if not _chinese() and entry.court_name_en else entry.court_name


@register.filter
def province_label(code: str) -> str:
    return str(Province(code).label) if code in Province.values else ""


@register.filter
def sex_label(code: str) -> str:
    return str(Party.Sex(code).label) if code in Party.Sex.values else ""


@register.filter
def kind_label(code: str) -> str:
    return str(Party.Kind(code).label) if code in Party.Kind.values else ""
