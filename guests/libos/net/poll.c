// SPDX-License-Identifier: MIT
// poll() (<poll.h>) over the socket layer: checks every descriptor, and when none is
// ready waits on the condition variable that every socket change broadcasts
// (sockfd.h), until something is ready or the timeout passes.
#include <denali_sched.h>
#include <errno.h>
#include <poll.h>

#include "../fd.h"
#include "sockfd.h"

// The ready bits of one descriptor; POLLERR, POLLHUP and POLLNVAL always count.
static short check(const struct pollfd *p)
{
	if (p->fd < 0)
		return 0;
	short want = (short)(p->events | POLLERR | POLLHUP | POLLNVAL);
	if (p->fd < DENALI_FD_FIRST_SOCKET) // the console: output never blocks
		return p->fd == 0 ? 0 : (short)(p->events & (POLLOUT | POLLWRNORM));
	int saved = errno;
	struct sockfd *f = sockfd_get(p->fd);
	errno = saved;
	if (!f)
		return POLLNVAL;
	unsigned m = nsock_poll(f->ns);
	short r = (short)(m & (NSOCK_POLLIN | NSOCK_POLLOUT | NSOCK_POLLERR | NSOCK_POLLHUP));
	if (r & POLLIN)
		r |= POLLRDNORM;
	if (r & POLLOUT)
		r |= POLLWRNORM;
	return (short)(r & want);
}

int poll(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
	if (nfds > 65536) {
		errno = EINVAL;
		return -1;
	}
	if (nfds && !fds) {
		errno = EFAULT;
		return -1;
	}
	uint64_t deadline = timeout_ms > 0 ? denali_now_ns() + (uint64_t)timeout_ms * 1000000u : 0;
	int ready;
	pthread_mutex_lock(&sockfd_lock);
	for (;;) {
		ready = 0;
		for (nfds_t i = 0; i < nfds; i++) {
			fds[i].revents = check(&fds[i]);
			ready += fds[i].revents != 0;
		}
		if (ready || timeout_ms == 0)
			break;
		if (sockfd_wait(&sockfd_poll_cv, deadline) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&sockfd_lock);
	return ready;
}
