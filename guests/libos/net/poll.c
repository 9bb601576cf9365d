// SPDX-License-Identifier: MIT
// poll() (<poll.h>) over the socket layer: checks every descriptor, and when none is
// ready registers a waiter on each polled socket (sockfd.h) and sleeps until one of
// them changes or the timeout passes.
#include <denali_sched.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "../fd.h"
#include "sockfd.h"

#define LINKS_ON_STACK 8

// The ready bits of one descriptor; POLLERR, POLLHUP and POLLNVAL always count.
static short check(const struct pollfd *p)
{
	if (p->fd < 0)
		return 0;
	short want = (short)(p->events | POLLERR | POLLHUP | POLLNVAL);
	if (p->fd < DENALI_FD_FIRST_SOCKET) // the console: read(0) and writes never block
		return (short)(p->events & (p->fd == 0 ? POLLIN | POLLRDNORM : POLLOUT | POLLWRNORM));
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

// Links w into every polled socket (links[i] for fds[i]); sockets closed meanwhile
// are unlinked by unregister, which also frees them if we were their last waiter.
static void do_register(struct pollfd *fds, nfds_t nfds, struct poll_link *links,
			struct sockfd **socks, struct poll_waiter *w)
{
	for (nfds_t i = 0; i < nfds; i++) {
		int saved = errno;
		socks[i] = fds[i].fd >= DENALI_FD_FIRST_SOCKET ? sockfd_get(fds[i].fd) : NULL;
		errno = saved;
		if (!socks[i])
			continue;
		links[i].w = w;
		links[i].next = socks[i]->polls;
		socks[i]->polls = &links[i];
		socks[i]->waiters++;
	}
}

static void unregister(nfds_t nfds, struct poll_link *links, struct sockfd **socks)
{
	for (nfds_t i = 0; i < nfds; i++) {
		struct sockfd *f = socks[i];
		if (!f)
			continue;
		struct poll_link **pp = &f->polls;
		while (*pp && *pp != &links[i])
			pp = &(*pp)->next;
		if (*pp)
			*pp = links[i].next;
		sockfd_unwait(f);
	}
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
	struct poll_link stack_links[LINKS_ON_STACK];
	struct sockfd *stack_socks[LINKS_ON_STACK];
	struct poll_link *links = stack_links;
	struct sockfd **socks = stack_socks;
	struct poll_waiter w;
	pthread_cond_init(&w.cv, NULL);
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
		if (nfds > LINKS_ON_STACK && links == stack_links) {
			links = malloc(nfds * sizeof(*links));
			socks = malloc(nfds * sizeof(*socks));
			if (!links || !socks) {
				free(links);
				free(socks);
				pthread_mutex_unlock(&sockfd_lock);
				pthread_cond_destroy(&w.cv);
				errno = ENOMEM;
				return -1;
			}
		}
		do_register(fds, nfds, links, socks, &w);
		int r = sockfd_wait(&w.cv, deadline);
		unregister(nfds, links, socks);
		if (r == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&sockfd_lock);
	if (links != stack_links) {
		free(links);
		free(socks);
	}
	pthread_cond_destroy(&w.cv);
	return ready;
}
