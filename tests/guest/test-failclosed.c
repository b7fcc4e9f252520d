/* SPDX-License-Identifier: MIT */
/* Issue #11 on a real kernel: protected memory checked by device number
 * and by the kernel's exporter name, a per-allocation limit below the OOM
 * killer, an unprivileged user getting what explain says, no DRM master
 * kept, KMS errors that surface, consumers that know their size limits,
 * and a multi-page foreign-import probe. The kernel is the oracle:
 * fdinfo's exp_name, drmIsMaster, AddFB2 and a real atomic commit. */
#include <grp.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <drm_fourcc.h>
#include <xf86drmMode.h>

#include "gralloc/consumer.h"
#include "gralloc/gralloc.h"
#include "gralloc/handle.h"
#include "gralloc/kms.h"
#include "guest.h"

#define NOBODY 65534

static const char *gralloc_tool; /* argv[1]: the gralloc command, if built */
static const char *as_user;      /* argv[2]: tests/common/as-user.py */

static struct gralloc_device *device_with(const char *config, const char *heap_dir,
					  const char *display)
{
	struct gralloc_device_options o = { 0 };
	struct gralloc_device *dev;
	char conf[64] = "";

	if (config && guest_write_config(conf, sizeof(conf), config))
		return NULL;
	o.config_path = config ? conf : NULL;
	o.heap_dir = heap_dir;
	o.display_path = display;
	dev = gralloc_device_create(&o);
	if (!dev)
		printf("#   device: %s (%s)\n", strerror(errno), gralloc_last_error());
	if (config)
		unlink(conf);
	return dev;
}

static struct gralloc_buffer *alloc(struct gralloc_device *dev, uint32_t w, uint32_t h,
				    uint32_t layers, uint64_t usage)
{
	struct gralloc_buffer_desc d = {
		.width = w, .height = h, .format = DRM_FORMAT_XRGB8888, .layer_count = layers,
		.usage = usage, .name = "fc",
	};

	return gralloc_buffer_allocate(dev, &d);
}

/* The selected candidate of an explanation as "backend/heap" ("" if none). */
static void selected(struct gralloc_explanation *e, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < gralloc_explanation_count(e); i++) {
		struct gralloc_candidate c;

		if (!gralloc_explanation_get(e, i, &c) && c.verdict == GRALLOC_VERDICT_SELECTED)
			snprintf(out, len, "%s/%s", c.backend, c.heap);
	}
}

static const char *reason_of(struct gralloc_explanation *e, const char *backend,
			     const char *heap)
{
	for (size_t i = 0; i < gralloc_explanation_count(e); i++) {
		struct gralloc_candidate c;

		if (!gralloc_explanation_get(e, i, &c) && !strcmp(c.backend, backend) &&
		    !strcmp(c.heap, heap))
			return c.reason;
	}
	return "";
}

static bool any_reason_has(struct gralloc_explanation *e, const char *needle)
{
	for (size_t i = 0; i < gralloc_explanation_count(e); i++) {
		struct gralloc_candidate c;

		if (!gralloc_explanation_get(e, i, &c) && strstr(c.reason, needle))
			return true;
	}
	return false;
}

/* A private heap directory holding `name` as a second node of the system
 * heap (same device number): what a renamed or copied node looks like. */
static int fake_heap_dir(char *dir, size_t len, const char *const *names, size_t n)
{
	struct stat st;

	if (stat(GUEST_SYSTEM_HEAP, &st) < 0)
		return -errno;
	snprintf(dir, len, "/tmp/gralloc-fc-XXXXXX");
	if (!mkdtemp(dir))
		return -errno;
	for (size_t i = 0; i < n; i++) {
		char path[256];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (mknod(path, S_IFCHR | 0600, st.st_rdev))
			return -errno;
	}
	return 0;
}

