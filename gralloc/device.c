/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gralloc/policy.h"
#include "gralloc/pool.h"
#include "gralloc/routes.h"
#include "gralloc/private.h"

#define SYSTEM_CONFIG "/etc/gralloc/policy.conf"

/* secure_getenv: in a setuid or file-capability program the environment
 * belongs to a less privileged caller, who must not choose its policy or
 * its device nodes. */
static const char *pick(const char *option, const char *env, const char *fallback)
{
	const char *v = option ? option : secure_getenv(env);

	return v && *v ? v : fallback;
}

/* An explicitly named config (option or environment) must exist; the
 * system one is optional. A bad file is an error either way: silently
 * ignoring it could drop a rule that keeps protected content safe. */
static int load_policy(struct gralloc_device *dev, const struct gralloc_device_options *o)
{
	const char *path = o->config_path ? o->config_path : secure_getenv("GRALLOC_CONFIG");

	dev->policy = calloc(1, sizeof(*dev->policy));
	if (!dev->policy)
		return -ENOMEM;
	policy_init_defaults(dev->policy);
	if (o->no_config)
		return 0;
	if (path && *path)
		return policy_load_file(dev->policy, path);
	if (access(SYSTEM_CONFIG, F_OK) == 0)
		return policy_load_file(dev->policy, SYSTEM_CONFIG);
	return 0;
}

/* The pool's bounds: the options, else $GRALLOC_POOL ("BYTES,BUFFERS"). */
static void pool_bounds(const struct gralloc_device_options *o,
			struct gralloc_device_options *out)
{
	const char *env = o->no_config ? NULL : secure_getenv("GRALLOC_POOL");
	unsigned long long bytes = 0;
	unsigned buffers = 0;

	if (o->pool_max_bytes || o->pool_max_buffers || !env)
		return;
	if (sscanf(env, "%llu,%u", &bytes, &buffers) < 1) {
		gralloc_log(INFO, "GRALLOC_POOL=\"%s\" is not BYTES[,BUFFERS]: default pool", env);
		return;
	}
	out->pool_max_bytes = bytes ? bytes : UINT64_MAX;
	out->pool_max_buffers = buffers;
}

GRALLOC_EXPORT struct gralloc_device *
gralloc_device_create(const struct gralloc_device_options *options)
{
	struct gralloc_device_options opts = { 0 };
	const struct gralloc_device_options *o = &opts;
	struct gralloc_device *dev;
	int ret;

	if (options) {
		ret = gralloc_struct_in(&opts, sizeof(opts), options, OPTIONS_V1_SIZE,
					"gralloc_device_options");
		if (ret) {
			errno = -ret;
			return NULL;
		}
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		errno = ENOMEM;
		return NULL;
	}
	gralloc_mtx_init(&dev->lock);
	dev->next_id = 1;
	dev->refs = 1;
	dev->routes = calloc(1, sizeof(*dev->routes));
	dev->live = live_set_create();
	pool_bounds(o, &opts);
	dev->pool = pool_create(opts.pool_max_bytes, opts.pool_max_buffers);
	if (!dev->routes || !dev->live || !dev->pool) {
		gralloc_device_unref(dev);
		errno = ENOMEM;
		return NULL;
	}
	dev->pool_on = pool_enabled(dev->pool);
	gralloc_copy_name(dev->heap_dir, sizeof(dev->heap_dir),
			  pick(o->heap_dir, o->no_config ? "" : "GRALLOC_HEAP_DIR", "/dev/dma_heap"));
	gralloc_copy_name(dev->udmabuf_path, sizeof(dev->udmabuf_path),
			  pick(o->udmabuf_path, o->no_config ? "" : "GRALLOC_UDMABUF", "/dev/udmabuf"));

	gralloc_copy_name(dev->ion_path, sizeof(dev->ion_path),
			  pick(o->ion_path, o->no_config ? "" : "GRALLOC_ION_PATH", "/dev/ion"));
	gralloc_copy_name(dev->display_path, sizeof(dev->display_path),
			  pick(o->display_path, o->no_config ? "" : "GRALLOC_DISPLAY", ""));

	ret = load_policy(dev, o);
	for (size_t i = 0; !ret && i < gralloc_backend_impl_count; i++) {
		ret = gralloc_backend_impls[i]->create(dev, &dev->backends[i]);
		if (!ret)
			dev->backends[i]->impl = gralloc_backend_impls[i];
	}
	if (ret) {
		gralloc_device_unref(dev);
		errno = -ret;
		return NULL;
	}
	return dev;
}

void gralloc_device_free(struct gralloc_device *dev)
{
	for (size_t i = 0; i < gralloc_backend_impl_count; i++)
		if (dev->backends[i])
			dev->backends[i]->impl->destroy(dev->backends[i]);
	free(dev->policy);
	free(dev->routes);
	live_set_destroy(dev->live);
	quarantine_flush(&dev->quarantine);
	pool_destroy(dev->pool);
	free(dev);
}

GRALLOC_EXPORT void gralloc_device_destroy(struct gralloc_device *dev)
{
	struct gralloc_buffer **bufs;
	size_t n;

	if (!dev)
		return;
	/* The device's allocation references, all at once: a buffer that a
	 * user-data destructor releases is then never visited twice. */
	gralloc_mtx_lock(&dev->lock);
	dev->destroyed = true; /* buffers released from now on skip the pool */
	n = live_set_drain(dev->live, &bufs);
	for (size_t i = 0; i < n; i++)
		bufs[i]->in_live = false;
	gralloc_mtx_unlock(&dev->lock);
	pool_trim(dev->pool, 0);
	for (size_t i = 0; i < n; i++)
		gralloc_buffer_release(bufs[i]);
	free(bufs);
	gralloc_device_unref(dev);
}

GRALLOC_EXPORT int gralloc_device_pool_stats(struct gralloc_device *dev,
					     struct gralloc_pool_stats *out)
{
	if (!dev || !out) {
		gralloc_log(ERROR, "device and out must not be NULL");
		return -(errno = EINVAL);
	}
	pool_stats(dev->pool, out);
	return 0;
}

GRALLOC_EXPORT int gralloc_device_trim(struct gralloc_device *dev, uint64_t keep_bytes)
{
	if (!dev) {
		gralloc_log(ERROR, "device must not be NULL");
		return -(errno = EINVAL);
	}
	pool_trim(dev->pool, keep_bytes);
	return 0;
}
