// SPDX-License-Identifier: MIT
// Ethernet frame one-liners (netdecode.h). Each decoder appends to a bounded buffer
// (struct out) and reads the frame only through the checked helpers below.
#include "trace/netdecode.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

struct out {
	char *b;
	size_t len, at;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	if (o->at + 1 >= o->len)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->b + o->at, o->len - o->at, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->at += (size_t)n < o->len - o->at ? (size_t)n : o->len - o->at - 1;
}

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void mac(struct out *o, const uint8_t *m)
{
	put(o, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void ip(struct out *o, const uint8_t *a)
{
	put(o, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

static void arp(struct out *o, const uint8_t *p, uint32_t len)
{
	if (len < 28 || be16(p) != 1 || be16(p + 2) != 0x0800 || p[4] != 6 || p[5] != 4) {
		put(o, "ARP (%s)", len < 28 ? "truncated" : "not Ethernet/IPv4");
		return;
	}
	uint32_t op = be16(p + 6);
	if (op == 1) {
		put(o, "ARP who-has ");
		ip(o, p + 24);
		put(o, " tell ");
		ip(o, p + 14);
	} else if (op == 2) {
		put(o, "ARP reply ");
		ip(o, p + 14);
		put(o, " is-at ");
		mac(o, p + 8);
	} else {
		put(o, "ARP op %u", op);
	}
}

static void tcp(struct out *o, const uint8_t *p, uint32_t len, const uint8_t *src,
		const uint8_t *dst)
{
	if (len < 20) {
		put(o, "TCP (truncated)");
		return;
	}
	uint32_t hl = (uint32_t)(p[12] >> 4) * 4;
	ip(o, src);
	put(o, ":%u > ", be16(p));
	ip(o, dst);
	put(o, ":%u TCP [", be16(p + 2));
	static const char names[] = "FSRPAUEC";
	bool any = false;
	for (int i = 0; i < 8; i++)
		if (p[13] & (1u << i)) {
			put(o, "%c", i == 4 ? '.' : names[i]);
			any = true;
		}
	if (!any)
		put(o, "none");
	put(o, "] seq %u", be32(p + 4));
	if (p[13] & 0x10)
		put(o, " ack %u", be32(p + 8));
	put(o, " win %u", be16(p + 14));
	if (hl < 20 || hl > len)
		put(o, " (bad header length %u)", hl);
	else
		put(o, " len %u", len - hl);
}

static void udp(struct out *o, const uint8_t *p, uint32_t len, const uint8_t *src,
		const uint8_t *dst)
{
	if (len < 8) {
		put(o, "UDP (truncated)");
		return;
	}
	ip(o, src);
	put(o, ":%u > ", be16(p));
	ip(o, dst);
	put(o, ":%u UDP len %u", be16(p + 2), be16(p + 4) >= 8 ? be16(p + 4) - 8 : 0);
}

static void icmp(struct out *o, const uint8_t *p, uint32_t len, const uint8_t *src,
		 const uint8_t *dst)
{
	ip(o, src);
	put(o, " > ");
	ip(o, dst);
	if (len < 8) {
		put(o, " ICMP (truncated)");
		return;
	}
	if (p[0] == 8 || p[0] == 0)
		put(o, " ICMP echo %s id %u seq %u", p[0] ? "request" : "reply", be16(p + 4),
		    be16(p + 6));
	else
		put(o, " ICMP type %u code %u", p[0], p[1]);
}

static void ipv4(struct out *o, const uint8_t *p, uint32_t len)
{
	if (len < 20 || (p[0] >> 4) != 4) {
		put(o, "IPv4 (%s)", len < 20 ? "truncated" : "bad version");
		return;
	}
	uint32_t hl = (uint32_t)(p[0] & 15) * 4, tot = be16(p + 2);
	if (hl < 20 || hl > len) {
		put(o, "IPv4 (bad header length %u)", hl);
		return;
	}
	// The payload ends at the total length, or at the frame's end if that is shorter.
	uint32_t end = tot >= hl && tot <= len ? tot : len;
	const uint8_t *src = p + 12, *dst = p + 16;
	uint32_t frag = be16(p + 6);
	if (frag & 0x1fff) {
		ip(o, src);
		put(o, " > ");
		ip(o, dst);
		put(o, " IPv4 fragment offset %u proto %u", (frag & 0x1fff) * 8, p[9]);
		return;
	}
	switch (p[9]) {
	case 6: tcp(o, p + hl, end - hl, src, dst); break;
	case 17: udp(o, p + hl, end - hl, src, dst); break;
	case 1: icmp(o, p + hl, end - hl, src, dst); break;
	default:
		ip(o, src);
		put(o, " > ");
		ip(o, dst);
		put(o, " IPv4 proto %u len %u", p[9], end - hl);
	}
	if (tot > len)
		put(o, " (total length %u > frame)", tot);
}

char *netdecode(const uint8_t *f, uint32_t len, char *buf, size_t buflen)
{
	struct out o = { buf, buflen, 0 };
	if (!buflen)
		return buf;
	buf[0] = 0;
	if (len < 14) {
		put(&o, "runt frame (%u bytes)", len);
		return buf;
	}
	mac(&o, f + 6);
	put(&o, " > ");
	mac(&o, f);
	put(&o, " %u bytes: ", len);
	uint32_t type = be16(f + 12);
	const uint8_t *p = f + 14;
	uint32_t n = len - 14;
	if (type == 0x0806)
		arp(&o, p, n);
	else if (type == 0x0800)
		ipv4(&o, p, n);
	else if (type == 0x86dd)
		put(&o, "IPv6");
	else
		put(&o, "ethertype 0x%04x", type);
	return buf;
}
