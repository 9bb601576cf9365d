// SPDX-License-Identifier: MIT
// Time series rows from samples (timeseries.h). Per machine: the previous sample's
// counters and histograms, the columns this machine has (fixed ones, then results),
// and its rows as (column, value) lists.
#include "trace/timeseries.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/devhost.h"
#include "vmm/kernel.h"

// The fixed columns, in order.
enum {
	C_RUNNABLE,
	C_IDLE,
	C_LIVE,
	C_CTX,
	C_UPCALLS,
	C_IRQS,
	C_IRQS_PER_UPCALL,
	C_LAT50,
	C_LAT99,
	C_SWAP_OUT,
	C_SWAP_IN,
	C_MEM,
	C_NIC_DROP,
	C_SW_DROP,
	C_INSNS,
	C_SW_QUANTUM, // context switches by cause (kernel.h switch_cause)
	C_SW_PREEMPT,
	C_SW_IDLE,
	C_SW_SWAP,
	C_SW_END,
	C_POLLS,
	C_FRAMES_PER_HANDLING,
	C_FIXED
};
static const char *const fixed_names[C_FIXED] = {
	"runnable_vms",
	"idle_vms",
	"live_vms",
	"context_switches",
	"upcalls",
	"irqs_delivered",
	"irqs_per_upcall",
	"irq_latency_p50_ns",
	"irq_latency_p99_ns",
	"swap_outs",
	"swap_ins",
	"memory_mib",
	"nic_rx_drops",
	"switch_drops",
	"guest_instructions",
	"switches_quantum",
	"switches_preempted",
	"switches_idled",
	"switches_swap_wait",
	"switches_ended",
	"irq_polls",
	"frames_per_handling",
};

struct cell {
	uint32_t col; // machine-local column
	double v;
};

struct row {
	uint64_t t, dt;      // cycles
	uint32_t ncells;
	struct cell *cells;
};

struct tsmachine {
	bool have_prev;
	uint64_t next;       // the next interval boundary
	uint64_t prev_t;
	uint64_t prev_ctx, prev_upcalls, prev_irqs, prev_out, prev_in, prev_nicdrop;
	uint64_t prev_swdrop, prev_insns;
	uint64_t prev_cause[KERNEL_SWITCH_CAUSES], prev_polls, prev_hframes;
	struct hist prev_lat;
	// Results: per entry its previous sum and histogram (samples), and its columns.
	uint32_t nres;
	struct tsres {
		uint64_t prev;
		struct hist *prev_hist;
		uint32_t col;   // first column (rate); samples: +1 p50, +2 p99
	} *res;
	char **cols;         // machine-local column names beyond C_FIXED
	uint32_t ncols;
	struct row *rows;
	uint64_t nrows, cap;
	bool oom;
};

struct timeseries {
	uint64_t period;
	uint32_t cpu_khz, n;
	struct tsmachine *m;
};

struct timeseries *timeseries_new(uint64_t period, uint32_t cpu_khz, uint32_t n)
{
	struct timeseries *ts = calloc(1, sizeof *ts);
	if (!ts)
		return NULL;
	ts->period = period;
	ts->cpu_khz = cpu_khz;
	ts->n = n;
	ts->m = calloc(n, sizeof *ts->m);
	if (!ts->m) {
		free(ts);
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++)
		ts->m[i].next = period;
	return ts;
}

void timeseries_free(struct timeseries *ts)
{
	if (!ts)
		return;
	for (uint32_t i = 0; i < ts->n; i++) {
		struct tsmachine *m = &ts->m[i];
		for (uint32_t r = 0; r < m->nres; r++)
			free(m->res[r].prev_hist);
		free(m->res);
		for (uint32_t c = 0; c < m->ncols; c++)
			free(m->cols[c]);
		free(m->cols);
		for (uint64_t r = 0; r < m->nrows; r++)
			free(m->rows[r].cells);
		free(m->rows);
	}
	free(ts->m);
	free(ts);
}

uint64_t timeseries_rows(const struct timeseries *ts)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < ts->n; i++)
		n += ts->m[i].nrows;
	return n;
}

uint64_t timeseries_machine_rows(const struct timeseries *ts, uint32_t m)
{
	return m < ts->n ? ts->m[m].nrows : 0;
}

uint32_t timeseries_columns(const struct timeseries *ts, uint32_t m)
{
	return m < ts->n ? C_FIXED + ts->m[m].ncols : 0;
}

