// SPDX-License-Identifier: MIT
// The Ethernet switch that connects the VMs' NICs, pcap replay and the live TAP
// (switch.c). All time is simulated nanoseconds; the switch never reads a clock.
//
// Model (docs/devices.md "Switch"):
//   - Ports are numbered from 0 in the order switch_add_port creates them. A port has a
//     bounded transmit queue (frames it sent into the switch) and a deliver callback
//     (frames the switch hands out of it). A port can be down (its VM ended).
//   - One shared link (the host machine's NIC, 1 Gb/s by default) carries every frame:
//     the transmit scheduler takes one frame at a time, round-robin over the ports with
//     queued frames (the paper's per-machine queue drained round-robin over senders).
//     A frame of L bytes occupies the link (L + 24) * 8 bits (preamble, FCS, gap), and
//     arrives latency_ns after its last bit left.
//   - On arrival it is forwarded: the source MAC is learned on learning ports; broadcast
//     and multicast go to every up port but the ingress; a known unicast goes to its port;
//     an unknown unicast is flooded (flood_unknown) or dropped and counted.
//   - Several machines (docs/machines.md): one port may be the uplink to the other
//     machines. A unicast frame for a MAC that is not in the table goes out of the
//     uplink instead of being dropped (unless it came in from the uplink: frames from
//     the other machines are switched locally and never sent back); broadcasts flood
//     to it like to any port. The uplink does not learn.
//   - ARP steering (arp_steer, on by default; --arp-flood turns it off): an ARP request
//     broadcast for an IPv4 address registered with switch_add_ipv4 goes only to that
//     address's port, as hypervisor switches with ARP suppression do, instead of
//     waking every VM on the machine. Requests for other addresses flood as before.
//   - Loss (--loss): a frame handed out of a lossy port is dropped with probability
//     loss_ppb / 10^9, decided by a splitmix64 generator seeded with loss_seed and
//     drawn once per frame per lossy port in forwarding order, so a run's losses are
//     reproducible. The monitor (capture) sees the frame before the loss.
//   - The kernel provides the clock: the switch calls schedule(ctx, t) whenever it has
//     work due at t, and the kernel calls switch_run(sw, t) then (late is fine: timestamps
//     come from the model, not from when switch_run is called). Calls must not go back
//     in time. Tests drive it with a fake clock.
#ifndef DENALI_DEVICES_SWITCH_H
#define DENALI_DEVICES_SWITCH_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/devstate.h"

#define SWITCH_NO_PORT UINT32_MAX
#define SWITCH_FLOOD (UINT32_MAX - 1)

struct switch_config {
	uint64_t link_bps;     // 1,000,000,000
	uint64_t latency_ns;   // 10,000 (10 us through switch and wire)
	uint32_t mtu;          // 1500: larger frames (payload > mtu) are dropped at send
	uint32_t txq_frames;   // 512 per port
	uint32_t learn_max;    // 4096 learned MACs
	bool flood_unknown;    // false: unknown unicast is dropped (paper: "no running VM")
	bool arp_steer;        // true: ARP requests for a registered address go to its port
	uint32_t loss_ppb;     // 0: no loss; 1,000,000,000: every frame (lossy ports only)
	uint64_t loss_seed;    // the loss generator's seed
};
void switch_config_default(struct switch_config *c);

// Hands a frame out of a port at simulated time t_ns. Returns false when the receiver
// dropped it (counted as rx_drop on the port).
typedef bool (*switch_deliver_fn)(void *ctx, const uint8_t *frame, uint32_t len,
				 uint64_t t_ns);
// Asks the owner to call switch_run at (or after) t_ns.
typedef void (*switch_schedule_fn)(void *ctx, uint64_t t_ns);
// Sees every frame that crosses the switch, when it is forwarded: in_port, and out_port
// = a port, SWITCH_FLOOD, or SWITCH_NO_PORT (dropped).
typedef void (*switch_monitor_fn)(void *ctx, const uint8_t *frame, uint32_t len,
				 uint64_t t_ns, uint32_t in_port, uint32_t out_port);

// What happens to frames, for observers (switch_set_observer): a port sent one into the
// switch (SEND), it arrived at the forwarding point after the link (FORWARD, out_port =
// a port, SWITCH_FLOOD or the uplink), it was handed out of a port (DELIVER), or it was
// dropped (DROP, with the reason; out_port is the port concerned, or SWITCH_NO_PORT).
enum switch_ev { SWITCH_EV_SEND = 1, SWITCH_EV_FORWARD, SWITCH_EV_DELIVER, SWITCH_EV_DROP };
enum switch_drop {
	SWITCH_DROP_NONE = 0,
	SWITCH_DROP_LENGTH,     // sent with a bad length (tx_drop_length)
	SWITCH_DROP_QUEUE_FULL, // the sender's transmit queue was full (tx_drop_full)
	SWITCH_DROP_NO_MEMORY,  // the switch could not copy it
	SWITCH_DROP_UNKNOWN,    // unicast to no known MAC (drop_unknown)
	SWITCH_DROP_SAME_PORT,  // the destination is on the ingress port
	SWITCH_DROP_DOWN,       // unicast to a port that is down: its VM ended (drop_down)
	SWITCH_DROP_LOSS,       // lost on the way out (--loss)
	SWITCH_DROP_REFUSED,    // the receiver refused it (a full NIC receive queue)
};
typedef void (*switch_observe_fn)(void *ctx, enum switch_ev ev, enum switch_drop why,
				  const uint8_t *frame, uint32_t len, uint64_t t_ns,
				  uint32_t in_port, uint32_t out_port);
