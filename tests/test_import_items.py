"""parse_items: the C-speed check for flat items agrees with the item-by-item path."""

from __future__ import annotations

import pytest

from labelwise import labeling
from labelwise.services import imports
from labelwise.services.errors import Invalid

SCHEMA = labeling.parse_config(
    '<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="a"/></Choices></View>'
)


def test_flat_complete_items_are_served_lazily_as_items() -> None:
    raw = [{"text": f"t{i}", "extra": i} for i in range(5)]
    items = imports.parse_items(SCHEMA, raw)
    assert isinstance(items, imports.FlatItems) and imports.all_flat(items)
    assert len(items) == 5 and items[2] == imports.Item(raw[2], imports.EMPTY)
    assert [it.data for it in items[1:3]] == raw[1:3]
    assert [it.data for it in items] == raw


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([{"text": "a"}, {"other": "b"}], "item 1"),  # a required key missing
        ([{"text": "a"}, {"text": None}], "item 1"),  # present but null
        ([{"text": "a"}, ["text"]], "item 1"),  # not an object
    ],
)
def test_items_failing_the_fast_check_get_the_detailed_error(raw: list[object], message: str) -> None:
    with pytest.raises(Invalid) as err:
        imports.parse_items(SCHEMA, raw)
    assert message in err.value.detail


def test_data_wrapped_items_take_the_detailed_path() -> None:
    items = imports.parse_items(SCHEMA, [{"text": "a"}, {"data": {"text": "b"}, "meta": {"m": 1}}])
    assert not isinstance(items, imports.FlatItems)
    assert [it.data for it in items] == [{"text": "a"}, {"text": "b"}]
    assert not imports.all_flat(items)
