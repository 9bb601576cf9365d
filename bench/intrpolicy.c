// SPDX-License-Identifier: MIT
// bench/intrpolicy: what each interrupt delivery policy costs as VMs are added (the
// shape of the paper's section 4.2.1 comparison, batched vs synchronous). Every VM
// computes without idling and takes a timer interrupt every 50 us (its handler re-arms
// the timer), so interrupts usually arrive for a VM that is not running. For N VMs and
// each policy the bench runs 20 ms of simulated time and prints the context switches,
// the preemptions interrupts forced, upcalls, interrupts per upcall, the median and p99
// delivery latency, and the guest instructions retired (the useful work).
// usage: intrpolicy [MAX_VMS]   (default 64; powers of two from 1)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elfgen.h"
#include "vmm/image.h"
#include "vmm/kernel.h"

// start:  mov dword [0x1028], handler ; mov dword [0x1020], 1 ; call arm
// loop:   jmp loop
// handler: call arm ; mov dword [0x1020], 1 ; add esp, 4 ; iret
// arm:    mov eax, [0x1018] ; mov ecx, [0x101c] ; add eax, 50000 ; adc ecx, 0 ;
//         mov edx, 0x130 ; out dx, eax ; ret
static const uint8_t guest[] = { // assembled with GNU as from the listing above
	0xc7, 0x05, 0x28, 0x10, 0x00, 0x00, 0x1b, 0x00, 0x01, 0x00, 0xc7, 0x05,
	0x20, 0x10, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xe8, 0x15, 0x00, 0x00,
	0x00, 0xeb, 0xfe, 0xe8, 0x0e, 0x00, 0x00, 0x00, 0xc7, 0x05, 0x20, 0x10,
	0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x83, 0xc4, 0x04, 0xcf, 0xa1, 0x18,
	0x10, 0x00, 0x00, 0x8b, 0x0d, 0x1c, 0x10, 0x00, 0x00, 0x05, 0x50, 0xc3,
	0x00, 0x00, 0x83, 0xd1, 0x00, 0xba, 0x30, 0x01, 0x00, 0x00, 0xef, 0xc3,
};

static int run(uint32_t n, const char *pol)
{
	static uint8_t buf[8192];
	size_t sz = elfgen_program(buf, sizeof buf, guest, sizeof guest, NULL, 0, 0);
	struct kernel_config c;
	kernel_config_default(&c);
	c.nvms = n;
	c.mem_size = 1u << 20;
	c.max_time_cycles = 20ull * c.cpu_khz; // 20 ms
	char why[160], err[256];
	if (intr_policy_parse(pol, &c.intr, why, sizeof why) != 0) {
		fprintf(stderr, "intrpolicy: %s: %s\n", pol, why);
		return -1;
	}
	struct image *img;
	struct kernel *k;
	if (!sz || image_parse(buf, sz, "bench.elf", c.mem_size, &img, err, sizeof err) != 0 ||
	    kernel_new(&k, &c, img, err, sizeof err) != 0) {
		fprintf(stderr, "intrpolicy: %s\n", err);
		return -1;
	}
	kernel_run(k);
	const struct kernel_stats *s = &k->stats;
	if (s->killed)
		fprintf(stderr, "intrpolicy: %u VMs killed: %s\n", s->killed,
			k->vms[0].diag ? k->vms[0].diag : "?");
	printf("| %u | %s | %llu | %llu | %llu | %.2f | %llu | %llu | %.1f |\n", n, pol,
	       (unsigned long long)s->ctx_switches, (unsigned long long)s->irq_preemptions,
	       (unsigned long long)s->intr_deliveries,
	       s->intr_deliveries ? (double)s->irqs_delivered / (double)s->intr_deliveries : 0.0,
	       (unsigned long long)hist_quantile(&s->latency_ns, 500),
	       (unsigned long long)hist_quantile(&s->latency_ns, 990),
	       (double)s->retired / 1e6);
	kernel_free(k);
	image_free(img);
	return 0;
}

int main(int argc, char **argv)
{
	long max = argc > 1 ? strtol(argv[1], NULL, 10) : 64;
	if (max < 1 || max > 4096) {
		fprintf(stderr, "intrpolicy: MAX_VMS %s: expected 1..4096\n", argv[1]);
		return 2;
	}
	static const char *const pols[] = { "batched", "sync", "coalesce:4:200us",
					    "adaptive:16:50us" };
	printf("| VMs | policy | switches | preemptions | upcalls | irqs/upcall | "
	       "median latency (ns) | p99 latency (ns) | guest Minstr |\n");
	printf("|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
	for (uint32_t n = 1; n <= (uint32_t)max; n *= 4)
		for (size_t p = 0; p < sizeof pols / sizeof pols[0]; p++)
			if (run(n, pols[p]) != 0)
				return 2;
	return 0;
}
