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

/* A card with connectors lists them in sysfs as cardN-<connector>;
 * render-only devices such as vgem list none. Read there, not by opening
 * the node: an open would make this process DRM master for a moment. */
static bool has_connectors(const char *card)
{
	DIR *dir = opendir("/sys/class/drm");
	struct dirent *ent;
	size_t n = strlen(card);
	bool found = false;

	while (dir && !found && (ent = readdir(dir)))
		found = !strncmp(ent->d_name, card, n) && ent->d_name[n] == '-';
	if (dir)
		closedir(dir);
	return found;
}

/* The display option (GRALLOC_DISPLAY), else the first card node with
 * connectors (render-only devices such as vgem have none), found in sysfs
 * without opening a node. */
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

		snprintf(path, sizeof(path), "/dev/dri/%s", names[i]->d_name);
		if (!out[0] && !strncmp(names[i]->d_name, "card", 4) &&
		    has_connectors(names[i]->d_name))
			gralloc_copy_name(out, len, path);
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
	/* Kept open for dumb buffers (a card node ioctl), never as master. */
	fd = gralloc_drm_open_card(path);
	if (fd < 0) {
		*err = fd;
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
	const char *dev_path = base->dev->display_path;
	int fd = display_fd(to_dumb(base), node);

	if (fd == -ENODEV && !(node && node[0]) && !dev_path[0]) {
		snprintf(why, len, "no KMS device in /dev/dri (no card node with connectors): "
			 "set GRALLOC_DISPLAY");
		return fd;
	}
	if (fd < 0) {
		const char *path = node && node[0] ? node : dev_path[0] ? dev_path :
			to_dumb(base)->default_path;

		snprintf(why, len, "display %s: %s%s", path, strerror(-fd),
			 fd == -EACCES ? ": this user may not open it (usually group 'video'; "
					 "see docs/permissions.md)" : "");
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
	/* Probed once per display (it allocates and imports a buffer) and
	 * only a definite answer is kept: a transient failure (ENOMEM) is
	 * asked again next time, never remembered as "cannot import". */
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

static int create_dumb(int fd, uint32_t pitch, uint64_t bytes, struct drm_mode_create_dumb *c)
{
	uint64_t rows = bytes / pitch + (bytes % pitch != 0);

	if (rows > UINT32_MAX)
		return -EOVERFLOW;
	/* 32 bpp where the row allows it: some drivers align pitches per
	 * pixel size, and scanout formats are mostly 32-bit. */
	*c = (struct drm_mode_create_dumb){
		.bpp = pitch % 4 ? 8 : 32,
		.width = pitch % 4 ? pitch : pitch / 4,
		.height = (uint32_t)rows,
	};
	return gralloc_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, c);
}

/* 0 or -errno: a handle the kernel would not close is a leak to report. */
static int close_handle(int fd, uint32_t handle)
{
	struct drm_gem_close args = { .handle = handle };

	if (drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &args)) {
		int err = errno;

		gralloc_log(ERROR, "GEM_CLOSE of dumb handle %u failed: %s", handle,
			    strerror(err));
		return -err;
	}
	return 0;
}

/* The driver chooses the pitch and the size: the layout becomes the one
 * the memory really has (every plane at the driver's pitch), and the size
 * the one the dma-buf really has. */
static int dumb_allocate(struct gralloc_backend *base, const struct gralloc_alloc_request *req,
			 int *fd_out)
{
	struct drm_dumb_backend *b = to_dumb(base);
	struct gralloc_layout *l = req->layout;
	uint32_t layers = req->desc->layer_count ? req->desc->layer_count : 1;
	struct drm_mode_create_dumb create;
	struct gralloc_layout out;
	uint32_t pitch = 0;
	uint64_t used;
	int fd = display_fd(b, req->heap_node), ret, closed;

	if (fd < 0)
		return fd;
	for (uint32_t p = 0; p < l->num_planes; p++)
		if (l->planes[p].stride > pitch)
			pitch = l->planes[p].stride;
	ret = gralloc_layout_pitched(l, layers, pitch, &out, &used);
	if (!ret)
		ret = create_dumb(fd, pitch, used, &create);
	if (ret)
		return ret;
	/* A larger pitch than asked means more rows of memory: ask again
	 * for what that layout needs. */
	if (create.pitch != pitch) {
		uint32_t got = create.pitch;

		ret = gralloc_layout_pitched(l, layers, got, &out, &used);
		if (!ret && create.size < used) {
			close_handle(fd, create.handle);
			ret = create_dumb(fd, got, used, &create);
			if (!ret && (create.pitch != got || create.size < used)) {
				gralloc_log(ERROR, "dumb buffer pitch %u size %llu, layout needs "
					    "pitch %u size %llu", create.pitch,
					    (unsigned long long)create.size, got,
					    (unsigned long long)used);
				close_handle(fd, create.handle);
				return -EINVAL;
			}
		}
		if (ret)
			return ret;
	}
	ret = drmPrimeHandleToFD(fd, create.handle, DRM_CLOEXEC | DRM_RDWR, fd_out) ? -errno : 0;
	/* The dma-buf keeps the object alive; the handle is not needed. */
	closed = close_handle(fd, create.handle);
	if (!ret && closed) {
		close(*fd_out);
		ret = closed;
	}
	if (ret)
		return ret;
	out.size = create.size;
	out.fd_size[0] = create.size;
	*l = out;
	return 0;
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
	.sync = gralloc_dma_buf_sync_op,
};
