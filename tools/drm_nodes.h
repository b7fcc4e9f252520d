/* SPDX-License-Identifier: MIT */
#ifndef GRALLOC_CLI_DRM_NODES_H
#define GRALLOC_CLI_DRM_NODES_H

#include <stddef.h>
#include <stdio.h>

struct drm_node {
	char path[280];
	char driver[64];  /* "" when err is set */
	char version[32]; /* "major.minor.patch" */
	char desc[128];
	int err;          /* errno from open or drmGetVersion, 0 if probed */
};

/* Card and render nodes, sorted by name. 0, or -errno when the directory
 * cannot be read (no /dev/dri at all: no DRM driver loaded). */
int drm_nodes_list(struct drm_node *nodes, size_t max, size_t *count);
const char *drm_nodes_dir(void);

#endif
