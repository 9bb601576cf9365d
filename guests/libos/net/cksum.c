// SPDX-License-Identifier: MIT
// The Internet checksum (RFC 1071): the one's-complement sum of 16-bit big-endian
// words, used by the IPv4 header, ICMP, UDP and TCP (net_internal.h has the API).
//
// Speed matters here: every payload byte is summed once on the way out and once on
// the way in. The loop adds 32-bit words in the machine's own byte order into a 64-bit
// accumulator, then folds; a one's-complement sum taken in swapped byte order is the
// byte-swapped sum (RFC 1071 2(B)), so one swap at the end fixes a little-endian
// machine's result. About 1 instruction per byte on i386, against 3 bytewise.
#include "net_internal.h"

uint32_t cksum_add(uint32_t sum, const uint8_t *p, uint32_t len)
{
	uint64_t acc = 0;
	while (len >= 16) {
		uint32_t w[4];
		__builtin_memcpy(w, p, 16); // unaligned loads; a frame need not be aligned
		acc += (uint64_t)w[0] + w[1] + w[2] + w[3];
		p += 16;
		len -= 16;
	}
	while (len >= 4) {
		uint32_t w;
		__builtin_memcpy(&w, p, 4);
		acc += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t h;
		__builtin_memcpy(&h, p, 2);
		acc += h;
		p += 2;
		len -= 2;
	}
	if (len) { // the odd last byte is the high half of a big-endian word
		uint16_t h = 0;
		((uint8_t *)&h)[0] = p[0];
		acc += h;
	}
	while (acc >> 16)
		acc = (acc & 0xffffu) + (acc >> 16);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	uint32_t v = (uint32_t)acc;
#else
	uint32_t v = (uint32_t)((acc & 0xffu) << 8 | acc >> 8);
#endif
	sum += v;
	return (sum & 0xffffu) + (sum >> 16);
}

uint32_t cksum_pseudo(uint32_t src, uint32_t dst, uint32_t proto, uint32_t len)
{
	return (src >> 16) + (src & 0xffffu) + (dst >> 16) + (dst & 0xffffu) + proto + len;
}

uint16_t cksum_finish(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}
