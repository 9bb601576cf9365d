// SPDX-License-Identifier: MIT
// The devices of one run (devset.c): every VM's NIC and disks, the switch, trace replay
// and capture, behind one small host interface, so the kernel wires them with a few
// lines: call devset_pio from its PIO dispatch, devset_run when a scheduled time comes,
// devset_vm_ended when a VM ends, and write devset_vregs into each VM's vregs page.
// The host gives time in ns, interrupts and guest-memory copies as callbacks; the devices
// still never see the CPU (registers are passed as a plain array in x86 order).
#ifndef DENALI_DEVICES_DEVSET_H
#define DENALI_DEVICES_DEVSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/console_in.h"
#include "devices/devstate.h"
#include "devices/disk.h"
#include "devices/linkq.h"
#include "devices/nic.h"
#include "devices/switch.h"

// Register indexes in devset_pio's regs[] (the x86 encoding order, like the CPU's).
enum { DEVSET_EAX, DEVSET_ECX, DEVSET_EDX, DEVSET_EBX, DEVSET_ESP, DEVSET_EBP,
       DEVSET_ESI, DEVSET_EDI };

#define DEVSET_MAX_DISKS 16u
#define DEVSET_NO_VM UINT32_MAX

// What the devices report to an observer (devset_host.event, devset_observe): frames
// through the switch and disk requests. Times are the devices' (ns). Pointers are
// valid during the call only.
enum devset_ev_kind { DEVSET_EV_FRAME = 1, DEVSET_EV_DISK };
struct devset_event {
	uint8_t kind;       // enum devset_ev_kind
	uint32_t vm;        // the VM concerned, or DEVSET_NO_VM: a frame's receiving VM
			    // (DELIVER, a drop at its port) or sending VM (SEND, other drops);
			    // a disk request's VM
	uint64_t t_ns;      // the device model's time of the event
	union {
		struct {
			uint8_t ev;         // enum switch_ev: SEND, FORWARD, DELIVER, DROP
			uint8_t drop;       // enum switch_drop (DROP)
			uint32_t in_port, out_port;  // switch ports (out: SWITCH_FLOOD, ...)
			uint32_t from_vm, to_vm;     // the VMs on those ports, or DEVSET_NO_VM
			const uint8_t *data;         // the frame (Ethernet header first)
			uint32_t len;
		} frame;
		struct {
			bool done;          // false: a request was made; true: it completed
			bool is_read;
			uint32_t disk;      // the VM's disk number
			uint32_t id;        // the id DISK_READ/DISK_WRITE returned (or an error)
			uint32_t status;    // done: 0 or an error
			uint64_t block;
			uint32_t addr;      // the guest buffer
		} disk;
	} u;
};

// The host interface of every device (this set, and the timer and console output that
// every kernel has: timer.h, console_out.h). src/vmm/devhost.c implements it.
struct devset_host {
	void (*schedule)(void *ctx, uint64_t t_ns);  // call devset_run at (or after) t_ns
	void (*raise_irq)(void *ctx, uint32_t vm_id, unsigned line);
	// Both return 0, or -1 when any byte is outside the VM's guest memory.
	int (*copyin)(void *ctx, uint32_t vm_id, void *dst, uint32_t addr, uint32_t len);
	int (*copyout)(void *ctx, uint32_t vm_id, uint32_t addr, const void *src,
		       uint32_t len);
	// Observer reports (NULL: none), while devset_observe(d, true) is in effect.
	void (*event)(void *ctx, const struct devset_event *ev);
	void *ctx;
	// The timer device only (timer.h): call timer_fire(vm_id, tag) at t_ns (at once if
	// that has passed). Returns 0, or -1 when it never will (t_ns beyond the end of
	// simulated time, or no host memory).
	int (*timer_at)(void *ctx, uint32_t vm_id, uint64_t t_ns, uint64_t tag);
};

struct devset_disk_spec {
	const char *path;
	uint64_t size_bytes;       // 0: the file's size (it must exist)
	bool readonly;
	uint32_t first_vm, last_vm; // attached to these VMs (one VM for a read-write disk)
};

struct devset_config {
	uint32_t nvms;
	bool nic_chatty;
	// Raise the receive interrupt for every frame queued (a physical interrupt per
	// packet), not only when the queue was empty (the default). Off by default.
	bool nic_irq_frame;
	uint32_t nic_rxq;          // frames per receive queue, 0 = NIC_RXQ_DEFAULT
	bool ipv4;                 // give VMs IPv4 addresses (nic_ipv4_for)
	struct switch_config sw;
	// Replay (pcap_in.h); path NULL = none. nvms is taken from above.
	const char *pcap_in;
	uint64_t pcap_start_ns;
	uint32_t pcap_speed_milli, pcap_loops;
	bool pcap_rewrite;
	uint64_t pcap_seed;
	// Capture (pcap_out.h); path NULL = none. pcap_vm: -1 every frame, else one VM's.
	// pcap_out_name: the name messages give (NULL: pcap_out), when pcap_out is a
	// temporary file renamed into place later.
	const char *pcap_out, *pcap_out_name;
	int64_t pcap_vm;
	// Resuming a capture (checkpoints): pcap_out already holds pcap_out_frames frames
	// (the front end checked it): append to it instead of starting a new file.
	bool pcap_out_append;
	uint64_t pcap_out_frames;
	struct devset_disk_spec disks[DEVSET_MAX_DISKS];
	uint32_t ndisks;
	struct disk_model disk_model;
	// Console input (console_in.h): the file console_in, else the string console_text
	// (both NULL: none), for VM console_vm (-1: every VM).
	const char *console_in, *console_text;
	int64_t console_vm;
	// Live mode (live.h): bridge the switch to this TAP device and pace simulated time
	// to wall time. NULL: none (the run stays deterministic).
	const char *tap;
	// Several machines (docs/machines.md): this machine's number (VM addresses,
	// nic_mac_at), and the uplink: when `uplink` is set, the switch gets one more port
	// whose frames go to uplink(uplink_ctx, ...) at the time they leave the switch, and
	// devset_link_in brings the other machines' frames in through it. The switch's
	// loss (sw.loss_ppb) applies to the VM ports and the uplink.
	uint32_t machine;
	switch_deliver_fn uplink;
	void *uplink_ctx;
};
// Defaults: no replay, capture, disks or console input, default switch and disk model, IPv4 on.
void devset_config_default(struct devset_config *c);

