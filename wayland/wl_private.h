/* SPDX-License-Identifier: MIT */
#ifndef GRALLOC_WL_PRIVATE_H
#define GRALLOC_WL_PRIVATE_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "gralloc/consumer_private.h"
#include "gralloc/log.h"
#include "gralloc/wayland.h"

#include "linux-dmabuf-unstable-v1-client-protocol.h"

struct wl_format_mod {
	uint32_t format;
	uint32_t pad;
	uint64_t modifier;
};

struct wl_tranche {
	dev_t target;
	uint32_t flags;
	size_t num;
	uint16_t *indices; /* into the feedback's format table */
};

/* One zwp_linux_dmabuf_feedback_v1 as its events accumulate. The
 * compositor resends the whole state after each `done`; `pending` holds
 * the batch being received, `cur` the last complete one. */
struct wl_feedback_batch {
	bool have_main;
	dev_t main_device;
	size_t num_tranches;
	struct wl_tranche *tranches;
	struct wl_tranche building;
};

struct wl_feedback {
	struct zwp_linux_dmabuf_feedback_v1 *proxy;
	struct wl_format_mod *table; /* copy of the compositor's table */
	size_t table_len;
	struct wl_feedback_batch cur, pending;
	bool receiving; /* pending has started */
	uint32_t done_count;
	bool malformed;
	char malformed_why[160];
};

struct gralloc_wl {
	struct wl_display *display;
	struct wl_event_queue *queue;
	struct wl_registry *registry;
	struct gralloc_device *dev;
	struct gralloc_wl_options opts;
	struct wl_shm *shm;
	uint32_t shm_formats[64];
	size_t num_shm_formats;
	struct zwp_linux_dmabuf_v1 *dmabuf;
	uint32_t dmabuf_version;
	/* v3 format/modifier events */
	struct wl_format_mod *mods;
	size_t num_mods;
	struct wl_feedback feedback; /* default feedback (v4) */
	char device[256];
	char device_reason[320];
	bool device_resolved;
};

/* wl_display.c */
/* Waits up to timeout_ms for events of wl's queue and dispatches them.
 * >0 dispatched, 0 timed out, -errno (EPIPE, EPROTO, ...) with a message. */
int wl_wait(struct gralloc_wl *wl, int timeout_ms);
int wl_dispatch_pending(struct gralloc_wl *wl);
int wl_roundtrip(struct gralloc_wl *wl);
/* -errno for the connection's error state, with a message; 0 if none. */
int wl_connection_error(struct gralloc_wl *wl);
bool wl_shm_has(const struct gralloc_wl *wl, uint32_t drm_format);

/* wl_device.c */
/* Card node path for a dev_t from feedback (render nodes map to their
 * card). 0 or -ENODEV. */
int wl_device_path_for(dev_t dev, char *path, size_t len);
/* Fills wl->device and wl->device_reason for the no-feedback case. */
void wl_resolve_device(struct gralloc_wl *wl);

/* wl_feedback.c */
void wl_feedback_init(struct wl_feedback *fb, struct zwp_linux_dmabuf_feedback_v1 *proxy);
void wl_feedback_finish(struct wl_feedback *fb);

/* What the compositor wants for one format. */
struct wl_plan {
	bool use_shm;
	uint64_t modifier;     /* to send */
	bool linear_unlisted;  /* LINEAR sent though the compositor did not list it */
	struct gralloc_consumer *consumer; /* NULL for shm */
	char describe[400];
};
/* From `fb` when it has completed at least once (surface or default
 * feedback), else from the v3 list. 0, -ENOTSUP (no usable tranche, or
 * no format anywhere), -ENODEV (no dma-buf possible: use shm), -ENOMEM. */
/* `usage` is the client's: SCANOUT asks for an explicit LINEAR modifier
 * where the compositor lists only the implicit one (see wl_feedback.c). */
int wl_plan_for(struct gralloc_wl *wl, const struct wl_feedback *fb, uint32_t format,
		uint64_t usage, struct wl_plan *plan);
void wl_plan_finish(struct wl_plan *plan);

#endif
