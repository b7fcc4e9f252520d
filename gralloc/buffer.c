/* SPDX-License-Identifier: MIT */
/* Buffer life cycle: allocate through the plan, describe, export, free. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "formats/formats.h"
#include "gralloc/routes.h"

/* The kernel shows this in /sys/kernel/debug/dma_buf/bufinfo and fdinfo,
 * which is how leaks are traced back to their owner. Best effort: older
 * kernels lack the ioctl, and a name is never worth failing over. */
static void name_dma_buf(int fd, const struct gralloc_buffer *buf)
{
	char name[DMA_BUF_NAME_LEN];

	/* DMA_BUF_NAME_LEN is 32: the caller's name is cut to what fits. */
	snprintf(name, sizeof(name), "%s %ux%u %.*s", buf->format->name, buf->desc.width,
		 buf->desc.height, (int)(sizeof(name) / 2), buf->name);
	if (ioctl(fd, DMA_BUF_SET_NAME_B, name) < 0)
		gralloc_log(INFO, "DMA_BUF_SET_NAME failed: %s", strerror(errno));
}

void gralloc_buffer_register(struct gralloc_device *dev, struct gralloc_buffer *buf)
{
	pthread_mutex_init(&buf->lock, NULL);
	pthread_mutex_lock(&dev->lock);
	buf->id = dev->next_id++;
	buf->next = dev->buffers;
	dev->buffers = buf;
	pthread_mutex_unlock(&dev->lock);
}

