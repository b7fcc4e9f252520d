/* SPDX-License-Identifier: MIT */
/* Helpers every subcommand needs: errors, number parsing, JSON strings. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	const struct cli_command *c = cli_find_command(cmd);
	va_list ap;

	fprintf(stderr, "gralloc%s%s: ", *cmd ? " " : "", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c)
		fprintf(stderr, "usage: gralloc %s%s%s\n", c->name, *c->usage ? " " : "", c->usage);
	fprintf(stderr, "Try 'gralloc help' for the list of commands.\n");
	return CLI_USAGE;
}

void cli_format_help(const char *cmd, char *buf, size_t len)
{
	const struct cli_command *c = cli_find_command(cmd);

	if (c)
		snprintf(buf, len, "gralloc %s: %s\nusage: gralloc %s%s%s\n%s", c->name,
			 c->summary, c->name, *c->usage ? " " : "", c->usage,
			 c->details ? c->details : "");
	else if (len)
		buf[0] = '\0';
}

int cli_print_help(const char *cmd)
{
	char help[2048];

	if (!cli_find_command(cmd))
		return CLI_USAGE;
	cli_format_help(cmd, help, sizeof(help));
	fputs(help, stdout);
	return CLI_OK;
}

int cli_fail(const char *what, int err)
{
	/* Read before anything else can clobber the thread's last error. */
	const char *detail = gralloc_last_error();

	fprintf(stderr, "gralloc: %s: %s (%s)\n", what, strerror(err), detail);
	return CLI_FAILED;
}

int cli_fail_json(bool json, const char *what, int err)
{
	char detail[512];

	if (json) {
		snprintf(detail, sizeof(detail), "%s", gralloc_last_error());
		printf("{\"error\":");
		json_string(stdout, what);
		printf(",\"errno\":%d,\"message\":", err);
		json_string(stdout, strerror(err));
		printf(",\"reason\":");
		json_string(stdout, detail);
		printf("}\n");
	}
	return cli_fail(what, err);
}

/* strtoull alone accepts leading blanks, signs and "0x"; a size typed on
 * a command line should be plain decimal digits and nothing else. */
static bool parse_u64(const char *s, const char **end, uint64_t *out)
{
	char *e;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &e, 10);
	if (errno || e == s)
		return false;
	*end = e;
	*out = v;
	return true;
}

