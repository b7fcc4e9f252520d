/* SPDX-License-Identifier: MIT */
/* Prints the tables of docs/formats.md from the library itself, so that
 * check-formats-doc.py can hold the document to the code.
 *
 *   dump-formats            the format table
 *   dump-formats --android  the Android HAL mapping table
 *
 * Only the public API is used: what the document describes is what an
 * application sees. */
#include <stdio.h>
#include <string.h>

#include <gralloc/gralloc.h>

static void list_u32(char *buf, size_t len, const uint32_t *v, uint32_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? ", " : "", v[i]);
}

static const char *subsampling(const struct gralloc_format_desc *f)
{
	static char buf[32];

	if (!f->is_yuv)
		return "-";
	if (f->hsub == 2 && f->vsub == 2)
		return "4:2:0";
	if (f->hsub == 2 && f->vsub == 1)
		return "4:2:2";
	if (f->hsub == 1 && f->vsub == 1)
		return "4:4:4";
	snprintf(buf, sizeof(buf), "%ux%u", f->hsub, f->vsub);
	return buf;
}

static int dump_formats(void)
{
	printf("| Format | Fourcc | Planes | Bytes per block | Block width | Subsampling "
	       "| Alpha | YUV |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < gralloc_format_count(); i++) {
		struct gralloc_format_desc f;
		char code[5], bytes[64], widths[64];

		if (gralloc_format_get(i, &f))
			return 1;
		for (int b = 0; b < 4; b++)
			code[b] = (char)(f.fourcc >> (8 * b));
		code[4] = '\0';
		list_u32(bytes, sizeof(bytes), f.bytes_per_block, f.num_planes);
		list_u32(widths, sizeof(widths), f.block_width, f.num_planes);
		printf("| %s | `%s` 0x%08x | %u | %s | %s | %s | %s | %s |\n", f.name, code,
		       f.fourcc, f.num_planes, bytes, widths, subsampling(&f),
		       f.has_alpha ? "yes" : "no", f.is_yuv ? "yes" : "no");
	}
	return 0;
}

/* Android's names live in system/graphics.h, not in this library: the
 * list is the one docs/formats.md documents. */
static const struct {
	const char *name;
	int32_t value;
	const char *note;
} android[] = {
	{ "RGBA_8888", 1, "bytes R, G, B, A in memory" },
	{ "RGBX_8888", 2, "bytes R, G, B, X in memory" },
	{ "RGB_888", 3, "bytes R, G, B in memory" },
	{ "RGB_565", 4, "same 16-bit word layout" },
	{ "BGRA_8888", 5, "bytes B, G, R, A in memory" },
	{ "YCRCB_420_SP", 0x11, "NV21: Cr before Cb" },
	{ "RGBA_FP16", 0x16, "half floats R, G, B, A in memory" },
	{ "BLOB", 0x21, "a byte buffer: width = size in bytes, height 1" },
	{ "YCBCR_420_888", 0x23, "flexible 4:2:0, served as NV12" },
	{ "RGBA_1010102", 0x2b, "R in the low 10 bits of the word" },
	{ "YCBCR_P010", 0x36, "same layout" },
	{ "Y8", 0x20203859, "luma only" },
	{ "Y16", 0x20363159, "luma only, 16-bit" },
	{ "YV12", 0x32315659, "planar 4:2:0, Cr plane before Cb" },
};

static int dump_android(void)
{
	printf("| Android HAL_PIXEL_FORMAT | Value | DRM format | Notes |\n");
	printf("|---|---|---|---|\n");
	for (size_t i = 0; i < sizeof(android) / sizeof(android[0]); i++) {
		struct gralloc_format_desc f;
		uint32_t fourcc;
		const char *drm = "(unmapped)";

		if (!gralloc_format_from_android(android[i].value, &fourcc) &&
		    !gralloc_format_lookup(fourcc, &f))
			drm = f.name;
		printf("| %s | 0x%x | %s | %s |\n", android[i].name, (unsigned)android[i].value,
		       drm, android[i].note);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--android"))
		return dump_android();
	if (argc == 1)
		return dump_formats();
	fprintf(stderr, "usage: %s [--android]\n", argv[0]);
	return 2;
}
