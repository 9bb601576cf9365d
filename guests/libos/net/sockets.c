// SPDX-License-Identifier: MIT
// The BSD socket calls (<sys/socket.h>) and the descriptor side of read/write/close
// (fd.h) over the protocol core. Descriptors from 3 up index a growing table of
// struct sockfd (sockfd.h); a blocked call waits on its socket's condition variable
// with the timeout of SO_RCVTIMEO/SO_SNDTIMEO, if any. poll() is in poll.c.
#include <arpa/inet.h>
#include <denali_sched.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "../fd.h"
#include "sockfd.h"

pthread_mutex_t sockfd_lock = PTHREAD_MUTEX_INITIALIZER;

static struct sockfd **table; // table[i] is descriptor i + DENALI_FD_FIRST_SOCKET
static int table_len;

#define FD_MAX 65536

struct sockfd *sockfd_get(int fd)
{
	int i = fd - DENALI_FD_FIRST_SOCKET;
	if (fd < DENALI_FD_FIRST_SOCKET || i >= table_len || !table[i]) {
		errno = EBADF;
		return NULL;
	}
	return table[i];
}

// A descriptor for ns (the lowest free one, as POSIX wants), or -1 (EMFILE/ENOMEM).
static int fd_alloc(struct nsock *ns, int nonblock)
{
	int i = 0;
	while (i < table_len && table[i])
		i++;
	if (i == table_len) {
		if (table_len >= FD_MAX) {
			errno = EMFILE;
			return -1;
		}
		int len = table_len ? table_len * 2 : 16;
		struct sockfd **t = realloc(table, (size_t)len * sizeof(*t));
		if (!t) {
			errno = ENOMEM;
			return -1;
		}
		memset(t + table_len, 0, (size_t)(len - table_len) * sizeof(*t));
		table = t;
		table_len = len;
	}
	struct sockfd *f = calloc(1, sizeof(*f));
	if (!f) {
		errno = ENOMEM;
		return -1;
	}
	f->ns = ns;
	f->nonblock = nonblock;
	pthread_cond_init(&f->cv, NULL);
	nsock_set_user(ns, f);
	table[i] = f;
	return i + DENALI_FD_FIRST_SOCKET;
}

int sockfd_wait(pthread_cond_t *cv, uint64_t deadline_ns)
{
	if (deadline_ns == 0)
		return pthread_cond_wait(cv, &sockfd_lock);
	if (denali_now_ns() >= deadline_ns)
		return ETIMEDOUT;
	struct timespec ts = { .tv_sec = (time_t)(deadline_ns / 1000000000u),
			       .tv_nsec = (long)(deadline_ns % 1000000000u) };
	return pthread_cond_timedwait(cv, &sockfd_lock, &ts);
}

// Waits on f once. Returns 0 to retry, EAGAIN when the deadline passed, or EBADF when
// another thread closed the descriptor meanwhile (then f is gone: the last waiter
// frees it).
static int wait_once(struct sockfd *f, uint64_t deadline_ns)
{
	f->waiters++;
	int r = sockfd_wait(&f->cv, deadline_ns);
	if (!f->ns) {
		sockfd_unwait(f);
		return EBADF;
	}
	f->waiters--;
	return r == ETIMEDOUT ? EAGAIN : 0;
}

void sockfd_unwait(struct sockfd *f)
{
	if (--f->waiters == 0 && !f->ns) {
		pthread_cond_destroy(&f->cv);
		free(f);
	}
}

static uint64_t deadline_after(uint64_t timeout_ns)
{
	return timeout_ns ? denali_now_ns() + timeout_ns : 0;
}

static int fail(int e)
{
	errno = e;
	return -1;
}

// Checks a sockaddr_in; returns 0 and the address/port in host order, or -1.
static int get_addr(const struct sockaddr *a, socklen_t len, uint32_t *ip, uint16_t *port)
{
	if (!a || len < sizeof(struct sockaddr_in))
		return fail(EINVAL);
	const struct sockaddr_in *in = (const struct sockaddr_in *)a;
	if (in->sin_family != AF_INET)
		return fail(EAFNOSUPPORT);
	*ip = ntohl(in->sin_addr.s_addr);
	*port = ntohs(in->sin_port);
	return 0;
}

