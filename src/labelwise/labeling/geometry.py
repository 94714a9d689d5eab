"""Checks for image regions, whose coordinates LS stores as percentages of the image size (0..100)."""

from __future__ import annotations

import math
from typing import Any

from labelwise.labeling.region import Region

# Browsers round; LS results routinely land a hair past 100 (e.g. 100.00000000000001).
EPSILON = 1e-3


def in_percent(region: Region, field: str, number: float) -> None:
    if not -EPSILON <= number <= 100 + EPSILON:
        region.fail(field, f"must be between 0 and 100 (percent of the image), not {number:g}")


def rectangle(region: Region) -> None:
    x = _req(region, "x")
    y = _req(region, "y")
    width = _req(region, "width")
    height = _req(region, "height")
    rotation = region.number("rotation", required=False) or 0.0
    in_percent(region, "value.x", x)
    in_percent(region, "value.y", y)
    if width < 0:
        region.fail("value.width", f"must not be negative, not {width:g}")
    if height < 0:
        region.fail("value.height", f"must not be negative, not {height:g}")
    if rotation % 360 == 0:
        # A rotated box may legitimately reach past the edges, so only unrotated ones are bounded.
        if x + width > 100 + EPSILON:
            region.fail("value.width", f"x + width = {x + width:g} goes past the right edge (100)")
        if y + height > 100 + EPSILON:
            region.fail("value.height", f"y + height = {y + height:g} goes past the bottom edge (100)")


def ellipse(region: Region) -> None:
    in_percent(region, "value.x", _req(region, "x"))
    in_percent(region, "value.y", _req(region, "y"))
    for key in ("radiusX", "radiusY"):
        radius = _req(region, key)
        if radius < 0:
            region.fail(f"value.{key}", f"must not be negative, not {radius:g}")
    region.number("rotation", required=False)


def keypoint(region: Region) -> None:
    in_percent(region, "value.x", _req(region, "x"))
    in_percent(region, "value.y", _req(region, "y"))
    width = region.number("width", required=False)
    if width is not None and width < 0:
        region.fail("value.width", f"must not be negative, not {width:g}")


def polygon(region: Region) -> None:
    points = region.value.get("points")
    if not isinstance(points, list):
        region.fail("value.points", "must be a list of [x, y] pairs")
    region.boolean("closed")
    minimum = 1 if region.value.get("closed") is False else 3
    if len(points) < minimum:
        region.fail("value.points", f"needs at least {minimum} points, got {len(points)}")
    for position, point in enumerate(points):
        field = f"value.points[{position}]"
        if not isinstance(point, list | tuple) or len(point) != 2 or not all(_is_number(c) for c in point):
            region.fail(field, "must be an [x, y] pair of numbers")
        in_percent(region, field, float(point[0]))
        in_percent(region, field, float(point[1]))


def brush(region: Region) -> None:
    fmt = region.string("format")
    if fmt != "rle":
        region.fail("value.format", f"must be 'rle', not {fmt!r}")
    rle = region.value.get("rle")
    if not isinstance(rle, list):
        region.fail("value.rle", "must be a list of integers")
    for item in rle:
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item <= 255:
            region.fail("value.rle", "must be a list of integers between 0 and 255")


def video_sequence(region: Region) -> None:
    sequence = region.value.get("sequence")
    if not isinstance(sequence, list):
        region.fail("value.sequence", "must be a list of keyframes")
    for position, frame in enumerate(sequence):
        field = f"value.sequence[{position}]"
        if not isinstance(frame, dict):
            region.fail(field, "must be an object")
        number = frame.get("frame")
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            region.fail(f"{field}.frame", "must be a non-negative integer")
        for key in ("x", "y", "width", "height"):
            coordinate = frame.get(key)
            if not isinstance(coordinate, int | float) or not _is_number(coordinate):
                region.fail(f"{field}.{key}", "must be a number")
            in_percent(region, f"{field}.{key}", float(coordinate))


def _req(region: Region, key: str) -> float:
    number = region.number(key)
    assert number is not None
    return number


def _is_number(raw: Any) -> bool:
    return not isinstance(raw, bool) and isinstance(raw, int | float) and math.isfinite(raw)
