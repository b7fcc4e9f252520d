/* SPDX-License-Identifier: MIT */
/* Library buffers handed to real DRM drivers through PRIME.
 *
 * vgem and vkms import them (and must give back the very same dma-buf);
 * vkms scans one out, and its writeback connector returns the composed
 * frame into a second library buffer: pixels written by the CPU through
 * gralloc_buffer_lock, read by the display pipeline, written back by it and
 * read by the CPU again. That round trip is the oracle: nothing in it
 * trusts the library's own description of the memory. virtio-gpu cannot
 * import foreign dma-bufs in 6.12; that is recorded, not asserted. */
#include <poll.h>

#include <drm_fourcc.h>
#include <xf86drmMode.h>

#include "gralloc/gralloc.h"
#include "guest.h"

#define CPU_RW (GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN)

/* Opens the card of `driver`; when absent, fails (guest) or skips (host). */
static int open_driver(const char *driver)
{
	int fd = guest_open_drm(driver);

	if (fd < 0)
		guest_missing("no DRM device driven by %s", driver);
	return fd;
}

static int gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &c) ? -errno : 0;
}

/* A device whose SCANOUT buffers are for vkms: it imports heap memory, so
 * they come from the heap (zero-copy scanout), not from a display's own
 * dumb buffers as they would for virtio-gpu, the first KMS card here. */
static struct gralloc_device *vkms_device(void)
{
	struct gralloc_device_options o = { 0 };
	char path[64];

	if (guest_drm_path("vkms", path, sizeof(path)))
		return NULL;
	o.display_path = path;
	return gralloc_device_create(&o);
}

static struct gralloc_buffer *alloc(struct gralloc_device *dev, uint32_t w, uint32_t h,
				    uint64_t usage, const char *name)
{
	struct gralloc_buffer_desc d = {
		.width = w, .height = h, .format = DRM_FORMAT_XRGB8888, .usage = usage,
		.name = name,
	};
	struct gralloc_buffer *buf = gralloc_buffer_allocate(dev, &d);

	if (!buf)
		printf("#   allocate %ux%u %s: %s (%s)\n", w, h, name, strerror(errno),
		       gralloc_last_error());
	return buf;
}

/* Import twice, export back, compare files, close once: the four things a
 * compositor relies on when it caches imports per dma-buf. */
static void check_import(int drm, const struct gralloc_buffer_info *info)
{
	uint32_t h1 = 0, h2 = 0;
	int back = -1;

	if (drmPrimeFDToHandle(drm, info->fds[0], &h1)) {
		FAIL_MSG("PRIME import of a %s buffer: %s", info->backend, strerror(errno));
		return;
	}
	if (drmPrimeFDToHandle(drm, info->fds[0], &h2))
		FAIL_MSG("second PRIME import: %s", strerror(errno));
	else if (h1 != h2)
		FAIL_MSG("importing one dma-buf twice gave handles %u and %u", h1, h2);
	if (drmPrimeHandleToFD(drm, h1, DRM_CLOEXEC | DRM_RDWR, &back))
		FAIL_MSG("PRIME export of the imported handle: %s", strerror(errno));
	else if (guest_ino(back) != guest_ino(info->fds[0]))
		FAIL_MSG("exporting the import gave another dma-buf (inode %llu, not %llu)",
			 guest_ino(back), guest_ino(info->fds[0]));
	if (back >= 0)
		close(back);
	if (gem_close(drm, h1))
		FAIL_MSG("GEM_CLOSE: %s", strerror(errno));
	/* One handle, however many imports: it is gone after one close. */
	else if (gem_close(drm, h1) != -EINVAL)
		FAIL_MSG("handle %u still open after one GEM_CLOSE", h1);
}

static void import_heap_buffer(const char *driver)
{
	struct gralloc_buffer_info info;
	struct gralloc_device *dev;
	struct gralloc_buffer *buf;
	int drm;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	drm = open_driver(driver);
	if (drm < 0)
		return;
	dev = gralloc_device_create(NULL);
	buf = dev ? alloc(dev, 640, 480, CPU_RW | GRALLOC_USAGE_GPU_TEXTURE, driver) : NULL;
	if (!buf || gralloc_buffer_describe(buf, &info))
		test_failed_flag = true;
	else if (strcmp(info.backend, "dma-heap"))
		FAIL_MSG("expected a dma-heap buffer, got %s", info.backend);
	else
		check_import(drm, &info);
	gralloc_device_destroy(dev);
	close(drm);
}

