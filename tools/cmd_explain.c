/* SPDX-License-Identifier: MIT */
/* `gralloc explain`: the allocation plan for a request, without allocating. */
#include <errno.h>

#include "cli.h"

static const char *verdict_name(enum gralloc_verdict v)
{
	switch (v) {
	case GRALLOC_VERDICT_SELECTED:
		return "selected";
	case GRALLOC_VERDICT_FALLBACK:
		return "fallback";
	case GRALLOC_VERDICT_SKIPPED:
		return "skipped";
	}
	return "unknown";
}

static void print_text(const struct gralloc_explanation *e)
{
	size_t n = gralloc_explanation_count(e);

	printf("summary: %s\n", gralloc_explanation_summary(e));
	if (!n) {
		printf("no candidates: the policy lists nothing for this request\n");
		return;
	}
	printf("%-9s %-9s %-20s %s\n", "VERDICT", "BACKEND", "HEAP", "REASON");
	for (size_t i = 0; i < n; i++) {
		struct gralloc_candidate c;

		if (gralloc_explanation_get(e, i, &c) < 0)
			continue;
		printf("%-9s %-9s %-20s %s\n", verdict_name(c.verdict), c.backend,
		       c.heap[0] ? c.heap : "-", c.reason);
	}
}

static void print_json(const struct gralloc_explanation *e)
{
	size_t n = gralloc_explanation_count(e);
	bool allocatable = false;

	printf("{\"summary\":");
	json_string(stdout, gralloc_explanation_summary(e));
	printf(",\"candidates\":[");
	for (size_t i = 0; i < n; i++) {
		struct gralloc_candidate c;

		if (gralloc_explanation_get(e, i, &c) < 0)
			continue;
		allocatable |= c.verdict == GRALLOC_VERDICT_SELECTED;
		printf("%s{\"verdict\":\"%s\",\"backend\":", i ? "," : "", verdict_name(c.verdict));
		json_string(stdout, c.backend);
		printf(",\"heap\":");
		json_string(stdout, c.heap);
		printf(",\"reason\":");
		json_string(stdout, c.reason);
		printf("}");
	}
	printf("],\"allocatable\":%s}\n", allocatable ? "true" : "false");
}

int cmd_explain(int argc, char **argv)
{
	struct cli_desc_args args;
	struct gralloc_device *dev;
	struct gralloc_explanation *e;
	int ret = cli_parse_desc_args("explain", argc, argv, &args);

	if (ret >= 0)
		return ret;
	dev = cli_device_open(args.json);
	if (!dev)
		return CLI_FAILED;
	e = gralloc_explain(dev, &args.desc);
	if (!e) {
		ret = cli_fail_json(args.json, "cannot explain this request", errno);
	} else {
		if (args.json)
			print_json(e);
		else
			print_text(e);
		ret = CLI_OK;
	}
	gralloc_explanation_destroy(e);
	gralloc_device_destroy(dev);
	return ret;
}
