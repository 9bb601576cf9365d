// SPDX-License-Identifier: MIT
// `denali run --stats-every T --results DIR`: DIR/timeseries.csv, one row per interval
// of simulated time and machine (timeseries.c; docs/observe.md lists the columns).
// Built from OBS_SAMPLE events: at the first sample at or after each multiple of T, the
// row holds the interval's rates and counts (differences from the previous row) and
// the state at its end (runnable, idle and live VMs, modelled memory). Each
// results-port counter becomes a rate column ("NAME per s"); each results-port sample
// histogram a rate and the interval's median and 99th percentile (from the difference
// of its histogram buckets, so at most 3.1% low, like hist_quantile). Columns appear in
// a fixed order, then results columns in the order machines 0, 1, ... first reported
// them; a cell is empty where a machine has no such result yet. The file is written
// when the run ends (rows are kept in memory, a few hundred bytes each).
#ifndef DENALI_TRACE_TIMESERIES_H
#define DENALI_TRACE_TIMESERIES_H

#include <stdint.h>
#include <stdio.h>

#include "vmm/obs.h"

struct timeseries;

// period_cycles > 0. Returns NULL when out of memory.
struct timeseries *timeseries_new(uint64_t period_cycles, uint32_t cpu_khz,
				  uint32_t nmachines);
void timeseries_free(struct timeseries *ts);
void timeseries_event(void *ctx, const struct obs_event *ev); // OBS_CAT_SAMPLE
// Writes the CSV. Returns 0, or -1 when out of memory or f failed.
int timeseries_write(struct timeseries *ts, FILE *f);
uint64_t timeseries_rows(const struct timeseries *ts);

// Reading rows back while the run goes (the SDL view's plots; call on machine m's
// thread, or between rounds). Columns are numbered per machine: the fixed ones (as
// named in the CSV header), then the results columns ("NAME per s", "NAME p50", "NAME
// p99") in the order the machine first reported them.
uint64_t timeseries_machine_rows(const struct timeseries *ts, uint32_t m);
uint32_t timeseries_columns(const struct timeseries *ts, uint32_t m);
const char *timeseries_column_name(const struct timeseries *ts, uint32_t m, uint32_t col);
// The column's number, or -1 (no such column yet).
int timeseries_column(const struct timeseries *ts, uint32_t m, const char *name);
// Row r's value in column col (NaN: an empty cell), and the row's end time (cycles).
double timeseries_cell(const struct timeseries *ts, uint32_t m, uint64_t r, int col,
		       uint64_t *t_cycles);

#endif
