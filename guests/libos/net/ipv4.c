// SPDX-License-Identifier: MIT
// IPv4 (RFC 791, RFC 1122 3.2.1): checks every header field a host must check, drops
// fragments (no reassembly: we send with DF and our peers are on one Ethernet
// segment), and hands ICMP, UDP and TCP to their files. Every address in 10.0.0.0/8
// is on-link (netmask 255.0.0.0, no gateway): the next hop is the destination.
#include <errno.h>

#include "net_internal.h"

int ipv4_is_broadcast(uint32_t ip)
{
	return ip == 0xffffffffu || ip == (NET_ONLINK | ~NET_NETMASK);
}

void ipv4_input(struct net *n, const uint8_t *p, uint32_t len)
{
	n->st.ip_in++;
	if (len < IP_HLEN || (p[0] >> 4) != 4) {
		n->st.ip_drop_header++;
		return;
	}
	uint32_t hlen = (p[0] & 0xfu) * 4u, total = rd16(p + 2);
	if (hlen < IP_HLEN || total < hlen || total > len) {
		n->st.ip_drop_header++;
		return;
	}
	if (cksum_finish(cksum_add(0, p, hlen)) != 0) {
		n->st.ip_drop_checksum++;
		return;
	}
	uint32_t frag = rd16(p + 6);
	if (frag & 0x3fffu) { // MF set or a non-zero offset
		n->st.ip_drop_fragment++;
		return;
	}
	uint32_t dst = rd32(p + 16), src = rd32(p + 12);
	if (dst != n->ip && !ipv4_is_broadcast(dst)) {
		n->st.ip_drop_not_ours++;
		return;
	}
	// A source that is broadcast or multicast is bogus (RFC 1122 3.2.1.3).
	if (ipv4_is_broadcast(src) || (src >> 28) == 0xe) {
		n->st.ip_drop_header++;
		return;
	}
	switch (p[9]) {
	case IP_PROTO_ICMP:
		icmp_input(n, p, hlen, total);
		break;
	case IP_PROTO_UDP:
		udp_input(n, p, hlen, total);
		break;
	case IP_PROTO_TCP:
		if (ipv4_is_broadcast(dst))
			n->st.ip_drop_not_ours++;
		else
			tcp_input(n, p, hlen, total);
		break;
	default:
		n->st.ip_drop_proto++;
		break;
	}
}

int ipv4_output(struct net *n, uint32_t dst, uint32_t proto, uint32_t plen)
{
	if ((dst & NET_NETMASK) != NET_ONLINK && !ipv4_is_broadcast(dst)) {
		n->st.ip_drop_no_route++;
		return -EHOSTUNREACH;
	}
	uint8_t *p = n->tx + ETH_HLEN;
	uint32_t total = IP_HLEN + plen;
	p[0] = 0x45;
	p[1] = 0;
	wr16(p + 2, total);
	wr16(p + 4, n->ip_id++);
	wr16(p + 6, 0x4000); // DF
	p[8] = IP_TTL;
	p[9] = (uint8_t)proto;
	wr16(p + 10, 0);
	wr32(p + 12, n->ip);
	wr32(p + 16, dst);
	wr16(p + 10, cksum_finish(cksum_add(0, p, IP_HLEN)));
	n->st.ip_out++;
	arp_output(n, dst, total);
	return 0;
}
