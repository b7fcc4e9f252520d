/* SPDX-License-Identifier: MIT */
/* What the KMS and GL demos share: options, device lookup, timing, PNG
 * output and printing the allocator's reasons. */
#ifndef GRALLOC_EXAMPLE_DEMO_COMMON_H
#define GRALLOC_EXAMPLE_DEMO_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gralloc/consumer.h>
#include <gralloc/gralloc.h>

struct demo_options {
	const char *prog; /* message prefix: "kms-demo", "gralloc demo" */
	const char *device, *driver, *output;
	unsigned frames;
	bool copy; /* only where the demo offers --copy */
	char path[64]; /* the device to use, resolved */
};

/* Parses --device/--driver/--frames/--output/--help (and --copy when
 * `with_copy`), checks that --output can be written (before minutes of
 * frames, not after), then resolves the device path. `usage` is printed as
 * is for --help and after errors. Returns -1 to go on, or the exit status
 * to return (0 after --help, 1 no device, 2 bad arguments). */
int demo_parse_options(const char *prog, const char *usage, bool with_copy, int argc,
		       char **argv, struct demo_options *o);

struct modeset;
struct gralloc_kms;

/* Opens the display through the library (the first opener of a card node
 * is DRM master, so the demo modesets on the library's fd) and picks its
 * output into *m. NULL after printing why. */
struct gralloc_kms *demo_open_display(const char *prog, const char *path, struct modeset *m);
/* Shows fb and waits for its page flip (frame 0 sets the mode). 0, or
 * -errno after printing which frame failed. */
int demo_show(const char *prog, struct modeset *m, uint32_t fb, uint32_t frame);
/* With --output, writes the last shown buffer as a PNG. 0 or -errno
 * (printed). */
int demo_write_output(const char *prog, const struct demo_options *o,
		      struct gralloc_buffer *shown);

double demo_now_ms(void);
double demo_cpu_ms(void);

/* Writes an XRGB8888 buffer as a PNG (through a CPU read lock). */
int demo_save_png(struct gralloc_buffer *buf, const char *path);

/* Prints the plan for desc (for `consumers`, when n > 0) with reasons. */
void demo_print_explanation(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
			    struct gralloc_consumer *const *consumers, size_t n);

#endif
