/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gralloc/routes.h"

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Caller holds dev->lock. A heap node added or removed (a module loaded at
 * run time) changes the directory's stamps. Checked on every lookup, not
 * every so often: explain plans afresh each time, and an allocation right
 * after it must follow the same plan, not one cached before the node
 * appeared. One stat is small next to an allocation's ioctl and mmap. */
static void drop_if_stale(struct gralloc_device *dev)
{
	struct route_cache *cache = dev->routes;
	struct stat st;

	memset(&st, 0, sizeof(st));
	stat(dev->heap_dir, &st);
	/* Timestamps tick at the kernel's coarse clock: two changes within
	 * one tick keep them, but a tmpfs directory's size (devtmpfs, /tmp)
	 * grows with every entry. */
	if (same_time(&st.st_mtim, &cache->dir_mtime) &&
	    same_time(&st.st_ctim, &cache->dir_ctime) && st.st_size == cache->dir_size)
		return;
	cache->used = 0;
	cache->dir_mtime = st.st_mtim;
	cache->dir_ctime = st.st_ctim;
	cache->dir_size = st.st_size;
}

bool routes_lookup(struct gralloc_device *dev, uint64_t usage, struct routes *out)
{
	bool hit = false;

	pthread_mutex_lock(&dev->lock);
	drop_if_stale(dev);
	for (uint32_t i = 0; i < dev->routes->used && !hit; i++) {
		const struct routes *e = &dev->routes->entries[i];

		if (e->usage == usage) {
			/* The routes in use, not the whole table. */
			out->usage = e->usage;
			out->cls = e->cls;
			out->count = e->count;
			memcpy(out->r, e->r, e->count * sizeof(e->r[0]));
			hit = true;
		}
	}
	pthread_mutex_unlock(&dev->lock);
	return hit;
}

void routes_from_plan(const struct plan *plan, uint64_t usage, struct routes *out)
{
	memset(out, 0, sizeof(*out));
	out->usage = usage;
	out->cls = plan->cls;
	for (size_t i = 0; i < plan->count && out->count < ROUTE_MAX; i++) {
		const struct plan_candidate *c = &plan->c[i];
		struct route *r;

		if (c->verdict == GRALLOC_VERDICT_SKIPPED) {
			if (!out->why[0] && c->backend)
				memcpy(out->why, c->reason, sizeof(out->why));
			continue;
		}
		r = &out->r[out->count++];
		r->backend = c->backend;
		memcpy(r->heap, c->heap, sizeof(r->heap));
		memcpy(r->node, c->node, sizeof(r->node));
	}
}

static void routes_store(struct gralloc_device *dev, const struct plan *plan, uint64_t usage,
			 struct routes *out)
{
	struct route_cache *cache = dev->routes;
	uint32_t slot;

	routes_from_plan(plan, usage, out);

	pthread_mutex_lock(&dev->lock);
	for (slot = 0; slot < cache->used; slot++)
		if (cache->entries[slot].usage == out->usage)
			break;
	if (slot == cache->used) {
		/* Round-robin eviction: real programs use a handful of usages. */
		if (cache->used < ROUTE_CACHE_SIZE)
			slot = cache->used++;
		else
			slot = cache->next++ % ROUTE_CACHE_SIZE;
	}
	cache->entries[slot] = *out;
	pthread_mutex_unlock(&dev->lock);
}

int routes_build(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
		 struct routes *out)
{
	struct plan *plan = malloc(sizeof(*plan));

	if (!plan)
		return -ENOMEM;
	gralloc_plan(dev, desc, plan);
	routes_store(dev, plan, desc->usage, out);
	free(plan);
	return 0;
}

