"""ZIP archives: entries by type and name order; hostile archives refused before they hurt."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile

import pytest

from labelwise.io import readers
from labelwise.io.readers import ReadError, archive
from labelwise.io.readers.base import Limits
from tests.readers.streams import PNG, Trickle, items, records, zipped

CSV = b"text\nx\n"


def test_entries_are_read_by_type_in_name_order_skipping_junk() -> None:
    content = zipped(
        {
            "b/more.jsonl": b'{"text": "j"}\n\n{"text": "k"}\n',
            "a.csv": CSV,
            "c.json": b'[{"text": "y"}]',
            "d.txt": b"line\n",
            "__MACOSX/._a.csv": b"junk",
            "b/.DS_Store": b"junk",
            "empty/": b"",
        }
    )
    got = records("batch.zip", content)
    assert [(r.where, r.item) for r in got] == [
        ("batch.zip/a.csv: line 2", {"text": "x"}),
        ("batch.zip/b/more.jsonl: line 1", {"text": "j"}),
        ("batch.zip/b/more.jsonl: line 3", {"text": "k"}),
        ("batch.zip/c.json: item 0", {"text": "y"}),
        ("batch.zip/d.txt: line 1", {"text": "line"}),
    ]


def test_a_non_seekable_upload_is_spooled_first() -> None:
    assert items("batch.zip", Trickle(zipped({"a.csv": CSV}), 100)) == [{"text": "x"}]


def test_errors_inside_entries_name_the_entry_and_line() -> None:
    with pytest.raises(ReadError, match=r"batch.zip/part1.jsonl: line 2: malformed JSON"):
        items("batch.zip", zipped({"part1.jsonl": b'{"text": "a"}\n{oops\n'}))
    with pytest.raises(ReadError, match=r"batch.zip/notes.docx: unsupported file type .docx"):
        items("batch.zip", zipped({"a.csv": CSV, "notes.docx": b"PK"}))


def test_one_level_of_nesting_is_read_and_deeper_is_refused() -> None:
    inner = zipped({"a.csv": CSV, "img/cat.png": PNG})
    got = records("outer.zip", zipped({"inner.zip": inner, "top.csv": b"text\ntop\n"}))
    assert [(r.where, r.item) for r in got] == [
        ("outer.zip/inner.zip/a.csv: line 2", {"text": "x"}),
        ("outer.zip/inner.zip/img/cat.png", {"__media__": "inner.zip/img/cat.png"}),
        ("outer.zip/top.csv: line 2", {"text": "top"}),
    ]
    media = got[1].media
    assert media is not None and media.open().read() == PNG  # after the reader has finished
    deeper = zipped({"middle.zip": zipped({"inner.zip": zipped({"a.csv": CSV})})})
    with pytest.raises(
        ReadError, match=r"outer.zip/middle.zip/inner.zip: archives nested more than one level"
    ):
        items("outer.zip", deeper)


def test_media_entries_carry_a_reference_that_outlives_the_iteration() -> None:
    got = records("batch.zip", zipped({"img/b.png": PNG, "img/a.jpg": b"\xff\xd8\xff\xe0" + bytes(60)}))
    assert [(r.where, r.item) for r in got] == [
        ("batch.zip/img/a.jpg", {"__media__": "img/a.jpg"}),
        ("batch.zip/img/b.png", {"__media__": "img/b.png"}),
    ]
    media = got[1].media
    assert media is not None and (media.name, media.kind) == ("img/b.png", "image")
    assert media.open().read() == PNG and media.open().read() == PNG
    with pytest.raises(ReadError, match=r"batch.zip/img/fake.png: not an image \(content does not match"):
        records("batch.zip", zipped({"img/fake.png": b"<html><script></script></html>"}))
    with pytest.raises(ReadError, match=r"batch.zip/logo.svg: SVG images are not accepted"):
        records("batch.zip", zipped({"logo.svg": b"<svg/>"}))


@pytest.mark.parametrize(
    ("entries", "options", "message"),
    [
        ({"../evil.csv": CSV}, {}, "up.zip/../evil.csv: entry names must stay inside the archive"),
        ({"a/../../evil.csv": CSV}, {}, "must stay inside the archive"),
        ({"/abs.csv": CSV}, {}, "up.zip//abs.csv: entry names must stay inside the archive"),
        ({"C:/win.csv": CSV}, {}, "must stay inside the archive"),
        ({"..\\win.csv": CSV}, {}, "must stay inside the archive"),
        ({"ok.csv": CSV}, {"symlink": "link.csv"}, "up.zip/link.csv: symbolic links are not allowed"),
        (
            {"ok.csv": CSV},
            {"encrypted": "secret.csv"},
            "up.zip/secret.csv: encrypted entries are not supported",
        ),
        (
            {"bomb.csv": b"text\n" + b"a" * 5_000_000},
            {},
            "up.zip/bomb.csv: compressed too well to be real data",
        ),
        ({}, {}, "up.zip: the archive holds no files"),
        ({"__MACOSX/x": b"", "d/": b""}, {}, "up.zip: the archive holds no files"),
    ],
)
def test_hostile_archives_are_refused(
    entries: dict[str, bytes], options: dict[str, str], message: str
) -> None:
    with pytest.raises(ReadError) as err:
        items("up.zip", zipped(entries, **options))
    assert message in err.value.detail


def test_a_bomb_is_refused_before_it_inflates() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("tasks.csv", b"text\n" + b"0" * (64 << 20))  # 64 MiB in about 64 KB
    content = buf.getvalue()
    assert len(content) < 200_000
    started = time.perf_counter()
    tracemalloc.start()
    try:
        with pytest.raises(ReadError, match=r"compressed too well"):
            items("bomb.zip", content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 5 and peak < 20 << 20


def _lie_about_size(content: bytes, name: bytes, size: int) -> bytes:
    """Rewrites the uncompressed size of `name` in both its local and central headers."""
    out = bytearray(content)
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = out.find(signature)
        while at >= 0:
            if out[at + name_at : at + name_at + len(name)] == name:
                out[at + size_at : at + size_at + 4] = size.to_bytes(4, "little")
            at = out.find(signature, at + 4)
    return bytes(out)


def test_headers_that_understate_the_size_do_not_inflate_the_rest() -> None:
    honest = zipped({"tasks.csv": b"text\n" + b"a\n" * (50 << 20)})  # 100 MB, ratio far beyond 200
    lying = _lie_about_size(honest, b"tasks.csv", 10_000)  # now it claims a ratio of about 0.1
    started = time.perf_counter()
    with pytest.raises(ReadError, match=r"up.zip/tasks.csv: damaged entry"):
        items("up.zip", lying)
    assert time.perf_counter() - started < 2


def test_actual_bytes_are_counted_against_declared_size_ratio_and_budget() -> None:
    info = zipfile.ZipInfo("x.csv")
    info.file_size, info.compress_size = 100, 10
    limits = Limits(max_ratio=50, max_unzipped_bytes=1000)

    def capped(raw: bytes, budget: int = 1000) -> bytes:
        own = archive._Budget(limits)
        own.bytes = budget
        return archive._Capped("up.zip/x.csv", io.BytesIO(raw), info, own, limits).read()

    assert capped(b"a" * 100) == b"a" * 100
    with pytest.raises(ReadError, match=r"holds more bytes than its header declares"):
        capped(b"a" * 101)
    info.file_size = 10_000
    with pytest.raises(ReadError, match=r"compressed too well"):
        capped(b"a" * 501)
    with pytest.raises(ReadError, match=r"unpacks to more than 1000 bytes"):
        capped(b"a" * 300, budget=200)


def test_size_and_entry_limits() -> None:
    many = zipped({f"t{i:02}.txt": b"x\n" for i in range(20)})
    with pytest.raises(ReadError, match=r"up.zip: more than 10 files in the archive"):
        items("up.zip", many, max_entries=10)
    assert len(items("up.zip", many, max_entries=20)) == 20
    with pytest.raises(ReadError, match=r"up.zip: the archive unpacks to more than 1 KiB"):
        items(
            "up.zip",
            zipped({"a.csv": b"text\n" + b"x\n" * 400, "b.csv": b"text\n" + b"y\n" * 400}),
            max_unzipped_bytes=1024,
            max_ratio=1000,
        )
    with pytest.raises(ReadError, match=r"up.zip: more than 3 tasks"):
        items("up.zip", zipped({"a.txt": b"1\n2\n", "b.txt": b"3\n4\n"}), max_items=3)


def test_the_entry_count_is_checked_before_the_directory_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the central directory should not have been parsed")

    content = zipped({f"t{i}.txt": b"x\n" for i in range(6)})
    monkeypatch.setattr(zipfile, "ZipFile", refuse)
    with pytest.raises(ReadError, match=r"more than 5 files"):
        items("up.zip", content, max_entries=5)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "up.zip: the file is empty"), (b"PK\x03\x04 not really", "up.zip: not a valid ZIP archive")],
)
def test_not_an_archive(content: bytes, message: str) -> None:
    with pytest.raises(ReadError, match=message):
        items("up.zip", content)


def test_the_default_limits() -> None:
    assert readers.Limits() == readers.Limits(
        max_items=10_000_000,
        max_unzipped_bytes=4 << 30,
        max_ratio=200,
        max_entries=10_000,
        max_line_bytes=64 << 20,
    )
