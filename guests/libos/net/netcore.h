// SPDX-License-Identifier: MIT
// The protocol core's interface: Ethernet, ARP, IPv4, ICMP, UDP and TCP in plain C,
// with no dependency on the guest environment. The same files build into libos (the
// glue in nicif.c and sockets.c drives them from the virtual NIC and pthreads) and
// natively into the host unit tests (tests/net/, an in-memory wire with a virtual
// clock). docs/net.md describes the design.
//
// Rules for callers:
// - The core is single-threaded and not reentrant: one call at a time per struct net.
// - Everything happens inside calls: net_input (a frame arrived), net_timer (the
//   deadline last passed to ops.set_timer has come) and the nsock_* calls. No call
//   blocks; one that would returns -EAGAIN (or -EINPROGRESS for connect).
// - The core tells the environment about changes through ops: a frame to send, the new
//   earliest deadline, and "this socket's state changed" (wake) so a blocked caller can
//   retry.
// - Errors are negative errno values (<errno.h>).
#ifndef DENALI_NET_NETCORE_H
#define DENALI_NET_NETCORE_H

#include <stdint.h>

#include "../include/denali_net.h"

struct net;
struct nsock;

struct net_ops {
	void *ctx;
	// Sends one Ethernet frame (14..1514 bytes, no FCS); returns 0 or -1 (counted).
	int (*send_frame)(void *ctx, const uint8_t *frame, uint32_t len);
	uint64_t (*now_ns)(void *ctx);
	// The earliest time net_timer must be called; UINT64_MAX: none.
	void (*set_timer)(void *ctx, uint64_t deadline_ns);
	// Socket s may have become readable, writable, connected, or closed. user is the
	// value given to nsock_set_user.
	void (*wake)(void *ctx, struct nsock *s, void *user);
};

// Creates a stack for one interface with MAC `mac` and IPv4 address `ip` (host byte
// order). cfg may be NULL. Returns NULL when out of memory.
struct net *net_create(const struct net_ops *ops, const uint8_t mac[6], uint32_t ip,
		       const struct denali_net_config *cfg);
// Frees the stack and every socket still in it (sockets become invalid).
void net_destroy(struct net *n);
// One received frame. Any byte sequence is safe.
void net_input(struct net *n, const uint8_t *frame, uint32_t len);
// Runs every timer that is due at now_ns.
void net_timer(struct net *n);
const struct denali_net_stats *net_stats(const struct net *n);
uint32_t net_ipv4(const struct net *n);
// Sockets the core still holds (open, lingering after close, in TIME_WAIT).
uint32_t net_socket_count(const struct net *n);

// Sockets. Addresses and ports are in host byte order; ip 0 means "any".
enum { NSOCK_TCP = 1, NSOCK_UDP = 2 };
enum { NSOCK_SHUT_RD = 1, NSOCK_SHUT_WR = 2 }; // bit mask
// Poll bits, the same values as <poll.h>.
enum { NSOCK_POLLIN = 0x001, NSOCK_POLLOUT = 0x004, NSOCK_POLLERR = 0x008,
       NSOCK_POLLHUP = 0x010 };
enum nsock_opt {
	NSOCK_OPT_SNDBUF, NSOCK_OPT_RCVBUF, NSOCK_OPT_NODELAY, NSOCK_OPT_REUSEADDR,
	NSOCK_OPT_MAXSEG, // get only: the TCP segment size we send
};

// A new socket of type NSOCK_TCP or NSOCK_UDP, or NULL when out of memory.
struct nsock *nsock_create(struct net *n, int type);
void nsock_set_user(struct nsock *s, void *user);
int nsock_bind(struct nsock *s, uint32_t ip, uint16_t port);
int nsock_listen(struct nsock *s, int backlog);
// A connection from the listen queue, or -EAGAIN.
int nsock_accept(struct nsock *s, struct nsock **out);
// TCP: starts the handshake and returns -EINPROGRESS; call nsock_connect_result when
// woken. UDP: sets the default peer, returns 0.
int nsock_connect(struct nsock *s, uint32_t ip, uint16_t port);
// 0 once connected, -EINPROGRESS while the handshake runs, or the error
// (-ECONNREFUSED, -ETIMEDOUT, ...).
int nsock_connect_result(struct nsock *s);
// TCP: queues up to len bytes and returns how many (>0), or -EAGAIN when the buffer
// is full, or an error (-EPIPE, -ECONNRESET, -ENOTCONN, -ENOBUFS: out of memory). UDP: one datagram to the
// connected peer.
long nsock_send(struct nsock *s, const void *buf, uint32_t len);
// TCP: up to len bytes, 0 at end of stream, -EAGAIN when none yet, or an error.
// UDP: one datagram (truncated to len), its source in *ip and *port if not NULL.
long nsock_recv(struct nsock *s, void *buf, uint32_t len, uint32_t *ip, uint16_t *port);
// UDP: one datagram to ip:port (binds an ephemeral port first if needed).
long nsock_sendto(struct nsock *s, const void *buf, uint32_t len, uint32_t ip,
		  uint16_t port);
int nsock_shutdown(struct nsock *s, int how);
// Gives the socket back to the core: a TCP connection closes gracefully (FIN) and
// lingers until it completes; s must not be used afterwards.
void nsock_close(struct nsock *s);
unsigned nsock_poll(const struct nsock *s);
int nsock_setopt(struct nsock *s, enum nsock_opt opt, uint32_t v);
int nsock_getopt(const struct nsock *s, enum nsock_opt opt, uint32_t *v);
// Pending error (positive errno, 0 if none), cleared by reading (SO_ERROR).
int nsock_take_error(struct nsock *s);
void nsock_local(const struct nsock *s, uint32_t *ip, uint16_t *port);
// -ENOTCONN when there is no peer.
int nsock_peer(const struct nsock *s, uint32_t *ip, uint16_t *port);
int nsock_type(const struct nsock *s);
// TCP state name ("ESTABLISHED", ...) for tests and messages.
const char *nsock_state_name(const struct nsock *s);

#endif
