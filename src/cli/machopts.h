// SPDX-License-Identifier: MIT
// The several-machine flags of `denali run` (machopts.c; docs/machines.md):
//
//   --args STRING          machine 0's command line (the guests' argv)
//   --client FILE.elf      adds a client machine running that image (up to 15)
//   --client-vms N         VMs on the most recent client machine (default 1)
//   --client-mem SIZE      memory per VM there (default 4M)
//   --client-args STRING   its command line
//   --group FILE.elf       adds a VM group to the most recent machine (machine 0 before
//                          any --client): more VMs there, running FILE (up to 15 a machine)
//   --group-vms N          VMs in the most recent group (default 1)
//   --group-mem SIZE       memory per VM there (default 4M)
//   --group-args STRING    its command line (default none)
//   --link-latency T       latency of the link between machines (default 20us, > 0)
//   --loss P               drop each frame a switch hands to a VM or the uplink with
//                          probability P (0..1, or a percentage like 2%)
//   --loss-seed N          the loss generator's seed (default 1)
//   --pcap-machine M       --pcap-out captures machine M's switch (default 0)
//   --machine-threads N    run a round's machines in N host threads (same results)
//   --machine-ranks LIST   under mpirun: the rank of each machine (ranks.h)
#ifndef DENALI_CLI_MACHOPTS_H
#define DENALI_CLI_MACHOPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "args.h"
#include "devopts.h"
#include "vmm/kernel.h"

#define MACHOPTS_MAX_CLIENTS 15u
#define MACHOPTS_MAX_GROUPS 32u // VM groups in all (KERNEL_MAX_GROUPS - 1 a machine)

struct image;

struct machopts {
	const char *args;            // machine 0's command line, NULL: none
	struct machine_client {
		const char *image;
		uint32_t nvms, mem_size;
		const char *args;
		struct args_seen seen; // its --client-* flags (given once each)
	} clients[MACHOPTS_MAX_CLIENTS];
	uint32_t nclients;
	struct machine_group {
		const char *image;
		uint32_t machine;        // 0: the server, m: --client m
		uint32_t nvms, mem_size;
		const char *args;        // NULL: empty
		unsigned seen;           // its --group-* flags given (bits: vms, mem, args)
	} groups[MACHOPTS_MAX_GROUPS];
	uint32_t ngroups;
	uint64_t latency_ns;
	bool latency_set;
	const char *latency_val;     // --link-latency's value as given (for messages)
	uint32_t loss_ppb;           // parts per 10^9
	bool loss_set;
	uint64_t loss_seed;
	bool seed_set;
	uint32_t threads;            // --machine-threads, 0: not given
	const char *threads_val;
	int64_t pcap_machine;        // -1: not given
	const char *pcap_flag_val;   // --pcap-machine's value as given (for messages)
	struct args_seen seen;       // the other flags (given once each)
	const char *machine_ranks;   // --machine-ranks LIST, NULL: not given
};

void machopts_init(struct machopts *m);
void machopts_usage(FILE *f);
// Tries argv[*i] as one of the flags above. Returns 0 when it is not one, 1 when it
// was consumed (*i moved past its value), 2 after an error line.
int machopts_parse(int argc, char **argv, int *i, struct machopts *m);
// The checks that need every flag (e.g. --link-latency needs --client). Returns 0, or
// 2 after an error line.
int machopts_check(const struct machopts *m, const struct devopts *d);
// One machine (no --client): machine 0's command line into cfg, --loss into d.
void machopts_apply(const struct machopts *m, struct kernel_config *cfg, struct devopts *d);
// --loss for machine `machine` into d: the switch's loss probability and a seed of its
// own (--loss-seed mixed with the machine number). Nothing without --loss.
// The VMs the --group flags add to machine `machine`.
uint32_t machopts_group_vms(const struct machopts *m, uint32_t machine);
// Loads the images of machine `machine`'s VM groups (each checked against its memory
// size) into imgs[0..*nimgs) and describes the groups in cfg (vm_groups; cfg->nvms grows
// by their VMs). Returns 0, or 2 after one error line naming --group and the file (the
// images loaded so far are freed).
int machopts_groups(const struct machopts *m, uint32_t machine, struct kernel_config *cfg,
		    struct image *imgs[KERNEL_MAX_GROUPS], uint32_t *nimgs);
void machopts_groups_free(struct image *imgs[KERNEL_MAX_GROUPS], uint32_t nimgs);
void machopts_loss(const struct machopts *m, uint32_t machine, struct devopts *d);

#endif
