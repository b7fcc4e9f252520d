/* SPDX-License-Identifier: MIT */
/* Whether two descriptions are of one layout: the shape they are for,
 * every plane (fd index, stride, offset, size), the total size, the layer
 * stride and the modifier. Public API only; include after gralloc.h. */
#ifndef GRALLOC_TEST_SAME_LAYOUT_H
#define GRALLOC_TEST_SAME_LAYOUT_H

#include <stdbool.h>
#include <string.h>

static inline bool test_same_layout(const struct gralloc_buffer_info *a,
				    const struct gralloc_buffer_info *b)
{
	if (a->width != b->width || a->height != b->height || a->format != b->format ||
	    a->num_planes != b->num_planes || a->size != b->size ||
	    a->layer_stride != b->layer_stride || a->modifier != b->modifier)
		return false;
	for (uint32_t i = 0; i < a->num_planes; i++)
		if (memcmp(&a->planes[i], &b->planes[i], sizeof(a->planes[i])))
			return false;
	return true;
}

#endif