static void remove_heap_dir(const char *dir, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char path[256];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

TEST(secure_name_on_the_system_heap_is_refused)
{
	static const char *const both[] = { "system", "vault" };
	static const char *const alone[] = { "vault" };
	const uint64_t usage = GRALLOC_USAGE_PROTECTED_CONTENT | GRALLOC_USAGE_GPU_TEXTURE;
	struct gralloc_explanation *e;
	struct gralloc_device *dev;
	char dir[64], sel[160];

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	/* Said in the file: refused at its line. */
	errno = 0;
	CHECK(!device_with("heap vault kind=secure node=system\norder protected vault\n",
			   NULL, NULL));
	CHECK_EQ(errno, EINVAL);
	CHECK(!device_with("heap system-secure kind=secure node=system\n", NULL, NULL));

	/* A second node of the system heap: the same st_rdev as "system". */
	CHECK_EQ(fake_heap_dir(dir, sizeof(dir), both, 2), 0);
	dev = device_with("heap vault kind=secure\norder protected vault\n", dir, NULL);
	CHECK(dev);
	e = gralloc_explain(dev, &(struct gralloc_buffer_desc){
		.width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .usage = usage,
	});
	CHECK(e);
	selected(e, sel, sizeof(sel));
	CHECK_STR(sel, "");
	CHECK(strstr(reason_of(e, "dma-heap", "vault"), "same device as non-secure heap"));
	gralloc_explanation_destroy(e);
	errno = 0;
	CHECK(!alloc(dev, 64, 64, 1, usage));
	CHECK_EQ(errno, EPERM);
	gralloc_device_destroy(dev);
	remove_heap_dir(dir, both, 2);

	/* No "system" node to compare with: the kernel's exporter name
	 * ("system", not "vault") is what refuses the memory. */
	CHECK_EQ(fake_heap_dir(dir, sizeof(dir), alone, 1), 0);
	dev = device_with("heap vault kind=secure\norder protected vault\n", dir, NULL);
	CHECK(dev);
	errno = 0;
	CHECK(!alloc(dev, 64, 64, 1, usage));
	CHECK_EQ(errno, EPERM);
	gralloc_device_destroy(dev);
	remove_heap_dir(dir, alone, 1);
}

TEST(protected_handle_import_checks_the_exporter)
{
	struct gralloc_device *producer, *consumer;
	struct gralloc_buffer_info info;
	struct gralloc_buffer *buf, *imp;
	unsigned char bytes[GRALLOC_WIRE_SIZE];
	char exp[64];

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	producer = device_with(NULL, NULL, NULL);
	consumer = device_with("heap system-secure kind=secure\n", NULL, NULL);
	CHECK(producer && consumer);
	buf = alloc(producer, 64, 64, 1, GRALLOC_USAGE_GPU_TEXTURE);
	CHECK(buf);
	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	CHECK_STR(info.backend, "dma-heap");
	CHECK_EQ(guest_fdinfo(info.fds[0], "exp_name", exp, sizeof(exp)), 0);
	CHECK_STR(exp, "system");
	/* As it is, the handle imports. */
	CHECK(gralloc_handle_encode(&info, bytes, sizeof(bytes)) > 0);
	imp = gralloc_handle_import(consumer, bytes, sizeof(bytes), info.fds, info.num_fds);
	CHECK(imp);
	gralloc_buffer_free(consumer, imp);
	/* The same system-heap dma-buf claiming to be protected secure memory. */
	info.usage |= GRALLOC_USAGE_PROTECTED_CONTENT;
	snprintf(info.heap, sizeof(info.heap), "system-secure");
	CHECK(gralloc_handle_encode(&info, bytes, sizeof(bytes)) > 0);
	errno = 0;
	imp = gralloc_handle_import(consumer, bytes, sizeof(bytes), info.fds, info.num_fds);
	CHECK(!imp);
	CHECK_EQ(errno, EPERM);
	CHECK(strstr(gralloc_last_error(), "exported by 'system'"));
	gralloc_buffer_free(producer, buf);
	gralloc_device_destroy(consumer);
	gralloc_device_destroy(producer);
}

/* In a 2 GiB guest these got the process OOM-killed; now ENOMEM, and the
 * message names the limit. The test surviving is half the proof. */
TEST(allocations_bigger_than_the_limit_fail_with_enomem)
{
	static const struct {
		uint32_t w, h, layers;
		uint64_t usage;
		const char *what;
	} big[] = {
		{ 32768, 32768, 2, GRALLOC_USAGE_GPU_TEXTURE, "8 GiB system heap" },
		{ 24576, 24576, 1, GRALLOC_USAGE_GPU_RENDER_TARGET, "2.25 GiB render target" },
		{ 32768, 32768, 1, GRALLOC_USAGE_SCANOUT, "4 GiB scanout" },
		{ 32768, 32768, 4, GRALLOC_USAGE_CPU_READ_OFTEN, "16 GiB memfd" },
	};
	struct gralloc_device *dev = device_with(NULL, NULL, NULL);
	struct gralloc_buffer *buf;

	CHECK(dev);
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		errno = 0;
		buf = alloc(dev, big[i].w, big[i].h, big[i].layers, big[i].usage);
		if (buf) {
			FAIL_MSG("%s was allocated", big[i].what);
			gralloc_buffer_free(dev, buf);
			continue;
		}
		if (errno != ENOMEM || !strstr(gralloc_last_error(), "per-allocation limit"))
			FAIL_MSG("%s: %s (%s)", big[i].what, strerror(errno), gralloc_last_error());
	}
	/* 64 MiB from the system heap is well inside. */
	buf = alloc(dev, 4096, 4096, 1, GRALLOC_USAGE_GPU_TEXTURE);
	CHECK(buf);
	gralloc_buffer_free(dev, buf);
	gralloc_device_destroy(dev);
}

