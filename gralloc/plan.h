/* SPDX-License-Identifier: MIT */
/* The planner: one ordered candidate list per request, used by both
 * allocation and explain so that what is explained is what happens. */
#ifndef GRALLOC_PLAN_H
#define GRALLOC_PLAN_H

#include "gralloc/policy.h"
#include "gralloc/private.h"

#define PLAN_MAX_CANDIDATES 48

struct plan_candidate {
	struct gralloc_backend *backend;
	char heap[POLICY_NAME_MAX];
	char node[POLICY_NAME_MAX];
	enum gralloc_verdict verdict;
	char reason[384];
};

struct plan {
	enum policy_class cls;
	const char *class_why;
	/* Set when a backend's must_serve() claimed the request. */
	char exclusive[384];
	size_t count;
	struct plan_candidate c[PLAN_MAX_CANDIDATES];
};

/* Fills `out`; the descriptor must already be valid. */
void gralloc_plan(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
		  struct plan *out);
bool policy_heap_is_secure(const struct gralloc_policy *policy, const char *name);

#endif
