/* SPDX-License-Identifier: MIT */
/* What `gralloc info` shows: heaps, backends, the policy in force. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gralloc/plan.h"

#define MAX_LISTED 64

/* Heaps the policy declares, then nodes present that it does not. Kept in
 * static storage per thread: the strings must outlive the call. */
static _Thread_local struct listed_heap {
	char name[POLICY_NAME_MAX];
	char node[POLICY_NAME_MAX + 256];
	const char *kind;
	bool cached, present;
} listed[MAX_LISTED];
static _Thread_local size_t num_listed;

static void list_heaps(struct gralloc_device *dev)
{
	const struct gralloc_policy *p = dev->policy;
	DIR *dir;
	struct dirent *ent;

	num_listed = 0;
	for (size_t i = 0; i < p->num_heaps && num_listed < MAX_LISTED; i++) {
		struct listed_heap *l = &listed[num_listed++];

		gralloc_copy_name(l->name, sizeof(l->name), p->heaps[i].name);
		snprintf(l->node, sizeof(l->node), "%s/%s", dev->heap_dir, p->heaps[i].node);
		l->kind = policy_kind_names[p->heaps[i].kind];
		if (plan_heap_security(dev, p->heaps[i].name, NULL, 0) == HEAP_FAKE_SECURE)
			l->kind = "secure in name only (a non-secure heap's device): unused";
		l->cached = p->heaps[i].cached;
		l->present = access(l->node, F_OK) == 0;
	}
	dir = opendir(dev->heap_dir);
	while (dir && (ent = readdir(dir)) && num_listed < MAX_LISTED) {
		struct listed_heap *l = &listed[num_listed];
		bool known = false;

		if (ent->d_name[0] == '.' || strlen(ent->d_name) >= POLICY_NAME_MAX)
			continue;
		for (size_t i = 0; i < p->num_heaps; i++)
			known |= !strcmp(p->heaps[i].node, ent->d_name);
		if (known)
			continue;
		/* A node path that does not fit is not listed rather than cut. */
		if (snprintf(l->node, sizeof(l->node), "%s/%s", dev->heap_dir, ent->d_name) >=
		    (int)sizeof(l->node))
			continue;
		gralloc_copy_name(l->name, sizeof(l->name), ent->d_name);
		snprintf(l->node, sizeof(l->node), "%s/%s", dev->heap_dir, ent->d_name);
		l->kind = plan_heap_security(dev, ent->d_name, NULL, 0) == HEAP_RESERVED ?
				  "reserved (protected pattern, undeclared)" : "undeclared";
		l->cached = true;
		l->present = true;
		num_listed++;
	}
	if (dir)
		closedir(dir);
}

GRALLOC_EXPORT size_t gralloc_device_heap_count(struct gralloc_device *dev)
{
	if (!dev)
		return 0;
	list_heaps(dev);
	return num_listed;
}

GRALLOC_EXPORT int gralloc_device_heap_get(struct gralloc_device *dev, size_t index,
					   struct gralloc_heap_status *out)
{
	if (!dev || !out || index >= num_listed) {
		gralloc_log(ERROR, "heap index %zu out of range: call "
			    "gralloc_device_heap_count() first", index);
		return -(errno = EINVAL);
	}
	memset(out, 0, sizeof(*out));
	out->name = listed[index].name;
	out->node = listed[index].node;
	out->kind = listed[index].kind;
	out->cached = listed[index].cached;
	out->present = listed[index].present;
	out->backend = listed[index].present ? "dma-heap" : "";
	return 0;
}

GRALLOC_EXPORT int gralloc_device_policy_dump(struct gralloc_device *dev, char *buf, size_t len)
{
	if (!dev || (!buf && len)) {
		gralloc_log(ERROR, "device must not be NULL");
		return -(errno = EINVAL);
	}
	return policy_dump(dev->policy, buf, len);
}

GRALLOC_EXPORT size_t gralloc_backend_count(void)
{
	return gralloc_backend_impl_count;
}

GRALLOC_EXPORT const char *gralloc_backend_name(size_t index)
{
	return index < gralloc_backend_impl_count ? gralloc_backend_impls[index]->name : NULL;
}

GRALLOC_EXPORT int gralloc_device_backend_status(struct gralloc_device *dev, size_t index,
						 char *why, size_t len)
{
	struct gralloc_backend *b;

	if (!dev || index >= gralloc_backend_impl_count || (!why && len)) {
		gralloc_log(ERROR, "backend index %zu out of range", index);
		return -(errno = EINVAL);
	}
	b = dev->backends[index];
	if (len)
		snprintf(why, len, "usable");
	if (!b->impl->uses_heaps)
		return b->impl->status(b, NULL, why, len);
	/* A heap backend is usable when it can serve any heap the policy
	 * knows, not only "system" (a board may have CMA alone). */
	char first[256] = "the policy declares no heaps";
	int ret = -ENOENT;

	for (size_t i = 0; ret && i < dev->policy->num_heaps; i++) {
		ret = b->impl->status(b, dev->policy->heaps[i].node, why, len);
		/* The first declared heap (normally "system") says it best. */
		if (ret && i == 0 && len)
			gralloc_copy_name(first, sizeof(first), why);
	}
	if (ret && len)
		gralloc_copy_name(why, len, first);
	return ret;
}