/* Runs fn in a child as uid/gid 65534 with no groups; its exit status. */
static int as_nobody(int (*fn)(void *), void *arg)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY)) {
			printf("#   cannot become uid %d: %s\n", NOBODY, strerror(errno));
			_exit(2);
		}
		fflush(stdout);
		_exit(fn(arg));
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct nobody_case {
	uint64_t usage;
	const char *expect_backend; /* "" = nothing usable */
	const char *expect_in_reason;
};

#define NOBODY_FAIL(...)                                                      \
	do {                                                                  \
		printf("#   [uid 65534] " __VA_ARGS__);                           \
		printf("\n");                                                 \
		return 1;                                                     \
	} while (0)

/* Explain and allocation agree for this user, and a refusal names the
 * node and the fix. */
static int nobody_explain_is_allocate(void *arg)
{
	const struct nobody_case *t = arg;
	struct gralloc_buffer_desc d = {
		.width = 256, .height = 256, .format = DRM_FORMAT_XRGB8888, .layer_count = 1,
		.usage = t->usage,
	};
	struct gralloc_device *dev = gralloc_device_create(NULL);
	struct gralloc_explanation *e;
	struct gralloc_buffer_info info;
	struct gralloc_buffer *buf;
	char sel[160], got[160] = "";

	if (getuid() != NOBODY || geteuid() != NOBODY)
		NOBODY_FAIL("not running unprivileged");
	if (!dev)
		NOBODY_FAIL("device: %s", gralloc_last_error());
	e = gralloc_explain(dev, &d);
	if (!e)
		NOBODY_FAIL("explain: %s", gralloc_last_error());
	selected(e, sel, sizeof(sel));
	if (!strstr(reason_of(e, "dma-heap", "system"),
		    "/dev/dma_heap/system: Permission denied") ||
	    !strstr(reason_of(e, "dma-heap", "system"), "docs/permissions.md"))
		NOBODY_FAIL("dma-heap/system reason: %s", reason_of(e, "dma-heap", "system"));
	buf = gralloc_buffer_allocate(dev, &d);
	if (buf && !gralloc_buffer_describe(buf, &info))
		snprintf(got, sizeof(got), "%s/%s", info.backend, info.heap);
	printf("#   [uid 65534] explain selected '%s', allocation got '%s'%s%s\n", sel, got,
	       buf ? "" : ": ", buf ? "" : gralloc_last_error());
	if (strcmp(sel, got))
		NOBODY_FAIL("explain and allocation disagree");
	if (strncmp(got, t->expect_backend, strlen(t->expect_backend)) ||
	    (!t->expect_backend[0] && got[0]))
		NOBODY_FAIL("expected %s", t->expect_backend[0] ? t->expect_backend : "nothing");
	if (!buf && !strstr(gralloc_last_error(), t->expect_in_reason))
		NOBODY_FAIL("the error does not name %s", t->expect_in_reason);
	gralloc_buffer_free(dev, buf);
	gralloc_explanation_destroy(e);
	gralloc_device_destroy(dev);
	return 0;
}

