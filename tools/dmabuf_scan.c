/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "dmabuf_scan.h"

struct roots {
	char proc[256], sys[256];
};

static void roots_init(struct roots *r)
{
	const char *p = getenv("GRALLOC_PROC_DIR"), *s = getenv("GRALLOC_SYS_DIR");

	snprintf(r->proc, sizeof(r->proc), "%s", p && *p ? p : "/proc");
	snprintf(r->sys, sizeof(r->sys), "%s", s && *s ? s : "/sys");
}

/* Truncates on purpose: names and exporters are shown, not used. */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Grows *arr (of elem bytes each) to hold n + 1; 0 or -ENOMEM. */
static int grow(void *arr, size_t *cap, size_t n, size_t elem)
{
	void **p = arr;
	size_t ncap;
	void *q;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	q = realloc(*p, ncap * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = ncap;
	return 0;
}

struct builder {
	struct dmabuf_scan *s;
	size_t cap;
};

static struct dmabuf_entry *find_or_add(struct builder *b, uint64_t ino)
{
	struct dmabuf_scan *s = b->s;
	struct dmabuf_entry *e;

	for (size_t i = s->num_bufs; i-- > 0;)
		if (s->bufs[i].ino == ino)
			return &s->bufs[i];
	if (grow(&s->bufs, &b->cap, s->num_bufs, sizeof(*s->bufs)))
		return NULL;
	e = &s->bufs[s->num_bufs++];
	memset(e, 0, sizeof(*e));
	e->ino = ino;
	e->file_refs = -1;
	return e;
}

static struct dmabuf_holder *holder_of(struct dmabuf_entry *e, pid_t pid, const char *comm)
{
	struct dmabuf_holder *h;

	for (size_t i = 0; i < e->num_holders; i++)
		if (e->holders[i].pid == pid)
			return &e->holders[i];
	h = realloc(e->holders, (e->num_holders + 1) * sizeof(*h));
	if (!h)
		return NULL;
	e->holders = h;
	h = &h[e->num_holders++];
	memset(h, 0, sizeof(*h));
	h->pid = pid;
	copy_str(h->comm, sizeof(h->comm), comm);
	return h;
}

/* The value after "key:" and blanks, newline cut; NULL when the line is
 * another key. */
static char *key_value(char *line, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(line, key, n) || line[n] != ':')
		return NULL;
	line += n + 1;
	line += strspn(line, " \t");
	line[strcspn(line, "\n")] = '\0';
	return line;
}

struct fdinfo {
	uint64_t size, ino;
	char exporter[64], name[128];
	bool is_dmabuf;
};

/* fdinfo of a dma-buf has exp_name (kernel 5.3+); ino is there from
 * 5.14, else it comes from stat. 0 or -errno. */
static int read_fdinfo(const char *path, struct fdinfo *fi)
{
	char line[512], *v;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	memset(fi, 0, sizeof(*fi));
	while (fgets(line, sizeof(line), f)) {
		if ((v = key_value(line, "size")))
			fi->size = strtoull(v, NULL, 10);
		else if ((v = key_value(line, "ino")))
			fi->ino = strtoull(v, NULL, 10);
		else if ((v = key_value(line, "exp_name"))) {
			copy_str(fi->exporter, sizeof(fi->exporter), v);
			fi->is_dmabuf = true;
		} else if ((v = key_value(line, "name")))
			copy_str(fi->name, sizeof(fi->name), v);
	}
	fclose(f);
	return 0;
}

/* Before 6.x a dma-buf fd reads "anon_inode:dmabuf"; since then
 * "/dmabuf:NAME" (the same text names its mappings in maps). */
static bool is_dmabuf_link(const char *target)
{
	return !strncmp(target, "/dmabuf:", 8) || !strcmp(target, "anon_inode:dmabuf");
}

