// SPDX-License-Identifier: MIT
// The guests' named results in the summary (results_out.h). Counters print their sum
// and the number of reports; samples print count, mean, p50/p90/p99 and max. Values
// are printed raw, except names ending in "_ns", which are durations.
#include "results_out.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "args.h"

static int is_ns(const char *name)
{
	size_t n = strlen(name);
	return n >= 3 && strcmp(name + n - 3, "_ns") == 0;
}

static const char *fmt(const char *name, uint64_t v, char *buf, size_t len)
{
	if (is_ns(name))
		return args_fmt_ns(v, buf, len);
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

void results_out_print(const struct results *r)
{
	if (!r->n && !r->rejected)
		return;
	for (uint32_t i = 0; i < r->n; i++) {
		const struct results_entry *e = &r->e[i];
		char a[48], b[48], c[48], d[48], f[48];
		if (!e->hist) {
			printf("  result %-20s %s (%" PRIu64 " reports)\n", e->name,
			       fmt(e->name, e->sum, a, sizeof a), e->count);
			continue;
		}
		const struct hist *h = e->hist;
		printf("  result %-20s n=%" PRIu64 " mean %s p50 %s p90 %s p99 %s max %s\n", e->name,
		       h->n, fmt(e->name, h->sum / h->n, a, sizeof a),
		       fmt(e->name, hist_quantile(h, 500), b, sizeof b),
		       fmt(e->name, hist_quantile(h, 900), c, sizeof c),
		       fmt(e->name, hist_quantile(h, 990), d, sizeof d),
		       fmt(e->name, h->max, f, sizeof f));
	}
	if (r->rejected)
		printf("  results rejected    %" PRIu64 " (bad name, full table or wrong kind)\n",
		       r->rejected);
}

json_object *results_out_buckets(const struct hist *h)
{
	json_object *jb = json_object_new_array();
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		if (!h->bucket[b])
			continue;
		json_object *pair = json_object_new_array();
		json_object_array_add(pair, json_object_new_int64((int64_t)hist_lower(b)));
		json_object_array_add(pair, json_object_new_int64((int64_t)h->bucket[b]));
		json_object_array_add(jb, pair);
	}
	return jb;
}

static void add(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}

void results_out_json(const struct results *r, json_object *j)
{
	json_object *all = json_object_new_object();
	for (uint32_t i = 0; i < r->n; i++) {
		const struct results_entry *e = &r->e[i];
		const struct hist *h = e->hist;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "kind", json_object_new_string(h ? "sample" : "counter"));
		add(o, "count", results_count(e));
		add(o, "sum", results_sum(e));
		if (h) {
			add(o, "min", h->min);
			add(o, "mean", h->sum / h->n);
			add(o, "p50", hist_quantile(h, 500));
			add(o, "p90", hist_quantile(h, 900));
			add(o, "p99", hist_quantile(h, 990));
			add(o, "max", h->max);
			json_object_object_add(o, "histogram", results_out_buckets(h));
		}
		json_object_object_add(all, e->name, o);
	}
	json_object_object_add(j, "results", all);
	add(j, "results_rejected", r->rejected);
}
