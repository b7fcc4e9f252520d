/* SPDX-License-Identifier: MIT */
/* virgl: resources of virtio-gpu with 3D, for a guest whose GPU and display
 * are virgl. That device imports no foreign dma-buf (PRIME import answers
 * ENODEV), so memory GL or scanout uses must be its own: a 3D resource from
 * DRM_IOCTL_VIRTGPU_RESOURCE_CREATE, exported with PRIME.
 *
 * Such a resource has two copies: guest pages (what mmap, the CPU and other
 * importers such as vkms see) and a host texture (what GL renders into and
 * samples, and what the display shows). Nothing keeps them equal, so CPU
 * access moves the data: TRANSFER_FROM_HOST + WAIT before the CPU reads,
 * TRANSFER_TO_HOST + WAIT after it wrote. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <virtgpu_drm.h>
#include <xf86drm.h>

#include "formats/formats.h"
#include "gralloc/kms_private.h"

/* From virglrenderer's virgl_hw.h (the host's format and bind numbers). */
#define PIPE_TEXTURE_2D 2
#define VIRGL_FORMAT_B8G8R8A8_UNORM 1
#define VIRGL_FORMAT_B8G8R8X8_UNORM 2
#define VIRGL_FORMAT_B5G6R5_UNORM 7
#define VIRGL_FORMAT_R8G8B8A8_UNORM 67
#define VIRGL_FORMAT_R8G8B8X8_UNORM 134
#define VIRGL_BIND_RENDER_TARGET (1u << 1)
#define VIRGL_BIND_SAMPLER_VIEW (1u << 3)
#define VIRGL_BIND_CURSOR (1u << 16)
#define VIRGL_BIND_SCANOUT (1u << 18)
#define VIRGL_BIND_SHARED (1u << 20)
#define VIRGL_BIND_LINEAR (1u << 22)

/* transfer() fills one struct for both directions. */
_Static_assert(sizeof(struct drm_virtgpu_3d_transfer_to_host) ==
		       sizeof(struct drm_virtgpu_3d_transfer_from_host),
	       "virtgpu transfer structs differ");

#define MAX_NODES 4

struct node {
	char path[256];  /* as asked for: a card or render node */
	int fd;          /* owned: the device's render node, or -errno */
	char why[256];   /* when fd < 0 */
	int imports_foreign; /* -1 until probed */
	char probe_why[256];
};

struct virgl_backend {
	struct gralloc_backend base;
	pthread_mutex_t lock; /* guards nodes, and GEM handles during a sync */
	size_t num_nodes;
	struct node nodes[MAX_NODES];
	char default_path[256]; /* the first virgl render node; "" = none */
	bool default_resolved;
};

static struct virgl_backend *to_virgl(struct gralloc_backend *b)
{
	return (struct virgl_backend *)b;
}

static uint32_t virgl_format(uint32_t fourcc)
{
	switch (fourcc) {
	case DRM_FORMAT_XRGB8888: return VIRGL_FORMAT_B8G8R8X8_UNORM;
	case DRM_FORMAT_ARGB8888: return VIRGL_FORMAT_B8G8R8A8_UNORM;
	case DRM_FORMAT_XBGR8888: return VIRGL_FORMAT_R8G8B8X8_UNORM;
	case DRM_FORMAT_ABGR8888: return VIRGL_FORMAT_R8G8B8A8_UNORM;
	case DRM_FORMAT_RGB565: return VIRGL_FORMAT_B5G6R5_UNORM;
	default: return 0;
	}
}

/* 0 when fd is virtio-gpu with 3D, else -errno and why. */
static int check_virgl(int fd, char *why, size_t len)
{
	drmVersionPtr v = drmGetVersion(fd);
	bool virtio = v && !strcmp(v->name, "virtio_gpu");
	int has_3d = 0;
	struct drm_virtgpu_getparam param = { VIRTGPU_PARAM_3D_FEATURES,
					      (__u64)(uintptr_t)&has_3d };

	drmFreeVersion(v);
	if (!virtio) {
		snprintf(why, len, "not a virtio-gpu device");
		return -ENODEV;
	}
	if (drmIoctl(fd, DRM_IOCTL_VIRTGPU_GETPARAM, &param) || !has_3d) {
		snprintf(why, len, "virtio-gpu without 3D (no virgl: the host runs it 2D)");
		return -ENODEV;
	}
	return 0;
}

/* The render node of the DRM device behind `path`, from sysfs: opening a
 * card node would make us DRM master if nobody is, and the display's owner
 * needs that. 0 or -errno with why. */
