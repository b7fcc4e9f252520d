/* SPDX-License-Identifier: MIT */
/* The policy config language: parse, check, dump. See docs/policy.md. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gralloc/policy.h"
#include "gralloc/private.h"

#define MAX_FILE_SIZE (64 * 1024)
#define MAX_WORDS 24

struct parse_ctx {
	struct gralloc_policy *policy;
	const char *source;
	unsigned line;
};

#define parse_error(ctx, ...)                                                    \
	do {                                                                     \
		char msg_[256];                                                  \
		snprintf(msg_, sizeof(msg_), __VA_ARGS__);                       \
		gralloc_log(ERROR, "%s:%u: %s", (ctx)->source, (ctx)->line, msg_); \
	} while (0)

static bool is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Names become paths under the heap directory: nothing that climbs out. */
static bool valid_name(const char *s)
{
	return s[0] && strlen(s) < POLICY_NAME_MAX && !strchr(s, '/') &&
	       strcmp(s, ".") && strcmp(s, "..");
}

static int parse_bool(struct parse_ctx *ctx, const char *key, const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else {
		parse_error(ctx, "%s=%s: expected yes or no", key, v);
		return -EINVAL;
	}
	return 0;
}

static int parse_u32(struct parse_ctx *ctx, const char *key, const char *v, uint32_t *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno || *end || !*v || n > UINT32_MAX) {
		parse_error(ctx, "%s=%s: expected a 32-bit number", key, v);
		return -EINVAL;
	}
	*out = (uint32_t)n;
	return 0;
}

