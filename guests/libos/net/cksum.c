// SPDX-License-Identifier: MIT
// The Internet checksum (RFC 1071): the one's-complement sum of 16-bit big-endian
// words, used by the IPv4 header, ICMP, UDP and TCP (net_internal.h has the API).
#include "net_internal.h"

uint32_t cksum_add(uint32_t sum, const uint8_t *p, uint32_t len)
{
	while (len >= 2) {
		sum += (uint32_t)(p[0] << 8 | p[1]);
		// fold early so a 64 KiB message cannot overflow 32 bits
		if (sum & 0x80000000u)
			sum = (sum & 0xffffu) + (sum >> 16);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
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
