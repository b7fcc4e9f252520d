/* SPDX-License-Identifier: MIT */
/* Every backend, in one list. Heap backends come first: the planner tries
 * them for each heap name in policy order. */
#include "gralloc/private.h"

extern const struct gralloc_backend_impl gralloc_dma_heap_backend;
extern const struct gralloc_backend_impl gralloc_ion_backend;
extern const struct gralloc_backend_impl gralloc_udmabuf_backend;
extern const struct gralloc_backend_impl gralloc_memfd_backend;
extern const struct gralloc_backend_impl gralloc_drm_dumb_backend;
extern const struct gralloc_backend_impl gralloc_foreign_backend;

const struct gralloc_backend_impl *const gralloc_backend_impls[] = {
	&gralloc_dma_heap_backend,
	&gralloc_ion_backend,
	&gralloc_udmabuf_backend,
	&gralloc_drm_dumb_backend,
	&gralloc_memfd_backend,
	&gralloc_foreign_backend, /* import only: never a candidate */
};

const size_t gralloc_backend_impl_count = ARRAY_SIZE(gralloc_backend_impls);
