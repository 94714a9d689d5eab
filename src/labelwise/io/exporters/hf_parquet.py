"""A dataset folder that `datasets.load_dataset("parquet", data_files=...)` reads, as a zip:
`data/train-00000-of-00001.parquet` (the Parquet export, streamed into the entry) and a README."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from labelwise import labeling
from labelwise.io.exporters.images import ZipStream
from labelwise.io.exporters.parquet import write_parquet
from labelwise.io.exporters.selection import ExportOptions

README = b"""# Labelwise export

Load with:

    from datasets import load_dataset
    ds = load_dataset("parquet", data_files={"train": "data/train-*.parquet"})

One row per annotation: the task's data columns, one column per control (JSON text where nested),
and annotator, annotation_id, lead_time, created_at, updated_at.
"""


def write_hf(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    out = ZipStream()
    with out.zip.open("data/train-00000-of-00001.parquet", "w", force_zip64=True) as entry:
        for chunk in write_parquet(tasks, schema, options):
            entry.write(chunk)
            yield out.take()
    yield out.take()
    yield out.add("README.md", README)
    yield out.finish()
