/* SPDX-License-Identifier: MIT */
/* DRM nodes under /dev/dri and their drivers, for `gralloc info`. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include "drm_nodes.h"

#define DRI_DIR "/dev/dri"

static int is_drm_node(const struct dirent *ent)
{
	return !strncmp(ent->d_name, "card", 4) || !strncmp(ent->d_name, "renderD", 7);
}

static void probe(struct drm_node *n)
{
	drmVersionPtr v;
	int fd = open(n->path, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		n->err = errno;
		return;
	}
	errno = 0;
	v = drmGetVersion(fd);
	if (!v) {
		/* libdrm leaves errno from the failed ioctl. */
		n->err = errno ? errno : ENODEV;
	} else {
		snprintf(n->driver, sizeof(n->driver), "%.*s", v->name_len, v->name);
		snprintf(n->version, sizeof(n->version), "%d.%d.%d", v->version_major,
			 v->version_minor, v->version_patchlevel);
		snprintf(n->desc, sizeof(n->desc), "%.*s", v->desc_len, v->desc);
		drmFreeVersion(v);
	}
	close(fd);
}

int drm_nodes_list(struct drm_node *nodes, size_t max, size_t *count)
{
	struct dirent **ents;
	int n = scandir(DRI_DIR, &ents, is_drm_node, alphasort);

	*count = 0;
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		if (*count < max) {
			struct drm_node *d = &nodes[(*count)++];

			memset(d, 0, sizeof(*d));
			snprintf(d->path, sizeof(d->path), DRI_DIR "/%s", ents[i]->d_name);
			probe(d);
		}
		free(ents[i]);
	}
	free(ents);
	return 0;
}

const char *drm_nodes_dir(void)
{
	return DRI_DIR;
}