const char *timeseries_column_name(const struct timeseries *ts, uint32_t m, uint32_t col)
{
	if (m >= ts->n || col >= C_FIXED + ts->m[m].ncols)
		return NULL;
	return col < C_FIXED ? fixed_names[col] : ts->m[m].cols[col - C_FIXED];
}

int timeseries_column(const struct timeseries *ts, uint32_t m, const char *name)
{
	for (uint32_t c = 0; c < timeseries_columns(ts, m); c++)
		if (!strcmp(timeseries_column_name(ts, m, c), name))
			return (int)c;
	return -1;
}

double timeseries_cell(const struct timeseries *ts, uint32_t m, uint64_t r, int col,
		       uint64_t *t_cycles)
{
	if (m >= ts->n || r >= ts->m[m].nrows)
		return NAN;
	const struct row *row = &ts->m[m].rows[r];
	if (t_cycles)
		*t_cycles = row->t;
	for (uint32_t i = 0; i < row->ncells; i++)
		if ((int)row->cells[i].col == col)
			return row->cells[i].v;
	return NAN;
}

// A machine-local column for a results name (+ suffix). Returns its number or -1.
static int add_col(struct tsmachine *m, const char *name, const char *suffix)
{
	char **c = realloc(m->cols, (m->ncols + 1) * sizeof *c);
	if (!c)
		return -1;
	m->cols = c;
	size_t len = strlen(name) + strlen(suffix) + 1;
	m->cols[m->ncols] = malloc(len);
	if (!m->cols[m->ncols])
		return -1;
	snprintf(m->cols[m->ncols], len, "%s%s", name, suffix);
	return (int)(C_FIXED + m->ncols++);
}

// Quantile of the buckets of a minus b (an interval's samples), permille.
static double diff_quantile(const struct hist *a, const struct hist *b, uint32_t permille)
{
	uint64_t n = a->n - (b ? b->n : 0);
	if (!n)
		return NAN;
	uint64_t rank = (uint64_t)(((unsigned __int128)n * permille + 999) / 1000), seen = 0;
	if (!rank)
		rank = 1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += a->bucket[i] - (b ? b->bucket[i] : 0);
		if (seen >= rank)
			return (double)hist_lower(i);
	}
	return (double)a->max;
}

