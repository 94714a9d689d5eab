"""A zip archive streamed as it is written: each entry's bytes leave before the next is built.

Entry names are checked here, whatever produced them: a name from user data that is absolute or
climbs with `..` would unpack outside the folder the user chose.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterable, Iterator

from labelwise.io.exporters.sink import Sink

SMALL = 512


def check_name(name: str) -> str:
    parts = name.split("/")
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or ":" in parts[0]
        or any(p in ("", ".", "..") for p in parts)
    ):
        raise ValueError(f"unsafe archive entry name {name!r}")
    return name


class ZipStream(Sink):
    """Written into a `Sink`, which is not seekable, so zipfile writes data descriptors and the
    archive never has to be held whole."""

    def __init__(self) -> None:
        super().__init__()
        self.zip = zipfile.ZipFile(self, "w", zipfile.ZIP_DEFLATED)

    def add(self, name: str, data: bytes) -> bytes:
        # A label file of a few lines gains nothing from deflate, whose setup costs more than the
        # rest of the entry: small entries are stored.
        small = len(data) < SMALL
        self.zip.writestr(check_name(name), data, zipfile.ZIP_STORED if small else zipfile.ZIP_DEFLATED)
        return self.take()

    def add_stream(
        self, name: str, chunks: Iterable[bytes], compression: int = zipfile.ZIP_DEFLATED
    ) -> Iterator[bytes]:
        """An entry too big to hold (a Parquet file, a JSON document), written as its chunks come."""
        info = zipfile.ZipInfo(check_name(name), date_time=time.localtime()[:6])
        info.compress_type = compression
        with self.zip.open(info, "w", force_zip64=True) as entry:
            for chunk in chunks:
                entry.write(chunk)
                yield self.take()
        yield self.take()

    def finish(self) -> bytes:
        self.zip.close()
        return self.take()
