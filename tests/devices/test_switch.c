// SPDX-License-Identifier: MIT
// Unit tests for the switch (src/devices/switch.c) with a fake clock: link timing,
// back-to-back frames, round-robin transmit scheduling, learning and static entries,
// broadcast and unknown-destination handling, down ports, refused deliveries, length and
// queue drops, late switch_run calls, the monitor, and a seeded stress run twice.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devices/nic.h"
#include "devices/switch.h"

#define MAXREC 4096

struct rx_rec {
	uint64_t t;
	uint32_t port, len;
	uint8_t tag; // byte 14 of the frame
};

struct fake {
	uint64_t sched[MAXREC];
	uint32_t nsched;
	struct rx_rec rx[MAXREC];
	uint32_t nrx;
	bool refuse[8];
	uint32_t mon, mon_flood, mon_drop;
};

struct port_ctx {
	struct fake *f;
	uint32_t port;
};

static void fake_schedule(void *ctx, uint64_t t)
{
	struct fake *f = ctx;
	if (f->nsched < MAXREC)
		f->sched[f->nsched++] = t;
}

static bool fake_deliver(void *ctx, const uint8_t *frame, uint32_t len, uint64_t t)
{
	struct port_ctx *p = ctx;
	if (p->f->refuse[p->port])
		return false;
	if (p->f->nrx < MAXREC)
		p->f->rx[p->f->nrx++] = (struct rx_rec){ t, p->port, len, len > 14 ? frame[14] : 0 };
	return true;
}

static void fake_monitor(void *ctx, const uint8_t *frame, uint32_t len, uint64_t t,
			 uint32_t in, uint32_t out)
{
	struct fake *f = ctx;
	f->mon++;
	if (out == SWITCH_FLOOD)
		f->mon_flood++;
	if (out == SWITCH_NO_PORT)
		f->mon_drop++;
}

// Runs the switch like the kernel: always at the earliest scheduled time.
static void drain(struct sw *s)
{
	uint64_t t;
	while ((t = switch_next_ns(s)) != UINT64_MAX)
		switch_run(s, t);
}

static void mk(uint8_t *f, uint32_t dst_id, uint32_t src_id, uint8_t tag, uint32_t len)
{
	memset(f, 0, len);
	nic_mac_for(dst_id, f);
	nic_mac_for(src_id, f + 6);
	f[12] = 0x08;
	f[14] = tag;
}

struct rig {
	struct fake f;
	struct port_ctx pc[8];
	struct sw *s;
};

// n VM ports with static MACs (port i = VM i), plus `ext` learning ports after them.
static struct rig *rig_new(uint32_t n, uint32_t ext, bool flood_unknown)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct switch_config c;
	switch_config_default(&c);
	c.flood_unknown = flood_unknown;
	r->s = switch_new(&c, fake_schedule, &r->f);
	assert_non_null(r->s);
	for (uint32_t i = 0; i < n + ext; i++) {
		r->pc[i] = (struct port_ctx){ &r->f, i };
		assert_int_equal(switch_add_port(r->s, fake_deliver, &r->pc[i], i >= n), i);
		if (i < n) {
			uint8_t mac[6];
			nic_mac_for(i, mac);
			assert_int_equal(switch_add_static(r->s, mac, i), 0);
		}
	}
	switch_set_monitor(r->s, fake_monitor, &r->f);
	return r;
}

static void rig_free(struct rig *r)
{
	switch_free(r->s);
	free(r);
}

