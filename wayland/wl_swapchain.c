/* SPDX-License-Identifier: MIT */
/* A small swapchain: gralloc buffers as wl_buffers, release tracking,
 * buffer age, reallocation when the surface's feedback or size changes. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <drm_fourcc.h>

#include "wl_private.h"

#define MAX_BUFFERS 4
#define DEFAULT_BUFFERS 3

struct gralloc_wl_buffer {
	struct gralloc_wl_swapchain *sc;
	struct gralloc_buffer *buf;
	struct wl_buffer *wlb;
	uint64_t modifier;
	bool dmabuf;
	bool acquired, busy, stale;
	uint64_t presented; /* frame number of the last present, 0 = never */
	int created;        /* async creation: 0 waiting, 1 created, -1 failed */
};

struct gralloc_wl_swapchain {
	struct gralloc_wl *wl;
	struct wl_surface *surface;
	struct gralloc_wl_swapchain_desc desc;
	char name[GRALLOC_NAME_MAX];
	struct gralloc_wl_buffer *bufs[MAX_BUFFERS];
	size_t num;
	uint64_t frame;
	uint32_t generation;
	struct wl_feedback feedback; /* the surface's own (v4) */
	uint32_t feedback_seen;      /* done_count the plan was made from */
	struct wl_plan plan;
	bool planned;
	char describe[400];
};

static void buffer_destroy(struct gralloc_wl_buffer *b)
{
	if (!b)
		return;
	if (b->wlb)
		wl_buffer_destroy(b->wlb);
	gralloc_buffer_free(b->sc->wl->dev, b->buf);
	free(b);
}

static void remove_at(struct gralloc_wl_swapchain *sc, size_t i)
{
	buffer_destroy(sc->bufs[i]);
	memmove(&sc->bufs[i], &sc->bufs[i + 1], (sc->num - i - 1) * sizeof(sc->bufs[0]));
	sc->num--;
}

/* Stale buffers go as soon as the compositor and the caller are done. */
static void sweep(struct gralloc_wl_swapchain *sc)
{
	for (size_t i = sc->num; i-- > 0;) {
		struct gralloc_wl_buffer *b = sc->bufs[i];

		if (b->stale && !b->busy && !b->acquired)
			remove_at(sc, i);
	}
}

static void on_release(void *data, struct wl_buffer *wlb)
{
	struct gralloc_wl_buffer *b = data;

	(void)wlb;
	b->busy = false;
}

static const struct wl_buffer_listener buffer_listener = { .release = on_release };

static void on_created(void *data, struct zwp_linux_buffer_params_v1 *p, struct wl_buffer *wlb)
{
	struct gralloc_wl_buffer *b = data;

	(void)p;
	b->wlb = wlb;
	b->created = 1;
}

static void on_failed(void *data, struct zwp_linux_buffer_params_v1 *p)
{
	struct gralloc_wl_buffer *b = data;

	(void)p;
	b->created = -1;
}

static const struct zwp_linux_buffer_params_v1_listener params_listener = {
	.created = on_created,
	.failed = on_failed,
};

