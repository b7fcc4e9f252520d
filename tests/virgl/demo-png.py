#!/usr/bin/env python3
"""Runs the CPU demo (`gralloc demo`) or the GL demo (`egl-demo`) on one
display and checks the PNG it writes -- the last frame as the display
scanned it out, read back through gralloc's lock -- against the picture it
must be.

    demo-png.py cpu GRALLOC_CLI DRIVER
    demo-png.py gl EGL_DEMO DRIVER

The CPU frame is examples/kms/pattern.h, recomputed here pixel for pixel.
The GL frame is a flat-shaded cube: every pixel is the clear colour or one
of the six face colours (no lighting, no multisampling), the cube sits in
the middle and covers a fair part of the frame (at frame 2 it still faces
the viewer: one face fills most of it). A black frame (the virgl
failure this guards against: a flip that copies stale guest pages over
what GL drew) fails both. TAP on stdout; exit 1 on failure. The checks
run at C speed (bytes.translate, dict lookups on a sample grid): Python
loops over a million pixels take minutes under TCG.
"""

import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from pngdecode import decode  # noqa: E402

FRAMES = 3


def read_png(path):
    """(width, height, rows of RGB bytes) of a PNG the demos wrote."""
    with open(path, 'rb') as f:
        width, height, rows, _ = decode(f.read())
    return width, height, rows


BARS = [(255, 0, 0), (255, 255, 0), (0, 255, 0), (0, 255, 255), (0, 0, 255),
        (255, 0, 255), (128, 128, 128), (32, 32, 32)]


def pattern_pixel(x, y, frame, width, height):
    """examples/kms/pattern.h, line for line."""
    box = height // 4 or 1
    span = width - box if width > box else 1
    bx, by = (frame * 8) % span, height // 2 - box // 2
    if bx <= x < bx + box and by <= y < by + box:
        return (255, 255, 255)
    r, g, b = BARS[(x * 8 // width + frame // 16) % 8]
    k = height - y // 2
    return (r * k // height, g * k // height, b * k // height)


def check_cpu(path):
    """Every pixel. A row of the pattern is its colour bars scaled by a
    per-row factor, except the unscaled white box: one translate per row."""
    w, h, rows = read_png(path)
    frame = FRAMES - 1
    base = bytearray()
    for x in range(w):
        base += bytes(BARS[(x * 8 // w + frame // 16) % 8])
    box = h // 4 or 1
    span = w - box if w > box else 1
    bx, by = (frame * 8) % span, h // 2 - box // 2
    bad = []
    for y in range(h):
        k = h - y // 2
        want = bytearray(base.translate(bytes(v * k // h for v in range(256))))
        if by <= y < by + box:
            end = min(bx + box, w)
            want[3 * bx:3 * end] = b'\xff' * (3 * (end - bx))
        if rows[y] != want:
            x = next(i for i in range(w) if rows[y][3 * i:3 * i + 3] != want[3 * i:3 * i + 3])
            bad.append(f'row {y} differs from pixel {x}: {tuple(rows[y][3 * x:3 * x + 3])}, '
                       f'expected {pattern_pixel(x, y, frame, w, h)}')
    return w, h, bad


# examples/egl/cube.c: clear colour and face colours, as 8-bit values.
BACKGROUND = (0.08, 0.08, 0.12)
FACES = [(1, .2, .2), (.2, 1, .2), (.2, .4, 1), (1, 1, .2), (.2, 1, 1), (1, .2, 1)]


def colour_classes():
    """Every byte triple within 2 of the background (-1) or a face (0..5)."""
    classes = {}
    for n, colour in [(-1, BACKGROUND)] + list(enumerate(FACES)):
        centre = [round(c * 255) for c in colour]
        for dr in range(-2, 3):
            for dg in range(-2, 3):
                for db in range(-2, 3):
                    px = (centre[0] + dr, centre[1] + dg, centre[2] + db)
                    if all(0 <= v <= 255 for v in px):
                        classes[bytes(px)] = n
    return classes


def check_gl(path):
    """Every second pixel of every second row: the cube is large."""
    w, h, rows = read_png(path)
    classes = colour_classes()
    bad, faces, xs, ys, seen = [], [0] * 6, [], [], 0
    for y in range(0, h, 2):
        row = rows[y]
        for x in range(0, w, 2):
            px = row[3 * x:3 * x + 3]
            seen += 1
            n = classes.get(px)
            if n is None:
                bad.append(f'pixel {x},{y} is {tuple(px)}: neither background nor a face')
            elif n >= 0:
                faces[n] += 1
                xs.append(x)
                ys.append(y)
    covered = sum(faces)
    if covered < seen // 50:
        bad.append(f'the cube covers {covered} of {seen} sampled pixels (a blank frame?)')
    elif abs((min(xs) + max(xs)) / 2 - w / 2) > w / 8 or abs((min(ys) + max(ys)) / 2 - h / 2) > h / 8:
        bad.append(f'the cube spans x {min(xs)}..{max(xs)}, y {min(ys)}..{max(ys)}: not centred')
    return w, h, bad, faces


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ('cpu', 'gl'):
        print(__doc__, file=sys.stderr)
        return 2
    name, exe, driver = sys.argv[1:]
    cmd = [exe, 'demo'] if name == 'cpu' else [exe]
    check = check_cpu if name == 'cpu' else check_gl
    png = os.path.join(tempfile.mkdtemp(prefix='demo-png-'), f'{name}.png')
    out = os.environ.get('GRALLOC_VM_OUT')
    print('TAP version 13\n1..1', flush=True)
    cmd += ['--driver', driver, '--frames', str(FRAMES), '--output', png]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=100)
    for line in p.stdout.splitlines():
        print(f'#   {line}')
    if p.returncode != 0 or not os.path.exists(png):
        print(f'not ok 1 - {name}_demo_png_{driver} # exit {p.returncode}')
        return 1
    if out:  # kept with the results, to look at
        with open(png, 'rb') as src, open(os.path.join(out, f'demo-{name}-{driver}.png'), 'wb') as dst:
            dst.write(src.read())
    w, h, bad, *extra = check(png)
    print(f'#   {w}x{h}, {len(bad)} problems{", face pixels (sampled) " + str(extra[0]) if extra else ""}')
    for line in bad[:5]:
        print(f'#   {line}')
    print(f'{"not ok" if bad else "ok"} 1 - {name}_demo_png_{driver}')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