TEST(unprivileged_user_gets_what_explain_says)
{
	struct nobody_case dma = { GRALLOC_USAGE_GPU_TEXTURE | GRALLOC_USAGE_CPU_WRITE_OFTEN, "",
				   "Permission denied" };
	struct nobody_case cpu = { GRALLOC_USAGE_CPU_READ_OFTEN, "memfd", "" };
	struct nobody_case uaccess = { GRALLOC_USAGE_GPU_TEXTURE | GRALLOC_USAGE_CPU_WRITE_OFTEN,
				       "udmabuf", "" };
	struct stat st;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	GUEST_REQUIRE_CHR("/dev/udmabuf");
	CHECK_EQ(stat("/dev/udmabuf", &st), 0);
	/* The kernel's defaults: root-only nodes. */
	CHECK_EQ(as_nobody(nobody_explain_is_allocate, &dma), 0);
	CHECK_EQ(as_nobody(nobody_explain_is_allocate, &cpu), 0);
	/* What systemd's uaccess tag gives the seat's user: udmabuf only. */
	CHECK_EQ(chmod("/dev/udmabuf", 0666), 0);
	CHECK_EQ(as_nobody(nobody_explain_is_allocate, &uaccess), 0);
	CHECK_EQ(chmod("/dev/udmabuf", st.st_mode & 07777), 0);
}

static int nobody_display_reason(void *arg)
{
	struct gralloc_device_options o = { .display_path = arg };
	struct gralloc_device *dev = gralloc_device_create(&o);
	char why[512];
	int ret = 1;

	for (size_t i = 0; dev && i < gralloc_backend_count(); i++) {
		if (strcmp(gralloc_backend_name(i), "drm-dumb"))
			continue;
		if (gralloc_device_backend_status(dev, i, why, sizeof(why)) &&
		    strstr(why, (const char *)arg) && strstr(why, "Permission denied") &&
		    strstr(why, "permissions.md"))
			ret = 0;
		else
			printf("#   [uid 65534] drm-dumb status: %s\n", why);
	}
	gralloc_device_destroy(dev);
	return ret;
}

TEST(unprivileged_display_error_names_the_node)
{
	char path[64];

	if (guest_drm_path("vkms", path, sizeof(path))) {
		guest_missing("no vkms card");
		return;
	}
	CHECK_EQ(as_nobody(nobody_display_reason, path), 0);
}

/* A client holding gralloc scanout buffers (drm-dumb memory of
 * virtio-gpu, heap memory for vkms: both displays probed) while a KMS
 * program starts: it must become master and commit a mode. */
static int kms_program(const char *driver)
{
	struct drm_mode_create_dumb create = { .width = 64, .height = 64, .bpp = 32 };
	struct modeset m;
	uint32_t fb = 0;
	char path[64];
	int fd, ret;

	if (guest_drm_path(driver, path, sizeof(path)))
		return -ENODEV;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = drmSetMaster(fd) ? -errno : 0;
	if (ret || !drmIsMaster(fd)) {
		printf("#   %s: the KMS program cannot become master: %s\n", driver,
		       strerror(-ret));
		close(fd);
		return ret ? ret : -EBUSY;
	}
	ret = modeset_init(&m, fd);
	if (!ret)
		ret = drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) ? -errno : 0;
	if (!ret) {
		create.width = m.mode.hdisplay;
		create.height = m.mode.vdisplay;
		ret = drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) ? -errno : 0;
	}
	if (!ret)
		ret = drmModeAddFB(fd, create.width, create.height, 24, 32, create.pitch,
				   create.handle, &fb) ? -errno : 0;
	if (!ret)
		ret = modeset_show(&m, fb, false);
	if (ret)
		printf("#   %s: atomic commit as master: %s\n", driver, strerror(-ret));
	if (fb)
		drmModeRmFB(fd, fb);
	modeset_finish(&m);
	close(fd);
	return ret;
}

