/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gralloc/routes.h"

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* How often allocation looks at the heap directory. A stat per allocation
 * was a system call as costly as the allocation's own ioctl under
 * emulation; the clock below is read without one (vDSO, coarse clock). */
#define DIR_CHECK_NS 100000000LL

static int64_t coarse_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts))
		return INT64_MAX; /* no clock: check every time */
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Caller holds dev->lock. A heap node added or removed (a module loaded at
 * run time) changes the directory's stamps. Allocation checks at most
 * every DIR_CHECK_NS; explain checks always (routes_revalidate), so an
 * allocation right after an explain follows the plan it showed, never one
 * cached before a node appeared. */
static void drop_if_stale(struct gralloc_device *dev, bool always)
{
	struct route_cache *cache = dev->routes;
	int64_t now = coarse_now_ns();
	struct stat st;

	if (!always && now != INT64_MAX && cache->checked_ns &&
	    now - cache->checked_ns < DIR_CHECK_NS)
		return;
	cache->checked_ns = now;
	memset(&st, 0, sizeof(st));
	stat(dev->heap_dir, &st);
	/* Timestamps tick at the kernel's coarse clock: two changes within
	 * one tick keep them, but a tmpfs directory's size (devtmpfs, /tmp)
	 * grows with every entry. */
	if (same_time(&st.st_mtim, &cache->dir_mtime) &&
	    same_time(&st.st_ctim, &cache->dir_ctime) && st.st_size == cache->dir_size)
		return;
	cache->used = 0;
	cache->gen++;
	cache->hot.valid = false;
	cache->dir_mtime = st.st_mtim;
	cache->dir_ctime = st.st_ctim;
	cache->dir_size = st.st_size;
}

void routes_revalidate(struct gralloc_device *dev)
{
	gralloc_mtx_lock(&dev->lock);
	drop_if_stale(dev, true);
	gralloc_mtx_unlock(&dev->lock);
}

int route_key_init(struct route_key *key, uint64_t usage, const struct plan_options *opts)
{
	size_t n = opts && opts->own_device ? strlen(opts->own_device) : 0;

	key->usage = usage;
	key->consumers_known = opts && opts->consumers_known;
	key->needs_dma_buf = opts && opts->needs_dma_buf;
	key->own_device[0] = '\0';
	if (n >= sizeof(key->own_device))
		return -ENAMETOOLONG;
	if (n)
		memcpy(key->own_device, opts->own_device, n + 1);
	return 0;
}

static bool same_key(const struct route_key *a, const struct route_key *b)
{
	return a->usage == b->usage && a->consumers_known == b->consumers_known &&
	       a->needs_dma_buf == b->needs_dma_buf && a->own_device[0] == b->own_device[0] &&
	       (!a->own_device[0] || !strcmp(a->own_device, b->own_device));
}

/* The index of the entry for key, or cache->used when there is none. */
static uint32_t find_entry(const struct route_cache *cache, const struct route_key *key)
{
	uint32_t i;

	for (i = 0; i < cache->used && !same_key(&cache->entries[i].key, key); i++)
		;
	return i;
}

static bool same_request(const struct route_recipe *r, const struct gralloc_buffer_desc *d,
			 uint32_t min_align)
{
	return r->valid && request_fields_same(&r->req, d) && r->min_align == min_align;
}

bool routes_lookup(struct gralloc_device *dev, const struct route_key *key,
		   const struct gralloc_buffer_desc *desc, uint32_t min_align,
		   const struct gralloc_format_info **fmt, struct gralloc_layout *layout,
		   bool *recipe, uint32_t limit, struct routes *out)
{
	struct route_cache *cache = dev->routes;
	bool hit = false;
	uint32_t i;

	if (recipe)
		*recipe = false;
	gralloc_mtx_lock(&dev->lock);
	i = find_entry(cache, key);
	/* A settled entry has the policy's first choice: no heap that appears
	 * can come before it, so its allocations need not read the clock. A
	 * first choice that fails still replans (allocate_memory). A stale
	 * directory empties the cache, which makes this a miss. */
	if (i == cache->used || !cache->entries[i].settled || !desc)
		drop_if_stale(dev, false);
	if (i < cache->used) {
		const struct routes *e = &cache->entries[i];
		const struct route_recipe *r = &cache->recipes[i];

		if (desc && same_request(r, desc, min_align)) {
			*fmt = r->fmt;
			*layout = r->layout;
			*recipe = true;
		}
		/* The routes in use, not the whole table. */
		out->cls = e->cls;
		out->settled = e->settled;
		out->gen = cache->gen;
		out->total = e->count;
		out->count = e->count < limit ? e->count : limit;
		out->why[0] = '\0';
		/* One route nearly always: a fixed-size copy, not a call. */
		if (out->count)
			out->r[0] = e->r[0];
		if (out->count > 1)
			memcpy(&out->r[1], &e->r[1], (out->count - 1) * sizeof(e->r[0]));
		hit = true;
	}
	gralloc_mtx_unlock(&dev->lock);
	return hit;
}

void routes_remember(struct gralloc_device *dev, const struct route_key *key,
		     const struct gralloc_buffer_desc *desc, uint32_t min_align,
		     const struct gralloc_format_info *fmt, const struct gralloc_layout *layout)
{
	struct route_cache *cache = dev->routes;
	uint32_t i;

	gralloc_mtx_lock(&dev->lock);
	i = find_entry(cache, key);
	if (i < cache->used) {
		struct route_recipe *r = &cache->recipes[i];

		request_fields_set(&r->req, desc);
		r->min_align = min_align;
		r->fmt = fmt;
		r->layout = *layout;
		r->valid = true;
	}
	gralloc_mtx_unlock(&dev->lock);
}

static void routes_from_plan(const struct plan *plan, struct routes *out)
{
	out->cls = plan->cls;
	out->count = 0;
	out->why[0] = '\0';
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
	out->total = out->count;
	out->settled = out->count && plan->count && plan->c[0].verdict != GRALLOC_VERDICT_SKIPPED;
}

static void routes_store(struct gralloc_device *dev, const struct routes *routes)
{
	struct route_cache *cache = dev->routes;
	uint32_t slot;

	gralloc_mtx_lock(&dev->lock);
	slot = find_entry(cache, &routes->key);
	if (slot == cache->used) {
		/* Round-robin eviction: real programs use a handful of usages. */
		if (cache->used < ROUTE_CACHE_SIZE)
			slot = cache->used++;
		else
			slot = cache->next++ % ROUTE_CACHE_SIZE;
	}
	cache->entries[slot] = *routes;
	cache->recipes[slot].valid = false;
	cache->gen++;
	cache->hot.valid = false;
	gralloc_mtx_unlock(&dev->lock);
}

int routes_build(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
		 const struct plan_options *opts, const struct route_key *key,
		 struct routes *out)
{
	struct plan *plan = malloc(sizeof(*plan));

	if (!plan)
		return -ENOMEM;
	gralloc_plan_ex(dev, desc, opts, plan);
	routes_from_plan(plan, out);
	free(plan);
	if (key) {
		out->key = *key;
		routes_store(dev, out);
	}
	return 0;
}
