/* SPDX-License-Identifier: MIT */
/* The connection side: globals on a private queue, the format list of
 * linux-dmabuf v3, wl_shm formats, the default feedback, and waiting for
 * events with a timeout. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <drm_fourcc.h>

#include "wl_private.h"

int wl_connection_error(struct gralloc_wl *wl)
{
	int err = wl_display_get_error(wl->display);
	const struct wl_interface *iface = NULL;
	uint32_t id = 0, code;

	if (!err)
		return 0;
	if (err == EPROTO) {
		code = wl_display_get_protocol_error(wl->display, &iface, &id);
		gralloc_log(ERROR, "compositor ended the connection with protocol error %u on %s@%u",
			    code, iface ? iface->name : "unknown interface", id);
		return -EPROTO;
	}
	gralloc_log(ERROR, "compositor connection lost: %s", strerror(err));
	return err == ECONNRESET ? -EPIPE : -err;
}

int wl_dispatch_pending(struct gralloc_wl *wl)
{
	if (wl_display_dispatch_queue_pending(wl->display, wl->queue) < 0)
		return wl_connection_error(wl) ?: -EPIPE;
	return 0;
}

int wl_wait(struct gralloc_wl *wl, int timeout_ms)
{
	struct pollfd p = { .fd = wl_display_get_fd(wl->display), .events = POLLIN };
	int n;

	while (wl_display_prepare_read_queue(wl->display, wl->queue) != 0) {
		n = wl_display_dispatch_queue_pending(wl->display, wl->queue);
		if (n < 0)
			return wl_connection_error(wl) ?: -EPIPE;
		if (n > 0)
			return n;
	}
	/* Requests made since the last flush (present, create) must reach the
	 * compositor or no release will ever come. */
	while (wl_display_flush(wl->display) < 0 && errno == EAGAIN) {
		struct pollfd w = { .fd = p.fd, .events = POLLOUT };

		if (poll(&w, 1, timeout_ms) <= 0)
			break;
	}
	do {
		n = poll(&p, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n <= 0) {
		wl_display_cancel_read(wl->display);
		if (n == 0)
			return 0;
		gralloc_log(ERROR, "poll on the compositor connection: %s", strerror(errno));
		return -errno;
	}
	if (wl_display_read_events(wl->display) < 0)
		return wl_connection_error(wl) ?: -EPIPE;
	n = wl_display_dispatch_queue_pending(wl->display, wl->queue);
	if (n < 0)
		return wl_connection_error(wl) ?: -EPIPE;
	/* Events may all have been for other queues: not a timeout. */
	return n > 0 ? n : 1;
}

int wl_roundtrip(struct gralloc_wl *wl)
{
	if (wl_display_roundtrip_queue(wl->display, wl->queue) < 0)
		return wl_connection_error(wl) ?: -EPIPE;
	return 0;
}

static uint32_t shm_to_drm(uint32_t shm)
{
	if (shm == WL_SHM_FORMAT_ARGB8888)
		return DRM_FORMAT_ARGB8888;
	if (shm == WL_SHM_FORMAT_XRGB8888)
		return DRM_FORMAT_XRGB8888;
	return shm; /* the other codes are the fourccs */
}

bool wl_shm_has(const struct gralloc_wl *wl, uint32_t drm_format)
{
	for (size_t i = 0; i < wl->num_shm_formats; i++)
		if (wl->shm_formats[i] == drm_format)
			return true;
	return false;
}

static void shm_format(void *data, struct wl_shm *shm, uint32_t format)
{
	struct gralloc_wl *wl = data;

	(void)shm;
	if (wl->num_shm_formats < sizeof(wl->shm_formats) / sizeof(wl->shm_formats[0]))
		wl->shm_formats[wl->num_shm_formats++] = shm_to_drm(format);
}

static const struct wl_shm_listener shm_listener = { .format = shm_format };

static void add_mod(struct gralloc_wl *wl, uint32_t format, uint64_t modifier)
{
	struct wl_format_mod *m;

	for (size_t i = 0; i < wl->num_mods; i++)
		if (wl->mods[i].format == format && wl->mods[i].modifier == modifier)
			return;
	if (wl->num_mods % 64 == 0) {
		m = realloc(wl->mods, (wl->num_mods + 64) * sizeof(*m));
		if (!m)
			return; /* the format is then simply not offered */
		wl->mods = m;
	}
	wl->mods[wl->num_mods++] = (struct wl_format_mod){ .format = format, .modifier = modifier };
}

static void dmabuf_format(void *data, struct zwp_linux_dmabuf_v1 *d, uint32_t format)
{
	/* Versions 1 and 2: a format means the implicit modifier. */
	(void)d;
	add_mod(data, format, DRM_FORMAT_MOD_INVALID);
}

static void dmabuf_modifier(void *data, struct zwp_linux_dmabuf_v1 *d, uint32_t format,
			    uint32_t hi, uint32_t lo)
{
	(void)d;
	add_mod(data, format, ((uint64_t)hi << 32) | lo);
}

static const struct zwp_linux_dmabuf_v1_listener dmabuf_listener = {
	.format = dmabuf_format,
	.modifier = dmabuf_modifier,
};

