/* SPDX-License-Identifier: MIT */
/* Which DRM device the compositor renders with: from feedback's dev_t, or,
 * without feedback, from the caller, the environment or the only card. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <xf86drmMode.h>

#include "wl_private.h"

#define DRI_DIR "/dev/dri"

static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int node_for(dev_t dev, const char *prefix, char *path, size_t len)
{
	DIR *d = opendir(DRI_DIR);
	struct dirent *e;
	int ret = -ENODEV;

	if (!d)
		return -ENODEV;
	while ((e = readdir(d))) {
		char p[300];
		struct stat st;

		if (strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(p, sizeof(p), DRI_DIR "/%s", e->d_name);
		if (stat(p, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == dev) {
			copy_str(path, len, p);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

int wl_device_path_for(dev_t dev, char *path, size_t len)
{
	char sys[128], node[300];
	DIR *d;
	struct dirent *e;
	int ret;

	if (node_for(dev, "card", path, len) == 0)
		return 0;
	/* A render node (what compositors usually name): our memory comes
	 * from the same device's card node, where dumb buffers live. */
	snprintf(sys, sizeof(sys), "/sys/dev/char/%u:%u/device/drm", major(dev), minor(dev));
	d = opendir(sys);
	if (!d)
		return -ENODEV;
	ret = -ENODEV;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "card", 4) || strchr(e->d_name, '-'))
			continue;
		snprintf(node, sizeof(node), DRI_DIR "/%s", e->d_name);
		if (access(node, F_OK) == 0) {
			copy_str(path, len, node);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

static bool has_kms(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	drmModeRes *res;
	bool kms;

	if (fd < 0)
		return false;
	res = drmModeGetResources(fd);
	kms = res && res->count_crtcs > 0 && res->count_connectors > 0;
	drmModeFreeResources(res);
	close(fd);
	return kms;
}

/* The only card with KMS, or "" when there are none or several. */
static int only_kms_card(char *path, size_t len, int *count)
{
	DIR *d = opendir(DRI_DIR);
	struct dirent *e;

	*count = 0;
	if (!d)
		return -ENODEV;
	while ((e = readdir(d))) {
		char p[300];

		if (strncmp(e->d_name, "card", 4))
			continue;
		snprintf(p, sizeof(p), DRI_DIR "/%s", e->d_name);
		if (has_kms(p) && ++*count == 1)
			copy_str(path, len, p);
	}
	closedir(d);
	return *count == 1 ? 0 : -ENODEV;
}

static void named(struct gralloc_wl *wl, const char *path, const char *source)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 226) {
		snprintf(wl->device_reason, sizeof(wl->device_reason),
			 "%s names %.200s, which is not a DRM node: wl_shm only", source, path);
		wl->device[0] = '\0';
		return;
	}
	if (wl_device_path_for(st.st_rdev, wl->device, sizeof(wl->device))) {
		snprintf(wl->device_reason, sizeof(wl->device_reason),
			 "%s names %.200s, which has no card node: wl_shm only", source, path);
		wl->device[0] = '\0';
		return;
	}
	snprintf(wl->device_reason, sizeof(wl->device_reason), "compositor device %.200s from %s",
		 wl->device, source);
}

void wl_resolve_device(struct gralloc_wl *wl)
{
	const char *env = getenv("GRALLOC_WAYLAND_DEVICE");
	char card[256];
	int count;

	wl->device[0] = '\0';
	if (wl->feedback.done_count && wl->feedback.cur.have_main) {
		if (wl_device_path_for(wl->feedback.cur.main_device, wl->device, sizeof(wl->device)))
			snprintf(wl->device_reason, sizeof(wl->device_reason),
				 "feedback names main device %u:%u, which has no card node here: "
				 "wl_shm only", major(wl->feedback.cur.main_device),
				 minor(wl->feedback.cur.main_device));
		else
			snprintf(wl->device_reason, sizeof(wl->device_reason),
				 "compositor device %.200s from dma-buf feedback", wl->device);
	} else if (!wl->dmabuf) {
		snprintf(wl->device_reason, sizeof(wl->device_reason),
			 "compositor offers no zwp_linux_dmabuf_v1: wl_shm only");
	} else if (wl->opts.compositor_device) {
		named(wl, wl->opts.compositor_device, "the compositor_device option");
	} else if (env && env[0]) {
		named(wl, env, "GRALLOC_WAYLAND_DEVICE");
	} else if (only_kms_card(card, sizeof(card), &count) == 0) {
		copy_str(wl->device, sizeof(wl->device), card);
		snprintf(wl->device_reason, sizeof(wl->device_reason),
			 "compositor sends no feedback; %.200s is the only DRM card with KMS", card);
	} else {
		snprintf(wl->device_reason, sizeof(wl->device_reason),
			 "compositor sends no dma-buf feedback and %d DRM cards with KMS exist: "
			 "set GRALLOC_WAYLAND_DEVICE to the compositor's card to use dma-bufs; "
			 "wl_shm only", count);
	}
	wl->device_resolved = true;
}
