/* SPDX-License-Identifier: MIT */
/* Built-in policy and request classification. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gralloc/policy.h"
#include "gralloc/private.h"

const char *const policy_kind_names[HEAP_KIND_COUNT] = {
	[HEAP_KIND_SYSTEM] = "system",
	[HEAP_KIND_CMA] = "cma",
	[HEAP_KIND_SECURE] = "secure",
	[HEAP_KIND_OTHER] = "other",
};

const char *const policy_class_names[CLASS_COUNT] = {
	[CLASS_PROTECTED] = "protected",
	[CLASS_CONTIGUOUS] = "contiguous",
	[CLASS_UNCACHED] = "uncached",
	[CLASS_CACHED] = "cached",
	[CLASS_DEFAULT] = "default",
};

/* The defaults are written in the config language itself, so that the
 * built-in policy and a user's file go through one parser. */
static const char default_policy[] =
	"heap system kind=system cached=yes\n"
	"heap system-uncached kind=system cached=no\n"
	"heap linux,cma kind=cma cached=yes\n"
	"heap reserved kind=cma cached=yes\n"
	"heap default_cma_region kind=cma cached=yes\n"
	"order protected system-secure* secure*\n"
	"order contiguous linux,cma reserved default_cma_region system\n"
	"order uncached system-uncached system\n"
	"order cached system\n"
	"order default system\n"
	"fallback udmabuf memfd\n"
	"iommu auto\n"
	"max-allocation 50%\n";

void policy_init_defaults(struct gralloc_policy *policy)
{
	int ret;

	memset(policy, 0, sizeof(*policy));
	ret = policy_load_string(policy, default_policy, "built-in defaults");
	/* The built-in text is part of the code: a failure is a bug that
	 * the policy unit tests catch. */
	(void)ret;
	gralloc_copy_name(policy->source, sizeof(policy->source), "built-in defaults");
}

struct policy_heap *policy_find_heap(struct gralloc_policy *policy, const char *name)
{
	for (size_t i = 0; i < policy->num_heaps; i++)
		if (!strcmp(policy->heaps[i].name, name))
			return &policy->heaps[i];
	return NULL;
}

int policy_get_heap(struct gralloc_policy *policy, const char *name,
		    struct policy_heap **out)
{
	struct policy_heap *heap = policy_find_heap(policy, name);

	if (!heap) {
		if (policy->num_heaps == POLICY_MAX_HEAPS)
			return -ENOSPC;
		heap = &policy->heaps[policy->num_heaps++];
		memset(heap, 0, sizeof(*heap));
		gralloc_copy_name(heap->name, sizeof(heap->name), name);
		gralloc_copy_name(heap->node, sizeof(heap->node), name);
		heap->kind = HEAP_KIND_OTHER;
		heap->cached = true;
	}
	*out = heap;
	return 0;
}

/* An IOMMU lets devices use scattered pages; /sys/class/iommu lists the
 * kernel's IOMMU instances when there are any. */
static bool sysfs_has_iommu(void)
{
	DIR *dir = opendir("/sys/class/iommu");
	struct dirent *ent;
	bool found = false;

	if (!dir)
		return false;
	while (!found && (ent = readdir(dir)))
		found = ent->d_name[0] != '.';
	closedir(dir);
	return found;
}

bool policy_has_iommu(const struct gralloc_policy *policy)
{
	if (policy->iommu == IOMMU_PRESENT)
		return true;
	if (policy->iommu == IOMMU_ABSENT)
		return false;
	return sysfs_has_iommu();
}

enum policy_class policy_classify(const struct gralloc_policy *policy, uint64_t usage,
				  const char **why)
{
	const uint64_t device_usage = GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CURSOR_PLANE |
				      GRALLOC_USAGE_COMPOSER_OVERLAY |
				      GRALLOC_USAGE_CAMERA_WRITE | GRALLOC_USAGE_CAMERA_READ |
				      GRALLOC_USAGE_VIDEO_ENCODER | GRALLOC_USAGE_VIDEO_DECODER;

	if (usage & GRALLOC_USAGE_PROTECTED_CONTENT) {
		*why = "protected usage: secure heaps only, never a fallback";
		return CLASS_PROTECTED;
	}
	if ((usage & device_usage) && !policy_has_iommu(policy)) {
		*why = "display/camera/video usage and no IOMMU: contiguous memory first";
		return CLASS_CONTIGUOUS;
	}
	if (!(usage & GRALLOC_USAGE_CPU)) {
		*why = "no CPU access: uncached memory avoids cache maintenance";
		return CLASS_UNCACHED;
	}
	if (usage & (GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN)) {
		*why = "frequent CPU access: cached memory";
		return CLASS_CACHED;
	}
	*why = "occasional CPU access";
	return CLASS_DEFAULT;
}
