/* SPDX-License-Identifier: MIT */
/* Every dma-buf on the machine and who holds it, from what the kernel
 * publishes: /proc/PID/fd + fdinfo (holding as an fd), /proc/PID/maps
 * (holding as a mapping), /sys/kernel/dmabuf/buffers (every buffer, where
 * CONFIG_DMABUF_SYSFS_STATS is set) and debugfs dma_buf/bufinfo (every
 * buffer and the devices attached to it; root only). Used by `gralloc ps`
 * and `gralloc top`; see docs/accounting.md. */
#ifndef GRALLOC_DMABUF_SCAN_H
#define GRALLOC_DMABUF_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Where a buffer was seen. */
enum {
	SEEN_FDINFO = 1 << 0,
	SEEN_MAPS = 1 << 1,
	SEEN_SYSFS = 1 << 2,
	SEEN_DEBUGFS = 1 << 3,
};

struct dmabuf_holder {
	pid_t pid;
	char comm[32];
	int *fds;         /* fd numbers in that process */
	size_t num_fds;
	uint64_t mapped;  /* bytes of its mappings of the buffer */
	unsigned mappings;
};

struct dmabuf_entry {
	uint64_t ino;     /* the dma-buf's inode: its identity */
	uint64_t size;    /* 0 when only a mapping was seen */
	char exporter[64];/* exp_name: heap name or driver, "" unknown */
	char name[128];   /* DMA_BUF_SET_NAME, "" none */
	long file_refs;   /* references to its file (debugfs count), -1 unknown */
	struct dmabuf_holder *holders;
	size_t num_holders;
	char (*attached)[64]; /* devices attached (debugfs) */
	size_t num_attached;
	unsigned seen;    /* SEEN_* */
};

enum source_state { SOURCE_ABSENT, SOURCE_UNREADABLE, SOURCE_READ };

struct dmabuf_scan {
	struct dmabuf_entry *bufs; /* sorted by inode */
	size_t num_bufs;
	uid_t euid;
	unsigned procs;            /* processes found */
	unsigned procs_unreadable; /* of those, fds or maps hidden from us */
	enum source_state sysfs, debugfs;
};

/* Roots default to /proc and /sys; GRALLOC_PROC_DIR and GRALLOC_SYS_DIR
 * replace them (tests feed recorded trees). 0 or -errno; on failure *out
 * is empty. */
int dmabuf_scan(struct dmabuf_scan *out);
void dmabuf_scan_free(struct dmabuf_scan *s);

/* Sum of sizes of the buffers a process holds (as fd or mapping), and
 * the same with each buffer divided among the processes sharing it. */
struct dmabuf_proc_total {
	pid_t pid;
	char comm[32];
	unsigned bufs;
	uint64_t rss, pss, mapped;
};
/* A new array (caller frees) sorted by rss, largest first. */
int dmabuf_proc_totals(const struct dmabuf_scan *s, struct dmabuf_proc_total **out,
		       size_t *count);

/* One sentence per thing this scan could not see, for humans and JSON. */
size_t dmabuf_visibility_notes(const struct dmabuf_scan *s, char notes[][256], size_t max);

/* The "visibility" object of --json output: what could not be seen. */
void dmabuf_visibility_json(FILE *f, const struct dmabuf_scan *s, char notes[][256],
			    size_t num_notes);

/* "4.0 MiB" */
const char *dmabuf_human_size(uint64_t bytes, char *buf, size_t len);

#endif
