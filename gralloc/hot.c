/* SPDX-License-Identifier: MIT */
/* The hot request (struct hot_request in routes.h): a program allocating
 * the same plain buffer over and over gets it for one compare under the
 * device lock (and one copy, unless the struct already holds the shape),
 * plus its memory. */
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "gralloc/routes.h"

/* Only a descriptor this library reads whole: a caller's struct_size must
 * say version 1 or this library's size, and a library whose descriptor has
 * grown (the ABI test's) would have more fields to compare, so it keeps
 * every request on the whole path. */
static bool eligible(const struct gralloc_buffer_desc *desc)
{
	if (sizeof(*desc) != DESC_V1_SIZE)
		return false;
	return (!desc->struct_size || desc->struct_size == sizeof(*desc)) &&
	       (!desc->name || !desc->name[0]);
}

/* The part of a buffer the template gives: num_fds to layout (private.h). */
#define SHAPE_START offsetof(struct gralloc_buffer, num_fds)
#define SHAPE_SIZE (offsetof(struct gralloc_buffer, name) - SHAPE_START)

/* Gives buf the hot request's shape if desc is that request; caller holds
 * dev->lock. */
static inline __attribute__((always_inline)) bool
serve(const struct hot_request *h, const struct gralloc_buffer_desc *desc,
      struct gralloc_buffer *buf, struct hot_source *src)
{
	if (!h->valid || !request_fields_same(&h->req, desc))
		return false;
	/* A struct back from the quarantine after a life as this same
	 * request (a program allocating one shape over and over) already
	 * holds it, as a slab allocator keeps objects constructed. */
	if (buf->shape != h->stamp) {
		memcpy((char *)buf + SHAPE_START, (const char *)&h->tmpl + SHAPE_START,
		       SHAPE_SIZE);
		buf->desc.name = buf->name;
		buf->name[0] = '\0';
		buf->shape = h->stamp;
	}
	/* Nearly always the heap's own name: no second copy. */
	if (h->node_is_heap) {
		src->node = buf->heap;
	} else if (h->node[0]) {
		memcpy(src->node_copy, h->node, POLICY_NAME_MAX);
		src->node = src->node_copy;
	} else {
		src->node = NULL;
	}
	src->token = h->node_token;
	return true;
}

bool hot_take(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
	      struct gralloc_buffer **bufp, struct hot_source *src)
{
	const struct hot_request *h = &dev->routes->hot;
	struct gralloc_buffer *buf;
	bool hit = false;

	if (!eligible(desc))
		return false;
	/* The struct and the shape in one critical section. */
	gralloc_mtx_lock(&dev->lock);
	buf = quarantine_take(&dev->quarantine);
	if (buf)
		hit = serve(h, desc, buf, src);
	gralloc_mtx_unlock(&dev->lock);
	if (!buf) {
		/* None has left the quarantine yet: a process's first 1024
		 * allocations of this device. */
		buf = malloc(sizeof(*buf));
		if (buf) {
			buf->shape = 0;
			gralloc_mtx_lock(&dev->lock);
			hit = serve(h, desc, buf, src);
			gralloc_mtx_unlock(&dev->lock);
		}
	}
	*bufp = buf;
	if (hit)
		gralloc_buffer_clear_state(buf);
	return hit;
}

/* Process-wide: a struct freed by one device may reach another through
 * malloc once the first is gone, and must not match its template. */
static _Atomic uint64_t stamps;

void hot_store(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
	       const struct gralloc_buffer *buf, const char *node, uint32_t gen)
{
	struct hot_request *h = &dev->routes->hot;
	const struct gralloc_backend *b = buf->backend;
	uint32_t token;

	if (!eligible(desc))
		return;
	/* The node just served buf: the backend knows it (outside the
	 * device lock, as the backend may take its own). */
	token = node && b->impl->resolve ? b->impl->resolve((struct gralloc_backend *)b, node) : 0;
	gralloc_mtx_lock(&dev->lock);
	/* An entry dropped or replaced since the lookup (a heap node came or
	 * went): its route is no longer known to be the first choice. */
	if (dev->routes->gen == gen) {
		request_fields_set(&h->req, desc);
		gralloc_copy_name(h->node, sizeof(h->node), node);
		h->node_is_heap = h->node[0] && !strcmp(h->node, buf->heap);
		h->node_token = token;
		memcpy((char *)&h->tmpl + SHAPE_START, (const char *)buf + SHAPE_START, SHAPE_SIZE);
		for (int i = 0; i < GRALLOC_MAX_PLANES; i++)
			h->tmpl.fds[i] = -1;
		h->stamp = atomic_fetch_add_explicit(&stamps, 1, memory_order_relaxed) + 1;
		h->valid = true;
	}
	gralloc_mtx_unlock(&dev->lock);
}
