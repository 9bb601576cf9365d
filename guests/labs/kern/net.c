// SPDX-License-Identifier: MIT
// LAB 6: a network stack on the raw NIC (include/kern.h, docs/isa.md 9.2): Ethernet,
// ARP, IPv4 and UDP, then a reliable transfer over UDP. Frames are Ethernet without
// preamble or FCS, 14..1514 bytes; multi-byte fields are big-endian on the wire.
//
//  Ethernet  dst(6) src(6) type(2)            0x0806 ARP, 0x0800 IPv4
//  ARP       htype(2)=1 ptype(2)=0x0800 hlen(1)=6 plen(1)=4 op(2) 1 request, 2 reply
//            sha(6) spa(4) tha(6) tpa(4)
//  IPv4      ver/ihl(1)=0x45 tos(1) len(2) id(2) flags/frag(2) ttl(1) proto(1)=17
//            csum(2) src(4) dst(4)
//  UDP       sport(2) dport(2) len(2) csum(2), then the data
//
// Receiving: the NIC raises DENALI_IRQ_NIC_RX when its queue goes from empty to
// non-empty; net_poll takes every frame (NIC_RECV until it returns 0).
#include "kern.h"

#define ETH_HDR 14
#define IP_HDR 20
#define UDP_HDR 8
#define UDP_MAX (DENALI_NIC_FRAME_MAX - ETH_HDR - IP_HDR - UDP_HDR) // 1472

struct net_stats net_stats;

// The reliable transfer's wire format (docs/labs/lab6.md): one UDP datagram per
// message on port RT_PORT, an 8-byte header then up to RT_CHUNK bytes of data.
#define RT_DATA 1   // seq = byte offset of the data
#define RT_ACK 2    // seq = every byte before it has arrived (cumulative)
#define RT_FIN 3    // seq = the total length: the sender is done
#define RT_FINACK 4 // seq = the total length: the receiver has it all
#define RT_CHUNK 1024

//@ SOLUTION
static uint8_t my_mac[6], my_ip[4];
static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static uint8_t rx[DENALI_NIC_FRAME_MAX], tx[DENALI_NIC_FRAME_MAX];

#define ARP_SLOTS 16
static struct {
	uint8_t ip[4], mac[6];
	int valid;
} arp_cache[ARP_SLOTS];
static int arp_next; // the slot the next new entry takes (round robin)
static volatile int arp_learned; // set when an entry is learned (resolve waits on it)

#define PORTS 8
static struct {
	uint16_t port;
	udp_fn fn;
} ports[PORTS];

static uint32_t get16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static uint32_t get32(const uint8_t *p) { return get16(p) << 16 | get16(p + 2); }
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

// The Internet checksum's ones'-complement sum of len bytes, added to sum.
static uint32_t sum16(uint32_t sum, const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

// The UDP checksum over the pseudo-header (src, dst, 17, length) and the datagram.
static uint16_t udp_csum(const uint8_t *src, const uint8_t *dst, const uint8_t *udp,
			 uint32_t len)
{
	uint32_t sum = sum16(0, src, 4);
	sum = sum16(sum, dst, 4);
	sum += 17 + len;
	uint16_t c = fold(sum16(sum, udp, len));
	return c ? c : 0xffff; // 0 means "no checksum": send all ones instead
}

static int nic_send(const uint8_t *frame, uint32_t len)
{
	struct pio_regs r = { .esi = (uint32_t)frame, .ecx = len };
	net_stats.tx_frames++;
	return pio(DENALI_PORT_NIC_SEND, &r) == 0 ? 0 : -1;
}

static void arp_learn(const uint8_t *ip, const uint8_t *mac)
{
	int slot = -1;
	for (int i = 0; i < ARP_SLOTS && slot < 0; i++)
		if (arp_cache[i].valid && !memcmp(arp_cache[i].ip, ip, 4))
			slot = i;
	if (slot < 0) {
		slot = arp_next;
		arp_next = (arp_next + 1) % ARP_SLOTS;
	}
	memcpy(arp_cache[slot].ip, ip, 4);
	memcpy(arp_cache[slot].mac, mac, 6);
	arp_cache[slot].valid = 1;
	arp_learned = 1;
}

static const uint8_t *arp_lookup(const uint8_t *ip)
{
	for (int i = 0; i < ARP_SLOTS; i++)
		if (arp_cache[i].valid && !memcmp(arp_cache[i].ip, ip, 4))
			return arp_cache[i].mac;
	return NULL;
}

// An ARP packet (op, target MAC and IP) from us to eth_dst.
static void arp_send(uint32_t op, const uint8_t *eth_dst, const uint8_t *tha,
		     const uint8_t *tpa)
{
	uint8_t *f = tx;
	memcpy(f, eth_dst, 6);
	memcpy(f + 6, my_mac, 6);
	put16(f + 12, 0x0806);
	uint8_t *a = f + ETH_HDR;
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, my_mac, 6);
	memcpy(a + 14, my_ip, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, tpa, 4);
	nic_send(f, ETH_HDR + 28);
}