TEST(kms_program_starts_while_gralloc_holds_scanout_buffers)
{
	char vkms[64], virtio[64];
	int ready[2], done[2];
	pid_t pid;
	char c;

	if (guest_drm_path("vkms", vkms, sizeof(vkms)) ||
	    guest_drm_path("virtio_gpu", virtio, sizeof(virtio))) {
		guest_missing("no vkms or virtio-gpu card");
		return;
	}
	CHECK_EQ(pipe2(ready, O_CLOEXEC), 0);
	CHECK_EQ(pipe2(done, O_CLOEXEC), 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* The default display, and each one by name. */
		close(ready[0]);
		close(done[1]); /* or the read below never sees EOF */
		struct gralloc_device *def = gralloc_device_create(NULL);
		struct gralloc_device *vk = device_with(NULL, NULL, vkms);
		struct gralloc_device *vg = device_with(NULL, NULL, virtio);
		struct gralloc_buffer *a =
			def ? alloc(def, 256, 256, 1, GRALLOC_USAGE_SCANOUT) : NULL;
		struct gralloc_buffer *b =
			vk ? alloc(vk, 256, 256, 1, GRALLOC_USAGE_SCANOUT) : NULL;
		struct gralloc_buffer *g =
			vg ? alloc(vg, 256, 256, 1, GRALLOC_USAGE_SCANOUT) : NULL;
		struct gralloc_buffer_info info;

		c = a && b && g ? 'y' : 'n';
		/* virtio-gpu cannot import: its buffers are its own (dumb ones in
		 * 2D, virgl resources with 3D). */
		const char *gpu = getenv("GRALLOC_VM_GPU");
		const char *own = gpu && !strcmp(gpu, "virgl") ? "virgl" : "drm-dumb";

		if (g && (gralloc_buffer_describe(g, &info) || strcmp(info.backend, own))) {
			printf("#   holder: virtio-gpu scanout buffer is not %s\n", own);
			c = 'n';
		}
		if (c == 'n')
			printf("#   holder: %s\n", gralloc_last_error());
		fflush(stdout);
		(void)!write(ready[1], &c, 1);
		(void)!read(done[0], &c, 1); /* until the parent closes it */
		gralloc_buffer_free(def, a);
		gralloc_buffer_free(vk, b);
		gralloc_buffer_free(vg, g);
		gralloc_device_destroy(vg);
		gralloc_device_destroy(vk);
		gralloc_device_destroy(def);
		_exit(0);
	}
	close(ready[1]);
	close(done[0]);
	CHECK(pid > 0);
	c = 'n';
	(void)!read(ready[0], &c, 1);
	close(ready[0]);
	if (c == 'y') {
		CHECK_EQ(kms_program("vkms"), 0);
		CHECK_EQ(kms_program("virtio_gpu"), 0);
	} else {
		FAIL_MSG("the holder could not allocate scanout buffers");
	}
	close(done[1]);
	waitpid(pid, NULL, 0);
}

TEST(kms_create_never_keeps_master)
{
	struct gralloc_kms *kms;
	int fd = guest_open_drm("vkms");

	if (fd < 0) {
		guest_missing("no vkms card");
		return;
	}
	/* The caller's fd gives master up; gralloc's reopen must not take it. */
	CHECK_EQ(drmDropMaster(fd), 0);
	kms = gralloc_kms_create(fd);
	CHECK(kms);
	CHECK(!drmIsMaster(gralloc_kms_get_fd(kms)));
	CHECK_EQ(drmSetMaster(fd), 0);
	gralloc_kms_destroy(kms);
	close(fd);
}

static uint32_t first_primary_plane(int fd)
{
	drmModePlaneResPtr res;
	uint32_t id = 0;

	drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	res = drmModeGetPlaneResources(fd);
	for (uint32_t i = 0; res && !id && i < res->count_planes; i++) {
		drmModeObjectPropertiesPtr props =
			drmModeObjectGetProperties(fd, res->planes[i], DRM_MODE_OBJECT_PLANE);

		for (uint32_t p = 0; props && p < props->count_props; p++) {
			drmModePropertyPtr prop = drmModeGetProperty(fd, props->props[p]);

			if (prop && !strcmp(prop->name, "type") &&
			    props->prop_values[p] == DRM_PLANE_TYPE_PRIMARY)
				id = res->planes[i];
			drmModeFreeProperty(prop);
		}
		drmModeFreeObjectProperties(props);
	}
	drmModeFreePlaneResources(res);
	return id;
}

