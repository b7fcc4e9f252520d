/* SPDX-License-Identifier: MIT */
/*
 * Wayland clients: turn what a compositor says about buffers (linux-dmabuf
 * feedback, or the older format list) into gralloc consumers, allocate
 * through gralloc and hand the memory to the compositor as wl_buffers, in
 * a small swapchain that tracks wl_buffer.release and buffer age.
 *
 * Lives in libgralloc-wayland so that libgralloc never depends on
 * libwayland-client.
 *
 * Which memory the compositor gets:
 * - With linux-dmabuf version 4 feedback: memory of the feedback's main
 *   device (its own dumb buffers: the compositor has shown it uses that
 *   device, not that it can import other exporters' memory), the formats
 *   of its tranches, and SCANOUT usage when the format is in a scanout
 *   tranche.
 * - Without feedback (version 3, e.g. Weston 10 on a GL renderer): the
 *   compositor's device comes from gralloc_wl_options.compositor_device,
 *   else $GRALLOC_WAYLAND_DEVICE, else the machine's only DRM card with
 *   KMS. When none can be named, only wl_shm (CPU memory) is used:
 *   a compositor is never sent foreign dma-bufs it has not shown it can
 *   import (Weston on kms_swrast crashes on them).
 * - No linux-dmabuf at all: wl_shm.
 *
 * Events of the objects made here go to a private event queue, so the
 * application's own queue is never dispatched behind its back.
 *
 * fds: the compositor receives duplicates made by libwayland; the
 * buffers' fds stay gralloc's.
 */
#ifndef GRALLOC_WAYLAND_H
#define GRALLOC_WAYLAND_H

#include <wayland-client.h>

#include <gralloc/consumer.h>
#include <gralloc/gralloc.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gralloc_wl;
struct gralloc_wl_swapchain;
struct gralloc_wl_buffer;

/* Zero-initialise; zero fields take the defaults. */
struct gralloc_wl_options {
	/* The DRM node the compositor renders with, used only when the
	 * compositor sends no feedback (see above). */
	const char *compositor_device;
	/* Highest zwp_linux_dmabuf_v1 version to bind; 0 means 4. */
	uint32_t max_dmabuf_version;
	/* Set only when you know the compositor's renderer can use dma-bufs
	 * that other exporters made: then any dma-buf memory will do. */
	bool compositor_imports_foreign;
};

/* Binds wl_shm and zwp_linux_dmabuf_v1 on `display` (borrowed, must
 * outlive the result) and waits for the formats and the default feedback
 * (two round trips). `dev` is borrowed. NULL with errno: EPIPE/ECONNRESET
 * when the connection fails, ENOMEM. */
GRALLOC_EXPORT struct gralloc_wl *gralloc_wl_create(struct wl_display *display,
						    struct gralloc_device *dev,
						    const struct gralloc_wl_options *opts);
/* Accepts NULL. Every swapchain must be destroyed first. */
GRALLOC_EXPORT void gralloc_wl_destroy(struct gralloc_wl *wl);
/* Bound zwp_linux_dmabuf_v1 version, 0 when the compositor has none. */
GRALLOC_EXPORT uint32_t gralloc_wl_dmabuf_version(const struct gralloc_wl *wl);
/* Whether the compositor sent default feedback (version 4). */
GRALLOC_EXPORT bool gralloc_wl_has_feedback(const struct gralloc_wl *wl);
/* The DRM node whose memory the compositor gets; "" when only wl_shm. */
GRALLOC_EXPORT const char *gralloc_wl_device_path(const struct gralloc_wl *wl);
/* One line saying where the device came from (feedback, option, env, the
 * only card) or why there is none. */
GRALLOC_EXPORT const char *gralloc_wl_device_reason(const struct gralloc_wl *wl);

/* The compositor as a consumer of `format` buffers, from the default
 * feedback or the format list. NULL with errno ENOTSUP and a message
 * naming every tranche when no tranche offers the format with a modifier
 * gralloc memory has (LINEAR, or implicit for the device's own memory);
 * ENODEV when dma-bufs cannot be used at all (then use wl_shm). */
GRALLOC_EXPORT struct gralloc_consumer *gralloc_wl_create_consumer(struct gralloc_wl *wl,
								   uint32_t format);

/* Swapchain flags. */
/* Create wl_buffers with create_immed (no round trip; a rejected buffer
 * is a protocol error that ends the connection). The default is create
 * and wait for created/failed. */
#define GRALLOC_WL_CREATE_IMMED (1u << 0)
/* Never use dma-bufs: wl_shm over gralloc CPU memory. */
#define GRALLOC_WL_FORCE_SHM (1u << 1)

