/* SPDX-License-Identifier: MIT */
/*
 * TEST DOUBLE: a minimal Wayland compositor that speaks linux-dmabuf
 * version 4 with feedback, because no compositor available here sends
 * feedback (Weston 10 on kms_swrast stops at version 3). It composites
 * nothing: it takes buffers, checks their fds and layout, releases the
 * previous buffer on each commit and answers frame callbacks. Knobs make
 * it send what a real one could: a scanout tranche after N commits,
 * tranches with no usable modifier, `failed` for every buffer, or only
 * version 3.
 *
 *   test-compositor --socket NAME --device /dev/dri/cardN [--version 3|4]
 *                   [--modifier linear|implicit|vendor] [--scanout-after N]
 *                   [--reject]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <wayland-server.h>

#include "linux-dmabuf-unstable-v1-server-protocol.h"

struct fmt_mod {
	uint32_t format, pad;
	uint64_t modifier;
};

static const uint32_t formats[] = { DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888, DRM_FORMAT_NV12 };
#define NUM_FORMATS (sizeof(formats) / sizeof(formats[0]))

static struct {
	dev_t main_dev;
	uint32_t version;
	uint64_t modifier;
	unsigned scanout_after;
	bool reject;
	int table_fd;
	size_t table_size;
	unsigned buffers_live, commits;
} cfg = { .version = 4, .modifier = DRM_FORMAT_MOD_LINEAR, .table_fd = -1 };

struct dmabuf {
	int fds[4];
	uint32_t offsets[4], strides[4];
	uint64_t modifier;
	unsigned planes;
	bool used;
};

struct surface {
	struct wl_list link; /* in `surfaces` */
	struct wl_resource *resource;
	struct wl_resource *pending, *current;
	struct wl_list frames;     /* callback resources (wl_resource links) */
	struct wl_list feedbacks;  /* surface feedback resources */
	unsigned commits;
	bool scanout_sent;
};

static void destroy_resource(struct wl_client *c, struct wl_resource *r)
{
	(void)c;
	wl_resource_destroy(r);
}

static void send_feedback(struct wl_resource *fb, bool scanout)
{
	struct wl_array dev, idx;
	uint16_t *p;

	zwp_linux_dmabuf_feedback_v1_send_format_table(fb, cfg.table_fd, (uint32_t)cfg.table_size);
	wl_array_init(&dev);
	memcpy(wl_array_add(&dev, sizeof(dev_t)), &cfg.main_dev, sizeof(dev_t));
	zwp_linux_dmabuf_feedback_v1_send_main_device(fb, &dev);
	wl_array_init(&idx);
	for (uint16_t i = 0; i < NUM_FORMATS; i++) {
		p = wl_array_add(&idx, sizeof(*p));
		*p = i;
	}
	for (int t = scanout ? 0 : 1; t < 2; t++) {
		zwp_linux_dmabuf_feedback_v1_send_tranche_target_device(fb, &dev);
		zwp_linux_dmabuf_feedback_v1_send_tranche_formats(fb, &idx);
		zwp_linux_dmabuf_feedback_v1_send_tranche_flags(
			fb, t == 0 ? ZWP_LINUX_DMABUF_FEEDBACK_V1_TRANCHE_FLAGS_SCANOUT : 0);
		zwp_linux_dmabuf_feedback_v1_send_tranche_done(fb);
	}
	zwp_linux_dmabuf_feedback_v1_send_done(fb);
	wl_array_release(&dev);
	wl_array_release(&idx);
}

static struct wl_list surfaces;

/* wl_buffer over a dma-buf */
static void buffer_free(struct wl_resource *r)
{
	struct dmabuf *d = wl_resource_get_user_data(r);
	struct surface *s;

	/* A client may destroy a buffer that is still attached. */
	wl_list_for_each(s, &surfaces, link) {
		if (s->pending == r)
			s->pending = NULL;
		if (s->current == r)
			s->current = NULL;
	}

	for (unsigned i = 0; i < 4; i++)
		if (d->fds[i] >= 0)
			close(d->fds[i]);
	free(d);
	cfg.buffers_live--;
}

static const struct wl_buffer_interface buffer_impl = { .destroy = destroy_resource };

/* params */
static void params_free(struct wl_resource *r)
{
	struct dmabuf *d = wl_resource_get_user_data(r);

	if (!d)
		return;
	for (unsigned i = 0; i < 4; i++)
		if (d->fds[i] >= 0)
			close(d->fds[i]);
	free(d);
}

