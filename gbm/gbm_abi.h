/* SPDX-License-Identifier: MIT */
/*
 * The libgbm backend ABI, version 1 (Mesa 22.3), declared here because
 * Debian's libgbm-dev does not install Mesa's gbm_backend_abi.h. These
 * layouts are frozen by Mesa (new versions only append), so a private copy
 * is safe as long as every offset matches: the static asserts below check
 * them against the offsets measured on Mesa 22.3.6 (docs/gbm.md).
 *
 * gbm.h only forward-declares gbm_device, gbm_bo and gbm_surface; the
 * definitions come from here.
 */
#ifndef GRALLOC_GBM_ABI_H
#define GRALLOC_GBM_ABI_H

#include <stddef.h>
#include <stdint.h>

#include <gbm.h>

#include <gralloc/gralloc.h> /* GRALLOC_EXPORT */

#define GBM_ABI_VERSION 1

struct gbm_backend_desc;

/* Every slot the loader may call; the public wrappers call most of them
 * without a NULL check, so a backend fills all of them. */
struct gbm_device_v0 {
	const struct gbm_backend_desc *backend_desc;
	uint32_t backend_version;
	int fd;
	const char *name;

	void (*destroy)(struct gbm_device *gbm);
	int (*is_format_supported)(struct gbm_device *gbm, uint32_t format, uint32_t usage);
	int (*get_format_modifier_plane_count)(struct gbm_device *gbm, uint32_t format,
					       uint64_t modifier);
	struct gbm_bo *(*bo_create)(struct gbm_device *gbm, uint32_t width, uint32_t height,
				    uint32_t format, uint32_t usage, const uint64_t *modifiers,
				    const unsigned int count);
	struct gbm_bo *(*bo_import)(struct gbm_device *gbm, uint32_t type, void *buffer,
				    uint32_t usage);
	void *(*bo_map)(struct gbm_bo *bo, uint32_t x, uint32_t y, uint32_t width,
			uint32_t height, uint32_t flags, uint32_t *stride, void **map_data);
	void (*bo_unmap)(struct gbm_bo *bo, void *map_data);
	int (*bo_write)(struct gbm_bo *bo, const void *buf, size_t data);
	int (*bo_get_fd)(struct gbm_bo *bo);
	int (*bo_get_planes)(struct gbm_bo *bo);
	union gbm_bo_handle (*bo_get_handle)(struct gbm_bo *bo, int plane);
	int (*bo_get_plane_fd)(struct gbm_bo *bo, int plane);
	uint32_t (*bo_get_stride)(struct gbm_bo *bo, int plane);
	uint32_t (*bo_get_offset)(struct gbm_bo *bo, int plane);
	uint64_t (*bo_get_modifier)(struct gbm_bo *bo);
	void (*bo_destroy)(struct gbm_bo *bo);

	struct gbm_surface *(*surface_create)(struct gbm_device *gbm, uint32_t width,
					      uint32_t height, uint32_t format, uint32_t flags,
					      const uint64_t *modifiers, const unsigned count);
	struct gbm_bo *(*surface_lock_front_buffer)(struct gbm_surface *surface);
	void (*surface_release_buffer)(struct gbm_surface *surface, struct gbm_bo *bo);
	int (*surface_has_free_buffers)(struct gbm_surface *surface);
	void (*surface_destroy)(struct gbm_surface *surface);
};

struct gbm_device {
	/* The loader recognises a gbm_device by this first pointer. */
	struct gbm_device *(*dummy)(int);
	struct gbm_device_v0 v0;
};

struct gbm_bo_v0 {
	uint32_t width;
	uint32_t height;
	uint32_t stride;
	uint32_t format;
	union gbm_bo_handle handle;
	void *user_data;
	void (*destroy_user_data)(struct gbm_bo *, void *);
};

struct gbm_bo {
	struct gbm_device *gbm;
	struct gbm_bo_v0 v0;
};

struct gbm_backend_v0 {
	uint32_t backend_version;
	const char *backend_name;
	struct gbm_device *(*create_device)(int fd, uint32_t gbm_backend_version);
};

struct gbm_backend {
	struct gbm_backend_v0 v0;
};

struct gbm_core_v0 {
	uint32_t core_version;
	uint32_t (*format_canonicalize)(uint32_t gbm_format);
};

struct gbm_core {
	struct gbm_core_v0 v0;
};

/* The module's one exported symbol: libgbm calls it after dlopen. */
GRALLOC_EXPORT const struct gbm_backend *gbmint_get_backend(const struct gbm_core *core);

/* Offsets measured on Mesa 22.3.6 (x86-64); see docs/gbm.md. */
#if UINTPTR_MAX == UINT64_MAX
_Static_assert(sizeof(struct gbm_device) == 200, "gbm_device size");
_Static_assert(offsetof(struct gbm_device, v0) == 8, "gbm_device.v0");
_Static_assert(offsetof(struct gbm_device, v0.backend_version) == 16, "v0.backend_version");
_Static_assert(offsetof(struct gbm_device, v0.fd) == 20, "v0.fd");
_Static_assert(offsetof(struct gbm_device, v0.name) == 24, "v0.name");
_Static_assert(offsetof(struct gbm_device, v0.destroy) == 32, "v0.destroy");
_Static_assert(offsetof(struct gbm_device, v0.bo_create) == 56, "v0.bo_create");
_Static_assert(offsetof(struct gbm_device, v0.bo_import) == 64, "v0.bo_import");
_Static_assert(offsetof(struct gbm_device, v0.bo_destroy) == 152, "v0.bo_destroy");
_Static_assert(offsetof(struct gbm_device, v0.surface_destroy) == 192, "v0.surface_destroy");
_Static_assert(sizeof(struct gbm_bo) == 48, "gbm_bo size");
_Static_assert(offsetof(struct gbm_bo, v0.handle) == 24, "gbm_bo.v0.handle");
_Static_assert(offsetof(struct gbm_bo, v0.user_data) == 32, "gbm_bo.v0.user_data");
_Static_assert(offsetof(struct gbm_backend, v0.create_device) == 16, "backend.create_device");
_Static_assert(offsetof(struct gbm_core, v0.format_canonicalize) == 8, "core.format_canonicalize");
/* Public gbm.h struct, checked so that a different gbm.h is caught. */
_Static_assert(sizeof(struct gbm_import_fd_modifier_data) == 72, "fd_modifier_data size");
_Static_assert(offsetof(struct gbm_import_fd_modifier_data, fds) == 16, "fd_modifier fds");
_Static_assert(offsetof(struct gbm_import_fd_modifier_data, strides) == 32, "fd_modifier strides");
_Static_assert(offsetof(struct gbm_import_fd_modifier_data, offsets) == 48, "fd_modifier offsets");
_Static_assert(offsetof(struct gbm_import_fd_modifier_data, modifier) == 64, "fd_modifier modifier");
_Static_assert(GBM_BO_IMPORT_FD_MODIFIER == 0x5504, "import id (minigbm's gbm.h uses 0x5505)");
#endif

#endif