const char *switch_drop_name(enum switch_drop why);

struct switch_port_stats {
	uint64_t tx_frames, tx_bytes;  // accepted from this port into the switch
	uint64_t tx_drop_full, tx_drop_length;
	uint64_t rx_frames, rx_bytes;  // delivered out of this port
	uint64_t rx_drop;              // the receiver refused (e.g. its queue was full)
	uint64_t rx_loss;              // lost on the way out (loss_ppb, lossy ports)
};

struct switch_stats {
	uint64_t forwarded;            // frames that crossed the link
	uint64_t flooded;              // broadcast/multicast/unknown frames flooded
	uint64_t drop_unknown;         // unicast to no known MAC (flood_unknown off)
	uint64_t drop_down;            // unicast to a port that is down (its VM ended)
	uint64_t drop_same_port;       // destination is on the ingress port
	uint64_t learned, learn_full;
	uint64_t to_uplink;            // unicast for a MAC not here, sent to the uplink
	uint64_t lost;                 // frames lost (all ports' rx_loss)
	uint64_t arp_steered;          // ARP requests sent to one port instead of flooded
};

struct switch_frame;
struct switch_port;
struct switch_mac;

struct sw {
	struct switch_config cfg;
	switch_schedule_fn schedule;
	void *sched_ctx;
	switch_monitor_fn monitor;
	void *mon_ctx;
	switch_observe_fn obs;         // NULL: nobody observes (one branch per site)
	void *obs_ctx;
	struct switch_port *ports;
	uint32_t nports, ports_cap;
	uint64_t *queued;              // bit p: port p has frames queued (ports_cap bits)
	uint32_t rr_next;              // round-robin: the port to look at first
	uint64_t link_free_ns;         // the link is busy until then
	uint64_t now_ns;               // the latest time switch_run/send was called with
	uint64_t scheduled_ns;         // the last time handed to schedule (UINT64_MAX: none)
	struct switch_frame *fly;      // frames on the wire, in arrival order (a ring)
	uint32_t fly_head, fly_len, fly_cap;
	struct switch_mac *macs;       // open addressing, key = MAC as 48-bit number
	uint32_t macs_cap, macs_len, learned_len;
	uint32_t uplink;               // the uplink port, or SWITCH_NO_PORT
	uint64_t loss_state;           // splitmix64 state (loss)
	bool oom;                      // an allocation failed (frames were dropped)
	struct switch_stats st;
};

// Creates a switch. schedule is required; ctx is passed back to it.
struct sw *switch_new(const struct switch_config *cfg, switch_schedule_fn schedule,
		      void *ctx);
void switch_free(struct sw *s);
void switch_set_monitor(struct sw *s, switch_monitor_fn fn, void *ctx);
// Reports every send, forward, delivery and drop to fn (NULL: none). Observing changes
// nothing the switch does.
void switch_set_observer(struct sw *s, switch_observe_fn fn, void *ctx);

// Adds a port; learn: learn source MACs seen on it. Returns the port number, or
// SWITCH_NO_PORT when out of memory.
uint32_t switch_add_port(struct sw *s, switch_deliver_fn deliver, void *ctx, bool learn);
// Makes a port the uplink to the other machines (see the model above).
void switch_set_uplink(struct sw *s, uint32_t port);
// Makes the frames handed out of a port subject to loss (VM ports and the uplink).
void switch_set_lossy(struct sw *s, uint32_t port, bool lossy);
// Marks a port up or down (a down port receives nothing; its queue is kept).
void switch_port_set_up(struct sw *s, uint32_t port, bool up);
// A static MAC table entry (learning never moves it). Returns 0, or -1 (out of memory).
// Registers ipv4 (network order as a host integer, e.g. 0x0a000001 for 10.0.0.1) as
// the address behind port, for ARP steering. 0 or -1 (no memory).
int switch_add_ipv4(struct sw *s, uint32_t ipv4, uint32_t port);
int switch_add_static(struct sw *s, const uint8_t mac[6], uint32_t port)
	__attribute__((warn_unused_result));
// The port a MAC is on, or SWITCH_NO_PORT.
uint32_t switch_lookup(const struct sw *s, const uint8_t mac[6]);

// A port sends a frame at t_ns (copied). Returns 0, or -1 when dropped (counted: bad
// length, queue full, out of memory).
int switch_send(struct sw *s, uint32_t port, const uint8_t *frame, uint32_t len,
		uint64_t t_ns);
// Does all the work due up to t_ns (transmissions and deliveries).
void switch_run(struct sw *s, uint64_t t_ns);
// Frames in the switch: waiting in transmit queues or on the link.
uint64_t switch_queued(const struct sw *s);
// The earliest time work is pending, or UINT64_MAX.
uint64_t switch_next_ns(const struct sw *s);

const struct switch_port_stats *switch_port_stats(const struct sw *s, uint32_t port);
// Host bytes the switch holds: ports, their rings, queued and in-flight frames, the
// MAC table (docs/memory.md).
uint64_t switch_host_bytes(const struct sw *s);

// Checkpoints (devset.c): each port's state, counters and queued frames, the frames on
// the wire, the learned MACs, the link and the loss generator's state; and back into a
// switch built with the same ports (their static entries made again by their owner).
// Load returns 0, or -1 when the bytes are bad (untrusted: lengths and ports checked).
void switch_ckpt_save(const struct sw *s, struct devstate_w *w);
int switch_ckpt_load(struct sw *s, struct devstate_r *r);

#endif
