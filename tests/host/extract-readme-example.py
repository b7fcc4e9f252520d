#!/usr/bin/env python3
"""Writes the README's first ```c block to a file, so the example users
copy is compiled and run by the tests: extract-readme-example.py README OUT"""
import re
import sys

with open(sys.argv[1]) as f:
    m = re.search(r'^```c\n(.*?)^```', f.read(), re.S | re.M)
if not m:
    sys.exit('README.md has no ```c block')
with open(sys.argv[2], 'w') as f:
    f.write('/* Generated from README.md by extract-readme-example.py. */\n' + m.group(1))