static void test_timing_one_frame(void **state)
{
	struct rig *r = rig_new(2, 0, false);
	uint8_t f[1500];
	mk(f, 1, 0, 0xaa, 1000);
	assert_int_equal(switch_send(r->s, 0, f, 1000, 0), 0);
	// (1000 + 24) * 8 bits at 1 Gb/s = 8192 ns, plus 10 us latency.
	assert_int_equal(switch_next_ns(r->s), 18192);
	assert_int_equal(r->f.nsched, 1);
	assert_int_equal(r->f.sched[0], 18192);
	switch_run(r->s, 18191);
	assert_int_equal(r->f.nrx, 0);
	switch_run(r->s, 18192);
	assert_int_equal(r->f.nrx, 1);
	assert_int_equal(r->f.rx[0].t, 18192);
	assert_int_equal(r->f.rx[0].port, 1);
	assert_int_equal(r->f.rx[0].tag, 0xaa);
	assert_int_equal(switch_port_stats(r->s, 0)->tx_frames, 1);
	assert_int_equal(switch_port_stats(r->s, 1)->rx_bytes, 1000);
	assert_int_equal(r->s->st.forwarded, 1);
	assert_int_equal(switch_next_ns(r->s), UINT64_MAX);
	rig_free(r);
}

static void test_back_to_back_and_late_run(void **state)
{
	struct rig *r = rig_new(2, 0, false);
	uint8_t f[1514];
	mk(f, 1, 0, 1, 1514);
	assert_int_equal(switch_send(r->s, 0, f, 1514, 100), 0);
	f[14] = 2;
	assert_int_equal(switch_send(r->s, 0, f, 1514, 200), 0);
	f[14] = 3;
	assert_int_equal(switch_send(r->s, 0, f, 64, 1000000), 0);
	// Nobody runs the switch until much later: times still come from the model.
	switch_run(r->s, 5000000);
	assert_int_equal(r->f.nrx, 3);
	uint64_t w = (1514 + 24) * 8; // 12304 ns
	assert_int_equal(r->f.rx[0].t, 100 + w + 10000);
	assert_int_equal(r->f.rx[1].t, 100 + 2 * w + 10000);
	assert_int_equal(r->f.rx[2].t, 1000000 + (64 + 24) * 8 + 10000);
	assert_int_equal(r->f.rx[1].tag, 2);
	rig_free(r);
}

static void test_round_robin(void **state)
{
	struct rig *r = rig_new(3, 0, false);
	uint8_t f[100];
	for (uint32_t k = 0; k < 3; k++) {
		mk(f, 2, 0, (uint8_t)(0x00 + k), 100);
		assert_int_equal(switch_send(r->s, 0, f, 100, 0), 0);
	}
	for (uint32_t k = 0; k < 3; k++) {
		mk(f, 2, 1, (uint8_t)(0x10 + k), 100);
		assert_int_equal(switch_send(r->s, 1, f, 100, 0), 0);
	}
	drain(r->s);
	assert_int_equal(r->f.nrx, 6);
	// The first frame of port 0 is already on the wire when port 1 queues; after that
	// the link alternates between the two senders.
	uint8_t want[6] = { 0x00, 0x10, 0x01, 0x11, 0x02, 0x12 };
	for (uint32_t i = 0; i < 6; i++) {
		assert_int_equal(r->f.rx[i].tag, want[i]);
		assert_int_equal(r->f.rx[i].t, (i + 1) * (124 * 8) + 10000);
	}
	rig_free(r);
}

// Round-robin across the words of the queued-port bitmap, wrapping past the last port.
static void test_round_robin_many_ports(void **state)
{
	struct switch_config c;
	switch_config_default(&c);
	struct fake *fk = calloc(1, sizeof(*fk));
	struct sw *s = switch_new(&c, fake_schedule, fk);
	struct port_ctx *pc = calloc(200, sizeof(*pc));
	for (uint32_t i = 0; i < 200; i++) {
		pc[i] = (struct port_ctx){ fk, i % 8 };
		assert_int_equal(switch_add_port(s, fake_deliver, &pc[i], false), i);
		uint8_t mac[6];
		nic_mac_for(i, mac);
		assert_int_equal(switch_add_static(s, mac, i), 0);
	}
	uint8_t f[64];
	uint32_t senders[4] = { 150, 3, 70, 199 };
	// Port 150 goes first (rr_next becomes 151), then 199, wrap, 3, 70, 150, ...
	for (uint32_t k = 0; k < 2; k++)
		for (uint32_t j = 0; j < 4; j++) {
			mk(f, 1, senders[j], (uint8_t)senders[j], 64);
			assert_int_equal(switch_send(s, senders[j], f, 64, 0), 0);
		}
	drain(s);
	assert_int_equal(fk->nrx, 8);
	uint8_t want[8] = { 150, 199, 3, 70, 150, 199, 3, 70 };
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(fk->rx[i].tag, want[i]);
	switch_free(s);
	free(pc);
	free(fk);
}

