/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <drm_fourcc.h>

#include "png.h"
#include "presentation-time-client-protocol.h"
#include "screen.h"
#include "wl-app.h"
#include "xdg-shell-client-protocol.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* The default queue, with a timeout: >0 dispatched, 0 timeout, <0 error. */
static int dispatch_timeout(struct app *a, int timeout_ms)
{
	struct pollfd p = { .fd = wl_display_get_fd(a->display), .events = POLLIN };
	int n;

	while (wl_display_prepare_read(a->display) != 0) {
		n = wl_display_dispatch_pending(a->display);
		if (n != 0)
			return n < 0 ? -1 : n;
	}
	wl_display_flush(a->display);
	n = poll(&p, 1, timeout_ms);
	if (n <= 0) {
		wl_display_cancel_read(a->display);
		return n;
	}
	if (wl_display_read_events(a->display) < 0)
		return -1;
	n = wl_display_dispatch_pending(a->display);
	return n < 0 ? -1 : 1;
}

static int connection_error(struct app *a, const char *what)
{
	int err = wl_display_get_error(a->display);

	fprintf(stderr, "%s: compositor connection %s: %s\n", what,
		err == EPROTO ? "ended by a protocol error" : "lost", strerror(err ? err : EPIPE));
	return -(err ? err : EPIPE);
}

static void wm_ping(void *data, struct xdg_wm_base *wm, uint32_t serial)
{
	(void)data;
	xdg_wm_base_pong(wm, serial);
}

static const struct xdg_wm_base_listener wm_listener = { .ping = wm_ping };

static void xs_configure(void *data, struct xdg_surface *xs, uint32_t serial)
{
	struct app *a = data;

	xdg_surface_ack_configure(xs, serial);
	a->configured = true;
}

static const struct xdg_surface_listener xs_listener = { .configure = xs_configure };

static void top_configure(void *data, struct xdg_toplevel *t, int32_t w, int32_t h,
			  struct wl_array *states)
{
	struct app *a = data;

	(void)t;
	(void)states;
	if (w > 0 && h > 0) {
		a->width = (uint32_t)w;
		a->height = (uint32_t)h;
	}
}

static void top_close(void *data, struct xdg_toplevel *t)
{
	(void)t;
	((struct app *)data)->closed = true;
}

static const struct xdg_toplevel_listener top_listener = {
	.configure = top_configure,
	.close = top_close,
};

static void reg_global(void *data, struct wl_registry *r, uint32_t name, const char *iface,
		       uint32_t version)
{
	struct app *a = data;

	if (!strcmp(iface, wl_compositor_interface.name))
		a->compositor = wl_registry_bind(r, name, &wl_compositor_interface,
						 version < 4 ? version : 4);
	else if (!strcmp(iface, xdg_wm_base_interface.name))
		a->wm = wl_registry_bind(r, name, &xdg_wm_base_interface, 1);
	else if (!strcmp(iface, wp_presentation_interface.name))
		a->presentation = wl_registry_bind(r, name, &wp_presentation_interface, 1);
}

static void reg_remove(void *data, struct wl_registry *r, uint32_t name)
{
	(void)data;
	(void)r;
	(void)name;
}

static const struct wl_registry_listener reg_listener = {
	.global = reg_global,
	.global_remove = reg_remove,
};

static void print_usage(const char *prog, const char *extra)
{
	fprintf(stderr,
		"usage: %s [--frames N] [--device /dev/dri/cardN] [--immed] [--shm] [--buffers N]\n"
		"          [--check] [--output FILE.png] [--stats] [--timeout S] [--scanout]\n"
		"          [--size WxH] [--expect-scanout]%s\n"
		"  Draws N frames into gralloc buffers in a fullscreen window of $WAYLAND_DISPLAY.\n"
		"  --device   the compositor's DRM card when it sends no dma-buf feedback\n"
		"             (else $GRALLOC_WAYLAND_DEVICE, else the only card with KMS)\n"
		"  --check    read the screen back (root) and compare it with the last frame\n"
		"  --scanout  ask for buffers the display can scan out directly\n"
		"  --size     buffers of this size instead of the window's (forces composition)\n",
		prog, extra ? extra : "");
}

