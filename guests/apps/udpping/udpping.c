// SPDX-License-Identifier: MIT
// udpping: sends UDP datagrams to udpecho VMs on machine 0 and counts the echoes
// (docs/machines.md). Meant for a client machine (denali run --client udpping.elf);
// it addresses frames straight to the MAC the addressing rule gives the target IPv4
// address (machine 0, VM j = 10.0.0.1 + j = 02:44:4e:00:jj:jj), so it needs no ARP.
//
//   udpping [-n COUNT] [-t TARGETS] [-w WAIT_MS] [-s SIZE]
//     COUNT datagrams (default 8), datagram i to 10.0.0.1 + ((i + K) % TARGETS) (default
//     1), where K = vm id + machine_id x machine_vms spreads clients that start
//     together over the server VMs;
//     one at a time: each waits up to WAIT_MS (default 5) of simulated time for its
//     echo; SIZE payload bytes (16..1472, default 32).
//
// It prints one line
//   udpping: vm ID A.B.C.D: N sent, E echoed, L lost, rtt min X ns max Y ns
// reports the round trips as the result "udpping.rtt_ns" and the losses as
// "udpping.lost" (denali_stat_sample/add), and exits 0 when every echo came back,
// 1 when some were lost, 2 for bad arguments.
#include <denali.h>
#include <denali_nic.h>
#include <denali_sched.h> // denali_now_ns, denali_stat_add, denali_stat_sample
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ECHO_PORT 7
#define BASE_PORT 40000

static uint8_t frame[DENALI_NIC_FRAME_MAX], rbuf[DENALI_NIC_FRAME_MAX];

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

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

// Builds datagram `seq` (payload: "udpping" + seq, then filler) from us to target IPv4
// address dst (host order). Returns the frame length.
static uint32_t build(const uint8_t mac[6], const uint8_t ip[4], uint32_t dst,
		      uint32_t sport, uint32_t seq, uint32_t size)
{
	uint8_t *f = frame, *iph = f + 14, *udp = iph + 20, *pl = udp + 8;
	uint32_t j = dst - 0x0a000001u; // machine 0, VM j (docs/machines.md)
	uint8_t dmac[6] = { 0x02, 0x44, 0x4e, (uint8_t)(j >> 16), (uint8_t)(j >> 8), (uint8_t)j };
	memcpy(f, dmac, 6);
	memcpy(f + 6, mac, 6);
	put16(f + 12, 0x0800);
	memset(iph, 0, 20);
	iph[0] = 0x45;
	put16(iph + 2, 20 + 8 + size);
	put16(iph + 4, seq & 0xffff);
	iph[8] = 64;
	iph[9] = 17;
	memcpy(iph + 12, ip, 4);
	put32(iph + 16, dst);
	put16(iph + 10, ~fold(sum16(0, iph, 20)) & 0xffff);
	put16(udp, sport);
	put16(udp + 2, ECHO_PORT);
	put16(udp + 4, 8 + size);
	put16(udp + 6, 0);
	memcpy(pl, "udpping", 8);
	put32(pl + 8, seq);
	put32(pl + 12, sport);
	for (uint32_t i = 16; i < size; i++)
		pl[i] = (uint8_t)(seq + i);
	uint32_t s = sum16(0, iph + 12, 8) + 17 + 8 + size;
	uint32_t c = ~fold(sum16(s, udp, 8 + size)) & 0xffff;
	put16(udp + 6, c ? c : 0xffff);
	return 14 + 20 + 8 + size;
}

// Whether the n-byte frame in rbuf is the echo of the datagram in `frame`: IPv4/UDP
// from dst's echo port to our port, with our payload (which holds its number) back.
static int is_echo(uint32_t n, uint32_t dst, uint32_t sport, uint32_t size)
{
	const uint8_t *iph = rbuf + 14;
	if (n < 14 + 20 + 8 + size || be16(rbuf + 12) != 0x0800 || iph[0] != 0x45 ||
	    iph[9] != 17)
		return 0;
	uint32_t src = (uint32_t)be16(iph + 12) << 16 | be16(iph + 14);
	const uint8_t *udp = iph + 20;
	if (src != dst || be16(udp) != ECHO_PORT || be16(udp + 2) != sport)
		return 0;
	return memcmp(udp + 8, frame + 14 + 20 + 8, size) == 0;
}