static void test_learning_broadcast_unknown(void **state)
{
	struct rig *r = rig_new(2, 1, false); // ports 0,1 VMs; port 2 external, learning
	uint8_t f[64];
	uint8_t ext[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	assert_int_equal(switch_lookup(r->s, ext), SWITCH_NO_PORT);
	// Broadcast from the external port: flooded to 0 and 1, and ext is learned.
	mk(f, 0, 0, 1, 64);
	memset(f, 0xff, 6);
	memcpy(f + 6, ext, 6);
	assert_int_equal(switch_send(r->s, 2, f, 64, 0), 0);
	drain(r->s);
	assert_int_equal(r->f.nrx, 2);
	assert_int_equal(r->f.rx[0].port, 0);
	assert_int_equal(r->f.rx[1].port, 1);
	assert_int_equal(switch_lookup(r->s, ext), 2);
	assert_int_equal(r->s->st.flooded, 1);
	assert_int_equal(r->s->st.learned, 1);
	// VM 0 answers ext: goes to port 2 only.
	mk(f, 0, 0, 2, 64);
	memcpy(f, ext, 6);
	assert_int_equal(switch_send(r->s, 0, f, 64, 100000), 0);
	drain(r->s);
	assert_int_equal(r->f.nrx, 3);
	assert_int_equal(r->f.rx[2].port, 2);
	// A learning port cannot steal a static VM MAC.
	mk(f, 1, 0, 3, 64); // source claims VM 0's MAC
	assert_int_equal(switch_send(r->s, 2, f, 64, 200000), 0);
	drain(r->s);
	assert_int_equal(switch_lookup(r->s, f + 6), 0);
	// Unknown unicast: dropped and counted.
	mk(f, 77, 0, 4, 64);
	assert_int_equal(switch_send(r->s, 2, f, 64, 300000), 0);
	drain(r->s);
	assert_int_equal(r->s->st.drop_unknown, 1);
	assert_int_equal(r->f.nrx, 4);
	// Multicast is flooded too.
	mk(f, 0, 0, 5, 64);
	f[0] = 0x01;
	assert_int_equal(switch_send(r->s, 1, f, 64, 400000), 0);
	drain(r->s);
	assert_int_equal(r->f.nrx, 6);
	assert_int_equal(r->f.mon, 5);
	assert_int_equal(r->f.mon_flood, 2);
	assert_int_equal(r->f.mon_drop, 1);
	rig_free(r);
}

// An ARP request (or anything ARP-shaped) from `src` port asking for tip.
static void mk_arp(uint8_t *f, uint32_t src_id, uint32_t tip, uint16_t op)
{
	memset(f, 0, 64);
	memset(f, 0xff, 6);
	nic_mac_for(src_id, f + 6);
	f[12] = 0x08, f[13] = 0x06;
	f[15] = 1; // hardware type 1 (Ethernet)
	f[16] = 0x08, f[18] = 6, f[19] = 4;
	f[20] = (uint8_t)(op >> 8), f[21] = (uint8_t)op;
	f[38] = (uint8_t)(tip >> 24), f[39] = (uint8_t)(tip >> 16);
	f[40] = (uint8_t)(tip >> 8), f[41] = (uint8_t)tip;
}

// ARP steering: a request for a registered address reaches only its port; everything
// else ARP-shaped (other addresses, replies, malformed, the sender's own address, a
// down port) floods; arp_steer off floods everything.
static void test_arp_steer(void **state)
{
	for (int steer = 1; steer >= 0; steer--) {
		struct rig *r = rig_new(4, 0, false);
		r->s->cfg.arp_steer = steer;
		for (uint32_t i = 0; i < 4; i++)
			assert_int_equal(switch_add_ipv4(r->s, nic_ipv4_for(i), i), 0);
		uint8_t f[64];
		uint64_t t = 0;
		struct {
			uint32_t src, tip;
			uint16_t op;
			uint32_t len;
			int steered_to; // -1: flooded
		} cases[] = {
			{ 0, nic_ipv4_for(2), 1, 64, 2 },
			{ 3, nic_ipv4_for(0), 1, 42, 0 },  // the shortest ARP frame
			{ 0, nic_ipv4_for(9), 1, 64, -1 }, // nobody's address
			{ 0, nic_ipv4_for(2), 2, 64, -1 }, // a broadcast reply
			{ 0, nic_ipv4_for(2), 1, 41, -1 }, // too short for the target address
			{ 1, nic_ipv4_for(1), 1, 64, -1 }, // gratuitous: its own address
		};
		uint64_t steered = 0;
		for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
			mk_arp(f, cases[c].src, cases[c].tip, cases[c].op);
			uint32_t before = r->f.nrx;
			assert_int_equal(switch_send(r->s, cases[c].src, f, cases[c].len, t), 0);
			drain(r->s);
			t += 100000;
			if (steer && cases[c].steered_to >= 0) {
				steered++;
				assert_int_equal(r->f.nrx, before + 1);
				assert_int_equal(r->f.rx[before].port, (uint32_t)cases[c].steered_to);
			} else {
				assert_int_equal(r->f.nrx, before + 3); // every other port
			}
		}
		// A malformed header (hardware type 2) floods.
		mk_arp(f, 0, nic_ipv4_for(2), 1);
		f[15] = 2;
		uint32_t before = r->f.nrx;
		assert_int_equal(switch_send(r->s, 0, f, 64, t), 0);
		drain(r->s);
		t += 100000;
		assert_int_equal(r->f.nrx, before + 3);
		// The target's port is down: flood (to the ports that are up).
		switch_port_set_up(r->s, 2, false);
		mk_arp(f, 0, nic_ipv4_for(2), 1);
		before = r->f.nrx;
		assert_int_equal(switch_send(r->s, 0, f, 64, t), 0);
		drain(r->s);
		assert_int_equal(r->f.nrx, before + 2);
		assert_int_equal(r->s->st.arp_steered, steered);
		rig_free(r);
	}
}

