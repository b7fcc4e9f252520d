/* SPDX-License-Identifier: MIT */
/* linux-dmabuf feedback (version 4): the format table, main device and
 * tranches, and what they mean for one format: a gralloc consumer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "wl_private.h"

static void tranche_clear(struct wl_tranche *t)
{
	free(t->indices);
	memset(t, 0, sizeof(*t));
}

static void batch_clear(struct wl_feedback_batch *b)
{
	for (size_t i = 0; i < b->num_tranches; i++)
		tranche_clear(&b->tranches[i]);
	free(b->tranches);
	tranche_clear(&b->building);
	memset(b, 0, sizeof(*b));
}

static void fail(struct wl_feedback *fb, const char *why)
{
	if (!fb->malformed)
		snprintf(fb->malformed_why, sizeof(fb->malformed_why), "%s", why);
	fb->malformed = true;
}

/* The first event after a `done` starts a new batch. */
static struct wl_feedback_batch *pending(struct wl_feedback *fb)
{
	if (!fb->receiving) {
		batch_clear(&fb->pending);
		fb->receiving = true;
	}
	return &fb->pending;
}

static bool read_dev(struct wl_array *a, dev_t *out)
{
	if (a->size != sizeof(dev_t))
		return false;
	memcpy(out, a->data, sizeof(dev_t));
	return true;
}

static void on_done(void *data, struct zwp_linux_dmabuf_feedback_v1 *p)
{
	struct wl_feedback *fb = data;

	(void)p;
	pending(fb);
	batch_clear(&fb->cur);
	fb->cur = fb->pending;
	memset(&fb->pending, 0, sizeof(fb->pending));
	fb->receiving = false;
	fb->done_count++;
}

static void on_format_table(void *data, struct zwp_linux_dmabuf_feedback_v1 *p, int32_t fd,
			    uint32_t size)
{
	struct wl_feedback *fb = data;
	void *map;

	(void)p;
	pending(fb);
	/* The fd is ours to close (libwayland hands received fds over). */
	if (size == 0 || size % sizeof(struct wl_format_mod)) {
		fail(fb, "format table size is not a multiple of 16 bytes");
		close(fd);
		return;
	}
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		fail(fb, "format table cannot be mapped");
		return;
	}
	free(fb->table);
	fb->table = malloc(size);
	if (fb->table)
		memcpy(fb->table, map, size);
	fb->table_len = fb->table ? size / sizeof(struct wl_format_mod) : 0;
	munmap(map, size);
}

static void on_main_device(void *data, struct zwp_linux_dmabuf_feedback_v1 *p,
			   struct wl_array *dev)
{
	struct wl_feedback *fb = data;
	struct wl_feedback_batch *b = pending(fb);

	(void)p;
	if (!read_dev(dev, &b->main_device))
		fail(fb, "main_device is not a dev_t");
	else
		b->have_main = true;
}

static void on_tranche_done(void *data, struct zwp_linux_dmabuf_feedback_v1 *p)
{
	struct wl_feedback *fb = data;
	struct wl_feedback_batch *b = pending(fb);
	struct wl_tranche *t;

	(void)p;
	t = realloc(b->tranches, (b->num_tranches + 1) * sizeof(*t));
	if (!t) {
		fail(fb, "out of memory");
		tranche_clear(&b->building);
		return;
	}
	b->tranches = t;
	b->tranches[b->num_tranches++] = b->building;
	memset(&b->building, 0, sizeof(b->building));
}

static void on_tranche_target_device(void *data, struct zwp_linux_dmabuf_feedback_v1 *p,
				     struct wl_array *dev)
{
	struct wl_feedback *fb = data;

	(void)p;
	if (!read_dev(dev, &pending(fb)->building.target))
		fail(fb, "tranche_target_device is not a dev_t");
}

static void on_tranche_formats(void *data, struct zwp_linux_dmabuf_feedback_v1 *p,
			       struct wl_array *indices)
{
	struct wl_feedback *fb = data;
	struct wl_tranche *t = &pending(fb)->building;
	size_t n = indices->size / sizeof(uint16_t);
	uint16_t *grown;

	(void)p;
	if (indices->size % sizeof(uint16_t)) {
		fail(fb, "tranche_formats is not an array of 16-bit indices");
		return;
	}
	grown = realloc(t->indices, (t->num + n + 1) * sizeof(uint16_t));
	if (!grown) {
		fail(fb, "out of memory");
		return;
	}
	t->indices = grown;
	memcpy(t->indices + t->num, indices->data, n * sizeof(uint16_t));
	t->num += n;
}