static int parse(struct app *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "frames", required_argument, NULL, 'f' },
		{ "device", required_argument, NULL, 'd' },
		{ "immed", no_argument, NULL, 'i' },
		{ "shm", no_argument, NULL, 's' },
		{ "check", no_argument, NULL, 'c' },
		{ "stats", no_argument, NULL, 'S' },
		{ "output", required_argument, NULL, 'o' },
		{ "buffers", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "scanout", no_argument, NULL, 'O' },
		{ "expect-scanout", no_argument, NULL, 'E' },
		{ "size", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char *end;
	long v;
	int c;

	a->opt.frames = 60;
	a->opt.timeout_ms = 10000;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
		case 'b':
		case 't':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 0 || v > 1000000 || (c == 'b' && (v < 2 || v > 4)) ||
			    (c == 't' && v < 1)) {
				fprintf(stderr, "bad number for --%s: %s\n",
					c == 'f' ? "frames" : c == 'b' ? "buffers" : "timeout", optarg);
				return -EINVAL;
			}
			if (c == 'f')
				a->opt.frames = (unsigned)v;
			else if (c == 'b')
				a->opt.buffers = (unsigned)v;
			else
				a->opt.timeout_ms = (unsigned)v * 1000;
			break;
		case 'd': a->opt.device = optarg; break;
		case 'i': a->opt.immed = true; break;
		case 's': a->opt.shm = true; break;
		case 'c': a->opt.check = true; break;
		case 'S': a->opt.stats = true; break;
		case 'o': a->opt.output = optarg; break;
		case 'O': a->opt.scanout = true; break;
		case 'E': a->opt.expect_scanout = a->opt.check = a->opt.scanout = true; break;
		case 'z':
			if (sscanf(optarg, "%ux%u", &a->opt.width, &a->opt.height) != 2 ||
			    !a->opt.width || !a->opt.height || a->opt.width > 8192 ||
			    a->opt.height > 8192) {
				fprintf(stderr, "bad --size (WxH, up to 8192): %s\n", optarg);
				return -EINVAL;
			}
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "unexpected argument: %s\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

int app_init(struct app *a, int argc, char **argv, const char *title, uint32_t format,
	     uint64_t usage, const char *extra_usage)
{
	int ret = app_connect(a, argc, argv, title, extra_usage);

	return ret ? ret : app_window(a, title, format, usage, NULL, 0);
}

