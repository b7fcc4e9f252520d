/* SPDX-License-Identifier: MIT */
/* Drives the whole gbm.h API on one device node and prints one line per
 * result ("key value"), so that two runs (Mesa's backend, ours) can be
 * compared by conformance.py. It judges nothing itself beyond what it
 * measures: values, errnos, and read-back checks that say "ok" or why not.
 *
 *   gbm-conformance /dev/dri/card0
 *
 * Which backend runs is the loader's choice (GBM_BACKEND,
 * GBM_BACKENDS_PATH, GRALLOC_GBM_MODE), never this program's. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <gbm.h>
#include <xf86drm.h>

#define OUT(key, ...)                         \
	do {                                  \
		printf("%s ", key);           \
		printf(__VA_ARGS__);          \
		printf("\n");                 \
	} while (0)

static const char *err_name(int e)
{
	static char buf[32];

	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case ENOSYS: return "ENOSYS";
	case EACCES: return "EACCES";
	case ENOMEM: return "ENOMEM";
	case ENODEV: return "ENODEV";
	case EPERM: return "EPERM";
	case ENOTSUP: return "ENOTSUP";
	default:
		snprintf(buf, sizeof(buf), "errno%d", e);
		return buf;
	}
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* Result of a create: "ok" or "fail ERRNO". */
static void report_create(const char *key, struct gbm_bo *bo, int err)
{
	if (bo)
		OUT(key, "ok");
	else
		OUT(key, "fail %s", err_name(err));
}

static struct gbm_bo *create(struct gbm_device *gbm, const char *key, uint32_t w, uint32_t h,
			     uint32_t format, uint32_t flags)
{
	struct gbm_bo *bo;

	errno = 0;
	bo = gbm_bo_create(gbm, w, h, format, flags);
	report_create(key, bo, errno);
	return bo;
}

static void destroy(struct gbm_bo *bo)
{
	if (bo)
		gbm_bo_destroy(bo);
}

static void describe(const char *p, struct gbm_bo *bo, struct gbm_device *gbm)
{
	char key[128];
	int planes;

#define K(s) (snprintf(key, sizeof(key), "%s.%s", p, s), key)
	OUT(K("width"), "%u", gbm_bo_get_width(bo));
	OUT(K("height"), "%u", gbm_bo_get_height(bo));
	OUT(K("format"), "0x%08x", gbm_bo_get_format(bo));
	OUT(K("bpp"), "%u", gbm_bo_get_bpp(bo));
	OUT(K("stride_ge_row"), "%s", gbm_bo_get_stride(bo) >= gbm_bo_get_width(bo) *
		gbm_bo_get_bpp(bo) / 8 ? "yes" : "no");
	OUT(K("stride_is_plane0"), "%s",
	    gbm_bo_get_stride(bo) == gbm_bo_get_stride_for_plane(bo, 0) ? "yes" : "no");
	OUT(K("offset0"), "%u", gbm_bo_get_offset(bo, 0));
	OUT(K("device"), "%s", gbm_bo_get_device(bo) == gbm ? "same" : "other");
	OUT(K("modifier"), "0x%llx", (unsigned long long)gbm_bo_get_modifier(bo));
	planes = gbm_bo_get_plane_count(bo);
	OUT(K("planes"), "%d", planes);
	OUT(K("handle_nonzero"), "%s", gbm_bo_get_handle(bo).u32 ? "yes" : "no");
	OUT(K("handle_is_plane0"), "%s",
	    gbm_bo_get_handle(bo).u32 == gbm_bo_get_handle_for_plane(bo, 0).u32 ? "yes" : "no");
	errno = 0;
	OUT(K("stride_bad_plane"), "%u %s", gbm_bo_get_stride_for_plane(bo, planes),
	    err_name(errno));
	errno = 0;
	OUT(K("fd_bad_plane"), "%d", gbm_bo_get_fd_for_plane(bo, planes) < 0 ? -1 : 0);
#undef K
}