static void params_add(struct wl_client *c, struct wl_resource *r, int32_t fd, uint32_t plane,
		       uint32_t offset, uint32_t stride, uint32_t hi, uint32_t lo)
{
	struct dmabuf *d = wl_resource_get_user_data(r);

	(void)c;
	if (!d || plane >= 4 || d->fds[plane] >= 0) {
		wl_resource_post_error(r, ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_PLANE_IDX,
				       "bad or repeated plane %u", plane);
		close(fd);
		return;
	}
	d->fds[plane] = fd;
	d->offsets[plane] = offset;
	d->strides[plane] = stride;
	d->modifier = ((uint64_t)hi << 32) | lo;
	if (plane + 1 > d->planes)
		d->planes = plane + 1;
}

/* What a real compositor's import would check first: every plane's fd
 * is there and large enough for its rows. */
static bool dmabuf_valid(const struct dmabuf *d, int32_t w, int32_t h, uint32_t format)
{
	unsigned planes = format == DRM_FORMAT_NV12 ? 2 : 1;

	if (d->planes != planes || w <= 0 || h <= 0)
		return false;
	for (unsigned i = 0; i < planes; i++) {
		off_t size = lseek(d->fds[i], 0, SEEK_END);
		uint64_t rows = i ? (uint64_t)(h + 1) / 2 : (uint64_t)h;

		if (d->fds[i] < 0 || size < 0 ||
		    (uint64_t)d->offsets[i] + rows * d->strides[i] > (uint64_t)size)
			return false;
	}
	return true;
}

static struct wl_resource *make_buffer(struct wl_client *c, struct wl_resource *params,
				       uint32_t id)
{
	struct dmabuf *d = wl_resource_get_user_data(params);
	struct wl_resource *b = wl_resource_create(c, &wl_buffer_interface, 1, id);

	if (!b)
		return NULL;
	wl_resource_set_implementation(b, &buffer_impl, d, buffer_free);
	wl_resource_set_user_data(params, NULL);
	cfg.buffers_live++;
	return b;
}

static void params_create(struct wl_client *c, struct wl_resource *r, int32_t w, int32_t h,
			  uint32_t format, uint32_t flags)
{
	struct dmabuf *d = wl_resource_get_user_data(r);
	struct wl_resource *b;

	(void)flags;
	if (cfg.reject || !d || !dmabuf_valid(d, w, h, format)) {
		zwp_linux_buffer_params_v1_send_failed(r);
		return;
	}
	b = make_buffer(c, r, 0);
	if (b)
		zwp_linux_buffer_params_v1_send_created(r, b);
}

static void params_create_immed(struct wl_client *c, struct wl_resource *r, uint32_t id,
				int32_t w, int32_t h, uint32_t format, uint32_t flags)
{
	struct dmabuf *d = wl_resource_get_user_data(r);

	(void)flags;
	if (cfg.reject || !d || !dmabuf_valid(d, w, h, format)) {
		wl_resource_post_error(r, ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_INVALID_WL_BUFFER,
				       "test compositor rejects this buffer");
		return;
	}
	make_buffer(c, r, id);
}

static const struct zwp_linux_buffer_params_v1_interface params_impl = {
	.destroy = destroy_resource,
	.add = params_add,
	.create = params_create,
	.create_immed = params_create_immed,
};

/* feedback */
static void feedback_unlink(struct wl_resource *r)
{
	wl_list_remove(wl_resource_get_link(r));
}

static const struct zwp_linux_dmabuf_feedback_v1_interface feedback_impl = {
	.destroy = destroy_resource,
};

static void dmabuf_create_params(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
	struct wl_resource *p = wl_resource_create(c, &zwp_linux_buffer_params_v1_interface,
						   wl_resource_get_version(r), id);
	struct dmabuf *d = calloc(1, sizeof(*d));

	if (!p || !d) {
		free(d);
		wl_client_post_no_memory(c);
		return;
	}
	for (int i = 0; i < 4; i++)
		d->fds[i] = -1;
	wl_resource_set_implementation(p, &params_impl, d, params_free);
}

static struct wl_resource *new_feedback(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
	struct wl_resource *fb = wl_resource_create(c, &zwp_linux_dmabuf_feedback_v1_interface,
						    wl_resource_get_version(r), id);

	if (!fb)
		wl_client_post_no_memory(c);
	return fb;
}

static void dmabuf_default_feedback(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
	struct wl_resource *fb = new_feedback(c, r, id);

	if (!fb)
		return;
	wl_resource_set_implementation(fb, &feedback_impl, NULL, NULL);
	send_feedback(fb, false);
}

