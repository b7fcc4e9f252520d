/* SPDX-License-Identifier: MIT */
/* drm-dumb on virtio-gpu (which cannot import foreign memory, so scanout
 * buffers come from the display itself): the layout is the driver's, not
 * our engine's, and the size is the memory's. Before layouts were carried
 * as data a 33x17 XRGB8888 buffer said 4096 bytes over an 8192-byte
 * dma-buf (NV12 640x480: 462848 over 466944). */
#include <drm_fourcc.h>

#include "gralloc/kms.h"
#include "guest.h"

#define CPU_RW (GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN)

/* virgl resources are single-plane RGB; everything else stays dumb. */
static const char *own_backend(uint32_t format)
{
	const char *gpu = getenv("GRALLOC_VM_GPU");

	return gpu && !strcmp(gpu, "virgl") && format != DRM_FORMAT_NV12 ? "virgl" : "drm-dumb";
}

static char virtio_path[64];

static struct gralloc_device *display_device(void)
{
	struct gralloc_device_options o = { .display_path = virtio_path, .no_config = true };
	struct gralloc_device *dev = gralloc_device_create(&o);

	if (!dev)
		printf("#   gralloc_device_create: %s\n", gralloc_last_error());
	return dev;
}

static uint8_t byte_at(uint32_t p, uint32_t x, uint32_t y)
{
	return (uint8_t)(p * 41 + x * 3 + y * 17);
}

/* Rows of every plane, written through lock at the strides describe
 * gives; read back (in `other`, a buffer over the same memory) the same
 * way. */
static bool rows_round_trip(struct gralloc_buffer *buf, struct gralloc_buffer *other, bool write)
{
	struct gralloc_buffer_info info;
	struct gralloc_format_desc f;
	uint8_t *base;
	bool ok = true;

	if (gralloc_buffer_describe(buf, &info) || gralloc_format_lookup(info.format, &f))
		return false;
	if (gralloc_buffer_lock(write ? buf : other,
				write ? CPU_RW : GRALLOC_USAGE_CPU_READ_OFTEN, NULL, (void **)&base))
		return false;
	/* base is plane 0's first byte; plane p starts at its offset from it. */
	for (uint32_t p = 0; p < info.num_planes && ok; p++) {
		uint32_t rows = p ? info.height / f.vsub : info.height;
		uint32_t bytes = (p ? info.width / f.hsub : info.width) * f.bytes_per_block[p];
		uint8_t *plane = base + (info.planes[p].offset - info.planes[0].offset);

		for (uint32_t y = 0; y < rows && ok; y++)
			for (uint32_t x = 0; x < bytes && ok; x++) {
				uint8_t *at = plane + (size_t)y * info.planes[p].stride + x;

				if (write)
					*at = byte_at(p, x, y);
				else if (*at != byte_at(p, x, y)) {
					printf("#   plane %u (%u, %u): %u, wrote %u\n", p, x, y, *at,
					       byte_at(p, x, y));
					ok = false;
				}
			}
	}
	gralloc_buffer_unlock(write ? buf : other);
	return ok;
}

