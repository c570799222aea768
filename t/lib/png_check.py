#!/usr/bin/env python3
"""png_check.py - what a screenshot shows, for the report's tests, with
only the standard library (zlib): 8-bit RGB or RGBA PNG, not interlaced,
as Chromium writes them.

  png_check.py stats FILE [#rrggbb...]
      prints "WIDTH HEIGHT NONWHITE_PERMILLE DISTINCT_COLOURS", then for
      each colour given "#rrggbb PIXELS" (pixels within 8 of it per
      channel): enough to tell a blank page from one with charts drawn
  png_check.py shrink IN OUT
      writes OUT as an indexed PNG of at most 256 colours (the commonest,
      every other pixel mapped to the nearest of them): the small copy
      the README shows
"""
import struct
import sys
import zlib


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(
                ">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                raise ValueError("only 8-bit RGB/RGBA, not interlaced")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if width is None:
        raise ValueError("no IHDR")
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        base = y * (stride + 1)
        ftype = raw[base]
        line = bytearray(raw[base + 1:base + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pr) & 255
        rows.append(bytes(line))
        prev = line
    pixels = []
    for line in rows:
        pixels.append([tuple(line[i:i + 3]) for i in range(0, stride, bpp)])
    return width, height, pixels


def stats(path, colours):
    width, height, pixels = read_png(path)
    counts = {}
    nonwhite = 0
    for row in pixels:
        for p in row:
            counts[p] = counts.get(p, 0) + 1
            if p != (255, 255, 255):
                nonwhite += 1
    print(width, height, nonwhite * 1000 // (width * height), len(counts))
    for c in colours:
        want = tuple(int(c[i:i + 2], 16) for i in (1, 3, 5))
        n = sum(v for p, v in counts.items()
                if all(abs(p[k] - want[k]) <= 8 for k in range(3)))
        print(c, n)


def chunk(kind, body):
    return (struct.pack(">I", len(body)) + kind + body +
            struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))


def shrink(src, dst):
    width, height, pixels = read_png(src)
    counts = {}
    for row in pixels:
        for p in row:
            counts[p] = counts.get(p, 0) + 1
    palette = [p for p, _ in sorted(counts.items(), key=lambda x: -x[1])][:256]
    index = {p: i for i, p in enumerate(palette)}

    def nearest(p):
        if p not in index:
            index[p] = min(range(len(palette)), key=lambda i: sum(
                (palette[i][k] - p[k]) ** 2 for k in range(3)))
        return index[p]

    raw = bytearray()
    for row in pixels:
        raw.append(0)
        raw.extend(nearest(p) for p in row)
    with open(dst, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3,
                                           0, 0, 0)))
        f.write(chunk(b"PLTE", b"".join(bytes(p) for p in palette)))
        f.write(chunk(b"IDAT", zlib.compress(bytes(raw), 9)))
        f.write(chunk(b"IEND", b""))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "stats":
        stats(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) == 4 and sys.argv[1] == "shrink":
        shrink(sys.argv[2], sys.argv[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
