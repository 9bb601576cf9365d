// SPDX-License-Identifier: MIT
// Test helper (vmrun.c): runs a hand-assembled guest (guests/*.s, as a header made by
// asm2h.py) on a kernel with a given config, and reads back each VM's results block,
// which the guests' FINISH macro writes to the console.
#ifndef DENALI_TESTS_VMM_VMRUN_H
#define DENALI_TESTS_VMM_VMRUN_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/image.h"
#include "vmm/kernel.h"

#define VMRUN_MEM (1u << 20)

struct vmrun {
	struct image *img;
	struct kernel *k;
	enum kernel_end end;
};

// A default config for n VMs of VMRUN_MEM bytes.
struct kernel_config vmrun_config(uint32_t nvms);
// Builds the image (entry at `entry`, 0 = the first byte) and the kernel; does not run.
void vmrun_new(struct vmrun *r, const uint8_t *code, size_t len, uint32_t entry,
	       const struct kernel_config *cfg);
// vmrun_new, then kernel_run.
void vmrun(struct vmrun *r, const uint8_t *code, size_t len, uint32_t entry,
	   const struct kernel_config *cfg);
void vmrun_free(struct vmrun *r);
// Word i of VM id's results block (0 when the VM wrote fewer bytes).
uint32_t vmrun_res(const struct vmrun *r, uint32_t id, uint32_t i);

#endif