// "-x N" options; returns 0, or -1 (and a message) for anything else.
static int opt(int argc, char **argv, int *i, const char *name, uint32_t min, uint32_t max,
	       uint32_t *out)
{
	if (strcmp(argv[*i], name) != 0)
		return 1;
	char *end;
	if (*i + 1 >= argc) {
		printf("udpping: %s needs a number\n", name);
		return -1;
	}
	unsigned long v = strtoul(argv[++*i], &end, 10);
	if (*end || end == argv[*i] || v < min || v > max) {
		printf("udpping: %s %s: expected %u..%u\n", name, argv[*i], min, max);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t count = 8, targets = 1, wait_ms = 5, size = 32;
	for (int i = 1; i < argc; i++) {
		int r = opt(argc, argv, &i, "-n", 1, 1000000, &count);
		if (r > 0)
			r = opt(argc, argv, &i, "-t", 1, 1000000, &targets);
		if (r > 0)
			r = opt(argc, argv, &i, "-w", 1, 60000, &wait_ms);
		if (r > 0)
			r = opt(argc, argv, &i, "-s", 16, 1472, &size);
		if (r > 0)
			printf("udpping: unknown argument '%s' (-n COUNT -t TARGETS -w MS -s SIZE)\n",
			       argv[i]);
		if (r != 0)
			return 2;
	}
	uint8_t mac[6], ip[4];
	denali_nic_mac(mac);
	uint32_t ipv4 = denali_nic_ipv4();
	memcpy(ip, &ipv4, 4);
	uint32_t sport = BASE_PORT + (denali_vm_id() & 0x3fff);
	const volatile struct denali_vregs *v = denali_vregs();
	uint32_t first = denali_vm_id() + v->machine_id * v->machine_vms;
	uint32_t echoed = 0, errors = 0;
	uint64_t rtt_min = UINT64_MAX, rtt_max = 0;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t dst = 0x0a000001u + (i + first) % targets;
		uint32_t len = build(mac, ip, dst, sport, i, size);
		uint64_t t0 = denali_now_ns(), deadline = t0 + (uint64_t)wait_ms * 1000000u;
		if (denali_nic_send(frame, len) != 0) {
			errors++;
			continue;
		}
		int got = 0;
		while (!got) {
			denali_nic_ack_rx(); // before draining: a later frame wakes the idle
			uint32_t n;
			while (!got && (n = denali_nic_recv(rbuf, sizeof rbuf)) != 0) {
				if (denali_nic_is_err(n)) {
					errors++;
					break;
				}
				got = is_echo(n, dst, sport, size);
			}
			uint64_t now = denali_now_ns();
			if (got) {
				uint64_t rtt = now - t0;
				rtt_min = rtt < rtt_min ? rtt : rtt_min;
				rtt_max = rtt > rtt_max ? rtt : rtt_max;
				denali_stat_sample("udpping.rtt_ns", rtt);
				echoed++;
			} else if (now >= deadline) {
				break;
			} else {
				denali_idle(deadline - now);
			}
		}
	}
	uint32_t lost = count - echoed;
	denali_stat_add("udpping.lost", lost);
	printf("udpping: vm %u %u.%u.%u.%u: %u sent, %u echoed, %u lost, rtt min %llu ns "
	       "max %llu ns\n", (unsigned)denali_vm_id(), ip[0], ip[1], ip[2], ip[3],
	       (unsigned)count, (unsigned)echoed, (unsigned)lost,
	       (unsigned long long)(echoed ? rtt_min : 0), (unsigned long long)rtt_max);
	return lost || errors ? 1 : 0;
}
