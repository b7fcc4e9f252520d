/* SPDX-License-Identifier: MIT */
/* `gralloc`: inspect, try and measure the allocator from a shell. The
 * subcommands live in cmd_*.c; adding one is one row in `commands` (the
 * docs test checks docs/cli.md has a section with the same usage). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct cli_command commands[] = {
	{ "info", cmd_info, "show heaps, backends, DRM devices and the policy in force",
	  "[--json]", NULL },
	{ "alloc", cmd_alloc, "allocate one buffer, print its layout, free it",
	  "-f FORMAT -s WIDTHxHEIGHT -u USAGE[,USAGE...] [-l LAYERS] [-n NAME] [--json]",
	  CLI_DESC_DETAILS },
	{ "explain", cmd_explain, "show which backends and heaps a request would use, and why",
	  "-f FORMAT -s WIDTHxHEIGHT -u USAGE[,USAGE...] [-l LAYERS] [--json]",
	  CLI_DESC_DETAILS },
	{ "formats", cmd_formats, "list the pixel formats the library knows",
	  "[--json | --markdown]", NULL },
	{ "bench", cmd_bench, "time allocation and CPU locking against raw kernel calls",
	  "[--quick] [--heap NAME] [--json]",
	  "Needs a dma-buf heap node (default /dev/dma_heap/system); exits 77 without one.\n"
	  "Progress goes to stderr, results to stdout.\n" },
	{ "demo", cmd_demo, "scan out animated frames drawn through lock/unlock (zero copy)",
	  "[--device /dev/dri/cardN | --driver NAME] [--frames N] [--output FILE.png] [--copy]",
	  "Needs a KMS display and DRM master (a VT without a compositor, or the QEMU rig).\n" },
	{ "version", cmd_version, "print the version", "", NULL },
	{ "help", cmd_help, "list commands, or show one command's usage", "[COMMAND]", NULL },
};

#define NUM_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct cli_command *cli_find_command(const char *name)
{
	for (size_t i = 0; name && i < NUM_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void list_commands(FILE *f)
{
	fprintf(f, "usage: gralloc [--config FILE] [--display /dev/dri/cardN] COMMAND [OPTIONS]\n"
		   "\ncommands:\n");
	for (size_t i = 0; i < NUM_COMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n"
		   "options (before the command):\n"
		   "  --config FILE     policy file, as GRALLOC_CONFIG=FILE\n"
		   "  --display PATH    display for scanout buffers, as GRALLOC_DISPLAY=PATH\n"
		   "  --version         the version, as 'gralloc version'\n"
		   "\n"
		   "'gralloc help COMMAND' or 'gralloc COMMAND --help' shows its options.\n"
		   "\n"
		   "environment:\n"
		   "  GRALLOC_CONFIG    policy file (default /etc/gralloc/policy.conf if present)\n"
		   "  GRALLOC_DISPLAY   display for scanout (default: first DRM device with KMS)\n"
		   "  GRALLOC_HEAP_DIR  dma-buf heap directory (default /dev/dma_heap)\n"
		   "  GRALLOC_UDMABUF   udmabuf node (default /dev/udmabuf)\n"
		   "  GRALLOC_ION_PATH  legacy ION node (default /dev/ion)\n"
		   "  GRALLOC_POOL      BYTES[,BUFFERS]: freed memory kept for reuse (default 64 MiB,32)\n"
		   "  GRALLOC_LOG       library messages on stderr: error, info or debug\n");
}

static int cmd_help(int argc, char **argv)
{
	if (argc > 2)
		return cli_usage_error("help", "too many arguments");
	if (argc == 2 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h")) {
		if (!cli_find_command(argv[1]))
			return cli_usage_error("help", "unknown command '%s'", argv[1]);
		return cli_print_help(argv[1]);
	}
	list_commands(stdout);
	return CLI_OK;
}

static int cmd_version(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return cli_print_help("version");
	if (argc > 1)
		return cli_usage_error("version", "unexpected argument '%s'", argv[1]);
	printf("gralloc %s\n", GRALLOC_VERSION);
	return CLI_OK;
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]: the value, advancing *i
 * past it, or NULL when argv[*i] is not that option. *missing is set when
 * the option is there without a value. */
static const char *global_value(const char *name, int argc, char **argv, int *i, bool *missing)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[(*i)++] + n + 1;
	if (argv[*i][n])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	*i += 2;
	return argv[*i - 1];
}

int main(int argc, char **argv)
{
	const struct cli_command *c;
	int i = 1;

	/* Global options are the library's environment variables under a
	 * flag: setting the variable reaches every command and the library
	 * the same way, including the demo's device. */
	while (i < argc && argv[i][0] == '-') {
		bool missing = false;
		const char *v;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return cmd_help(1, argv + i);
		if (!strcmp(argv[i], "--version"))
			return cmd_version(1, argv + i);
		if ((v = global_value("--config", argc, argv, &i, &missing))) {
			if (!*v)
				return cli_usage_error("", "--config needs a file name");
			setenv("GRALLOC_CONFIG", v, 1);
		} else if ((v = global_value("--display", argc, argv, &i, &missing))) {
			if (!*v)
				return cli_usage_error("", "--display needs a device path");
			setenv("GRALLOC_DISPLAY", v, 1);
		} else if (missing) {
			return cli_usage_error("", "option '%s' needs a value", argv[i]);
		} else {
			return cli_usage_error("", "unknown option '%s'", argv[i]);
		}
	}
	if (i >= argc) {
		list_commands(stderr);
		return CLI_USAGE;
	}
	c = cli_find_command(argv[i]);
	if (!c) {
		fprintf(stderr, "gralloc: unknown command '%s'\n", argv[i]);
		fprintf(stderr, "Try 'gralloc help' for the list of commands.\n");
		return CLI_USAGE;
	}
	return c->run(argc - i, argv + i);
}
