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
		if (e->kind == RESULTS_COUNTER) {
			printf("  result %-20s %s (%" PRIu64 " reports)\n", e->name,
			       fmt(e->name, e->sum, a, sizeof a), e->count);
			continue;
		}
		printf("  result %-20s n=%" PRIu64 " mean %s p50 %s p90 %s p99 %s max %s\n", e->name,
		       e->count, fmt(e->name, e->sum / e->count, a, sizeof a),
		       fmt(e->name, results_quantile(e, 500), b, sizeof b),
		       fmt(e->name, results_quantile(e, 900), c, sizeof c),
		       fmt(e->name, results_quantile(e, 990), d, sizeof d),
		       fmt(e->name, e->max, f, sizeof f));
	}
	if (r->rejected)
		printf("  results rejected    %" PRIu64 " (bad name, full table or wrong kind)\n",
		       r->rejected);
}

void results_out_json(const struct results *r, json_object *j)
{
	json_object *all = json_object_new_object();
	for (uint32_t i = 0; i < r->n; i++) {
		const struct results_entry *e = &r->e[i];
		json_object *o = json_object_new_object();
		int sample = e->kind == RESULTS_SAMPLE;
		json_object_object_add(o, "kind", json_object_new_string(sample ? "sample" : "counter"));
		json_object_object_add(o, "count", json_object_new_int64((int64_t)e->count));
		json_object_object_add(o, "sum", json_object_new_int64((int64_t)e->sum));
		if (sample) {
			json_object_object_add(o, "min", json_object_new_int64((int64_t)e->min));
			json_object_object_add(o, "mean", json_object_new_int64((int64_t)(e->sum / e->count)));
			json_object_object_add(o, "p50", json_object_new_int64((int64_t)results_quantile(e, 500)));
			json_object_object_add(o, "p90", json_object_new_int64((int64_t)results_quantile(e, 900)));
			json_object_object_add(o, "p99", json_object_new_int64((int64_t)results_quantile(e, 990)));
			json_object_object_add(o, "max", json_object_new_int64((int64_t)e->max));
			// [bucket lower bound, count] for every non-empty bucket.
			json_object *jb = json_object_new_array();
			for (uint32_t b = 0; b < RESULTS_BUCKETS; b++) {
				if (!e->hist->bucket[b])
					continue;
				json_object *pair = json_object_new_array();
				json_object_array_add(pair, json_object_new_int64((int64_t)results_bucket_lower(b)));
				json_object_array_add(pair, json_object_new_int64((int64_t)e->hist->bucket[b]));
				json_object_array_add(jb, pair);
			}
			json_object_object_add(o, "histogram", jb);
		}
		json_object_object_add(all, e->name, o);
	}
	json_object_object_add(j, "results", all);
	json_object_object_add(j, "results_rejected", json_object_new_int64((int64_t)r->rejected));
}
