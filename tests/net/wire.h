// SPDX-License-Identifier: MIT
// An in-memory Ethernet segment for the host tests of the network core
// (guests/libos/net/): several stacks and raw endpoints, a virtual clock, and seeded
// loss, duplication and reordering. Time advances only in wire_run, from one event
// (a frame's arrival, a stack's timer) to the next, so every test is deterministic and
// a simulated minute costs nothing. A test's "application" is a step function that
// wire_run calls after every event; it drives the non-blocking nsock_* calls.
#ifndef DENALI_TESTS_NET_WIRE_H
#define DENALI_TESTS_NET_WIRE_H

#include <stdint.h>

#include "netcore.h"

#define WIRE_HOSTS 8
#define WIRE_NEVER UINT64_MAX

struct wire;

struct wire_frame {
	struct wire_frame *next;
	uint64_t at_ns;
	int from;
	uint32_t len;
	uint8_t data[1514];
};

struct wire_host {
	struct wire *w;
	int index;
	struct net *net;               // NULL for a raw endpoint
	uint8_t mac[6];
	uint32_t ip;
	uint64_t deadline_ns;          // from set_timer
	uint32_t wakes;
	struct wire_frame *rx_head, *rx_tail; // raw endpoint: frames received
	uint32_t rx_count;
};

// Decides the fate of each sent frame: return 0 to drop it (counted as lost). May
// change the frame. `seq` is the number of frames sent so far on the wire.
typedef int (*wire_filter_fn)(struct wire *w, int from, uint8_t *frame, uint32_t *len,
			      void *arg);

struct wire {
	uint64_t now_ns;
	uint64_t rng;
	uint32_t loss_pct, dup_pct, reorder_pct; // per frame, percent
	uint64_t latency_ns;                      // base one-way delay (50 us)
	struct wire_host hosts[WIRE_HOSTS];
	int nhosts;
	struct wire_frame *q;                     // in flight, by arrival time
	wire_filter_fn filter;
	void *filter_arg;
	uint64_t sent, lost, duplicated, reordered, bad_checksums;
	int check_checksums;                      // verify every frame sent (default on)
};

void wire_init(struct wire *w, uint64_t seed);
// 10.0.0.(index+1), MAC 02:00:00:00:00:(index+1).
struct wire_host *wire_add_host(struct wire *w, const struct denali_net_config *cfg);
struct wire_host *wire_add_raw(struct wire *w);
// Sends a raw frame from host h (bypassing loss).
void wire_inject(struct wire_host *h, const uint8_t *frame, uint32_t len);
// Pops the oldest frame a raw endpoint received (caller frees), or NULL.
struct wire_frame *wire_raw_pop(struct wire_host *h);
// Runs events until step(arg) returns nonzero (returns 1) or the clock would pass
// now + limit_ns (returns 0, clock at the limit). step may be NULL.
int wire_run(struct wire *w, uint64_t limit_ns, int (*step)(void *arg), void *arg);
void wire_free(struct wire *w);
uint32_t wire_rand(struct wire *w, uint32_t n); // uniform in [0, n)

// Independent checksum check of an IPv4 frame (IP header, ICMP, UDP, TCP); returns 1
// when all present checksums are right or the frame is not IPv4.
int wire_checksums_ok(const uint8_t *frame, uint32_t len);

#endif
