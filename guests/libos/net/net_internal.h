// SPDX-License-Identifier: MIT
// The protocol core's private state (netcore.h is the interface). Who owns what:
//   net.c       struct net, defaults, the timer scan, the socket list
//   eth.c       frame demultiplexing and the Ethernet header
//   arp.c       the neighbour cache and the packets parked while resolving
//   ipv4.c      the IPv4 header in and out
//   icmp.c      echo replies and port unreachables
//   udp.c       datagram sockets
//   tcp.c       connection table, ports, ISNs, user calls (connect, send, close, ...)
//   tcp_in.c    segment arrival (RFC 793 3.9 "SEGMENT ARRIVES", RFC 5681, 6582, 5961)
//   tcp_out.c   segment building, segmentation, Nagle, window probes
//   tcp_timer.c retransmission (RFC 6298), persist, delayed ACK, TIME_WAIT
//   ring.c      the byte rings behind the send and receive buffers
//   cksum.c     the Internet checksum
// Integers on the wire are read and written bytewise (rd16/wr32): frames are untrusted
// and need not be aligned. Addresses and ports are host order everywhere else.
#ifndef DENALI_NET_NET_INTERNAL_H
#define DENALI_NET_NET_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "netcore.h"

#define ETH_HLEN 14u
#define ETH_MTU 1500u
#define ETH_FRAME_MAX (ETH_HLEN + ETH_MTU)
#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_ARP 0x0806u
#define IP_HLEN 20u
#define IP_PROTO_ICMP 1u
#define IP_PROTO_TCP 6u
#define IP_PROTO_UDP 17u
#define IP_TTL 64u
#define UDP_HLEN 8u
#define TCP_HLEN 20u
#define TCP_MSS_MAX (ETH_MTU - IP_HLEN - TCP_HLEN) // 1460, what we announce
#define TCP_MSS_DEFAULT 536u                       // the peer sent no MSS option
#define TCP_MSS_MIN 64u                            // smaller announcements are raised
#define UDP_PAYLOAD_MAX (ETH_MTU - IP_HLEN - UDP_HLEN)
#define NET_NETMASK 0xff000000u                    // 10.0.0.0/8 is on-link
#define NET_ONLINK 0x0a000000u
#define NET_NEVER UINT64_MAX

// TCP header flags.
#define TH_FIN 0x01u
#define TH_SYN 0x02u
#define TH_RST 0x04u
#define TH_PSH 0x08u
#define TH_ACK 0x10u
#define TH_URG 0x20u

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void wr16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

// Sequence-number comparisons modulo 2^32 (RFC 793 3.3).
#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

// --- ring.c: a byte FIFO of at most cap bytes. Storage grows on demand (from 2 KiB,
// doubling, up to cap) so idle connections cost little; a failed growth is reported
// and the caller drops the data, as if it had been lost on the wire.
struct ring {
	uint8_t *buf;
	uint32_t size;  // bytes allocated (0 = none yet)
	uint32_t head;  // offset of the first byte in buf
	uint32_t len;   // bytes held
	uint32_t cap;   // limit on len
};
// Appends up to n bytes; returns how many (less than n when full or out of memory).
uint32_t ring_write(struct ring *r, const void *src, uint32_t n);
// Copies up to n bytes starting `off` bytes after the head, without consuming.
uint32_t ring_peek(const struct ring *r, uint32_t off, void *dst, uint32_t n);
// Drops n bytes from the head (n <= len).
void ring_consume(struct ring *r, uint32_t n);
void ring_free(struct ring *r);
static inline uint32_t ring_space(const struct ring *r) { return r->cap - r->len; }

// --- cksum.c
// Adds len bytes at p to a running one's-complement sum (start with 0). Only the last
// chunk of a message may have an odd length.
uint32_t cksum_add(uint32_t sum, const uint8_t *p, uint32_t len);
// The TCP/UDP pseudo header (RFC 793 3.1, RFC 768).
uint32_t cksum_pseudo(uint32_t src, uint32_t dst, uint32_t proto, uint32_t len);
// Folds and complements: the value to store, or 0 when verifying a correct message.
uint16_t cksum_finish(uint32_t sum);

// A queued piece of data: an out-of-order TCP segment, a UDP datagram, or a packet
// parked in the ARP cache.
struct pktbuf {
	struct pktbuf *next;
	uint32_t seq;      // TCP: first sequence number; UDP: source address
	uint16_t port;     // UDP: source port
	uint8_t fin;       // TCP: the segment carried FIN
	uint32_t len;
	uint8_t data[];
};

// TCP states (RFC 793 3.2).
enum tcp_state {
	TCP_CLOSED, TCP_LISTEN, TCP_SYN_SENT, TCP_SYN_RCVD, TCP_ESTABLISHED,
	TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CLOSE_WAIT, TCP_CLOSING, TCP_LAST_ACK,
	TCP_TIME_WAIT,
};

