/* SPDX-License-Identifier: MIT */
/* `gralloc formats`: the format table as text, JSON or markdown. The
 * markdown form is pasted into docs/formats.md: keep it stable. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"

enum style { STYLE_TEXT, STYLE_JSON, STYLE_MARKDOWN };

/* "1/2": one value per plane. */
static void per_plane(char *buf, size_t len, const uint32_t *v, uint32_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? "/" : "", v[i]);
}

static void print_row(const struct gralloc_format_desc *d, enum style style)
{
	char code[5], bpb[48], bw[48];

	cli_fourcc_chars(d->fourcc, code);
	per_plane(bpb, sizeof(bpb), d->bytes_per_block, d->num_planes);
	per_plane(bw, sizeof(bw), d->block_width, d->num_planes);
	if (style == STYLE_MARKDOWN)
		printf("| %s | `%s` | 0x%08x | %u | %s | %s | %ux%u | %s | %s |\n", d->name,
		       code, d->fourcc, d->num_planes, bpb, bw, d->hsub, d->vsub,
		       d->has_alpha ? "yes" : "no", d->is_yuv ? "yes" : "no");
	else
		printf("%-14s %-6s 0x%08x %6u %-8s %-8s %ux%-3u %-5s %s\n", d->name, code,
		       d->fourcc, d->num_planes, bpb, bw, d->hsub, d->vsub,
		       d->has_alpha ? "yes" : "no", d->is_yuv ? "yes" : "no");
}

static void print_json_list(const char *key, const uint32_t *v, uint32_t n)
{
	printf(",\"%s\":[", key);
	for (uint32_t i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", v[i]);
	printf("]");
}

static void print_json(const struct gralloc_format_desc *d, bool first)
{
	char code[5];

	cli_fourcc_chars(d->fourcc, code);
	printf("%s{\"name\":", first ? "" : ",");
	json_string(stdout, d->name);
	printf(",\"fourcc\":");
	json_string(stdout, code);
	printf(",\"code\":\"0x%08x\",\"planes\":%u", d->fourcc, d->num_planes);
	print_json_list("bytes_per_block", d->bytes_per_block, d->num_planes);
	print_json_list("block_width", d->block_width, d->num_planes);
	printf(",\"hsub\":%u,\"vsub\":%u,\"has_alpha\":%s,\"is_yuv\":%s}", d->hsub, d->vsub,
	       d->has_alpha ? "true" : "false", d->is_yuv ? "true" : "false");
}

int cmd_formats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "markdown", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum style style = STYLE_TEXT;
	size_t count = gralloc_format_count();
	int opt;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
		case 'm':
			if (style != STYLE_TEXT)
				return cli_usage_error("formats", "--json and --markdown "
						       "exclude each other");
			style = opt == 'j' ? STYLE_JSON : STYLE_MARKDOWN;
			break;
		case 'h':
			return cli_print_help("formats");
		default:
			return cli_usage_error("formats", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("formats", "unexpected argument '%s'", argv[optind]);

	if (style == STYLE_JSON)
		printf("{\"count\":%zu,\"formats\":[", count);
	else if (style == STYLE_MARKDOWN)
		printf("| Format | FourCC | Code | Planes | Bytes per block | Block width | "
		       "Subsampling | Alpha | YUV |\n"
		       "|--------|--------|------|-------:|-----------------|-------------|"
		       "-------------|-------|-----|\n");
	else
		printf("%-14s %-6s %-10s %6s %-8s %-8s %-5s %-5s %s\n", "NAME", "FOURCC",
		       "CODE", "PLANES", "BPB", "BLOCK-W", "SUB", "ALPHA", "YUV");
	for (size_t i = 0; i < count; i++) {
		struct gralloc_format_desc d;

		if (gralloc_format_get(i, &d) < 0)
			return cli_fail("cannot read the format table", errno);
		if (style == STYLE_JSON)
			print_json(&d, i == 0);
		else
			print_row(&d, style);
	}
	if (style == STYLE_JSON)
		printf("]}\n");
	return CLI_OK;
}