static void test_flood_unknown(void **state)
{
	struct rig *r = rig_new(3, 0, true);
	uint8_t f[64];
	mk(f, 99, 0, 1, 64);
	assert_int_equal(switch_send(r->s, 0, f, 64, 0), 0);
	drain(r->s);
	assert_int_equal(r->f.nrx, 2);
	assert_int_equal(r->s->st.drop_unknown, 0);
	assert_int_equal(r->s->st.flooded, 1);
	rig_free(r);
}

static void test_down_refused_same_port(void **state)
{
	struct rig *r = rig_new(3, 0, false);
	uint8_t f[64];
	switch_port_set_up(r->s, 1, false);
	mk(f, 1, 0, 1, 64);
	assert_int_equal(switch_send(r->s, 0, f, 64, 0), 0);
	r->f.refuse[2] = true;
	mk(f, 2, 0, 2, 64);
	assert_int_equal(switch_send(r->s, 0, f, 64, 0), 0);
	mk(f, 0, 0, 3, 64); // to itself
	assert_int_equal(switch_send(r->s, 0, f, 64, 0), 0);
	mk(f, 0, 0, 4, 64);
	memset(f, 0xff, 6); // broadcast skips the down port
	assert_int_equal(switch_send(r->s, 0, f, 64, 0), 0);
	drain(r->s);
	assert_int_equal(r->s->st.drop_down, 1);
	assert_int_equal(r->s->st.drop_same_port, 1);
	assert_int_equal(switch_port_stats(r->s, 2)->rx_drop, 2);
	assert_int_equal(switch_port_stats(r->s, 1)->rx_frames, 0);
	assert_int_equal(r->f.nrx, 0);
	rig_free(r);
}

