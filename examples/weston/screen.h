/* SPDX-License-Identifier: MIT */
/* Reads back what a KMS device scans out: the framebuffer on the primary
 * plane of its first active CRTC (GETFB2 + PRIME export, as root). The
 * picture oracle of the Wayland examples and tests: it sees the
 * compositor's output, or the client's own buffer when scanned out
 * directly (then the dma-buf inode is the client's). */
#ifndef GRALLOC_EXAMPLE_SCREEN_H
#define GRALLOC_EXAMPLE_SCREEN_H

#include <stdint.h>
#include <stddef.h>

struct screen {
	uint32_t width, height, format, pitch;
	uint64_t modifier;
	uint32_t plane_id, fb_id;
	unsigned long inode; /* of the framebuffer's dma-buf */
	uint8_t *pixels;     /* malloc'd copy, pitch * height bytes */
};

/* 0 or -errno with the reason on stderr. */
int screen_read(const char *card, struct screen *s);
void screen_free(struct screen *s);
/* XRGB8888 value of a pixel (alpha dropped). */
uint32_t screen_pixel(const struct screen *s, uint32_t x, uint32_t y);

#endif