static int wrap_dmabuf(struct gralloc_wl_swapchain *sc, struct gralloc_wl_buffer *b,
		       const struct gralloc_buffer_info *info)
{
	struct gralloc_wl *wl = sc->wl;
	struct zwp_linux_buffer_params_v1 *params;
	int ret = 0;

	params = zwp_linux_dmabuf_v1_create_params(wl->dmabuf);
	if (!params)
		return -ENOMEM;
	for (uint32_t i = 0; i < info->num_planes; i++) {
		const struct gralloc_plane_info *pl = &info->planes[i];

		if (pl->offset > UINT32_MAX) {
			gralloc_log(ERROR, "plane %u offset %llu does not fit the protocol", i,
				    (unsigned long long)pl->offset);
			zwp_linux_buffer_params_v1_destroy(params);
			return -EOVERFLOW;
		}
		/* libwayland sends a duplicate: the fd stays the buffer's. */
		zwp_linux_buffer_params_v1_add(params, info->fds[pl->fd_index], i,
					       (uint32_t)pl->offset, pl->stride,
					       (uint32_t)(b->modifier >> 32),
					       (uint32_t)(b->modifier & 0xffffffff));
	}
	if (sc->desc.flags & GRALLOC_WL_CREATE_IMMED) {
		b->wlb = zwp_linux_buffer_params_v1_create_immed(params, (int32_t)info->width,
								 (int32_t)info->height,
								 info->format, 0);
		zwp_linux_buffer_params_v1_destroy(params);
		return b->wlb ? 0 : -ENOMEM;
	}
	zwp_linux_buffer_params_v1_add_listener(params, &params_listener, b);
	zwp_linux_buffer_params_v1_create(params, (int32_t)info->width, (int32_t)info->height,
					  info->format, 0);
	while (!b->created && !ret)
		ret = wl_roundtrip(wl);
	zwp_linux_buffer_params_v1_destroy(params);
	if (ret)
		return ret;
	if (b->created < 0) {
		gralloc_log(ERROR, "compositor rejected the dma-buf (failed event): %s memory%s%s, "
			    "%ux%u, modifier %s; %s", info->backend, info->heap[0] ? " of heap " : "",
			    info->heap, info->width, info->height,
			    b->modifier == DRM_FORMAT_MOD_LINEAR ? "LINEAR" : "implicit",
			    sc->describe);
		return -ENOTSUP;
	}
	return 0;
}

static int wrap_shm(struct gralloc_wl_swapchain *sc, struct gralloc_wl_buffer *b,
		    const struct gralloc_buffer_info *info)
{
	struct wl_shm_pool *pool;
	uint32_t code = info->format;

	if (info->num_planes > 2 || info->planes[0].offset > INT32_MAX ||
	    info->size > INT32_MAX || info->planes[0].stride > INT32_MAX) {
		gralloc_log(ERROR, "wl_shm takes one plane (or NV12's two) under 2 GiB");
		return -ENOTSUP;
	}
	/* wl_shm names one offset and stride: a second plane is where the
	 * compositor will look for it, right after the first, with the same
	 * stride (Weston's NV12). Any other layout would be read wrongly. */
	if (info->num_planes == 2 &&
	    (info->planes[1].stride != info->planes[0].stride ||
	     info->planes[1].offset !=
		     info->planes[0].offset + (uint64_t)info->planes[0].stride * info->height)) {
		gralloc_log(ERROR, "wl_shm implies the chroma plane right after %u rows of %u "
			    "bytes; this buffer has it at %llu with stride %u", info->height,
			    info->planes[0].stride, (unsigned long long)info->planes[1].offset,
			    info->planes[1].stride);
		return -ENOTSUP;
	}
	if (code == DRM_FORMAT_ARGB8888)
		code = WL_SHM_FORMAT_ARGB8888;
	else if (code == DRM_FORMAT_XRGB8888)
		code = WL_SHM_FORMAT_XRGB8888;
	pool = wl_shm_create_pool(sc->wl->shm, info->fds[0], (int32_t)info->size);
	if (!pool)
		return -ENOMEM;
	b->wlb = wl_shm_pool_create_buffer(pool, (int32_t)info->planes[0].offset,
					   (int32_t)info->width, (int32_t)info->height,
					   (int32_t)info->planes[0].stride, code);
	wl_shm_pool_destroy(pool);
	return b->wlb ? 0 : -ENOMEM;
}