static void dmabuf_surface_feedback(struct wl_client *c, struct wl_resource *r, uint32_t id,
				    struct wl_resource *surface)
{
	struct surface *s = wl_resource_get_user_data(surface);
	struct wl_resource *fb = new_feedback(c, r, id);

	if (!fb)
		return;
	wl_resource_set_implementation(fb, &feedback_impl, NULL, feedback_unlink);
	wl_list_insert(&s->feedbacks, wl_resource_get_link(fb));
	send_feedback(fb, s->scanout_sent);
}

static const struct zwp_linux_dmabuf_v1_interface dmabuf_impl = {
	.destroy = destroy_resource,
	.create_params = dmabuf_create_params,
	.get_default_feedback = dmabuf_default_feedback,
	.get_surface_feedback = dmabuf_surface_feedback,
};

static void bind_dmabuf(struct wl_client *c, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r = wl_resource_create(c, &zwp_linux_dmabuf_v1_interface, version, id);

	(void)data;
	if (!r) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(r, &dmabuf_impl, NULL, NULL);
	if (version < 4)
		for (size_t i = 0; i < NUM_FORMATS; i++)
			zwp_linux_dmabuf_v1_send_modifier(r, formats[i],
							  (uint32_t)(cfg.modifier >> 32),
							  (uint32_t)cfg.modifier);
}

/* surfaces */
static void surface_free(struct wl_resource *r)
{
	struct surface *s = wl_resource_get_user_data(r);
	struct wl_resource *cb, *tmp;

	wl_resource_for_each_safe(cb, tmp, &s->frames)
		wl_resource_destroy(cb);
	wl_resource_for_each_safe(cb, tmp, &s->feedbacks) {
		wl_list_remove(wl_resource_get_link(cb));
		wl_list_init(wl_resource_get_link(cb));
	}
	wl_list_remove(&s->link);
	free(s);
}

static void surface_attach(struct wl_client *c, struct wl_resource *r, struct wl_resource *b,
			   int32_t x, int32_t y)
{
	(void)c, (void)x, (void)y;
	((struct surface *)wl_resource_get_user_data(r))->pending = b;
}

static void surface_noop_rect(struct wl_client *c, struct wl_resource *r, int32_t x, int32_t y,
			      int32_t w, int32_t h)
{
	(void)c, (void)r, (void)x, (void)y, (void)w, (void)h;
}

static void surface_noop_region(struct wl_client *c, struct wl_resource *r,
				struct wl_resource *region)
{
	(void)c, (void)r, (void)region;
}

static void surface_noop_int(struct wl_client *c, struct wl_resource *r, int32_t v)
{
	(void)c, (void)r, (void)v;
}

static void callback_unlink(struct wl_resource *r)
{
	wl_list_remove(wl_resource_get_link(r));
}

static void surface_frame(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
	struct surface *s = wl_resource_get_user_data(r);
	struct wl_resource *cb = wl_resource_create(c, &wl_callback_interface, 1, id);

	if (!cb) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(cb, NULL, NULL, callback_unlink);
	wl_list_insert(s->frames.prev, wl_resource_get_link(cb));
}

static void surface_commit(struct wl_client *c, struct wl_resource *r)
{
	struct surface *s = wl_resource_get_user_data(r);
	struct wl_resource *cb, *tmp;

	(void)c;
	/* A compositor that copied (or stopped scanning out) the old buffer
	 * lets it go. */
	if (s->pending && s->current && s->current != s->pending)
		wl_buffer_send_release(s->current);
	if (s->pending)
		s->current = s->pending;
	s->pending = NULL;
	s->commits++;
	cfg.commits++;
	wl_resource_for_each_safe(cb, tmp, &s->frames) {
		wl_callback_send_done(cb, s->commits);
		wl_resource_destroy(cb);
	}
	if (cfg.scanout_after && s->commits == cfg.scanout_after && !s->scanout_sent) {
		s->scanout_sent = true;
		wl_resource_for_each(cb, &s->feedbacks)
			send_feedback(cb, true);
	}
}

static const struct wl_surface_interface surface_impl = {
	.destroy = destroy_resource,
	.attach = surface_attach,
	.damage = surface_noop_rect,
	.frame = surface_frame,
	.set_opaque_region = surface_noop_region,
	.set_input_region = surface_noop_region,
	.commit = surface_commit,
	.set_buffer_transform = surface_noop_int,
	.set_buffer_scale = surface_noop_int,
	.damage_buffer = surface_noop_rect,
};