static void test_length_and_queue_drops(void **state)
{
	struct rig *r = rig_new(2, 0, false);
	uint8_t f[1600];
	mk(f, 1, 0, 1, 1600);
	assert_int_equal(switch_send(r->s, 0, f, 13, 0), -1);
	assert_int_equal(switch_send(r->s, 0, f, 1515, 0), -1);
	assert_int_equal(switch_send(r->s, 0, f, 1514, 0), 0);
	assert_int_equal(switch_send(r->s, 9, f, 64, 0), -1);
	assert_int_equal(switch_port_stats(r->s, 0)->tx_drop_length, 2);
	// 600 queued at once while port 0's frame holds the link: 512 (txq_frames) fit.
	uint32_t ok = 0, drop = 0;
	mk(f, 0, 1, 2, 64);
	for (uint32_t i = 0; i < 600; i++)
		if (switch_send(r->s, 1, f, 64, 10) == 0)
			ok++;
		else
			drop++;
	assert_int_equal(ok, 512);
	assert_int_equal(drop, 88);
	assert_int_equal(switch_port_stats(r->s, 1)->tx_drop_full, 88);
	drain(r->s);
	assert_int_equal(r->f.nrx, 513);
	rig_free(r);
}

static void test_many_static_macs(void **state)
{
	struct switch_config c;
	switch_config_default(&c);
	struct fake *fk = calloc(1, sizeof(*fk));
	struct sw *s = switch_new(&c, fake_schedule, fk);
	for (uint32_t i = 0; i < 5000; i++) {
		uint8_t mac[6];
		nic_mac_for(i, mac);
		assert_int_equal(switch_add_static(s, mac, i % 7), 0);
	}
	for (uint32_t i = 0; i < 5000; i++) {
		uint8_t mac[6];
		nic_mac_for(i, mac);
		assert_int_equal(switch_lookup(s, mac), i % 7);
	}
	uint8_t none[6] = { 0x02, 0x44, 0x4e, 0xff, 0, 0 };
	assert_int_equal(switch_lookup(s, none), SWITCH_NO_PORT);
	switch_free(s);
	free(fk);
}

static void test_learn_limit(void **state)
{
	struct switch_config c;
	switch_config_default(&c);
	c.learn_max = 10;
	struct fake *fk = calloc(1, sizeof(*fk));
	struct sw *s = switch_new(&c, fake_schedule, fk);
	struct port_ctx pc[2] = { { fk, 0 }, { fk, 1 } };
	switch_add_port(s, fake_deliver, &pc[0], true);
	switch_add_port(s, fake_deliver, &pc[1], true);
	uint8_t f[64];
	for (uint32_t i = 0; i < 20; i++) {
		mk(f, 0, 1000 + i, 0, 64);
		memset(f, 0xff, 6);
		assert_int_equal(switch_send(s, 0, f, 64, i * 1000), 0);
	}
	drain(s);
	assert_int_equal(s->st.learned, 10);
	assert_int_equal(s->st.learn_full, 10);
	switch_free(s);
	free(fk);
}

