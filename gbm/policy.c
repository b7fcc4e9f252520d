/* SPDX-License-Identifier: MIT */
/* Who will use a GBM buffer. gbm.h says only what the caller will do with
 * it (SCANOUT, RENDERING, ...), never who else will: the device's own
 * driver always does, and GRALLOC_GBM_CONSUMERS names the others (a
 * display on another device, the CPU, another process). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>

#include <gralloc/kms.h>

#include "gbm_private.h"

uint32_t gbm_canonical_format(uint32_t format)
{
	if (gbm_gralloc_core && gbm_gralloc_core->v0.format_canonicalize)
		return gbm_gralloc_core->v0.format_canonicalize(format);
	/* The two legacy enum values the loader would canonicalise. */
	if (format == GBM_BO_FORMAT_XRGB8888)
		return DRM_FORMAT_XRGB8888;
	if (format == GBM_BO_FORMAT_ARGB8888)
		return DRM_FORMAT_ARGB8888;
	return format;
}

int gbm_usage_to_gralloc(uint32_t flags, uint64_t *usage)
{
	static const struct {
		uint32_t gbm;
		uint64_t gralloc;
	} map[] = {
		{ GBM_BO_USE_SCANOUT, GRALLOC_USAGE_SCANOUT },
		/* gbm_bo_write() is how cursors get their pixels. */
		{ GBM_BO_USE_CURSOR, GRALLOC_USAGE_CURSOR_PLANE | GRALLOC_USAGE_CPU_WRITE_RARELY },
		{ GBM_BO_USE_RENDERING, GRALLOC_USAGE_GPU_RENDER_TARGET | GRALLOC_USAGE_GPU_TEXTURE },
		{ GBM_BO_USE_WRITE, GRALLOC_USAGE_CPU_WRITE_RARELY },
		{ GBM_BO_USE_LINEAR, GRALLOC_USAGE_LINEAR },
		{ GBM_BO_USE_PROTECTED, GRALLOC_USAGE_PROTECTED_CONTENT },
		{ GBM_BO_USE_FRONT_RENDERING, GRALLOC_USAGE_FRONT_BUFFER },
	};
	uint32_t left = flags;

	*usage = 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (flags & map[i].gbm) {
			*usage |= map[i].gralloc;
			left &= ~map[i].gbm;
		}
	}
	return left ? -EINVAL : 0;
}

bool gbm_modifiers_serve_linear(const uint64_t *modifiers, unsigned count)
{
	bool vendor = false;

	for (unsigned i = 0; i < count; i++) {
		if (modifiers[i] == DRM_FORMAT_MOD_LINEAR || modifiers[i] == DRM_FORMAT_MOD_INVALID)
			return true;
		/* Vendor 0 defines only LINEAR and INVALID: any other value of
		 * it is no modifier at all (waypipe 0.8.4 passes its usage flags
		 * here) and is ignored. */
		vendor |= (modifiers[i] >> 56) != DRM_FORMAT_MOD_VENDOR_NONE;
	}
	return !vendor;
}

bool gbm_modifiers_allow_linear(const uint64_t *modifiers, unsigned count)
{
	if (!count)
		return true;
	for (unsigned i = 0; i < count; i++)
		if (modifiers[i] == DRM_FORMAT_MOD_LINEAR)
			return true;
	return false;
}

/* Mesa renders with kms_swrast (llvmpipe, buffers mapped with
 * MODE_MAP_DUMB, which the kernel refuses for imported objects) on a
 * kernel driver it has no hardware driver for. Mesa finds its driver by
 * the kernel driver's name (<name>_dri.so) or, for the PCI GPUs below, by
 * PCI id. */
static bool mesa_uses_kms_swrast(const char *driver)
{
	static const char *const pci_drivers[] = { "i915", "xe", "amdgpu", "radeon", "nouveau" };
	const char *dirs = getenv("LIBGL_DRIVERS_PATH");
	char path[512];

	for (size_t i = 0; i < sizeof(pci_drivers) / sizeof(pci_drivers[0]); i++)
		if (!strcmp(driver, pci_drivers[i]))
			return false;
	if (!dirs || !*dirs)
		dirs = "/usr/lib/x86_64-linux-gnu/dri:/usr/lib/dri";
	while (*dirs) {
		size_t n = strcspn(dirs, ":");

		snprintf(path, sizeof(path), "%.*s/%s_dri.so", (int)n, dirs, driver);
		if (!access(path, R_OK))
			return false;
		dirs += n + (dirs[n] == ':');
	}
	return true;
}

static void node_paths(struct gbm_policy *p, int fd)
{
	drmDevicePtr d = NULL;
	drmVersionPtr v = drmGetVersion(fd);
	char link[64];
	ssize_t n;

	if (v) {
		snprintf(p->driver, sizeof(p->driver), "%s", v->name);
		drmFreeVersion(v);
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, p->node, sizeof(p->node) - 1);
	p->node[n > 0 ? n : 0] = '\0';
	if (!drmGetDevice2(fd, 0, &d) && d) {
		if (d->available_nodes & (1 << DRM_NODE_PRIMARY))
			snprintf(p->primary, sizeof(p->primary), "%s", d->nodes[DRM_NODE_PRIMARY]);
		drmFreeDevice(&d);
	}
}

/* 1 when the kernel driver behind `path` PRIME-imports dma-bufs others
 * made, 0 when not, -errno when that cannot be probed. */
static int kernel_imports_foreign(const char *path, struct gralloc_device *dev)
{
	struct gralloc_kms *kms = gralloc_kms_open(path);
	int ret;

	if (!kms)
		return -errno;
	ret = gralloc_kms_imports_foreign(kms, dev);
	gralloc_kms_destroy(kms);
	return ret;
}

