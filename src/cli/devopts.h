// SPDX-License-Identifier: MIT
// The device flags of `denali run` (devopts.c): parsing into a devset_config, attaching
// the devices to the kernel (vmm/devhost.h) and detaching them (their counters are in
// report.c and results_out.c). Devices exist only when some device flag is given; without one the
// NIC and disk ports are unknown ports, as before.
//
//   --nic chatty|simple        NIC cost model (chatty: 12 PIOs per send, 10 per receive)
//   --nic-rxq N                receive-queue frames per VM (default 256)
//   --no-ipv4                  no IPv4 addresses in the ipv4 virtual register
//   --pcap-in FILE             replay a pcap/pcapng trace into the switch
//   --pcap-start T             when its first frame enters (default 0)
//   --pcap-speed X             speed multiplier, 0.001..1000000 (default 1)
//   --pcap-loops N             times through the trace (default 1)
//   --pcap-rewrite SEED        spread flows over the VMs (destination MAC and IPv4)
//   --pcap-out FILE            capture every frame crossing the switch (ns pcap)
//   --pcap-vm ID               capture only the frames from or to VM ID
//   --disk PATH[:SIZE][:ro][:vms=FIRST[-LAST]]  a virtual disk (repeatable, up to 16)
//   --console-in FILE / --console-input STRING  console input (CONSOLE_READ)
//   --console-in-vm ID         console input for VM ID only (default every VM)
//   --tap NAME                 live mode: bridge to a TAP device, paced to wall time
#ifndef DENALI_CLI_DEVOPTS_H
#define DENALI_CLI_DEVOPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "args.h"
#include "devices/devset.h"

struct kernel;

struct devopts {
	bool any;                  // some device flag was given
	bool pcap_vm_set;
	bool console_vm_set;
	struct devset_config c;
	// Values as given, for messages.
	const char *replay_flag, *replay_val; // the last --pcap-start/speed/loops/rewrite
	const char *pcap_vm_val, *console_vm_val;
	char disk_val[DEVSET_MAX_DISKS][256];
	// Each --disk value, cut at its colons: the path stays here (argv is left as given:
	// checkpoints and experiment.cfg write the flags again).
	char disk_buf[DEVSET_MAX_DISKS][4096];
	struct args_seen seen;     // flags given once (args_once)
};

void devopts_init(struct devopts *d);
// Tries argv[*i] as a device flag ("--flag VALUE" or "--flag=VALUE"). Returns 0 when it
// is not one, 1 when it was consumed (*i moved past its value), 2 after an error line.
int devopts_parse(int argc, char **argv, int *i, struct devopts *d);
// Usage lines for --help.
void devopts_usage(FILE *f);
// Whether a run with these devices can be replayed from a snapshot of the process
// (gdb's reverse execution): not with a read-write disk (the host file keeps its
// writes) or a live TAP device. Returns NULL, or why not.
const char *devopts_not_replayable(const struct devopts *d);
// The checks that need several flags or the VM count (--pcap-speed needs --pcap-in,
// --pcap-vm needs --pcap-out, a disk's VMs exist, ...). Returns 0, or 2 after one
// error line.
int devopts_check(const struct devopts *d, uint32_t nvms);
// Attaches the devices to k when any flag was given; the capture is written to
// pcap_out_tmp (its runfiles temporary file; messages still name --pcap-out's file).
// Returns 0, or 2 after one error line naming the file or flag.
int devopts_attach(struct kernel *k, const struct devopts *d, const char *pcap_out_tmp);
// Closes the devices. Returns 0, or 2 after one error line (a capture or disk that could
// not be written, a trace found damaged during the run).
int devopts_detach(struct kernel *k);

#endif
