"""Choosing the reader by name."""

from __future__ import annotations

import pytest

from labelwise.io import readers
from labelwise.io.readers import ReadError


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("t.json", "json"), ("T.JSONL", "jsonl"), ("t.ndjson", "jsonl"), ("a.b.csv", "csv"), ("t.tsv", "tsv"),
        ("t.txt", "txt"), ("t.parquet", "parquet"), ("t.zip", "zip"), ("dir/p.JPG", "image"), ("a.tif", "image"),
        ("s.m4a", "audio"), ("v.mov", "video"),
    ],
)  # fmt: skip
def test_formats_by_extension(name: str, fmt: str) -> None:
    assert readers.format_of(name) == fmt


@pytest.mark.parametrize("name", ["t.xlsx", "tasks", "archive.tar.gz", "dir.d/noext", "../../etc/passwd"])
def test_unsupported_names_list_what_is_supported(name: str) -> None:
    with pytest.raises(ReadError) as err:
        readers.format_of(name)
    assert err.value.detail.startswith(f"{name}: unsupported file type")
    assert "json, jsonl, csv, tsv, txt, parquet, zip" in err.value.detail and "png" in err.value.detail
    assert err.value.status_code == 400 and err.value.errors == {"file": [err.value.detail]}