// Stores ip:port (host order) as a sockaddr_in, truncated to *len, as POSIX says.
static void put_addr(struct sockaddr *a, socklen_t *len, uint32_t ip, uint16_t port)
{
	if (!a || !len)
		return;
	struct sockaddr_in in;
	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons(port);
	in.sin_addr.s_addr = htonl(ip);
	memcpy(a, &in, *len < sizeof(in) ? *len : sizeof(in));
	*len = sizeof(in);
}

int socket(int domain, int type, int protocol)
{
	if (domain != AF_INET)
		return fail(EAFNOSUPPORT);
	int nonblock = (type & SOCK_NONBLOCK) != 0;
	type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	int kind;
	if (type == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP))
		kind = NSOCK_TCP;
	else if (type == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP))
		kind = NSOCK_UDP;
	else
		return fail(type == SOCK_STREAM || type == SOCK_DGRAM ? EPROTONOSUPPORT : EINVAL);
	struct net *n = nicif_net();
	if (!n)
		return -1;
	struct nsock *ns = nsock_create(n, kind);
	if (!ns)
		return fail(ENOMEM);
	int fd = fd_alloc(ns, nonblock);
	if (fd < 0)
		nsock_close(ns);
	return fd;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sockfd *f = sockfd_get(fd);
	uint32_t ip;
	uint16_t port;
	if (!f || get_addr(addr, len, &ip, &port) != 0)
		return -1;
	int r = nsock_bind(f->ns, ip, port);
	return r ? fail(-r) : 0;
}

int listen(int fd, int backlog)
{
	struct sockfd *f = sockfd_get(fd);
	if (!f)
		return -1;
	int r = nsock_listen(f->ns, backlog);
	return r ? fail(-r) : 0;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct sockfd *f = sockfd_get(fd);
	if (!f)
		return -1;
	uint64_t deadline = deadline_after(f->rcvtimeo_ns);
	struct nsock *c;
	pthread_mutex_lock(&sockfd_lock);
	int r, werr = 0;
	while ((r = nsock_accept(f->ns, &c)) == -EAGAIN && !f->nonblock)
		if ((werr = wait_once(f, deadline)) != 0)
			break;
	pthread_mutex_unlock(&sockfd_lock);
	if (werr)
		return fail(werr);
	if (r == -EAGAIN)
		return fail(EAGAIN);
	if (r)
		return fail(-r);
	int nfd = fd_alloc(c, 0);
	if (nfd < 0) {
		nsock_close(c);
		return -1;
	}
	uint32_t ip = 0;
	uint16_t port = 0;
	nsock_peer(c, &ip, &port);
	put_addr(addr, len, ip, port);
	return nfd;
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sockfd *f = sockfd_get(fd);
	uint32_t ip;
	uint16_t port;
	if (!f || get_addr(addr, len, &ip, &port) != 0)
		return -1;
	int r = nsock_connect(f->ns, ip, port);
	if (r != -EINPROGRESS)
		return r ? fail(-r) : 0;
	if (f->nonblock)
		return fail(EINPROGRESS);
	uint64_t deadline = deadline_after(f->sndtimeo_ns);
	int werr = 0;
	pthread_mutex_lock(&sockfd_lock);
	while ((r = nsock_connect_result(f->ns)) == -EINPROGRESS)
		if ((werr = wait_once(f, deadline)) != 0)
			break;
	pthread_mutex_unlock(&sockfd_lock);
	if (werr == EBADF)
		return fail(EBADF);
	if (r == -EINPROGRESS) // timed out: the handshake goes on (Linux says EINPROGRESS)
		return fail(EINPROGRESS);
	if (r) {
		nsock_take_error(f->ns);
		return fail(-r);
	}
	return 0;
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to,
	       socklen_t tolen)
{
	struct sockfd *f = sockfd_get(fd);
	if (!f)
		return -1;
	if (flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL))
		return fail(EOPNOTSUPP);
	if (!buf && n)
		return fail(EFAULT);
	if (nsock_type(f->ns) == NSOCK_UDP) {
		long r;
		if (to) {
			uint32_t ip;
			uint16_t port;
			if (get_addr(to, tolen, &ip, &port) != 0)
				return -1;
			r = nsock_sendto(f->ns, buf, (uint32_t)n, ip, port);
		} else {
			r = nsock_send(f->ns, buf, (uint32_t)n);
		}
		return r < 0 ? fail((int)-r) : (ssize_t)r;
	}
	// TCP: queue everything, blocking as the buffer drains, unless told not to.
	int dontwait = f->nonblock || (flags & MSG_DONTWAIT);
	uint64_t deadline = deadline_after(f->sndtimeo_ns);
	const uint8_t *p = buf;
	size_t done = 0;
	long r = 0;
	int werr = 0;
	pthread_mutex_lock(&sockfd_lock);
	while (done < n) {
		size_t chunk = n - done > 0x40000000u ? 0x40000000u : n - done;
		r = nsock_send(f->ns, p + done, (uint32_t)chunk);
		if (r > 0) {
			done += (size_t)r;
			continue;
		}
		if (r != -EAGAIN || dontwait || (werr = wait_once(f, deadline)) != 0)
			break;
	}
	pthread_mutex_unlock(&sockfd_lock);
	if (done > 0 || n == 0)
		return (ssize_t)done;
	if (werr)
		return fail(werr);
	return fail(r == -EAGAIN ? EAGAIN : (int)-r);
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	return sendto(fd, buf, n, flags, NULL, 0);
}

ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from,
		 socklen_t *fromlen)
{
	struct sockfd *f = sockfd_get(fd);
	if (!f)
		return -1;
	if (flags & ~(MSG_DONTWAIT | MSG_WAITALL | MSG_NOSIGNAL))
		return fail(EOPNOTSUPP);
	if (!buf && n)
		return fail(EFAULT);
	if (n > 0x40000000u)
		n = 0x40000000u;
	int dontwait = f->nonblock || (flags & MSG_DONTWAIT);
	int waitall = (flags & MSG_WAITALL) && nsock_type(f->ns) == NSOCK_TCP;
	uint64_t deadline = deadline_after(f->rcvtimeo_ns);
	uint8_t *p = buf;
	size_t done = 0;
	long r;
	int werr = 0;
	uint32_t ip = 0;
	uint16_t port = 0;
	pthread_mutex_lock(&sockfd_lock);
	for (;;) {
		r = nsock_recv(f->ns, p + done, (uint32_t)(n - done), &ip, &port);
		if (r > 0) {
			done += (size_t)r;
			if (!waitall || done == n)
				break;
			continue;
		}
		if (r != -EAGAIN || dontwait || (werr = wait_once(f, deadline)) != 0)
			break;
	}
	pthread_mutex_unlock(&sockfd_lock);
	if (done > 0 || r == 0) {
		put_addr(from, fromlen, ip, port);
		return (ssize_t)done;
	}
	if (werr)
		return fail(werr);
	return fail(r == -EAGAIN ? EAGAIN : (int)-r);
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	return recvfrom(fd, buf, n, flags, NULL, NULL);
}