/* A consumer for a DRM device: a GBM device's driver or a display. */
static struct gralloc_consumer *drm_consumer(const char *name, const char *node,
					     const char *primary, bool imports, const char *why,
					     uint64_t usage)
{
	struct gralloc_consumer_desc d = {
		.struct_size = sizeof(d),
		.usage = usage,
		.any_format = true,
		.needs_dma_buf = true,
		.imports_foreign = imports,
		/* Dumb buffers exist only on card nodes; the render node of the
		 * same device imports them. */
		.own_device = imports ? NULL : (primary[0] ? primary : node),
		.why = why,
	};
	return gralloc_consumer_create(name, &d);
}

static int add(struct gbm_policy *p, struct gralloc_consumer *c, const char *what)
{
	if (!c) {
		gralloc_log(ERROR, "gralloc-gbm: consumer %s: %s", what, gralloc_last_error());
		return -errno;
	}
	if (p->count == GRALLOC_MAX_CONSUMERS) {
		gralloc_consumer_destroy(c);
		gralloc_log(ERROR, "gralloc-gbm: more than %d consumers", GRALLOC_MAX_CONSUMERS);
		return -E2BIG;
	}
	p->consumers[p->count++] = c;
	return 0;
}

static int add_display(struct gbm_policy *p, struct gralloc_device *dev, const char *path)
{
	char name[300], why[300];
	int imports;

	if (!path || !*path)
		path = getenv("GRALLOC_DISPLAY");
	if (!path || !*path) {
		gralloc_log(ERROR, "gralloc-gbm: GRALLOC_GBM_CONSUMERS: 'display' needs a node "
			    "(display=/dev/dri/cardN) or GRALLOC_DISPLAY");
		return -EINVAL;
	}
	imports = kernel_imports_foreign(path, dev);
	if (imports < 0) {
		gralloc_log(ERROR, "gralloc-gbm: display %s: %s", path, strerror(-imports));
		return imports;
	}
	snprintf(name, sizeof(name), "display %s", path);
	snprintf(why, sizeof(why), "display %s cannot PRIME-import foreign dma-bufs", path);
	return add(p, drm_consumer(name, path, "", imports, why, GRALLOC_USAGE_SCANOUT), name);
}

/* GRALLOC_GBM_CONSUMERS: comma-separated "display[=NODE]", "cpu",
 * "process". */
static int parse_consumers(struct gbm_policy *p, struct gralloc_device *dev, const char *spec)
{
	char *copy = strdup(spec), *save = NULL;
	int ret = copy ? 0 : -ENOMEM;

	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t && !ret;
	     t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "cpu"))
			ret = add(p, gralloc_consumer_create_cpu(), t);
		else if (!strcmp(t, "process"))
			ret = add(p, gralloc_consumer_create_process(), t);
		else if (!strcmp(t, "display"))
			ret = add_display(p, dev, NULL);
		else if (!strncmp(t, "display=", 8))
			ret = add_display(p, dev, t + 8);
		else {
			gralloc_log(ERROR, "gralloc-gbm: GRALLOC_GBM_CONSUMERS: unknown consumer "
				    "'%s' (expected display[=NODE], cpu, process)", t);
			ret = -EINVAL;
		}
	}
	free(copy);
	return ret;
}

int gbm_policy_init(struct gbm_policy *p, int fd, struct gralloc_device *dev, bool mesa_driver)
{
	const char *spec = getenv("GRALLOC_GBM_CONSUMERS");
	char name[400], why[300];
	int imports, ret;

	memset(p, 0, sizeof(*p));
	node_paths(p, fd);
	imports = kernel_imports_foreign(p->node, dev);
	if (imports < 0) /* no foreign memory to probe with: own memory is always safe */
		imports = 0;
	snprintf(why, sizeof(why), "the kernel driver %s cannot PRIME-import foreign dma-bufs",
		 p->driver);
	if (imports && mesa_driver && mesa_uses_kms_swrast(p->driver)) {
		imports = 0;
		snprintf(why, sizeof(why), "Mesa drives %s with kms_swrast, which maps buffers "
			 "as dumb buffers and cannot use imported memory", p->driver);
	}
	snprintf(name, sizeof(name), "GBM device %s (%s)", p->node, p->driver);
	ret = add(p, drm_consumer(name, p->node, p->primary, imports, why, 0), name);
	if (!ret && spec && *spec)
		ret = parse_consumers(p, dev, spec);
	if (ret)
		gbm_policy_fini(p);
	return ret;
}

void gbm_policy_fini(struct gbm_policy *p)
{
	for (size_t i = 0; i < p->count; i++)
		gralloc_consumer_destroy(p->consumers[i]);
	p->count = 0;
}

struct gralloc_buffer *gbm_policy_allocate(struct gbm_policy *p, struct gralloc_device *dev,
					   uint32_t width, uint32_t height, uint32_t format,
					   uint64_t usage, struct gralloc_buffer_info *info)
{
	struct gralloc_buffer_desc desc = {
		.struct_size = sizeof(desc),
		.width = width,
		.height = height,
		.format = format,
		.usage = usage,
		.name = GBM_GRALLOC_BUFFER_NAME,
	};
	struct gralloc_buffer *buf = gralloc_buffer_allocate_for(dev, &desc, p->consumers, p->count);

	if (!buf)
		return NULL;
	if (gralloc_buffer_describe(buf, info)) {
		gralloc_buffer_release(buf);
		return NULL;
	}
	gralloc_log(INFO, "gralloc-gbm: bo %ux%u %.4s on %s from %s%s%s", width, height,
		    (const char *)&format, p->node, info->backend, info->heap[0] ? " heap " : "",
		    info->heap);
	return buf;
}
