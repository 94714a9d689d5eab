"""A dataset folder that `datasets.load_dataset("parquet", data_files=...)` reads, delivered as a
zip: `data/train-00000-of-00001.parquet` (the Parquet export, streamed into the entry as its row
groups are written) and a README saying how to load it.

One shard, because the shard count is part of each file's name and a streamed export does not
know its size before it ends.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from labelwise import labeling
from labelwise.io.exporters.parquet import write_parquet
from labelwise.io.exporters.selection import ExportOptions
from labelwise.io.exporters.zipstream import ZipStream

SHARD = "data/train-00000-of-00001.parquet"
README = b"""# Labelwise export

Load with:

    from datasets import load_dataset
    ds = load_dataset("parquet", data_files={"train": "data/train-*.parquet"})

One row per annotation (JSON_MIN's records): the task's data columns, `id`, one column per control
(JSON text where the value is not a string), then annotator, annotation_id, created_at, updated_at
and lead_time.
"""


def write_hf(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    out = ZipStream()
    # Parquet pages are compressed already: deflating them again costs time and saves nothing.
    yield from out.add_stream(SHARD, write_parquet(tasks, schema, options), zipfile.ZIP_STORED)
    yield out.add("README.md", README)
    yield out.finish()
