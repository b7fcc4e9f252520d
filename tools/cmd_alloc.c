/* SPDX-License-Identifier: MIT */
/* `gralloc alloc`: one real allocation through the policy, then free it. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <xf86drm.h>

#include "cli.h"

static void print_text(const struct gralloc_buffer_info *in)
{
	char fmt[16], usage[256];
	char *mod = drmGetFormatModifierName(in->modifier);

	gralloc_usage_to_string(in->usage, usage, sizeof(usage));
	printf("buffer %" PRIu64 ": %s %ux%u, %u layer%s\n", in->id,
	       cli_format_name(in->format, fmt, sizeof(fmt)), in->width, in->height,
	       in->layer_count, in->layer_count == 1 ? "" : "s");
	printf("  usage:        %s\n", usage);
	printf("  backend:      %s\n", in->backend);
	printf("  heap:         %s\n", in->heap[0] ? in->heap : "-");
	printf("  is_dma_buf:   %s\n", in->is_dma_buf ? "yes" : "no");
	printf("  modifier:     0x%016" PRIx64 " (%s)\n", in->modifier, mod ? mod : "unknown");
	printf("  size:         %" PRIu64 " bytes\n", in->size);
	printf("  layer_stride: %" PRIu64 " bytes\n", in->layer_stride);
	printf("  fds:          %u\n", in->num_fds);
	for (uint32_t p = 0; p < in->num_planes; p++)
		printf("  plane %u:      fd %u, offset %" PRIu64 ", stride %u, size %" PRIu64 "\n",
		       p, in->planes[p].fd_index, in->planes[p].offset, in->planes[p].stride,
		       in->planes[p].size);
	free(mod);
}

static void print_json(const struct gralloc_buffer_info *in, const char *name)
{
	char fmt[16], usage[256];

	gralloc_usage_to_string(in->usage, usage, sizeof(usage));
	printf("{\"id\":%" PRIu64 ",\"format\":", in->id);
	json_string(stdout, cli_format_name(in->format, fmt, sizeof(fmt)));
	printf(",\"fourcc\":\"0x%08x\",\"width\":%u,\"height\":%u,\"layers\":%u,\"usage\":",
	       in->format, in->width, in->height, in->layer_count);
	json_string(stdout, usage);
	printf(",\"usage_bits\":\"0x%" PRIx64 "\",\"name\":", in->usage);
	json_string(stdout, name);
	printf(",\"backend\":");
	json_string(stdout, in->backend);
	printf(",\"heap\":");
	json_string(stdout, in->heap);
	printf(",\"is_dma_buf\":%s,\"modifier\":\"0x%016" PRIx64 "\",\"size\":%" PRIu64
	       ",\"layer_stride\":%" PRIu64 ",\"num_fds\":%u,\"planes\":[",
	       in->is_dma_buf ? "true" : "false", in->modifier, in->size, in->layer_stride,
	       in->num_fds);
	for (uint32_t p = 0; p < in->num_planes; p++)
		printf("%s{\"fd_index\":%u,\"offset\":%" PRIu64 ",\"stride\":%u,\"size\":%" PRIu64
		       "}", p ? "," : "", in->planes[p].fd_index, in->planes[p].offset,
		       in->planes[p].stride, in->planes[p].size);
	printf("]}\n");
}

int cmd_alloc(int argc, char **argv)
{
	struct cli_desc_args args;
	struct gralloc_device *dev;
	struct gralloc_buffer *buf;
	struct gralloc_buffer_info info;
	int ret = cli_parse_desc_args("alloc", argc, argv, &args);

	if (ret >= 0)
		return ret;
	dev = cli_device_open(args.json);
	if (!dev)
		return CLI_FAILED;
	buf = gralloc_buffer_allocate(dev, &args.desc);
	if (!buf) {
		ret = cli_fail_json(args.json, "allocation failed", errno);
		goto out;
	}
	if (gralloc_buffer_describe(buf, &info) < 0) {
		ret = cli_fail_json(args.json, "cannot describe the buffer", errno);
		gralloc_buffer_free(dev, buf);
		goto out;
	}
	if (args.json)
		print_json(&info, args.desc.name);
	else
		print_text(&info);
	ret = CLI_OK;
	if (gralloc_buffer_free(dev, buf) < 0)
		ret = cli_fail("free failed", errno);
	else if (!args.json)
		printf("freed buffer %" PRIu64 "\n", info.id);
out:
	gralloc_device_destroy(dev);
	return ret;
}
