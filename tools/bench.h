/* SPDX-License-Identifier: MIT */
/* The timed loops of `gralloc bench`, each library path next to the raw
 * kernel calls it wraps. */
#ifndef GRALLOC_CLI_BENCH_H
#define GRALLOC_CLI_BENCH_H

#include "cli.h"

/* One buffer shape under test and what the loops need for it. */
struct bench_buf {
	const char *label; /* "64 KiB", "1920x1080" */
	struct gralloc_buffer_desc desc;
	uint64_t size;     /* as the library lays it out */
	struct gralloc_device *dev;    /* pool off: every allocation is fresh */
	struct gralloc_device *pooled; /* pool on */
	int heap_fd;       /* borrowed: the raw baseline's heap */
	unsigned param;    /* the case's: live buffers */
	/* Set up by bench_map_setup for the CPU access cases. */
	struct gralloc_buffer *buf;
	int fd;            /* owned dup of the buffer's dma-buf */
	void *map;         /* the baseline's own mapping of fd */
	/* Set up by the free-at-N-live cases. */
	struct gralloc_buffer **live, *one;
	unsigned next;
	int sock[2];       /* the handle cases' socket pair */
};

/* Each loop runs `iters` times; 0 or a negative errno. */
typedef int (*bench_loop)(struct bench_buf *b, unsigned iters);

#define BENCH_SMALL 1u /* the 64 KiB shape */
#define BENCH_BIG 2u   /* the 1920x1080 shape */

struct bench_case {
	const char *name;  /* JSON "case" */
	const char *label; /* text column */
	double target;     /* library/baseline ratio to meet; 0: context only */
	unsigned shapes;   /* BENCH_SMALL | BENCH_BIG */
	unsigned param;    /* copied to bench_buf.param */
	/* Timed as whole loops, alternating sides, instead of op by op
	 * (a case that starts threads). */
	bool block;
	/* Exactly `iters` samples: how many is part of what it measures
	 * (the first allocations of a process). */
	bool fixed_count;
	int (*setup)(struct bench_buf *b);     /* NULL: nothing to set up */
	void (*teardown)(struct bench_buf *b);
	bench_loop library, baseline;
};

extern const struct bench_case bench_cases[];
extern const size_t bench_case_count;



#endif