static void on_tranche_flags(void *data, struct zwp_linux_dmabuf_feedback_v1 *p, uint32_t flags)
{
	struct wl_feedback *fb = data;

	(void)p;
	pending(fb)->building.flags = flags;
}

static const struct zwp_linux_dmabuf_feedback_v1_listener feedback_listener = {
	.done = on_done,
	.format_table = on_format_table,
	.main_device = on_main_device,
	.tranche_done = on_tranche_done,
	.tranche_target_device = on_tranche_target_device,
	.tranche_formats = on_tranche_formats,
	.tranche_flags = on_tranche_flags,
};

void wl_feedback_init(struct wl_feedback *fb, struct zwp_linux_dmabuf_feedback_v1 *proxy)
{
	memset(fb, 0, sizeof(*fb));
	fb->proxy = proxy;
	if (proxy)
		zwp_linux_dmabuf_feedback_v1_add_listener(proxy, &feedback_listener, fb);
}

void wl_feedback_finish(struct wl_feedback *fb)
{
	if (fb->proxy)
		zwp_linux_dmabuf_feedback_v1_destroy(fb->proxy);
	batch_clear(&fb->cur);
	batch_clear(&fb->pending);
	free(fb->table);
	memset(fb, 0, sizeof(*fb));
}

void wl_plan_finish(struct wl_plan *plan)
{
	gralloc_consumer_destroy(plan->consumer);
	plan->consumer = NULL;
}

static void fourcc_name(uint32_t f, char out[5])
{
	for (int i = 0; i < 4; i++) {
		char ch = (char)((f >> (8 * i)) & 0xff);

		out[i] = ch >= ' ' && ch < 127 ? ch : '?';
	}
	out[4] = '\0';
}

/* Which modifier to send for linear memory, given what a list offers:
 * LINEAR when offered, else implicit (INVALID), which for a device's own
 * linear dumb buffers is what its driver assumes. false when neither. */
static bool pick_modifier(bool linear, bool implicit, uint64_t *mod)
{
	if (linear)
		*mod = DRM_FORMAT_MOD_LINEAR;
	else if (implicit)
		*mod = DRM_FORMAT_MOD_INVALID;
	return linear || implicit;
}

static int make_consumer(struct gralloc_wl *wl, const char *device, uint32_t format,
			 bool scanout, const char *source, struct wl_plan *plan)
{
	struct gralloc_consumer *c;
	char name[160], fcc[5], why[256];
	bool foreign = wl->opts.compositor_imports_foreign;

	fourcc_name(format, fcc);
	snprintf(name, sizeof(name), "wayland compositor (%s, device %.100s)", source, device);
	snprintf(why, sizeof(why), "the compositor has shown it uses %.100s, not that it can "
		 "import other exporters' dma-bufs", device);
	c = gralloc_consumer_create(name, &(struct gralloc_consumer_desc){
		.usage = GRALLOC_USAGE_GPU_TEXTURE | (scanout ? GRALLOC_USAGE_SCANOUT : 0),
		.needs_dma_buf = true,
		.imports_foreign = foreign,
		.own_device = foreign ? NULL : device,
		.why = foreign ? NULL : why,
	});
	if (!c)
		return -errno;
	if (gralloc_consumer_add_format(c, format, DRM_FORMAT_MOD_LINEAR)) {
		gralloc_consumer_destroy(c);
		return -ENOMEM;
	}
	plan->consumer = c;
	snprintf(plan->describe, sizeof(plan->describe), "%s %s modifier %s%s: %s", fcc,
		 source, plan->modifier == DRM_FORMAT_MOD_LINEAR ? "LINEAR" : "implicit",
		 scanout ? ", scanout" : "", name);
	return 0;
}

