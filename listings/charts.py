"""Server-rendered SVG charts: no script, nothing fetched, readable with a screen reader through their title and
the table printed beside each. Labels are escaped; colours are SVG presentation attributes (no inline CSS, so
the strict content security policy holds).

Each takes the width of its drawing: the page draws every chart twice, 720 units wide for a laptop and 340 for
a phone (one shown by the stylesheet), so that text keeps its size instead of shrinking with the drawing."""

import math

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

WIDE, NARROW = 720, 340

PALETTE = ("#9b1c1c", "#2563eb", "#059669", "#d97706")


def _n(value: float) -> str:
    return f"{value:.1f}"


def _svg(width: int, height: int, title: str, body: str) -> SafeString:
    return mark_safe(  # noqa: S308 - every label below went through escape() or format_html()
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>{body}</svg>'
    )


def horizontal_bars(
    items: list[tuple[str, int]], *, title: str, colour: str = PALETTE[0], width: int = WIDE
) -> SafeString:
    """One bar per (label, value), in the order given; each label sits above its bar, so long names fit."""
    bar_height, line, gap = 18, 17, 10
    peak = max((value for _, value in items), default=0) or 1
    parts = []
    y = 6
    for label, value in items:
        lines = _wrap(label, width)
        length = int((width - 70) * value / peak)
        for n, text in enumerate(lines):
            parts.append(
                format_html('<text x="0" y="{}" font-size="13" fill="#374151">{}</text>', y + 13 + n * line, text)
            )
        top = y + 5 + len(lines) * line
        parts.append(
            format_html(
                '<rect x="0" y="{}" width="{}" height="{}" fill="{}" rx="2"></rect>'
                '<text x="{}" y="{}" font-size="13" fill="#111827">{}</text>',
                top,
                max(length, 1),
                bar_height,
                colour,
                length + 6,
                top + bar_height - 4,
                value,
            )
        )
        y = top + bar_height + gap
    return _svg(width, max(y, 1), title, "".join(parts))


def _wrap(label: str, width: int) -> list[str]:
    """A label in lines that fit the drawing at 13 units a text: a CJK character is about 13 units wide, other
    characters about 7.5; Latin text breaks between words."""

    def units(text: str) -> float:
        return sum(13 if ord(ch) > 0x2E80 else 7.5 for ch in text)

    lines, current = [], ""
    for word in label.replace(" ", " \0").split("\0"):
        pieces = [word] if units(word) <= width else list(word)  # a CJK run breaks anywhere
        for piece in pieces:
            if current and units(current + piece) > width:
                lines.append(current.rstrip())
                current = ""
            current += piece
    return [*lines, current.rstrip()] if current.strip() else lines or [""]


def monthly_columns(
    months: list[str], series: list[tuple[str, list[int]]], *, title: str, width: int = WIDE
) -> SafeString:
    """Side-by-side columns per month, one colour per series, with a legend. Where the months are too close
    for every label (a narrow drawing), every second or third month is labelled."""
    height, left, bottom, top = 280, 40, 40, 30
    plot_width, plot_height = width - left - 10, height - bottom - top
    peak = max((v for _, values in series for v in values), default=0) or 1
    slot = plot_width / max(1, len(months))
    column = (slot - 8) / max(1, len(series))
    label_every = max(1, math.ceil(52 / slot))
    parts = [
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#9ca3af"></line>',
            left,
            top + plot_height,
            width - 10,
            top + plot_height,
        )
    ]
    legend_gap = min(150, (width - left) // max(1, len(series)))
    for s, (name, values) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        parts.append(
            format_html(
                '<rect x="{}" y="6" width="12" height="12" fill="{}"></rect>'
                '<text x="{}" y="16" font-size="12" fill="#374151">{}</text>',
                left + s * legend_gap,
                colour,
                left + s * legend_gap + 16,
                name,
            )
        )
        for m, value in enumerate(values):
            bar = plot_height * value / peak
            x = left + m * slot + 4 + s * column
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
                    _n(x),
                    _n(top + plot_height - bar),
                    _n(max(column - 2, 1)),
                    _n(bar),
                    colour,
                    name,
                    value,
                )
            )
    for m, label in enumerate(months):
        if (len(months) - 1 - m) % label_every:
            continue  # the latest month is always labelled
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#374151">{}</text>',
                _n(left + m * slot + slot / 2),
                height - bottom + 16,
                label,
            )
        )
    return _svg(width, height, title, "".join(parts))


def share_bar(share: float, *, title: str, label: str, width: int = WIDE) -> SafeString:
    """A single bar filled to `share` percent."""
    height = 56
    filled = int((width - 4) * max(0.0, min(share, 100.0)) / 100)
    body = format_html(
        '<rect x="2" y="8" width="{}" height="26" fill="#e5e7eb" rx="3"></rect>'
        '<rect x="2" y="8" width="{}" height="26" fill="{}" rx="3"></rect>'
        '<text x="8" y="52" font-size="13" fill="#111827">{}</text>',
        width - 4,
        filled,
        PALETTE[2],
        label,
    )
    return _svg(width, height, title, body)