TEST(kms_errors_surface)
{
	struct gralloc_device *dev;
	struct gralloc_kms *kms;
	struct gralloc_buffer *buf;
	struct gralloc_buffer_info info;
	struct drm_gem_close close_args = { 0 };
	uint32_t fb;
	char path[64];
	int fd;

	if (guest_drm_path("vkms", path, sizeof(path))) {
		guest_missing("no vkms card");
		return;
	}
	dev = device_with(NULL, NULL, path);
	kms = gralloc_kms_open(path);
	CHECK(dev && kms);
	fd = gralloc_kms_get_fd(kms);
	buf = alloc(dev, 64, 64, 1, GRALLOC_USAGE_SCANOUT);
	CHECK(buf);
	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);

	/* The framebuffer removed behind gralloc's back: RMFB fails. */
	CHECK_EQ(gralloc_kms_add_framebuffer(kms, buf, &fb), 0);
	CHECK_EQ(drmModeRmFB(fd, fb), 0);
	errno = 0;
	CHECK(gralloc_kms_remove_framebuffer(kms, buf) < 0);
	CHECK(errno != 0);
	CHECK(strstr(gralloc_last_error(), "RMFB"));
	CHECK_EQ(gralloc_kms_gem_handle_count(kms), 0);

	/* The GEM handle closed behind its back: GEM_CLOSE fails. */
	CHECK_EQ(gralloc_kms_add_framebuffer(kms, buf, &fb), 0);
	CHECK_EQ(drmPrimeFDToHandle(fd, info.fds[0], &close_args.handle), 0);
	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &close_args), 0);
	errno = 0;
	CHECK(gralloc_kms_remove_framebuffer(kms, buf) < 0);
	CHECK(strstr(gralloc_last_error(), "GEM_CLOSE"));
	CHECK_EQ(gralloc_kms_gem_handle_count(kms), 0);

	/* And the normal path still says 0. */
	CHECK_EQ(gralloc_kms_add_framebuffer(kms, buf, &fb), 0);
	CHECK_EQ(gralloc_kms_remove_framebuffer(kms, buf), 0);
	gralloc_buffer_free(dev, buf);
	gralloc_kms_destroy(kms);
	gralloc_device_destroy(dev);
}

/* A device whose display is the card `driver` drives, that card open for
 * KMS, and its first primary plane as a consumer. */
struct plane_rig {
	struct gralloc_device *dev;
	struct gralloc_kms *kms;
	struct gralloc_consumer *plane;
};

/* False when the card is missing (the test is skipped) or a part could
 * not be made (failed); plane_rig_fini() then cleans up either way. */
static bool plane_rig_init(struct plane_rig *r, const char *driver)
{
	char path[64];

	memset(r, 0, sizeof(*r));
	if (guest_drm_path(driver, path, sizeof(path))) {
		guest_missing("no %s card", driver);
		return false;
	}
	r->dev = device_with(NULL, NULL, path);
	r->kms = gralloc_kms_open(path);
	if (r->dev && r->kms)
		r->plane = gralloc_consumer_create_kms_plane(
			r->kms, first_primary_plane(gralloc_kms_get_fd(r->kms)), r->dev);
	if (!r->plane)
		FAIL_MSG("%s: device, KMS or plane consumer: %s", driver, gralloc_last_error());
	return r->plane != NULL;
}

static void plane_rig_fini(struct plane_rig *r)
{
	gralloc_consumer_destroy(r->plane);
	gralloc_kms_destroy(r->kms);
	gralloc_device_destroy(r->dev);
}

