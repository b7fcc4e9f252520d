/* SPDX-License-Identifier: MIT */
/* Protected memory is checked against the kernel, not against names. */
#ifndef GRALLOC_PROTECTED_H
#define GRALLOC_PROTECTED_H

#include <stddef.h>

#include "gralloc/private.h"

/* The kernel's name of the exporter of dma-buf `fd` (borrowed), from
 * /proc/self/fdinfo ("exp_name"). 0 or -errno (-ENOENT: no exp_name). */
int gralloc_dma_buf_exporter(int fd, char *out, size_t len);

/* 0 when every fd (borrowed) of a buffer said to be protected memory of
 * policy heap `heap` is memory of that heap by the kernel's word: the
 * heap is secure (plan_heap_security) and each fd's exporter is the heap's
 * node. Else -EPERM, with a message naming heap and exporter. */
int gralloc_protected_check_fds(struct gralloc_device *dev, const char *heap,
				const int *fds, uint32_t num_fds);

/* The same for one fd fresh from `node`: the exporter must be the node's
 * heap and no non-secure heap of the policy. */
int gralloc_protected_check_node(struct gralloc_device *dev, const char *node, int fd);

#endif