TEST(vgem_imports_heap_buffer)
{
	import_heap_buffer("vgem");
}

TEST(vkms_imports_heap_buffer)
{
	import_heap_buffer("vkms");
}

TEST(vgem_imports_udmabuf_buffer)
{
	struct gralloc_device_options o = { .no_config = true };
	struct gralloc_buffer_info info;
	struct gralloc_device *dev = NULL;
	struct gralloc_buffer *buf;
	char dir[] = "/tmp/gralloc-noheaps-XXXXXX";
	int drm;

	GUEST_REQUIRE_CHR("/dev/udmabuf");
	drm = open_driver("vgem");
	if (drm < 0)
		return;
	/* No heap in the directory: the library must fall back to udmabuf. */
	o.heap_dir = mkdtemp(dir);
	if (o.heap_dir)
		dev = gralloc_device_create(&o);
	buf = dev ? alloc(dev, 640, 480, CPU_RW | GRALLOC_USAGE_GPU_TEXTURE, "udmabuf") : NULL;
	if (!buf || gralloc_buffer_describe(buf, &info))
		test_failed_flag = true;
	else if (strcmp(info.backend, "udmabuf"))
		FAIL_MSG("expected a udmabuf buffer, got %s", info.backend);
	else
		check_import(drm, &info);
	gralloc_device_destroy(dev);
	if (o.heap_dir)
		rmdir(dir);
	close(drm);
}

/* AddFB2 of a library buffer as the buffer describes itself. */
static int add_fb(int drm, const struct gralloc_buffer_info *info, uint32_t handle,
		  uint32_t *fb)
{
	uint32_t handles[4] = { handle }, pitches[4] = { info->planes[0].stride };
	uint32_t offsets[4] = { (uint32_t)info->planes[0].offset };

	return drmModeAddFB2(drm, info->width, info->height, info->format, handles, pitches,
			     offsets, fb, 0) ? -errno : 0;
}

/* Wrong geometry must come back as a clean error from the kernel, which
 * checks pitch and size against the imported object. */
static void check_bad_fbs(int drm, const struct gralloc_buffer_info *info, uint32_t handle)
{
	static const char *const what[] = {
		"pitch smaller than a row", "height beyond the buffer", "offset beyond the buffer",
	};
	uint32_t handles[4] = { handle }, fb = 0;

	for (int i = 0; i < 3; i++) {
		uint32_t pitches[4] = { info->planes[0].stride }, offsets[4] = { 0 };
		uint32_t h = info->height;
		int ret, err;

		if (i == 0)
			pitches[0] = info->width * 4 - 4;
		else if (i == 1)
			h = (uint32_t)(info->size / info->planes[0].stride) + 16;
		else
			offsets[0] = (uint32_t)info->size;
		ret = drmModeAddFB2(drm, info->width, h, info->format, handles, pitches, offsets,
				    &fb, 0);
		err = errno;
		printf("#   AddFB2 with %s: %s\n", what[i], ret ? strerror(err) : "accepted");
		if (!ret) {
			drmModeRmFB(drm, fb);
			FAIL_MSG("AddFB2 with %s succeeded", what[i]);
		} else if (err != EINVAL && err != ENOSPC && err != ERANGE) {
			FAIL_MSG("AddFB2 with %s: unexpected %s", what[i], strerror(err));
		}
	}
}

