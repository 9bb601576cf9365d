// SPDX-License-Identifier: MIT
// The libos network stack's own interface (guests/libos/net/, docs/net.md): its
// counters, its tunables, and the guest glue's entry points. Applications use the
// BSD-socket headers (<sys/socket.h>, <netinet/in.h>, <arpa/inet.h>, <poll.h>) for
// everything else. Plain C with <stdint.h> only: the host unit tests (tests/net/)
// include it too.
#ifndef DENALI_LIBOS_DENALI_NET_H
#define DENALI_LIBOS_DENALI_NET_H

#include <stdint.h>

// Every counter the stack keeps. "drop" counters name the cause of each dropped
// frame, packet or segment; every incoming frame is counted exactly once in
// eth_in and at most once in one drop counter further up.
struct denali_net_stats {
	// Ethernet (eth.c)
	uint64_t eth_in;             // frames handed to the stack
	uint64_t eth_out;            // frames sent
	uint64_t eth_drop_short;     // shorter than an Ethernet header
	uint64_t eth_drop_not_ours;  // destination MAC neither ours nor broadcast
	uint64_t eth_drop_type;      // EtherType neither IPv4 nor ARP
	uint64_t eth_send_errors;    // the NIC refused a frame
	// ARP (arp.c)
	uint64_t arp_requests_in, arp_replies_in;
	uint64_t arp_requests_out, arp_replies_out;
	uint64_t arp_drop_bad;       // truncated, or not Ethernet/IPv4 ARP
	uint64_t arp_queued;         // packets parked while resolving
	uint64_t arp_queue_drops;    // parked packets dropped (queue full or no answer)
	uint64_t arp_timeouts;       // resolutions given up after the last retry
	// IPv4 (ipv4.c)
	uint64_t ip_in, ip_out;
	uint64_t ip_drop_header;     // bad version, header length or total length
	uint64_t ip_drop_checksum;
	uint64_t ip_drop_fragment;   // fragments are not reassembled
	uint64_t ip_drop_not_ours;   // destination neither our address nor broadcast
	uint64_t ip_drop_proto;      // neither ICMP, UDP nor TCP
	uint64_t ip_drop_no_route;   // sends to an address off 10.0.0.0/8
	// ICMP (icmp.c)
	uint64_t icmp_in, icmp_echo_replies, icmp_unreach_out;
	uint64_t icmp_drop_bad;      // truncated or bad checksum
	// UDP (udp.c)
	uint64_t udp_in, udp_out;
	uint64_t udp_drop_bad;       // truncated or bad length
	uint64_t udp_drop_checksum;
	uint64_t udp_drop_no_port;   // no socket bound there (answered by ICMP unreachable)
	uint64_t udp_drop_full;      // the socket's receive queue was full
	// TCP (tcp_in.c, tcp_out.c, tcp_timer.c)
	uint64_t tcp_in, tcp_out;            // segments
	uint64_t tcp_drop_bad;               // truncated, bad data offset or options
	uint64_t tcp_drop_checksum;
	uint64_t tcp_drop_no_socket;         // answered by RST
	uint64_t tcp_drop_out_of_window;     // unacceptable sequence numbers (answered by ACK)
	uint64_t tcp_drop_backlog;           // SYNs dropped because the listen queue was full
	uint64_t tcp_drop_other;             // no ACK bit, bad ACK, memory
	uint64_t tcp_rst_in, tcp_rst_out;
	uint64_t tcp_challenge_acks;         // RFC 5961 answers to in-window RST/SYN
	uint64_t tcp_retransmits;            // segments sent again (any cause)
	uint64_t tcp_fast_retransmits;       // on the third duplicate ACK
	uint64_t tcp_timeouts;               // retransmission-timer expiries
	uint64_t tcp_dup_acks;               // duplicate ACKs received
	uint64_t tcp_ooo_segments;           // segments queued out of order
	uint64_t tcp_ooo_drops;              // out-of-order segments that did not fit
	uint64_t tcp_persist_probes;         // zero-window probes sent
	uint64_t tcp_delayed_acks;           // ACKs sent by the delayed-ACK timer
	uint64_t tcp_rtt_samples;
	uint64_t tcp_active_opens, tcp_passive_opens;
	uint64_t tcp_established;            // connections that reached ESTABLISHED
	uint64_t tcp_aborts;                 // connections ended by timeout or RST
};

// Tunables; 0 keeps the default (docs/net.md lists them).
struct denali_net_config {
	uint32_t sndbuf_bytes;     // per TCP socket (default 32 KiB); SO_SNDBUF overrides
	uint32_t rcvbuf_bytes;     // per TCP socket (default 32 KiB, at most 65535 advertised)
	uint64_t msl_ns;           // maximum segment lifetime; TIME_WAIT lasts 2 MSL (1 s)
	uint64_t rto_min_ns;       // 200 ms
	uint64_t rto_max_ns;       // 60 s
	uint64_t rto_initial_ns;   // 1 s (RFC 6298)
	uint64_t delack_ns;        // 40 ms
	uint32_t max_retries;      // data retransmissions before reset (8)
	uint32_t syn_retries;      // SYN retransmissions before ETIMEDOUT (5)
};

// Guest glue (net/nicif.c). The stack starts itself on the first socket call, with
// the NIC's MAC and IPv4 address from the virtual registers; denali_net_init starts it
// explicitly (returns 0, or -1 when the VM has no IPv4 address). denali_net_configure
// must come before the first socket call to take effect (returns -1 afterwards).
int denali_net_init(void);
int denali_net_configure(const struct denali_net_config *cfg);
void denali_net_stats(struct denali_net_stats *out);
// Prints the non-zero counters, one "net: name value" line each, to the console.
void denali_net_print_stats(void);

#endif