static void arp_input(const uint8_t *a, uint32_t len)
{
	if (len < 28 || get16(a) != 1 || get16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4) {
		net_stats.dropped++;
		return;
	}
	uint32_t op = get16(a + 6);
	const uint8_t *sha = a + 8, *spa = a + 14, *tpa = a + 24;
	if (memcmp(tpa, my_ip, 4) != 0) { // not for us: ignore (and learn nothing)
		net_stats.dropped++;
		return;
	}
	arp_learn(spa, sha); // a request to us or a reply to us: the sender is there
	if (op == 1) {
		arp_send(2, sha, sha, spa);
		net_stats.arp_replies++;
	}
}

static void udp_input(const uint8_t *ip, const uint8_t *u, uint32_t len)
{
	if (len < UDP_HDR || get16(u + 4) < UDP_HDR || get16(u + 4) > len) {
		net_stats.dropped++;
		return;
	}
	uint32_t ulen = get16(u + 4);
	if (get16(u + 6) != 0) { // a checksum was sent: it must add up to all ones
		uint32_t sum = sum16(0, ip + 12, 8);
		sum += 17 + ulen;
		if (fold(sum16(sum, u, ulen)) != 0) {
			net_stats.dropped++;
			return;
		}
	}
	uint32_t dport = get16(u + 2);
	for (int i = 0; i < PORTS; i++)
		if (ports[i].fn && ports[i].port == dport) {
			uint32_t src;
			memcpy(&src, ip + 12, 4);
			net_stats.udp_in++;
			ports[i].fn(src, (uint16_t)get16(u), u + UDP_HDR, ulen - UDP_HDR);
			return;
		}
	net_stats.dropped++;
}

static void ipv4_input(const uint8_t *ip, uint32_t len)
{
	if (len < IP_HDR || ip[0] >> 4 != 4) {
		net_stats.dropped++;
		return;
	}
	uint32_t ihl = (ip[0] & 15) * 4u, total = get16(ip + 2);
	if (ihl < IP_HDR || total < ihl || total > len || fold(sum16(0, ip, ihl)) != 0 ||
	    memcmp(ip + 16, my_ip, 4) != 0 || (get16(ip + 6) & 0x3fff) != 0 || ip[9] != 17) {
		net_stats.dropped++; // short, bad checksum, not ours, a fragment, not UDP
		return;
	}
	udp_input(ip, ip + ihl, total - ihl);
}
//@ END

void net_init(void)
{
//@ SOLUTION
	for (int i = 0; i < 6; i++)
		my_mac[i] = VREGS->mac[i];
	uint32_t ip = VREGS->ipv4;
	memcpy(my_ip, &ip, 4);
	irq_register(DENALI_IRQ_NIC_RX, net_poll);
//@ SKELETON
//@ 	// LAB 6: your code here.
//@ END
}

