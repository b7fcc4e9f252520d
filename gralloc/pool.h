/* SPDX-License-Identifier: MIT */
/* The recycling pool of a device (pool.c). */
#ifndef GRALLOC_POOL_H
#define GRALLOC_POOL_H

#include "gralloc/private.h"

struct buffer_pool;

/* What a pooled buffer leaves behind: its fd and mapping, both owned by
 * whoever holds this. */
struct pool_memory {
	int fd;
	void *map;         /* NULL when never mapped */
	bool map_writable;
};

/* 0 for either bound means its default; UINT64_MAX bytes or UINT32_MAX
 * buffers turns the pool off. */
struct buffer_pool *pool_create(uint64_t max_bytes, uint32_t max_buffers);
void pool_destroy(struct buffer_pool *p);
/* False when created off: it will never keep anything. */
bool pool_enabled(const struct buffer_pool *p);
/* Takes memory of exactly this route and size; false on a miss. */
bool pool_take(struct buffer_pool *p, const struct gralloc_backend *backend, const char *heap,
	       uint64_t size, struct pool_memory *out);
/* Keeps mem (taking its fd and mapping) unless it does not fit the bounds:
 * false, and the caller still owns it. */
bool pool_put(struct buffer_pool *p, const struct gralloc_backend *backend, const char *heap,
	      uint64_t size, const struct pool_memory *mem);
/* Frees the oldest memory until at most keep_bytes remain. */
void pool_trim(struct buffer_pool *p, uint64_t keep_bytes);
void pool_stats(struct buffer_pool *p, struct gralloc_pool_stats *out);

#endif
