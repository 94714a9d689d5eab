"""Media files: recognized by extension and content; script-carrying formats refused."""

from __future__ import annotations

import pytest

from labelwise.io import readers
from labelwise.io.readers import ReadError, media
from tests.readers.streams import PNG, Trickle, records

SAMPLES = {
    "photo.png": PNG,
    "photo.jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(40),
    "photo.jpeg": b"\x89PNG\r\n\x1a\n" + bytes(40),  # misnamed, but an image all the same
    "anim.gif": b"GIF89a" + bytes(40),
    "pic.webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(40),
    "pic.bmp": b"BM" + bytes(12) + (40).to_bytes(4, "little") + bytes(40),
    "scan.tiff": b"II*\x00" + bytes(40),
    "scan.tif": b"MM\x00*" + bytes(40),
    "voice.wav": b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(40),
    "song.mp3": b"ID3\x04\x00\x00" + bytes(40),
    "frame.mp3": b"\xff\xfb\x90\x64" + bytes(40),
    "music.flac": b"fLaC" + bytes(40),
    "talk.ogg": b"OggS" + bytes(40),
    "book.m4a": b"\x00\x00\x00\x20ftypM4A " + bytes(40),
    "raw.aac": b"\xff\xf1\x50\x80" + bytes(40),
    "clip.mp4": b"\x00\x00\x00\x20ftypisom" + bytes(40),
    "clip.webm": b"\x1a\x45\xdf\xa3" + bytes(40),
    "clip.mov": b"\x00\x00\x00\x14ftypqt  " + bytes(40),
    "pic.avif": b"\x00\x00\x00\x1cftypavif" + bytes(40),
    "voice.opus": b"OggS" + bytes(40),
    "voice.oga": b"OggS" + bytes(40),
    "clip.m4v": b"\x00\x00\x00\x20ftypM4V " + bytes(40),
    "clip.mkv": b"\x1a\x45\xdf\xa3" + bytes(40),
}


def test_every_served_media_type_is_an_accepted_upload() -> None:
    """One table: what storages serve inline is exactly what uploads accept, and every entry has a sample."""
    assert {n.rsplit(".", 1)[1] for n in SAMPLES} == set(media.CONTENT_TYPES)
    for ext, ctype in media.CONTENT_TYPES.items():
        assert media.kind_of(f"a/b.{ext.upper()}") == ctype.split("/")[0] == readers.format_of(f"x.{ext}")
        assert media.content_type(f"x.{ext}") == ctype
    assert media.content_type("x.svg") is None and media.kind_of("x.html") is None


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_media_yield_one_record_with_a_reference(name: str) -> None:
    [record] = records(name, SAMPLES[name])
    assert record.item is None and record.where == name and record.media is not None
    assert record.media.name == name and record.media.kind == readers.format_of(name)
    assert record.media.open().read() == SAMPLES[name]
    assert record.media.open().read() == SAMPLES[name]  # a seekable upload can be read again


def test_a_non_seekable_upload_is_handed_back_whole_once() -> None:
    [record] = records("photo.png", Trickle(PNG, 5))
    assert record.media is not None
    assert record.media.open().read() == PNG
    with pytest.raises(ReadError, match=r"read only once"):
        record.media.open()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "photo.png",
            b"<html><script>alert(1)</script></html>",
            "photo.png: not an image (content does not match the extension)",
        ),
        ("photo.jpg", b"\xef\xbb\xbf<svg onload=alert(1)>", "photo.jpg: not an image"),
        ("song.mp3", b"\xff\xfe<\x00h\x00t\x00m\x00l\x00", "song.mp3: not an audio file"),
        ("song.wav", PNG, "song.wav: not an audio file"),
        ("clip.mp4", b"GIF89a" + bytes(40), "clip.mp4: not a video"),
        ("photo.png", b"", "photo.png: the file is empty"),
    ],
)
def test_content_must_match_the_extension_family(name: str, content: bytes, message: str) -> None:
    with pytest.raises(ReadError) as err:
        records(name, content)
    assert message in err.value.detail


@pytest.mark.parametrize(
    ("name", "what"), [("logo.svg", "SVG images"), ("page.html", "HTML files"), ("x.HTM", "HTML")]
)
def test_scriptable_formats_are_not_media(name: str, what: str) -> None:
    with pytest.raises(ReadError, match=f"{name}: {what}.* can carry scripts"):
        readers.format_of(name)