static void read_comm(const char *dir, char *comm, size_t len)
{
	char path[340];
	FILE *f;

	snprintf(path, sizeof(path), "%s/comm", dir);
	comm[0] = '\0';
	f = fopen(path, "re");
	if (f) {
		if (fgets(comm, (int)len, f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
}

static int add_fd(struct builder *b, const char *dir, pid_t pid, const char *comm, int fd)
{
	char path[340], target[256];
	struct dmabuf_entry *e;
	struct dmabuf_holder *h;
	struct fdinfo fi;
	ssize_t n;
	int *fds;

	snprintf(path, sizeof(path), "%s/fd/%d", dir, fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return 0; /* closed meanwhile */
	target[n] = '\0';
	if (!is_dmabuf_link(target))
		return 0;
	snprintf(path, sizeof(path), "%s/fdinfo/%d", dir, fd);
	if (read_fdinfo(path, &fi) || !fi.is_dmabuf)
		return 0;
	if (!fi.ino) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/fd/%d", dir, fd);
		if (stat(path, &st))
			return 0;
		fi.ino = st.st_ino;
	}
	e = find_or_add(b, fi.ino);
	if (!e)
		return -ENOMEM;
	e->size = fi.size;
	copy_str(e->exporter, sizeof(e->exporter), fi.exporter);
	copy_str(e->name, sizeof(e->name), fi.name);
	e->seen |= SEEN_FDINFO;
	h = holder_of(e, pid, comm);
	fds = h ? realloc(h->fds, (h->num_fds + 1) * sizeof(*fds)) : NULL;
	if (!fds)
		return -ENOMEM;
	h->fds = fds;
	fds[h->num_fds++] = fd;
	return 0;
}

/* -EACCES when the process's fds are hidden from us. */
static int scan_fds(struct builder *b, const char *dir, pid_t pid, const char *comm)
{
	char path[340];
	struct dirent *ent;
	DIR *d;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/fd", dir);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -EACCES;
	while (!ret && (ent = readdir(d))) {
		char *end;
		long fd = strtol(ent->d_name, &end, 10);

		if (ent->d_name[0] != '.' && !*end)
			ret = add_fd(b, dir, pid, comm, (int)fd);
	}
	closedir(d);
	return ret;
}

static int scan_maps(struct builder *b, const char *dir, pid_t pid, const char *comm)
{
	char path[340], line[1024];
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/maps", dir);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -EACCES;
	while (!ret && fgets(line, sizeof(line), f)) {
		unsigned long long start, end, ino;
		struct dmabuf_entry *e;
		struct dmabuf_holder *h;
		int pos = 0;
		char *p;

		if (sscanf(line, "%llx-%llx %*s %*s %*s %llu %n", &start, &end, &ino, &pos) < 3 ||
		    !pos)
			continue;
		p = line + pos;
		p[strcspn(p, "\n")] = '\0';
		if (strncmp(p, "/dmabuf:", 8) || end < start)
			continue;
		e = find_or_add(b, ino);
		h = e ? holder_of(e, pid, comm) : NULL;
		if (!h) {
			ret = -ENOMEM;
			break;
		}
		if (!e->name[0])
			copy_str(e->name, sizeof(e->name), p + 8);
		e->seen |= SEEN_MAPS;
		h->mapped += end - start;
		h->mappings++;
	}
	/* maps of a process we may not ptrace reads as empty or fails. */
	fclose(f);
	return ret;
}

static int scan_procs(struct builder *b, const char *proc)
{
	struct dirent *ent;
	pid_t self = getpid();
	DIR *d = opendir(proc);
	int ret = 0;

	if (!d)
		return -errno;
	while (!ret && (ent = readdir(d))) {
		char dir[300], comm[32], *end;
		long pid = strtol(ent->d_name, &end, 10);
		int r1, r2;

		if (!isdigit((unsigned char)ent->d_name[0]) || *end || pid == self)
			continue;
		snprintf(dir, sizeof(dir), "%s/%ld", proc, pid);
		read_comm(dir, comm, sizeof(comm));
		b->s->procs++;
		r1 = scan_fds(b, dir, (pid_t)pid, comm);
		r2 = r1 == -ENOMEM ? 0 : scan_maps(b, dir, (pid_t)pid, comm);
		if (r1 == -ENOMEM || r2 == -ENOMEM)
			ret = -ENOMEM;
		else if (r1 || r2)
			b->s->procs_unreadable++;
	}
	closedir(d);
	return ret;
}

static int read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		ret = -EIO;
	else
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return ret;
}

/* /sys/kernel/dmabuf/buffers/INODE/{exporter_name,size}. */
static int scan_sysfs(struct builder *b, const char *sys)
{
	char path[300];
	struct dirent *ent;
	DIR *d;

	snprintf(path, sizeof(path), "%s/kernel/dmabuf/buffers", sys);
	d = opendir(path);
	if (!d) {
		b->s->sysfs = errno == ENOENT ? SOURCE_ABSENT : SOURCE_UNREADABLE;
		return 0;
	}
	b->s->sysfs = SOURCE_READ;
	while ((ent = readdir(d))) {
		char file[600], val[128], *end;
		unsigned long long ino = strtoull(ent->d_name, &end, 10);
		struct dmabuf_entry *e;

		if (!isdigit((unsigned char)ent->d_name[0]) || *end)
			continue;
		e = find_or_add(b, ino);
		if (!e) {
			closedir(d);
			return -ENOMEM;
		}
		e->seen |= SEEN_SYSFS;
		snprintf(file, sizeof(file), "%s/%s/size", path, ent->d_name);
		if (!read_small(file, val, sizeof(val)))
			e->size = strtoull(val, NULL, 10);
		snprintf(file, sizeof(file), "%s/%s/exporter_name", path, ent->d_name);
		if (!e->exporter[0] && !read_small(file, val, sizeof(val)))
			copy_str(e->exporter, sizeof(e->exporter), val);
	}
	closedir(d);
	return 0;
}

/* debugfs dma_buf/bufinfo: one tab-separated line per buffer (size flags
 * mode count exp_name ino name), then its fences, then "Attached
 * Devices:" and one device per line up to "Total N devices attached". */
static int scan_debugfs(struct builder *b, const char *sys)
{
	char path[300], line[1024];
	struct dmabuf_entry *cur = NULL;
	bool in_devices = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/kernel/debug/dma_buf/bufinfo", sys);
	f = fopen(path, "re");
	if (!f) {
		char dir[300];
		struct stat st;

		/* Not mounted, or mounted and closed to us (mode 0700). */
		snprintf(dir, sizeof(dir), "%s/kernel/debug/dma_buf", sys);
		b->s->debugfs = (errno == ENOENT && stat(dir, &st)) ? SOURCE_ABSENT
								  : SOURCE_UNREADABLE;
		return 0;
	}
	b->s->debugfs = SOURCE_READ;
	while (fgets(line, sizeof(line), f)) {
		char *field[7], *p = line;
		int n = 0;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\t') {
			if (!strcmp(line, "\tAttached Devices:"))
				in_devices = true;
			else if (in_devices && cur) {
				char (*a)[64] = realloc(cur->attached,
							(cur->num_attached + 1) * sizeof(*a));

				if (!a) {
					fclose(f);
					return -ENOMEM;
				}
				cur->attached = a;
				copy_str(a[cur->num_attached++], sizeof(*a), line + 1);
			}
			continue;
		}
		in_devices = false;
		cur = NULL;
		/* The name is last and may itself hold tabs. */
		while (n < 6 && (field[n] = strsep(&p, "\t")))
			n++;
		if (n < 6 || !p || !isdigit((unsigned char)field[0][0]) ||
		    !isdigit((unsigned char)field[5][0]))
			continue;
		field[6] = p;
		cur = find_or_add(b, strtoull(field[5], NULL, 10));
		if (!cur) {
			fclose(f);
			return -ENOMEM;
		}
		cur->seen |= SEEN_DEBUGFS;
		cur->size = strtoull(field[0], NULL, 10);
		cur->file_refs = strtol(field[3], NULL, 10);
		if (!cur->exporter[0])
			copy_str(cur->exporter, sizeof(cur->exporter), field[4]);
		if (!cur->name[0] && strcmp(field[6], "<none>"))
			copy_str(cur->name, sizeof(cur->name), field[6]);
	}
	fclose(f);
	return 0;
}

static int by_ino(const void *a, const void *b)
{
	const struct dmabuf_entry *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

void dmabuf_scan_free(struct dmabuf_scan *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->num_bufs; i++) {
		for (size_t j = 0; j < s->bufs[i].num_holders; j++)
			free(s->bufs[i].holders[j].fds);
		free(s->bufs[i].holders);
		free(s->bufs[i].attached);
	}
	free(s->bufs);
	memset(s, 0, sizeof(*s));
}

int dmabuf_scan(struct dmabuf_scan *out)
{
	struct builder b = { .s = out };
	struct roots r;
	int ret;

	memset(out, 0, sizeof(*out));
	out->euid = geteuid();
	roots_init(&r);
	ret = scan_procs(&b, r.proc);
	if (!ret)
		ret = scan_sysfs(&b, r.sys);
	if (!ret)
		ret = scan_debugfs(&b, r.sys);
	if (ret) {
		dmabuf_scan_free(out);
		return ret;
	}
	if (out->num_bufs)
		qsort(out->bufs, out->num_bufs, sizeof(*out->bufs), by_ino);
	return 0;
}

static int by_rss(const void *a, const void *b)
{
	const struct dmabuf_proc_total *x = a, *y = b;

	if (x->rss != y->rss)
		return x->rss > y->rss ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

int dmabuf_proc_totals(const struct dmabuf_scan *s, struct dmabuf_proc_total **out,
		       size_t *count)
{
	struct dmabuf_proc_total *t = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < s->num_bufs; i++) {
		const struct dmabuf_entry *e = &s->bufs[i];

		for (size_t j = 0; j < e->num_holders; j++) {
			const struct dmabuf_holder *h = &e->holders[j];
			size_t k;

			for (k = 0; k < n && t[k].pid != h->pid; k++)
				;
			if (k == n) {
				if (grow(&t, &cap, n, sizeof(*t))) {
					free(t);
					return -ENOMEM;
				}
				memset(&t[n], 0, sizeof(*t));
				t[n].pid = h->pid;
				copy_str(t[n].comm, sizeof(t[n].comm), h->comm);
				n++;
			}
			t[k].bufs++;
			t[k].rss += e->size;
			t[k].pss += e->size / e->num_holders;
			t[k].mapped += h->mapped;
		}
	}
	if (n)
		qsort(t, n, sizeof(*t), by_rss);
	*out = t;
	*count = n;
	return 0;
}

size_t dmabuf_visibility_notes(const struct dmabuf_scan *s, char notes[][256], size_t max)
{
	size_t n = 0;

	if (n < max && s->procs_unreadable)
		snprintf(notes[n++], 256,
			 "%u of %u processes keep their fds or mappings from uid %u: the "
			 "buffers they hold are missing%s", s->procs_unreadable, s->procs,
			 (unsigned)s->euid, s->euid ? " (run as root to see them)" : "");
	if (n < max && s->debugfs != SOURCE_READ)
		snprintf(notes[n++], 256,
			 "debugfs dma_buf/bufinfo is %s: buffers no process holds (a driver's "
			 "import, a KMS framebuffer) and attached devices are not shown%s",
			 s->debugfs == SOURCE_ABSENT ? "not mounted" : "unreadable (root only)",
			 s->sysfs == SOURCE_READ ? ", though sysfs lists the buffers" : "");
	if (n < max && s->sysfs == SOURCE_ABSENT)
		snprintf(notes[n++], 256,
			 "/sys/kernel/dmabuf/buffers is absent (kernel without "
			 "CONFIG_DMABUF_SYSFS_STATS)");
	return n;
}

const char *dmabuf_human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	unsigned u = 0;

	while (v >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 " B", bytes);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
	return buf;
}

static const char *source_state_name(enum source_state st)
{
	return st == SOURCE_READ ? "read" : st == SOURCE_ABSENT ? "absent" : "unreadable";
}

void dmabuf_visibility_json(FILE *f, const struct dmabuf_scan *s, char notes[][256],
			    size_t num_notes)
{
	bool first = true;

	fprintf(f, "{");
	json_key(f, &first, "euid");
	fprintf(f, "%u", (unsigned)s->euid);
	json_key(f, &first, "processes");
	fprintf(f, "%u", s->procs);
	json_key(f, &first, "processes_unreadable");
	fprintf(f, "%u", s->procs_unreadable);
	json_key(f, &first, "sysfs_buffers");
	json_string(f, source_state_name(s->sysfs));
	json_key(f, &first, "debugfs_bufinfo");
	json_string(f, source_state_name(s->debugfs));
	json_key(f, &first, "complete");
	fprintf(f, "%s", !s->procs_unreadable && s->debugfs == SOURCE_READ ? "true" : "false");
	json_key(f, &first, "notes");
	fprintf(f, "[");
	for (size_t i = 0; i < num_notes; i++) {
		fprintf(f, "%s", i ? "," : "");
		json_string(f, notes[i]);
	}
	fprintf(f, "]}");
}
