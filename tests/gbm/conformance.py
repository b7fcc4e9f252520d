#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""GBM conformance: gbm-conformance drives the whole gbm.h API on one
device node, once on Mesa's own backend and once on ours (wrap, then
standalone), and the results are compared key by key. Every key must
match Mesa's unless listed below with the reason; docs/gbm.md has the same
table. On the render node of virtio-gpu, where Mesa cannot allocate at
all, ours (auto mode: standalone) must do everything.

  conformance.py GBM_CONFORMANCE_BINARY MODULE_DIR
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gbm_guest  # noqa: E402

# kms_swrast (vkms) facts that wrap mode improves on: key -> (our value, why).
WRAP_DIFFERS = {
    'create.nv12': ('ok', 'gralloc lays out NV12; kms_swrast refuses it'),
    'create.nv12.planes': ('1', 'Mesa reports its import of the NV12 bo as one plane'),
    'create_with_modifiers.linear': ('ok', 'kms_swrast has no modifier support (ENOSYS); gralloc serves LINEAR'),
    'create_with_modifiers.unknown_then_linear': ('ok', 'as above'),
    'create_with_modifiers.unknown_then_linear.modifier': (None, 'Mesa reports what its import recorded'),
    'create_with_modifiers2.linear_scanout': ('ok', 'as above'),
}

# On virgl the render node's wrap mode differs less: neither Mesa's virgl
# driver nor gralloc's virgl backend makes NV12 resources, so NV12 passes to
# Mesa and both refuse it alike.
VIRGL_WRAP_DIFFERS = {k: v for k, v in WRAP_DIFFERS.items() if not k.startswith('create.nv12')}

# Standalone mode: key -> (required value or None for "any", why).
STANDALONE_DIFFERS = {
    'device.backend_name': ('gralloc', 'not Mesa\'s device: EGL refuses it by name'),
    'supported.nv12.rendering': ('1', 'answered from gralloc\'s format table'),
    'plane_count.xrgb8888.linear': ('1', 'answered from the format table, without allocating'),
    'plane_count.nv12.linear': ('2', 'as above'),
    'create.nv12': ('ok', 'gralloc lays out NV12'),
    'create.nv12.planes': ('2', 'NV12 has two planes'),
    'create.bogus_flags': ('fail EINVAL', 'unknown usage bits are an error, Mesa ignores them'),
    'create_with_modifiers.linear': ('ok', 'LINEAR is served'),
    'create_with_modifiers.unknown_then_linear': ('ok', 'LINEAR anywhere in the list is enough'),
    'create_with_modifiers.unknown_then_linear.modifier': ('0x0', 'LINEAR'),
    'create_with_modifiers.unknown_only': ('ok', 'a value that is no modifier is ignored: LINEAR'),
    'create_with_modifiers.unknown_only.modifier': ('0x0', 'LINEAR'),
    'create_with_modifiers.x_tiled_only': ('fail EINVAL', 'only a vendor modifier, no LINEAR'),
    'create_with_modifiers2.linear_scanout': ('ok', 'LINEAR is served'),
    'main.modifier': ('0x0', 'gralloc memory is explicitly LINEAR; kms_swrast reports INVALID'),
    'import.fd_modifier.modifier': ('0x0', 'as imported'),
    'map.write_read': ('ok', 'region maps work (kms_swrast fails them)'),
    'import.readonly.map_write': ('refused', 'a read-only dma-buf maps read-only'),
    'import.disjoint_nv12.planes': ('2', 'both planes kept (kms_swrast keeps one)'),
    'import.wl_buffer_bogus': ('fail ENOSYS', 'wl_buffer import needs Mesa\'s EGL (wrap mode)'),
    'surface.create': ('ENOSYS', 'surfaces need Mesa\'s EGL (wrap mode)'),
}

# On a node where Mesa cannot allocate, ours must still give these.
RENDER_NODE_REQUIRED = {
    'device.backend_name': 'gralloc',
    'create.xrgb8888.plain': 'ok',
    'create.xrgb8888.scanout_rendering': 'ok',
    'create_with_modifiers.unknown_then_linear': 'ok',
    'create.main': 'ok',
    'main.handle_nonzero': 'yes',
    'map.write_read': 'ok',
    'map.same_as_fd': 'ok',
    'fd.new_each_call': 'yes',
    'fd.10k_failures': '0',
    'fd.10k_growth': '0',
    'import.fd': 'ok',
    'import.fd.same_handle': 'yes',
    'import.fd.readback': 'ok',
    'import.fd_modifier': 'ok',
    'import.fd_modifier.map_read': 'ok',
    'import.readonly.map_read': 'ok',
    'import.readonly.map_write': 'refused',
    'import.disjoint_nv12': 'ok',
    'user_data.destroy_called': '1',
    'fd.leaked_after_destroy': '0',
}


