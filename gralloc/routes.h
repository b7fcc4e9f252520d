/* SPDX-License-Identifier: MIT */
/* Routes: the usable part of a plan, cached on the device per usage and
 * consumer constraints (a plan reads nothing else of a request) so that
 * allocation does not re-plan (stat every heap node, format every reason)
 * on each call. Explain always plans afresh and never writes the cache;
 * a cached entry holds every usable candidate of its plan, in order, so
 * allocation tries exactly what explain lists. */
#ifndef GRALLOC_ROUTES_H
#define GRALLOC_ROUTES_H

#include <sys/types.h>
#include <time.h>

#include "gralloc/plan.h"

#define ROUTE_MAX PLAN_MAX_CANDIDATES
#define ROUTE_CACHE_SIZE 16

struct route {
	struct gralloc_backend *backend;
	char heap[POLICY_NAME_MAX];
	char node[POLICY_NAME_MAX];
};

/* What a plan depends on: gralloc_plan_ex() reads the usage and the plan
 * options, never the size or format. */
struct route_key {
	uint64_t usage;
	bool consumers_known;
	bool needs_dma_buf;
	char own_device[256]; /* "" when no consumer owns the memory */
};

struct routes {
	struct route_key key;
	enum policy_class cls;
	uint32_t count; /* routes in r[] */
	uint32_t total; /* routes in the plan: more than count when a lookup copied fewer */
	/* r[0] is the plan's first candidate: nothing the policy prefers was
	 * missing or refused when it was planned. */
	bool settled;
	uint32_t gen; /* lookup: the cache's generation (struct route_cache) */
	/* When no candidate is usable: why the first one that names a node
	 * was refused (a permission, a missing node), for the error. */
	char why[384];
	struct route r[ROUTE_MAX];
};

/* What of a descriptor decides its buffer (all but the name), to know a
 * request seen before: the recipe's and the hot request's. */
struct request_fields {
	uint32_t width, height, format, layer_count, flags;
	uint64_t usage, size;
};

static inline void request_fields_set(struct request_fields *f,
				      const struct gralloc_buffer_desc *d)
{
	*f = (struct request_fields){ d->width, d->height, d->format, d->layer_count, d->flags,
				      d->usage, d->size };
}

static inline bool request_fields_same(const struct request_fields *f,
				       const struct gralloc_buffer_desc *d)
{
	return f->width == d->width && f->height == d->height && f->format == d->format &&
	       f->usage == d->usage && f->flags == d->flags && f->layer_count == d->layer_count &&
	       f->size == d->size;
}

/* The last request a cache entry served, with what validating and laying
 * it out gave: a program allocates the same buffer over and over (a
 * swapchain, a decoder's frames), and those steps are then skipped. */
struct route_recipe {
	bool valid;
	struct request_fields req;
	uint32_t min_align;
	const struct gralloc_format_info *fmt;
	struct gralloc_layout layout;
};

/* The last plain request (gralloc_buffer_allocate(): no name, no
 * consumers) that a settled entry's first route served, kept as the buffer
 * it built up to its memory. The same request again copies it and asks the
 * backend for memory: no key, lookup, recipe or route copies, which were
 * half of an allocation's own instructions. Only recyclable backends (their
 * layout is the engine's, not a driver's per allocation) and never
 * protected content, which always takes the whole path. */
struct hot_request {
	bool valid;
	struct request_fields req; /* as the caller gave them (layer_count may be 0) */
	char node[POLICY_NAME_MAX]; /* the route's heap node */
	bool node_is_heap;          /* node is non-empty and tmpl.heap */
	uint32_t node_token;        /* the backend's resolve() of node */
	/* Only num_fds to layout (private.h) is kept, fds -1. */
	struct gralloc_buffer tmpl;
	/* New (process-wide) at every store: a buffer struct whose `shape`
	 * says this one already holds tmpl's range (struct gralloc_buffer).
	 * Never 0. */
	uint64_t stamp;
};

struct route_cache {
	/* The heap directory's change stamp when the routes were planned: a
	 * node added or removed (a heap module loaded later) changes it. */
	struct timespec dir_mtime, dir_ctime;
	off_t dir_size;
	int64_t checked_ns; /* CLOCK_MONOTONIC_COARSE of the last look, 0: never */
	uint32_t used, next;
	/* Bumped whenever an entry is dropped or replaced: a hot request is
	 * stored only if nothing changed since its routes were looked up. */
	uint32_t gen;
	struct hot_request hot;
	struct routes entries[ROUTE_CACHE_SIZE];
	struct route_recipe recipes[ROUTE_CACHE_SIZE]; /* entries[i]'s */
};

/* Drops the cached routes if the heap directory changed since they were
 * planned: explain calls it so that it and allocation agree. */
void routes_revalidate(struct gralloc_device *dev);
/* The key of a request; opts may be NULL (no consumers named). -ENAMETOOLONG
 * when a consumer's device path does not fit (then plan uncached). */
int route_key_init(struct route_key *key, uint64_t usage, const struct plan_options *opts);
/* Copies the first `limit` cached routes for `key` into *out (an
 * allocation tries the first and is nearly always served by it: copying
 * all was a tenth of its cost); false on a miss. With `desc` (validated or
 * not), *recipe says whether the entry's recipe is for the same request,
 * whose format and layout then went to *fmt and *layout. */
bool routes_lookup(struct gralloc_device *dev, const struct route_key *key,
		   const struct gralloc_buffer_desc *desc, uint32_t min_align,
		   const struct gralloc_format_info **fmt, struct gralloc_layout *layout,
		   bool *recipe, uint32_t limit, struct routes *out);
/* Remembers a validated request and its layout in the entry for `key`,
 * if there is one. */
void routes_remember(struct gralloc_device *dev, const struct route_key *key,
		     const struct gralloc_buffer_desc *desc, uint32_t min_align,
		     const struct gralloc_format_info *fmt, const struct gralloc_layout *layout);
/* Plans `desc` with `opts` afresh and copies the usable candidates, in
 * order, to *out; stores them in the cache under `key` unless it is NULL.
 * 0 or -ENOMEM. */
int routes_build(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
		 const struct plan_options *opts, const struct route_key *key,
		 struct routes *out);

/* Where the hot request's memory comes from, copied out under the lock. */
struct hot_source {
	const char *node;  /* heap node: NULL, the buffer's heap or node_copy */
	uint32_t token;    /* the backend's resolve() of node, 0: none */
	char node_copy[POLICY_NAME_MAX];
};

/* hot.c. True when desc is the hot request: *bufp then is a buffer struct
 * holding its template (dev and registration still to come) and *src
 * where its memory comes from. False with *bufp a struct the caller may
 * build the request in (or free), or left alone when this request could
 * never be the hot one. */
bool hot_take(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
	      struct gralloc_buffer **bufp, struct hot_source *src);
/* Makes buf, just built for the caller's desc from the first route of a
 * settled entry looked up at generation gen, the hot request. */
void hot_store(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
	       const struct gralloc_buffer *buf, const char *node, uint32_t gen);

#endif