void net_poll(void)
{
//@ SOLUTION
	static int busy; // a UDP handler that waits (net_wait) must not re-enter us
	if (busy)
		return;
	busy = 1;
	for (;;) {
		struct pio_regs r = { .edi = (uint32_t)rx, .ecx = sizeof rx };
		uint32_t len = pio(DENALI_PORT_NIC_RECV, &r);
		if (len == 0 || len > sizeof rx)
			break; // empty (an error cannot happen: our buffer holds any frame)
		net_stats.rx_frames++;
		if (len < ETH_HDR) {
			net_stats.dropped++;
			continue;
		}
		uint32_t type = get16(rx + 12);
		if (type == 0x0806)
			arp_input(rx + ETH_HDR, len - ETH_HDR);
		else if (type == 0x0800)
			ipv4_input(rx + ETH_HDR, len - ETH_HDR);
		else
			net_stats.dropped++;
	}
	busy = 0;
//@ SKELETON
//@ 	// LAB 6: your code here.
//@ END
}

int net_wait(volatile int *flag, uint64_t deadline_ns)
{
//@ SOLUTION
	uint32_t s = intr_save(); // a frame between the test and the idle is not lost
	uint64_t now;
	while (!*flag && (now = now_ns()) < deadline_ns) {
		denali_idle(deadline_ns - now);
		irq_poll();
	}
	intr_restore(s);
	return *flag;
//@ SKELETON
//@ 	// LAB 6: your code here.
//@ 	(void)deadline_ns;
//@ 	return *flag;
//@ END
}

int udp_bind(uint16_t port, udp_fn fn)
{
//@ SOLUTION
	for (int i = 0; i < PORTS; i++)
		if (ports[i].fn && ports[i].port == port)
			return -1;
	for (int i = 0; i < PORTS; i++)
		if (!ports[i].fn) {
			ports[i].port = port;
			ports[i].fn = fn;
			return 0;
		}
	return -1;
//@ SKELETON
//@ 	// LAB 6: your code here.
//@ 	(void)port;
//@ 	(void)fn;
//@ 	return -1;
//@ END
}

//@ SOLUTION
// Resolves ip's MAC: the cache, else ARP requests (one every 200 ms, 5 in all).
static const uint8_t *resolve(const uint8_t *ip)
{
	static const uint8_t zero[6];
	for (int tries = 0; tries < 5; tries++) {
		const uint8_t *mac = arp_lookup(ip);
		if (mac)
			return mac;
		arp_send(1, broadcast, zero, ip);
		uint64_t until = now_ns() + 200000000;
		while (!arp_lookup(ip) && now_ns() < until) {
			arp_learned = 0;
			net_wait(&arp_learned, until);
		}
	}
	return arp_lookup(ip);
}
//@ END

int udp_send(uint32_t dst_ip, uint16_t src_port, uint16_t dst_port, const void *data,
	     uint32_t len)
{
//@ SOLUTION
	if (len > UDP_MAX)
		return -1;
	uint8_t dst[4];
	memcpy(dst, &dst_ip, 4);
	const uint8_t *mac = resolve(dst);
	if (!mac)
		return -1;
	static uint16_t ip_id;
	uint8_t *f = tx;
	memcpy(f, mac, 6);
	memcpy(f + 6, my_mac, 6);
	put16(f + 12, 0x0800);
	uint8_t *ip = f + ETH_HDR, *u = ip + IP_HDR;
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, IP_HDR + UDP_HDR + len);
	put16(ip + 4, ip_id++);
	put16(ip + 6, 0);
	ip[8] = 64;
	ip[9] = 17;
	put16(ip + 10, 0);
	memcpy(ip + 12, my_ip, 4);
	memcpy(ip + 16, dst, 4);
	put16(ip + 10, fold(sum16(0, ip, IP_HDR)));
	put16(u, src_port);
	put16(u + 2, dst_port);
	put16(u + 4, UDP_HDR + len);
	put16(u + 6, 0);
	memcpy(u + UDP_HDR, data, len);
	put16(u + 6, udp_csum(my_ip, dst, u, UDP_HDR + len));
	return nic_send(f, ETH_HDR + IP_HDR + UDP_HDR + len);
//@ SKELETON
//@ 	// LAB 6: your code here.
//@ 	(void)dst_ip;
//@ 	(void)src_port;
//@ 	(void)dst_port;
//@ 	(void)data;
//@ 	(void)len;
//@ 	return -1;
//@ END
}

// ---- the reliable transfer ---------------------------------------------------------

//@ SOLUTION
#define RTO_NS 10000000ull   // retransmit after 10 ms without progress
#define RT_TRIES 100         // give up after this many timeouts in a row
#define LINGER_NS 100000000ull // the receiver answers late FINs this long