// Random traffic from a seeded generator; returns a digest of what was delivered.
// The uplink (several machines): port 2 is the uplink of a switch with VMs 0 and 1.
// Unicast for a MAC that is not here goes to the uplink; frames from the uplink are
// switched locally and never sent back; broadcasts reach it; it learns nothing.
static void test_uplink(void **state)
{
	struct rig *r = rig_new(2, 1, false);
	switch_set_uplink(r->s, 2);
	uint8_t f[64], remote[6];
	nic_mac_at(1, 0, remote); // machine 1, VM 0
	mk(f, 0, 0, 1, 64);
	memcpy(f, remote, 6);
	assert_int_equal(switch_send(r->s, 0, f, 64, 0), 0);
	drain(r->s);
	assert_int_equal(r->f.nrx, 1);
	assert_int_equal(r->f.rx[0].port, 2);
	assert_int_equal(r->s->st.to_uplink, 1);
	assert_int_equal(r->s->st.drop_unknown, 0);
	// From the uplink: the remote VM answers VM 1; nothing is learned on the uplink.
	mk(f, 1, 0, 2, 64);
	memcpy(f + 6, remote, 6);
	assert_int_equal(switch_send(r->s, 2, f, 64, 100000), 0);
	drain(r->s);
	assert_int_equal(r->f.nrx, 2);
	assert_int_equal(r->f.rx[1].port, 1);
	assert_int_equal(switch_lookup(r->s, remote), SWITCH_NO_PORT);
	// From the uplink to a MAC not here: dropped, never back out of the uplink.
	mk(f, 77, 0, 3, 64);
	assert_int_equal(switch_send(r->s, 2, f, 64, 200000), 0);
	drain(r->s);
	assert_int_equal(r->f.nrx, 2);
	assert_int_equal(r->s->st.drop_unknown, 1);
	// Broadcast from a VM floods to the other VM and the uplink; from the uplink to
	// both VMs only.
	mk(f, 0, 0, 4, 64);
	memset(f, 0xff, 6);
	assert_int_equal(switch_send(r->s, 0, f, 64, 300000), 0);
	drain(r->s);
	assert_int_equal(r->f.nrx, 4);
	assert_int_equal(r->f.rx[2].port, 1);
	assert_int_equal(r->f.rx[3].port, 2);
	assert_int_equal(switch_send(r->s, 2, f, 64, 400000), 0);
	drain(r->s);
	assert_int_equal(r->f.nrx, 6);
	assert_int_equal(r->f.rx[4].port, 0);
	assert_int_equal(r->f.rx[5].port, 1);
	// A down uplink (never in practice) counts as unknown.
	switch_port_set_up(r->s, 2, false);
	mk(f, 0, 0, 5, 64);
	memcpy(f, remote, 6);
	assert_int_equal(switch_send(r->s, 0, f, 64, 500000), 0);
	drain(r->s);
	assert_int_equal(r->s->st.drop_unknown, 2);
	assert_int_equal(r->f.nrx, 6);
	rig_free(r);
}

// Loss: n frames VM 0 -> VM 1 with loss_ppb; returns the tags delivered as a bit mask
// (frames 0..63) and the loss count.
static uint64_t lossy_run(uint32_t ppb, uint64_t seed, uint32_t n, uint64_t *lost,
			  bool lossy)
{
	struct fake *fk = calloc(1, sizeof *fk);
	struct port_ctx pc[2] = { { fk, 0 }, { fk, 1 } };
	struct switch_config c;
	switch_config_default(&c);
	c.loss_ppb = ppb;
	c.loss_seed = seed;
	struct sw *s = switch_new(&c, fake_schedule, fk);
	for (uint32_t i = 0; i < 2; i++) {
		uint8_t mac[6];
		assert_int_equal(switch_add_port(s, fake_deliver, &pc[i], false), i);
		nic_mac_for(i, mac);
		assert_int_equal(switch_add_static(s, mac, i), 0);
		switch_set_lossy(s, i, lossy);
	}
	uint8_t f[64];
	for (uint32_t i = 0; i < n; i++) {
		mk(f, 1, 0, (uint8_t)i, 64);
		assert_int_equal(switch_send(s, 0, f, 64, (uint64_t)i * 1000), 0);
		drain(s);
	}
	uint64_t mask = 0;
	for (uint32_t i = 0; i < fk->nrx; i++)
		if (fk->rx[i].tag < 64)
			mask |= 1ull << fk->rx[i].tag;
	*lost = s->st.lost;
	assert_int_equal(switch_port_stats(s, 1)->rx_loss, s->st.lost);
	assert_int_equal(fk->nrx + s->st.lost, n);
	switch_free(s);
	free(fk);
	return mask;
}

