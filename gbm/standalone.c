/* SPDX-License-Identifier: MIT */
/* Standalone mode: a complete GBM device on gralloc, for fds where Mesa
 * cannot allocate (render nodes of kms_swrast-only devices refuse dumb
 * buffers) or when GRALLOC_GBM_MODE=standalone asks. Its name is
 * "gralloc", so Mesa's EGL refuses it: this mode is for GBM users that
 * allocate, import, map and share (waypipe, compositor allocators), not
 * for EGL on GBM. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>

#include "gbm_private.h"
#include "gem_handles.h"

struct sa_device {
	struct gbm_device base;
	struct gralloc_device *dev;
	struct gbm_policy policy;
	struct gem_handles handles;
};

struct sa_bo {
	struct gbm_bo base;
	struct gralloc_buffer *buf;
	struct gralloc_buffer_info info;
	uint32_t handles[GRALLOC_MAX_PLANES];
};

static struct sa_device *to_dev(struct gbm_device *gbm)
{
	return (struct sa_device *)gbm;
}

static struct sa_bo *to_bo(struct gbm_bo *bo)
{
	return (struct sa_bo *)bo;
}

static void *fail_null(int err)
{
	errno = err;
	return NULL;
}

static bool plane_ok(struct sa_bo *b, int plane)
{
	if (plane >= 0 && (uint32_t)plane < b->info.num_planes)
		return true;
	errno = EINVAL;
	return false;
}

static int sa_is_format_supported(struct gbm_device *gbm, uint32_t format, uint32_t usage)
{
	struct gralloc_format_desc fd;
	uint64_t gusage;

	(void)gbm;
	if (gbm_usage_to_gralloc(usage, &gusage))
		return 0;
	/* A cursor is written by the CPU, never rendered to (as in Mesa). */
	if ((usage & GBM_BO_USE_CURSOR) && (usage & GBM_BO_USE_RENDERING))
		return 0;
	return !gralloc_format_lookup(gbm_canonical_format(format), &fd);
}

static int sa_plane_count(struct gbm_device *gbm, uint32_t format, uint64_t modifier)
{
	struct gralloc_format_desc fd;

	(void)gbm;
	if (modifier != DRM_FORMAT_MOD_LINEAR ||
	    gralloc_format_lookup(gbm_canonical_format(format), &fd)) {
		errno = EINVAL;
		return -1;
	}
	return (int)fd.num_planes;
}

/* Finishes a bo around `buf` (taken over): GEM handles on the caller's
 * fd, which is what gbm_bo_get_handle() promises (weston-simple-dmabuf-egl
 * turns them back into dma-bufs with drmPrimeHandleToFD on that fd).
 * `known`: buf's description when the caller has it, else NULL. */
static struct gbm_bo *make_bo(struct sa_device *d, struct gralloc_buffer *buf,
			      const struct gralloc_buffer_info *known)
{
	struct sa_bo *b = calloc(1, sizeof(*b));
	uint32_t got = 0;
	int ret = b ? 0 : -ENOMEM;

	if (b && known)
		b->info = *known;
	else if (b)
		ret = gralloc_buffer_describe(buf, &b->info);
	for (; !ret && got < b->info.num_planes; got++)
		ret = gem_handles_import(&d->handles, d->base.v0.fd,
					 b->info.fds[b->info.planes[got].fd_index], &b->handles[got]);
	if (ret) {
		gralloc_log(ERROR, "gralloc-gbm: GEM handle on %s: %s", d->policy.node,
			    strerror(-ret));
		/* `got` counts the failed plane too. */
		for (uint32_t i = 0; b && i + 1 < got; i++)
			gem_handles_put(&d->handles, d->base.v0.fd, b->handles[i]);
		free(b);
		gralloc_buffer_release(buf);
		return fail_null(-ret);
	}
	b->buf = buf;
	b->base.gbm = &d->base;
	b->base.v0.width = b->info.width;
	b->base.v0.height = b->info.height;
	b->base.v0.stride = b->info.planes[0].stride;
	b->base.v0.format = b->info.format;
	b->base.v0.handle.u32 = b->handles[0];
	return &b->base;
}