static void registry_global(void *data, struct wl_registry *reg, uint32_t name,
			    const char *iface, uint32_t version)
{
	struct gralloc_wl *wl = data;
	uint32_t max = wl->opts.max_dmabuf_version ? wl->opts.max_dmabuf_version : 4;

	if (!strcmp(iface, wl_shm_interface.name) && !wl->shm) {
		wl->shm = wl_registry_bind(reg, name, &wl_shm_interface, 1);
		if (wl->shm)
			wl_shm_add_listener(wl->shm, &shm_listener, wl);
	} else if (!strcmp(iface, zwp_linux_dmabuf_v1_interface.name) && !wl->dmabuf &&
		   version >= 2) {
		/* Version 1 has no create_immed and no modifiers: not worth it. */
		wl->dmabuf_version = version < max ? version : max;
		wl->dmabuf = wl_registry_bind(reg, name, &zwp_linux_dmabuf_v1_interface,
					      wl->dmabuf_version);
		if (wl->dmabuf && wl->dmabuf_version < 4)
			zwp_linux_dmabuf_v1_add_listener(wl->dmabuf, &dmabuf_listener, wl);
		if (!wl->dmabuf)
			wl->dmabuf_version = 0;
	}
}

static void registry_remove(void *data, struct wl_registry *reg, uint32_t name)
{
	(void)data;
	(void)reg;
	(void)name;
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_remove,
};

GRALLOC_EXPORT struct gralloc_wl *gralloc_wl_create(struct wl_display *display,
						    struct gralloc_device *dev,
						    const struct gralloc_wl_options *opts)
{
	struct gralloc_wl *wl;
	struct wl_display *wrapper;
	int ret;

	if (!display || !dev) {
		gralloc_log(ERROR, "display and device are required");
		errno = EINVAL;
		return NULL;
	}
	wl = calloc(1, sizeof(*wl));
	if (!wl) {
		errno = ENOMEM;
		return NULL;
	}
	wl->display = display;
	wl->dev = dev;
	if (opts)
		wl->opts = *opts;
	wl->queue = wl_display_create_queue(display);
	wrapper = wl->queue ? wl_proxy_create_wrapper(display) : NULL;
	if (!wrapper) {
		ret = -ENOMEM;
		goto fail;
	}
	wl_proxy_set_queue((struct wl_proxy *)wrapper, wl->queue);
	wl->registry = wl_display_get_registry(wrapper);
	wl_proxy_wrapper_destroy(wrapper);
	if (!wl->registry) {
		ret = -ENOMEM;
		goto fail;
	}
	wl_registry_add_listener(wl->registry, &registry_listener, wl);
	ret = wl_roundtrip(wl);
	if (ret)
		goto fail;
	if (wl->dmabuf_version >= 4) {
		wl_feedback_init(&wl->feedback, zwp_linux_dmabuf_v1_get_default_feedback(wl->dmabuf));
		if (!wl->feedback.proxy) {
			ret = -ENOMEM;
			goto fail;
		}
	}
	/* Formats, shm formats and the first feedback batch. */
	ret = wl_roundtrip(wl);
	if (ret)
		goto fail;
	if (wl->dmabuf_version >= 4 && !wl->feedback.done_count) {
		/* A compositor may send feedback a little later; one more trip. */
		ret = wl_roundtrip(wl);
		if (ret)
			goto fail;
	}
	wl_resolve_device(wl);
	return wl;
fail:
	gralloc_wl_destroy(wl);
	errno = -ret;
	return NULL;
}

GRALLOC_EXPORT void gralloc_wl_destroy(struct gralloc_wl *wl)
{
	if (!wl)
		return;
	wl_feedback_finish(&wl->feedback);
	if (wl->dmabuf)
		zwp_linux_dmabuf_v1_destroy(wl->dmabuf);
	if (wl->shm)
		wl_shm_destroy(wl->shm);
	if (wl->registry)
		wl_registry_destroy(wl->registry);
	/* Nothing else may sit on the queue when it goes. */
	if (wl->queue) {
		wl_display_dispatch_queue_pending(wl->display, wl->queue);
		wl_event_queue_destroy(wl->queue);
	}
	free(wl->mods);
	free(wl);
}

GRALLOC_EXPORT uint32_t gralloc_wl_dmabuf_version(const struct gralloc_wl *wl)
{
	return wl ? wl->dmabuf_version : 0;
}

GRALLOC_EXPORT bool gralloc_wl_has_feedback(const struct gralloc_wl *wl)
{
	return wl && wl->feedback.done_count > 0;
}

GRALLOC_EXPORT const char *gralloc_wl_device_path(const struct gralloc_wl *wl)
{
	return wl ? wl->device : "";
}

GRALLOC_EXPORT const char *gralloc_wl_device_reason(const struct gralloc_wl *wl)
{
	return wl ? wl->device_reason : "";
}

GRALLOC_EXPORT struct gralloc_consumer *gralloc_wl_create_consumer(struct gralloc_wl *wl,
								   uint32_t format)
{
	struct wl_plan plan;
	struct gralloc_consumer *c;
	int ret;

	if (!wl) {
		gralloc_log(ERROR, "wl must not be NULL");
		errno = EINVAL;
		return NULL;
	}
	ret = wl_plan_for(wl, &wl->feedback, format, 0, &plan);
	if (!ret && plan.use_shm) {
		gralloc_log(ERROR, "compositor gets only wl_shm here: %s", wl->device_reason);
		ret = -ENODEV;
	}
	if (ret) {
		errno = -ret;
		return NULL;
	}
	c = plan.consumer;
	plan.consumer = NULL;
	wl_plan_finish(&plan);
	return c;
}