static int replan(struct gralloc_wl_swapchain *sc)
{
	const struct wl_feedback *fb = sc->feedback.done_count ? &sc->feedback : &sc->wl->feedback;
	struct wl_plan plan;
	int ret;

	if (sc->desc.flags & GRALLOC_WL_FORCE_SHM) {
		if (!sc->wl->shm || !wl_shm_has(sc->wl, sc->desc.format)) {
			gralloc_log(ERROR, "wl_shm is not offered for this format");
			return -ENOTSUP;
		}
		memset(&plan, 0, sizeof(plan));
		plan.use_shm = true;
		plan.modifier = DRM_FORMAT_MOD_INVALID;
		snprintf(plan.describe, sizeof(plan.describe), "wl_shm (forced)");
	} else {
		ret = wl_plan_for(sc->wl, fb, sc->desc.format, sc->desc.usage, &plan);
		if (ret)
			return ret;
	}
	sc->feedback_seen = sc->feedback.done_count;
	if (sc->planned && !strcmp(plan.describe, sc->plan.describe)) {
		wl_plan_finish(&plan);
		return 0;
	}
	if (sc->planned) {
		gralloc_log(INFO, "reallocating: %s (was %s)", plan.describe, sc->plan.describe);
		sc->generation++;
		for (size_t i = 0; i < sc->num; i++)
			sc->bufs[i]->stale = true;
	}
	wl_plan_finish(&sc->plan);
	sc->plan = plan;
	sc->planned = true;
	snprintf(sc->describe, sizeof(sc->describe), "%s", plan.describe);
	return 0;
}

static int add_buffer(struct gralloc_wl_swapchain *sc, struct gralloc_wl_buffer **out)
{
	struct gralloc_buffer_desc d = {
		.width = sc->desc.width,
		.height = sc->desc.height,
		.format = sc->desc.format,
		.usage = sc->desc.usage,
		.name = sc->name,
	};
	struct gralloc_buffer_info info;
	struct gralloc_wl_buffer *b = calloc(1, sizeof(*b));
	int ret;

	if (!b)
		return -ENOMEM;
	b->sc = sc;
	b->modifier = sc->plan.modifier;
	b->dmabuf = !sc->plan.use_shm;
	if (sc->plan.use_shm) {
		struct gralloc_consumer *cpu = gralloc_consumer_create_process();

		d.usage |= GRALLOC_USAGE_CPU_READ_OFTEN;
		b->buf = cpu ? gralloc_buffer_allocate_for(sc->wl->dev, &d, &cpu, 1) : NULL;
		gralloc_consumer_destroy(cpu);
	} else {
		struct gralloc_consumer *all[GRALLOC_MAX_CONSUMERS] = { sc->plan.consumer };

		for (size_t i = 0; i < sc->desc.num_consumers; i++)
			all[i + 1] = sc->desc.consumers[i];
		b->buf = gralloc_buffer_allocate_for(sc->wl->dev, &d, all,
						     1 + sc->desc.num_consumers);
	}
	if (!b->buf) {
		ret = -errno;
		free(b);
		return ret ? ret : -ENOMEM;
	}
	gralloc_buffer_describe(b->buf, &info);
	ret = b->dmabuf ? wrap_dmabuf(sc, b, &info) : wrap_shm(sc, b, &info);
	if (ret == -ENOTSUP && sc->plan.linear_unlisted &&
	    !(sc->desc.flags & GRALLOC_WL_CREATE_IMMED)) {
		/* The compositor refused the modifier it never listed: use the
		 * implicit one it did list, from now on. */
		gralloc_log(INFO, "compositor refused LINEAR; sending the implicit modifier");
		sc->plan.linear_unlisted = false;
		sc->plan.modifier = b->modifier = DRM_FORMAT_MOD_INVALID;
		b->created = 0;
		ret = wrap_dmabuf(sc, b, &info);
	}
	if (ret) {
		buffer_destroy(b);
		return ret;
	}
	wl_buffer_add_listener(b->wlb, &buffer_listener, b);
	sc->bufs[sc->num++] = b;
	*out = b;
	return 0;
}

