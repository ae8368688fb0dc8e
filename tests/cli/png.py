"""A small PNG reader (stdlib zlib) for checking browser screenshots: 8-bit RGB/RGBA, not interlaced."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

Pixel = tuple[int, int, int]


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def read_png(path: Path) -> list[list[Pixel]]:
    """The image's rows of RGB pixels (alpha dropped)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[list[Pixel]] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        filt, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if filt == 1:
                line[i] = (line[i] + a) & 0xFF
            elif filt == 2:
                line[i] = (line[i] + b) & 0xFF
            elif filt == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif filt == 4:
                line[i] = (line[i] + _paeth(a, b, c)) & 0xFF
        rows.append([(line[x], line[x + 1], line[x + 2]) for x in range(0, stride, channels)])
        previous = line
    return rows


def hex_pixel(colour: str) -> Pixel:
    """``#rrggbb`` as a pixel."""
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def runs(row: list[Pixel], colours: dict[str, Pixel], tolerance: int = 12) -> list[tuple[str, int, int]]:
    """The runs of ``row`` in one of ``colours``: ``(name, first x, length)``, left to right."""
    found: list[tuple[str, int, int]] = []
    for x, pixel in enumerate(row):
        name = next(
            (
                n
                for n, c in colours.items()
                if all(abs(p - q) <= tolerance for p, q in zip(pixel, c, strict=True))
            ),
            None,
        )
        if name is None:
            continue
        if found and found[-1][0] == name and found[-1][1] + found[-1][2] == x:
            found[-1] = (name, found[-1][1], found[-1][2] + 1)
        else:
            found.append((name, x, 1))
    return found