struct devset_stats {
	uint64_t nic_tx, nic_rx, nic_tx_err;
	uint64_t nic_rx_drop_full;               // queue full, or no host memory to queue
	uint64_t replay_frames, replay_drop;     // injected; dropped while reading the trace
	uint64_t sw_forwarded, sw_flooded, sw_drop_unknown, sw_drop_down, sw_drop_queue;
	uint64_t sw_arp_steered;
	uint64_t captured;
	uint64_t disk_reads, disk_writes, disk_errors;
	bool live;                               // --tap: the run is nondeterministic
	uint64_t tap_rx, tap_tx, tap_tx_err;    // live mode: frames from and to the TAP
	uint64_t sw_lost;                        // lost by --loss (every port's rx_loss)
	bool uplink;                             // several machines: the uplink counters
	uint64_t uplink_out, uplink_in;          // frames to and from the other machines
	uint64_t uplink_lost;                    // of sw_lost: lost on the way out
	uint64_t uplink_in_drop;                 // from the link, no memory to queue
	uint64_t sw_queued;                      // frames in the switch now (queued, on the link)
};

struct devset;

// Builds the devices (opens the trace, the capture file and the disk images). Returns
// 0, or -1 with one line naming the file or option and the problem.
int devset_new(struct devset **out, const struct devset_config *c,
	       const struct devset_host *h, char *err, size_t errlen);
// Closes everything. Returns 0, or -1 with a message (a capture or disk that could not
// be written, or a trace that turned out damaged during the run).
int devset_free(struct devset *d, char *err, size_t errlen);

// Handles a PIO on `port` for VM vm_id at now_ns. Returns the PIO-equivalents to charge
// (1, or 12/10 for a chatty send/receive), or 0 when the port is not an assigned device
// port (the kernel treats it as unknown). Updates regs (EAX, and ECX for DISK_DONE/INFO).
// Also handles DENALI_PORT_CONSOLE_READ (console input).
uint32_t devset_pio(struct devset *d, uint32_t vm_id, uint16_t port, uint32_t regs[8],
		    uint64_t now_ns);
// Does all device work due by now_ns (replayed frames, the switch, disk completions).
void devset_run(struct devset *d, uint64_t now_ns);
// A frame from another machine reaches this machine's switch at t_ns (>= the time of
// the last devset_run, or it enters late, at the switch's current time); (t_ns, src,
// seq) orders frames due together. The frame is copied; it enters the switch at the
// devset_run for t_ns (host->schedule is asked for it). Returns 0, or -1 when there is
// no uplink or no memory (the frame is lost and counted in uplink_in_drop).
int devset_link_in(struct devset *d, const uint8_t *frame, uint32_t len, uint64_t t_ns,
		   uint32_t src, uint64_t seq);
// Starts (on) or stops reporting events to host->event. Off costs one branch per site.
void devset_observe(struct devset *d, bool on);
// The VM ended: its switch port goes down and its disks are detached.
void devset_vm_ended(struct devset *d, uint32_t vm_id);
// The VM's vregs mac and ipv4 (network byte order as stored in memory, 0 = none).
void devset_vregs(const struct devset *d, uint32_t vm_id, uint8_t mac[6], uint32_t *ipv4);
void devset_stats(const struct devset *d, struct devset_stats *st);
// Host memory of the devices, by kind (docs/memory.md), in bytes.
struct devset_mem {
	uint64_t vm_records;  // per-VM device state: NIC, disk queues (struct dvm)
	uint64_t nic_queues;  // NIC receive rings and the frames queued in them
	uint64_t sw;          // the switch: ports, rings, queued frames, MAC table
	uint64_t other;       // the devset itself, link inbox, console input, trace frame
	uint64_t nic_frames;  // frames in NIC receive queues
};
void devset_host_mem(const struct devset *d, struct devset_mem *m);
// Per-VM NIC counters (NULL for a bad id).
const struct nic_stats *devset_nic_stats(const struct devset *d, uint32_t vm_id);

// Checkpoints (src/vmm/devhost.c): the NICs, the switch, the frames from other
// machines, the trace replay's position and the frame it read next, the capture's frame
// count, every VM's console-input position, and the disks (disk_ckpt_save: queues and
// a read-write disk's contents); a set with a TAP is refused (err: one line: live
// traffic cannot be replayed). Load (into a set made by devset_new with the same config,
// the trace file checked by the front end) returns 0, or -1 when the bytes are bad or
// do not fit the trace.
int devset_ckpt_save(const struct devset *d, struct devstate_w *w, char *err, size_t errlen);
int devset_ckpt_load(struct devset *d, struct devstate_r *r);
// The capture's bytes so far, flushed to its file (*bytes: the file's length, *frames:
// the frames in it), for a checkpoint's record of it. False without a capture, or
// when the flush failed.
bool devset_capture_sync(const struct devset *d, uint64_t *bytes, uint64_t *frames);

#endif
