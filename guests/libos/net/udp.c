// SPDX-License-Identifier: MIT
// UDP (RFC 768, RFC 1122 4.1): datagram sockets bound to ports, checksums generated
// always and verified when present, a receive queue of at most dq_cap payload bytes
// per socket (later datagrams are dropped and counted), ICMP port unreachable for
// datagrams to unbound ports (not for broadcasts).
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

int udp_port_used(struct net *n, uint16_t port, const struct nsock *except)
{
	for (struct nsock *s = n->socks; s; s = s->next)
		if (s != except && s->type == NSOCK_UDP && s->bound && !s->closed &&
		    s->lport == port)
			return 1;
	return 0;
}

void udp_input(struct net *n, const uint8_t *ip_pkt, uint32_t hlen, uint32_t len)
{
	n->st.udp_in++;
	const uint8_t *u = ip_pkt + hlen;
	uint32_t ulen = len - hlen;
	if (ulen < UDP_HLEN || rd16(u + 4) < UDP_HLEN || rd16(u + 4) > ulen) {
		n->st.udp_drop_bad++;
		return;
	}
	ulen = rd16(u + 4);
	uint32_t src = rd32(ip_pkt + 12), dst = rd32(ip_pkt + 16);
	if (rd16(u + 6) != 0) {
		uint32_t sum = cksum_pseudo(src, dst, IP_PROTO_UDP, ulen);
		if (cksum_finish(cksum_add(sum, u, ulen)) != 0) {
			n->st.udp_drop_checksum++;
			return;
		}
	}
	uint16_t sport = rd16(u), dport = rd16(u + 2);
	struct nsock *s;
	for (s = n->socks; s; s = s->next)
		if (s->type == NSOCK_UDP && s->bound && !s->closed && s->lport == dport &&
		    (!s->udp_connected || (s->rip == src && s->rport == sport)))
			break;
	if (!s) {
		n->st.udp_drop_no_port++;
		if (!ipv4_is_broadcast(dst))
			icmp_port_unreachable(n, ip_pkt, len);
		return;
	}
	uint32_t plen = ulen - UDP_HLEN;
	if (s->shut_rd || s->dq_bytes + plen > s->dq_cap) {
		n->st.udp_drop_full++;
		return;
	}
	struct pktbuf *p = malloc(sizeof(*p) + plen);
	if (!p) {
		n->st.udp_drop_full++;
		return;
	}
	p->next = NULL;
	p->seq = src;
	p->port = sport;
	p->len = plen;
	memcpy(p->data, u + UDP_HLEN, plen);
	if (s->dq_tail)
		s->dq_tail->next = p;
	else
		s->dq_head = p;
	s->dq_tail = p;
	s->dq_bytes += plen;
	net_wake(s);
}

long udp_send(struct nsock *s, const void *buf, uint32_t len, uint32_t ip, uint16_t port)
{
	struct net *n = s->net;
	if (len > UDP_PAYLOAD_MAX)
		return -EMSGSIZE;
	if (ip == 0 || port == 0)
		return -EDESTADDRREQ;
	if (ip == n->ip) // no loopback
		return -EHOSTUNREACH;
	if (!s->bound) {
		int r = nsock_bind(s, 0, 0);
		if (r)
			return r;
	}
	uint8_t *u = ipv4_payload(n);
	wr16(u, s->lport);
	wr16(u + 2, port);
	wr16(u + 4, UDP_HLEN + len);
	wr16(u + 6, 0);
	if (len)
		memcpy(u + UDP_HLEN, buf, len);
	uint32_t sum = cksum_pseudo(n->ip, ip, IP_PROTO_UDP, UDP_HLEN + len);
	uint16_t c = cksum_finish(cksum_add(sum, u, UDP_HLEN + len));
	wr16(u + 6, c ? c : 0xffff); // 0 means "no checksum" (RFC 768)
	int r = ipv4_output(n, ip, IP_PROTO_UDP, UDP_HLEN + len);
	if (r)
		return r;
	n->st.udp_out++;
	return (long)len;
}

long udp_recv(struct nsock *s, void *buf, uint32_t len, uint32_t *ip, uint16_t *port)
{
	struct pktbuf *p = s->dq_head;
	if (!p)
		return s->shut_rd ? 0 : -EAGAIN;
	s->dq_head = p->next;
	if (!s->dq_head)
		s->dq_tail = NULL;
	s->dq_bytes -= p->len;
	uint32_t n = p->len < len ? p->len : len; // the rest of a long datagram is lost
	if (n)
		memcpy(buf, p->data, n);
	if (ip)
		*ip = p->seq;
	if (port)
		*port = p->port;
	free(p);
	return (long)n;
}

void udp_close(struct nsock *s)
{
	net_sock_free(s);
}
