"""A write-only file whose bytes are taken out as they come, so writers that want a file (pyarrow's
ParquetWriter, zipfile) can still stream a response."""

from __future__ import annotations

import io
from typing import Any


class Sink(io.RawIOBase):
    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        data = bytes(b)
        self.parts.append(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        """Nothing is buffered. Also, when a download is abandoned midway the zipfile or Parquet
        writer still finalizes at garbage collection, possibly after the sink: that must not raise."""

    def tell(self) -> int:
        return self.size

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out