static void test_loss(void **state)
{
	uint64_t lost, lost2;
	// No loss, and loss on ports that are not lossy: everything arrives.
	assert_int_equal(lossy_run(0, 1, 64, &lost, true), UINT64_MAX);
	assert_int_equal(lost, 0);
	assert_int_equal(lossy_run(1000000000u, 1, 64, &lost, false), UINT64_MAX);
	// Certain loss.
	assert_int_equal(lossy_run(1000000000u, 1, 64, &lost, true), 0);
	assert_int_equal(lost, 64);
	// 30%: the same frames lost for the same seed, others for another seed.
	uint64_t a = lossy_run(300000000u, 7, 64, &lost, true);
	assert_int_equal(lossy_run(300000000u, 7, 64, &lost2, true), a);
	assert_int_equal(lost, lost2);
	assert_true(lost > 5 && lost < 40);
	assert_int_not_equal(lossy_run(300000000u, 8, 64, &lost2, true), a);
	// The rate over many frames is close to P (1000 frames, 10%: 100 +- 40).
	(void)lossy_run(100000000u, 3, 1000, &lost, true);
	printf("10%% loss over 1000 frames, seed 3: %llu lost\n", (unsigned long long)lost);
	assert_true(lost >= 60 && lost <= 140);
}

static uint64_t stress(uint64_t seed)
{
	struct rig *r = rig_new(5, 1, false);
	uint64_t x = seed, t = 0;
	uint8_t f[1514];
	for (uint32_t i = 0; i < 2000; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		uint32_t src = (uint32_t)(x >> 33) % 6, dst = (uint32_t)(x >> 40) % 7;
		uint32_t len = 14 + (uint32_t)(x >> 20) % 1500;
		t += (x >> 50) % 3000;
		mk(f, dst, src, (uint8_t)i, len);
		if (dst == 6)
			memset(f, 0xff, 6);
		(void)switch_send(r->s, src, f, len, t);
		if (i % 7 == 0)
			switch_run(r->s, t);
	}
	drain(r->s);
	uint64_t h = 0xcbf29ce484222325ull;
	for (uint32_t i = 0; i < r->f.nrx; i++) {
		h = (h ^ r->f.rx[i].t) * 0x100000001b3ull;
		h = (h ^ r->f.rx[i].port) * 0x100000001b3ull;
		h = (h ^ r->f.rx[i].tag) * 0x100000001b3ull;
		if (i)
			assert_true(r->f.rx[i].t >= r->f.rx[i - 1].t);
	}
	assert_true(r->f.nrx > 1000);
	rig_free(r);
	return h;
}

static void test_stress_deterministic(void **state)
{
	uint64_t seed = 42;
	printf("stress seed %llu\n", (unsigned long long)seed);
	assert_int_equal(stress(seed), stress(seed));
	assert_int_not_equal(stress(seed), stress(seed + 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timing_one_frame),
		cmocka_unit_test(test_back_to_back_and_late_run),
		cmocka_unit_test(test_round_robin),
		cmocka_unit_test(test_round_robin_many_ports),
		cmocka_unit_test(test_learning_broadcast_unknown),
		cmocka_unit_test(test_flood_unknown),
		cmocka_unit_test(test_arp_steer),
		cmocka_unit_test(test_down_refused_same_port),
		cmocka_unit_test(test_length_and_queue_drops),
		cmocka_unit_test(test_many_static_macs),
		cmocka_unit_test(test_learn_limit),
		cmocka_unit_test(test_stress_deterministic),
		cmocka_unit_test(test_uplink),
		cmocka_unit_test(test_loss),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
