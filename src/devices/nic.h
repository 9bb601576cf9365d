// SPDX-License-Identifier: MIT
// The virtual NIC of one VM (nic.c): its MAC and IPv4 address, a bounded receive queue
// and the three PIO operations of docs/isa.md section 9 (NIC_SEND, NIC_RECV, NIC_STATUS).
// The NIC never touches guest memory: the kernel passes a struct nic_guest_io whose
// callbacks copy bytes in and out (mem_copyin/mem_copyout). A frame the VM sends is
// copied into a buffer the caller gives and then hands to the switch (switch.c).
// Host memory grows with the frames actually queued, not with the queue's limit: each
// queued frame is one malloc'd buffer of its own length, and the ring of pointers to
// them grows by doubling up to the limit. An idle NIC holds no buffers at all, and one
// that had k frames queued at once holds a ring of at most 2k pointers.
//
// Addresses, derived from the machine number m (0-15, docs/machines.md) and the VM id i:
//   MAC   02:44:4e:(m<<4 | i>>16):(i>>8):i   locally administered unicast ("DN")
//   IPv4  10.0.0.0 + (m << 20) + i + 1       (only when enabled)
// e.g. machine 0 VM 258 = 02:44:4e:00:01:02, 10.0.1.3; machine 1 VM 0 = 02:44:4e:10:00:00,
// 10.16.0.1. On machine 0 this is the single-machine rule of before for every VM id
// (the id's low 24 bits); with clients a machine has at most NIC_MACHINE_VMS_MAX VMs, so
// no two VMs anywhere share an address.
#ifndef DENALI_DEVICES_NIC_H
#define DENALI_DEVICES_NIC_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/devstate.h"

#include "denali/abi.h"

// Ports (docs/isa.md section 9; the values are the ABI's, include/denali/abi.h).
#define NIC_PORT_SEND DENALI_PORT_NIC_SEND     // ESI = frame, ECX = length; EAX <- 0 | error
#define NIC_PORT_RECV DENALI_PORT_NIC_RECV     // EDI = buffer, ECX = capacity; EAX <- length
#define NIC_PORT_STATUS DENALI_PORT_NIC_STATUS // EAX <- frames queued
#define NIC_PORT_FIRST 0x0110u
#define NIC_PORT_LAST 0x011fu

// Error codes returned in EAX (all have the top bit set, so never a frame length).
#define NIC_ERR_FAULT DENALI_NIC_ERR_FAULT   // the buffer is not all in guest memory
#define NIC_ERR_LENGTH DENALI_NIC_ERR_LENGTH // NIC_SEND length outside the frame limits
#define NIC_ERR_SMALL DENALI_NIC_ERR_SMALL   // NIC_RECV capacity below the frame's length
#define NIC_ERR_PORT 0xfffffffcu   // an unassigned NIC port (0x113-0x11f), IN only

#define NIC_FRAME_MIN DENALI_NIC_FRAME_MIN // an Ethernet header
#define NIC_FRAME_MAX DENALI_NIC_FRAME_MAX // MTU 1500 + header (no FCS)
#define NIC_RXQ_DEFAULT 256u

// PIO-equivalents charged per operation in chatty mode (the pcnet32 driver, paper 4.5c).
#define NIC_CHATTY_SEND_PIOS 12u
#define NIC_CHATTY_RECV_PIOS 10u

struct nic_guest_io {
	// Both return 0, or -1 when any byte is outside guest memory.
	int (*copyin)(void *ctx, void *dst, uint32_t addr, uint32_t len);
	int (*copyout)(void *ctx, uint32_t addr, const void *src, uint32_t len);
	void *ctx;
};

struct nic_stats {
	uint64_t tx_frames, tx_bytes, tx_err_length, tx_err_fault;
	uint64_t rx_frames, rx_bytes;   // frames the guest received by NIC_RECV
	uint64_t rx_queued;             // frames put in the receive queue
	uint64_t rx_drop_full;          // arrived while the queue was full
	uint64_t rx_drop_length;        // arrived with a bad length
	uint64_t rx_drop_nomem;         // arrived when the host had no memory to queue it
	uint64_t rx_err_small, rx_err_fault, rx_empty;
};