static struct gbm_bo *sa_bo_create(struct gbm_device *gbm, uint32_t width, uint32_t height,
				   uint32_t format, uint32_t flags, const uint64_t *modifiers,
				   const unsigned int count)
{
	struct sa_device *d = to_dev(gbm);
	struct gralloc_buffer_info info;
	struct gralloc_buffer *buf;
	uint64_t usage;

	if (!gbm_modifiers_serve_linear(modifiers, count)) {
		gralloc_log(ERROR, "gralloc-gbm: only vendor modifiers among %u, no LINEAR: "
			    "gralloc memory is linear", count);
		return fail_null(EINVAL);
	}
	if (gbm_usage_to_gralloc(flags, &usage)) {
		gralloc_log(ERROR, "gralloc-gbm: unknown GBM usage flags 0x%x", flags);
		return fail_null(EINVAL);
	}
	/* gbm_bo_map() may be called on any bo. */
	usage |= GRALLOC_USAGE_CPU_READ_RARELY | GRALLOC_USAGE_CPU_WRITE_RARELY;
	buf = gbm_policy_allocate(&d->policy, d->dev, width, height, gbm_canonical_format(format),
				  usage, &info);
	if (!buf)
		return NULL;
	return make_bo(d, buf, &info);
}

static struct gbm_bo *import_planes(struct sa_device *d, uint32_t width, uint32_t height,
				    uint32_t format, uint64_t modifier, uint32_t num_fds,
				    const int *fds, const int *strides, const int *offsets,
				    uint32_t flags)
{
	struct gralloc_import_desc desc = {
		.struct_size = sizeof(desc),
		.width = width,
		.height = height,
		.format = gbm_canonical_format(format),
		.modifier = modifier,
		.num_fds = num_fds,
		.name = GBM_GRALLOC_BUFFER_NAME,
	};
	struct gralloc_format_desc fmt;
	struct gralloc_buffer *buf;

	if (gbm_usage_to_gralloc(flags, &desc.usage) || !num_fds ||
	    num_fds > GRALLOC_MAX_PLANES || gralloc_format_lookup(desc.format, &fmt)) {
		gralloc_log(ERROR, "gralloc-gbm: import: bad flags 0x%x, %u fds or format 0x%x",
			    flags, num_fds, desc.format);
		return fail_null(EINVAL);
	}
	desc.usage |= GRALLOC_USAGE_CPU_READ_RARELY;
	desc.num_planes = fmt.num_planes;
	for (uint32_t i = 0; i < num_fds; i++)
		desc.fds[i] = fds[i];
	for (uint32_t i = 0; i < fmt.num_planes; i++) {
		/* One fd per plane (disjoint), or every plane in the first. */
		uint32_t fd_index = i < num_fds ? i : 0;

		if (strides[i] <= 0 || offsets[i] < 0) {
			gralloc_log(ERROR, "gralloc-gbm: import: plane %u stride %d offset %d", i,
				    strides[i], offsets[i]);
			return fail_null(EINVAL);
		}
		desc.planes[i].fd_index = fd_index;
		desc.planes[i].stride = (uint32_t)strides[i];
		desc.planes[i].offset = (uint64_t)offsets[i];
	}
	buf = gralloc_buffer_import(d->dev, &desc);
	if (!buf)
		return NULL;
	gralloc_log(INFO, "gralloc-gbm: imported %ux%u %.4s on %s (%u fds)", width, height,
		    (const char *)&desc.format, d->policy.node, num_fds);
	return make_bo(d, buf, NULL);
}

