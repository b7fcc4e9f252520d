/* SPDX-License-Identifier: MIT */
/* Writes the seed corpus of fuzz-handle: real handles of memfd buffers
 * (valid ones and a few broken on purpose), each behind the 5-byte fd
 * selector that fuzz-handle.c reads. Usage: gen-handle-corpus DIR */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "gralloc/gralloc.h"
#include "gralloc/handle.h"

static const char *dir;

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void emit(const char *name, uint8_t nfds, uint8_t pool, const uint8_t *h, size_t len)
{
	uint8_t prefix[5] = { nfds, pool, pool, pool, pool };
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(prefix, 1, 5, f) != 5 || fwrite(h, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* pool index: the fd of fuzz-handle's pool that matches this buffer. */
static void handle_of(struct gralloc_device *dev, uint32_t w, uint32_t h, uint32_t format,
		      uint8_t *out)
{
	struct gralloc_buffer_desc d = {
		.width = w, .height = h, .format = format,
		.usage = GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN,
	};
	struct gralloc_buffer *b = gralloc_buffer_allocate(dev, &d);
	int fds[GRALLOC_WIRE_MAX_FDS];
	uint32_t n = GRALLOC_WIRE_MAX_FDS;

	if (!b || gralloc_handle_serialize(b, out, GRALLOC_WIRE_SIZE, fds, &n) < 0) {
		fprintf(stderr, "gen-corpus: %s\n", gralloc_last_error());
		exit(1);
	}
	gralloc_buffer_free(dev, b);
}

int main(int argc, char **argv)
{
	char heap_dir[] = "/tmp/gralloc-corpus-heaps-XXXXXX";
	struct gralloc_device_options o = { .udmabuf_path = "/nonexistent", .no_config = true };
	struct gralloc_device *dev;
	uint8_t h[GRALLOC_WIRE_SIZE], bad[GRALLOC_WIRE_SIZE];

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	if (!mkdtemp(heap_dir))
		return 1;
	o.heap_dir = heap_dir;
	dev = gralloc_device_create(&o);
	rmdir(heap_dir);
	if (!dev)
		return 1;

	handle_of(dev, 64, 64, DRM_FORMAT_XRGB8888, h);
	emit("valid-xrgb-64x64", 1, 0, h, sizeof(h));
	memcpy(bad, h, sizeof(h));
	put32(bad, 0x12345678);
	emit("bad-magic", 1, 0, bad, sizeof(bad));
	memcpy(bad, h, sizeof(h));
	put32(bad + 12, 0xffffffffu);
	emit("bad-num-ints", 1, 0, bad, sizeof(bad));
	memcpy(bad, h, sizeof(h));
	memcpy(bad + 176, "dma-heap", 8);
	memcpy(bad + 240, "system", 6);
	emit("memfd-claimed-dma-heap", 1, 0, bad, sizeof(bad));
	emit("pipe-fd", 1, 4, h, sizeof(h));
	emit("unsealed-memfd", 1, 6, h, sizeof(h));
	emit("fd-count-mismatch", 2, 0, h, sizeof(h));
	emit("truncated", 1, 0, h, 100);

	handle_of(dev, 100, 50, DRM_FORMAT_NV12, h);
	emit("valid-nv12-100x50", 1, 1, h, sizeof(h));
	emit("nv12-on-larger-fd", 1, 0, h, sizeof(h)); /* fits: accepted */
	emit("nv12-on-pipe-and-memfd", 2, 4, h, sizeof(h));

	handle_of(dev, 1024, 1024, DRM_FORMAT_XRGB8888, h);
	emit("valid-xrgb-1024x1024", 1, 2, h, sizeof(h));

	handle_of(dev, 33, 17, DRM_FORMAT_YUV420, h);
	emit("valid-yuv420-33x17", 1, 3, h, sizeof(h));

	gralloc_device_destroy(dev);
	return 0;
}