static void sample(struct timeseries *ts, struct tsmachine *m, const struct obs_event *ev)
{
	const struct kernel *k = ev->u.sample.k;
	const struct kernel_stats *s = &k->stats;
	struct devset_stats ds;
	devhost_stats(k, &ds);
	uint64_t insns = 0;
	uint32_t idle = 0;
	for (uint32_t i = 0; i < k->cfg.nvms; i++) {
		insns += k->vms[i].cpu.retired;
		idle += k->vms[i].state == VM_IDLE;
	}
	uint64_t outs = k->pm ? k->pm->stats.swap_outs : 0, ins = k->pm ? k->pm->stats.blocks_in : 0;
	uint64_t swdrop = ds.sw_drop_unknown + ds.sw_drop_down + ds.sw_drop_queue + ds.sw_lost;
	// New results entries get their state and columns.
	const struct results *r = &k->results;
	if (r->n > m->nres) {
		struct tsres *nr = realloc(m->res, r->n * sizeof *nr);
		if (!nr) {
			m->oom = true;
			return;
		}
		m->res = nr;
		for (uint32_t i = m->nres; i < r->n; i++) {
			const struct results_entry *e = &r->e[i];
			nr[i] = (struct tsres){ 0 };
			int c = add_col(m, e->name, " per s");
			if (c < 0 || (e->kind == RESULTS_SAMPLE &&
				      (add_col(m, e->name, " p50") < 0 || add_col(m, e->name, " p99") < 0))) {
				m->oom = true;
				return;
			}
			nr[i].col = (uint32_t)c;
		}
		m->nres = r->n;
	}
	if (m->have_prev) {
		uint64_t dt = ev->time - m->prev_t;
		double secs = (double)dt / ((double)ts->cpu_khz * 1000.0);
		struct row row = { .t = ev->time, .dt = dt };
		row.cells = malloc((C_FIXED + m->ncols) * sizeof *row.cells);
		if (!row.cells) {
			m->oom = true;
			return;
		}
		struct cell *c = row.cells;
		uint32_t n = 0;
#define CELL(col, val) (c[n++] = (struct cell){ (col), (double)(val) })
		CELL(C_RUNNABLE, k->sched.len + (k->running >= 0));
		CELL(C_IDLE, idle);
		CELL(C_LIVE, k->live);
		CELL(C_CTX, s->ctx_switches - m->prev_ctx);
		CELL(C_UPCALLS, s->intr_deliveries - m->prev_upcalls);
		CELL(C_IRQS, s->irqs_delivered - m->prev_irqs);
		uint64_t up = s->intr_deliveries - m->prev_upcalls;
		CELL(C_IRQS_PER_UPCALL, up ? (double)(s->irqs_delivered - m->prev_irqs) / (double)up : NAN);
		CELL(C_LAT50, diff_quantile(&s->latency_ns, &m->prev_lat, 500));
		CELL(C_LAT99, diff_quantile(&s->latency_ns, &m->prev_lat, 990));
		CELL(C_SWAP_OUT, outs - m->prev_out);
		CELL(C_SWAP_IN, ins - m->prev_in);
		CELL(C_MEM, k->pm ? (double)k->pm->used_frames * 4096.0 / 1048576.0 : NAN);
		CELL(C_NIC_DROP, ds.nic_rx_drop_full - m->prev_nicdrop);
		CELL(C_SW_DROP, swdrop - m->prev_swdrop);
		CELL(C_INSNS, insns - m->prev_insns);
		CELL(C_SW_QUANTUM, s->switch_cause[OBS_DESCHED_QUANTUM] - m->prev_cause[OBS_DESCHED_QUANTUM]);
		CELL(C_SW_PREEMPT, s->switch_cause[OBS_DESCHED_PREEMPT] - m->prev_cause[OBS_DESCHED_PREEMPT]);
		CELL(C_SW_IDLE, s->switch_cause[OBS_DESCHED_IDLE] - m->prev_cause[OBS_DESCHED_IDLE]);
		CELL(C_SW_SWAP, s->switch_cause[OBS_DESCHED_SWAP] - m->prev_cause[OBS_DESCHED_SWAP]);
		CELL(C_SW_END, s->switch_cause[OBS_DESCHED_END] - m->prev_cause[OBS_DESCHED_END]);
		CELL(C_POLLS, s->intr_polls - m->prev_polls);
		uint64_t handlings = up + s->intr_polls - m->prev_polls;
		CELL(C_FRAMES_PER_HANDLING,
		     handlings ? (double)(s->handled_frames - m->prev_hframes) / (double)handlings : NAN);
		for (uint32_t i = 0; i < m->nres; i++) {
			const struct results_entry *e = &r->e[i];
			uint64_t sum = e->kind == RESULTS_COUNTER ? results_sum(e) : results_count(e);
			CELL(m->res[i].col, secs > 0 ? (double)(sum - m->res[i].prev) / secs : NAN);
			if (e->kind == RESULTS_SAMPLE && e->hist) {
				CELL(m->res[i].col + 1, diff_quantile(e->hist, m->res[i].prev_hist, 500));
				CELL(m->res[i].col + 2, diff_quantile(e->hist, m->res[i].prev_hist, 990));
			}
		}
#undef CELL
		row.ncells = n;
		if (m->nrows == m->cap) {
			uint64_t cap = m->cap ? m->cap * 2 : 256;
			struct row *nr = realloc(m->rows, cap * sizeof *nr);
			if (!nr) {
				free(row.cells);
				m->oom = true;
				return;
			}
			m->rows = nr;
			m->cap = cap;
		}
		m->rows[m->nrows++] = row;
	}
	m->have_prev = true;
	m->prev_t = ev->time;
	m->prev_ctx = s->ctx_switches;
	m->prev_upcalls = s->intr_deliveries;
	m->prev_irqs = s->irqs_delivered;
	m->prev_lat = s->latency_ns;
	m->prev_out = outs;
	m->prev_in = ins;
	m->prev_nicdrop = ds.nic_rx_drop_full;
	m->prev_swdrop = swdrop;
	for (unsigned i = 0; i < KERNEL_SWITCH_CAUSES; i++)
		m->prev_cause[i] = s->switch_cause[i];
	m->prev_polls = s->intr_polls;
	m->prev_hframes = s->handled_frames;
	m->prev_insns = insns;
	for (uint32_t i = 0; i < m->nres; i++) {
		const struct results_entry *e = &r->e[i];
		m->res[i].prev = e->kind == RESULTS_COUNTER ? results_sum(e) : results_count(e);
		if (e->kind == RESULTS_SAMPLE && e->hist) {
			if (!m->res[i].prev_hist && !(m->res[i].prev_hist = malloc(sizeof(struct hist)))) {
				m->oom = true;
				continue;
			}
			*m->res[i].prev_hist = *e->hist;
		}
	}
}