static int plan_from_feedback(struct gralloc_wl *wl, const struct wl_feedback *fb,
			      uint32_t format, struct wl_plan *plan)
{
	const struct wl_feedback_batch *b = &fb->cur;
	char device[256], fcc[5], tranches[300] = "";
	bool scanout = false, linear = false, implicit = false;

	fourcc_name(format, fcc);
	if (fb->malformed) {
		gralloc_log(ERROR, "compositor sent malformed dma-buf feedback: %s",
			    fb->malformed_why);
		return -EPROTO;
	}
	if (!b->have_main) {
		gralloc_log(ERROR, "dma-buf feedback without a main device");
		return -EPROTO;
	}
	if (wl_device_path_for(b->main_device, device, sizeof(device))) {
		gralloc_log(ERROR, "feedback main device %u:%u has no DRM card node here",
			    major(b->main_device), minor(b->main_device));
		return -ENODEV;
	}
	for (size_t i = 0; i < b->num_tranches; i++) {
		const struct wl_tranche *t = &b->tranches[i];
		bool tl = false, ti = false;
		size_t used = strlen(tranches);

		for (size_t k = 0; k < t->num; k++) {
			const struct wl_format_mod *m;

			if (t->indices[k] >= fb->table_len)
				continue; /* an index past the table offers nothing */
			m = &fb->table[t->indices[k]];
			if (m->format != format)
				continue;
			tl |= m->modifier == DRM_FORMAT_MOD_LINEAR;
			ti |= m->modifier == DRM_FORMAT_MOD_INVALID;
		}
		snprintf(tranches + used, sizeof(tranches) - used, "%stranche %zu (device %u:%u%s, "
			 "%zu formats)", i ? ", " : "", i, major(t->target), minor(t->target),
			 t->flags & ZWP_LINUX_DMABUF_FEEDBACK_V1_TRANCHE_FLAGS_SCANOUT ?
				 ", scanout" : "", t->num);
		/* Tranches come in order of preference: the first that takes
		 * the format decides scanout. */
		if ((tl || ti) && !linear && !implicit)
			scanout = t->flags & ZWP_LINUX_DMABUF_FEEDBACK_V1_TRANCHE_FLAGS_SCANOUT;
		linear |= tl;
		implicit |= ti;
	}
	if (!pick_modifier(linear, implicit, &plan->modifier)) {
		gralloc_log(ERROR, "compositor's dma-buf feedback offers %s with no modifier linear "
			    "memory has (LINEAR or implicit) in any tranche: %s", fcc,
			    b->num_tranches ? tranches : "no tranches at all");
		return -ENOTSUP;
	}
	return make_consumer(wl, device, format, scanout, "dma-buf feedback", plan);
}

int wl_plan_for(struct gralloc_wl *wl, const struct wl_feedback *fb, uint32_t format,
		uint64_t usage, struct wl_plan *plan)
{
	bool linear = false, implicit = false;
	char fcc[5];

	memset(plan, 0, sizeof(*plan));
	fourcc_name(format, fcc);
	if (wl->dmabuf && fb && fb->done_count)
		return plan_from_feedback(wl, fb, format, plan);
	if (!wl->dmabuf || !wl->device[0]) {
		if (!wl->shm || !wl_shm_has(wl, format)) {
			gralloc_log(ERROR, "no way to give %s buffers to this compositor: %s%s", fcc,
				    wl->device_reason,
				    wl->shm ? ", and wl_shm does not offer the format" : "");
			return -ENOTSUP;
		}
		plan->use_shm = true;
		plan->modifier = DRM_FORMAT_MOD_INVALID;
		snprintf(plan->describe, sizeof(plan->describe), "%s wl_shm (%s)", fcc,
			 wl->device_reason);
		return 0;
	}
	for (size_t i = 0; i < wl->num_mods; i++) {
		if (wl->mods[i].format != format)
			continue;
		linear |= wl->mods[i].modifier == DRM_FORMAT_MOD_LINEAR;
		implicit |= wl->mods[i].modifier == DRM_FORMAT_MOD_INVALID;
	}
	if (!pick_modifier(linear, implicit, &plan->modifier)) {
		gralloc_log(ERROR, "compositor's zwp_linux_dmabuf_v1 (version %u, no feedback) does "
			    "not offer %s with LINEAR or the implicit modifier", wl->dmabuf_version,
			    fcc);
		return -ENOTSUP;
	}
	/* Weston 10 on a GL renderer lists only the implicit modifier, yet
	 * puts a fullscreen buffer on a plane only when it carries an explicit
	 * one. LINEAR is the truth about gralloc memory, so a client that asks
	 * for scanout says so; a compositor that refuses it answers `failed`,
	 * and the swapchain then falls back to implicit. */
	if (!linear && (usage & GRALLOC_USAGE_SCANOUT)) {
		plan->modifier = DRM_FORMAT_MOD_LINEAR;
		plan->linear_unlisted = true;
	}
	return make_consumer(wl, wl->device, format, (usage & GRALLOC_USAGE_SCANOUT) != 0,
			     "no feedback", plan);
}
