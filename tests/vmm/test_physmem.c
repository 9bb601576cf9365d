// SPDX-License-Identifier: MIT
// Unit tests of the memory model without the kernel: the swap disk's timing
// (swapdisk.c), configuration checks, frame accounting per block, LRU whole-VM swap
// out, faults on swapped-out blocks, and kernel copies that read blocks back
// (physmem.c, mem.c). docs/memory.md describes the model.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/mem.h"
#include "vmm/physmem.h"
#include "vmm/swapdisk.h"
#include "vmm/vm.h"

#define KHZ 1700000u
#define VMMEM (64u * 1024u)
#define PG 4096u

// 4 KiB at 40 MB/s is 102,400 ns; plus 8.5 ms seek and 4.17 ms rotation.
static void test_disk_service_time(void **state)
{
	(void)state;
	struct swapdisk_config c;
	swapdisk_config_default(&c);
	assert_int_equal(c.seek_ns, 8500000);
	assert_int_equal(c.rotation_ns, 4170000);
	assert_int_equal(c.rate_bytes_per_s, 40000000);
	struct swapdisk d;
	swapdisk_init(&d, &c, KHZ);
	uint64_t ns = 8500000 + 4170000 + 102400;
	assert_int_equal(swapdisk_service_cycles(&d, 4096), ns * 17 / 10);
	// 32 KiB: 819,200 ns of transfer.
	assert_int_equal(swapdisk_service_cycles(&d, 32768), (12670000 + 819200) * 17 / 10);
}

// One request at a time, FIFO: the second waits for the first; an idle disk starts at
// once.
static void test_disk_fifo(void **state)
{
	(void)state;
	struct swapdisk_config c;
	swapdisk_config_default(&c);
	struct swapdisk d;
	swapdisk_init(&d, &c, KHZ);
	uint64_t s = swapdisk_service_cycles(&d, 4096);
	assert_int_equal(swapdisk_submit(&d, 100, 4096, 0), 100 + s);
	assert_int_equal(swapdisk_submit(&d, 200, 4096, 1), 100 + 2 * s);
	assert_int_equal(d.wait_cycles, 100 + s - 200);
	uint64_t later = 100 + 10 * s;
	assert_int_equal(swapdisk_submit(&d, later, 4096, 0), later + s);
	assert_int_equal(d.reads, 2);
	assert_int_equal(d.writes, 1);
	assert_int_equal(d.bytes_read, 8192);
}

static struct physmem_config cfg_of(uint64_t phys, uint32_t block)
{
	struct physmem_config c;
	physmem_config_default(&c);
	c.phys_bytes = phys;
	c.block_bytes = block;
	return c;
}

static void test_config_errors(void **state)
{
	(void)state;
	char err[256];
	struct physmem *pm;
	struct physmem_config c = cfg_of(1ull << 30, 12288); // not a power of two
	assert_int_equal(physmem_new(&pm, &c, KHZ, 1, VMMEM, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "--swap-block"));
	c = cfg_of(1ull << 30, 2048); // below 4 KiB
	assert_int_equal(physmem_new(&pm, &c, KHZ, 1, VMMEM, NULL, err, sizeof err), -1);
	c = cfg_of(1ull << 30, 2u << 20); // above 1 MiB
	assert_int_equal(physmem_new(&pm, &c, KHZ, 1, VMMEM, NULL, err, sizeof err), -1);
	// 1 MiB cannot hold 200 VMs' metadata (1.6 MiB) and one VM.
	c = cfg_of(1u << 20, 4096);
	assert_int_equal(physmem_new(&pm, &c, KHZ, 200, VMMEM, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "--phys-mem"));
	assert_non_null(strstr(err, "too small"));
	// A 4 MiB VM does not fit in 4 MiB with the metadata and free frames.
	c = cfg_of(4u << 20, 4096);
	assert_int_equal(physmem_new(&pm, &c, KHZ, 1, 4u << 20, NULL, err, sizeof err), -1);
	// The smallest that fits: metadata + 64 free frames + 16 frames of the VM.
	c = cfg_of((uint64_t)(3 + 64 + 16) * PG, 4096);
	assert_int_equal(physmem_new(&pm, &c, KHZ, 1, VMMEM, NULL, err, sizeof err), 0);
	assert_int_equal(pm->pinned_frames, 3); // 8,472 B round up to 3 frames
	assert_int_equal(pm->total_frames, 83);
	physmem_free(pm);
	c.phys_bytes -= PG;
	assert_int_equal(physmem_new(&pm, &c, KHZ, 1, VMMEM, NULL, err, sizeof err), -1);
	// Metadata of 10,000 VMs: 84,720,000 B = 20,684 frames (paper: 81 MB).
	c = cfg_of(1ull << 30, 32768);
	assert_int_equal(physmem_new(&pm, &c, KHZ, 10000, VMMEM, NULL, err, sizeof err), 0);
	assert_int_equal(pm->pinned_frames, 20684);
	physmem_free(pm);
}

