/* SPDX-License-Identifier: MIT */
/* `gralloc`: inspect, try and measure the allocator from a shell. The
 * subcommands live in cmd_*.c; adding one is one row in `commands`. */
#include <string.h>

#include "cli.h"

static int cmd_help(int argc, char **argv);

static const struct cli_command commands[] = {
	{ "info", cmd_info, "show heaps, backends, DRM devices and the policy in force",
	  "[--json]" },
	{ "alloc", cmd_alloc, "allocate one buffer, print its layout, free it",
	  "-f FORMAT -s WIDTHxHEIGHT -u USAGE[,USAGE...] [-l LAYERS] [-n NAME] [--json]" },
	{ "explain", cmd_explain, "show which backends and heaps a request would use, and why",
	  "-f FORMAT -s WIDTHxHEIGHT -u USAGE[,USAGE...] [-l LAYERS] [--json]" },
	{ "formats", cmd_formats, "list the pixel formats the library knows",
	  "[--json | --markdown]" },
	{ "bench", cmd_bench, "time allocation and CPU locking against raw kernel calls",
	  "[--quick] [--heap NAME] [--json]" },
	{ "demo", cmd_demo, "scan out animated frames drawn through lock/unlock (zero copy)",
	  "[--device /dev/dri/cardN | --driver NAME] [--frames N] [--output FILE.png] [--copy]" },
	{ "ps", cmd_ps, "every dma-buf on the machine and which processes hold it",
	  "[--json]" },
	{ "top", cmd_top, "dma-buf memory per process and per exporter, refreshed",
	  "[-d SECONDS] [-n COUNT | --once] [--json]" },
	{ "help", cmd_help, "list commands, or show one command's usage", "[COMMAND]" },
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
	fprintf(f, "usage: gralloc COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < NUM_COMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'gralloc help COMMAND' or 'gralloc COMMAND --help' shows its options.\n"
		   "Environment: GRALLOC_HEAP_DIR, GRALLOC_UDMABUF, GRALLOC_CONFIG, "
		   "GRALLOC_LOG=error|info|debug.\n");
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

int main(int argc, char **argv)
{
	const struct cli_command *c;

	if (argc < 2) {
		list_commands(stderr);
		return CLI_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv + 1);
	if (!strcmp(argv[1], "--version")) {
		printf("gralloc %s\n", GRALLOC_VERSION);
		return CLI_OK;
	}
	c = cli_find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "gralloc: unknown command '%s'\n", argv[1]);
		fprintf(stderr, "Try 'gralloc help' for the list of commands.\n");
		return CLI_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