void timeseries_event(void *ctx, const struct obs_event *ev)
{
	struct timeseries *ts = ctx;
	if (ev->kind != OBS_SAMPLE || ev->machine >= ts->n)
		return;
	struct tsmachine *m = &ts->m[ev->machine];
	// The first sample is the baseline at time 0; then one row per boundary crossed
	// (the last sample of the run always makes a row for the partial interval).
	if (m->have_prev && ev->time < m->next && !ev->u.sample.last)
		return;
	while (m->next <= ev->time)
		m->next += ts->period;
	sample(ts, m, ev);
}

// Writes v as a CSV cell ("" for NaN).
static void cell_out(FILE *f, double v)
{
	if (isnan(v))
		return;
	if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.6g", v);
}

int timeseries_write(struct timeseries *ts, FILE *f)
{
	// The global results columns: machine 0's first, then new names of later machines.
	char **names = NULL;
	uint32_t nnames = 0;
	uint32_t **map = calloc(ts->n, sizeof *map); // per machine: local col -> global
	if (!map)
		return -1;
	int rc = 0;
	for (uint32_t i = 0; i < ts->n && !rc; i++) {
		struct tsmachine *m = &ts->m[i];
		if (m->oom)
			rc = -1;
		map[i] = calloc(m->ncols + 1, sizeof *map[i]);
		if (!map[i]) {
			rc = -1;
			break;
		}
		for (uint32_t c = 0; c < m->ncols; c++) {
			uint32_t g = 0;
			while (g < nnames && strcmp(names[g], m->cols[c]))
				g++;
			if (g == nnames) {
				char **nn = realloc(names, (nnames + 1) * sizeof *nn);
				if (!nn) {
					rc = -1;
					break;
				}
				names = nn;
				names[nnames++] = m->cols[c];
			}
			map[i][c] = g;
		}
	}
	double *vals = rc ? NULL : malloc((C_FIXED + nnames + 1) * sizeof *vals);
	if (!vals)
		rc = -1;
	if (!rc) {
		fprintf(f, "t_ns,machine,interval_ns");
		for (int c = 0; c < C_FIXED; c++)
			fprintf(f, ",%s", fixed_names[c]);
		for (uint32_t g = 0; g < nnames; g++) {
			fputc(',', f);
			// A results name is printable ASCII (docs/isa.md 9.5); quote it for CSV.
			fputc('"', f);
			for (const char *p = names[g]; *p; p++) {
				if (*p == '"')
					fputc('"', f);
				fputc(*p, f);
			}
			fputc('"', f);
		}
		fputc('\n', f);
		// Rows in (time, machine) order: merge the machines' row lists.
		uint64_t *at = calloc(ts->n, sizeof *at);
		if (!at)
			rc = -1;
		for (;;) {
			int best = -1;
			for (uint32_t i = 0; at && i < ts->n; i++)
				if (at[i] < ts->m[i].nrows &&
				    (best < 0 || ts->m[i].rows[at[i]].t < ts->m[best].rows[at[best]].t))
					best = (int)i;
			if (best < 0)
				break;
			struct tsmachine *m = &ts->m[best];
			const struct row *r = &m->rows[at[best]++];
			for (uint32_t c = 0; c < C_FIXED + nnames; c++)
				vals[c] = NAN;
			for (uint32_t c = 0; c < r->ncells; c++) {
				uint32_t col = r->cells[c].col;
				uint32_t g = col < C_FIXED ? col : C_FIXED + map[best][col - C_FIXED];
				vals[g] = r->cells[c].v;
			}
			uint64_t t_ns = (uint64_t)((unsigned __int128)r->t * 1000000u / ts->cpu_khz);
			uint64_t dt_ns = (uint64_t)((unsigned __int128)r->dt * 1000000u / ts->cpu_khz);
			fprintf(f, "%" PRIu64 ",%d,%" PRIu64, t_ns, best, dt_ns);
			for (uint32_t c = 0; c < C_FIXED + nnames; c++) {
				fputc(',', f);
				cell_out(f, vals[c]);
			}
			fputc('\n', f);
		}
		free(at);
	}
	free(vals);
	for (uint32_t i = 0; i < ts->n; i++)
		free(map[i]);
	free(map);
	free(names);
	if (ferror(f))
		rc = -1;
	return rc;
}
