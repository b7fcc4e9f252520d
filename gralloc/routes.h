/* SPDX-License-Identifier: MIT */
/* Routes: the usable part of a plan, cached per usage on the device so that
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

struct routes {
	uint64_t usage;
	enum policy_class cls;
	uint32_t count;
	/* When no candidate is usable: why the first one that names a node
	 * was refused (a permission, a missing node), for the error. */
	char why[384];
	struct route r[ROUTE_MAX];
};

struct route_cache {
	/* The heap directory's change stamp when the routes were planned: a
	 * node added or removed (a heap module loaded later) changes it. */
	struct timespec dir_mtime, dir_ctime;
	off_t dir_size;
	uint32_t used, next;
	struct routes entries[ROUTE_CACHE_SIZE];
};

/* Copies the cached routes for `usage` into *out; false on a miss. */
bool routes_lookup(struct gralloc_device *dev, uint64_t usage, struct routes *out);
/* The usable candidates of a plan, in order, without caching. */
void routes_from_plan(const struct plan *plan, uint64_t usage, struct routes *out);
/* Plans `desc` afresh, stores the usable candidates in the cache and
 * copies them to *out. 0 or -ENOMEM. */
int routes_build(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
		 struct routes *out);

#endif