/* A byte pattern, so that a read-back proves the same memory. */
static uint8_t pattern(uint32_t x, uint32_t y)
{
	return (uint8_t)(x * 7 + y * 13 + 1);
}

static const char *map_write_read(struct gbm_bo *bo)
{
	uint32_t w = gbm_bo_get_width(bo), h = gbm_bo_get_height(bo), stride;
	void *data = NULL;
	uint8_t *p = gbm_bo_map(bo, 0, 0, w, h, GBM_BO_TRANSFER_WRITE, &stride, &data);

	if (!p)
		return "write-map-failed";
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w * 4; x++)
			p[y * stride + x] = pattern(x, y);
	gbm_bo_unmap(bo, data);
	data = NULL;
	p = gbm_bo_map(bo, 0, 0, w, h, GBM_BO_TRANSFER_READ, &stride, &data);
	if (!p)
		return "read-map-failed";
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w * 4; x++)
			if (p[y * stride + x] != pattern(x, y)) {
				gbm_bo_unmap(bo, data);
				return "mismatch";
			}
	gbm_bo_unmap(bo, data);
	/* A region: the pointer is at (x, y). */
	p = gbm_bo_map(bo, 3, 2, 4, 4, GBM_BO_TRANSFER_READ, &stride, &data);
	if (!p)
		return "region-map-failed";
	if (p[0] != pattern(3 * 4, 2)) {
		gbm_bo_unmap(bo, data);
		return "region-mismatch";
	}
	gbm_bo_unmap(bo, data);
	return "ok";
}

/* The pattern as seen through the bo's dma-buf: the same memory. */
static const char *check_via_fd(struct gbm_bo *bo)
{
	uint32_t w = gbm_bo_get_width(bo), h = gbm_bo_get_height(bo);
	uint32_t stride = gbm_bo_get_stride(bo);
	int fd = gbm_bo_get_fd(bo);
	size_t len = (size_t)stride * h;
	const char *res = "ok";
	uint8_t *p;

	if (fd < 0)
		return "no-fd";
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return "mmap-failed";
	}
	for (uint32_t y = 0; y < h && !strcmp(res, "ok"); y++)
		for (uint32_t x = 0; x < w * 4; x++)
			if (p[y * stride + x] != pattern(x, y)) {
				res = "mismatch";
				break;
			}
	munmap(p, len);
	close(fd);
	return res;
}

static int destroyed;
static void user_destroy(struct gbm_bo *bo, void *data)
{
	(void)bo;
	destroyed += data == &destroyed;
}