static void compositor_create_surface(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
	struct surface *s = calloc(1, sizeof(*s));

	s->resource = s ? wl_resource_create(c, &wl_surface_interface, wl_resource_get_version(r),
					     id) : NULL;
	if (!s || !s->resource) {
		free(s);
		wl_client_post_no_memory(c);
		return;
	}
	wl_list_init(&s->frames);
	wl_list_init(&s->feedbacks);
	wl_list_insert(&surfaces, &s->link);
	wl_resource_set_implementation(s->resource, &surface_impl, s, surface_free);
}

static void compositor_create_region(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
	(void)r;
	(void)id;
	wl_client_post_implementation_error(c, "the test compositor has no regions");
}

static const struct wl_compositor_interface compositor_impl = {
	.create_surface = compositor_create_surface,
	.create_region = compositor_create_region,
};

static void bind_compositor(struct wl_client *c, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r = wl_resource_create(c, &wl_compositor_interface, version, id);

	(void)data;
	if (!r) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(r, &compositor_impl, NULL, NULL);
}

static int make_table(void)
{
	struct fmt_mod t[NUM_FORMATS];
	int fd = memfd_create("format-table", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	for (size_t i = 0; i < NUM_FORMATS; i++)
		t[i] = (struct fmt_mod){ .format = formats[i], .modifier = cfg.modifier };
	if (fd < 0 || write(fd, t, sizeof(t)) != (ssize_t)sizeof(t))
		return -1;
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
	cfg.table_fd = fd;
	cfg.table_size = sizeof(t);
	return 0;
}

static int on_signal(int sig, void *data)
{
	(void)sig;
	wl_display_terminate(data);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "device", required_argument, NULL, 'd' },
		{ "version", required_argument, NULL, 'v' },
		{ "modifier", required_argument, NULL, 'm' },
		{ "scanout-after", required_argument, NULL, 'a' },
		{ "reject", no_argument, NULL, 'r' },
		{ 0 },
	};
	const char *socket = NULL, *device = NULL;
	struct wl_display *display;
	struct stat st;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': socket = optarg; break;
		case 'd': device = optarg; break;
		case 'v': cfg.version = (uint32_t)atoi(optarg); break;
		case 'a': cfg.scanout_after = (unsigned)atoi(optarg); break;
		case 'r': cfg.reject = true; break;
		case 'm':
			cfg.modifier = !strcmp(optarg, "implicit") ? DRM_FORMAT_MOD_INVALID :
				       !strcmp(optarg, "vendor") ? I915_FORMAT_MOD_X_TILED :
								    DRM_FORMAT_MOD_LINEAR;
			break;
		default:
			return 2;
		}
	}
	if (!socket || !device || stat(device, &st) < 0 || cfg.version < 3 || cfg.version > 4) {
		fprintf(stderr, "usage: %s --socket NAME --device /dev/dri/cardN [--version 3|4] "
			"[--modifier linear|implicit|vendor] [--scanout-after N] [--reject]\n",
			argv[0]);
		return 2;
	}
	cfg.main_dev = st.st_rdev;
	wl_list_init(&surfaces);
	signal(SIGPIPE, SIG_IGN);
	/* The event loop takes these through a signalfd: they must be blocked. */
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	display = wl_display_create();
	if (!display || make_table() || wl_display_add_socket(display, socket) ||
	    wl_display_init_shm(display) ||
	    /* As Weston's GL renderer: NV12 over wl_shm, planes back to back. */
	    !wl_display_add_shm_format(display, WL_SHM_FORMAT_NV12) ||
	    !wl_global_create(display, &wl_compositor_interface, 4, NULL, bind_compositor) ||
	    !wl_global_create(display, &zwp_linux_dmabuf_v1_interface, (int)cfg.version, NULL,
			      bind_dmabuf)) {
		fprintf(stderr, "test compositor: setup failed: %s\n", strerror(errno));
		return 1;
	}
	wl_event_loop_add_signal(wl_display_get_event_loop(display), SIGTERM, on_signal, display);
	wl_event_loop_add_signal(wl_display_get_event_loop(display), SIGINT, on_signal, display);
	fprintf(stderr, "test compositor: %s, linux-dmabuf v%u\n", socket, cfg.version);
	wl_display_run(display);
	wl_display_destroy_clients(display);
	wl_display_destroy(display);
	close(cfg.table_fd);
	fprintf(stderr, "test compositor: %u commits, %u buffers still alive\n", cfg.commits,
		cfg.buffers_live);
	return 0;
}