struct gralloc_wl_swapchain_desc {
	uint32_t width, height, format; /* DRM fourcc */
	/* What the client does to the buffers (CPU_WRITE_OFTEN, GPU_RENDER_TARGET);
	 * the compositor's needs are added. */
	uint64_t usage;
	uint32_t count; /* 2..4 buffers; 0 means 3 */
	uint32_t flags; /* GRALLOC_WL_* */
	const char *name;
	/* The client's own consumers of the buffers besides the compositor
	 * (the EGL display it renders with, ...); borrowed, must outlive the
	 * swapchain. At most GRALLOC_MAX_CONSUMERS - 1. */
	struct gralloc_consumer *const *consumers;
	size_t num_consumers;
};

/* A swapchain for `surface` (borrowed; must outlive it). With version 4
 * it follows the surface's own feedback: when that changes (a scanout
 * tranche after going fullscreen), buffers are reallocated as they come
 * free. Buffers are allocated lazily by acquire. */
GRALLOC_EXPORT struct gralloc_wl_swapchain *
gralloc_wl_swapchain_create(struct gralloc_wl *wl, struct wl_surface *surface,
			    const struct gralloc_wl_swapchain_desc *desc);
/* Frees every buffer, busy or not (the compositor keeps its own references
 * to the memory until it lets go). Accepts NULL. */
GRALLOC_EXPORT void gralloc_wl_swapchain_destroy(struct gralloc_wl_swapchain *sc);

/* The next buffer to draw into: a free one, allocating up to `count`,
 * else waits for a wl_buffer.release for up to timeout_ms (-1: forever).
 * NULL with errno ETIMEDOUT, EPIPE when the compositor went away, EPROTO
 * on a protocol error, ENOTSUP when the compositor rejected the memory
 * (failed event), or the allocation's errno; gralloc_last_error() says
 * which. */
GRALLOC_EXPORT struct gralloc_wl_buffer *gralloc_wl_swapchain_acquire(struct gralloc_wl_swapchain *sc,
								      int timeout_ms);
/* Attaches `b` (from acquire) to the surface, damages all of it and
 * commits. The buffer is busy until the compositor releases it. */
GRALLOC_EXPORT int gralloc_wl_swapchain_present(struct gralloc_wl_swapchain *sc,
						struct gralloc_wl_buffer *b);
/* Puts an acquired buffer back unpresented. */
GRALLOC_EXPORT void gralloc_wl_swapchain_cancel(struct gralloc_wl_swapchain *sc,
						struct gralloc_wl_buffer *b);
/* New size: buffers are replaced as they come free. */
GRALLOC_EXPORT int gralloc_wl_swapchain_resize(struct gralloc_wl_swapchain *sc, uint32_t width,
					       uint32_t height);
/* Dispatches pending events of the swapchain's queue without blocking
 * (releases, feedback). 0 or -errno as acquire. */
GRALLOC_EXPORT int gralloc_wl_swapchain_dispatch(struct gralloc_wl_swapchain *sc);
/* Buffers currently allocated. */
GRALLOC_EXPORT size_t gralloc_wl_swapchain_buffer_count(const struct gralloc_wl_swapchain *sc);
/* Incremented every time the swapchain decides to reallocate (feedback,
 * resize). */
GRALLOC_EXPORT uint32_t gralloc_wl_swapchain_generation(const struct gralloc_wl_swapchain *sc);
/* The consumer in force ("" before the first allocation, "wl_shm"). */
GRALLOC_EXPORT const char *gralloc_wl_swapchain_describe(const struct gralloc_wl_swapchain *sc);

/* Borrowed: valid while the buffer belongs to its swapchain. */
GRALLOC_EXPORT struct gralloc_buffer *gralloc_wl_buffer_get(const struct gralloc_wl_buffer *b);
GRALLOC_EXPORT struct wl_buffer *gralloc_wl_buffer_wl(const struct gralloc_wl_buffer *b);
/* 0: contents undefined (new buffer); n: the buffer holds the frame
 * presented n frames before the one about to be drawn. */
GRALLOC_EXPORT uint32_t gralloc_wl_buffer_age(const struct gralloc_wl_buffer *b);
/* DRM modifier sent to the compositor (DRM_FORMAT_MOD_INVALID for
 * implicit), or DRM_FORMAT_MOD_INVALID for wl_shm. */
GRALLOC_EXPORT uint64_t gralloc_wl_buffer_modifier(const struct gralloc_wl_buffer *b);
/* Whether the buffer went as a dma-buf (else wl_shm). */
GRALLOC_EXPORT bool gralloc_wl_buffer_is_dmabuf(const struct gralloc_wl_buffer *b);

#ifdef __cplusplus
}
#endif

#endif
