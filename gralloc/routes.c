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

/* Caller holds dev->lock. Heap nodes come and go rarely (a module loaded
 * at run time), and a stat per allocation costs as much as a small
 * allocation's own work under emulation: look at most every 100 ms. The
 * clock is the vDSO's, no system call. Explain refreshes its own usage's
 * routes, so what it says is what the next allocation does. */
static void drop_if_stale(struct gralloc_device *dev)
{
	struct route_cache *cache = dev->routes;
	struct timespec now;
	struct stat st;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	if (cache->used && (now.tv_sec - cache->checked.tv_sec) * 1000000000L +
				   (now.tv_nsec - cache->checked.tv_nsec) < 100000000L)
		return;
	cache->checked = now;
	memset(&st, 0, sizeof(st));
	stat(dev->heap_dir, &st);
	if (same_time(&st.st_mtim, &cache->dir_mtime) && same_time(&st.st_ctim, &cache->dir_ctime))
		return;
	cache->used = 0;
	cache->dir_mtime = st.st_mtim;
	cache->dir_ctime = st.st_ctim;
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

		if (c->verdict == GRALLOC_VERDICT_SKIPPED)
			continue;
		r = &out->r[out->count++];
		r->backend = c->backend;
		memcpy(r->heap, c->heap, sizeof(r->heap));
		memcpy(r->node, c->node, sizeof(r->node));
	}
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

void routes_store(struct gralloc_device *dev, const struct plan *plan, uint64_t usage,
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
