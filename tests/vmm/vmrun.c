// SPDX-License-Identifier: MIT
// Test helper: run hand-assembled guests and read their results (vmrun.h).
#include "vmrun.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elfgen.h"

struct kernel_config vmrun_config(uint32_t nvms)
{
	struct kernel_config c;
	kernel_config_default(&c);
	c.nvms = nvms;
	c.mem_size = VMRUN_MEM;
	return c;
}

void vmrun_new(struct vmrun *r, const uint8_t *code, size_t len, uint32_t entry,
	       const struct kernel_config *cfg)
{
	static uint8_t buf[16384];
	struct elfgen_seg seg = { .type = 1, .vaddr = ELFGEN_TEXT, .flags = 5, .data = code,
				  .filesz = (uint32_t)len };
	size_t n = elfgen_build(buf, sizeof buf, entry ? entry : ELFGEN_TEXT, &seg, 1);
	assert_true(n > 0);
	char err[256];
	assert_int_equal(image_parse(buf, n, "t.elf", cfg->mem_size, &r->img, err, sizeof err), 0);
	if (kernel_new(&r->k, cfg, r->img, err, sizeof err) != 0)
		fail_msg("kernel_new: %s", err);
	r->end = KERNEL_END_ALL_DONE;
}

void vmrun(struct vmrun *r, const uint8_t *code, size_t len, uint32_t entry,
	   const struct kernel_config *cfg)
{
	vmrun_new(r, code, len, entry, cfg);
	r->end = kernel_run(r->k);
}

void vmrun_free(struct vmrun *r)
{
	kernel_free(r->k);
	image_free(r->img);
}

uint32_t vmrun_res(const struct vmrun *r, uint32_t id, uint32_t i)
{
	const struct console_out_vm *con = kernel_console(r->k, id);
	if (con->len < 4 * (i + 1))
		return 0;
	uint32_t v;
	memcpy(&v, con->bytes + 4 * i, 4);
	return v;
}
