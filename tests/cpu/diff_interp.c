// SPDX-License-Identifier: MIT
// The interpreter side of the differential tests (see diff_interp.h).
// The code pages are writable, as natively, so self-modifying sequences behave alike.
#include "diff_interp.h"

#include <stdlib.h>
#include <string.h>

static int map(void *ctx, uint32_t addr, enum cpu_access acc, struct cpu_page_info *pi)
{
	struct diff_interp *di = ctx;
	if (addr - DIFF_CODE_BASE < DIFF_CODE_SIZE) {
		// Writable, like the native runner's RWX pages: sequences modify their own code.
		pi->host = di->code + ((addr - DIFF_CODE_BASE) & CPU_PAGE_MASK);
		pi->writable = true;
		return 0;
	}
	if (addr - DIFF_DATA_BASE < DIFF_DATA_SIZE) {
		pi->host = di->data + ((addr - DIFF_DATA_BASE) & CPU_PAGE_MASK);
		pi->writable = true;
		return 0;
	}
	return -1;
}

int diff_interp_init(struct diff_interp *di)
{
	memset(di, 0, sizeof *di);
	di->x = cpu_exec_new(NULL);
	di->code = aligned_alloc(CPU_PAGE_SIZE, DIFF_CODE_SIZE);
	di->data = aligned_alloc(CPU_PAGE_SIZE, DIFF_DATA_SIZE);
	di->ref = malloc(DIFF_DATA_SIZE);
	if (!di->x || !di->code || !di->data || !di->ref) {
		diff_interp_free(di);
		return -1;
	}
	diff_init_ref(di->ref);
	return 0;
}

void diff_interp_free(struct diff_interp *di)
{
	if (di->x)
		cpu_exec_free(di->x);
	free(di->code);
	free(di->data);
	free(di->ref);
	memset(di, 0, sizeof *di);
}

void diff_interp_run(struct diff_interp *di, const struct diff_case *dc, bool seq,
		     uint32_t end_off, int budget, struct diff_result *res)
{
	// The code pages get new content: drop what the executor decoded from them.
	for (uint32_t p = 0; p < DIFF_CODE_SIZE; p += CPU_PAGE_SIZE)
		cpu_exec_page_freed(di->x, di->code + p);
	cpu_exec_flush_tlb(di->x);
	memset(di->code, 0xcc, DIFF_CODE_SIZE);
	uint32_t len = dc->code_len;
	if (dc->code_off > DIFF_CODE_SIZE || len > DIFF_CODE_SIZE - dc->code_off)
		len = 0;
	memcpy(di->code + dc->code_off, dc->code, len);
	if (seq && end_off + 3 <= DIFF_CODE_SIZE)
		memcpy(di->code + end_off, "\x0f\x0c\x01", 3);
	diff_init_data(di->data, di->ref, dc);

	struct cpu c;
	cpu_reset(&c, dc->in.eip, dc->in.r[CPU_ESP]);
	memcpy(c.r, dc->in.r, sizeof c.r);
	c.eip = dc->in.eip;
	cpu_set_eflags(&c, (dc->in.eflags & 0xcd5u) | 0x202u);
	struct cpu_mem mem = { map, di };
	enum cpu_exit e;
	if (seq || budget > 0) {
		int64_t per = budget > 0 ? budget : 1 << 20;
		long rounds = 0;
		do
			e = cpu_run(di->x, &c, &mem, per);
		while (e == CPU_EXIT_BUDGET && ++rounds < (1L << 22) / per + 64);
	} else {
		e = cpu_step(di->x, &c, &mem);
		// A branch out of the code pages faults natively on the fetch at the target;
		// here the step ends at the target, so fetch there once more.
		if (e == CPU_EXIT_STEP && c.eip - DIFF_CODE_BASE >= DIFF_CODE_SIZE)
			e = cpu_step(di->x, &c, &mem);
	}
	di->exit = (uint32_t)e;

	memset(res, 0, sizeof *res);
	res->magic = DIFF_MAGIC;
	memcpy(res->out.r, c.r, sizeof c.r);
	res->out.eip = c.eip;
	res->out.eflags = cpu_get_eflags(&c);
	switch (e) {
	case CPU_EXIT_STEP:
		res->kind = DIFF_END_TRAP;
		break;
	case CPU_EXIT_TERMINATE:
		res->kind = DIFF_END_TRAP;
		if (seq && c.eip == DIFF_CODE_BASE + end_off + 3)
			res->out.eip = DIFF_CODE_BASE + end_off;
		break;
	case CPU_EXIT_FAULT:
		if (c.fault.vector == CPU_VEC_BP && (seq || budget > 0)) {
			// ran into the INT3 sled: the native side stops there too
			res->kind = DIFF_END_TRAP;
			res->out.eip = c.fault.eip;
			break;
		}
		res->kind = DIFF_END_FAULT;
		res->vector = c.fault.vector;
		res->fault_addr = c.fault.addr;
		res->out.eip = c.fault.eip;
		break;
	default:
		res->kind = DIFF_END_TIMEOUT; // BUDGET forever, PIO, HLT, INT n: no native twin
		res->vector = 100 + (uint32_t)e;
		break;
	}
	diff_summarize_data(res, di->data, di->ref, dc);
}