static void test_imports(struct gbm_device *gbm, struct gbm_bo *src)
{
	int fd = gbm_bo_get_fd(src), ro = -1;
	struct gbm_import_fd_data fdd = {
		.fd = fd, .width = gbm_bo_get_width(src), .height = gbm_bo_get_height(src),
		.stride = gbm_bo_get_stride(src), .format = gbm_bo_get_format(src),
	};
	struct gbm_import_fd_modifier_data mod = {
		.width = fdd.width, .height = fdd.height, .format = fdd.format, .num_fds = 1,
		.fds = { fd }, .strides = { (int)fdd.stride }, .offsets = { 0 },
		.modifier = DRM_FORMAT_MOD_LINEAR,
	};
	struct gbm_bo *bo;
	uint32_t stride;
	void *data = NULL;
	uint8_t *p;

	errno = 0;
	bo = gbm_bo_import(gbm, GBM_BO_IMPORT_FD, &fdd, 0);
	report_create("import.fd", bo, errno);
	if (bo) {
		OUT("import.fd.same_stride", "%s", gbm_bo_get_stride(bo) == fdd.stride ? "yes" : "no");
		OUT("import.fd.same_handle", "%s",
		    gbm_bo_get_handle(bo).u32 == gbm_bo_get_handle(src).u32 ? "yes" : "no");
		OUT("import.fd.readback", "%s", check_via_fd(bo));
		destroy(bo);
	}
	errno = 0;
	bo = gbm_bo_import(gbm, GBM_BO_IMPORT_FD_MODIFIER, &mod, 0);
	report_create("import.fd_modifier", bo, errno);
	if (bo) {
		OUT("import.fd_modifier.modifier", "0x%llx",
		    (unsigned long long)gbm_bo_get_modifier(bo));
		p = gbm_bo_map(bo, 0, 0, fdd.width, fdd.height, GBM_BO_TRANSFER_READ, &stride, &data);
		OUT("import.fd_modifier.map_read", "%s", p && p[0] == pattern(0, 0) ? "ok" : "fail");
		if (p)
			gbm_bo_unmap(bo, data);
		destroy(bo);
	}
	/* A dma-buf exported without DRM_RDWR is read-only. */
	if (drmPrimeHandleToFD(gbm_device_get_fd(gbm), gbm_bo_get_handle(src).u32, DRM_CLOEXEC,
			       &ro) == 0) {
		fdd.fd = ro;
		errno = 0;
		bo = gbm_bo_import(gbm, GBM_BO_IMPORT_FD, &fdd, 0);
		report_create("import.readonly", bo, errno);
		if (bo) {
			data = NULL;
			p = gbm_bo_map(bo, 0, 0, 4, 4, GBM_BO_TRANSFER_READ, &stride, &data);
			OUT("import.readonly.map_read", "%s", p && p[0] == pattern(0, 0) ? "ok" : "fail");
			if (p)
				gbm_bo_unmap(bo, data);
			data = NULL;
			errno = 0;
			p = gbm_bo_map(bo, 0, 0, 4, 4, GBM_BO_TRANSFER_WRITE, &stride, &data);
			OUT("import.readonly.map_write", "%s", p ? "mapped" : "refused");
			if (p)
				gbm_bo_unmap(bo, data);
			destroy(bo);
		}
		close(ro);
	} else {
		OUT("import.readonly", "no-prime-export %s", err_name(errno));
	}
	/* Disjoint planes: NV12 with Y and UV in two dma-bufs. */
	{
		struct gbm_bo *y = gbm_bo_create(gbm, 64, 64, GBM_FORMAT_R8, GBM_BO_USE_LINEAR);
		struct gbm_bo *uv = gbm_bo_create(gbm, 32, 32, GBM_FORMAT_GR88, GBM_BO_USE_LINEAR);
		struct gbm_import_fd_modifier_data nv = {
			.width = 64, .height = 64, .format = GBM_FORMAT_NV12, .num_fds = 2,
			.modifier = DRM_FORMAT_MOD_LINEAR,
		};

		if (y && uv) {
			nv.fds[0] = gbm_bo_get_fd(y);
			nv.fds[1] = gbm_bo_get_fd(uv);
			nv.strides[0] = (int)gbm_bo_get_stride(y);
			nv.strides[1] = (int)gbm_bo_get_stride(uv);
			errno = 0;
			bo = gbm_bo_import(gbm, GBM_BO_IMPORT_FD_MODIFIER, &nv, 0);
			report_create("import.disjoint_nv12", bo, errno);
			if (bo) {
				OUT("import.disjoint_nv12.planes", "%d", gbm_bo_get_plane_count(bo));
				OUT("import.disjoint_nv12.two_fds", "%s",
				    gbm_bo_get_handle_for_plane(bo, 0).u32 !=
				    gbm_bo_get_handle_for_plane(bo, 1).u32 ? "yes" : "no");
				destroy(bo);
			}
			close(nv.fds[0]);
			close(nv.fds[1]);
		} else {
			OUT("import.disjoint_nv12", "no-planes %s", err_name(errno));
		}
		destroy(y);
		destroy(uv);
	}
	errno = 0;
	bo = gbm_bo_import(gbm, GBM_BO_IMPORT_WL_BUFFER, (void *)&fdd, 0);
	report_create("import.wl_buffer_bogus", bo, errno);
	destroy(bo);
	close(fd);
}

