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
	struct gralloc_device *dev;
	int heap_fd;       /* borrowed: the raw baseline's heap */
	/* Set up by bench_map_setup for the CPU access cases. */
	struct gralloc_buffer *buf;
	int fd;            /* owned dup of the buffer's dma-buf */
	void *map;         /* the baseline's own mapping of fd */
};

/* Each loop runs `iters` times; 0 or a negative errno. */
typedef int (*bench_loop)(struct bench_buf *b, unsigned iters);

struct bench_case {
	const char *name;  /* JSON "case" */
	const char *label; /* text column */
	double target;     /* library/baseline ratio to meet; 0: context only */
	bool needs_map;    /* run bench_map_setup first */
	bench_loop library, baseline;
};

extern const struct bench_case bench_cases[];
extern const size_t bench_case_count;

/* Allocates b->buf through the library, locks it once (the library maps on
 * first lock) and maps a dup for the baseline. Errors are printed. */
int bench_map_setup(struct bench_buf *b);
void bench_map_teardown(struct bench_buf *b);

#endif
