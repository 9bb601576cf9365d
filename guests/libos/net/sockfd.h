// SPDX-License-Identifier: MIT
// The guest socket layer's shared state (sockets.c, poll.c, nicif.c): the descriptor
// table and the blocking wait. Guest-only; the protocol core (netcore.h) knows none
// of it.
//
// Blocking: a call that the core answers with -EAGAIN waits on the socket's condition
// variable; the core's wake callback (nicif.c) broadcasts it, and signals each poll()
// call registered on the socket, whenever the socket's state changes. (One condition
// variable per poll call, not one for all: with hundreds of threads each polling its
// own connection, a global one would wake them all for every segment.)
//
// Threads are cooperative and core calls never block, so the core is entered by one
// thread or scheduler callback (frames, timers) at a time, and nothing runs between a
// thread's look at the core and its wait: no wake-up is lost. sockfd_lock exists
// because pthread_cond_wait needs a mutex, not for exclusion.
#ifndef DENALI_NET_SOCKFD_H
#define DENALI_NET_SOCKFD_H

#include <pthread.h>
#include <stdint.h>

#include "netcore.h"

// A poll() call waiting (poll.c), and its link on one polled socket.
struct poll_waiter {
	pthread_cond_t cv;
};
struct poll_link {
	struct poll_link *next;
	struct poll_waiter *w;
};

struct sockfd {
	struct nsock *ns;            // NULL once closed while threads still wait on it
	pthread_cond_t cv;
	int nonblock;
	uint64_t rcvtimeo_ns, sndtimeo_ns;  // 0 = wait forever
	int waiters;                 // threads blocked on cv or polling this socket
	struct poll_link *polls;     // poll() calls waiting for this socket
};

extern pthread_mutex_t sockfd_lock;

// The stack, started on first use; NULL (errno ENETDOWN) when the VM has no address.
struct net *nicif_net(void);
// The socket behind descriptor fd, or NULL with errno EBADF.
struct sockfd *sockfd_get(int fd);
// Waits (sockfd_lock held) until woken or deadline_ns (0 = none) passes on cv.
// Returns 0, or ETIMEDOUT.
int sockfd_wait(pthread_cond_t *cv, uint64_t deadline_ns);
// Drops one waiter of f; frees f when it was closed and this was the last one.
void sockfd_unwait(struct sockfd *f);

#endif
