/* SPDX-License-Identifier: MIT */
/* `gralloc top`: dma-buf memory per process and per exporter, refreshed. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dmabuf_scan.h"

#define MAX_NOTES 4
#define MAX_EXPORTERS 64

struct exporter_total {
	char name[64];
	unsigned bufs;
	uint64_t bytes;
};

struct totals {
	struct dmabuf_proc_total *procs;
	size_t num_procs;
	struct exporter_total exp[MAX_EXPORTERS];
	size_t num_exp;
	unsigned bufs, unheld_bufs;
	uint64_t bytes, unheld_bytes;
};

static void add_exporter(struct totals *t, const struct dmabuf_entry *e)
{
	const char *name = e->exporter[0] ? e->exporter : "?";
	size_t i;

	for (i = 0; i < t->num_exp && strcmp(t->exp[i].name, name); i++)
		;
	if (i == t->num_exp) {
		if (i == MAX_EXPORTERS)
			i--; /* the last row takes the rest */
		else
			snprintf(t->exp[t->num_exp++].name, sizeof(t->exp[i].name), "%s", name);
	}
	t->exp[i].bufs++;
	t->exp[i].bytes += e->size;
}

static int totals_of(const struct dmabuf_scan *s, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < s->num_bufs; i++) {
		const struct dmabuf_entry *e = &s->bufs[i];

		t->bufs++;
		t->bytes += e->size;
		if (!e->num_holders) {
			t->unheld_bufs++;
			t->unheld_bytes += e->size;
		}
		add_exporter(t, e);
	}
	return dmabuf_proc_totals(s, &t->procs, &t->num_procs);
}

static void print_text(const struct totals *t, char notes[][256], size_t num_notes,
		       unsigned delay)
{
	char a[32], b[32], c[32];

	printf("gralloc top: %u dma-bufs, %s; %zu processes hold them",
	       t->bufs, dmabuf_human_size(t->bytes, a, sizeof(a)), t->num_procs);
	if (delay)
		printf(" (every %u s, Ctrl-C quits)", delay);
	printf("\n\n%7s %-16s %5s %10s %10s %10s\n", "PID", "COMM", "BUFS", "RSS", "PSS",
	       "MAPPED");
	for (size_t i = 0; i < t->num_procs; i++) {
		const struct dmabuf_proc_total *p = &t->procs[i];

		printf("%7d %-16s %5u %10s %10s %10s\n", (int)p->pid, p->comm, p->bufs,
		       dmabuf_human_size(p->rss, a, sizeof(a)),
		       dmabuf_human_size(p->pss, b, sizeof(b)),
		       dmabuf_human_size(p->mapped, c, sizeof(c)));
	}
	if (t->unheld_bufs)
		printf("%7s %-16s %5u %10s\n", "-", "(no process)", t->unheld_bufs,
		       dmabuf_human_size(t->unheld_bytes, a, sizeof(a)));
	printf("\n%-24s %5s %10s\n", "EXPORTER", "BUFS", "SIZE");
	for (size_t i = 0; i < t->num_exp; i++)
		printf("%-24s %5u %10s\n", t->exp[i].name, t->exp[i].bufs,
		       dmabuf_human_size(t->exp[i].bytes, a, sizeof(a)));
	for (size_t i = 0; i < num_notes; i++)
		printf("note: %s\n", notes[i]);
}

/* One JSON document per refresh, one per line (JSON Lines). */
static void print_json(const struct dmabuf_scan *s, const struct totals *t,
		       char notes[][256], size_t num_notes)
{
	bool first = true;

	printf("{");
	json_key(stdout, &first, "time");
	printf("%lld", (long long)time(NULL));
	json_key(stdout, &first, "buffers");
	printf("%u", t->bufs);
	json_key(stdout, &first, "bytes");
	printf("%" PRIu64, t->bytes);
	json_key(stdout, &first, "processes");
	printf("[");
	for (size_t i = 0; i < t->num_procs; i++) {
		const struct dmabuf_proc_total *p = &t->procs[i];
		bool f = true;

		printf("%s{", i ? "," : "");
		json_key(stdout, &f, "pid");
		printf("%d", (int)p->pid);
		json_key(stdout, &f, "comm");
		json_string(stdout, p->comm);
		json_key(stdout, &f, "buffers");
		printf("%u", p->bufs);
		json_key(stdout, &f, "rss_bytes");
		printf("%" PRIu64, p->rss);
		json_key(stdout, &f, "pss_bytes");
		printf("%" PRIu64, p->pss);
		json_key(stdout, &f, "mapped_bytes");
		printf("%" PRIu64 "}", p->mapped);
	}
	printf("]");
	json_key(stdout, &first, "no_process");
	printf("{\"buffers\":%u,\"bytes\":%" PRIu64 "}", t->unheld_bufs, t->unheld_bytes);
	json_key(stdout, &first, "exporters");
	printf("[");
	for (size_t i = 0; i < t->num_exp; i++) {
		printf("%s{\"exporter\":", i ? "," : "");
		json_string(stdout, t->exp[i].name);
		printf(",\"buffers\":%u,\"bytes\":%" PRIu64 "}", t->exp[i].bufs, t->exp[i].bytes);
	}
	printf("]");
	json_key(stdout, &first, "visibility");
	dmabuf_visibility_json(stdout, s, notes, num_notes);
	printf("}\n");
}

static int refresh(bool json, bool clear, unsigned delay)
{
	char notes[MAX_NOTES][256];
	struct dmabuf_scan s;
	struct totals t;
	size_t num_notes;
	int ret = dmabuf_scan(&s);

	if (ret) {
		fprintf(stderr, "gralloc top: cannot list processes: %s\n", strerror(-ret));
		return CLI_FAILED;
	}
	ret = totals_of(&s, &t);
	if (ret) {
		dmabuf_scan_free(&s);
		fprintf(stderr, "gralloc top: %s\n", strerror(-ret));
		return CLI_FAILED;
	}
	num_notes = dmabuf_visibility_notes(&s, notes, MAX_NOTES);
	if (clear)
		printf("\033[H\033[2J");
	if (json)
		print_json(&s, &t, notes, num_notes);
	else
		print_text(&t, notes, num_notes, delay);
	fflush(stdout);
	free(t.procs);
	dmabuf_scan_free(&s);
	return CLI_OK;
}

int cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "once", no_argument, NULL, '1' },
		{ "delay", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t delay = 2, count = 0; /* 0: until interrupted */
	bool json = false;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hd:n:", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case '1':
			count = 1;
			break;
		case 'd':
			if (!cli_parse_u32(optarg, &delay) || delay < 1 || delay > 3600)
				return cli_usage_error("top", "delay '%s' is not 1..3600 seconds",
						       optarg);
			break;
		case 'n':
			if (!cli_parse_u32(optarg, &count) || count < 1)
				return cli_usage_error("top", "iterations '%s' is not a positive "
						       "number", optarg);
			break;
		case 'h':
			return cli_print_help("top");
		case ':':
			return cli_usage_error("top", "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return cli_usage_error("top", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("top", "unexpected argument '%s'", argv[optind]);
	for (uint32_t i = 0; !count || i < count; i++) {
		bool last = count && i + 1 == count;
		struct timespec ts = { .tv_sec = delay };
		int ret = refresh(json, !json && count != 1 && isatty(STDOUT_FILENO),
				  count == 1 ? 0 : delay);

		if (ret || last)
			return ret;
		while (nanosleep(&ts, &ts))
			;
	}
	return CLI_OK;
}
