/* SPDX-License-Identifier: MIT */
/* What the example clients share: the connection, one fullscreen
 * xdg_toplevel, the gralloc swapchain, frame pacing by frame callbacks,
 * wp_presentation counts, options, and the picture check. */
#ifndef GRALLOC_EXAMPLE_WL_APP_H
#define GRALLOC_EXAMPLE_WL_APP_H

#include <stdbool.h>
#include <stdint.h>

#include <gralloc/wayland.h>

struct app_options {
	unsigned frames;       /* --frames N (default 60) */
	const char *device;    /* --device NODE: the compositor's card without feedback */
	bool immed;            /* --immed: create_immed instead of create */
	bool shm;              /* --shm: force wl_shm */
	bool check;            /* --check: compare the screen with the last frame */
	bool stats;            /* --stats: CPU and frame time per frame */
	const char *output;    /* --output FILE.png: what the screen showed */
	unsigned buffers;      /* --buffers N (2..4) */
	unsigned timeout_ms;   /* --timeout S: per frame, default 10 s */
	bool scanout;          /* --scanout: ask for direct scanout (SCANOUT usage) */
	bool expect_scanout;   /* --expect-scanout: --check fails unless scanned out directly */
	uint32_t width, height; /* --size WxH: not the window's size (composited) */
};

struct app {
	struct app_options opt;
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct xdg_wm_base *wm;
	struct wp_presentation *presentation;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	uint32_t width, height;
	bool configured, closed;
	struct gralloc_device *dev;
	struct gralloc_wl *gwl;
	struct gralloc_wl_swapchain *sc;
	bool frame_pending;
	unsigned presented, zero_copy, discarded, feedback_pending;
	uint32_t format;
	/* per-buffer inode of each frame's dma-buf, for the scanout check */
	unsigned long last_inode;
	bool last_is_dmabuf;
	/* stats */
	double cpu_s, wall_s;
};

/* Parses options (prints usage and returns -EINVAL on a bad one), connects
 * to $WAYLAND_DISPLAY, makes the fullscreen window and the swapchain for
 * `format` drawn with `usage`. 0 or -errno with a message on stderr. */
int app_init(struct app *a, int argc, char **argv, const char *title, uint32_t format,
	     uint64_t usage, const char *extra_usage);
/* The same in two steps, for clients that need the compositor's device
 * (from app->gwl) before they can say who else uses the buffers. */
int app_connect(struct app *a, int argc, char **argv, const char *title, const char *extra_usage);
int app_window(struct app *a, const char *title, uint32_t format, uint64_t usage,
	       struct gralloc_consumer *const *consumers, size_t num_consumers);
void app_finish(struct app *a);
/* Waits for the previous frame's callback and acquires a buffer. */
int app_begin(struct app *a, struct gralloc_wl_buffer **b);
/* Presents b with frame callback and presentation feedback. */
int app_end(struct app *a, struct gralloc_wl_buffer *b);
/* Waits until every presented frame has its presentation feedback. */
int app_drain(struct app *a);
/* What expect() returns for a pixel the check must not compare. */
#define APP_DONT_CARE 0x01000000u

/* Reads the compositor's screen back (its primary plane, as root) and
 * compares each pixel with expect(x, y) (XRGB8888) within `tolerance` per
 * channel; prints the verdict, the scanout state, writes --output.
 * 0 when they match. */
int app_check(struct app *a, uint32_t (*expect)(uint32_t x, uint32_t y, void *ctx), void *ctx,
	      int tolerance);
/* The main loop's tail: drain, report, --check, --stats. */
int app_report(struct app *a, uint32_t (*expect)(uint32_t x, uint32_t y, void *ctx), void *ctx,
	       int tolerance);

#endif