static void check_size_limits(struct plane_rig *r)
{
	static const uint32_t bad[][2] = { { 1, 1 }, { 9, 64 }, { 64, 9 }, { 8193, 16 },
					  { 16, 8193 } };
	static const uint32_t good[][2] = { { 10, 10 }, { 8192, 16 }, { 16, 8192 } };
	struct gralloc_device *dev = r->dev;
	struct gralloc_consumer *plane = r->plane;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct gralloc_buffer_desc d = {
			.width = bad[i][0], .height = bad[i][1], .format = DRM_FORMAT_XRGB8888,
			.layer_count = 1,
		};

		errno = 0;
		if (gralloc_buffer_allocate_for(dev, &d, &plane, 1) || errno != EINVAL ||
		    !strstr(gralloc_last_error(), gralloc_consumer_name(plane)) ||
		    !strstr(gralloc_last_error(), "10x10 to 8192x8192"))
			FAIL_MSG("%ux%u: allocate_for did not refuse naming the plane (%s)",
				 bad[i][0], bad[i][1], gralloc_last_error());
		if (gralloc_explain_for(dev, &d, &plane, 1))
			FAIL_MSG("%ux%u: explain_for accepted it", bad[i][0], bad[i][1]);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct gralloc_buffer_desc d = {
			.width = good[i][0], .height = good[i][1],
			.format = DRM_FORMAT_XRGB8888, .layer_count = 1,
		};
		struct gralloc_buffer *buf = gralloc_buffer_allocate_for(dev, &d, &plane, 1);
		uint32_t fb;

		if (!buf) {
			FAIL_MSG("%ux%u refused: %s", good[i][0], good[i][1], gralloc_last_error());
			continue;
		}
		/* The kernel agrees: AddFB2 takes it. */
		if (gralloc_kms_add_framebuffer(r->kms, buf, &fb))
			FAIL_MSG("%ux%u: AddFB2: %s", good[i][0], good[i][1], gralloc_last_error());
		gralloc_buffer_free(dev, buf);
	}
}

TEST(kms_plane_consumer_knows_size_limits)
{
	struct plane_rig r;

	if (plane_rig_init(&r, "vkms"))
		check_size_limits(&r);
	plane_rig_fini(&r);
}

/* The probe that decides "this display cannot import" uses many pages:
 * one page is contiguous by nature and proves nothing. */
static void check_probe_pages(struct plane_rig *r)
{
	struct gralloc_buffer_desc d = {
		.width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .layer_count = 1,
	};
	struct gralloc_explanation *e;

	CHECK(!gralloc_consumer_imports_foreign(r->plane));
	e = gralloc_explain_for(r->dev, &d, &r->plane, 1);
	CHECK(e);
	if (!any_reason_has(e, "PRIME import of 64 pages"))
		FAIL_MSG("no reason of the plan names a PRIME import of 64 pages");
	gralloc_explanation_destroy(e);
}

TEST(foreign_import_probe_is_multi_page)
{
	struct plane_rig r;

	if (plane_rig_init(&r, "virtio_gpu"))
		check_probe_pages(&r);
	plane_rig_fini(&r);
}

/* `gralloc info` as uid 65534: a root-only heap is "no access", not
 * "usable", and the display's problem is the permission, not "no KMS
 * device". */
TEST(unprivileged_info_names_the_cause)
{
	static char out[16384];
	size_t used = 0;
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	if (!gralloc_tool || !gralloc_tool[0] || !as_user) {
		test_skip("built without the gralloc tool");
		return;
	}
	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	CHECK_EQ(pipe2(pipefd, O_CLOEXEC), 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		/* as-user.py: the checkout may be unreadable to that user. */
		execlp("python3", "python3", as_user, "65534", gralloc_tool, "info", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while (used < sizeof(out) - 1 &&
	       (n = read(pipefd[0], out + used, sizeof(out) - 1 - used)) > 0)
		used += (size_t)n;
	out[used] = '\0';
	close(pipefd[0]);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	if (!strstr(out, "no access") || strstr(out, "no KMS device") ||
	    !strstr(out, "Permission denied")) {
		for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
			printf("#   | %s\n", line);
		FAIL_MSG("gralloc info as uid 65534 does not name the permission");
	}
}

int main(int argc, char **argv)
{
	gralloc_tool = argc > 1 ? argv[1] : NULL;
	as_user = argc > 2 ? argv[2] : NULL;
	return test_run_all();
}
