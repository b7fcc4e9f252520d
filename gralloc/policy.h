/* SPDX-License-Identifier: MIT */
/* The policy: which heaps (by name) and backends serve a request, as data. */
#ifndef GRALLOC_POLICY_H
#define GRALLOC_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POLICY_NAME_MAX 64
#define POLICY_MAX_HEAPS 32
#define POLICY_MAX_PATTERNS 16
#define POLICY_MAX_FALLBACKS 8

enum policy_heap_kind {
	HEAP_KIND_SYSTEM,
	HEAP_KIND_CMA,    /* physically contiguous */
	HEAP_KIND_SECURE, /* protected content only */
	HEAP_KIND_OTHER,
	HEAP_KIND_COUNT,
};

/* Request classes, each with its own ordered list of heap names. */
enum policy_class {
	CLASS_PROTECTED,  /* PROTECTED usage */
	CLASS_CONTIGUOUS, /* display/camera/video on a system without an IOMMU */
	CLASS_UNCACHED,   /* no CPU access */
	CLASS_CACHED,     /* CPU access often */
	CLASS_DEFAULT,    /* anything else (CPU rarely) */
	CLASS_COUNT,
};

enum policy_iommu { IOMMU_AUTO, IOMMU_PRESENT, IOMMU_ABSENT };

/* The largest single allocation (see gralloc/limits.c). */
enum policy_limit { LIMIT_PERCENT, LIMIT_BYTES, LIMIT_NONE };

struct policy_ion_map {
	bool set;
	char heap_name[POLICY_NAME_MAX]; /* ION heap name ("" = use id_mask) */
	uint32_t id_mask;
	uint32_t flags; /* ION_FLAG_* bits */
};

struct policy_heap {
	char name[POLICY_NAME_MAX]; /* the name callers and rules use */
	char node[POLICY_NAME_MAX]; /* file under the heap directory */
	enum policy_heap_kind kind;
	bool cached;
	struct policy_ion_map ion;
};

struct policy_order {
	size_t count;
	char patterns[POLICY_MAX_PATTERNS][POLICY_NAME_MAX]; /* fnmatch globs */
};

struct gralloc_policy {
	struct policy_heap heaps[POLICY_MAX_HEAPS];
	size_t num_heaps;
	struct policy_order orders[CLASS_COUNT];
	/* Non-heap backends tried after the heaps, in order. */
	size_t num_fallbacks;
	char fallbacks[POLICY_MAX_FALLBACKS][POLICY_NAME_MAX];
	enum policy_iommu iommu;
	enum policy_limit limit;
	uint64_t limit_value; /* percent of the machine's memory, or bytes */
	char source[256]; /* "built-in defaults" or the config file path */
};

extern const char *const policy_kind_names[HEAP_KIND_COUNT];
extern const char *const policy_class_names[CLASS_COUNT];

void policy_init_defaults(struct gralloc_policy *policy);
/* Applies a config file on top of the policy. -errno with a message that
 * names the file and line. -ENOENT when the file does not exist. */
int policy_load_file(struct gralloc_policy *policy, const char *path);
int policy_load_string(struct gralloc_policy *policy, const char *text,
		       const char *source_name);
int policy_dump(const struct gralloc_policy *policy, char *buf, size_t len);

struct policy_heap *policy_find_heap(struct gralloc_policy *policy, const char *name);
/* Finds or adds a heap entry; a new one defaults to node = name. */
int policy_get_heap(struct gralloc_policy *policy, const char *name,
		    struct policy_heap **out);

/* limits.c: the policy's largest single allocation in bytes (UINT64_MAX:
 * none), and the check every allocation passes: 0, or -ENOMEM with a
 * message (also in `why` when not NULL) naming the limit. */
uint64_t policy_limit_bytes(const struct gralloc_policy *policy);
int policy_limit_check(const struct gralloc_policy *policy, uint64_t size, char *why,
		       size_t len);

bool policy_has_iommu(const struct gralloc_policy *policy);
enum policy_class policy_classify(const struct gralloc_policy *policy, uint64_t usage,
				  const char **why);

#endif
