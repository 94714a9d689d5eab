"""Which task data a config needs, so imports can refuse tasks the editor could not show."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labelwise.labeling.schema import Schema


def missing_data_keys(schema: Schema, data: Mapping[str, Any]) -> list[str]:
    """The `$keys` of object tags that `data` lacks, in config order; None counts as missing."""
    if not isinstance(data, Mapping):
        return list(schema.required_data_keys)
    return [key for key in schema.required_data_keys if data.get(key) is None]