def parse(out):
    res = {}
    for line in out.splitlines():
        key, _, value = line.partition(' ')
        res[key] = value
    return res


def conformance(tap, binary, module_dir, node, mode):
    rc, out, err = gbm_guest.run([binary, node], gbm_guest.backend_env(module_dir, mode))
    tap.ok(rc == 0, '%s: gbm-conformance on %s runs' % (mode or 'mesa', node),
           'exit %d\n%s\n%s' % (rc, out[-2000:], err[-2000:]))
    return parse(out), err


def compare(tap, name, mesa, ours, differs):
    bad = []
    for key in sorted(set(mesa) | set(ours)):
        if key in differs:
            want, _why = differs[key]
            if want is not None and ours.get(key) != want:
                bad.append('%s: ours %r, required %r' % (key, ours.get(key), want))
        elif mesa.get(key) != ours.get(key):
            bad.append('%s: Mesa %r, ours %r' % (key, mesa.get(key), ours.get(key)))
    tap.ok(not bad and len(ours) > 40, '%s: %d results, every difference from Mesa '
           'is a listed one' % (name, len(ours)), '\n'.join(bad))


def main():
    virgl = os.environ.get('GRALLOC_VM_GPU') == 'virgl'
    binary, module_dir = sys.argv[1], sys.argv[2]
    tap = gbm_guest.Tap()
    card = gbm_guest.node_for('vkms')
    render = gbm_guest.node_for('virtio_gpu', 'renderD')
    if not card or not render:
        gbm_guest.missing(tap, 'vkms card node and virtio-gpu render node')

    mesa, _ = conformance(tap, binary, module_dir, card, None)
    wrap, err = conformance(tap, binary, module_dir, card, 'wrap')
    tap.ok('wrap mode' in err and 'from drm-dumb' in err,
           'wrap: stderr says the mode and where the memory came from', err[-1500:])
    compare(tap, 'wrap vs Mesa on ' + card, mesa, wrap, WRAP_DIFFERS)
    sa, err = conformance(tap, binary, module_dir, card, 'standalone')
    tap.ok('standalone mode' in err, 'standalone: stderr says the mode', err[-1500:])
    compare(tap, 'standalone vs Mesa on ' + card, mesa, sa, STANDALONE_DIFFERS)

    mesa_r, _ = conformance(tap, binary, module_dir, render, None)
    if virgl:
        # Mesa's virgl driver allocates on the render node: auto mode wraps
        # there, and the memory is the device's own (virgl resources).
        tap.ok(mesa_r.get('create.xrgb8888.plain', '').startswith('ok'),
               'Mesa (virgl) allocates on %s' % render,
               repr(mesa_r.get('create.xrgb8888.plain')))
        auto, err = conformance(tap, binary, module_dir, render, 'auto')
        tap.ok('wrap mode' in err and 'from virgl' in err,
               'auto on %s chose wrap mode, memory from virgl' % render, err[-1500:])
        compare(tap, 'wrap vs Mesa on ' + render, mesa_r, auto, VIRGL_WRAP_DIFFERS)
        return tap.done()
    tap.ok(mesa_r.get('create.xrgb8888.plain', '').startswith('fail'),
           'Mesa cannot allocate on %s (the reason for standalone mode)' % render,
           repr(mesa_r.get('create.xrgb8888.plain')))
    auto, err = conformance(tap, binary, module_dir, render, 'auto')
    tap.ok('standalone mode' in err, 'auto on %s chose standalone mode' % render, err[-1500:])
    bad = ['%s: %r, required %r' % (k, auto.get(k), v)
           for k, v in RENDER_NODE_REQUIRED.items() if auto.get(k) != v]
    tap.ok(not bad, 'standalone on %s: allocation, maps, fds, imports, handles' % render,
           '\n'.join(bad))
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
