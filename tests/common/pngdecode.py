# SPDX-License-Identifier: MIT
"""Decoding of the 8-bit RGB PNGs examples/kms/png.c writes, with any of
PNG's five row filters, for the tests that check them (host-demo-png, the
guest's demo-png-*). Standard library only. Raises ValueError on anything
else or on a broken file."""
import struct
import zlib

SIGNATURE = b'\x89PNG\r\n\x1a\n'


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def decode(data):
    """(width, height, rows of RGB bytes, set of the filter types used)."""
    if data[:8] != SIGNATURE:
        raise ValueError('not a PNG')
    pos, idat, ihdr = 8, b'', None
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc, = struct.unpack('>I', data[pos + 8 + length:pos + 12 + length])
        if crc != zlib.crc32(kind + body):
            raise ValueError(f'{kind!r} chunk CRC')
        if kind == b'IHDR':
            ihdr = struct.unpack('>IIBB', body[:10])
        elif kind == b'IDAT':
            idat += body
        pos += 12 + length
    if not ihdr:
        raise ValueError('no IHDR chunk')
    width, height, depth, colour = ihdr
    if (depth, colour) != (8, 2):
        raise ValueError(f'PNG depth {depth} colour type {colour}, expected 8-bit RGB')
    raw = zlib.decompress(idat)
    stride = 1 + width * 3
    rows, filters, prev = [], set(), bytes(width * 3)
    for y in range(height):
        ftype, cur = raw[y * stride], bytearray(raw[y * stride + 1:(y + 1) * stride])
        filters.add(ftype)
        if ftype not in range(5):
            raise ValueError(f'row {y} uses unknown PNG filter {ftype}')
        for i in range(len(cur)) if ftype else ():
            a = cur[i - 3] if i >= 3 else 0
            b = prev[i]
            c = prev[i - 3] if i >= 3 else 0
            cur[i] = (cur[i] + (a, b, (a + b) // 2, _paeth(a, b, c))[ftype - 1]) & 0xff
        prev = bytes(cur)
        rows.append(prev)
    return width, height, rows, filters
