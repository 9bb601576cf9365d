// SPDX-License-Identifier: MIT
// The libos poll.h (net/poll.c): waits for socket readiness. The console never
// blocks: descriptor 0 is always readable (read returns 0 when there is no input), 1
// and 2 always writable. Negative descriptors are skipped; unknown ones report
// POLLNVAL.
#ifndef DENALI_LIBOS_POLL_H
#define DENALI_LIBOS_POLL_H

struct pollfd {
	int fd;
	short events;
	short revents;
};

typedef unsigned int nfds_t;

#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008   // always reported, need not be asked for
#define POLLHUP 0x010   // likewise
#define POLLNVAL 0x020  // likewise
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100

// The number of descriptors with revents != 0, 0 after timeout_ms (-1: no limit), or
// -1 with errno EINVAL (nfds too large) or EFAULT.
int poll(struct pollfd *fds, nfds_t nfds, int timeout_ms);

#endif
