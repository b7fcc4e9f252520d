/* SPDX-License-Identifier: MIT */
/* The module's entry point: libgbm calls gbmint_get_backend() once after
 * dlopen, then create_device() per gbm_create_device(). The mode is chosen
 * per device: wrap Mesa's own device when Mesa can allocate on the fd (so
 * EGL, which accepts only Mesa's device, keeps working), standalone when
 * it cannot or when GRALLOC_GBM_MODE asks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gbm_private.h"

const struct gbm_core *gbm_gralloc_core;

static struct gbm_device *create_device(int fd, uint32_t version)
{
	const char *mode = getenv("GRALLOC_GBM_MODE");
	struct gbm_device *gbm;

	if (gbm_wrap_creating()) {
		errno = EBUSY; /* the loader falls through to its built-in backend */
		return NULL;
	}
	if (version < GBM_ABI_VERSION) {
		gralloc_log(ERROR, "gralloc-gbm: loader speaks backend ABI %u, this module needs %u",
			    version, GBM_ABI_VERSION);
		errno = ENOTSUP;
		return NULL;
	}
	if (mode && *mode && strcmp(mode, "auto") && strcmp(mode, "wrap") &&
	    strcmp(mode, "standalone")) {
		gralloc_log(ERROR, "gralloc-gbm: GRALLOC_GBM_MODE=%s: expected auto, wrap or standalone",
			    mode);
		errno = EINVAL;
		return NULL;
	}
	if (mode && !strcmp(mode, "standalone"))
		return gbm_standalone_create(fd, version);
	gbm = gbm_wrap_create(fd, version, mode && !strcmp(mode, "wrap"));
	if (gbm || (mode && !strcmp(mode, "wrap")))
		return gbm;
	return gbm_standalone_create(fd, version);
}

static const struct gbm_backend backend = {
	.v0 = {
		.backend_version = GBM_ABI_VERSION,
		.backend_name = "gralloc",
		.create_device = create_device,
	},
};

GRALLOC_EXPORT const struct gbm_backend *gbmint_get_backend(const struct gbm_core *core)
{
	gbm_gralloc_core = core;
	return &backend;
}