struct nic {
	uint32_t vm_id;
	uint8_t mac[6];
	uint32_t ipv4;          // host order, 0 = none
	bool chatty;
	// Receive queue: at most cap frames, FIFO, in a ring of ring_cap slots (grown on
	// demand, a power of two); a slot points to a malloc'd copy of the frame.
	struct nic_rxslot {
		uint8_t *data;
		uint32_t len;
	} *ring;
	uint32_t cap, ring_cap, head, count;
	struct nic_stats st;
};

#define NIC_MACHINES_MAX 16u              // machine numbers 0..15 (4 bits of the MAC)
#define NIC_MACHINE_VMS_MAX ((1u << 20) - 2) // VMs per machine in a multi-machine run

// MAC and IPv4 (host order) of VM `id` on machine `machine` (see above).
void nic_mac_at(uint32_t machine, uint32_t id, uint8_t mac[6]);
uint32_t nic_ipv4_at(uint32_t machine, uint32_t id);
// The same on machine 0 (the single-machine rule).
void nic_mac_for(uint32_t id, uint8_t mac[6]);
uint32_t nic_ipv4_for(uint32_t id);
// The low 24 bits of a MAC made by nic_mac_at (on machine 0: the VM id), or -1 for any
// other MAC.
int64_t nic_id_of_mac(const uint8_t mac[6]);
// The machine number of a MAC made by nic_mac_at, or -1 for any other MAC.
int64_t nic_machine_of_mac(const uint8_t mac[6]);

// Prepares the NIC of VM vm_id on `machine` with a receive queue of rxq_frames (0: the
// default). with_ipv4: give it nic_ipv4_at(machine, vm_id). Returns 0 (nothing is
// allocated until a frame arrives). nic_init is nic_init_at on machine 0.
int nic_init_at(struct nic *n, uint32_t machine, uint32_t vm_id, uint32_t rxq_frames,
		bool with_ipv4, bool chatty) __attribute__((warn_unused_result));
int nic_init(struct nic *n, uint32_t vm_id, uint32_t rxq_frames, bool with_ipv4,
	     bool chatty) __attribute__((warn_unused_result));
void nic_destroy(struct nic *n);

// Puts an arriving frame at the tail of the receive queue. Returns 1 when the queue was
// empty before (raise DENALI_IRQ_NIC_RX), 0 when queued behind others, -1 when dropped
// (queue full, bad length, or no host memory; counted).
int nic_rx_push(struct nic *n, const uint8_t *frame, uint32_t len);

// NIC_SEND: copies the len bytes at addr into frame (NIC_FRAME_MAX bytes, the caller's).
// Returns the EAX value: 0 when the caller must now transmit frame[0..len), or a
// NIC_ERR_* code.
uint32_t nic_send(struct nic *n, const struct nic_guest_io *io, uint32_t addr,
		  uint32_t len, uint8_t *frame);
// NIC_RECV: copies the head frame to addr when it fits in cap bytes and dequeues it.
// Returns the EAX value: the length, 0 if empty, NIC_ERR_SMALL (the frame stays queued)
// or NIC_ERR_FAULT (the frame stays queued; a prefix of the buffer may be written).
uint32_t nic_recv(struct nic *n, const struct nic_guest_io *io, uint32_t addr,
		  uint32_t cap);
static inline uint32_t nic_status(const struct nic *n) { return n->count; }
// Host bytes the NIC holds beyond struct nic: the ring and the queued frames.
uint64_t nic_host_bytes(const struct nic *n);

// The PIO-equivalents an operation on `port` costs: 1, or 12/10 for send/recv when chatty.
// A NIC_RECV that finds the queue empty costs 1 whatever the model (devset.c): the
// pcnet32 driver's 10 PIOs are per packet received (paper 4.2.3), and its empty
// receive ring is a memory read, not 10 more PIOs.
uint32_t nic_pio_cost(const struct nic *n, uint16_t port);

// Checkpoints (devset.c): the receive queue's frames and the counters, and back into a
// NIC made by nic_init_at with the same VM (its queue empty). Load returns 0, or -1
// when the bytes are bad (more frames than the queue holds, a bad length).
void nic_ckpt_save(const struct nic *n, struct devstate_w *w);
int nic_ckpt_load(struct nic *n, struct devstate_r *r);

#endif
