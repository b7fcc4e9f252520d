/* SPDX-License-Identifier: MIT */
/* Can this EGL display use a dma-buf another exporter made? Asked of the
 * driver itself, never guessed from its name: a page of foreign memory is
 * imported the way the driver would import it. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <xf86drm.h>

#include "egl_private.h"

/* Messages may be cut at the end of why: the cause comes first. */
__attribute__((format(printf, 2, 3))) static void set_why(struct gralloc_egl *egl,
							   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(egl->why, sizeof(egl->why), fmt, ap);
	va_end(ap);
}

#define PROBE_W 64
#define PROBE_H 16
#define PROBE_STRIDE (PROBE_W * 4)
#define PROBE_SIZE 4096

/* A page of memory no DRM device exported: the system heap, else udmabuf.
 * Returns a dma-buf fd the caller owns, or -errno; *what names it. */
static int foreign_page(const char **what)
{
	struct dma_heap_allocation_data alloc = { .len = PROBE_SIZE,
						  .fd_flags = O_RDWR | O_CLOEXEC };
	struct udmabuf_create create = { .size = PROBE_SIZE };
	int heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	int dev, memfd, fd;

	if (heap >= 0) {
		fd = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &alloc) ? -errno : (int)alloc.fd;
		close(heap);
		if (fd >= 0) {
			*what = "a system-heap page";
			return fd;
		}
	}
	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -ENODEV;
	memfd = memfd_create("gralloc-egl-probe", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (memfd < 0 || ftruncate(memfd, PROBE_SIZE) ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		fd = -errno;
	} else {
		create.memfd = (uint32_t)memfd;
		create.flags = UDMABUF_FLAGS_CLOEXEC;
		fd = ioctl(dev, UDMABUF_CREATE, &create);
		if (fd < 0)
			fd = -errno;
	}
	if (memfd >= 0)
		close(memfd);
	close(dev);
	*what = "a udmabuf page";
	return fd;
}

/* The kernel side of the import on the display's device. 1 when it can
 * be used, 0 when not (why says so), -errno when the device cannot be
 * opened. A device without a render node has no GPU: its EGL driver is a
 * software rasteriser over dumb buffers, which maps every buffer with
 * MAP_DUMB, so that is tried too (the kernel refuses it for imports). */
static int kernel_import(struct gralloc_egl *egl, int fd, const char *what)
{
	struct drm_mode_map_dumb map = { 0 };
	struct drm_gem_close close_args = { 0 };
	char *render;
	int drm_fd, ret;

	drm_fd = open(egl->device, O_RDWR | O_CLOEXEC);
	if (drm_fd < 0)
		return -errno;
	if (drmIsMaster(drm_fd))
		drmDropMaster(drm_fd);
	if (drmPrimeFDToHandle(drm_fd, fd, &map.handle)) {
		set_why(egl,
			 "%.64s refuses foreign dma-bufs (PRIME import of %s: %s), so EGL "
			 "driver %.32s cannot use them: only memory of %.64s will do", egl->device,
			 what, strerror(errno), egl->driver, egl->device);
		close(drm_fd);
		return 0;
	}
	ret = 1;
	render = drmGetRenderDeviceNameFromFd(drm_fd);
	if (!render) {
		egl->maps_dumb = true;
		if (drmIoctl(drm_fd, DRM_IOCTL_MODE_MAP_DUMB, &map)) {
			set_why(egl,
				 "%.64s has no render node, so EGL driver %.32s renders in software "
				 "and maps buffers with DRM_IOCTL_MODE_MAP_DUMB, which fails on "
				 "imported dma-bufs (%s): only memory of %.64s will do",
				 egl->device, egl->driver, strerror(errno), egl->device);
			ret = 0;
		}
	}
	free(render);
	close_args.handle = map.handle;
	drmIoctl(drm_fd, DRM_IOCTL_GEM_CLOSE, &close_args);
	close(drm_fd);
	return ret;
}

/* EGL's side: an image of the page. Creating it is safe on every driver
 * (using it is what crashes a driver that cannot map it, which the kernel
 * step has ruled out). */
static bool egl_import(struct gralloc_egl *egl, int fd, const char *what)
{
	const EGLint attribs[] = {
		EGL_WIDTH, PROBE_W, EGL_HEIGHT, PROBE_H,
		EGL_LINUX_DRM_FOURCC_EXT, DRM_FORMAT_XRGB8888,
		EGL_DMA_BUF_PLANE0_FD_EXT, fd, EGL_DMA_BUF_PLANE0_OFFSET_EXT, 0,
		EGL_DMA_BUF_PLANE0_PITCH_EXT, PROBE_STRIDE, EGL_NONE,
	};
	EGLImageKHR img = egl->create_image(egl->dpy, EGL_NO_CONTEXT, EGL_LINUX_DMA_BUF_EXT, NULL,
					    attribs);

	if (img == EGL_NO_IMAGE_KHR) {
		set_why(egl,
			 "EGL driver %.32s refuses an image of %s (%s): only memory of %.64s "
			 "will do", egl->driver, what, gralloc_egl_error_name(eglGetError()),
			 egl->device[0] ? egl->device : "its own (unknown) device");
		return false;
	}
	egl->destroy_image(egl->dpy, img);
	return true;
}

void gralloc_egl_probe_foreign(struct gralloc_egl *egl)
{
	const char *what = "";
	int fd = foreign_page(&what), ret = 1;

	egl->imports_foreign = false;
	egl->maps_dumb = false;
	if (fd < 0) {
		/* Nothing foreign exists here to be imported: the display's
		 * own memory is all that is known to work. */
		set_why(egl,
			 "no system heap or udmabuf to test foreign import with (%s): only memory "
			 "of %.64s is known to work", strerror(-fd),
			 egl->device[0] ? egl->device : "its own (unknown) device");
		return;
	}
	if (egl->device[0])
		ret = kernel_import(egl, fd, what);
	if (ret < 0)
		set_why(egl, "cannot open %.64s to test foreign import: %s",
			 egl->device, strerror(-ret));
	else if (ret == 1)
		egl->imports_foreign = egl_import(egl, fd, what);
	close(fd);
	if (egl->imports_foreign)
		set_why(egl, "imports %s", what);
}
