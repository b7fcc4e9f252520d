/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gralloc/plan.h"
#include "gralloc/protected.h"

int gralloc_dma_buf_exporter(int fd, char *out, size_t len)
{
	char path[64], text[1024], *line;
	ssize_t n;
	int info;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	info = open(path, O_RDONLY | O_CLOEXEC);
	if (info < 0)
		return -errno;
	n = read(info, text, sizeof(text) - 1);
	close(info);
	if (n < 0)
		return -EIO;
	text[n] = '\0';
	for (line = text; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, "exp_name:", 9))
			continue;
		line += 9;
		line += strspn(line, " \t");
		n = (ssize_t)strcspn(line, "\n");
		if ((size_t)n >= len)
			return -ENAMETOOLONG;
		memcpy(out, line, (size_t)n);
		out[n] = '\0';
		return 0;
	}
	return -ENOENT;
}

/* A dma-buf heap exports under its own name, which is its node's name. */
static int check_one(const char *what, const char *node, int fd)
{
	char exp[64];
	int ret = gralloc_dma_buf_exporter(fd, exp, sizeof(exp));

	if (ret) {
		gralloc_log(ERROR, "%s: cannot read the kernel's exporter of fd %d (%s): "
			    "protected memory is refused unverified", what, fd, strerror(-ret));
		return -EPERM;
	}
	if (strcmp(exp, node)) {
		gralloc_log(ERROR, "%s: the kernel says this dma-buf was exported by '%s', not "
			    "by secure heap node '%s': refused", what, exp, node);
		return -EPERM;
	}
	return 0;
}

int gralloc_protected_check_fds(struct gralloc_device *dev, const char *heap,
				const int *fds, uint32_t num_fds)
{
	const struct policy_heap *h = policy_find_heap(dev->policy, heap);
	char what[160], why[384];
	int security = plan_heap_security(dev, heap, why, sizeof(why));

	snprintf(what, sizeof(what), "protected buffer claiming heap '%.64s'", heap);
	if (!h || security != HEAP_SECURE) {
		gralloc_log(ERROR, "%s: %s", what,
			    security == HEAP_FAKE_SECURE ? why :
			    "this device's policy declares no such secure heap");
		return -EPERM;
	}
	for (uint32_t i = 0; i < num_fds; i++) {
		int ret = check_one(what, h->node, fds[i]);

		if (ret)
			return ret;
	}
	return 0;
}

int gralloc_protected_check_node(struct gralloc_device *dev, const char *node, int fd)
{
	const struct gralloc_policy *p = dev->policy;
	char what[200];
	int ret;

	snprintf(what, sizeof(what), "protected allocation from %.100s/%.40s", dev->heap_dir,
		 node);
	ret = check_one(what, node, fd);
	for (size_t i = 0; !ret && i < p->num_heaps; i++) {
		if (p->heaps[i].kind != HEAP_KIND_SECURE && !strcmp(p->heaps[i].node, node)) {
			gralloc_log(ERROR, "%s: '%s' is the node of non-secure heap '%s'", what,
				    node, p->heaps[i].name);
			ret = -EPERM;
		}
	}
	return ret;
}