int app_connect(struct app *a, int argc, char **argv, const char *title, const char *extra_usage)
{
	struct gralloc_wl_options wo = { 0 };

	memset(a, 0, sizeof(*a));
	/* Progress lines must survive a kill when stdout is a file. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse(a, argc, argv)) {
		print_usage(argv[0], extra_usage);
		return -EINVAL;
	}
	a->display = wl_display_connect(NULL);
	if (!a->display) {
		fprintf(stderr, "%s: cannot connect to a Wayland compositor ($WAYLAND_DISPLAY): %s\n",
			title, strerror(errno));
		return -ENOENT;
	}
	a->registry = wl_display_get_registry(a->display);
	wl_registry_add_listener(a->registry, &reg_listener, a);
	if (wl_display_roundtrip(a->display) < 0)
		return connection_error(a, title);
	if (!a->compositor || !a->wm) {
		fprintf(stderr, "%s: compositor lacks wl_compositor or xdg_wm_base\n", title);
		return -ENOTSUP;
	}
	xdg_wm_base_add_listener(a->wm, &wm_listener, a);
	a->dev = gralloc_device_create(NULL);
	if (!a->dev) {
		fprintf(stderr, "%s: gralloc: %s\n", title, gralloc_last_error());
		return -errno;
	}
	wo.compositor_device = a->opt.device;
	a->gwl = gralloc_wl_create(a->display, a->dev, &wo);
	if (!a->gwl) {
		fprintf(stderr, "%s: %s\n", title, gralloc_last_error());
		return -errno;
	}
	printf("# linux-dmabuf version %u, %s; %s\n", gralloc_wl_dmabuf_version(a->gwl),
	       gralloc_wl_has_feedback(a->gwl) ? "feedback" : "no feedback",
	       gralloc_wl_device_reason(a->gwl));
	return 0;
}

int app_window(struct app *a, const char *title, uint32_t format, uint64_t usage,
	       struct gralloc_consumer *const *consumers, size_t num_consumers)
{
	struct gralloc_wl_swapchain_desc sd = { 0 };

	a->format = format;

	a->surface = wl_compositor_create_surface(a->compositor);
	a->xdg_surface = xdg_wm_base_get_xdg_surface(a->wm, a->surface);
	xdg_surface_add_listener(a->xdg_surface, &xs_listener, a);
	a->toplevel = xdg_surface_get_toplevel(a->xdg_surface);
	xdg_toplevel_add_listener(a->toplevel, &top_listener, a);
	xdg_toplevel_set_title(a->toplevel, title);
	xdg_toplevel_set_fullscreen(a->toplevel, NULL);
	wl_surface_commit(a->surface);
	while (!a->configured) {
		int n = dispatch_timeout(a, (int)a->opt.timeout_ms);

		if (n < 0)
			return connection_error(a, title);
		if (n == 0) {
			fprintf(stderr, "%s: no configure from the compositor in %u ms\n", title,
				a->opt.timeout_ms);
			return -ETIMEDOUT;
		}
	}
	if (!a->width || !a->height) {
		a->width = 640;
		a->height = 480;
	}
	if (a->opt.width) {
		a->width = a->opt.width;
		a->height = a->opt.height;
	}
	if (a->opt.scanout)
		usage |= GRALLOC_USAGE_SCANOUT;
	sd.width = a->width;
	sd.height = a->height;
	sd.format = format;
	sd.usage = usage;
	sd.count = a->opt.buffers;
	sd.flags = (a->opt.immed ? GRALLOC_WL_CREATE_IMMED : 0) |
		   (a->opt.shm ? GRALLOC_WL_FORCE_SHM : 0);
	sd.name = title;
	sd.consumers = consumers;
	sd.num_consumers = num_consumers;
	a->sc = gralloc_wl_swapchain_create(a->gwl, a->surface, &sd);
	if (!a->sc) {
		fprintf(stderr, "%s: %s\n", title, gralloc_last_error());
		return -errno;
	}
	printf("# window %ux%u\n", a->width, a->height);
	a->cpu_s = cpu_s();
	a->wall_s = now_s();
	return 0;
}

void app_finish(struct app *a)
{
	gralloc_wl_swapchain_destroy(a->sc);
	gralloc_wl_destroy(a->gwl);
	gralloc_device_destroy(a->dev);
	if (a->toplevel)
		xdg_toplevel_destroy(a->toplevel);
	if (a->xdg_surface)
		xdg_surface_destroy(a->xdg_surface);
	if (a->surface)
		wl_surface_destroy(a->surface);
	if (a->presentation)
		wp_presentation_destroy(a->presentation);
	if (a->wm)
		xdg_wm_base_destroy(a->wm);
	if (a->compositor)
		wl_compositor_destroy(a->compositor);
	if (a->registry)
		wl_registry_destroy(a->registry);
	if (a->display)
		wl_display_disconnect(a->display);
	memset(a, 0, sizeof(*a));
}

static void frame_done(void *data, struct wl_callback *cb, uint32_t t)
{
	(void)t;
	((struct app *)data)->frame_pending = false;
	wl_callback_destroy(cb);
}

static const struct wl_callback_listener frame_listener = { .done = frame_done };

static void pf_sync_output(void *data, struct wp_presentation_feedback *f, struct wl_output *o)
{
	(void)data;
	(void)f;
	(void)o;
}

static void pf_presented(void *data, struct wp_presentation_feedback *f, uint32_t sec_hi,
			 uint32_t sec_lo, uint32_t nsec, uint32_t refresh, uint32_t seq_hi,
			 uint32_t seq_lo, uint32_t flags)
{
	struct app *a = data;

	(void)sec_hi, (void)sec_lo, (void)nsec, (void)refresh, (void)seq_hi, (void)seq_lo;
	a->presented++;
	if (flags & WP_PRESENTATION_FEEDBACK_KIND_ZERO_COPY)
		a->zero_copy++;
	a->feedback_pending--;
	wp_presentation_feedback_destroy(f);
}

static void pf_discarded(void *data, struct wp_presentation_feedback *f)
{
	struct app *a = data;

	a->discarded++;
	a->feedback_pending--;
	wp_presentation_feedback_destroy(f);
}

static const struct wp_presentation_feedback_listener pf_listener = {
	.sync_output = pf_sync_output,
	.presented = pf_presented,
	.discarded = pf_discarded,
};

int app_begin(struct app *a, struct gralloc_wl_buffer **b)
{
	while (a->frame_pending) {
		int n = dispatch_timeout(a, (int)a->opt.timeout_ms);

		if (n < 0)
			return connection_error(a, "frame");
		if (n == 0) {
			fprintf(stderr, "no frame callback in %u ms\n", a->opt.timeout_ms);
			return -ETIMEDOUT;
		}
	}
	if (a->closed)
		return -ECANCELED;
	*b = gralloc_wl_swapchain_acquire(a->sc, (int)a->opt.timeout_ms);
	if (!*b) {
		int err = errno;

		fprintf(stderr, "acquire: %s (%s)\n", gralloc_last_error(), strerror(err));
		return -err;
	}
	return 0;
}

int app_end(struct app *a, struct gralloc_wl_buffer *b)
{
	struct gralloc_buffer_info info;
	struct wl_callback *cb = wl_surface_frame(a->surface);
	struct stat st;
	int ret;

	wl_callback_add_listener(cb, &frame_listener, a);
	a->frame_pending = true;
	if (a->presentation) {
		struct wp_presentation_feedback *f = wp_presentation_feedback(a->presentation,
									      a->surface);

		wp_presentation_feedback_add_listener(f, &pf_listener, a);
		a->feedback_pending++;
	}
	gralloc_buffer_describe(gralloc_wl_buffer_get(b), &info);
	a->last_is_dmabuf = gralloc_wl_buffer_is_dmabuf(b);
	a->last_inode = fstat(info.fds[0], &st) == 0 ? (unsigned long)st.st_ino : 0;
	ret = gralloc_wl_swapchain_present(a->sc, b);
	if (ret)
		fprintf(stderr, "present: %s\n", gralloc_last_error());
	return ret;
}

int app_drain(struct app *a)
{
	double deadline = now_s() + a->opt.timeout_ms / 1000.0;

	while (a->feedback_pending || a->frame_pending) {
		int n = dispatch_timeout(a, 200);

		if (n < 0)
			return connection_error(a, "drain");
		if (now_s() > deadline) {
			fprintf(stderr, "%u presentation feedbacks still pending after %u ms\n",
				a->feedback_pending, a->opt.timeout_ms);
			return -ETIMEDOUT;
		}
	}
	return 0;
}

int app_check(struct app *a, uint32_t (*expect)(uint32_t x, uint32_t y, void *ctx), void *ctx,
	      int tolerance)
{
	const char *card = gralloc_wl_device_path(a->gwl);
	struct screen s;
	uint64_t bad = 0;
	uint32_t first_x = 0, first_y = 0, got = 0, want = 0;
	int ret;

	if (!card[0])
		card = a->opt.device ? a->opt.device : getenv("GRALLOC_WAYLAND_DEVICE");
	if (!card || !card[0]) {
		fprintf(stderr, "check: no compositor device known to read the screen from\n");
		return -ENODEV;
	}
	ret = screen_read(card, &s);
	if (ret)
		return ret;
	printf("# screen: plane %u fb %u %ux%u %.4s, dma-buf inode %lu; last frame's buffer "
	       "inode %lu: %s\n", s.plane_id, s.fb_id, s.width, s.height, (char *)&s.format,
	       s.inode, a->last_inode,
	       a->last_is_dmabuf && s.inode == a->last_inode ?
		       "DIRECT SCANOUT of the client's buffer" : "composited");
	if (a->opt.expect_scanout &&
	    (!a->last_is_dmabuf || s.inode != a->last_inode || !a->zero_copy)) {
		fprintf(stderr, "check: the client's buffer is not scanned out directly (plane "
			"dma-buf inode %lu, client's %lu, %u zero-copy presentations)\n", s.inode,
			a->last_inode, a->zero_copy);
		screen_free(&s);
		return -EIO;
	}
	if (s.width != a->width || s.height != a->height) {
		fprintf(stderr, "check: screen is %ux%u, window %ux%u\n", s.width, s.height,
			a->width, a->height);
		screen_free(&s);
		return -EINVAL;
	}
	for (uint32_t y = 0; y < s.height; y++) {
		for (uint32_t x = 0; x < s.width; x++) {
			uint32_t g = screen_pixel(&s, x, y), w = expect(x, y, ctx);
			bool ok = true;

			if (w == APP_DONT_CARE)
				continue;
			for (int sh = 0; sh < 24; sh += 8) {
				int d = (int)((g >> sh) & 0xff) - (int)((w >> sh) & 0xff);

				ok &= d <= tolerance && d >= -tolerance;
			}
			if (!ok && !bad++) {
				first_x = x;
				first_y = y;
				got = g;
				want = w;
			}
		}
	}
	if (a->opt.output && png_write_xrgb8888(a->opt.output, s.pixels, s.width, s.height,
						s.pitch) == 0)
		printf("# wrote %s\n", a->opt.output);
	screen_free(&s);
	if (bad) {
		fprintf(stderr, "check: %llu of %u pixels differ (tolerance %d); first at %u,%u: "
			"screen %06x, drawn %06x\n", (unsigned long long)bad, a->width * a->height,
			tolerance, first_x, first_y, got, want);
		return -EIO;
	}
	printf("# check: every compared pixel on screen matches the last frame (tolerance %d)\n",
	       tolerance);
	return 0;
}

int app_report(struct app *a, uint32_t (*expect)(uint32_t x, uint32_t y, void *ctx), void *ctx,
	       int tolerance)
{
	double cpu, wall;
	int ret = app_drain(a);

	cpu = cpu_s() - a->cpu_s;
	wall = now_s() - a->wall_s;
	if (ret)
		return ret;
	printf("# %u frames: %u presented (%u zero-copy), %u discarded; swapchain %zu buffers, "
	       "generation %u: %s\n", a->opt.frames, a->presented, a->zero_copy, a->discarded,
	       gralloc_wl_swapchain_buffer_count(a->sc), gralloc_wl_swapchain_generation(a->sc),
	       gralloc_wl_swapchain_describe(a->sc));
	if (a->opt.stats && a->opt.frames)
		printf("stats: frames %u cpu_us_per_frame %.1f frame_ms %.2f\n", a->opt.frames,
		       cpu * 1e6 / a->opt.frames, wall * 1e3 / a->opt.frames);
	if (a->opt.check)
		ret = app_check(a, expect, ctx, tolerance);
	return ret;
}
