/* SPDX-License-Identifier: MIT */
/* Just enough atomic KMS for the demo and the scanout tests: one output,
 * its primary plane, page flips, and writeback capture where offered. */
#ifndef GRALLOC_EXAMPLE_MODESET_H
#define GRALLOC_EXAMPLE_MODESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xf86drmMode.h>

/* Path of the card node driven by `driver` (its drmGetVersion name), or
 * with NULL the first card that has connectors: card numbers follow probe
 * order, which is not stable. Returns 0 or -ENODEV. */
int drm_find_card(const char *driver, char *path, size_t len);

struct modeset {
	int fd; /* borrowed */
	uint32_t connector_id, crtc_id, plane_id, writeback_id;
	drmModeModeInfo mode;
	uint32_t mode_blob;
	bool modeset_done;
	bool flip_pending;
};

/* Picks the first connected output (not a writeback connector), a CRTC
 * it can use and that CRTC's primary plane. fd is borrowed and must be
 * DRM master. Returns 0 or -errno with a message on stderr. */
int modeset_init(struct modeset *m, int fd);
void modeset_finish(struct modeset *m);
/* Shows fb full-screen on the primary plane. The first call sets the mode.
 * With `flip` the commit is non-blocking and asks for a page-flip event;
 * wait for it with modeset_wait_flip(). */
int modeset_show(struct modeset *m, uint32_t fb_id, bool flip);
int modeset_wait_flip(struct modeset *m, int timeout_ms);
/* Captures the composed output into wb_fb_id through the writeback
 * connector and waits for it. -ENODEV when there is none. */
int modeset_writeback(struct modeset *m, uint32_t wb_fb_id);

#endif