TEST(vkms_addfb2_of_scanout_buffer)
{
	struct gralloc_buffer_info info;
	struct gralloc_device *dev;
	struct gralloc_buffer *buf;
	uint32_t handle = 0, fb = 0;
	int drm, ret;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	drm = open_driver("vkms");
	if (drm < 0)
		return;
	dev = vkms_device();
	buf = dev ? alloc(dev, 1024, 768,
			  GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CPU_WRITE_OFTEN, "fb") : NULL;
	if (!buf || gralloc_buffer_describe(buf, &info)) {
		test_failed_flag = true;
	} else if (strcmp(info.backend, "dma-heap")) {
		FAIL_MSG("scanout buffer for vkms from %s, expected dma-heap", info.backend);
	} else if (drmPrimeFDToHandle(drm, info.fds[0], &handle)) {
		FAIL_MSG("PRIME import into vkms: %s", strerror(errno));
	} else {
		ret = add_fb(drm, &info, handle, &fb);
		if (ret)
			FAIL_MSG("AddFB2 %ux%u pitch %u: %s", info.width, info.height,
				 info.planes[0].stride, strerror(-ret));
		else
			drmModeRmFB(drm, fb);
		check_bad_fbs(drm, &info, handle);
		gem_close(drm, handle);
	}
	gralloc_device_destroy(dev);
	close(drm);
}

/* ---- scanout + writeback ---- */

static uint32_t prop_id(int drm, uint32_t obj, uint32_t type, const char *name)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(drm, obj, type);
	uint32_t id = 0;

	for (uint32_t i = 0; props && i < props->count_props && !id; i++) {
		drmModePropertyPtr p = drmModeGetProperty(drm, props->props[i]);

		if (p && !strcmp(p->name, name))
			id = p->prop_id;
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return id;
}

struct output {
	uint32_t crtc, virtual_conn, wb_conn;
	drmModeModeInfo mode;
};

/* vkms: one CRTC, a Virtual connector and (enable_writeback=1) a
 * Writeback connector. */
