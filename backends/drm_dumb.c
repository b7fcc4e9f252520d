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

#define MAX_DISPLAYS 4

struct display {
	char path[256];
	int fd; /* owned */
	char driver[32];
	int imports_foreign; /* -1 until probed */
	char probe_why[256];
};

/* Displays are opened on first use and kept: the default one (for plain
 * allocations with display usage) and any a consumer names. */
struct drm_dumb_backend {
	struct gralloc_backend base;
	pthread_mutex_t lock;
	bool default_resolved;
	char default_path[256]; /* "" when there is no display */
	size_t num_displays;
	struct display displays[MAX_DISPLAYS];
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

/* The first card node with CRTCs and connectors (render-only devices such
 * as vgem have none), unless GRALLOC_DISPLAY names one. */
void gralloc_default_display(struct gralloc_device *dev, char *out, size_t len)
{
	struct dirent **names = NULL;
	int n;

	if (dev->display_path[0]) {
		gralloc_copy_name(out, len, dev->display_path);
		return;
	}
	out[0] = '\0';
	n = scandir("/dev/dri", &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		char path[300];
		int fd;

		if (!out[0] && !strncmp(names[i]->d_name, "card", 4)) {
			snprintf(path, sizeof(path), "/dev/dri/%s", names[i]->d_name);
			fd = open(path, O_RDWR | O_CLOEXEC);
			if (fd >= 0 && has_kms(fd))
				gralloc_copy_name(out, len, path);
			if (fd >= 0)
				close(fd);
		}
		free(names[i]);
	}
	free(names);
}

/* Caller holds b->lock. `path` NULL or "" means the default display.
 * Returns the display or NULL with *err set. */
static struct display *get_display(struct drm_dumb_backend *b, const char *path, int *err)
{
	struct display *d;
	drmVersionPtr v;
	int fd;

	if (!path || !path[0]) {
		if (!b->default_resolved) {
			b->default_resolved = true;
			gralloc_default_display(b->base.dev, b->default_path,
						sizeof(b->default_path));
		}
		path = b->default_path;
		if (!path[0]) {
			*err = -ENODEV;
			return NULL;
		}
	}
	for (size_t i = 0; i < b->num_displays; i++)
		if (!strcmp(b->displays[i].path, path))
			return &b->displays[i];
	if (b->num_displays == MAX_DISPLAYS) {
		*err = -ENOSPC;
		return NULL;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	d = &b->displays[b->num_displays++];
	memset(d, 0, sizeof(*d));
	gralloc_copy_name(d->path, sizeof(d->path), path);
	d->fd = fd;
	d->imports_foreign = -1;
	v = drmGetVersion(fd);
	gralloc_copy_name(d->driver, sizeof(d->driver), v ? v->name : "?");
	drmFreeVersion(v);
	return d;
}

/* Returns a borrowed fd of the display at `path` (NULL: the default). */
static int display_fd(struct drm_dumb_backend *b, const char *path)
{
	struct display *d;
	int err = 0;

	pthread_mutex_lock(&b->lock);
	d = get_display(b, path, &err);
	pthread_mutex_unlock(&b->lock);
	return d ? d->fd : err;
}

static int dumb_create(struct gralloc_device *dev, struct gralloc_backend **out)
{
	struct drm_dumb_backend *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->base.dev = dev;
	pthread_mutex_init(&b->lock, NULL);
	*out = &b->base;
	return 0;
}

static void dumb_destroy(struct gralloc_backend *base)
{
	struct drm_dumb_backend *b = to_dumb(base);

	for (size_t i = 0; i < b->num_displays; i++)
		close(b->displays[i].fd);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

/* `node`, for this backend, is a DRM device path (NULL: the default
 * display): drm-dumb has no heaps, and a consumer names its device. */
static int dumb_status(struct gralloc_backend *base, const char *node, char *why, size_t len)
{
	int fd = display_fd(to_dumb(base), node);

	if (fd < 0) {
		snprintf(why, len, "no display device (%s: %s)%s",
			 node && node[0] ? node :
			 base->dev->display_path[0] ? base->dev->display_path : "no KMS device in /dev/dri",
			 strerror(-fd), node && node[0] ? "" : ": set GRALLOC_DISPLAY");
		return fd;
	}
	return 0;
}

static int dumb_must_serve(struct gralloc_backend *base, const struct gralloc_buffer_desc *desc,
			   char *why, size_t len)
{
	struct drm_dumb_backend *b = to_dumb(base);
	struct display *d;
	int err = 0, imports;

	if (!(desc->usage & GRALLOC_USAGE_DISPLAY))
		return 0;
	pthread_mutex_lock(&b->lock);
	d = get_display(b, NULL, &err);
	/* Probed once per display: it allocates and imports a page. */
	if (d && d->imports_foreign < 0)
		d->imports_foreign = gralloc_kms_probe_foreign(d->fd, base->dev, d->probe_why,
							       sizeof(d->probe_why));
	imports = d ? d->imports_foreign : 1;
	if (imports == 0)
		snprintf(why, len, "display %s (%s) %s: allocating from the display itself",
			 d->path, d->driver, d->probe_why);
	pthread_mutex_unlock(&b->lock);
	return imports == 0;
}

static int dumb_allocate(struct gralloc_backend *base, const struct gralloc_alloc_request *req,
			 int *fd_out)
{
	struct drm_dumb_backend *b = to_dumb(base);
	uint32_t stride = req->layout->planes[0].stride;
	struct drm_mode_create_dumb create = { 0 };
	struct drm_gem_close close_args = { 0 };
	int fd = display_fd(b, req->heap_node), ret;

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
		gralloc_log(ERROR, "dumb buffer pitch %u size %llu does not fit layout "
			    "stride %u size %llu", create.pitch,
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

static int dumb_sync(struct gralloc_backend *base, const struct gralloc_buffer *buf, int fd,
			 bool start, uint64_t cpu_usage)
{
	(void)buf;
	(void)base;
	return gralloc_dma_buf_sync(fd, start, cpu_usage);
}

const struct gralloc_backend_impl gralloc_drm_dumb_backend = {
	.name = "drm-dumb",
	.usage_mask = GRALLOC_USAGE_CPU | GRALLOC_USAGE_DISPLAY | GRALLOC_USAGE_LINEAR |
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
