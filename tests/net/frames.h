// SPDX-License-Identifier: MIT
// Hand-built frames for the network tests: Ethernet + IPv4 + a transport payload with
// every checksum computed here, independently of the core's cksum.c.
#ifndef DENALI_TESTS_NET_FRAMES_H
#define DENALI_TESTS_NET_FRAMES_H

#include <stdint.h>
#include <string.h>

static inline void fr_put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void fr_put32(uint8_t *p, uint32_t v)
{
	fr_put16(p, v >> 16);
	fr_put16(p + 2, v);
}

static inline uint16_t fr_sum(const uint8_t *p, uint32_t len, uint64_t s)
{
	for (uint32_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

// Recomputes the IPv4 header checksum and the ICMP/UDP/TCP checksum of frame f, as far
// as the lengths in the headers allow (garbled lengths are left alone).
static inline void fr_fix(uint8_t *f, uint32_t len)
{
	if (len < 34 || f[12] != 8 || f[13] != 0)
		return;
	uint8_t *ip = f + 14;
	uint32_t hl = (ip[0] & 15u) * 4u, tot = (uint32_t)(ip[2] << 8 | ip[3]);
	if (hl < 20 || 14 + hl > len)
		return;
	ip[10] = ip[11] = 0;
	fr_put16(ip + 10, fr_sum(ip, hl, 0));
	if (tot < hl || 14 + tot > len)
		return;
	uint8_t *l4 = ip + hl;
	uint32_t n = tot - hl;
	uint64_t pseudo = (uint32_t)(ip[12] << 8 | ip[13]) + (uint32_t)(ip[14] << 8 | ip[15]) +
			  (uint32_t)(ip[16] << 8 | ip[17]) + (uint32_t)(ip[18] << 8 | ip[19]) +
			  ip[9] + n;
	if (ip[9] == 1 && n >= 4) {
		l4[2] = l4[3] = 0;
		fr_put16(l4 + 2, fr_sum(l4, n, 0));
	} else if (ip[9] == 6 && n >= 18) {
		l4[16] = l4[17] = 0;
		fr_put16(l4 + 16, fr_sum(l4, n, pseudo));
	} else if (ip[9] == 17 && n >= 8) {
		l4[6] = l4[7] = 0;
		fr_put16(l4 + 6, fr_sum(l4, n, pseudo));
	}
}

// Builds Ethernet + IPv4 (20-byte header, DF) + l4 and fixes the checksums; returns
// the frame's length.
static inline uint32_t fr_ipv4(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6],
			       uint32_t src, uint32_t dst, uint8_t proto, const void *l4,
			       uint32_t l4len)
{
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 8;
	f[13] = 0;
	uint8_t *ip = f + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	fr_put16(ip + 2, 20 + l4len);
	fr_put16(ip + 4, 0x1234);
	fr_put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = proto;
	fr_put32(ip + 12, src);
	fr_put32(ip + 16, dst);
	memcpy(ip + 20, l4, l4len);
	fr_fix(f, 34 + l4len);
	return 34 + l4len;
}

// A TCP header (20 bytes + optlen bytes of options) into t; returns its length.
static inline uint32_t fr_tcp(uint8_t *t, uint16_t sport, uint16_t dport, uint32_t seq,
			      uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *opts,
			      uint32_t optlen)
{
	memset(t, 0, 20);
	fr_put16(t, sport);
	fr_put16(t + 2, dport);
	fr_put32(t + 4, seq);
	fr_put32(t + 8, ack);
	t[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	t[13] = flags;
	fr_put16(t + 14, win);
	if (optlen)
		memcpy(t + 20, opts, optlen);
	return 20 + optlen;
}

// An ARP packet (op 1 request, 2 reply) into a frame; returns 42.
static inline uint32_t fr_arp(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6],
			      uint32_t op, uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 8;
	f[13] = 6;
	uint8_t *a = f + 14;
	fr_put16(a, 1);
	fr_put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	fr_put16(a + 6, op);
	memcpy(a + 8, smac, 6);
	fr_put32(a + 14, spa);
	memcpy(a + 18, tha, 6);
	fr_put32(a + 24, tpa);
	return 42;
}

#endif
