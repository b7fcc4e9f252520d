/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>
#include <virtgpu_drm.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "screen.h"

static bool is_primary(int fd, uint32_t plane_id)
{
	drmModeObjectProperties *props =
		drmModeObjectGetProperties(fd, plane_id, DRM_MODE_OBJECT_PLANE);
	bool primary = false;

	for (uint32_t i = 0; props && i < props->count_props; i++) {
		drmModePropertyRes *p = drmModeGetProperty(fd, props->props[i]);

		if (p && !strcmp(p->name, "type"))
			primary = props->prop_values[i] == DRM_PLANE_TYPE_PRIMARY;
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return primary;
}

/* On virtio-gpu with 3D (virgl) the host renders into the resource and the
 * guest's pages hold only what was last sent to the host: fetch the
 * rendered pixels first, as a CPU reader of a virgl buffer must. On 2D
 * virtio-gpu the transfer is refused and the pages are already right. Row
 * by row when the pitch has padding (the host's rows are packed). */
static void pull_from_host(int fd, const drmModeFB2 *fb)
{
	drmVersionPtr v = drmGetVersion(fd);
	bool virtio = v && !strcmp(v->name, "virtio_gpu");
	bool packed = fb->pitches[0] == fb->width * 4;
	struct drm_virtgpu_3d_wait wait = { .handle = fb->handles[0] };

	drmFreeVersion(v);
	if (!virtio)
		return;
	for (uint32_t y = 0; y < fb->height; y += packed ? fb->height : 1) {
		struct drm_virtgpu_3d_transfer_from_host t = {
			.bo_handle = fb->handles[0],
			.box = { .x = 0, .y = y, .z = 0, .w = fb->width,
				 .h = packed ? fb->height : 1, .d = 1 },
			.offset = fb->offsets[0] + (uint64_t)y * fb->pitches[0],
		};

		if (drmIoctl(fd, DRM_IOCTL_VIRTGPU_TRANSFER_FROM_HOST, &t))
			return;
	}
	drmIoctl(fd, DRM_IOCTL_VIRTGPU_WAIT, &wait);
}

static int copy_out(int fd, drmModeFB2 *fb, struct screen *s)
{
	size_t len = (size_t)fb->pitches[0] * fb->height + fb->offsets[0];
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };
	int dfd = -1, ret = 0;
	struct stat st;
	void *map = MAP_FAILED;

	pull_from_host(fd, fb);
	if (drmPrimeHandleToFD(fd, fb->handles[0], DRM_CLOEXEC, &dfd) == 0) {
		if (fstat(dfd, &st) == 0)
			s->inode = (unsigned long)st.st_ino;
		map = mmap(NULL, len, PROT_READ, MAP_SHARED, dfd, 0);
	}
	if (map == MAP_FAILED) {
		/* Objects the device made itself can still be mapped as dumb. */
		struct drm_mode_map_dumb md = { .handle = fb->handles[0] };

		if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &md) == 0)
			map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t)md.offset);
	}
	if (map == MAP_FAILED) {
		ret = -errno;
		fprintf(stderr, "screen: cannot map framebuffer %u: %s\n", fb->fb_id,
			strerror(errno));
		goto out;
	}
	if (dfd >= 0)
		ioctl(dfd, DMA_BUF_IOCTL_SYNC, &sync);
	s->pixels = malloc((size_t)fb->pitches[0] * fb->height);
	if (s->pixels)
		memcpy(s->pixels, (uint8_t *)map + fb->offsets[0], (size_t)fb->pitches[0] * fb->height);
	else
		ret = -ENOMEM;
	if (dfd >= 0) {
		sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
		ioctl(dfd, DMA_BUF_IOCTL_SYNC, &sync);
	}
	munmap(map, len);
out:
	if (dfd >= 0)
		close(dfd);
	return ret;
}

int screen_read(const char *card, struct screen *s)
{
	int fd = open(card, O_RDWR | O_CLOEXEC), ret = -ENOENT;
	drmModePlaneRes *planes;

	memset(s, 0, sizeof(*s));
	if (fd < 0) {
		fprintf(stderr, "screen: open %s: %s\n", card, strerror(errno));
		return -errno;
	}
	drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	planes = drmModeGetPlaneResources(fd);
	for (uint32_t i = 0; planes && i < planes->count_planes && ret == -ENOENT; i++) {
		drmModePlane *p = drmModeGetPlane(fd, planes->planes[i]);
		drmModeFB2 *fb;

		if (!p || !p->fb_id || !p->crtc_id || !is_primary(fd, p->plane_id)) {
			drmModeFreePlane(p);
			continue;
		}
		fb = drmModeGetFB2(fd, p->fb_id);
		if (!fb || !fb->handles[0]) {
			fprintf(stderr, "screen: GETFB2 on framebuffer %u gives no handle (root?)\n",
				p->fb_id);
			ret = -EACCES;
		} else if (fb->pixel_format != DRM_FORMAT_XRGB8888 &&
			   fb->pixel_format != DRM_FORMAT_ARGB8888) {
			fprintf(stderr, "screen: framebuffer format %.4s is not XR24/AR24\n",
				(char *)&fb->pixel_format);
			ret = -ENOTSUP;
		} else {
			s->width = fb->width;
			s->height = fb->height;
			s->format = fb->pixel_format;
			s->pitch = fb->pitches[0];
			s->modifier = fb->modifier;
			s->plane_id = p->plane_id;
			s->fb_id = p->fb_id;
			ret = copy_out(fd, fb, s);
		}
		if (fb) {
			for (int k = 0; k < 4; k++) {
				bool seen = false;

				for (int j = 0; j < k; j++)
					seen |= fb->handles[j] == fb->handles[k];
				if (fb->handles[k] && !seen)
					drmCloseBufferHandle(fd, fb->handles[k]);
			}
			drmModeFreeFB2(fb);
		}
		drmModeFreePlane(p);
	}
	if (ret == -ENOENT)
		fprintf(stderr, "screen: no active primary plane on %s\n", card);
	drmModeFreePlaneResources(planes);
	close(fd);
	return ret;
}

void screen_free(struct screen *s)
{
	free(s->pixels);
	s->pixels = NULL;
}

uint32_t screen_pixel(const struct screen *s, uint32_t x, uint32_t y)
{
	uint32_t v;

	memcpy(&v, s->pixels + (size_t)y * s->pitch + (size_t)x * 4, 4);
	return v & 0xffffff;
}
