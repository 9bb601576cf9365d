// SPDX-License-Identifier: MIT
// The guests' named results (src/vmm/results.h) in the run summary and summary.json.
#ifndef DENALI_CLI_RESULTS_OUT_H
#define DENALI_CLI_RESULTS_OUT_H

#include <json-c/json.h>

#include "vmm/results.h"

// Prints one line per result (nothing when there are none), indented like the summary.
void results_out_print(const struct results *r);
// Adds "results": {name: {...}} and "results_rejected" to j (always; may be empty).
void results_out_json(const struct results *r, json_object *j);
// A histogram's non-empty buckets as [[lower bound, count], ...] (also used for the
// interrupt-latency histogram).
json_object *results_out_buckets(const struct hist *h);

#endif
