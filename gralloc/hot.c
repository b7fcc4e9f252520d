/* SPDX-License-Identifier: MIT */
/* The hot request (struct hot_request in routes.h): a program allocating
 * the same plain buffer over and over gets it for one compare and one copy
 * under the device lock, plus its memory. */
#include <stddef.h>
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

/* The part of a buffer the template gives: desc to heap (private.h). */
#define SHAPE_START offsetof(struct gralloc_buffer, desc)
#define SHAPE_SIZE (offsetof(struct gralloc_buffer, name) - SHAPE_START)

bool hot_take(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
	      struct gralloc_buffer *buf, char node_copy[POLICY_NAME_MAX], const char **node)
{
	const struct hot_request *h = &dev->routes->hot;
	bool hit;

	if (!eligible(desc))
		return false;
	gralloc_mtx_lock(&dev->lock);
	hit = h->valid && request_fields_same(&h->req, desc);
	if (hit) {
		memcpy((char *)buf + SHAPE_START, (const char *)&h->tmpl + SHAPE_START, SHAPE_SIZE);
		/* Nearly always the heap's own name: no second copy. */
		if (h->node_is_heap) {
			*node = buf->heap;
		} else if (h->node[0]) {
			memcpy(node_copy, h->node, POLICY_NAME_MAX);
			*node = node_copy;
		} else {
			*node = NULL;
		}
	}
	gralloc_mtx_unlock(&dev->lock);
	if (hit) {
		buf->desc.name = buf->name;
		buf->name[0] = '\0';
		gralloc_buffer_clear_state(buf);
	}
	return hit;
}

void hot_store(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
	       const struct gralloc_buffer *buf, const char *node, uint32_t gen)
{
	struct hot_request *h = &dev->routes->hot;

	if (!eligible(desc))
		return;
	gralloc_mtx_lock(&dev->lock);
	/* An entry dropped or replaced since the lookup (a heap node came or
	 * went): its route is no longer known to be the first choice. */
	if (dev->routes->gen == gen) {
		request_fields_set(&h->req, desc);
		gralloc_copy_name(h->node, sizeof(h->node), node);
		h->node_is_heap = h->node[0] && !strcmp(h->node, buf->heap);
		memcpy((char *)&h->tmpl + SHAPE_START, (const char *)buf + SHAPE_START, SHAPE_SIZE);
		for (int i = 0; i < GRALLOC_MAX_PLANES; i++)
			h->tmpl.fds[i] = -1;
		h->valid = true;
	}
	gralloc_mtx_unlock(&dev->lock);
}
