// SPDX-License-Identifier: MIT
// Flow spreading for trace replay (rewrite.h). Every read of the frame is checked
// against len: the bytes come from an untrusted capture.
#include <string.h>

#include "devices/nic.h"
#include "devices/rewrite.h"

static uint64_t fnv(uint64_t h, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

uint16_t rewrite_inet_csum(const uint8_t *b, uint32_t len)
{
	uint32_t sum = 0;
	for (uint32_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit word changing m -> m'.
static uint16_t csum_adjust(uint16_t hc, uint16_t m, uint16_t m2)
{
	uint32_t sum = (uint16_t)~hc + (uint16_t)~m + m2;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

// Patches the checksum at csum for the 4-byte address change old -> new.
static void patch(uint8_t *csum, const uint8_t old[4], const uint8_t nw[4], bool udp)
{
	uint16_t c = rd16(csum);
	if (udp && c == 0)
		return; // UDP over IPv4: no checksum
	c = csum_adjust(c, rd16(old), rd16(nw));
	c = csum_adjust(c, rd16(old + 2), rd16(nw + 2));
	if (udp && c == 0)
		c = 0xffff;
	wr16(csum, c);
}

uint32_t rewrite_frame(uint8_t *frame, uint32_t len, uint64_t seed, uint32_t nvms,
		       bool ipv4)
{
	if (len < 14 || nvms == 0)
		return 0;
	uint8_t *ip = frame + 14;
	uint32_t iplen = len - 14;
	bool is_ip = rd16(frame + 12) == 0x0800 && iplen >= 20 && (ip[0] >> 4) == 4 &&
		     (ip[0] & 15) * 4u >= 20 && (ip[0] & 15) * 4u <= iplen;
	uint32_t ihl = is_ip ? (ip[0] & 15) * 4u : 0;
	bool first_frag = is_ip && (rd16(ip + 6) & 0x1fff) == 0;
	uint8_t proto = is_ip ? ip[9] : 0;
	bool l4 = first_frag && (proto == 6 || proto == 17) && iplen >= ihl + 4;

	uint64_t h = 0xcbf29ce484222325ull;
	if (is_ip) {
		h = fnv(h, &proto, 1);
		h = fnv(h, ip + 12, 8);
		if (l4)
			h = fnv(h, ip + ihl, 4);
	} else {
		h = fnv(h, frame, 12);
	}
	uint32_t vm = (uint32_t)(splitmix(seed ^ h) % nvms);
	nic_mac_for(vm, frame);
	if (!ipv4 || !is_ip)
		return vm;
	uint32_t a = nic_ipv4_for(vm);
	uint8_t nw[4] = { (uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8),
			  (uint8_t)a };
	uint8_t old[4];
	memcpy(old, ip + 16, 4);
	memcpy(ip + 16, nw, 4);
	patch(ip + 10, old, nw, false);
	if (first_frag && proto == 6 && iplen >= ihl + 18)
		patch(ip + ihl + 16, old, nw, false);
	else if (first_frag && proto == 17 && iplen >= ihl + 8)
		patch(ip + ihl + 6, old, nw, true);
	return vm;
}