/* Unlinks buf if the device owns it; false for unknown or freed buffers. */
static bool device_remove(struct gralloc_device *dev, struct gralloc_buffer *buf)
{
	bool found = false;

	pthread_mutex_lock(&dev->lock);
	for (struct gralloc_buffer **p = &dev->buffers; *p; p = &(*p)->next) {
		if (*p == buf) {
			*p = buf->next;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&dev->lock);
	return found;
}

static int try_routes(const struct routes *routes, struct gralloc_buffer *buf)
{
	int ret = routes->cls == CLASS_PROTECTED ? -EPERM : -ENODEV;

	for (uint32_t i = 0; i < routes->count; i++) {
		const struct route *r = &routes->r[i];
		struct gralloc_alloc_request req = {
			.desc = &buf->desc,
			.heap_name = r->heap[0] ? r->heap : NULL,
			.heap_node = r->node[0] ? r->node : NULL,
			.size = buf->layout.size,
			.layout = &buf->layout,
		};
		int fd = -1;

		ret = r->backend->impl->allocate(r->backend, &req, &fd);
		if (ret) {
			gralloc_log(INFO, "%s%s%s: %s, trying the next candidate",
				    r->backend->impl->name, r->heap[0] ? " heap " : "", r->heap,
				    strerror(-ret));
			continue;
		}
		buf->backend = r->backend;
		buf->fds[0] = fd;
		buf->num_fds = 1;
		gralloc_copy_name(buf->heap, sizeof(buf->heap), r->heap);
		return 0;
	}
	if (!routes->count)
		gralloc_log(ERROR, "no backend can serve this request (%s%s): %.300s; see "
			    "`gralloc explain`", policy_class_names[routes->cls],
			    routes->cls == CLASS_PROTECTED ? ", no usable secure heap" : "",
			    routes->why);
	else
		gralloc_log(ERROR, "every candidate failed, the last with %s", strerror(-ret));
	return ret;
}

/* Cached routes first; when they all fail the world may have changed (a
 * heap node appeared or went), so plan once more before giving up. */
static int allocate_memory(struct gralloc_device *dev, struct gralloc_buffer *buf)
{
	struct routes routes;
	bool hit = routes_lookup(dev, buf->desc.usage, &routes);
	int ret;

	if (!hit) {
		ret = routes_build(dev, &buf->desc, &routes);
		if (ret)
			return ret;
	}
	ret = try_routes(&routes, buf);
	if (ret && hit) {
		ret = routes_build(dev, &buf->desc, &routes);
		if (!ret)
			ret = try_routes(&routes, buf);
	}
	return ret;
}

/* Routes for a request with consumers: planned every time, since the
 * consumers' constraints are not part of the cache key. */
static int allocate_planned(struct gralloc_device *dev, struct gralloc_buffer *buf,
			    const struct plan_options *opts)
{
	struct plan *plan = malloc(sizeof(*plan));
	struct routes routes;

	if (!plan)
		return -ENOMEM;
	gralloc_plan_ex(dev, &buf->desc, opts, plan);
	routes_from_plan(plan, buf->desc.usage, &routes);
	free(plan);
	return try_routes(&routes, buf);
}

struct gralloc_buffer *gralloc_buffer_create(struct gralloc_device *dev,
					     const struct gralloc_buffer_desc *desc,
					     uint32_t min_align, const struct plan_options *opts)
{
	struct gralloc_buffer *buf;
	int ret;

	if (!dev) {
		gralloc_log(ERROR, "device must not be NULL");
		errno = EINVAL;
		return NULL;
	}
	buf = calloc(1, sizeof(*buf));
	if (!buf) {
		ret = -ENOMEM;
		goto fail;
	}
	for (int i = 0; i < GRALLOC_MAX_PLANES; i++)
		buf->fds[i] = -1;
	ret = gralloc_desc_validate(desc, &buf->format);
	if (ret)
		goto fail;
	buf->dev = dev;
	buf->desc = *desc;
	buf->desc.layer_count = desc->layer_count ? desc->layer_count : 1;
	gralloc_copy_name(buf->name, sizeof(buf->name), desc->name);
	buf->desc.name = buf->name;
	ret = gralloc_layout_compute_min(&buf->desc, buf->format, min_align, &buf->layout);
	if (!ret) /* limits.c: every backend, before any memory is asked for */
		ret = policy_limit_check(dev->policy, buf->layout.size, NULL, 0);
	if (ret)
		goto fail;

	ret = opts ? allocate_planned(dev, buf, opts) : allocate_memory(dev, buf);
	if (ret)
		goto fail;
	if (buf->backend->impl->dma_buf)
		name_dma_buf(buf->fds[0], buf);
	gralloc_buffer_register(dev, buf);
	return buf;

fail:
	free(buf);
	errno = -ret;
	return NULL;
}

GRALLOC_EXPORT struct gralloc_buffer *
gralloc_buffer_allocate(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc)
{
	return gralloc_buffer_create(dev, desc, 0, NULL);
}

GRALLOC_EXPORT void gralloc_buffer_attach(struct gralloc_buffer *buf, struct gralloc_attachment *att)
{
	pthread_mutex_lock(&buf->lock);
	att->next = buf->attachments;
	buf->attachments = att;
	pthread_mutex_unlock(&buf->lock);
}

GRALLOC_EXPORT bool gralloc_buffer_detach(struct gralloc_buffer *buf, struct gralloc_attachment *att)
{
	bool found = false;

	pthread_mutex_lock(&buf->lock);
	for (struct gralloc_attachment **p = &buf->attachments; *p; p = &(*p)->next) {
		if (*p == att) {
			*p = att->next;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&buf->lock);
	return found;
}

GRALLOC_EXPORT int gralloc_buffer_free(struct gralloc_device *dev, struct gralloc_buffer *buf)
{
	struct gralloc_attachment *atts;

	if (!buf)
		return 0;
	if (!dev || !device_remove(dev, buf)) {
		gralloc_log(ERROR, "buffer %p is not a live buffer of this device "
			    "(already freed?)", (void *)buf);
		return -(errno = EINVAL);
	}
	if (buf->lock_depth)
		gralloc_log(INFO, "buffer %llu freed while locked", (unsigned long long)buf->id);
	/* Framebuffers and images must go before the memory they scan out. */
	pthread_mutex_lock(&buf->lock);
	atts = buf->attachments;
	buf->attachments = NULL;
	pthread_mutex_unlock(&buf->lock);
	while (atts) {
		struct gralloc_attachment *next = atts->next;

		atts->release(atts);
		atts = next;
	}
	if (buf->map)
		munmap(buf->map, buf->map_len);
	for (uint32_t i = 0; i < buf->num_fds; i++)
		close(buf->fds[i]);
	pthread_mutex_destroy(&buf->lock);
	free(buf);
	return 0;
}

GRALLOC_EXPORT int gralloc_buffer_describe(const struct gralloc_buffer *buf,
					   struct gralloc_buffer_info *info)
{
	if (!buf || !info) {
		gralloc_log(ERROR, "buffer and info must not be NULL");
		return -(errno = EINVAL);
	}
	memset(info, 0, sizeof(*info));
	info->width = buf->desc.width;
	info->height = buf->desc.height;
	info->format = buf->desc.format;
	info->layer_count = buf->desc.layer_count;
	info->usage = buf->desc.usage;
	info->modifier = buf->layout.modifier;
	info->size = buf->layout.size;
	info->layer_stride = buf->layout.layer_stride;
	info->id = buf->id;
	info->num_planes = buf->layout.num_planes;
	info->num_fds = buf->num_fds;
	for (int i = 0; i < GRALLOC_MAX_PLANES; i++)
		info->fds[i] = buf->fds[i];
	memcpy(info->planes, buf->layout.planes, sizeof(info->planes));
	gralloc_copy_name(info->backend, sizeof(info->backend), buf->backend->impl->name);
	gralloc_copy_name(info->heap, sizeof(info->heap), buf->heap);
	info->is_dma_buf = buf->backend->impl->dma_buf;
	return 0;
}

GRALLOC_EXPORT int gralloc_buffer_export_fd(const struct gralloc_buffer *buf, uint32_t index)
{
	int fd;

	if (!buf || index >= buf->num_fds) {
		gralloc_log(ERROR, "no fd slot %u in this buffer", index);
		return -(errno = EINVAL);
	}
	fd = fcntl(buf->fds[index], F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		int err = errno;

		gralloc_log(ERROR, "cannot duplicate buffer fd: %s", strerror(err));
		return -(errno = err);
	}
	return fd;
}
