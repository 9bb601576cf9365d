// SPDX-License-Identifier: MIT
// The glue between the kernel and the devices (devset.h, docs/devices.md "Wiring into
// the kernel"). devhost.c gives every device its host callbacks (struct devset_host):
// `schedule` pushes a KEV_DEVICE event into the kernel's event queue (ns rounded up to
// cycles), `raise_irq` is intr_raise, `copyin`/`copyout` are mem_copyin/mem_copyout on
// the VM's memory, and `timer_at` pushes the timer device's KEV_TIMER event. Every
// kernel has a timer and a console output device (devices/timer.h, console_out.h,
// built by kernel_new with devhost_iface); the rest (NICs, switch, disks, trace,
// console input) is the devset of devhost_attach. The kernel calls the hooks below;
// with no devset attached (k->dev NULL) each is a no-op, so runs without devices behave
// exactly as before. With an uplink (several machines, world.h) device events go on
// after every VM has ended, so frames already in the switch still leave for the other
// machines. struct devhost (in k->dev) holds the devset and the last device event
// pushed.
#ifndef DENALI_VMM_DEVHOST_H
#define DENALI_VMM_DEVHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/devset.h"
#include "vmm/obs.h"
#include "vmm/pack.h"

struct kernel;
struct kernel_config;
struct vm;

// The PIO ports routed to the devices (NIC 0x110-0x11f, disk 0x120-0x12f).
#define DEVHOST_PORT_FIRST 0x0110u
#define DEVHOST_PORT_LAST 0x012fu

// The devices' host interface for kernel k (ctx is k).
void devhost_iface(struct kernel *k, struct devset_host *hi);
// Builds the devices for k (cfg->nvms is set from k). Call after kernel_new and before
// kernel_run. Returns 0, or -1 with one line naming the file or flag and the problem.
int devhost_attach(struct kernel *k, const struct devset_config *cfg, char *err,
		   size_t errlen);
// Closes the devices (the capture file, disk images, the trace). Call after kernel_run,
// before kernel_free. Returns 0, or -1 with one line (a capture or disk that could not
// be written, a trace found damaged during the run). No-op without devices.
int devhost_detach(struct kernel *k, char *err, size_t errlen);

// A PIO on a device port (pio.c): the cycles to charge (PIO-equivalents x pio_cycles),
// or 0 when no device handles the port (the kernel then treats it as unknown).
uint64_t devhost_pio(struct kernel *k, struct vm *vm);
// A KEV_DEVICE event came due: do every device job due by now.
void devhost_run(struct kernel *k);
// A frame from another machine arrives at this machine's switch at t_ns (world.c;
// devset_link_in). Returns 0, or -1 without devices or memory (the frame is lost).
int devhost_link_in(struct kernel *k, const uint8_t *frame, uint32_t len, uint64_t t_ns,
		    uint32_t src, uint64_t seq);
// The cycle at which device work the devices ask for at t_ns is done on a machine whose
// clock is at `now`: its KEV_DEVICE event's time, max(t_ns in cycles, now), or
// UINT64_MAX beyond the end of simulated time (no event). A frame devhost_link_in
// queues is due then; world.c agrees on the next round from it (world.h).
uint64_t devhost_due(const struct kernel_config *cfg, uint64_t now, uint64_t t_ns);
// Writes the VM's mac and ipv4 virtual registers (at every VM entry).
void devhost_vregs(struct kernel *k, struct vm *vm);
// The VM ended: its switch port goes down, its disks are detached.
void devhost_vm_ended(struct kernel *k, uint32_t vm_id);
// Starts or stops the devices' reports into k's event stream (kernel_observe does).
void devhost_observe(struct kernel *k, bool on);
// Reports a timer event (set: an armed deadline, in cycles; cancel; fire) to the
// event stream; the caller checks obs_on(OBS_CAT_TIMER) first.
void devhost_timer_event(struct kernel *k, uint32_t vm_id, enum obs_timer what,
			 uint64_t deadline_cycles);
// Device counters; false (and *st zeroed) without devices.
// Frames ever put in VM vm_id's NIC receive queue (0: no devices or no such VM).
uint64_t devhost_rx_queued(const struct kernel *k, uint32_t vm_id);
bool devhost_stats(const struct kernel *k, struct devset_stats *st);
// Host memory of the devices (devset_host_mem plus the glue); false (and *m zeroed)
// without devices.
bool devhost_host_mem(const struct kernel *k, struct devset_mem *m);
// For a machine that ran in another process (outcome.c, on the process that reports):
// gives k, which must have no devices, the counters the machine ended with; from then
// on devhost_stats returns them and every other hook finds no devices to drive (do not
// run k). devhost_detach frees them. Returns 0, or -1 (devices attached, no memory).
int devhost_import_stats(struct kernel *k, const struct devset_stats *st);

// Checkpoints (kernel_ckpt.c): the devices' state (devset_ckpt_save) and the pending
// device event's bookkeeping. Save returns 0, or -1 with one line in err (devices
// checkpoints do not cover yet); load (into devices attached with the same config)
// returns 0, or -1 when the bytes are bad.
int devhost_ckpt_save(const struct kernel *k, struct pack *b, char *err, size_t errlen);
int devhost_ckpt_load(struct kernel *k, struct unpack *u);
// The capture file's length and frames, flushed (devset_capture_sync): false without a
// capture on this machine, or when the flush failed.
bool devhost_capture_sync(const struct kernel *k, uint64_t *bytes, uint64_t *frames);

#endif