int shutdown(int fd, int how)
{
	struct sockfd *f = sockfd_get(fd);
	if (!f)
		return -1;
	int bits = how == SHUT_RD ? NSOCK_SHUT_RD : how == SHUT_WR ? NSOCK_SHUT_WR
		   : how == SHUT_RDWR ? NSOCK_SHUT_RD | NSOCK_SHUT_WR : 0;
	int r = nsock_shutdown(f->ns, bits);
	return r ? fail(-r) : 0;
}

static int get_int(const void *val, socklen_t len, int *out)
{
	if (!val || len < sizeof(int))
		return fail(EINVAL);
	memcpy(out, val, sizeof(int));
	return 0;
}

static int get_timeout(const void *val, socklen_t len, uint64_t *ns)
{
	struct timeval tv;
	if (!val || len < sizeof(tv))
		return fail(EINVAL);
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return fail(EDOM);
	*ns = (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
	return 0;
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct sockfd *f = sockfd_get(fd);
	if (!f)
		return -1;
	int v = 0, r = 0;
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_RCVTIMEO:
			return get_timeout(val, len, &f->rcvtimeo_ns);
		case SO_SNDTIMEO:
			return get_timeout(val, len, &f->sndtimeo_ns);
		case SO_REUSEADDR:
		case SO_SNDBUF:
		case SO_RCVBUF:
		case SO_KEEPALIVE:
			if (get_int(val, len, &v) != 0)
				return -1;
			if (v < 0)
				v = 0;
			if (name == SO_REUSEADDR)
				r = nsock_setopt(f->ns, NSOCK_OPT_REUSEADDR, (uint32_t)v);
			else if (name == SO_SNDBUF)
				r = nsock_setopt(f->ns, NSOCK_OPT_SNDBUF, (uint32_t)v);
			else if (name == SO_RCVBUF)
				r = nsock_setopt(f->ns, NSOCK_OPT_RCVBUF, (uint32_t)v);
			return r ? fail(-r) : 0;
		default:
			return fail(ENOPROTOOPT);
		}
	}
	if (level == IPPROTO_TCP && name == TCP_NODELAY && nsock_type(f->ns) == NSOCK_TCP) {
		if (get_int(val, len, &v) != 0)
			return -1;
		r = nsock_setopt(f->ns, NSOCK_OPT_NODELAY, v != 0);
		return r ? fail(-r) : 0;
	}
	return fail(ENOPROTOOPT);
}

