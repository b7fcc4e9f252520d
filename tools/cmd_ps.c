/* SPDX-License-Identifier: MIT */
/* `gralloc ps`: every dma-buf on the machine and who holds it. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dmabuf_scan.h"

#define MAX_NOTES 4

static const char *const source_names[] = { "fdinfo", "maps", "sysfs", "debugfs" };

static void print_holders(const struct dmabuf_entry *e)
{
	char size[32];

	for (size_t j = 0; j < e->num_holders; j++) {
		const struct dmabuf_holder *h = &e->holders[j];

		printf("%s%d %s (", j ? ", " : "", (int)h->pid, h->comm);
		if (h->num_fds) {
			printf("fd");
			for (size_t k = 0; k < h->num_fds; k++)
				printf("%s%d", k ? "," : " ", h->fds[k]);
		}
		if (h->mappings)
			printf("%smapped %s", h->num_fds ? ", " : "",
			       dmabuf_human_size(h->mapped, size, sizeof(size)));
		printf(")");
	}
	if (!e->num_holders)
		printf("no process%s", e->seen & SEEN_DEBUGFS ? " (held by the kernel)" :
				       " that we can see");
	if (e->num_attached) {
		printf("; attached:");
		for (size_t k = 0; k < e->num_attached; k++)
			printf(" %s", e->attached[k]);
	}
}

static void print_text(const struct dmabuf_scan *s, char notes[][256], size_t num_notes)
{
	uint64_t total = 0;
	char size[32];

	printf("%-8s %10s  %-10s %-28s %s\n", "INODE", "SIZE", "EXPORTER", "NAME",
	       "HOLDERS: PID COMM (FDS, MAPPINGS)");
	for (size_t i = 0; i < s->num_bufs; i++) {
		const struct dmabuf_entry *e = &s->bufs[i];

		total += e->size;
		printf("%-8" PRIu64 " %10s  %-10s %-28s ", e->ino,
		       e->size ? dmabuf_human_size(e->size, size, sizeof(size)) : "?",
		       e->exporter[0] ? e->exporter : "?", e->name[0] ? e->name : "-");
		print_holders(e);
		printf("\n");
	}
	printf("total: %zu dma-bufs, %s\n", s->num_bufs,
	       dmabuf_human_size(total, size, sizeof(size)));
	for (size_t i = 0; i < num_notes; i++)
		printf("note: %s\n", notes[i]);
}

static void print_json_entry(const struct dmabuf_entry *e)
{
	bool first = true;

	printf("{");
	json_key(stdout, &first, "inode");
	printf("%" PRIu64, e->ino);
	json_key(stdout, &first, "size");
	printf("%" PRIu64, e->size);
	json_key(stdout, &first, "exporter");
	json_string(stdout, e->exporter);
	json_key(stdout, &first, "name");
	json_string(stdout, e->name);
	json_key(stdout, &first, "shared_by");
	printf("%zu", e->num_holders);
	json_key(stdout, &first, "file_refs");
	if (e->file_refs < 0)
		printf("null");
	else
		printf("%ld", e->file_refs);
	json_key(stdout, &first, "processes");
	printf("[");
	for (size_t j = 0; j < e->num_holders; j++) {
		const struct dmabuf_holder *h = &e->holders[j];
		bool f2 = true;

		printf("%s{", j ? "," : "");
		json_key(stdout, &f2, "pid");
		printf("%d", (int)h->pid);
		json_key(stdout, &f2, "comm");
		json_string(stdout, h->comm);
		json_key(stdout, &f2, "fds");
		printf("[");
		for (size_t k = 0; k < h->num_fds; k++)
			printf("%s%d", k ? "," : "", h->fds[k]);
		printf("]");
		json_key(stdout, &f2, "mappings");
		printf("%u", h->mappings);
		json_key(stdout, &f2, "mapped_bytes");
		printf("%" PRIu64 "}", h->mapped);
	}
	printf("]");
	json_key(stdout, &first, "attached_devices");
	printf("[");
	for (size_t k = 0; k < e->num_attached; k++) {
		printf("%s", k ? "," : "");
		json_string(stdout, e->attached[k]);
	}
	printf("]");
	json_key(stdout, &first, "seen_in");
	printf("[");
	for (unsigned k = 0, n = 0; k < 4; k++)
		if (e->seen & (1u << k)) {
			printf("%s", n++ ? "," : "");
			json_string(stdout, source_names[k]);
		}
	printf("]}");
}

static void print_json(const struct dmabuf_scan *s, char notes[][256], size_t num_notes)
{
	bool first = true;
	uint64_t total = 0;

	printf("{");
	json_key(stdout, &first, "buffers");
	printf("[");
	for (size_t i = 0; i < s->num_bufs; i++) {
		total += s->bufs[i].size;
		printf("%s", i ? ",\n" : "\n");
		print_json_entry(&s->bufs[i]);
	}
	printf("]");
	json_key(stdout, &first, "total_bytes");
	printf("%" PRIu64, total);
	json_key(stdout, &first, "visibility");
	dmabuf_visibility_json(stdout, s, notes, num_notes);
	printf("}\n");
}

int cmd_ps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char notes[MAX_NOTES][256];
	struct dmabuf_scan s;
	size_t num_notes;
	bool json = false;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 'h')
			return cli_print_help("ps");
		else
			return cli_usage_error("ps", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error("ps", "unexpected argument '%s'", argv[optind]);
	ret = dmabuf_scan(&s);
	if (ret) {
		fprintf(stderr, "gralloc ps: cannot list processes: %s\n", strerror(-ret));
		return CLI_FAILED;
	}
	num_notes = dmabuf_visibility_notes(&s, notes, MAX_NOTES);
	if (json)
		print_json(&s, notes, num_notes);
	else
		print_text(&s, notes, num_notes);
	dmabuf_scan_free(&s);
	return CLI_OK;
}
