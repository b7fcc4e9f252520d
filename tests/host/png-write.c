/* SPDX-License-Identifier: MIT */
/* Writes one demo frame as the demo would (PNG) and as raw RGB, for
 * check-png.py to decode and compare: png-write OUT.png OUT.rgb W H. */
#include <stdio.h>
#include <stdlib.h>

#include "pattern.h"
#include "png.h"

int main(int argc, char **argv)
{
	uint32_t w, h, stride;
	uint8_t *px;
	FILE *f;
	int ret;

	if (argc != 5)
		return 2;
	w = (uint32_t)atoi(argv[3]);
	h = (uint32_t)atoi(argv[4]);
	stride = w * 4 + 64; /* padded rows, as scanout buffers have */
	px = calloc(h, stride);
	if (!px)
		return 1;
	pattern_fill(px, stride, w, h, 37);
	ret = png_write_xrgb8888(argv[1], px, w, h, stride);
	if (ret) {
		fprintf(stderr, "png_write_xrgb8888: %d\n", ret);
		return 1;
	}
	f = fopen(argv[2], "wb");
	for (uint32_t y = 0; f && y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			const uint8_t *p = px + (uint64_t)y * stride + x * 4;

			fputc(p[2], f);
			fputc(p[1], f);
			fputc(p[0], f);
		}
	free(px);
	return f && !fclose(f) ? 0 : 1;
}