static int put_int(void *val, socklen_t *len, int v)
{
	if (!val || !len || *len < sizeof(int))
		return fail(EINVAL);
	memcpy(val, &v, sizeof(int));
	*len = sizeof(int);
	return 0;
}

static int put_timeout(void *val, socklen_t *len, uint64_t ns)
{
	struct timeval tv = { .tv_sec = (time_t)(ns / 1000000000u),
			      .tv_usec = (suseconds_t)(ns % 1000000000u / 1000u) };
	if (!val || !len || *len < sizeof(tv))
		return fail(EINVAL);
	memcpy(val, &tv, sizeof(tv));
	*len = sizeof(tv);
	return 0;
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct sockfd *f = sockfd_get(fd);
	if (!f)
		return -1;
	uint32_t v = 0;
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_ERROR:
			return put_int(val, len, nsock_take_error(f->ns));
		case SO_TYPE:
			return put_int(val, len, nsock_type(f->ns) == NSOCK_TCP ? SOCK_STREAM : SOCK_DGRAM);
		case SO_RCVTIMEO:
			return put_timeout(val, len, f->rcvtimeo_ns);
		case SO_SNDTIMEO:
			return put_timeout(val, len, f->sndtimeo_ns);
		case SO_REUSEADDR:
			nsock_getopt(f->ns, NSOCK_OPT_REUSEADDR, &v);
			return put_int(val, len, (int)v);
		case SO_SNDBUF:
			nsock_getopt(f->ns, NSOCK_OPT_SNDBUF, &v);
			return put_int(val, len, (int)v);
		case SO_RCVBUF:
			nsock_getopt(f->ns, NSOCK_OPT_RCVBUF, &v);
			return put_int(val, len, (int)v);
		case SO_KEEPALIVE:
			return put_int(val, len, 0);
		default:
			return fail(ENOPROTOOPT);
		}
	}
	if (level == IPPROTO_TCP && nsock_type(f->ns) == NSOCK_TCP) {
		if (name == TCP_NODELAY) {
			nsock_getopt(f->ns, NSOCK_OPT_NODELAY, &v);
			return put_int(val, len, (int)v);
		}
		if (name == TCP_MAXSEG) {
			nsock_getopt(f->ns, NSOCK_OPT_MAXSEG, &v);
			return put_int(val, len, (int)v);
		}
	}
	return fail(ENOPROTOOPT);
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct sockfd *f = sockfd_get(fd);
	if (!f)
		return -1;
	if (!addr || !len)
		return fail(EFAULT);
	uint32_t ip;
	uint16_t port;
	nsock_local(f->ns, &ip, &port);
	put_addr(addr, len, ip, port);
	return 0;
}

int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct sockfd *f = sockfd_get(fd);
	if (!f)
		return -1;
	if (!addr || !len)
		return fail(EFAULT);
	uint32_t ip;
	uint16_t port;
	int r = nsock_peer(f->ns, &ip, &port);
	if (r)
		return fail(-r);
	put_addr(addr, len, ip, port);
	return 0;
}

// --- fd.h: unistd.c hands descriptors from 3 up to these

int denali_sock_close(int fd)
{
	struct sockfd *f = sockfd_get(fd);
	if (!f)
		return -1;
	table[fd - DENALI_FD_FIRST_SOCKET] = NULL;
	nsock_close(f->ns); // a TCP connection lingers in the core until it completes
	f->ns = NULL;
	if (f->waiters) { // closed under another thread's feet: it fails with EBADF
		pthread_cond_broadcast(&f->cv);
		for (struct poll_link *l = f->polls; l; l = l->next)
			pthread_cond_signal(&l->w->cv);
		return 0; // the last waiter frees f
	}
	pthread_cond_destroy(&f->cv);
	free(f);
	return 0;
}

long denali_sock_read(int fd, void *buf, unsigned long n)
{
	return recv(fd, buf, n, 0);
}

long denali_sock_write(int fd, const void *buf, unsigned long n)
{
	return send(fd, buf, n, 0);
}
