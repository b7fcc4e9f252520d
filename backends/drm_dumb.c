/* SPDX-License-Identifier: MIT */
/* drm-dumb: memory of the display device itself, for displays that cannot
 * import foreign dma-bufs. A dumb buffer exported with PRIME is a dma-buf
 * like any other, so lock, sharing and KMS import work unchanged. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "gralloc/kms_private.h"

#define DISPLAY_USAGE (GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CURSOR | \
		       GRALLOC_USAGE_COMPOSER_OVERLAY | GRALLOC_USAGE_FRONT_BUFFER)

struct drm_dumb_backend {
	struct gralloc_backend base;
	pthread_mutex_t lock;
	bool opened;
	int fd; /* owned; -errno when no display could be opened */
	char path[256];
	char driver[32];
	int imports_foreign; /* -1 unknown */
	char probe_why[256];
};

static struct drm_dumb_backend *to_dumb(struct gralloc_backend *b)
{
	return (struct drm_dumb_backend *)b;
}

static bool has_kms(int fd)
{
	drmModeResPtr res = drmModeGetResources(fd);
	bool ok = res && res->count_crtcs > 0 && res->count_connectors > 0;

	drmModeFreeResources(res);
	return ok;
}

/* The configured display, or the first card node with CRTCs and
 * connectors (render-only devices such as vgem have none). */
static int open_display(struct drm_dumb_backend *b)
{
	const char *want = b->base.dev->display_path;
	struct dirent **names = NULL;
	int n, fd = -ENODEV;

	if (want[0]) {
		fd = open(want, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		gralloc_copy_name(b->path, sizeof(b->path), want);
		return fd;
	}
	n = scandir("/dev/dri", &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		char path[300];

		if (fd < 0 && !strncmp(names[i]->d_name, "card", 4)) {
			snprintf(path, sizeof(path), "/dev/dri/%s", names[i]->d_name);
			fd = open(path, O_RDWR | O_CLOEXEC);
			if (fd >= 0 && !has_kms(fd)) {
				close(fd);
				fd = -ENODEV;
			} else if (fd >= 0) {
				gralloc_copy_name(b->path, sizeof(b->path), path);
			}
		}
		free(names[i]);
	}
	free(names);
	return fd;
}

/* Returns a borrowed fd of the display or -errno. */
static int display_fd(struct drm_dumb_backend *b)
{
	pthread_mutex_lock(&b->lock);
	if (!b->opened) {
		drmVersionPtr v;

		b->opened = true;
		b->fd = open_display(b);
		v = b->fd >= 0 ? drmGetVersion(b->fd) : NULL;
		gralloc_copy_name(b->driver, sizeof(b->driver), v ? v->name : "?");
		drmFreeVersion(v);
	}
	pthread_mutex_unlock(&b->lock);
	return b->fd;
}

static int dumb_create(struct gralloc_device *dev, struct gralloc_backend **out)
{
	struct drm_dumb_backend *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->base.dev = dev;
	b->fd = -ENODEV;
	b->imports_foreign = -1;
	pthread_mutex_init(&b->lock, NULL);
	*out = &b->base;
	return 0;
}

static void dumb_destroy(struct gralloc_backend *base)
{
	struct drm_dumb_backend *b = to_dumb(base);

	if (b->fd >= 0)
		close(b->fd);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

static int dumb_status(struct gralloc_backend *base, const char *node, char *why, size_t len)
{
	int fd = display_fd(to_dumb(base));

	(void)node;
	if (fd < 0) {
		snprintf(why, len, "no display device (%s): set GRALLOC_DISPLAY",
			 base->dev->display_path[0] ? base->dev->display_path :
						      "no KMS device in /dev/dri");
		return fd;
	}
	return 0;
}

static int dumb_must_serve(struct gralloc_backend *base, const struct gralloc_buffer_desc *desc,
			   char *why, size_t len)
{
	struct drm_dumb_backend *b = to_dumb(base);
	int fd;

	if (!(desc->usage & DISPLAY_USAGE))
		return 0;
	fd = display_fd(b);
	if (fd < 0)
		return 0;
	/* Probed once per device: it allocates and imports a page. */
	pthread_mutex_lock(&b->lock);
	if (b->imports_foreign < 0)
		b->imports_foreign = gralloc_kms_probe_foreign(fd, base->dev, b->probe_why,
							       sizeof(b->probe_why));
	pthread_mutex_unlock(&b->lock);
	if (b->imports_foreign != 0)
		return 0;
	snprintf(why, len, "display %s (%s) %s: allocating from the display itself",
		 b->path, b->driver, b->probe_why);
	return 1;
}

static int dumb_allocate(struct gralloc_backend *base, const struct gralloc_alloc_request *req,
			 int *fd_out)
{
	struct drm_dumb_backend *b = to_dumb(base);
	uint32_t stride = req->layout->planes[0].stride;
	struct drm_mode_create_dumb create = { 0 };
	struct drm_gem_close close_args = { 0 };
	int fd = display_fd(b), ret;

	if (fd < 0)
		return fd;
	/* Our layout, not the driver's: ask for a 32 bpp surface whose rows
	 * are our stride and whose rows cover our whole size. */
	create.bpp = 32;
	create.width = stride / 4;
	create.height = (uint32_t)((req->size + stride - 1) / stride);
	ret = gralloc_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create);
	if (ret)
		return ret;
	if (create.pitch != stride || create.size < req->size) {
		gralloc_log(ERROR, "%s dumb buffer pitch %u size %llu does not fit layout "
			    "stride %u size %llu", b->driver, create.pitch,
			    (unsigned long long)create.size, stride,
			    (unsigned long long)req->size);
		ret = -EINVAL;
	} else {
		ret = drmPrimeHandleToFD(fd, create.handle, DRM_CLOEXEC | DRM_RDWR, fd_out) ?
			      -errno : 0;
	}
	/* The dma-buf keeps the object alive; the handle is not needed. */
	close_args.handle = create.handle;
	drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &close_args);
	return ret;
}

static int dumb_sync(struct gralloc_backend *base, int fd, bool start, uint64_t cpu_usage)
{
	(void)base;
	return gralloc_dma_buf_sync(fd, start, cpu_usage);
}

const struct gralloc_backend_impl gralloc_drm_dumb_backend = {
	.name = "drm-dumb",
	.usage_mask = GRALLOC_USAGE_CPU | DISPLAY_USAGE | GRALLOC_USAGE_LINEAR |
		      GRALLOC_USAGE_GPU_TEXTURE | GRALLOC_USAGE_GPU_RENDER_TARGET,
	.uses_heaps = false,
	.dma_buf = true,
	/* The display allocates memory it can scan out by definition. */
	.contiguous_ok = true,
	.exports_from_display = true,
	.create = dumb_create,
	.destroy = dumb_destroy,
	.status = dumb_status,
	.must_serve = dumb_must_serve,
	.allocate = dumb_allocate,
	.sync = dumb_sync,
};
