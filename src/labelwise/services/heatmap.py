"""A heatmap as SVG written on the server (the agreement page's annotator x annotator matrix), no library.

In the style of `services/charts.py`: every text is escaped, colours come from CSS classes (`heat-0` ..
`heat-10`, one per tenth, and `heat-none` for a pair with nothing in common, in `static/css/agreement.css`)
because the Content-Security-Policy allows no inline style, and the chart has a `<title>` and `aria-label`.
Each cell carries a `<title>` with both names, its exact value and how many tasks it stands on, and
prints its value as a whole percentage when the cell is big enough to hold it.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

MAX_NAME = 24  # characters of a row or column name before it is cut with an ellipsis


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "\u2026"


def bucket(value: float | None) -> str:
    """The CSS class of a value from 0 to 1 (tenths, rounded down; 1 has its own)."""
    if value is None:
        return "heat-none"
    return f"heat-{max(0, min(10, int(value * 10 + 1e-9)))}"


def heatmap(
    names: Sequence[str],
    values: Sequence[Sequence[float | None]],
    counts: Sequence[Sequence[int]] | None = None,
    title: str = "Agreement between annotators",
    cell: int = 36,
) -> Markup:
    """A square matrix (rows and columns share `names`), values from 0 to 1 or None; `counts` per cell
    (tasks in common) go into the tooltips."""
    n = len(names)
    left = top = 12 + 7 * min(MAX_NAME, max((len(_short(x)) for x in names), default=1))
    width, height = left + cell * n + left, top + cell * n + 8  # room for the slanted column names
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for k, name in enumerate(names):
        y = top + cell * k + cell / 2 + 4
        parts.append(
            f'<text class="heat-label" x="{left - 6}" y="{y:.1f}" text-anchor="end">{escape(_short(name))}</text>'
        )
        x = left + cell * k + cell / 2
        parts.append(
            f'<text class="heat-label" x="{x:.1f}" y="{top - 6}" text-anchor="start" '
            f'transform="rotate(-45 {x:.1f} {top - 6})">{escape(_short(name))}</text>'
        )
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            x, y = left + cell * j, top + cell * i
            shared = counts[i][j] if counts is not None else None
            if i == j:
                tip = f"{names[i]}"
            elif value is None:
                tip = f"{names[i]} and {names[j]}: no task in common"
            else:
                tip = f"{names[i]} and {names[j]}: {100 * value:.1f}%"
                if shared is not None:
                    tip += f" on {shared} task{'s' if shared != 1 else ''}"
            css = "heat-self" if i == j else bucket(value)
            parts.append(
                f'<g class="heat-cell" data-row="{i}" data-col="{j}">'
                f'<rect class="{css}" x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}"/>'
                f"<title>{escape(tip)}</title>"
            )
            if i != j and value is not None and cell >= 28:
                parts.append(
                    f'<text class="heat-value{" heat-value-dark" if value >= 0.6 else ""}" '
                    f'x="{x + (cell - 2) / 2:.1f}" y="{y + cell / 2 + 3:.1f}" text-anchor="middle">'
                    f"{100 * value:.0f}</text>"
                )
            parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))