static struct gbm_bo *sa_bo_import(struct gbm_device *gbm, uint32_t type, void *buffer,
				   uint32_t flags)
{
	struct sa_device *d = to_dev(gbm);

	if (!buffer)
		return fail_null(EINVAL);
	if (type == GBM_BO_IMPORT_FD) {
		const struct gbm_import_fd_data *in = buffer;
		int offset = 0, stride = (int)in->stride;

		if (in->stride > INT32_MAX)
			return fail_null(EINVAL);
		/* No modifier in this struct: standalone memory and every device
		 * it serves are linear, so the buffer is taken as LINEAR. */
		return import_planes(d, in->width, in->height, in->format, DRM_FORMAT_MOD_LINEAR, 1,
				     &in->fd, &stride, &offset, flags);
	}
	if (type == GBM_BO_IMPORT_FD_MODIFIER) {
		const struct gbm_import_fd_modifier_data *in = buffer;

		if (in->modifier != DRM_FORMAT_MOD_LINEAR) {
			gralloc_log(ERROR, "gralloc-gbm: import: modifier 0x%llx: only LINEAR "
				    "memory is served here", (unsigned long long)in->modifier);
			return fail_null(EINVAL);
		}
		return import_planes(d, in->width, in->height, in->format, in->modifier,
				     in->num_fds, in->fds, in->strides, in->offsets, flags);
	}
	gralloc_log(ERROR, "gralloc-gbm: import type 0x%x (wl_buffer/EGLImage) needs Mesa's "
		    "device (wrap mode)", type);
	return fail_null(ENOSYS);
}

static void *sa_bo_map(struct gbm_bo *bo, uint32_t x, uint32_t y, uint32_t width,
		       uint32_t height, uint32_t flags, uint32_t *stride, void **map_data)
{
	struct sa_bo *b = to_bo(bo);
	struct gralloc_rect rect = { x, y, width, height };
	uint64_t usage = 0;
	void *ptr = NULL;
	int ret;

	if (flags & GBM_BO_TRANSFER_READ)
		usage |= GRALLOC_USAGE_CPU_READ_OFTEN;
	if (flags & GBM_BO_TRANSFER_WRITE)
		usage |= GRALLOC_USAGE_CPU_WRITE_OFTEN;
	if (!usage || !stride || !map_data)
		return fail_null(EINVAL);
	ret = gralloc_buffer_lock(b->buf, usage, &rect, &ptr);
	if (ret)
		return fail_null(-ret);
	*stride = b->info.planes[0].stride;
	*map_data = b; /* gbm_bo_unmap() needs a non-NULL token */
	return ptr;
}

static void sa_bo_unmap(struct gbm_bo *bo, void *map_data)
{
	if (map_data == to_bo(bo))
		gralloc_buffer_unlock(to_bo(bo)->buf);
}

static int sa_bo_write(struct gbm_bo *bo, const void *data, size_t count)
{
	struct sa_bo *b = to_bo(bo);
	void *ptr;
	int ret;

	if (count > b->info.planes[0].size) {
		errno = EINVAL;
		return -1;
	}
	ret = gralloc_buffer_lock(b->buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &ptr);
	if (ret) {
		errno = -ret;
		return -1;
	}
	memcpy(ptr, data, count);
	gralloc_buffer_unlock(b->buf);
	return 0;
}

static int sa_bo_get_plane_fd(struct gbm_bo *bo, int plane)
{
	struct sa_bo *b = to_bo(bo);
	int fd;

	if (!plane_ok(b, plane))
		return -1;
	/* A new fd each call (caller owns), as Mesa gives. */
	fd = gralloc_buffer_export_fd(b->buf, b->info.planes[plane].fd_index);
	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	return fd;
}

static int sa_bo_get_fd(struct gbm_bo *bo)
{
	return sa_bo_get_plane_fd(bo, 0);
}

static int sa_bo_get_planes(struct gbm_bo *bo)
{
	return (int)to_bo(bo)->info.num_planes;
}

static union gbm_bo_handle sa_bo_get_handle(struct gbm_bo *bo, int plane)
{
	union gbm_bo_handle h = { .s64 = -1 };

	if (plane_ok(to_bo(bo), plane))
		h.u64 = to_bo(bo)->handles[plane];
	return h;
}

static uint32_t sa_bo_get_stride(struct gbm_bo *bo, int plane)
{
	return plane_ok(to_bo(bo), plane) ? to_bo(bo)->info.planes[plane].stride : 0;
}

static uint32_t sa_bo_get_offset(struct gbm_bo *bo, int plane)
{
	struct sa_bo *b = to_bo(bo);

	/* Offsets past 4 GiB do not fit the API's uint32_t: say so with 0 + errno. */
	if (!plane_ok(b, plane))
		return 0;
	if (b->info.planes[plane].offset > UINT32_MAX) {
		errno = EOVERFLOW;
		return 0;
	}
	return (uint32_t)b->info.planes[plane].offset;
}