// One socket: UDP or TCP (a TCP socket is its own control block). Fields are grouped
// by who uses them; sequence numbers follow RFC 793's names.
struct nsock {
	struct net *net;
	struct nsock *next, *prev;   // n->socks, every socket
	struct nsock *hnext;         // TCP: connection hash chain (tcp.c)
	int type;                    // NSOCK_TCP / NSOCK_UDP
	void *user;                  // the socket layer's handle
	int closed;                  // the user called nsock_close: the core owns it
	int error;                   // pending error, positive errno
	uint32_t lip, rip;           // local / remote address (0 = any / none)
	uint16_t lport, rport;
	int bound;                   // lport was chosen (bind or ephemeral)
	int nodelay, reuseaddr;

	// UDP: received datagrams, and the connected peer (rip/rport) if any.
	struct pktbuf *dq_head, *dq_tail;
	uint32_t dq_bytes, dq_cap;
	int udp_connected;

	// TCP
	enum tcp_state state;
	int in_table;                // in the connection hash (tcp.c)
	// listen: children in SYN_RCVD count against the backlog; established ones
	// wait on the accept queue.
	struct nsock *parent;        // the listener a passive child came from
	struct nsock *aq_head, *aq_tail, *aq_next;
	int backlog, pending;        // limit; children not yet accepted
	// send side: snd holds the bytes from snd_una on (data only; SYN and FIN take
	// sequence numbers but no buffer space)
	struct ring snd;
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2, max_sndwnd;
	uint32_t mss;                // segment size we send: the peer's MSS, capped
	uint32_t cwnd, ssthresh;     // RFC 5681, bytes
	uint32_t dupacks, recover;   // RFC 6582 NewReno
	int in_recovery;
	int fin_pending;             // the user shut down writing: FIN after the data
	int fin_sent;                // the FIN has taken its sequence number (snd_max)
	int shut_rd;
	// receive side: rcv holds in-order bytes not yet read
	struct ring rcv;
	uint32_t irs, rcv_nxt, rcv_adv;  // rcv_adv: right edge last advertised
	int fin_rcvd;
	struct pktbuf *ooo;          // out-of-order segments by sequence number
	uint32_t ooo_bytes;
	uint32_t unacked_segs;       // in-order segments received since our last ACK
	int ack_now;                 // tcp_in: send an ACK before returning
	// RTT and timers (tcp_timer.c); deadlines are absolute ns, NET_NEVER when off
	uint64_t srtt_ns, rttvar_ns, rto_ns;
	int rtt_timing;
	uint32_t rtt_seq;
	uint64_t rtt_start_ns;
	uint32_t retries;            // consecutive expiries of the rexmt/persist timer
	uint64_t t_rexmt, t_persist, t_delack, t_2msl;
};

struct arp_cache;

struct net {
	struct net_ops ops;
	uint8_t mac[6];
	uint32_t ip;
	struct denali_net_config cfg;  // defaults filled in
	struct denali_net_stats st;
	struct nsock *socks;           // every socket
	uint32_t nsocks;
	struct nsock **tcp_hash;       // TCP_HASH_SIZE chains of connections
	struct arp_cache *arp;         // arp.c
	uint16_t ip_id;
	uint16_t next_port[2];         // ephemeral port cursors: TCP, UDP
	uint32_t isn_secret;
	uint64_t armed;                // deadline given to ops.set_timer; never later
	                               // than the earliest pending deadline (net.c)
	uint64_t hint;                 // earliest deadline set during this call
	int in_call;                   // nesting depth of public calls (net_enter/leave)
	uint8_t tx[ETH_FRAME_MAX];     // the frame being built (one at a time)
};

#define TCP_HASH_SIZE 256u
#define ARP_CACHE_MAX 1024u
#define NET_EPHEMERAL_LO 49152u
#define NET_EPHEMERAL_N 16384u

// --- net.c
static inline uint64_t net_now(struct net *n) { return n->ops.now_ns(n->ops.ctx); }
// Every public entry point brackets its work with these; leave re-arms the timer.
void net_enter(struct net *n);
void net_leave(struct net *n);
// Every deadline set (ARP, TCP timers) is reported here, so that net_leave can arm
// the environment's timer without scanning every socket.
static inline void net_deadline(struct net *n, uint64_t t)
{
	if (t < n->hint)
		n->hint = t;
}
struct nsock *net_sock_alloc(struct net *n, int type);
void net_sock_free(struct nsock *s);
void net_wake(struct nsock *s);
uint16_t net_ephemeral_port(struct net *n, int type);

// --- eth.c: sends n->tx (payload already at tx + 14) to dst_mac with the EtherType.
void eth_send(struct net *n, const uint8_t dst_mac[6], uint32_t type, uint32_t payload_len);
extern const uint8_t eth_broadcast[6];

