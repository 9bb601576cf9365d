// SPDX-License-Identifier: MIT
// The libos sys/socket.h: the BSD socket calls over the libos network stack
// (net/sockets.c, docs/net.md). AF_INET only; SOCK_STREAM (TCP) and SOCK_DGRAM (UDP).
// Constants have Linux's values so a native build of the same source behaves alike.
// Calls block the calling thread only (cooperative threads, <pthread.h>); a socket made
// with SOCK_NONBLOCK, or a call with MSG_DONTWAIT, fails with EAGAIN instead.
// Failures return -1 with errno set. There are no signals: a send on a reset or
// shut-down connection returns EPIPE (as with MSG_NOSIGNAL).
#ifndef DENALI_LIBOS_SYS_SOCKET_H
#define DENALI_LIBOS_SYS_SOCKET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef uint32_t socklen_t;
typedef uint16_t sa_family_t;

struct sockaddr {
	sa_family_t sa_family;
	char sa_data[14];
};

struct sockaddr_storage {
	sa_family_t ss_family;
	char ss_pad[126];
} __attribute__((aligned(8)));

#define AF_UNSPEC 0
#define AF_INET 2
#define PF_UNSPEC AF_UNSPEC
#define PF_INET AF_INET

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_NONBLOCK 00004000
#define SOCK_CLOEXEC 02000000  // accepted and ignored (no exec)

#define SOL_SOCKET 1
#define SO_REUSEADDR 2    // int: bind conflicts only with a listener, not open connections
#define SO_TYPE 3         // getsockopt only
#define SO_ERROR 4        // getsockopt only: the pending error, then 0
#define SO_SNDBUF 7       // int, bytes (2 KiB .. 4 MiB)
#define SO_RCVBUF 8       // int, bytes; TCP: before connect/listen only
#define SO_KEEPALIVE 9    // accepted and ignored (no keep-alive probes)
#define SO_RCVTIMEO 20    // struct timeval: recv/accept fail with EAGAIN after it
#define SO_SNDTIMEO 21    // struct timeval: send/connect fail with EAGAIN after it

#define MSG_PEEK 0x2         // not supported (EOPNOTSUPP)
#define MSG_DONTWAIT 0x40
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000  // accepted; there are no signals anyway

#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2

#define SOMAXCONN 4096

int socket(int domain, int type, int protocol);
int bind(int fd, const struct sockaddr *addr, socklen_t len);
int listen(int fd, int backlog);
int accept(int fd, struct sockaddr *addr, socklen_t *len);
int connect(int fd, const struct sockaddr *addr, socklen_t len);
ssize_t send(int fd, const void *buf, size_t n, int flags);
ssize_t recv(int fd, void *buf, size_t n, int flags);
ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to,
	       socklen_t tolen);
ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from,
		 socklen_t *fromlen);
int shutdown(int fd, int how);
int setsockopt(int fd, int level, int name, const void *val, socklen_t len);
int getsockopt(int fd, int level, int name, void *val, socklen_t *len);
int getsockname(int fd, struct sockaddr *addr, socklen_t *len);
int getpeername(int fd, struct sockaddr *addr, socklen_t *len);

#endif
