/* SPDX-License-Identifier: MIT */
/* Shared by the `gralloc` command and its subcommands. */
#ifndef GRALLOC_CLI_H
#define GRALLOC_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <gralloc/gralloc.h>

/* Exit codes; documented in docs/cli.md, tests depend on them. */
enum {
	CLI_OK = 0,
	CLI_FAILED = 1, /* the library or the kernel said no */
	CLI_USAGE = 2,  /* the command line is wrong */
	CLI_SKIP = 77,  /* nothing to measure here (automake/meson skip) */
};

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is "gralloc NAME" */
	const char *summary;               /* one line for `gralloc help` */
	const char *usage;                 /* options, for errors and --help */
	const char *details;               /* more lines for --help, or NULL */
};

int cmd_info(int argc, char **argv);
int cmd_alloc(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_formats(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_demo(int argc, char **argv);

/* The command table lives in gralloc.c; subcommands use it for help. */
const struct cli_command *cli_find_command(const char *name);

/* Bad command line: "gralloc NAME: <message>" plus a usage hint on stderr.
 * Returns CLI_USAGE so callers can `return cli_usage_error(...)`. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints the command's help (summary, usage, details) to stdout, for
 * --help and `gralloc help CMD`; returns CLI_OK. */
int cli_print_help(const char *cmd);
/* The same text into buf (truncated to len), for commands that print it
 * themselves. */
void cli_format_help(const char *cmd, char *buf, size_t len);
/* Library failure: "gralloc: <what>: <strerror(err)> (<gralloc_last_error()>)". */
int cli_fail(const char *what, int err);
/* The same, and with `json` also {"error","errno","message","reason"} on
 * stdout, so a script reading JSON gets an answer on failure too. */
int cli_fail_json(bool json, const char *what, int err);

/* Full-validation number parsing: decimal digits only, no sign, no junk.
 * Nothing is printed: the caller knows which option it was. */
bool cli_parse_u32(const char *s, uint32_t *out); /* false if bad or > UINT32_MAX */
/* "WxH": 0, -EINVAL when malformed, -ERANGE when a side exceeds 32 bits. */
int cli_parse_size(const char *s, uint32_t *w, uint32_t *h);

/* --help text after the usage line of alloc and explain. */
#define CLI_DESC_DETAILS \
	"  -f FORMAT  a name or fourcc from 'gralloc formats' (NV12, XR24, XRGB8888),\n" \
	"             or its code in hex (0x3231564e)\n" \
	"  -u USAGE   comma-separated names: cpu_read, cpu_write, cpu, scanout,\n" \
	"             gpu_texture, gpu_render_target, video_decoder, camera_write, ...\n" \
	"             (a wrong name prints the full list)\n" \
	"  -n NAME    buffer name; the kernel shows its first 16 bytes\n"

/* -f: a format name, fourcc characters or "0x" + hex code of a format the
 * library knows. 0, or -EINVAL after printing the usage error. */
int cli_parse_format(const char *cmd, const char *s, uint32_t *fourcc);
/* -u: comma-separated usage names, no empty entries. 0, or -EINVAL after
 * printing the usage error (listing the valid names for an unknown one). */
int cli_parse_usage(const char *cmd, const char *s, uint64_t *usage);

/* Options shared by alloc and explain. */
struct cli_desc_args {
	struct gralloc_buffer_desc desc;
	bool json;
};
/* Parses -f -s -u [-l] [-n] [--json] and validates the descriptor with the
 * library. Returns -1 when the caller should go on, else an exit code
 * (CLI_OK after --help, CLI_USAGE on a bad command line). */
int cli_parse_desc_args(const char *cmd, int argc, char **argv, struct cli_desc_args *out);

/* Creates a device with the environment's settings; prints the failure. */
struct gralloc_device *cli_device_open(bool json);

/* JSON output, written by hand: strings are escaped and always valid UTF-8
 * (invalid bytes become U+FFFD) so any parser accepts what we print. */
void json_string(FILE *f, const char *s);
void json_key(FILE *f, bool *first, const char *key); /* `,"key":` */

/* "XR24": the fourcc's four characters, '?' for unprintable bytes. */
void cli_fourcc_chars(uint32_t fourcc, char out[5]);
/* Name of a format, or its hex code when the library does not know it. */
const char *cli_format_name(uint32_t fourcc, char *buf, size_t len);

#endif