static int render_node_of(const char *path, char *out, size_t len, char *why, size_t wlen)
{
	char dir[96];
	struct dirent *ent;
	struct stat st;
	DIR *d;

	if (stat(path, &st)) {
		snprintf(why, wlen, "%s: %s", path, strerror(errno));
		return -ENODEV;
	}
	if (!S_ISCHR(st.st_mode)) {
		snprintf(why, wlen, "%s is not a character device", path);
		return -ENODEV;
	}
	snprintf(dir, sizeof(dir), "/sys/dev/char/%u:%u/device/drm", major(st.st_rdev),
		 minor(st.st_rdev));
	d = opendir(dir);
	out[0] = '\0';
	while (d && (ent = readdir(d)))
		if (!strncmp(ent->d_name, "renderD", 7))
			snprintf(out, len, "/dev/dri/%.32s", ent->d_name);
	if (d)
		closedir(d);
	if (!out[0]) {
		snprintf(why, wlen, "%s has no render node", path);
		return -ENODEV;
	}
	return 0;
}

/* Opens the render node of the device behind `path` (a card or render
 * node). Returns an fd the caller owns, or -errno with why. */
static int open_render_node(const char *path, char *why, size_t len)
{
	char render[64];
	int fd, ret = render_node_of(path, render, sizeof(render), why, len);

	if (ret)
		return ret;
	fd = open(render, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(why, len, "%s: %s", render, strerror(-ret));
		return ret;
	}
	ret = check_virgl(fd, why, len);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

static void find_default(struct virgl_backend *b)
{
	struct dirent **names = NULL;
	int n = scandir("/dev/dri", &names, NULL, alphasort);
	char why[128];

	for (int i = 0; i < n; i++) {
		char path[300];
		int fd;

		if (!b->default_path[0] && !strncmp(names[i]->d_name, "renderD", 7)) {
			snprintf(path, sizeof(path), "/dev/dri/%s", names[i]->d_name);
			fd = open_render_node(path, why, sizeof(why));
			if (fd >= 0) {
				gralloc_copy_name(b->default_path, sizeof(b->default_path), path);
				close(fd);
			}
		}
		free(names[i]);
	}
	free(names);
}

/* Caller holds b->lock. path NULL or "": the first virgl device. */
static struct node *get_node(struct virgl_backend *b, const char *path)
{
	struct node *nd;

	if (!path || !path[0]) {
		if (!b->default_resolved) {
			b->default_resolved = true;
			find_default(b);
		}
		path = b->default_path;
	}
	for (size_t i = 0; i < b->num_nodes; i++)
		if (!strcmp(b->nodes[i].path, path))
			return &b->nodes[i];
	if (b->num_nodes == MAX_NODES)
		return NULL;
	nd = &b->nodes[b->num_nodes++];
	memset(nd, 0, sizeof(*nd));
	gralloc_copy_name(nd->path, sizeof(nd->path), path);
	nd->imports_foreign = -1;
	if (!path[0]) {
		snprintf(nd->why, sizeof(nd->why), "no virtio-gpu with 3D (virgl) in /dev/dri");
		nd->fd = -ENODEV;
	} else {
		nd->fd = open_render_node(path, nd->why, sizeof(nd->why));
	}
	return nd;
}

static int virgl_create(struct gralloc_device *dev, struct gralloc_backend **out)
{
	struct virgl_backend *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->base.dev = dev;
	pthread_mutex_init(&b->lock, NULL);
	*out = &b->base;
	return 0;
}

static void virgl_destroy(struct gralloc_backend *base)
{
	struct virgl_backend *b = to_virgl(base);

	for (size_t i = 0; i < b->num_nodes; i++)
		if (b->nodes[i].fd >= 0)
			close(b->nodes[i].fd);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

static int virgl_status(struct gralloc_backend *base, const char *node, char *why, size_t len)
{
	struct virgl_backend *b = to_virgl(base);
	struct node *nd;
	int ret;

	pthread_mutex_lock(&b->lock);
	nd = get_node(b, node);
	ret = nd ? nd->fd : -ENOSPC;
	if (ret < 0)
		snprintf(why, len, "%s", nd ? nd->why : "too many virgl devices");
	pthread_mutex_unlock(&b->lock);
	return ret < 0 ? ret : 0;
}

/* Whether the default display is the device at render node `render`. */
static bool is_default_display(struct gralloc_device *dev, const char *render)
{
	char display[256], node[64], why[128];

	gralloc_default_display(dev, display, sizeof(display));
	return display[0] && !render_node_of(display, node, sizeof(node), why, sizeof(why)) &&
	       !strcmp(node, render);
}

/* A virgl display scans out only virgl's own memory (it imports nothing
 * foreign), and GL draws into what it shows: display requests go to virgl
 * resources, as drm-dumb would give them dumb buffers on a 2D display.
 * GPU usage alone names no device; the EGL consumer does (own_device). */
static int virgl_must_serve(struct gralloc_backend *base, const struct gralloc_buffer_desc *desc,
			    char *why, size_t len)
{
	struct virgl_backend *b = to_virgl(base);
	struct node *nd;
	int claim = 0;

	if (!(desc->usage & GRALLOC_USAGE_DISPLAY) || !virgl_format(desc->format) ||
	    desc->layer_count != 1)
		return 0;
	pthread_mutex_lock(&b->lock);
	nd = get_node(b, NULL);
	if (nd && nd->fd >= 0 && is_default_display(base->dev, nd->path)) {
		/* Probed once per device: it allocates and imports a page. */
		if (nd->imports_foreign < 0)
			nd->imports_foreign = gralloc_kms_probe_foreign(
				nd->fd, base->dev, nd->probe_why, sizeof(nd->probe_why));
		if (nd->imports_foreign == 0) {
			claim = 1;
			snprintf(why, len, "display %s is virtio-gpu with 3D (virgl) and %s: "
				 "virgl resources, which GL draws into and the display shows",
				 nd->path, nd->probe_why);
		}
	}
	pthread_mutex_unlock(&b->lock);
	return claim;
}

static uint32_t bind_flags(uint64_t usage)
{
	uint32_t bind = VIRGL_BIND_SHARED | VIRGL_BIND_LINEAR;

	if (usage & GRALLOC_USAGE_GPU_TEXTURE)
		bind |= VIRGL_BIND_SAMPLER_VIEW;
	/* A resource GL may draw into; also what a flip shows. */
	if (usage & (GRALLOC_USAGE_GPU_RENDER_TARGET | GRALLOC_USAGE_DISPLAY))
		bind |= VIRGL_BIND_RENDER_TARGET;
	if (usage & (GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_COMPOSER_OVERLAY |
		     GRALLOC_USAGE_FRONT_BUFFER))
		bind |= VIRGL_BIND_SCANOUT;
	if (usage & GRALLOC_USAGE_CURSOR_PLANE)
		bind |= VIRGL_BIND_CURSOR;
	/* Every resource can be sampled: GL imports it as a texture. */
	return bind | VIRGL_BIND_SAMPLER_VIEW;
}

static int virgl_allocate(struct gralloc_backend *base, const struct gralloc_alloc_request *req,
			  int *fd_out)
{
	struct virgl_backend *b = to_virgl(base);
	const struct gralloc_buffer_desc *d = req->desc;
	struct drm_virtgpu_resource_create create = { 0 };
	struct drm_gem_close close_args = { 0 };
	struct node *nd;
	int fd, ret;

	if (!virgl_format(d->format) || d->layer_count != 1 || req->layout->num_planes != 1) {
		gralloc_log(ERROR, "virgl resources here are single-layer RGB (XR24, AR24, XB24, "
			    "AB24, RG16)");
		return -ENOTSUP;
	}
	if (req->size > UINT32_MAX) {
		gralloc_log(ERROR, "virgl resource of %llu bytes: the ioctl takes 32-bit sizes",
			    (unsigned long long)req->size);
		return -EOVERFLOW;
	}
	pthread_mutex_lock(&b->lock);
	nd = get_node(b, req->heap_node);
	fd = nd ? nd->fd : -ENOSPC;
	pthread_mutex_unlock(&b->lock);
	if (fd < 0)
		return fd;
	create.target = PIPE_TEXTURE_2D;
	create.format = virgl_format(d->format);
	create.bind = bind_flags(d->usage);
	create.width = d->width;
	create.height = d->height;
	create.depth = 1;
	create.array_size = 1;
	create.size = (uint32_t)req->size;
	create.stride = req->layout->planes[0].stride;
	ret = gralloc_ioctl(fd, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE, &create);
	if (ret)
		return ret;
	ret = drmPrimeHandleToFD(fd, create.bo_handle, DRM_CLOEXEC | DRM_RDWR, fd_out) ? -errno : 0;
	/* The dma-buf keeps the resource alive; our handle is not needed. */
	close_args.handle = create.bo_handle;
	drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &close_args);
	return ret;
}

/* The whole buffer one way, then the wait for it. The kernel takes no
 * stride for resources that are not blobs (EINVAL), and the host then
 * packs rows at width * bytes per pixel: a layout with padded rows moves
 * row by row (offset = where the row starts in the guest pages). */
static int transfer(int drm_fd, const struct gralloc_buffer *buf, uint32_t handle, bool to_host)
{
	const unsigned long req = to_host ? DRM_IOCTL_VIRTGPU_TRANSFER_TO_HOST :
					    DRM_IOCTL_VIRTGPU_TRANSFER_FROM_HOST;
	const uint32_t stride = buf->layout.planes[0].stride;
	const uint32_t w = buf->desc.width, h = buf->desc.height;
	bool packed = (uint64_t)w * buf->format->bytes_per_block[0] == stride;
	struct drm_virtgpu_3d_wait wait = { .handle = handle };
	int ret = 0;

	/* Both structs have the same layout; TO_HOST's stands for both. */
	for (uint32_t y = 0; y < h && !ret; y += packed ? h : 1) {
		struct drm_virtgpu_3d_transfer_to_host t = {
			.bo_handle = handle,
			.box = { .x = 0, .y = y, .z = 0, .w = w, .h = packed ? h : 1, .d = 1 },
			.offset = (uint32_t)((uint64_t)y * stride),
		};

		ret = gralloc_ioctl(drm_fd, req, &t);
	}
	if (ret)
		return ret;
	/* Transfers are queued: the pages are right only once they are done,
	 * and a later CPU write must not race a transfer still reading. */
	return gralloc_ioctl(drm_fd, DRM_IOCTL_VIRTGPU_WAIT, &wait);
}

static int virgl_sync(struct gralloc_backend *base, const struct gralloc_buffer *buf, int fd,
		      bool start, uint64_t cpu_usage)
{
	struct virgl_backend *b = to_virgl(base);
	struct drm_gem_close close_args = { 0 };
	struct node *nd;
	bool to_host;
	int ret;

	/* A resource is one fd; a caller syncing each fd of a buffer moves
	 * the data once. */
	if (fd != buf->fds[0])
		return gralloc_dma_buf_sync(fd, start, cpu_usage);
	/* Begin: the host may have drawn since, whatever the CPU does next
	 * (a partial write would otherwise send stale pages back). End: only
	 * writes need to go back. */
	if (!start) {
		ret = gralloc_dma_buf_sync(fd, false, cpu_usage);
		if (ret || !(cpu_usage & GRALLOC_USAGE_CPU_WRITE))
			return ret;
	}
	to_host = !start;
	pthread_mutex_lock(&b->lock);
	/* The device that made it is open already, unless the buffer came
	 * from another process: then the machine's virgl device. */
	nd = NULL;
	for (size_t i = 0; i < b->num_nodes && !nd; i++)
		if (b->nodes[i].fd >= 0)
			nd = &b->nodes[i];
	if (!nd)
		nd = get_node(b, NULL);
	if (!nd || nd->fd < 0) {
		pthread_mutex_unlock(&b->lock);
		gralloc_log(ERROR, "virgl buffer, but %s", nd ? nd->why : "no virgl device");
		return -ENODEV;
	}
	/* A handle on our own description: the same one for every import of
	 * this dma-buf, so the lock keeps another sync from closing it under
	 * us. */
	if (drmPrimeFDToHandle(nd->fd, fd, &close_args.handle)) {
		ret = -errno;
		pthread_mutex_unlock(&b->lock);
		gralloc_log(ERROR, "%s cannot import the buffer to transfer it: %s", nd->path,
			    strerror(-ret));
		return ret;
	}
	ret = transfer(nd->fd, buf, close_args.handle, to_host);
	drmIoctl(nd->fd, DRM_IOCTL_GEM_CLOSE, &close_args);
	pthread_mutex_unlock(&b->lock);
	if (ret) {
		gralloc_log(ERROR, "virgl TRANSFER_%s_HOST failed: %s", to_host ? "TO" : "FROM",
			    strerror(-ret));
		return ret;
	}
	return start ? gralloc_dma_buf_sync(fd, true, cpu_usage) : 0;
}

const struct gralloc_backend_impl gralloc_virgl_backend = {
	.name = "virgl",
	.usage_mask = GRALLOC_USAGE_CPU | GRALLOC_USAGE_DISPLAY | GRALLOC_USAGE_LINEAR |
		      GRALLOC_USAGE_GPU_TEXTURE | GRALLOC_USAGE_GPU_RENDER_TARGET,
	.uses_heaps = false,
	.dma_buf = true,
	/* The display's own memory, scanned out by definition. */
	.contiguous_ok = true,
	.exports_from_display = true,
	.create = virgl_create,
	.destroy = virgl_destroy,
	.status = virgl_status,
	.must_serve = virgl_must_serve,
	.allocate = virgl_allocate,
	.sync = virgl_sync,
};