static bool find_output(int drm, struct output *out)
{
	drmModeResPtr res = drmModeGetResources(drm);
	bool have_mode = false;

	memset(out, 0, sizeof(*out));
	if (!res)
		return false;
	if (res->count_crtcs > 0)
		out->crtc = res->crtcs[0];
	for (int i = 0; i < res->count_connectors; i++) {
		drmModeConnectorPtr c = drmModeGetConnector(drm, res->connectors[i]);

		if (!c)
			continue;
		if (c->connector_type == DRM_MODE_CONNECTOR_WRITEBACK) {
			out->wb_conn = c->connector_id;
		} else if (c->connector_type == DRM_MODE_CONNECTOR_VIRTUAL &&
			   c->connection == DRM_MODE_CONNECTED && c->count_modes > 0) {
			out->virtual_conn = c->connector_id;
			out->mode = c->modes[0];
			for (int m = 0; m < c->count_modes; m++)
				if (c->modes[m].type & DRM_MODE_TYPE_PREFERRED)
					out->mode = c->modes[m];
			have_mode = true;
		}
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	printf("#   vkms: crtc %u, Virtual %u (%ux%u), Writeback %u\n", out->crtc,
	       out->virtual_conn, out->mode.hdisplay, out->mode.vdisplay, out->wb_conn);
	return out->crtc && have_mode && out->wb_conn;
}

/* A library buffer known to vkms: imported and wrapped in a framebuffer. */
struct kms_buf {
	struct gralloc_buffer *buf;
	struct gralloc_buffer_info info;
	uint32_t handle, fb;
};

static bool kms_buf_make(int drm, struct gralloc_device *dev, const struct output *o,
			 uint64_t usage, const char *name, struct kms_buf *kb)
{
	int ret;

	memset(kb, 0, sizeof(*kb));
	kb->buf = alloc(dev, o->mode.hdisplay, o->mode.vdisplay, usage, name);
	if (!kb->buf || gralloc_buffer_describe(kb->buf, &kb->info))
		return false;
	if (drmPrimeFDToHandle(drm, kb->info.fds[0], &kb->handle)) {
		printf("#   import %s into vkms: %s\n", name, strerror(errno));
		kb->handle = 0;
		return false;
	}
	ret = add_fb(drm, &kb->info, kb->handle, &kb->fb);
	if (ret) {
		printf("#   AddFB2 %s: %s\n", name, strerror(-ret));
		kb->fb = 0;
	}
	return !ret;
}

static void kms_buf_release(int drm, struct gralloc_device *dev, struct kms_buf *kb)
{
	if (kb->fb)
		drmModeRmFB(drm, kb->fb);
	if (kb->handle)
		gem_close(drm, kb->handle);
	gralloc_buffer_free(dev, kb->buf);
}

static bool fill_pattern(struct kms_buf *kb)
{
	uint32_t stride = kb->info.planes[0].stride;
	void *p;

	if (gralloc_buffer_lock(kb->buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &p))
		return false;
	for (uint32_t y = 0; y < kb->info.height; y++)
		for (uint32_t x = 0; x < kb->info.width; x++)
			((uint32_t *)((uint8_t *)p + (size_t)y * stride))[x] =
				guest_pattern(x, y, 0x5a3c17);
	return gralloc_buffer_unlock(kb->buf) == 0;
}

/* Queues one writeback of the CRTC's output into `fb` and returns the
 * out-fence (a sync_file) or -errno. detach_virtual: route the CRTC to the
 * writeback connector alone. */
static int writeback_commit(int drm, const struct output *o, uint32_t fb, bool detach_virtual)
{
	uint32_t crtc_prop = prop_id(drm, o->wb_conn, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID");
	uint32_t fb_prop = prop_id(drm, o->wb_conn, DRM_MODE_OBJECT_CONNECTOR, "WRITEBACK_FB_ID");
	uint32_t fence_prop = prop_id(drm, o->wb_conn, DRM_MODE_OBJECT_CONNECTOR,
				      "WRITEBACK_OUT_FENCE_PTR");
	drmModeAtomicReqPtr req;
	int32_t fence = -1;
	int ret;

	if (!crtc_prop || !fb_prop || !fence_prop) {
		printf("#   writeback connector lacks CRTC_ID/WRITEBACK_FB_ID/OUT_FENCE_PTR\n");
		return -ENOENT;
	}
	req = drmModeAtomicAlloc();
	if (!req)
		return -ENOMEM;
	drmModeAtomicAddProperty(req, o->wb_conn, crtc_prop, o->crtc);
	drmModeAtomicAddProperty(req, o->wb_conn, fb_prop, fb);
	drmModeAtomicAddProperty(req, o->wb_conn, fence_prop, (uint64_t)(uintptr_t)&fence);
	if (detach_virtual)
		drmModeAtomicAddProperty(req, o->virtual_conn,
					 prop_id(drm, o->virtual_conn, DRM_MODE_OBJECT_CONNECTOR,
						 "CRTC_ID"), 0);
	/* Attaching a connector to a CRTC is a routing change: modeset. */
	ret = drmModeAtomicCommit(drm, req, DRM_MODE_ATOMIC_ALLOW_MODESET, NULL);
	ret = ret ? -errno : 0;
	drmModeAtomicFree(req);
	if (ret)
		return ret;
	return fence >= 0 ? fence : -EBADF;
}

static void compare_frame(struct kms_buf *wb)
{
	uint32_t stride = wb->info.planes[0].stride, bad = 0;
	const uint8_t *p;
	void *map;

	CHECK_EQ(gralloc_buffer_lock(wb->buf, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, &map), 0);
	p = map;
	for (uint32_t y = 0; y < wb->info.height; y++) {
		for (uint32_t x = 0; x < wb->info.width; x++) {
			uint32_t got = ((const uint32_t *)(p + (size_t)y * stride))[x] & 0xffffff;
			uint32_t want = guest_pattern(x, y, 0x5a3c17);

			if (got != want && bad++ < 5)
				printf("#   pixel %u,%u: written back 0x%06x, scanned out 0x%06x\n",
				       x, y, got, want);
		}
	}
	CHECK_EQ(gralloc_buffer_unlock(wb->buf), 0);
	if (bad)
		FAIL_MSG("%u of %u pixels differ after scanout and writeback", bad,
			 wb->info.width * wb->info.height);
}

static void scanout_and_write_back(int drm, struct gralloc_device *dev, const struct output *o)
{
	struct kms_buf src = { 0 }, wb = { 0 };
	struct pollfd pfd = { .fd = -1, .events = POLLIN };
	int ret;

	if (!kms_buf_make(drm, dev, o, GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CPU_WRITE_OFTEN,
			  "scanout-src", &src) ||
	    !kms_buf_make(drm, dev, o, GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CPU_READ_OFTEN,
			  "writeback-dst", &wb)) {
		FAIL_MSG("could not make both framebuffers from library buffers");
		goto out;
	}
	if (strcmp(src.info.backend, "dma-heap") || strcmp(wb.info.backend, "dma-heap")) {
		FAIL_MSG("scanout/writeback buffers from %s/%s, expected heap memory",
			 src.info.backend, wb.info.backend);
		goto out;
	}
	if (!fill_pattern(&src)) {
		FAIL_MSG("writing the pattern through lock/unlock failed");
		goto out;
	}
	if (drmModeSetCrtc(drm, o->crtc, src.fb, 0, 0, (uint32_t *)&o->virtual_conn, 1,
			   (drmModeModeInfo *)&o->mode)) {
		FAIL_MSG("SetCrtc on vkms with the library buffer: %s", strerror(errno));
		goto out;
	}
	ret = writeback_commit(drm, o, wb.fb, false);
	/* vkms in 6.12 refuses the Virtual and Writeback connectors on one
	 * CRTC (EINVAL, no clone support); the plane keeps the same
	 * framebuffer, so the CRTC routed to writeback alone composes the
	 * same frame. */
	if (ret == -EINVAL) {
		printf("# writeback beside the Virtual connector: EINVAL; trying writeback alone\n");
		ret = writeback_commit(drm, o, wb.fb, true);
	}
	if (ret < 0) {
		FAIL_MSG("writeback commit: %s", strerror(-ret));
		goto off;
	}
	pfd.fd = ret;
	/* TCG is slow, but a vblank-driven writeback is still well under a
	 * second; ten seconds means it never completes. */
	ret = poll(&pfd, 1, 10000);
	if (ret != 1 || !(pfd.revents & POLLIN))
		FAIL_MSG("writeback fence not signalled (poll %d, revents 0x%x)", ret,
			 pfd.revents);
	else
		compare_frame(&wb);
	close(pfd.fd);
off:
	/* Leave vkms idle for whoever runs next: no CRTC, no connectors. */
	drmModeSetCrtc(drm, o->crtc, 0, 0, 0, NULL, 0, NULL);
out:
	kms_buf_release(drm, dev, &wb);
	kms_buf_release(drm, dev, &src);
}

TEST(vkms_scanout_matches_writeback)
{
	struct gralloc_device *dev;
	struct output o;
	int drm;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	drm = open_driver("vkms");
	if (drm < 0)
		return;
	dev = vkms_device();
	if (!dev) {
		FAIL_MSG("gralloc_device_create: %s", strerror(errno));
	} else if (drmSetClientCap(drm, DRM_CLIENT_CAP_ATOMIC, 1) ||
		   drmSetClientCap(drm, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1)) {
		FAIL_MSG("vkms refuses the atomic/writeback client caps: %s", strerror(errno));
	} else if (!find_output(drm, &o)) {
		FAIL_MSG("vkms has no connected Virtual connector or no Writeback connector "
			 "(loaded without enable_writeback=1?)");
	} else {
		scanout_and_write_back(drm, dev, &o);
	}
	gralloc_device_destroy(dev);
	close(drm);
}

TEST(virtio_gpu_import_of_heap_buffer)
{
	struct gralloc_buffer_info info;
	struct gralloc_device *dev;
	struct gralloc_buffer *buf;
	uint32_t handle = 0;
	int drm;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	drm = open_driver("virtio_gpu");
	if (drm < 0)
		return;
	dev = gralloc_device_create(NULL);
	buf = dev ? alloc(dev, 640, 480, CPU_RW | GRALLOC_USAGE_GPU_TEXTURE, "virtio") : NULL;
	if (!buf || gralloc_buffer_describe(buf, &info)) {
		test_failed_flag = true;
	} else if (drmPrimeFDToHandle(drm, info.fds[0], &handle)) {
		int err = errno;

		/* The platform notes say 6.12's virtio-gpu refuses foreign
		 * dma-bufs with ENODEV; anything else is news, not a failure. */
		printf("# virtio-gpu import of a system-heap buffer: %s%s\n", strerror(err),
		       err == ENODEV ? " (as documented)" : " (NOT the documented ENODEV)");
	} else {
		printf("# virtio-gpu imported a system-heap buffer (handle %u): the platform "
		       "notes say it cannot; record this\n", handle);
		gem_close(drm, handle);
	}
	gralloc_device_destroy(dev);
	close(drm);
}

int main(void)
{
	return test_run_all();
}
