"""Formatting for the public pages, in the reader's language."""

from decimal import Decimal

from django import template
from django.utils.translation import get_language

from enforcement.models import Party, Province
from enforcement.money import format_money

register = template.Library()


def _chinese() -> bool:
    return (get_language() or "").startswith("zh")


@register.filter
def money(value: Decimal, currency: str) -> str:
    """12,345.00 元 in Chinese for renminbi, CNY 12,345.00 in English (`enforcement.money`)."""
    return format_money(value, currency)


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


@register.simple_tag(takes_context=True)
def language_next(context) -> str:
    """Where the language switch returns to: this page, with its query but never an ID number in it."""
    request = context["request"]
    query = request.GET.copy()
    query.pop("id_number", None)
    return f"{request.path}?{query.urlencode()}" if query else request.path