// --- arp.c
int arp_alloc(struct net *n);
void arp_free(struct net *n);
void arp_input(struct net *n, const uint8_t *p, uint32_t len);
// Sends the IPv4 packet in n->tx (len bytes at tx + 14) to next-hop `ip`: now when
// the MAC is known, else parked while an ARP request goes out.
void arp_output(struct net *n, uint32_t ip, uint32_t len);
uint64_t arp_next_deadline(struct net *n);
void arp_timer(struct net *n, uint64_t now);

// --- ipv4.c
void ipv4_input(struct net *n, const uint8_t *p, uint32_t len);
// Sends the payload already at n->tx + 14 + 20 (plen bytes) to dst. Returns 0, or
// -EHOSTUNREACH when dst is off-link (nothing is sent).
int ipv4_output(struct net *n, uint32_t dst, uint32_t proto, uint32_t plen);
static inline uint8_t *ipv4_payload(struct net *n) { return n->tx + ETH_HLEN + IP_HLEN; }
int ipv4_is_broadcast(uint32_t ip);

// --- icmp.c: p is the IPv4 packet (header included), hlen its header length.
void icmp_input(struct net *n, const uint8_t *p, uint32_t hlen, uint32_t len);
void icmp_port_unreachable(struct net *n, const uint8_t *ip_pkt, uint32_t len);

// --- udp.c
void udp_input(struct net *n, const uint8_t *ip_pkt, uint32_t hlen, uint32_t len);
long udp_send(struct nsock *s, const void *buf, uint32_t len, uint32_t ip, uint16_t port);
long udp_recv(struct nsock *s, void *buf, uint32_t len, uint32_t *ip, uint16_t *port);
void udp_close(struct nsock *s);
int udp_port_used(struct net *n, uint16_t port, const struct nsock *except);

// --- tcp.c
void tcp_init_sock(struct nsock *s);
void tcp_hash_insert(struct nsock *s);
void tcp_hash_remove(struct nsock *s);
struct nsock *tcp_lookup(struct net *n, uint32_t lip, uint16_t lport, uint32_t rip,
			 uint16_t rport);
struct nsock *tcp_find_listener(struct net *n, uint32_t lip, uint16_t lport);
int tcp_port_used(struct net *n, uint16_t port, const struct nsock *except);
uint32_t tcp_isn(struct net *n, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport);
// Ends a connection: error (positive errno) for the user, 0 for a normal end. Frees
// the socket if the user has closed it.
void tcp_drop(struct nsock *s, int error);
// The child established: moves it to the parent's accept queue.
void tcp_child_established(struct nsock *s);
uint32_t tcp_rcv_window(const struct nsock *s);
int tcp_connect(struct nsock *s, uint32_t ip, uint16_t port);
long tcp_send(struct nsock *s, const void *buf, uint32_t len);
long tcp_recv(struct nsock *s, void *buf, uint32_t len);
int tcp_shutdown(struct nsock *s, int how);
void tcp_close(struct nsock *s);
unsigned tcp_poll(const struct nsock *s);
const char *tcp_state_name(enum tcp_state st);

// --- tcp_in.c: p is the IPv4 packet, hlen its header length, len its total length.
void tcp_input(struct net *n, const uint8_t *ip_pkt, uint32_t hlen, uint32_t len);

// --- tcp_out.c
// Sends whatever the windows, Nagle and the state allow (SYN, data, FIN).
void tcp_output(struct nsock *s);
// The same, ignoring Nagle and silly-window avoidance for one segment (persist).
void tcp_output_force(struct nsock *s);
// Sends one segment: flags, sequence seq, len bytes of the send buffer from seq.
void tcp_send_segment(struct nsock *s, uint32_t flags, uint32_t seq, uint32_t len);
void tcp_send_ack(struct nsock *s);
// A reset answering a segment (RFC 793 3.4 "Reset Generation"), no socket needed.
void tcp_send_reset(struct net *n, uint32_t lip, uint16_t lport, uint32_t rip,
		    uint16_t rport, uint32_t seq, uint32_t ack, int with_ack);
// Retransmits the first unacknowledged segment (fast retransmit, partial ACKs).
void tcp_retransmit_first(struct nsock *s);
// Sends a window update if reading opened the window enough (RFC 1122 4.2.3.3).
void tcp_window_update(struct nsock *s);

// --- tcp_timer.c
uint64_t tcp_next_deadline(const struct nsock *s);
void tcp_timer(struct nsock *s, uint64_t now);  // may free s
void tcp_rtt_sample(struct nsock *s, uint64_t rtt_ns);
void tcp_arm_rexmt(struct nsock *s);
void tcp_enter_time_wait(struct nsock *s);

#endif
