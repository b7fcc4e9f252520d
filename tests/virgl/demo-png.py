#!/usr/bin/env python3
"""Runs the CPU demo (`gralloc demo`) and the GL demo (`egl-demo`) on one
display and checks the PNG each writes -- the last frame as the display
scanned it out, read back through gralloc's lock -- against the picture it
must be.

    demo-png.py GRALLOC_CLI EGL_DEMO DRIVER

The CPU frame is examples/kms/pattern.h, recomputed here pixel for pixel.
The GL frame is a flat-shaded cube: every pixel is the clear colour or one
of the six face colours (no lighting, no multisampling), the cube sits in
the middle and covers a fair part of the frame. A black frame (the virgl
failure this guards against: a flip that copies stale guest pages over
what GL drew) fails both. TAP on stdout; exit 1 on any failure.
"""

import os
import struct
import subprocess
import sys
import tempfile
import zlib

FRAMES = 3


def read_png(path):
    """(width, height, rows of RGB bytes) of the 8-bit RGB, filter-0 PNGs
    examples/kms/png.c writes."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('not a PNG')
    pos, idat, width = 8, b'', None
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            width, height, depth, colour = struct.unpack('>IIBB', body[:10])
            if (depth, colour) != (8, 2):
                raise ValueError(f'PNG depth {depth} colour type {colour}, expected 8-bit RGB')
        elif kind == b'IDAT':
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + width * 3
    rows = []
    for y in range(height):
        row = raw[y * stride:(y + 1) * stride]
        if row[0] != 0:
            raise ValueError(f'row {y} uses PNG filter {row[0]}')
        rows.append(row[1:])
    return width, height, rows


def pattern_pixel(x, y, frame, width, height):
    """examples/kms/pattern.h, line for line."""
    box = height // 4 or 1
    span = width - box if width > box else 1
    bx, by = (frame * 8) % span, height // 2 - box // 2
    if bx <= x < bx + box and by <= y < by + box:
        return (255, 255, 255)
    r, g, b = [(255, 0, 0), (255, 255, 0), (0, 255, 0), (0, 255, 255), (0, 0, 255),
               (255, 0, 255), (128, 128, 128), (32, 32, 32)][(x * 8 // width + frame // 16) % 8]
    k = height - y // 2
    return (r * k // height, g * k // height, b * k // height)


def check_cpu(path):
    w, h, rows = read_png(path)
    bad = []
    for y in range(h):
        row = rows[y]
        for x in range(w):
            want = pattern_pixel(x, y, FRAMES - 1, w, h)
            if tuple(row[3 * x:3 * x + 3]) != want:
                bad.append(f'pixel {x},{y} is {tuple(row[3 * x:3 * x + 3])}, expected {want}')
    return w, h, bad


# examples/egl/cube.c: clear colour and face colours, as 8-bit values.
BACKGROUND = (0.08, 0.08, 0.12)
FACES = [(1, .2, .2), (.2, 1, .2), (.2, .4, 1), (1, 1, .2), (.2, 1, 1), (1, .2, 1)]


def close_to(px, colour):
    return all(abs(p - c * 255) <= 2 for p, c in zip(px, colour))


def check_gl(path):
    w, h, rows = read_png(path)
    bad, faces, xs, ys = [], [0] * 6, [], []
    for y in range(h):
        row = rows[y]
        for x in range(w):
            px = row[3 * x:3 * x + 3]
            if close_to(px, BACKGROUND):
                continue
            for i, face in enumerate(FACES):
                if close_to(px, face):
                    faces[i] += 1
                    xs.append(x)
                    ys.append(y)
                    break
            else:
                if len(bad) < 5:
                    bad.append(f'pixel {x},{y} is {tuple(px)}: neither background nor a face')
                else:
                    bad.append('')
    covered = sum(faces)
    if covered < w * h // 50:
        bad.append(f'the cube covers {covered} of {w * h} pixels (a blank frame?)')
    elif abs((min(xs) + max(xs)) / 2 - w / 2) > w / 8 or abs((min(ys) + max(ys)) / 2 - h / 2) > h / 8:
        bad.append(f'the cube spans x {min(xs)}..{max(xs)}, y {min(ys)}..{max(ys)}: not centred')
    if sum(1 for n in faces if n > covered // 50) < 2:
        bad.append(f'face pixel counts {faces}: fewer than two faces visible')
    return w, h, bad, faces


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    cli, egl_demo, driver = sys.argv[1:]
    tmp = tempfile.mkdtemp(prefix='demo-png-')
    out = os.environ.get('GRALLOC_VM_OUT')
    failed = 0
    cases = [('cpu', [cli, 'demo'], check_cpu), ('gl', [egl_demo], check_gl)]
    print('TAP version 13')
    print(f'1..{len(cases)}')
    for n, (name, cmd, check) in enumerate(cases, 1):
        png = os.path.join(tmp, f'{name}.png')
        cmd = cmd + ['--driver', driver, '--frames', str(FRAMES), '--output', png]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=100)
        for line in p.stdout.splitlines():
            print(f'#   {line}')
        if p.returncode != 0 or not os.path.exists(png):
            print(f'not ok {n} - {name}_demo_png_{driver} # exit {p.returncode}')
            failed += 1
            continue
        if out:  # kept with the results, to look at
            with open(png, 'rb') as src, open(os.path.join(out, f'demo-{name}-{driver}.png'), 'wb') as dst:
                dst.write(src.read())
        w, h, bad, *extra = check(png)
        print(f'#   {name}: {w}x{h}, {len(bad)} problems{", face pixels " + str(extra[0]) if extra else ""}')
        for line in [b for b in bad if b][:5]:
            print(f'#   {line}')
        print(f'{"not ok" if bad else "ok"} {n} - {name}_demo_png_{driver}')
        failed += bool(bad)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