bool cli_parse_u32(const char *s, uint32_t *out)
{
	const char *end;
	uint64_t v;

	if (!parse_u64(s, &end, &v) || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

int cli_parse_size(const char *s, uint32_t *w, uint32_t *h)
{
	const char *end;
	uint64_t vw, vh;

	if (!parse_u64(s, &end, &vw) || (*end != 'x' && *end != 'X'))
		return -EINVAL;
	if (!parse_u64(end + 1, &end, &vh) || *end)
		return -EINVAL;
	if (vw > UINT32_MAX || vh > UINT32_MAX)
		return -ERANGE;
	*w = (uint32_t)vw;
	*h = (uint32_t)vh;
	return 0;
}

int cli_parse_format(const char *cmd, const char *s, uint32_t *fourcc)
{
	struct gralloc_format_desc d;
	unsigned long long v;
	char *end;

	if (gralloc_format_from_name(s, fourcc) == 0)
		return 0;
	/* `gralloc formats` prints codes as 0x + 8 hex digits; take those
	 * back, and nothing looser (no sign, no blanks, no decimal). */
	if ((s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) || !s[2] || strspn(s + 2,
	    "0123456789abcdefABCDEF") != strlen(s + 2) || strlen(s + 2) > 8) {
		cli_usage_error(cmd, "unknown format '%s': use a name or fourcc from "
			       "'gralloc formats', or its code (0x3231564e)", s);
		return -EINVAL;
	}
	v = strtoull(s + 2, &end, 16);
	if (gralloc_format_lookup((uint32_t)v, &d) < 0) {
		cli_usage_error(cmd, "format code %s is not in the library's table "
			       "(see 'gralloc formats')", s);
		return -EINVAL;
	}
	*fourcc = (uint32_t)v;
	return 0;
}

int cli_parse_usage(const char *cmd, const char *s, uint64_t *usage)
{
	const char *p = s;
	uint64_t bits = 0;

	if (!*s) {
		cli_usage_error(cmd, "empty usage list");
		return -EINVAL;
	}
	/* The library is lenient about separators (for config files and
	 * callers building strings); a command line gets one strict form. */
	for (;;) {
		size_t n = strcspn(p, ",");
		char token[64];
		uint64_t one;

		if (n == 0) {
			cli_usage_error(cmd, "empty entry in usage list '%s'", s);
			return -EINVAL;
		}
		if (n >= sizeof(token) || strspn(p, "abcdefghijklmnopqrstuvwxyz"
					      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != n) {
			cli_usage_error(cmd, "'%.*s' is not a usage name", (int)(n > 40 ? 40 : n), p);
			return -EINVAL;
		}
		memcpy(token, p, n);
		token[n] = '\0';
		if (gralloc_usage_from_string(token, &one) < 0) {
			char names[512];

			gralloc_usage_to_string(GRALLOC_USAGE_ALL, names, sizeof(names));
			cli_usage_error(cmd, "unknown usage '%s'; valid names: %s", token, names);
			return -EINVAL;
		}
		bits |= one;
		if (!p[n])
			break;
		p += n + 1;
	}
	*usage = bits;
	return 0;
}

int cli_parse_desc_args(const char *cmd, int argc, char **argv, struct cli_desc_args *out)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 's' },
		{ "usage", required_argument, NULL, 'u' },
		{ "layers", required_argument, NULL, 'l' },
		{ "name", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gralloc_buffer_info info;
	bool have_f = false, have_s = false, have_u = false;
	int opt, ret;

	memset(out, 0, sizeof(*out));
	optind = 0; /* glibc: full reset, in case anything parsed before */
	opterr = 0; /* our messages name the command and show its usage */
	while ((opt = getopt_long(argc, argv, ":f:s:u:l:n:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (cli_parse_format(cmd, optarg, &out->desc.format) < 0)
				return CLI_USAGE;
			have_f = true;
			break;
		case 's':
			ret = cli_parse_size(optarg, &out->desc.width, &out->desc.height);
			if (ret == -ERANGE)
				return cli_usage_error(cmd, "size '%s': a side does not fit in "
						       "32 bits", optarg);
			if (ret)
				return cli_usage_error(cmd, "size '%s' is not WIDTHxHEIGHT in "
						       "decimal (e.g. 1920x1080)", optarg);
			have_s = true;
			break;
		case 'u':
			if (cli_parse_usage(cmd, optarg, &out->desc.usage) < 0)
				return CLI_USAGE;
			have_u = true;
			break;
		case 'l':
			if (!cli_parse_u32(optarg, &out->desc.layer_count) ||
			    !out->desc.layer_count)
				return cli_usage_error(cmd, "layer count '%s' is not a whole "
						       "number from 1", optarg);
			break;
		case 'n':
			if (strlen(optarg) >= GRALLOC_NAME_MAX)
				return cli_usage_error(cmd, "name is longer than %d bytes",
						       GRALLOC_NAME_MAX - 1);
			out->desc.name = optarg;
			break;
		case 'j':
			out->json = true;
			break;
		case 'h':
			return cli_print_help(cmd);
		case ':':
			return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!have_f || !have_s || !have_u)
		return cli_usage_error(cmd, "missing %s", !have_f ? "-f FORMAT" :
					    !have_s ? "-s WIDTHxHEIGHT" : "-u USAGES");
	/* The library's own checks (limits, overflow, usage rules): a
	 * descriptor it rejects is a command-line mistake, not a failure. */
	if (gralloc_compute_layout(&out->desc, &info) < 0)
		return cli_usage_error(cmd, "invalid buffer: %s", gralloc_last_error());
	return -1;
}

struct gralloc_device *cli_device_open(bool json)
{
	struct gralloc_device *dev = gralloc_device_create(NULL);

	if (!dev)
		cli_fail_json(json, "cannot create device", errno);
	return dev;
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	fputc('"', f);
	while (*p) {
		size_t n = utf8_len(p);

		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else if (n == 0)
			fputs("\\ufffd", f);
		else
			fwrite(p, 1, n, f);
		p += n ? n : 1;
	}
	fputc('"', f);
}

void json_key(FILE *f, bool *first, const char *key)
{
	if (!*first)
		fputc(',', f);
	*first = false;
	json_string(f, key);
	fputc(':', f);
}

void cli_fourcc_chars(uint32_t fourcc, char out[5])
{
	for (int i = 0; i < 4; i++) {
		char c = (char)((fourcc >> (8 * i)) & 0xff);

		out[i] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	out[4] = '\0';
}

const char *cli_format_name(uint32_t fourcc, char *buf, size_t len)
{
	struct gralloc_format_desc d;

	if (gralloc_format_lookup(fourcc, &d) == 0)
		return d.name;
	snprintf(buf, len, "0x%08x", fourcc);
	return buf;
}
