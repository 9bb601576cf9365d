// SPDX-License-Identifier: MIT
// ICMP (RFC 792, RFC 1122 3.2.2): echo replies (ping) and port-unreachable messages
// for UDP datagrams nobody listens for. Other ICMP messages are counted and ignored.
#include <string.h>

#include "net_internal.h"

#define ICMP_ECHO_REPLY 0u
#define ICMP_UNREACH 3u
#define ICMP_ECHO 8u

void icmp_input(struct net *n, const uint8_t *p, uint32_t hlen, uint32_t len)
{
	n->st.icmp_in++;
	const uint8_t *m = p + hlen;
	uint32_t mlen = len - hlen;
	if (mlen < 8 || cksum_finish(cksum_add(0, m, mlen)) != 0) {
		n->st.icmp_drop_bad++;
		return;
	}
	// No replies to broadcast pings (RFC 1122 3.2.2.6 allows silence).
	if (m[0] != ICMP_ECHO || m[1] != 0 || rd32(p + 16) != n->ip)
		return;
	uint32_t src = rd32(p + 12);
	uint8_t *r = ipv4_payload(n);
	memcpy(r, m, mlen); // identifier, sequence number and data come back unchanged
	r[0] = ICMP_ECHO_REPLY;
	wr16(r + 2, 0);
	wr16(r + 2, cksum_finish(cksum_add(0, r, mlen)));
	if (ipv4_output(n, src, IP_PROTO_ICMP, mlen) == 0)
		n->st.icmp_echo_replies++;
}

void icmp_port_unreachable(struct net *n, const uint8_t *ip_pkt, uint32_t len)
{
	uint32_t hlen = (ip_pkt[0] & 0xfu) * 4u;
	uint32_t quote = hlen + 8 < len ? hlen + 8 : len; // the header and 8 bytes
	uint8_t *r = ipv4_payload(n);
	r[0] = ICMP_UNREACH;
	r[1] = 3; // port unreachable
	wr16(r + 2, 0);
	wr32(r + 4, 0);
	memcpy(r + 8, ip_pkt, quote);
	wr16(r + 2, cksum_finish(cksum_add(0, r, 8 + quote)));
	if (ipv4_output(n, rd32(ip_pkt + 12), IP_PROTO_ICMP, 8 + quote) == 0)
		n->st.icmp_unreach_out++;
}
