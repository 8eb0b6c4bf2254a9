"""kcli's text conventions: ``tabout`` tables, en-locale numbers, chrono timestamps.

``tabout::tabulate_output`` (wezterm repo) pads every column to its widest cell,
header included, measured in terminal display columns; one space separates columns;
left-aligned cells are padded on the right even in the last column (so lines may end
in spaces); a row with fewer cells than columns simply stops early (REFERENCE 2.4).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

Align = Literal["left", "right"]

_VS16 = "\ufe0f"  # emoji presentation selector: widens the character before it


def display_width(text: str) -> int:
    """Terminal columns taken by ``text``, as termwiz's ``unicode_column_width`` counts.

    East Asian Wide/Fullwidth characters take 2; combining marks, format characters
    (ZWJ) and variation selectors take 0; a character followed by U+FE0F is shown as
    an emoji and takes 2 (``🗑️`` is U+1F5D1 U+FE0F: 2 columns, like ``🛑``).
    """
    width = 0
    previous_width = 0
    for ch in text:
        if ch == _VS16:
            if previous_width == 1:
                width += 1
                previous_width = 2
            continue
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        previous_width = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        width += previous_width
    return width


def _pad(text: str, width: int, align: Align) -> str:
    gap = " " * max(width - display_width(text), 0)
    return gap + text if align == "right" else text + gap


def tabout(headers: Sequence[str], rows: Sequence[Sequence[str]], aligns: Sequence[Align]) -> str:
    """Render a table byte for byte as ``tabout::tabulate_output`` does.

    ``aligns`` gives one alignment per header; cells beyond the headers are
    left-aligned, as in tabout.  Every line, the header included, ends in ``\\n``.
    """
    widths = [display_width(header) for header in headers]
    for row in rows:
        for index, cell in enumerate(row):
            if index < len(widths):
                widths[index] = max(widths[index], display_width(cell))
            else:
                widths.append(display_width(cell))
    lines = [" ".join(_pad(h, widths[i], aligns[i]) for i, h in enumerate(headers))]
    for row in rows:
        cells = [
            _pad(cell, widths[i], aligns[i] if i < len(aligns) else "left")
            for i, cell in enumerate(row)
        ]
        lines.append(" ".join(cells))
    return "".join(line + "\n" for line in lines)


def format_count(value: int) -> str:
    """An integer with en-locale thousands separators, as ``num_format`` writes it."""
    return f"{value:,}"


def chrono_display(moment: datetime) -> str:
    """chrono's ``DateTime<Utc>`` Display: ``2026-08-04 11:58:00.500 UTC``.

    The fraction is left out when zero, else written with 3, 6 (or, in chrono, 9)
    digits: the shortest of those that is exact.  Python keeps microseconds, so a
    nanosecond timestamp shows 6 digits where kcli would show 9.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    micros = moment.microsecond
    if micros and micros % 1000 == 0:
        text += f".{micros // 1000:03d}"
    elif micros:
        text += f".{micros:06d}"
    return text + " UTC"
