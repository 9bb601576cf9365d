// SPDX-License-Identifier: MIT
// udpecho: a UDP echo service on the virtual NIC (docs/devices.md, docs/isa.md 9).
// It drains the receive queue; each IPv4/UDP datagram addressed to this VM's IPv4
// address (the ipv4 virtual register) goes back to its sender: Ethernet, IPv4 and UDP
// source and destination exchanged, TTL 64, the IPv4 header checksum recomputed and
// the UDP checksum recomputed (left 0 when the sender sent none). Anything else (ARP,
// IPv6, fragments, other addresses, bad header checksums) is counted and ignored.
// With the queue empty it idles until the NIC's interrupt or a timeout; after
// UDPECHO_QUIET_MS of simulated time without a frame it prints one line
//   udpecho: vm ID A.B.C.D: R frames, E echoed, I ignored, X errors
// and exits with 0 (1 when a NIC operation failed).
#include <denali.h>
#include <denali_intr.h> // denali_time_ns
#include <denali_nic.h>
#include <stdio.h>
#include <string.h>

#ifndef UDPECHO_QUIET_MS
#define UDPECHO_QUIET_MS 2000
#endif
#define QUIET_NS ((uint64_t)UDPECHO_QUIET_MS * 1000000u)

static uint8_t frame[DENALI_NIC_FRAME_MAX];

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

// The ones'-complement sum of len bytes (big-endian 16-bit words) added to sum.
static uint32_t sum16(uint32_t sum, const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i + 1 < len; i += 2)
		sum += be16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint32_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static void swap(uint8_t *a, uint8_t *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint8_t t = a[i];
		a[i] = b[i];
		b[i] = t;
	}
}

// Turns the n-byte frame into its answer in place. Returns the answer's length, or 0
// when the frame is not an IPv4/UDP datagram for us.
static uint32_t echo(uint8_t *f, uint32_t n, const uint8_t mac[6], const uint8_t ip[4])
{
	if (n < 14 + 20 + 8 || be16(f + 12) != 0x0800)
		return 0;
	uint8_t *iph = f + 14;
	uint32_t ihl = (iph[0] & 15u) * 4u, total = be16(iph + 2);
	if ((iph[0] >> 4) != 4 || ihl < 20 || total < ihl + 8 || 14 + total > n)
		return 0;
	if (iph[9] != 17 || memcmp(iph + 16, ip, 4) != 0)
		return 0;
	if ((be16(iph + 6) & 0x3fff) != 0) // MF or a fragment offset
		return 0;
	if (fold(sum16(0, iph, ihl)) != 0xffff) // bad header checksum
		return 0;
	uint8_t *udp = iph + ihl;
	uint32_t ulen = be16(udp + 4);
	if (ulen < 8 || ulen > total - ihl)
		return 0;
	// Ethernet: back to the sender, from our own MAC.
	memcpy(f, f + 6, 6);
	memcpy(f + 6, mac, 6);
	// IPv4: exchange the addresses, fresh TTL, new header checksum.
	memcpy(iph + 16, iph + 12, 4);
	memcpy(iph + 12, ip, 4);
	iph[8] = 64;
	put16(iph + 10, 0);
	put16(iph + 10, ~fold(sum16(0, iph, ihl)) & 0xffff);
	// UDP: exchange the ports; checksum over the pseudo-header and the datagram.
	swap(udp, udp + 2, 2);
	if (be16(udp + 6) != 0) {
		put16(udp + 6, 0);
		uint32_t s = sum16(0, iph + 12, 8) + 17 + ulen;
		uint32_t c = ~fold(sum16(s, udp, ulen)) & 0xffff;
		put16(udp + 6, c ? c : 0xffff);
	}
	return 14 + total;
}

int main(void)
{
	uint8_t mac[6], ip[4];
	denali_nic_mac(mac);
	uint32_t ipv4 = denali_nic_ipv4();
	memcpy(ip, &ipv4, 4);
	uint32_t frames = 0, echoed = 0, ignored = 0, errors = 0;
	uint64_t last = denali_time_ns();
	for (;;) {
		denali_nic_ack_rx(); // before draining: a frame arriving later wakes the idle
		uint32_t n;
		while ((n = denali_nic_recv(frame, sizeof frame)) != 0) {
			if (denali_nic_is_err(n)) {
				errors++;
				break;
			}
			frames++;
			last = denali_time_ns();
			uint32_t len = ipv4 ? echo(frame, n, mac, ip) : 0;
			if (!len)
				ignored++;
			else if (denali_nic_send(frame, len) == 0)
				echoed++;
			else
				errors++;
		}
		uint64_t now = denali_time_ns();
		if (errors || now - last >= QUIET_NS)
			break;
		denali_idle(last + QUIET_NS - now);
	}
	printf("udpecho: vm %u %u.%u.%u.%u: %u frames, %u echoed, %u ignored, %u errors\n",
	       (unsigned)denali_vm_id(), ip[0], ip[1], ip[2], ip[3], (unsigned)frames,
	       (unsigned)echoed, (unsigned)ignored, (unsigned)errors);
	return errors ? 1 : 0;
}
