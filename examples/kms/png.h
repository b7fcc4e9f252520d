/* SPDX-License-Identifier: MIT */
#ifndef GRALLOC_EXAMPLE_PNG_H
#define GRALLOC_EXAMPLE_PNG_H

#include <stdint.h>

/* Writes an XRGB8888 image (rows `stride` bytes apart) as an RGB PNG.
 * Returns 0 or -errno. */
int png_write_xrgb8888(const char *path, const void *pixels, uint32_t width,
		       uint32_t height, uint32_t stride);

#endif
