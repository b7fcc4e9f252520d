/* SPDX-License-Identifier: MIT */
/* Shared by the scanout tests and benchmark: find a DRM device by driver. */
#ifndef GRALLOC_TEST_KMS_UTIL_H
#define GRALLOC_TEST_KMS_UTIL_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

/* Path of the card node driven by `driver`; false if there is none. */
static inline bool find_card(const char *driver, char *path, size_t len)
{
	for (int i = 0; i < 16; i++) {
		drmVersionPtr v;
		bool match;
		int fd;

		snprintf(path, len, "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		match = v && !strcmp(v->name, driver);
		drmFreeVersion(v);
		close(fd);
		if (match)
			return true;
	}
	return false;
}

/* In the guest a missing device is a failure; elsewhere a reason to skip. */
static inline bool in_guest(void)
{
	return getenv("GRALLOC_VM") != NULL;
}

#endif
