/* SPDX-License-Identifier: MIT */
/* The demo's frames, as a pure function of (x, y, frame): tests recompute
 * any pixel to compare against what a display scanned out. */
#ifndef GRALLOC_EXAMPLE_PATTERN_H
#define GRALLOC_EXAMPLE_PATTERN_H

#include <stdint.h>

static inline uint32_t pattern_pixel(uint32_t x, uint32_t y, uint32_t frame,
				     uint32_t width, uint32_t height)
{
	uint32_t box = height / 4 ? height / 4 : 1;
	uint32_t span = width > box ? width - box : 1;
	uint32_t bx = (frame * 8) % span, by = height / 2 - box / 2;
	uint32_t r, g, b;

	if (x >= bx && x < bx + box && y >= by && y < by + box)
		return 0x00ffffffu;
	/* Eight vertical colour bars whose hue turns with the frame. */
	switch ((x * 8 / width + frame / 16) % 8) {
	case 0: r = 255; g = 0; b = 0; break;
	case 1: r = 255; g = 255; b = 0; break;
	case 2: r = 0; g = 255; b = 0; break;
	case 3: r = 0; g = 255; b = 255; break;
	case 4: r = 0; g = 0; b = 255; break;
	case 5: r = 255; g = 0; b = 255; break;
	case 6: r = 128; g = 128; b = 128; break;
	default: r = 32; g = 32; b = 32; break;
	}
	/* A vertical ramp so rows differ too. */
	r = r * (height - y / 2) / height;
	g = g * (height - y / 2) / height;
	b = b * (height - y / 2) / height;
	return (r << 16) | (g << 8) | b;
}

static inline void pattern_fill(void *pixels, uint32_t stride, uint32_t width,
				uint32_t height, uint32_t frame)
{
	for (uint32_t y = 0; y < height; y++) {
		uint32_t *row = (uint32_t *)((uint8_t *)pixels + (uint64_t)y * stride);

		for (uint32_t x = 0; x < width; x++)
			row[x] = pattern_pixel(x, y, frame, width, height);
	}
}

#endif
