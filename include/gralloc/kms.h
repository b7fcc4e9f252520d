/* SPDX-License-Identifier: MIT */
/*
 * KMS import: zero-copy scanout of gralloc buffers.
 *
 * A gralloc_kms owns its own file description of a DRM device. GEM handles
 * are per file description and the kernel returns the same handle for the
 * same dma-buf, so sharing the caller's description would let either side
 * close a handle the other still uses; a private one, with a refcounted
 * handle table, makes every handle closed exactly once.
 */
#ifndef GRALLOC_KMS_H
#define GRALLOC_KMS_H

#include <gralloc/gralloc.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gralloc_kms;

/* Opens `path` (e.g. /dev/dri/card0) read-write, close-on-exec. The first
 * opener of a card node becomes DRM master, so a program that lets the
 * library open the device can modeset with gralloc_kms_get_fd(). */
GRALLOC_EXPORT struct gralloc_kms *gralloc_kms_open(const char *path);
/* Reopens the device node behind `drm_fd` (borrowed: neither kept nor
 * shared). */
GRALLOC_EXPORT struct gralloc_kms *gralloc_kms_create(int drm_fd);
/* Removes every framebuffer and closes every GEM handle this object made.
 * Accepts NULL. Buffers imported here must not be freed concurrently. */
GRALLOC_EXPORT void gralloc_kms_destroy(struct gralloc_kms *kms);
/* Borrowed: valid until gralloc_kms_destroy(). */
GRALLOC_EXPORT int gralloc_kms_get_fd(const struct gralloc_kms *kms);
GRALLOC_EXPORT const char *gralloc_kms_driver_name(const struct gralloc_kms *kms);

/* Whether this device can PRIME-import dma-bufs that another exporter
 * made (virtio-gpu in Linux 6.12 cannot). Probed once with one page of
 * heap or udmabuf memory from `dev`, then cached. Returns 1, 0, or -errno
 * when there is no foreign memory to probe with. */
GRALLOC_EXPORT int gralloc_kms_imports_foreign(struct gralloc_kms *kms,
					       struct gralloc_device *dev);

/* Imports `buf` (PRIME, refcounted GEM handles) and creates a framebuffer
 * with AddFB2, with modifiers when the device supports them. Repeated
 * calls return the same framebuffer. It is removed by
 * gralloc_kms_remove_framebuffer(), by freeing the buffer, or by destroying
 * the kms object, whichever comes first. */
GRALLOC_EXPORT int gralloc_kms_add_framebuffer(struct gralloc_kms *kms,
					       struct gralloc_buffer *buf, uint32_t *fb_id);
GRALLOC_EXPORT int gralloc_kms_remove_framebuffer(struct gralloc_kms *kms,
						  struct gralloc_buffer *buf);

/* 1 if the plane lists (format, modifier) in IN_FORMATS (or, without that
 * property, the format in its format list with a LINEAR modifier), 0 if
 * not, -errno on error. */
GRALLOC_EXPORT int gralloc_kms_plane_supports(struct gralloc_kms *kms, uint32_t plane_id,
					      uint32_t format, uint64_t modifier);
/* Atomic TEST_ONLY commit of `buf` full-screen-sized on (plane, crtc), with
 * the CRTC's current mode: 0 if the device could scan it out, else the
 * kernel's -errno. Needs DRM master on this object's fd. */
GRALLOC_EXPORT int gralloc_kms_test_plane(struct gralloc_kms *kms, struct gralloc_buffer *buf,
					  uint32_t plane_id, uint32_t crtc_id);

struct gralloc_consumer;
/* A consumer (see consumer.h) for `plane_id` of this device: the formats
 * and modifiers of its IN_FORMATS, scanout usage, 64-byte rows, and, when
 * the device cannot import foreign dma-bufs (probed with `dev`), memory of
 * this device only. Destroy with gralloc_consumer_destroy(). */
GRALLOC_EXPORT struct gralloc_consumer *
gralloc_consumer_create_kms_plane(struct gralloc_kms *kms, uint32_t plane_id,
				  struct gralloc_device *dev);

/* Live GEM handles in this object's table (for leak checks). */
GRALLOC_EXPORT size_t gralloc_kms_gem_handle_count(const struct gralloc_kms *kms);

#ifdef __cplusplus
}
#endif

#endif