// A small machine of n VMs of 64 KiB, with the model attached to real mem structs.
struct rig {
	struct physmem *pm;
	struct vm vms[4];
	uint64_t now;
};

static void rig_up(struct rig *r, uint32_t n, uint64_t phys_frames, uint32_t block,
		   uint32_t min_free)
{
	memset(r, 0, sizeof *r);
	struct physmem_config c = cfg_of(phys_frames * PG, block);
	c.min_free_frames = min_free;
	char err[256];
	assert_int_equal(physmem_new(&r->pm, &c, KHZ, n, VMMEM, NULL, err, sizeof err), 0);
	physmem_attach(r->pm, r->vms, NULL, &r->now);
	for (uint32_t i = 0; i < n; i++) {
		vm_init(&r->vms[i], i);
		assert_int_equal(mem_init(&r->vms[i].mem, NULL, VMMEM, NULL), 0);
		r->vms[i].has_mem = true;
		assert_int_equal(physmem_mem_init(r->pm, &r->vms[i].mem, i), 0);
	}
}

static void rig_down(struct rig *r, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		vm_free(&r->vms[i]);
	assert_int_equal(r->pm->used_frames, r->pm->pinned_frames);
	assert_int_equal(r->pm->admitted, 0);
	assert_int_equal(r->pm->pool.pages_out, 0); // every host page came back
	physmem_free(r->pm);
}

static int touch(struct mem *m, uint32_t page, enum cpu_access acc)
{
	struct cpu_page_info pi;
	return mem_map(m, page * PG, acc, &pi);
}

// Frames are charged per block: the first write into a 16 KiB block costs 4 frames,
// more writes in it nothing; reads of untouched memory cost nothing.
static void test_block_accounting(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 1, 200, 16384, 0);
	struct mem *m = &r.vms[0].mem;
	uint64_t base = r.pm->used_frames;
	physmem_admit(r.pm, m);
	assert_int_equal(touch(m, 5, CPU_ACC_READ), 0);
	assert_int_equal(r.pm->used_frames, base);
	assert_int_equal(touch(m, 5, CPU_ACC_WRITE), 0); // block 1 (pages 4-7)
	assert_int_equal(r.pm->used_frames, base + 4);
	assert_int_equal(touch(m, 7, CPU_ACC_WRITE), 0);
	assert_int_equal(touch(m, 4, CPU_ACC_WRITE), 0);
	assert_int_equal(r.pm->used_frames, base + 4);
	assert_int_equal(touch(m, 8, CPU_ACC_WRITE), 0); // block 2
	assert_int_equal(r.pm->used_frames, base + 8);
	assert_int_equal(m->blocks_alloc, 2);
	assert_int_equal(m->pages_private, 4);
	// The virtual-register page is kernel metadata: no block.
	assert_int_equal(touch(m, 1, CPU_ACC_WRITE), 0);
	assert_int_equal(r.pm->used_frames, base + 8);
	rig_down(&r, 1);
}

