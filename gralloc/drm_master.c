/* SPDX-License-Identifier: MIT */
/* The first opener of a DRM card node becomes its master: the one client
 * allowed to set modes. A library that keeps such a node open locks the
 * compositor started after it out of the display, so every node gralloc
 * opens for itself gives master back at once, and probes use the render
 * node when the device has one (render nodes never carry master). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include "gralloc/kms_private.h"

int gralloc_drm_drop_master(int fd, const char *path)
{
	if (!drmIsMaster(fd))
		return 0;
	if (drmDropMaster(fd)) {
		int err = errno;

		gralloc_log(ERROR, "%s: cannot drop DRM master (%s): refusing to keep the "
			    "display locked", path, strerror(err));
		return -err;
	}
	return 0;
}

int gralloc_drm_open_card(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = gralloc_drm_drop_master(fd, path);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int gralloc_drm_open_render(int drm_fd)
{
	char *name = drmGetRenderDeviceNameFromFd(drm_fd);
	int fd;

	if (!name)
		return -ENOENT;
	fd = open(name, O_RDWR | O_CLOEXEC);
	fd = fd < 0 ? -errno : fd;
	free(name);
	return fd;
}
