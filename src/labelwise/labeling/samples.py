"""A sample task for any config, made from the `$keys` its tags read, so a config editor can preview the
labeling interface before a single task is imported.

Each key gets data of the shape its object tag shows: a sentence for Text, a little HTML for HyperText, a
short dialogue for Paragraphs, items for List, a URL for media; option lists for dynamic Choices. Keys only
mentioned in attributes (`<Header value="$question"/>`) get a short phrase. Pure: no I/O, no randomness,
so the same config always previews the same task.
"""

from __future__ import annotations

from typing import Any

from labelwise.labeling.schema import ObjectTag, Schema

# Same-origin placeholders: the preview must never make the browser fetch another site.
MEDIA = {
    "image": "/static/img/sample-image.svg",
    "audio": "/static/img/sample-audio.wav",
    "audioplus": "/static/img/sample-audio.wav",
    "video": "/static/img/sample-video.mp4",
    "timeseries": "/static/img/sample-series.csv",
    "pdf": "/static/img/sample.pdf",
}
SENTENCES = (
    "Ada Lovelace met Charles Babbage in London in 1833 and wrote about his Analytical Engine.",
    "The new phone has a bright screen and a battery that lasts two days, but the speaker crackles.",
    "Grace Hopper led the team at Remington Rand that built one of the first compilers.",
    "The council approved the park budget after a long debate on Tuesday evening.",
)
HTML = "<p><b>Grace Hopper</b> joined <i>Remington Rand</i> in 1949.</p><p>She later worked on COBOL.</p>"
DIALOGUE = (
    ("Customer", "Hi, my order never arrived."),
    ("Agent", "Sorry to hear that! Could you share the order number?"),
    ("Customer", "It is 48213. Thanks a lot."),
)
LIST_ITEMS = (
    ("item-1", "Data classes in Python", "frozen=True makes instances immutable."),
    ("item-2", "Ten Python tricks", "Trick seven: named tuples."),
    ("item-3", "Buy running shoes", "Best prices this week."),
)


def sample_data(schema: Schema) -> dict[str, Any]:
    """Task data with every key the config reads (object values first, then options, then the rest)."""
    data: dict[str, Any] = {}
    for index, obj in enumerate(schema.objects.values()):
        if obj.value_key is not None and obj.value_key not in data:
            data[obj.value_key] = _object_value(obj, index)
        if obj.value_list_key is not None and obj.value_list_key not in data:
            data[obj.value_list_key] = [_object_value(obj, index), _object_value(obj, index + 1)]
    for control in schema.controls.values():
        key = control.options_key
        if key is not None and key not in data:
            data[key] = [{"value": f"Option {n}"} for n in ("A", "B", "C")]
    for key in schema.data_keys:
        data.setdefault(key, f"Sample {key.replace('_', ' ')}")
    return data


def sample_task(schema: Schema) -> dict[str, Any]:
    """The task shape the editor mounts: `{id, data}` (id 0: no stored task)."""
    return {"id": 0, "data": sample_data(schema)}


def _object_value(obj: ObjectTag, index: int) -> Any:
    kind = obj.type
    if kind in MEDIA:
        return MEDIA[kind]
    if kind == "hypertext":
        return HTML
    if kind == "paragraphs":
        name_key = obj.attrs.get("nameKey", "author")
        text_key = obj.attrs.get("textKey", "text")
        return [{name_key: author, text_key: text} for author, text in DIALOGUE]
    if kind == "list":
        return [{"id": item, "title": title, "body": body} for item, title, body in LIST_ITEMS]
    if kind == "table":
        return {"vendor": "ACME Corp", "total": "1,204.50", "date": "2024-03-01"}
    return SENTENCES[index % len(SENTENCES)]