// When frames run out, the least recently dispatched VM other than the current one is
// swapped out whole; its next touch faults, and the read waits behind the write.
static void test_lru_swap_out_and_fault(void **state)
{
	(void)state;
	// 3 VMs: 7 metadata frames, 20 for blocks.
	struct rig r;
	rig_up(&r, 3, 27, 4096, 0);
	struct mem *m0 = &r.vms[0].mem, *m1 = &r.vms[1].mem, *m2 = &r.vms[2].mem;
	assert_int_equal(r.pm->pinned_frames, 7);
	physmem_admit(r.pm, m0);
	for (uint32_t p = 2; p < 10; p++)
		assert_int_equal(touch(m0, p, CPU_ACC_WRITE), 0);
	physmem_admit(r.pm, m1);
	for (uint32_t p = 2; p < 10; p++)
		assert_int_equal(touch(m1, p, CPU_ACC_WRITE), 0);
	assert_int_equal(r.pm->used_frames, 23);
	assert_int_equal(r.pm->stats.swap_outs, 0);
	physmem_admit(r.pm, m2);
	for (uint32_t p = 2; p < 6; p++)
		assert_int_equal(touch(m2, p, CPU_ACC_WRITE), 0);
	assert_int_equal(r.pm->stats.swap_outs, 0);
	assert_int_equal(touch(m2, 6, CPU_ACC_WRITE), 0); // the 21st frame: VM 0 goes
	assert_int_equal(r.pm->stats.swap_outs, 1);
	assert_int_equal(r.pm->stats.blocks_out, 8);
	assert_false(m0->admitted);
	assert_int_equal(m0->blocks_resident, 0);
	assert_int_equal(m0->blocks_alloc, 8);
	assert_true(m1->admitted);
	assert_int_equal(r.pm->used_frames, 7 + 8 + 5);
	// VM 0 again: admitted (nothing to evict: min_free is 0), its pages fault.
	r.now = 1000;
	physmem_admit(r.pm, m0);
	assert_int_equal(touch(m0, 3, CPU_ACC_READ), -1);
	assert_int_equal(m0->fault_block, 3);
	assert_false(m0->oom);
	// Untouched memory still maps without a fault.
	assert_int_equal(touch(m0, 12, CPU_ACC_READ), 0);
	// The read queues behind VM 0's 32 KiB write, submitted at time 0.
	uint64_t done = physmem_swap_in(r.pm, m0, 3, r.now);
	uint64_t w = swapdisk_service_cycles(&r.pm->disk, 8 * 4096);
	assert_int_equal(done, w + swapdisk_service_cycles(&r.pm->disk, 4096));
	assert_int_equal(r.pm->stats.blocks_in, 1);
	assert_int_equal(m0->blocks_resident, 1);
	assert_int_equal(touch(m0, 3, CPU_ACC_WRITE), 0);
	// The data survived the round trip (contents stay in host memory).
	rig_down(&r, 3);
}

// A page's contents survive swap out and in.
static void test_contents_survive(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 2, 5 + 16, 4096, 0); // 2 VMs: 5 metadata frames; 16 for one VM
	struct mem *m0 = &r.vms[0].mem, *m1 = &r.vms[1].mem;
	physmem_admit(r.pm, m0);
	assert_int_equal(mem_copyout(m0, 0x3000, "swapped", 8), 0);
	assert_int_equal(touch(m0, 4, CPU_ACC_WRITE), 0);
	assert_int_equal(touch(m0, 5, CPU_ACC_WRITE), 0);
	physmem_admit(r.pm, m1);
	for (uint32_t p = 2; p < 16; p++)
		assert_int_equal(touch(m1, p, CPU_ACC_WRITE), 0);
	assert_int_equal(r.pm->stats.swap_outs, 1);
	assert_int_equal(m0->blocks_resident, 0);
	// A kernel copy (a PIO argument) reads the block back without a fault.
	physmem_admit(r.pm, m0);
	char buf[8];
	assert_int_equal(mem_copyin(m0, buf, 0x3000, 8), 0);
	assert_string_equal(buf, "swapped");
	assert_int_equal(r.pm->stats.blocks_in, 1);
	assert_int_equal(m0->blocks_resident, 1);
	rig_down(&r, 2);
}

// The gatekeeper keeps min_free_frames free when it admits a VM.
static void test_admission_threshold(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 2, 7 + 16 + 4, 4096, 4);
	struct mem *m0 = &r.vms[0].mem, *m1 = &r.vms[1].mem;
	physmem_admit(r.pm, m0);
	for (uint32_t p = 2; p < 16; p++)
		assert_int_equal(touch(m0, p, CPU_ACC_WRITE), 0);
	assert_int_equal(physmem_free_frames(r.pm), 27 - 5 - 14);
	physmem_admit(r.pm, m1); // 8 free >= 4: no swap
	assert_int_equal(r.pm->stats.swap_outs, 0);
	for (uint32_t p = 2; p < 7; p++)
		assert_int_equal(touch(m1, p, CPU_ACC_WRITE), 0);
	assert_int_equal(physmem_free_frames(r.pm), 3);
	// Re-dispatching an admitted VM does not evict; admitting a swapped one does.
	physmem_admit(r.pm, m0);
	assert_int_equal(r.pm->stats.swap_outs, 0);
	physmem_swap_out(r.pm, m1);
	assert_int_equal(r.pm->stats.swap_outs, 1);
	assert_int_equal(r.pm->stats.admissions, 2);
	physmem_admit(r.pm, m1);
	assert_int_equal(r.pm->stats.admissions, 3);
	rig_down(&r, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disk_service_time),
		cmocka_unit_test(test_disk_fifo),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_block_accounting),
		cmocka_unit_test(test_lru_swap_out_and_fault),
		cmocka_unit_test(test_contents_survive),
		cmocka_unit_test(test_admission_threshold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
