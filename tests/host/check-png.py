#!/usr/bin/env python3
"""The demo's PNG writer: its output decodes (standard library zlib, every
PNG filter type) to exactly the pixels it was given, and is compressed.

    check-png.py PNG_WRITE TMPDIR
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from pngdecode import decode  # noqa: E402


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
            subprocess.run(os.environ.get('GRALLOC_EXE_WRAPPER', '').split() +
                           [tool, png, rgb, str(w), str(h)], check=True, timeout=60)
            with open(png, 'rb') as f:
                data = f.read()
            with open(rgb, 'rb') as f:
                want = f.read()
            dw, dh, rows, filters = decode(data)
            got = b''.join(rows)
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
