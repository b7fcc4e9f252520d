/* SPDX-License-Identifier: MIT */
/* A PNG writer with stored (uncompressed) deflate blocks: no zlib needed,
 * and the files are only ever test oracles and demo output. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "png.h"

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
}

static uint32_t crc_update(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

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
	uint32_t crc;

	put32(hdr, len);
	memcpy(hdr + 4, type, 4);
	crc = crc_update(0xffffffffu, hdr + 4, 4);
	crc = crc_update(crc, data, len) ^ 0xffffffffu;
	put32(crc_bytes, crc);
	return fwrite(hdr, 1, 8, f) == 8 && fwrite(data, 1, len, f) == len &&
			       fwrite(crc_bytes, 1, 4, f) == 4 ? 0 : -EIO;
}

int png_write_xrgb8888(const char *path, const void *pixels, uint32_t width,
		       uint32_t height, uint32_t stride)
{
	const uint64_t row = 1 + (uint64_t)width * 3; /* filter byte + RGB */
	const uint64_t raw = row * height;
	const uint64_t blocks = raw / 65535 + 1;
	uint8_t ihdr[13] = { 0 };
	uint8_t *z, *out;
	uint32_t a = 1, b = 0;
	FILE *f;
	int ret;

	if (!width || !height || width > 32768 || height > 32768)
		return -EINVAL;
	z = malloc(2 + raw + blocks * 5 + 4);
	if (!z)
		return -ENOMEM;
	crc_init();
	out = z;
	*out++ = 0x78; /* zlib header: deflate, 32K window, no dict */
	*out++ = 0x01;
	for (uint64_t done = 0, y = 0, x = 0; done < raw || done == 0;) {
		uint64_t n = raw - done > 65535 ? 65535 : raw - done;

		*out++ = done + n == raw; /* BFINAL, stored */
		out[0] = (uint8_t)n;
		out[1] = (uint8_t)(n >> 8);
		out[2] = (uint8_t)~n;
		out[3] = (uint8_t)(~n >> 8);
		out += 4;
		for (uint64_t i = 0; i < n; i++) {
			const uint8_t *px = (const uint8_t *)pixels + y * stride;
			uint8_t v;

			if (x == 0)
				v = 0; /* filter: none */
			else {
				/* XRGB8888 is little-endian B,G,R,X in memory. */
				uint64_t p = (x - 1) / 3, c = (x - 1) % 3;

				v = px[p * 4 + 2 - c];
			}
			*out++ = v;
			a = (a + v) % 65521;
			b = (b + a) % 65521;
			if (++x == row) {
				x = 0;
				y++;
			}
		}
		done += n;
		if (raw == 0)
			break;
	}
	put32(out, (b << 16) | a);
	out += 4;

	put32(ihdr, width);
	put32(ihdr + 4, height);
	ihdr[8] = 8; /* bit depth */
	ihdr[9] = 2; /* truecolour */
	f = fopen(path, "wb");
	if (!f) {
		ret = -errno;
		free(z);
		return ret;
	}
	ret = fwrite("\x89PNG\r\n\x1a\n", 1, 8, f) == 8 ? 0 : -EIO;
	if (!ret)
		ret = chunk(f, "IHDR", ihdr, sizeof(ihdr));
	if (!ret)
		ret = chunk(f, "IDAT", z, (uint32_t)(out - z));
	if (!ret)
		ret = chunk(f, "IEND", NULL, 0);
	if (fclose(f) && !ret)
		ret = -errno;
	free(z);
	return ret;
}