static int parse_heap(struct parse_ctx *ctx, char **words, int n)
{
	struct policy_heap *heap;
	int ret;

	if (n < 2 || !valid_name(words[1]) || is_glob(words[1])) {
		parse_error(ctx, "'heap' needs a plain heap name (no '/', no wildcards)");
		return -EINVAL;
	}
	ret = policy_get_heap(ctx->policy, words[1], &heap);
	if (ret) {
		parse_error(ctx, "too many heaps (at most %d)", POLICY_MAX_HEAPS);
		return ret;
	}
	for (int i = 2; i < n; i++) {
		char *key = words[i], *v = strchr(key, '=');

		if (!v) {
			parse_error(ctx, "'%s': expected key=value", key);
			return -EINVAL;
		}
		*v++ = '\0';
		if (!strcmp(key, "kind")) {
			int k;

			for (k = 0; k < HEAP_KIND_COUNT; k++)
				if (!strcmp(v, policy_kind_names[k]))
					break;
			if (k == HEAP_KIND_COUNT) {
				parse_error(ctx, "kind=%s: expected system, cma, secure or other", v);
				return -EINVAL;
			}
			heap->kind = (enum policy_heap_kind)k;
		} else if (!strcmp(key, "cached")) {
			ret = parse_bool(ctx, key, v, &heap->cached);
		} else if (!strcmp(key, "node")) {
			if (!valid_name(v)) {
				parse_error(ctx, "node=%s: must be a file name in the heap directory", v);
				return -EINVAL;
			}
			gralloc_copy_name(heap->node, sizeof(heap->node), v);
		} else if (!strcmp(key, "ion")) {
			if (!valid_name(v)) {
				parse_error(ctx, "ion=%s: not a valid ION heap name", v);
				return -EINVAL;
			}
			/* A name and a mask are two ways to say one thing: the
			 * last one given wins. */
			heap->ion.set = true;
			heap->ion.id_mask = 0;
			gralloc_copy_name(heap->ion.heap_name, sizeof(heap->ion.heap_name), v);
		} else if (!strcmp(key, "ion-mask")) {
			heap->ion.set = true;
			heap->ion.heap_name[0] = '\0';
			ret = parse_u32(ctx, key, v, &heap->ion.id_mask);
			if (!ret && !heap->ion.id_mask) {
				parse_error(ctx, "ion-mask=0 selects no ION heap");
				ret = -EINVAL;
			}
		} else if (!strcmp(key, "ion-flags")) {
			ret = parse_u32(ctx, key, v, &heap->ion.flags);
		} else {
			parse_error(ctx, "unknown heap attribute '%s'", key);
			return -EINVAL;
		}
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_order(struct parse_ctx *ctx, char **words, int n)
{
	struct policy_order *order;
	int c;

	if (n < 2) {
		parse_error(ctx, "'order' needs a class and heap names");
		return -EINVAL;
	}
	for (c = 0; c < CLASS_COUNT; c++)
		if (!strcmp(words[1], policy_class_names[c]))
			break;
	if (c == CLASS_COUNT) {
		parse_error(ctx, "unknown class '%s' (protected, contiguous, uncached, "
			    "cached, default)", words[1]);
		return -EINVAL;
	}
	if (n - 2 > POLICY_MAX_PATTERNS) {
		parse_error(ctx, "too many heaps in one order (at most %d)",
			    POLICY_MAX_PATTERNS);
		return -EINVAL;
	}
	order = &ctx->policy->orders[c];
	order->count = 0;
	for (int i = 2; i < n; i++) {
		if (!valid_name(words[i])) {
			parse_error(ctx, "'%s' is not a valid heap name", words[i]);
			return -EINVAL;
		}
		gralloc_copy_name(order->patterns[order->count++], POLICY_NAME_MAX, words[i]);
	}
	return 0;
}

static int parse_fallback(struct parse_ctx *ctx, char **words, int n)
{
	struct gralloc_policy *p = ctx->policy;

	if (n - 1 > POLICY_MAX_FALLBACKS) {
		parse_error(ctx, "too many fallbacks");
		return -EINVAL;
	}
	p->num_fallbacks = 0;
	for (int i = 1; i < n; i++) {
		size_t b;

		if (!strcmp(words[i], "none") && n == 2)
			break;
		for (b = 0; b < gralloc_backend_impl_count; b++)
			if (!strcmp(words[i], gralloc_backend_impls[b]->name) &&
			    !gralloc_backend_impls[b]->uses_heaps)
				break;
		if (b == gralloc_backend_impl_count) {
			parse_error(ctx, "'%s' is not a fallback backend", words[i]);
			return -EINVAL;
		}
		gralloc_copy_name(p->fallbacks[p->num_fallbacks++], POLICY_NAME_MAX, words[i]);
	}
	return 0;
}

static int parse_iommu(struct parse_ctx *ctx, char **words, int n)
{
	static const char *const modes[] = { "auto", "present", "absent" };

	for (int m = 0; n == 2 && m < 3; m++) {
		if (!strcmp(words[1], modes[m])) {
			ctx->policy->iommu = (enum policy_iommu)m;
			return 0;
		}
	}
	parse_error(ctx, "'iommu' takes auto, present or absent");
	return -EINVAL;
}

/* max-allocation 50% | 512M | 2G | 4096 | none */
static int parse_limit(struct parse_ctx *ctx, char **words, int n)
{
	struct gralloc_policy *p = ctx->policy;
	unsigned long long v;
	char *end;

	if (n == 2 && !strcmp(words[1], "none")) {
		p->limit = LIMIT_NONE;
		p->limit_value = 0;
		return 0;
	}
	if (n != 2 || !isdigit((unsigned char)words[1][0]))
		goto bad;
	errno = 0;
	v = strtoull(words[1], &end, 10);
	if (errno)
		goto bad;
	if (!strcmp(end, "%")) {
		if (v < 1 || v > 100)
			goto bad;
		p->limit = LIMIT_PERCENT;
		p->limit_value = v;
		return 0;
	}
	for (const char *units = "KMGT"; *end && *units; units++) {
		v = v > UINT64_MAX / 1024 ? 0 : v * 1024;
		if (*end == *units) {
			end++;
			break;
		}
	}
	if (*end || !v)
		goto bad;
	p->limit = LIMIT_BYTES;
	p->limit_value = v;
	return 0;
bad:
	parse_error(ctx, "'max-allocation' takes a percentage of memory (1%%..100%%), "
		    "a size (bytes, or with K, M, G, T) or none");
	return -EINVAL;
}

/* Security rules that no file may break: secure heaps serve protected
 * requests and nothing else, and protected requests reach nothing else. */
static int check_policy(struct parse_ctx *ctx)
{
	struct gralloc_policy *p = ctx->policy;

	/* The planner also compares device numbers (a second node of the
	 * same heap); the plain case is caught here, at its line. */
	for (size_t s = 0; s < p->num_heaps; s++) {
		if (p->heaps[s].kind != HEAP_KIND_SECURE)
			continue;
		for (size_t h = 0; h < p->num_heaps; h++) {
			if (p->heaps[h].kind == HEAP_KIND_SECURE ||
			    strcmp(p->heaps[h].node, p->heaps[s].node))
				continue;
			parse_error(ctx, "secure heap '%s' uses node '%s', the node of "
				    "non-secure heap '%s': a name does not make memory secure",
				    p->heaps[s].name, p->heaps[s].node, p->heaps[h].name);
			return -EINVAL;
		}
	}

	for (int c = 0; c < CLASS_COUNT; c++) {
		const struct policy_order *o = &p->orders[c];

		for (size_t i = 0; i < o->count; i++) {
			for (size_t h = 0; h < p->num_heaps; h++) {
				const struct policy_heap *heap = &p->heaps[h];
				bool secure = heap->kind == HEAP_KIND_SECURE;

				if (fnmatch(o->patterns[i], heap->name, 0))
					continue;
				if (c == CLASS_PROTECTED && !secure &&
				    !strcmp(o->patterns[i], heap->name)) {
					parse_error(ctx, "heap '%s' is kind %s: the protected "
						    "order may only list secure heaps", heap->name,
						    policy_kind_names[heap->kind]);
					return -EINVAL;
				}
				if (c != CLASS_PROTECTED && secure) {
					parse_error(ctx, "secure heap '%s' may only be in the "
						    "protected order, not '%s'", heap->name,
						    policy_class_names[c]);
					return -EINVAL;
				}
			}
		}
	}
	return 0;
}

static int split_words(char *line, char **words)
{
	int n = 0;

	char *save = NULL;

	/* strtok_r: devices are created from many threads at once. */
	for (char *tok = strtok_r(line, " \t\r", &save); tok;
	     tok = strtok_r(NULL, " \t\r", &save)) {
		if (n == MAX_WORDS)
			return -1;
		words[n++] = tok;
	}
	return n;
}

int policy_load_string(struct gralloc_policy *policy, const char *text,
		       const char *source_name)
{
	struct gralloc_policy work = *policy;
	struct parse_ctx ctx = { &work, source_name, 0 };
	const char *cur = text;
	int ret = 0;

	/* Work on a copy: a file with an error changes nothing. */
	while (*cur && !ret) {
		size_t len = strcspn(cur, "\n");
		char line[1024], *words[MAX_WORDS], *hash;
		int n;

		ctx.line++;
		if (len >= sizeof(line)) {
			parse_error(&ctx, "line longer than %zu bytes", sizeof(line) - 1);
			return -EINVAL;
		}
		memcpy(line, cur, len);
		line[len] = '\0';
		cur += len + (cur[len] == '\n');
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		n = split_words(line, words);
		if (n < 0) {
			parse_error(&ctx, "too many words on one line");
			return -EINVAL;
		}
		if (n == 0)
			continue;
		if (!strcmp(words[0], "heap"))
			ret = parse_heap(&ctx, words, n);
		else if (!strcmp(words[0], "order"))
			ret = parse_order(&ctx, words, n);
		else if (!strcmp(words[0], "fallback"))
			ret = parse_fallback(&ctx, words, n);
		else if (!strcmp(words[0], "iommu"))
			ret = parse_iommu(&ctx, words, n);
		else if (!strcmp(words[0], "max-allocation"))
			ret = parse_limit(&ctx, words, n);
		else {
			parse_error(&ctx, "unknown directive '%s' (heap, order, fallback, iommu, "
				    "max-allocation)",
				    words[0]);
			ret = -EINVAL;
		}
		/* Checked after every directive so the error names the line
		 * that broke the rule. */
		if (!ret)
			ret = check_policy(&ctx);
	}
	if (ret)
		return ret;
	gralloc_copy_name(work.source, sizeof(work.source), source_name);
	*policy = work;
	return 0;
}

int policy_load_file(struct gralloc_policy *policy, const char *path)
{
	char *text;
	ssize_t n;
	size_t used = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		gralloc_log(ERROR, "cannot open policy file %s: %s", path, strerror(-ret));
		return ret;
	}
	text = malloc(MAX_FILE_SIZE + 1);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	while ((n = read(fd, text + used, MAX_FILE_SIZE + 1 - used)) > 0)
		used += (size_t)n;
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (!ret && used > MAX_FILE_SIZE) {
		gralloc_log(ERROR, "policy file %s is larger than %d bytes", path, MAX_FILE_SIZE);
		ret = -EFBIG;
	} else if (!ret && memchr(text, '\0', used)) {
		gralloc_log(ERROR, "policy file %s contains a NUL byte: not a text file", path);
		ret = -EINVAL;
	}
	if (!ret) {
		text[used] = '\0';
		ret = policy_load_string(policy, text, path);
	}
	free(text);
	return ret;
}

#define APPEND(...)                                                              \
	do {                                                                     \
		int n_ = snprintf(used < len ? buf + used : NULL,                \
				  used < len ? len - used : 0, __VA_ARGS__);     \
		used += (size_t)n_;                                              \
	} while (0)

int policy_dump(const struct gralloc_policy *p, char *buf, size_t len)
{
	static const char *const iommu_modes[] = { "auto", "present", "absent" };
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	APPEND("# policy from %s\n", p->source);
	for (size_t i = 0; i < p->num_heaps; i++) {
		const struct policy_heap *h = &p->heaps[i];

		APPEND("heap %s kind=%s cached=%s", h->name, policy_kind_names[h->kind],
		       h->cached ? "yes" : "no");
		if (strcmp(h->node, h->name))
			APPEND(" node=%s", h->node);
		if (h->ion.heap_name[0])
			APPEND(" ion=%s", h->ion.heap_name);
		if (h->ion.id_mask)
			APPEND(" ion-mask=0x%x", h->ion.id_mask);
		if (h->ion.flags)
			APPEND(" ion-flags=0x%x", h->ion.flags);
		APPEND("\n");
	}
	for (int c = 0; c < CLASS_COUNT; c++) {
		APPEND("order %s", policy_class_names[c]);
		for (size_t i = 0; i < p->orders[c].count; i++)
			APPEND(" %s", p->orders[c].patterns[i]);
		APPEND("\n");
	}
	APPEND("fallback");
	for (size_t i = 0; i < p->num_fallbacks; i++)
		APPEND(" %s", p->fallbacks[i]);
	APPEND("%s\n", p->num_fallbacks ? "" : " none");
	APPEND("iommu %s", iommu_modes[p->iommu]);
	if (p->iommu == IOMMU_AUTO)
		APPEND("  # detected: %s", policy_has_iommu(p) ? "present" : "absent");
	APPEND("\n");
	if (p->limit == LIMIT_NONE)
		APPEND("max-allocation none\n");
	else if (p->limit == LIMIT_PERCENT)
		APPEND("max-allocation %llu%%  # %llu bytes here\n",
		       (unsigned long long)p->limit_value, (unsigned long long)policy_limit_bytes(p));
	else
		APPEND("max-allocation %llu\n", (unsigned long long)p->limit_value);
	return (int)used;
}
