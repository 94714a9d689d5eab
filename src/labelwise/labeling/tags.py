"""The catalogue of tags a labeling config may use.

One table answers every "what is this tag" question the parser and the result validator ask: its kind, the
result types it writes, which child tag carries its options, which object types it can label and where it may
be placed. Keeping it declarative means adding a tag is one entry, not a hunt through the parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TagKind(StrEnum):
    LAYOUT = "layout"
    OBJECT = "object"
    CONTROL = "control"
    OPTION = "option"


TEXT_OBJECTS = frozenset({"text"})
SPAN_OBJECTS = frozenset({"text", "hypertext", "paragraphs"})
MEDIA_OBJECTS = frozenset({"audio", "audioplus", "video"})
IMAGE_OBJECTS = frozenset({"image"})


@dataclass(frozen=True)
class TagSpec:
    """How one tag behaves; `None` in `targets` means the control can be attached to any object tag."""

    name: str
    kind: TagKind
    result_types: tuple[str, ...] = ()
    option_tag: str | None = None
    needs_options: bool = False
    targets: frozenset[str] | None = None
    parents: frozenset[str] | None = None
    label_key: str | None = None

    @property
    def result_type(self) -> str:
        """The type LS writes in results (the first accepted one); objects use their lower-case name."""
        return self.result_types[0] if self.result_types else self.name.lower()


def _labels(name: str, base: str, targets: frozenset[str], *extra: str) -> TagSpec:
    rtype = name.lower()
    return TagSpec(
        name,
        TagKind.CONTROL,
        result_types=(rtype, *extra, base) if base else (rtype, *extra),
        option_tag="Label",
        needs_options=True,
        targets=targets,
        label_key=rtype,
    )


def _control(name: str, targets: frozenset[str] | None = None, option_tag: str | None = None) -> TagSpec:
    return TagSpec(
        name, TagKind.CONTROL, result_types=(name.lower(),), option_tag=option_tag, targets=targets
    )


_LABEL_PARENTS = frozenset(
    {
        "Labels",
        "RectangleLabels",
        "PolygonLabels",
        "KeyPointLabels",
        "EllipseLabels",
        "BrushLabels",
        "TimeSeriesLabels",
        "HyperTextLabels",
        "ParagraphLabels",
    }
)

_SPECS: tuple[TagSpec, ...] = (
    # layout
    TagSpec("View", TagKind.LAYOUT),
    TagSpec("Header", TagKind.LAYOUT),
    TagSpec("Style", TagKind.LAYOUT),
    TagSpec("Filter", TagKind.LAYOUT),
    TagSpec("Collapse", TagKind.LAYOUT),
    TagSpec("Panel", TagKind.LAYOUT, parents=frozenset({"Collapse"})),
    TagSpec("Shortcut", TagKind.LAYOUT, parents=frozenset({"TextArea"})),
    TagSpec("Channel", TagKind.LAYOUT, parents=frozenset({"TimeSeries"})),
    # objects
    TagSpec("Text", TagKind.OBJECT),
    TagSpec("HyperText", TagKind.OBJECT),
    TagSpec("Paragraphs", TagKind.OBJECT),
    TagSpec("Image", TagKind.OBJECT),
    TagSpec("Audio", TagKind.OBJECT),
    TagSpec("AudioPlus", TagKind.OBJECT),
    TagSpec("Video", TagKind.OBJECT),
    TagSpec("Table", TagKind.OBJECT),
    TagSpec("TimeSeries", TagKind.OBJECT),
    TagSpec("List", TagKind.OBJECT),
    TagSpec("Pdf", TagKind.OBJECT),
    # controls that classify the whole object (or a region when perRegion)
    TagSpec(
        "Choices",
        TagKind.CONTROL,
        result_types=("choices",),
        option_tag="Choice",
        needs_options=True,
        label_key="choices",
    ),
    TagSpec("Taxonomy", TagKind.CONTROL, result_types=("taxonomy",), option_tag="Choice", needs_options=True),
    _control("TextArea"),
    _control("Rating"),
    _control("Number"),
    _control("DateTime"),
    _control("Pairwise"),
    TagSpec(
        "Ranker", TagKind.CONTROL, result_types=("ranker",), option_tag="Bucket", targets=frozenset({"list"})
    ),
    TagSpec("Relations", TagKind.CONTROL, result_types=("relations",), option_tag="Relation"),
    # region controls
    _labels(
        "Labels", "", SPAN_OBJECTS | MEDIA_OBJECTS | {"timeseries"}, "hypertextlabels", "paragraphlabels"
    ),
    _labels("RectangleLabels", "rectangle", IMAGE_OBJECTS),
    _labels("PolygonLabels", "polygon", IMAGE_OBJECTS),
    _labels("KeyPointLabels", "keypoint", IMAGE_OBJECTS),
    _labels("EllipseLabels", "ellipse", IMAGE_OBJECTS),
    _labels("BrushLabels", "brush", IMAGE_OBJECTS),
    _labels("TimeSeriesLabels", "", frozenset({"timeseries"})),
    _labels("HyperTextLabels", "", frozenset({"hypertext"})),
    _labels("ParagraphLabels", "", frozenset({"paragraphs"})),
    _control("Rectangle", IMAGE_OBJECTS),
    _control("Polygon", IMAGE_OBJECTS),
    _control("KeyPoint", IMAGE_OBJECTS),
    _control("Ellipse", IMAGE_OBJECTS),
    _control("Brush", IMAGE_OBJECTS),
    _control("VideoRectangle", frozenset({"video"})),
    # option children
    TagSpec("Choice", TagKind.OPTION, parents=frozenset({"Choices", "Taxonomy", "Choice"})),
    TagSpec("Label", TagKind.OPTION, parents=_LABEL_PARENTS),
    TagSpec("Relation", TagKind.OPTION, parents=frozenset({"Relations"})),
    TagSpec("Bucket", TagKind.OPTION, parents=frozenset({"Ranker"})),
)

TAGS: dict[str, TagSpec] = {spec.name: spec for spec in _SPECS}
_BY_LOWER: dict[str, TagSpec] = {spec.name.lower(): spec for spec in _SPECS}

# Tags that can never be part of a config, whatever their case; checked before "unknown tag" so the
# message says why.
FORBIDDEN_TAGS = frozenset(
    {"script", "iframe", "object", "embed", "frame", "frameset", "applet", "meta", "base"}
)

# Layout tags that may appear among a control's options to group them visually.
LAYOUT_INSIDE_CONTROLS = frozenset({"View", "Header", "Style"})


def lookup(tag: str) -> TagSpec | None:
    """Find a tag case-insensitively, as LS tolerates `<view>` and `<Textarea>` in older configs."""
    return _BY_LOWER.get(tag.lower())


def object_types() -> frozenset[str]:
    return frozenset(s.name.lower() for s in _SPECS if s.kind is TagKind.OBJECT)
