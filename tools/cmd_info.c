/* SPDX-License-Identifier: MIT */
/* `gralloc info`: what this machine offers and what the policy makes of it. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "drm_nodes.h"

#define MAX_DRM_NODES 32

/* The library says whether a node exists; whether the dma-heap backend
 * could open it as a heap (a character device this user may read) is
 * checked here, so that a stray regular file or a root-only node is not
 * reported as a working heap. */
static const char *heap_state(const struct gralloc_heap_status *h)
{
	struct stat st;

	if (!h->present)
		return "missing";
	if (stat(h->node, &st) < 0)
		return "unreachable";
	if (!S_ISCHR(st.st_mode))
		return "not a device";
	/* Present is not usable: allocation opens it for reading. */
	return access(h->node, R_OK) == 0 ? "usable" : "no access";
}

/* The policy dump says "iommu auto" but not what auto found; this is the
 * same evidence the library reads (any entry in /sys/class/iommu). */
static bool sysfs_iommu(void)
{
	DIR *dir = opendir("/sys/class/iommu");
	struct dirent *ent;
	bool found = false;

	while (dir && !found && (ent = readdir(dir)))
		found = ent->d_name[0] != '.';
	if (dir)
		closedir(dir);
	return found;
}

static char *policy_text(struct gralloc_device *dev)
{
	int len = gralloc_device_policy_dump(dev, NULL, 0);
	char *buf;

	if (len < 0)
		return NULL;
	buf = malloc((size_t)len + 1);
	if (buf && gralloc_device_policy_dump(dev, buf, (size_t)len + 1) < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void print_text(struct gralloc_device *dev, const char *policy,
		       const struct drm_node *drm, size_t num_drm, int drm_err)
{
	size_t heaps = gralloc_device_heap_count(dev);

	printf("heaps:\n");
	if (!heaps)
		printf("  none declared or found\n");
	for (size_t i = 0; i < heaps; i++) {
		struct gralloc_heap_status h;

		if (gralloc_device_heap_get(dev, i, &h) < 0)
			continue;
		printf("  %-20s kind %-16s %-8s %-12s %s\n", h.name, h.kind,
		       h.cached ? "cached" : "uncached", heap_state(&h), h.node);
	}
	printf("backends:\n");
	for (size_t i = 0; i < gralloc_backend_count(); i++) {
		char why[512];
		int ret = gralloc_device_backend_status(dev, i, why, sizeof(why));

		printf("  %-10s %s%s%s\n", gralloc_backend_name(i), ret ? "unusable" : "usable",
		       ret ? ": " : "", ret ? why : "");
	}
	printf("drm devices:\n");
	if (drm_err)
		printf("  none (%s: %s)\n", drm_nodes_dir(), strerror(drm_err));
	else if (!num_drm)
		printf("  none (%s is empty)\n", drm_nodes_dir());
	for (size_t i = 0; i < num_drm; i++) {
		if (drm[i].err)
			printf("  %-22s cannot query: %s\n", drm[i].path, strerror(drm[i].err));
		else
			printf("  %-22s %s %s (%s)\n", drm[i].path, drm[i].driver, drm[i].version,
			       drm[i].desc);
	}
	printf("iommu (sysfs): %s\n", sysfs_iommu() ? "present" : "none in /sys/class/iommu");
	{
		struct gralloc_pool_stats ps;

		gralloc_device_pool_stats(dev, &ps);
		printf("pool: %llu buffers, %llu bytes held (at most %llu buffers, %llu bytes); "
		       "%llu hits, %llu misses\n", (unsigned long long)ps.buffers,
		       (unsigned long long)ps.bytes, (unsigned long long)ps.max_buffers,
		       (unsigned long long)ps.max_bytes, (unsigned long long)ps.hits,
		       (unsigned long long)ps.misses);
	}
	printf("policy:\n");
	for (const char *line = policy; line && *line;) {
		size_t n = strcspn(line, "\n");

		printf("  %.*s\n", (int)n, line);
		line += n + (line[n] == '\n');
	}
}

static void print_json(struct gralloc_device *dev, const char *policy,
		       const struct drm_node *drm, size_t num_drm, int drm_err)
{
	size_t heaps = gralloc_device_heap_count(dev);
	bool first = true;

	printf("{\"heaps\":[");
	for (size_t i = 0; i < heaps; i++) {
		struct gralloc_heap_status h;
		const char *state;

		if (gralloc_device_heap_get(dev, i, &h) < 0)
			continue;
		state = heap_state(&h);
		printf("%s{\"name\":", first ? "" : ",");
		first = false;
		json_string(stdout, h.name);
		printf(",\"node\":");
		json_string(stdout, h.node);
		printf(",\"kind\":");
		json_string(stdout, h.kind);
		printf(",\"cached\":%s,\"present\":%s,\"usable\":%s,\"state\":",
		       h.cached ? "true" : "false", h.present ? "true" : "false",
		       strcmp(state, "usable") ? "false" : "true");
		json_string(stdout, state);
		printf(",\"backend\":");
		json_string(stdout, h.backend);
		printf("}");
	}
	printf("],\"backends\":[");
	for (size_t i = 0; i < gralloc_backend_count(); i++) {
		char why[512];
		int ret = gralloc_device_backend_status(dev, i, why, sizeof(why));

		printf("%s{\"name\":", i ? "," : "");
		json_string(stdout, gralloc_backend_name(i));
		printf(",\"usable\":%s,\"why\":", ret ? "false" : "true");
		json_string(stdout, ret ? why : "");
		printf("}");
	}
	printf("],\"drm_devices\":[");
	for (size_t i = 0; i < num_drm; i++) {
		printf("%s{\"node\":", i ? "," : "");
		json_string(stdout, drm[i].path);
		printf(",\"driver\":");
		json_string(stdout, drm[i].driver);
		printf(",\"version\":");
		json_string(stdout, drm[i].version);
		printf(",\"description\":");
		json_string(stdout, drm[i].desc);
		printf(",\"error\":");
		json_string(stdout, drm[i].err ? strerror(drm[i].err) : "");
		printf("}");
	}
	printf("],\"drm_error\":");
	json_string(stdout, drm_err ? strerror(drm_err) : "");
	{
		struct gralloc_pool_stats ps;

		gralloc_device_pool_stats(dev, &ps);
		printf(",\"pool\":{\"buffers\":%llu,\"bytes\":%llu,\"max_buffers\":%llu,"
		       "\"max_bytes\":%llu,\"hits\":%llu,\"misses\":%llu}",
		       (unsigned long long)ps.buffers, (unsigned long long)ps.bytes,
		       (unsigned long long)ps.max_buffers, (unsigned long long)ps.max_bytes,
		       (unsigned long long)ps.hits, (unsigned long long)ps.misses);
	}
	printf(",\"iommu_sysfs\":%s,\"policy\":", sysfs_iommu() ? "true" : "false");
	json_string(stdout, policy);
	printf("}\n");
}

int cmd_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct drm_node *drm;
	struct gralloc_device *dev;
	size_t num_drm = 0;
	bool json = false;
	char *policy;
	int opt, drm_err;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (opt == 'j')
			json = true;
		else if (opt == 'h')
			return cli_print_help("info");
		else
			return cli_usage_error("info", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error("info", "unexpected argument '%s'", argv[optind]);

	dev = cli_device_open(json);
	if (!dev)
		return CLI_FAILED;
	policy = policy_text(dev);
	drm = calloc(MAX_DRM_NODES, sizeof(*drm));
	if (!policy || !drm) {
		free(policy);
		free(drm);
		gralloc_device_destroy(dev);
		return cli_fail_json(json, "cannot gather device information", errno ? errno : ENOMEM);
	}
	drm_err = -drm_nodes_list(drm, MAX_DRM_NODES, &num_drm);
	if (json)
		print_json(dev, policy, drm, num_drm, drm_err);
	else
		print_text(dev, policy, drm, num_drm, drm_err);
	free(policy);
	free(drm);
	gralloc_device_destroy(dev);
	return CLI_OK;
}