static void dumb_sizes(uint32_t w, uint32_t h, uint32_t format)
{
	struct gralloc_buffer_desc d = {
		.width = w, .height = h, .format = format,
		.usage = GRALLOC_USAGE_SCANOUT | CPU_RW, .name = "dumb-layout",
	};
	struct gralloc_device *dev, *dev2;
	struct gralloc_buffer_info info, engine, got;
	struct gralloc_buffer *buf, *copy;
	int fds[GRALLOC_MAX_PLANES];
	uint8_t handle[GRALLOC_WIRE_SIZE];
	uint32_t nfds = GRALLOC_MAX_PLANES;
	int len;

	if (guest_drm_path("virtio_gpu", virtio_path, sizeof(virtio_path))) {
		guest_missing("no virtio_gpu card");
		return;
	}
	dev = display_device();
	dev2 = display_device();
	CHECK(dev && dev2);
	buf = gralloc_buffer_allocate(dev, &d);
	CHECK(buf);
	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	CHECK_EQ(gralloc_compute_layout(&d, &engine), 0);
	printf("#   %ux%u %.4s: %s, size %llu, fd_size %llu, lseek %lld, pitch %u "
	       "(engine: size %llu, stride %u)\n", w, h, (const char *)&format, info.backend,
	       (unsigned long long)info.size, (unsigned long long)info.fd_size[0],
	       (long long)lseek(info.fds[0], 0, SEEK_END), info.planes[0].stride,
	       (unsigned long long)engine.size, engine.planes[0].stride);
	/* The display's own memory: dumb buffers in 2D, virgl resources (whose
	 * layout the driver also sets) with 3D. */
	CHECK_STR(info.backend, own_backend(format));
	CHECK_EQ(info.num_fds, 1);
	CHECK_EQ(info.size, info.fd_size[0]);
	CHECK_EQ(lseek(info.fds[0], 0, SEEK_END), (off_t)info.size);
	CHECK(info.size >= engine.size);
	for (uint32_t p = 0; p < info.num_planes; p++)
		CHECK(info.planes[p].offset + info.planes[p].size <= info.size);
	/* The handle carries that layout and size; another device accepts it
	 * as it is and reads the same rows. */
	len = gralloc_handle_serialize(buf, handle, sizeof(handle), fds, &nfds);
	CHECK_EQ(len, GRALLOC_WIRE_SIZE);
	copy = gralloc_handle_import(dev2, handle, (size_t)len, fds, nfds);
	if (!copy)
		printf("#   import: %s\n", gralloc_last_error());
	CHECK(copy);
	CHECK_EQ(gralloc_buffer_describe(copy, &got), 0);
	CHECK_EQ(got.size, info.size);
	CHECK_EQ(got.fd_size[0], info.fd_size[0]);
	CHECK(!memcmp(got.planes, info.planes, sizeof(info.planes)));
	CHECK(rows_round_trip(buf, copy, true));
	CHECK(rows_round_trip(buf, copy, false));
	gralloc_buffer_free(dev2, copy);
	gralloc_buffer_free(dev, buf);
	gralloc_device_destroy(dev2);
	gralloc_device_destroy(dev);
}

TEST(xrgb8888_33x17_size_is_the_memory) { dumb_sizes(33, 17, DRM_FORMAT_XRGB8888); }
TEST(nv12_640x480_size_is_the_memory) { dumb_sizes(640, 480, DRM_FORMAT_NV12); }

/* The driver's pitch is what AddFB2 gets, and virtio-gpu takes it (at
 * least 32x32: virtio-gpu's smallest framebuffer). */
TEST(driver_pitch_scans_out)
{
	struct gralloc_buffer_desc d = {
		.width = 65, .height = 33, .format = DRM_FORMAT_XRGB8888,
		.usage = GRALLOC_USAGE_SCANOUT | CPU_RW, .name = "dumb-layout",
	};
	struct gralloc_buffer_info info;
	struct gralloc_device *dev;
	struct gralloc_buffer *buf;
	struct gralloc_kms *kms;
	drmModeFB2Ptr fb;
	uint32_t fb_id;

	if (guest_drm_path("virtio_gpu", virtio_path, sizeof(virtio_path))) {
		guest_missing("no virtio_gpu card");
		return;
	}
	dev = display_device();
	kms = gralloc_kms_open(virtio_path);
	CHECK(dev && kms);
	buf = gralloc_buffer_allocate(dev, &d);
	CHECK(buf);
	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	CHECK_EQ(gralloc_kms_add_framebuffer(kms, buf, &fb_id), 0);
	fb = drmModeGetFB2(gralloc_kms_get_fd(kms), fb_id);
	CHECK(fb);
	CHECK_EQ(fb->pitches[0], info.planes[0].stride);
	drmModeFreeFB2(fb);
	gralloc_buffer_free(dev, buf);
	gralloc_kms_destroy(kms);
	gralloc_device_destroy(dev);
}

int main(void)
{
	if (!guest_in_vm() && access("/dev/dri", F_OK) != 0) {
		printf("1..0 # SKIP no /dev/dri here: drm-dumb tests run in the guest rig\n");
		return 77;
	}
	return test_run_all();
}