static uint64_t sa_bo_get_modifier(struct gbm_bo *bo)
{
	return to_bo(bo)->info.modifier;
}

static void sa_bo_destroy(struct gbm_bo *bo)
{
	struct sa_bo *b = to_bo(bo);
	struct sa_device *d = to_dev(bo->gbm);

	for (uint32_t i = 0; i < b->info.num_planes; i++)
		gem_handles_put(&d->handles, d->base.v0.fd, b->handles[i]);
	gralloc_buffer_release(b->buf);
	free(b);
}

static struct gbm_surface *sa_surface_create(struct gbm_device *gbm, uint32_t width,
					     uint32_t height, uint32_t format, uint32_t flags,
					     const uint64_t *modifiers, const unsigned count)
{
	(void)gbm, (void)width, (void)height, (void)format, (void)flags, (void)modifiers,
		(void)count;
	gralloc_log(ERROR, "gralloc-gbm: surfaces are EGL's, and EGL needs Mesa's device "
		    "(wrap mode)");
	return fail_null(ENOSYS);
}

static struct gbm_bo *sa_surface_lock_front_buffer(struct gbm_surface *surface)
{
	(void)surface;
	return fail_null(ENOSYS);
}

static void sa_surface_release_buffer(struct gbm_surface *surface, struct gbm_bo *bo)
{
	(void)surface, (void)bo;
}

static int sa_surface_has_free_buffers(struct gbm_surface *surface)
{
	(void)surface;
	return 0;
}

static void sa_surface_destroy(struct gbm_surface *surface)
{
	(void)surface;
}

static void sa_destroy(struct gbm_device *gbm)
{
	struct sa_device *d = to_dev(gbm);

	gbm_policy_fini(&d->policy);
	gralloc_device_destroy(d->dev);
	gem_handles_fini(&d->handles, gbm->v0.fd);
	free(d);
}

static const struct gbm_device_v0 sa_ops = {
	.name = "gralloc",
	.destroy = sa_destroy,
	.is_format_supported = sa_is_format_supported,
	.get_format_modifier_plane_count = sa_plane_count,
	.bo_create = sa_bo_create,
	.bo_import = sa_bo_import,
	.bo_map = sa_bo_map,
	.bo_unmap = sa_bo_unmap,
	.bo_write = sa_bo_write,
	.bo_get_fd = sa_bo_get_fd,
	.bo_get_planes = sa_bo_get_planes,
	.bo_get_handle = sa_bo_get_handle,
	.bo_get_plane_fd = sa_bo_get_plane_fd,
	.bo_get_stride = sa_bo_get_stride,
	.bo_get_offset = sa_bo_get_offset,
	.bo_get_modifier = sa_bo_get_modifier,
	.bo_destroy = sa_bo_destroy,
	.surface_create = sa_surface_create,
	.surface_lock_front_buffer = sa_surface_lock_front_buffer,
	.surface_release_buffer = sa_surface_release_buffer,
	.surface_has_free_buffers = sa_surface_has_free_buffers,
	.surface_destroy = sa_surface_destroy,
};

struct gbm_device *gbm_standalone_create(int fd, uint32_t version)
{
	struct sa_device *d = calloc(1, sizeof(*d));
	int ret;

	if (!d)
		return fail_null(ENOMEM);
	d->dev = gralloc_device_create(NULL);
	ret = d->dev ? gbm_policy_init(&d->policy, fd, d->dev, false) : -errno;
	if (ret) {
		gralloc_log(ERROR, "gralloc-gbm: standalone mode on fd %d: %s", fd,
			    gralloc_last_error());
		gralloc_device_destroy(d->dev);
		free(d);
		return fail_null(-ret);
	}
	pthread_mutex_init(&d->handles.lock, NULL);
	d->base.dummy = gbm_create_device;
	d->base.v0 = sa_ops;
	d->base.v0.backend_version = version;
	d->base.v0.fd = fd; /* borrowed: the caller's, as with Mesa */
	gralloc_log(INFO, "gralloc-gbm: %s (%s): standalone mode, device \"gralloc\" with "
		    "buffers for %s", d->policy.node, d->policy.driver,
		    gralloc_consumer_name(d->policy.consumers[0]));
	return &d->base;
}
