"""Media the tests generate (no downloads): a PNG of any size and a WAV of a tone with silences."""

from __future__ import annotations

import math
import struct
import zlib


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png(width: int = 64, height: int = 48, rgb: tuple[int, int, int] = (40, 120, 200)) -> bytes:
    """A solid-colour RGB PNG of exactly `width` x `height` pixels."""
    row = b"\x00" + bytes(rgb) * width
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(row * height, 6)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def wav(seconds: float = 1.0, rate: int = 8000, tones: tuple[tuple[float, float], ...] = ()) -> bytes:
    """16-bit mono PCM: a 440 Hz tone during each (start, end) of `tones` (seconds), silence elsewhere."""
    n = int(seconds * rate)
    samples = bytearray(2 * n)
    period = [int(12000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(rate // 40)]
    for start, end in tones:
        for i in range(int(start * rate), min(n, int(end * rate))):
            struct.pack_into("<h", samples, 2 * i, period[i % len(period)])
    header = struct.pack("<4sI4s", b"RIFF", 36 + len(samples), b"WAVE")
    fmt = struct.pack("<4sIHHIIHH", b"fmt ", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + fmt + struct.pack("<4sI", b"data", len(samples)) + bytes(samples)
