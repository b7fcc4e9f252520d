/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gralloc/policy.h"
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

GRALLOC_EXPORT struct gralloc_device *
gralloc_device_create(const struct gralloc_device_options *options)
{
	static const struct gralloc_device_options defaults;
	const struct gralloc_device_options *o = options ? options : &defaults;
	struct gralloc_device *dev;
	int ret;

	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&dev->lock, NULL);
	dev->next_id = 1;
	dev->routes = calloc(1, sizeof(*dev->routes));
	if (!dev->routes) {
		free(dev);
		errno = ENOMEM;
		return NULL;
	}
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
		gralloc_device_destroy(dev);
		errno = -ret;
		return NULL;
	}
	return dev;
}

GRALLOC_EXPORT void gralloc_device_destroy(struct gralloc_device *dev)
{
	if (!dev)
		return;
	while (dev->buffers)
		gralloc_buffer_free(dev, dev->buffers);
	for (size_t i = 0; i < gralloc_backend_impl_count; i++)
		if (dev->backends[i])
			dev->backends[i]->impl->destroy(dev->backends[i]);
	free(dev->policy);
	free(dev->routes);
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}
