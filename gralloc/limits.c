/* SPDX-License-Identifier: MIT */
/* The largest single allocation. Heaps, udmabuf and memfd hand out what
 * is asked and the pages arrive later: a request bigger than the machine
 * ends with the OOM killer, not ENOMEM. A limit derived from the memory
 * the machine has turns that into an error (ION once capped a single
 * allocation at half of RAM; the default here is the same). */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gralloc/policy.h"
#include "gralloc/private.h"

/* Read once per process: sysconf(_SC_PHYS_PAGES) is a sysinfo() system
 * call, and on every allocation it cost as much as the rest of the
 * library's work. Memory hot-plugged later is not seen until the program
 * restarts; the limit is a guard against absurd requests, not a quota. */
static uint64_t machine_memory(void)
{
	static _Atomic uint64_t cached;
	uint64_t bytes = atomic_load_explicit(&cached, memory_order_relaxed);
	long pages, page;

	if (bytes)
		return bytes;
	pages = sysconf(_SC_PHYS_PAGES);
	page = sysconf(_SC_PAGESIZE);
	if (pages <= 0 || page <= 0 ||
	    gralloc_mul64((uint64_t)pages, (uint64_t)page, &bytes))
		bytes = UINT64_MAX;
	atomic_store_explicit(&cached, bytes, memory_order_relaxed);
	return bytes;
}

uint64_t policy_limit_bytes(const struct gralloc_policy *policy)
{
	uint64_t mem, scaled;

	switch (policy->limit) {
	case LIMIT_BYTES:
		return policy->limit_value;
	case LIMIT_PERCENT:
		mem = machine_memory();
		if (mem == UINT64_MAX)
			return mem;
		return gralloc_mul64(mem, policy->limit_value, &scaled) ?
			       mem / 100 * policy->limit_value : scaled / 100;
	case LIMIT_NONE:
	default:
		return UINT64_MAX;
	}
}

int policy_limit_check(const struct gralloc_policy *policy, uint64_t size, char *why,
		       size_t len)
{
	uint64_t limit = policy_limit_bytes(policy);
	char msg[512], how[64];

	if (size <= limit)
		return 0;
	if (policy->limit == LIMIT_PERCENT)
		snprintf(how, sizeof(how), "%llu%% of this machine's %llu MiB",
			 (unsigned long long)policy->limit_value,
			 (unsigned long long)(machine_memory() >> 20));
	else
		snprintf(how, sizeof(how), "set by the policy");
	snprintf(msg, sizeof(msg), "%llu bytes exceed the per-allocation limit of %llu bytes "
		 "(max-allocation: %s; policy from %.100s)", (unsigned long long)size,
		 (unsigned long long)limit, how, policy->source);
	gralloc_log(ERROR, "%s", msg);
	if (why)
		gralloc_copy_name(why, len, msg);
	return -ENOMEM;
}