static void test_fd_churn(struct gbm_bo *bo)
{
	int before = count_fds(), first = gbm_bo_get_fd(bo), second = gbm_bo_get_fd(bo);
	int bad = 0;

	OUT("fd.new_each_call", "%s", first >= 0 && second >= 0 && first != second ? "yes" : "no");
	close(first);
	close(second);
	for (int i = 0; i < 10000; i++) {
		int fd = i & 1 ? gbm_bo_get_fd(bo) : gbm_bo_get_fd_for_plane(bo, 0);

		bad += fd < 0;
		if (fd >= 0)
			close(fd);
	}
	OUT("fd.10k_failures", "%d", bad);
	OUT("fd.10k_growth", "%d", count_fds() - before);
}

int main(int argc, char **argv)
{
	static const uint64_t linear[] = { DRM_FORMAT_MOD_LINEAR };
	static const uint64_t unknown_then_linear[] = { 0x00ffffffffffff01ull, DRM_FORMAT_MOD_LINEAR };
	static const uint64_t unknown_only[] = { 0x00ffffffffffff01ull };
	static const uint64_t x_tiled[] = { I915_FORMAT_MOD_X_TILED };
	struct gbm_format_name_desc name;
	struct gbm_device *gbm;
	struct gbm_surface *s;
	struct gbm_bo *bo;
	int fd, fds_start;

	if (argc != 2) {
		fprintf(stderr, "usage: %s /dev/dri/NODE\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	fds_start = count_fds();
	gbm = gbm_create_device(fd);
	if (!gbm) {
		OUT("device", "fail %s", err_name(errno));
		return 1;
	}
	OUT("device", "ok");
	OUT("device.backend_name", "%s", gbm_device_get_backend_name(gbm));
	OUT("device.fd_same", "%s", gbm_device_get_fd(gbm) == fd ? "yes" : "no");
	OUT("format_name.XR24", "%s", gbm_format_get_name(GBM_FORMAT_XRGB8888, &name));

	OUT("supported.xrgb8888.rendering", "%d",
	    gbm_device_is_format_supported(gbm, GBM_FORMAT_XRGB8888, GBM_BO_USE_RENDERING));
	OUT("supported.xrgb8888.scanout", "%d",
	    gbm_device_is_format_supported(gbm, GBM_FORMAT_XRGB8888,
					   GBM_BO_USE_SCANOUT | GBM_BO_USE_RENDERING));
	OUT("supported.argb8888.cursor_rendering", "%d",
	    gbm_device_is_format_supported(gbm, GBM_FORMAT_ARGB8888,
					   GBM_BO_USE_CURSOR | GBM_BO_USE_RENDERING));
	OUT("supported.nv12.rendering", "%d",
	    gbm_device_is_format_supported(gbm, GBM_FORMAT_NV12, GBM_BO_USE_RENDERING));
	OUT("supported.bogus", "%d",
	    gbm_device_is_format_supported(gbm, 0x20202020, GBM_BO_USE_RENDERING));
	OUT("plane_count.xrgb8888.linear", "%d",
	    gbm_device_get_format_modifier_plane_count(gbm, GBM_FORMAT_XRGB8888,
						       DRM_FORMAT_MOD_LINEAR));
	OUT("plane_count.nv12.linear", "%d",
	    gbm_device_get_format_modifier_plane_count(gbm, GBM_FORMAT_NV12, DRM_FORMAT_MOD_LINEAR));

	bo = create(gbm, "create.xrgb8888.plain", 64, 64, GBM_FORMAT_XRGB8888, 0);
	destroy(bo);
	bo = create(gbm, "create.legacy_enum", 64, 64, GBM_BO_FORMAT_XRGB8888, 0);
	if (bo)
		OUT("create.legacy_enum.format", "0x%08x", gbm_bo_get_format(bo));
	destroy(bo);
	bo = create(gbm, "create.xrgb8888.scanout_rendering", 256, 256, GBM_FORMAT_XRGB8888,
		    GBM_BO_USE_SCANOUT | GBM_BO_USE_RENDERING);
	destroy(bo);
	bo = create(gbm, "create.zero_size", 0, 64, GBM_FORMAT_XRGB8888, 0);
	destroy(bo);
	bo = create(gbm, "create.nv12", 64, 64, GBM_FORMAT_NV12, 0);
	if (bo)
		OUT("create.nv12.planes", "%d", gbm_bo_get_plane_count(bo));
	destroy(bo);
	bo = create(gbm, "create.bogus_flags", 64, 64, GBM_FORMAT_XRGB8888, 1u << 30);
	destroy(bo);

	errno = 0;
	bo = gbm_bo_create_with_modifiers(gbm, 64, 64, GBM_FORMAT_XRGB8888, linear, 1);
	report_create("create_with_modifiers.linear", bo, errno);
	destroy(bo);
	errno = 0;
	bo = gbm_bo_create_with_modifiers(gbm, 64, 64, GBM_FORMAT_XRGB8888, unknown_then_linear, 2);
	report_create("create_with_modifiers.unknown_then_linear", bo, errno);
	if (bo)
		OUT("create_with_modifiers.unknown_then_linear.modifier", "0x%llx",
		    (unsigned long long)gbm_bo_get_modifier(bo));
	destroy(bo);
	errno = 0;
	bo = gbm_bo_create_with_modifiers(gbm, 64, 64, GBM_FORMAT_XRGB8888, unknown_only, 1);
	report_create("create_with_modifiers.unknown_only", bo, errno);
	if (bo)
		OUT("create_with_modifiers.unknown_only.modifier", "0x%llx",
		    (unsigned long long)gbm_bo_get_modifier(bo));
	destroy(bo);
	errno = 0;
	bo = gbm_bo_create_with_modifiers(gbm, 64, 64, GBM_FORMAT_XRGB8888, x_tiled, 1);
	report_create("create_with_modifiers.x_tiled_only", bo, errno);
	destroy(bo);
	errno = 0;
	bo = gbm_bo_create_with_modifiers2(gbm, 64, 64, GBM_FORMAT_XRGB8888, linear, 1,
					   GBM_BO_USE_SCANOUT | GBM_BO_USE_RENDERING);
	report_create("create_with_modifiers2.linear_scanout", bo, errno);
	destroy(bo);

	/* Cursor: gbm_bo_write. */
	bo = create(gbm, "create.cursor", 64, 64, GBM_FORMAT_ARGB8888,
		    GBM_BO_USE_CURSOR | GBM_BO_USE_WRITE);
	if (bo) {
		static uint32_t pixels[64 * 64];

		errno = 0;
		OUT("bo_write.cursor", "%d %s", gbm_bo_write(bo, pixels, sizeof(pixels)),
		    err_name(errno));
		destroy(bo);
	}

	/* The main bo: getters, user data, CPU access, fds, imports. */
	bo = create(gbm, "create.main", 64, 48, GBM_FORMAT_XRGB8888,
		    GBM_BO_USE_RENDERING | GBM_BO_USE_LINEAR);
	if (bo) {
		describe("main", bo, gbm);
		gbm_bo_set_user_data(bo, &destroyed, user_destroy);
		OUT("user_data.get", "%s", gbm_bo_get_user_data(bo) == &destroyed ? "same" : "other");
		OUT("map.write_read", "%s", map_write_read(bo));
		OUT("map.same_as_fd", "%s", check_via_fd(bo));
		test_fd_churn(bo);
		test_imports(gbm, bo);
		gbm_bo_destroy(bo);
		OUT("user_data.destroy_called", "%d", destroyed);
	}

	errno = 0;
	s = gbm_surface_create(gbm, 64, 64, GBM_FORMAT_XRGB8888, GBM_BO_USE_RENDERING);
	OUT("surface.create", "%s", s ? "ok" : err_name(errno));
	/* Only destroy: Mesa's other surface slots belong to EGL. */
	if (s)
		gbm_surface_destroy(s);

	gbm_device_destroy(gbm);
	OUT("fd.leaked_after_destroy", "%d", count_fds() - fds_start);
	close(fd);
	return 0;
}