GRALLOC_EXPORT struct gralloc_wl_swapchain *
gralloc_wl_swapchain_create(struct gralloc_wl *wl, struct wl_surface *surface,
			    const struct gralloc_wl_swapchain_desc *desc)
{
	struct gralloc_wl_swapchain *sc;

	if (!wl || !surface || !desc || !desc->width || !desc->height || !desc->format ||
	    desc->width > INT32_MAX || desc->height > INT32_MAX ||
	    (desc->count && (desc->count < 2 || desc->count > MAX_BUFFERS)) ||
	    desc->num_consumers >= GRALLOC_MAX_CONSUMERS ||
	    (desc->num_consumers && !desc->consumers)) {
		gralloc_log(ERROR, "swapchain needs wl, a surface, a size, a format, 2..%d "
			    "buffers and at most %d consumers of its own", MAX_BUFFERS,
			    GRALLOC_MAX_CONSUMERS - 1);
		errno = EINVAL;
		return NULL;
	}
	sc = calloc(1, sizeof(*sc));
	if (!sc) {
		errno = ENOMEM;
		return NULL;
	}
	sc->wl = wl;
	sc->surface = surface;
	sc->desc = *desc;
	if (!sc->desc.count)
		sc->desc.count = DEFAULT_BUFFERS;
	snprintf(sc->name, sizeof(sc->name), "%s", desc->name ? desc->name : "wayland");
	sc->desc.name = sc->name;
	if (wl->dmabuf_version >= 4 && !(desc->flags & GRALLOC_WL_FORCE_SHM))
		/* New objects take the queue of the object they come from
		 * (our dmabuf global), not the surface's. */
		wl_feedback_init(&sc->feedback,
				 zwp_linux_dmabuf_v1_get_surface_feedback(wl->dmabuf, surface));
	return sc;
}

GRALLOC_EXPORT void gralloc_wl_swapchain_destroy(struct gralloc_wl_swapchain *sc)
{
	if (!sc)
		return;
	while (sc->num)
		remove_at(sc, sc->num - 1);
	wl_feedback_finish(&sc->feedback);
	wl_plan_finish(&sc->plan);
	free(sc);
}

static struct gralloc_wl_buffer *pick_free(struct gralloc_wl_swapchain *sc)
{
	struct gralloc_wl_buffer *best = NULL;

	/* The most recently presented free buffer has the smallest age: the
	 * least to redraw. */
	for (size_t i = 0; i < sc->num; i++) {
		struct gralloc_wl_buffer *b = sc->bufs[i];

		if (b->busy || b->acquired || b->stale)
			continue;
		if (!best || b->presented > best->presented)
			best = b;
	}
	return best;
}

GRALLOC_EXPORT int gralloc_wl_swapchain_dispatch(struct gralloc_wl_swapchain *sc)
{
	int ret;

	if (!sc)
		return -EINVAL;
	wl_display_flush(sc->wl->display);
	ret = wl_wait(sc->wl, 0);
	if (ret < 0)
		return ret;
	ret = wl_connection_error(sc->wl);
	return ret;
}

GRALLOC_EXPORT struct gralloc_wl_buffer *gralloc_wl_swapchain_acquire(struct gralloc_wl_swapchain *sc,
								      int timeout_ms)
{
	struct gralloc_wl_buffer *b;
	int ret;

	if (!sc) {
		errno = EINVAL;
		return NULL;
	}
	ret = wl_connection_error(sc->wl);
	if (!ret)
		ret = wl_dispatch_pending(sc->wl);
	for (;;) {
		if (ret)
			break;
		if (!sc->planned || sc->feedback.done_count != sc->feedback_seen) {
			ret = replan(sc);
			if (ret)
				break;
		}
		sweep(sc);
		b = pick_free(sc);
		if (b) {
			b->acquired = true;
			return b;
		}
		if (sc->num < sc->desc.count) {
			ret = add_buffer(sc, &b);
			if (ret)
				break;
			b->acquired = true;
			return b;
		}
		ret = wl_wait(sc->wl, timeout_ms);
		if (ret == 0) {
			gralloc_log(ERROR, "no buffer released by the compositor within %d ms",
				    timeout_ms);
			ret = -ETIMEDOUT;
		} else if (ret > 0) {
			ret = 0;
		}
	}
	errno = -ret;
	return NULL;
}

