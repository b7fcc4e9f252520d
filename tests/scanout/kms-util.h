/* SPDX-License-Identifier: MIT */
/* Shared by the scanout tests and benchmark: guest detection, screendumps. */
#ifndef GRALLOC_TEST_KMS_UTIL_H
#define GRALLOC_TEST_KMS_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include "modeset.h"

/* In the guest a missing device is a failure; elsewhere a reason to skip. */
static inline bool in_guest(void)
{
	return getenv("GRALLOC_VM") != NULL;
}

/* The rig's GPU mode (tests/vm/vm.py --gpu): virtio-gpu with 3D (virgl),
 * whose EGL driver is virgl rather than kms_swrast. */
static inline bool vm_gpu_virgl(void)
{
	const char *gpu = getenv("GRALLOC_VM_GPU");

	return gpu && !strcmp(gpu, "virgl");
}

/* Asks the rig's host side for a QEMU screendump of what the display shows
 * (tests/vm/vm.py, ScreendumpRelay) and loads it as packed RGB. Returns the
 * pixels (free() them) or NULL with a message; *w and *h get the size. */
static inline uint8_t *screendump(const char *name, uint32_t *w, uint32_t *h)
{
	const char *out = getenv("GRALLOC_VM_OUT");
	char path[512], done[600], req[512], tmp[600], magic[3] = { 0 };
	uint8_t *rgb = NULL;
	unsigned maxval = 0;
	FILE *f;

	if (!out) {
		printf("#   no GRALLOC_VM_OUT: screendumps need the guest rig\n");
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s", out, name);
	snprintf(done, sizeof(done), "%s.done", path);
	snprintf(req, sizeof(req), "%s/screendump.request", out);
	snprintf(tmp, sizeof(tmp), "%s.tmp", req);
	unlink(done);
	/* A few tries: a 9p write to the host share has failed once in many
	 * runs, and the oracle is worth a retry. */
	for (int tries = 0;; tries++) {
		int err;

		bool ok;

		/* Renamed into place: the host must never read it half-written. */
		f = fopen(tmp, "w");
		ok = f && fprintf(f, "%s\n", name) > 0;
		if (f && fclose(f))
			ok = false;
		if (ok && rename(tmp, req))
			ok = false;
		if (ok)
			break;
		err = errno;
		printf("#   cannot write %s: %s\n", req, strerror(err));
		if (tries == 2)
			return NULL;
		usleep(100 * 1000);
	}
	for (int i = 0; i < 300 && access(done, F_OK); i++)
		usleep(100 * 1000);
	if (access(done, F_OK)) {
		printf("#   no screendump after 30 s (is the rig's relay running?)\n");
		return NULL;
	}
	f = fopen(path, "rb");
	if (!f || fscanf(f, "%2s %u %u %u", magic, w, h, &maxval) != 4 || strcmp(magic, "P6") ||
	    maxval != 255 || *w == 0 || *h == 0 || *w > 8192 || *h > 8192 || fgetc(f) == EOF) {
		printf("#   %s is not an 8-bit P6 PPM\n", path);
		if (f)
			fclose(f);
		return NULL;
	}
	rgb = malloc((size_t)*w * *h * 3);
	if (rgb && fread(rgb, 3, (size_t)*w * *h, f) != (size_t)*w * *h) {
		printf("#   %s is truncated\n", path);
		free(rgb);
		rgb = NULL;
	}
	fclose(f);
	return rgb;
}

#endif
