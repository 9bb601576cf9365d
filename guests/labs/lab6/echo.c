// SPDX-License-Identifier: MIT
// Lab 6 test: UDP echo on port 7 for 100 ms. The grader replays a client at 10.0.0.200
// that first asks for our MAC (ARP), then sends DNS messages taken from
// traces/edns-opts.pcap as datagrams to 10.0.0.1:7, and a few broken ones (a bad UDP
// checksum, a bad IPv4 header checksum, a fragment, a datagram for port 9) that must
// be dropped. Every good datagram goes back to its sender unchanged.
#include "kern.h"

static volatile uint32_t echoed;

static void echo(uint32_t src_ip, uint16_t src_port, const void *data, uint32_t len)
{
	if (udp_send(src_ip, 7, src_port, data, len) == 0)
		echoed++;
}

int main(void)
{
	trap_init();
	net_init();
	udp_bind(7, echo);
	intr_enable();
	static volatile int never;
	net_wait(&never, now_ns() + 100000000);
	printf("echo: %u datagrams echoed, second bind of port 7 returns %d\n",
	       (unsigned)echoed, udp_bind(7, echo));
	return 0;
}