GRALLOC_EXPORT int gralloc_wl_swapchain_present(struct gralloc_wl_swapchain *sc,
						struct gralloc_wl_buffer *b)
{
	if (!sc || !b || b->sc != sc || !b->acquired) {
		gralloc_log(ERROR, "present needs a buffer acquired from this swapchain");
		return -EINVAL;
	}
	wl_surface_attach(sc->surface, b->wlb, 0, 0);
	if (wl_proxy_get_version((struct wl_proxy *)sc->surface) >= 4)
		wl_surface_damage_buffer(sc->surface, 0, 0, INT32_MAX, INT32_MAX);
	else
		wl_surface_damage(sc->surface, 0, 0, INT32_MAX, INT32_MAX);
	wl_surface_commit(sc->surface);
	b->acquired = false;
	b->busy = true;
	b->presented = ++sc->frame;
	if (wl_display_flush(sc->wl->display) < 0 && errno != EAGAIN) {
		int err = errno;
		int ret;

		/* A compositor that posts a protocol error closes the socket: the
		 * error event may still be unread, and says more than EPIPE. */
		wl_wait(sc->wl, 0);
		ret = wl_connection_error(sc->wl);
		if (ret)
			return ret;
		gralloc_log(ERROR, "compositor connection lost: %s", strerror(err));
		return err == ECONNRESET ? -EPIPE : -err;
	}
	return 0;
}

GRALLOC_EXPORT void gralloc_wl_swapchain_cancel(struct gralloc_wl_swapchain *sc,
						struct gralloc_wl_buffer *b)
{
	if (sc && b && b->sc == sc)
		b->acquired = false;
}

GRALLOC_EXPORT int gralloc_wl_swapchain_resize(struct gralloc_wl_swapchain *sc, uint32_t width,
					       uint32_t height)
{
	if (!sc || !width || !height || width > INT32_MAX || height > INT32_MAX)
		return -EINVAL;
	if (width == sc->desc.width && height == sc->desc.height)
		return 0;
	sc->desc.width = width;
	sc->desc.height = height;
	sc->generation++;
	for (size_t i = 0; i < sc->num; i++)
		sc->bufs[i]->stale = true;
	sweep(sc);
	return 0;
}

GRALLOC_EXPORT size_t gralloc_wl_swapchain_buffer_count(const struct gralloc_wl_swapchain *sc)
{
	return sc ? sc->num : 0;
}

GRALLOC_EXPORT uint32_t gralloc_wl_swapchain_generation(const struct gralloc_wl_swapchain *sc)
{
	return sc ? sc->generation : 0;
}

GRALLOC_EXPORT const char *gralloc_wl_swapchain_describe(const struct gralloc_wl_swapchain *sc)
{
	return sc ? sc->describe : "";
}

GRALLOC_EXPORT struct gralloc_buffer *gralloc_wl_buffer_get(const struct gralloc_wl_buffer *b)
{
	return b ? b->buf : NULL;
}

GRALLOC_EXPORT struct wl_buffer *gralloc_wl_buffer_wl(const struct gralloc_wl_buffer *b)
{
	return b ? b->wlb : NULL;
}

GRALLOC_EXPORT uint32_t gralloc_wl_buffer_age(const struct gralloc_wl_buffer *b)
{
	if (!b || !b->presented)
		return 0;
	return (uint32_t)(b->sc->frame + 1 - b->presented);
}

GRALLOC_EXPORT uint64_t gralloc_wl_buffer_modifier(const struct gralloc_wl_buffer *b)
{
	return b ? b->modifier : DRM_FORMAT_MOD_INVALID;
}

GRALLOC_EXPORT bool gralloc_wl_buffer_is_dmabuf(const struct gralloc_wl_buffer *b)
{
	return b && b->dmabuf;
}
