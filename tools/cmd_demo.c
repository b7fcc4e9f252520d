/* SPDX-License-Identifier: MIT */
/* `gralloc demo`: the zero-copy scanout demo of examples/kms, as a command:
 * its messages say `gralloc demo` and --help is `gralloc help demo`. */
#include "cli.h"
#include "demo.h"

int cmd_demo(int argc, char **argv)
{
	char help[512];

	cli_format_help("demo", help, sizeof(help));
	return kms_demo_main("gralloc demo", help, argc, argv);
}
