"""Media files (images, audio, video): one task each, recognized by extension and by content.

The extension alone is not trusted: a file served back to annotators as an image must be one, so
the first bytes have to carry a signature of the same family (a .jpg that is really a PNG passes;
a .png that is really HTML does not). SVG and HTML are never media: they can carry script.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, cast

from labelwise.io.readers.base import ByteSource, MediaRef, ReadError, Record, can_seek, read_head

# The one table of media Labelwise accepts and serves inline: extension -> content type. Uploads,
# storage syncs and the file endpoints all read it; anything not here is only ever a download.
CONTENT_TYPES: dict[str, str] = {
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "webp": "image/webp", "bmp": "image/bmp", "tif": "image/tiff", "tiff": "image/tiff",
    "avif": "image/avif",
    "wav": "audio/wav", "mp3": "audio/mpeg", "flac": "audio/flac", "ogg": "audio/ogg",
    "oga": "audio/ogg", "opus": "audio/ogg", "m4a": "audio/mp4", "aac": "audio/aac",
    "mp4": "video/mp4", "m4v": "video/mp4", "webm": "video/webm", "mov": "video/quicktime",
    "mkv": "video/x-matroska",
}  # fmt: skip
EXTENSIONS: dict[str, str] = {ext: kind.split("/", 1)[0] for ext, kind in CONTENT_TYPES.items()}
SCRIPTABLE: dict[str, str] = {
    **dict.fromkeys(("svg", "svgz"), "SVG images"),
    **dict.fromkeys(("html", "htm", "xhtml"), "HTML files"),
}
HEAD = 32
_AVIF_BRANDS = {b"avif", b"avis"}


def _extension(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def kind_of(name: str) -> str | None:
    """image, audio or video by the name's extension; None for anything else."""
    return EXTENSIONS.get(_extension(name))


def content_type(name: str) -> str | None:
    """The content type to serve `name` inline with, or None: then it is only ever a download."""
    return CONTENT_TYPES.get(_extension(name))


NOUN = {"image": "an image", "audio": "an audio file", "video": "a video"}
# DIB header sizes a real BMP carries after its 14-byte file header ("BM" alone is too weak).
_BMP_DIB = {12, 40, 52, 56, 64, 108, 124}
_MOV_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def _mpeg_frame(head: bytes) -> bool:
    """An MPEG audio frame header: sync bits, a real version and layer, a valid bitrate and rate."""
    if len(head) < 3 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    return version != 1 and layer != 0 and head[2] >> 4 not in (0, 15) and (head[2] >> 2) & 3 != 3


def families(head: bytes) -> set[str]:
    """The media families whose signature `head` carries (several where a container is shared)."""
    if (
        head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*"))
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or (head[:2] == b"BM" and int.from_bytes(head[14:18], "little") in _BMP_DIB)
    ):
        return {"image"}
    if (
        (head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE")
        or head.startswith((b"ID3", b"fLaC", b"OggS", b"ADIF"))
        or _mpeg_frame(head)
        or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0)  # AAC in ADTS frames
    ):
        return {"audio"}
    if head[4:8] == b"ftyp" and head[8:12] in _AVIF_BRANDS:  # AVIF: an image in the ISO container
        return {"image"}
    if head[4:8] == b"ftyp":  # ISO media: .m4a and .mp4 share the container and often the brand
        return {"video"} if head[8:12] == b"qt  " else {"audio", "video"}
    if head[:4] == b"\x1a\x45\xdf\xa3":  # Matroska / WebM
        return {"video", "audio"}
    if head[4:8] in _MOV_ATOMS:
        return {"video"}
    return set()


def check(name: str, kind: str, head: bytes) -> None:
    if not head:
        raise ReadError(f"{name}: the file is empty")
    if kind not in families(head):
        raise ReadError(f"{name}: not {NOUN[kind]} (content does not match the extension)")


class _Prefixed:
    """A non-seekable stream whose first bytes were already read to check them: handed back whole."""

    def __init__(self, head: bytes, rest: ByteSource) -> None:
        self.head, self.rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if not self.head:
            return self.rest.read(size)
        if size < 0:
            out, self.head = self.head + self.rest.read(), b""
            return out
        out, self.head = self.head[:size], self.head[size:]
        return out

    def readable(self) -> bool:
        return True


def _opener(name: str, stream: ByteSource, head: bytes) -> Callable[[], BinaryIO]:
    if can_seek(stream):
        seekable = cast(Any, stream)

        def reopen() -> BinaryIO:
            seekable.seek(0)
            return cast(BinaryIO, seekable)

        return reopen
    used = False

    def once() -> BinaryIO:
        nonlocal used
        if used:
            raise ReadError(f"{name}: this upload can be read only once")
        used = True
        return cast(BinaryIO, _Prefixed(head, stream))

    return once


def read_media(name: str, stream: ByteSource, kind: str) -> Iterator[Record]:
    """One record whose item is None: the integrator makes the task from the media reference."""
    head = read_head(stream, HEAD)
    check(name, kind, head)
    yield Record(name, None, MediaRef(name, kind, _opener(name, stream, head)))