static struct {
	uint8_t *buf;        // receiving: where the data goes
	uint32_t cap, got;   // its size; bytes received in order
	uint32_t peer;       // the other side's address
	volatile int done;   // receiver: FIN seen; sender: FINACK seen
	volatile uint32_t acked; // sender: the highest cumulative ACK
	volatile int moved;  // something arrived (net_wait's flag)
} rt;

static void rt_msg(uint32_t type, uint32_t seq, const void *data, uint32_t len)
{
	uint8_t m[8 + RT_CHUNK];
	memset(m, 0, 8);
	m[0] = (uint8_t)type;
	put32(m + 4, seq);
	if (len)
		memcpy(m + 8, data, len);
	udp_send(rt.peer, RT_PORT, RT_PORT, m, 8 + len);
}

static void rt_input(uint32_t src, uint16_t sport, const void *data, uint32_t len)
{
	(void)sport;
	const uint8_t *m = data;
	if (len < 8)
		return;
	uint32_t type = m[0], seq = get32(m + 4);
	rt.moved = 1;
	if (rt.buf) { // the receiver
		rt.peer = src;
		if (type == RT_DATA && seq == rt.got && len - 8 <= rt.cap - rt.got) {
			memcpy(rt.buf + rt.got, m + 8, len - 8);
			rt.got += len - 8;
		}
		if (type == RT_DATA)
			rt_msg(RT_ACK, rt.got, NULL, 0); // duplicates are acked again
		if (type == RT_FIN && seq == rt.got) {
			rt.done = 1;
			rt_msg(RT_FINACK, rt.got, NULL, 0);
		}
	} else { // the sender
		if (type == RT_ACK && seq > rt.acked)
			rt.acked = seq;
		if (type == RT_FINACK)
			rt.done = 1;
	}
}
//@ END

int rt_send(uint32_t dst_ip, const void *data, uint32_t len)
{
//@ SOLUTION
	memset(&rt, 0, sizeof rt);
	rt.peer = dst_ip;
	if (udp_bind(RT_PORT, rt_input) != 0)
		return -1;
	const uint8_t *p = data;
	int timeouts = 0;
	while (rt.acked < len) { // stop and wait: one chunk in flight
		uint32_t off = rt.acked, n = len - off < RT_CHUNK ? len - off : RT_CHUNK;
		rt_msg(RT_DATA, off, p + off, n);
		uint64_t until = now_ns() + RTO_NS;
		while (rt.acked == off && now_ns() < until) {
			rt.moved = 0;
			net_wait(&rt.moved, until);
		}
		if (rt.acked == off) {
			net_stats.retransmits++;
			if (++timeouts == RT_TRIES)
				return -1;
		} else {
			timeouts = 0;
		}
	}
	while (!rt.done) {
		rt_msg(RT_FIN, len, NULL, 0);
		uint64_t until = now_ns() + RTO_NS;
		while (!rt.done && now_ns() < until) {
			rt.moved = 0;
			net_wait(&rt.moved, until);
		}
		if (!rt.done) {
			net_stats.retransmits++;
			if (++timeouts == RT_TRIES)
				return -1;
		}
	}
	return (int)len;
//@ SKELETON
//@ 	// LAB 6: your code here.
//@ 	(void)dst_ip;
//@ 	(void)data;
//@ 	(void)len;
//@ 	return -1;
//@ END
}

int rt_recv(void *buf, uint32_t cap)
{
//@ SOLUTION
	memset(&rt, 0, sizeof rt);
	rt.buf = buf;
	rt.cap = cap;
	if (udp_bind(RT_PORT, rt_input) != 0)
		return -1;
	while (!rt.done)
		net_wait(&rt.done, now_ns() + 1000000000);
	// Linger: if our FINACK was lost the sender sends FIN again; answer it.
	uint64_t until = now_ns() + LINGER_NS;
	while (now_ns() < until) {
		static volatile int never;
		net_wait(&never, until);
	}
	return (int)rt.got;
//@ SKELETON
//@ 	// LAB 6: your code here.
//@ 	(void)buf;
//@ 	(void)cap;
//@ 	return -1;
//@ END
}
