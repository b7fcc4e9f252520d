#!/usr/bin/env python3
"""The demo's PNG writer: its output decodes (standard library zlib, every
PNG filter type) to exactly the pixels it was given, and is compressed.

    check-png.py PNG_WRITE TMPDIR
"""
import os
import struct
import subprocess
import sys
import zlib


def decode(data):
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'signature'
    pos, idat, ihdr = 8, b'', None
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc, = struct.unpack('>I', data[pos + 8 + n:pos + 12 + n])
        assert crc == zlib.crc32(kind + body), f'{kind} CRC'
        if kind == b'IHDR':
            ihdr = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    w, h, depth, colour = ihdr[:4]
    assert (depth, colour) == (8, 2), ihdr
    raw, row, out, prev = zlib.decompress(idat), w * 3, bytearray(), bytearray(w * 3)
    filters = set()
    for y in range(h):
        ftype, line = raw[y * (row + 1)], bytearray(raw[y * (row + 1) + 1:(y + 1) * (row + 1)])
        filters.add(ftype)
        for i in range(row):
            a = line[i - 3] if i >= 3 else 0
            b = prev[i]
            c = prev[i - 3] if i >= 3 else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            else:
                assert ftype == 0, ftype
        out += line
        prev = line
    return w, h, bytes(out), filters


def main():
    tool, tmp = sys.argv[1], sys.argv[2]
    os.makedirs(tmp, exist_ok=True)
    cases = [(333, 200), (1, 1), (7, 3)]
    print('TAP version 13')
    print(f'1..{len(cases)}')
    failed = 0
    for i, (w, h) in enumerate(cases, 1):
        png, rgb = os.path.join(tmp, f'{w}x{h}.png'), os.path.join(tmp, f'{w}x{h}.rgb')
        name = f'png {w}x{h} round trip'
        try:
            subprocess.run([tool, png, rgb, str(w), str(h)], check=True, timeout=60)
            with open(png, 'rb') as f:
                data = f.read()
            with open(rgb, 'rb') as f:
                want = f.read()
            dw, dh, got, filters = decode(data)
            assert (dw, dh) == (w, h), (dw, dh)
            assert got == want, 'pixels differ'
            if w * h > 1000:
                # Stored blocks were 100%; the demo pattern compresses to
                # a few percent.
                assert len(data) < len(want) // 10, f'{len(data)} bytes for {len(want)} raw'
                name += f' ({len(data)} bytes for {len(want)} raw, filters {sorted(filters)})'
            print(f'ok {i} - {name}')
        except Exception as ex:  # noqa: BLE001 - any failure is the test's
            failed += 1
            print(f'not ok {i} - {name}\n  # {type(ex).__name__}: {ex}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
