// SPDX-License-Identifier: MIT
// The pthread thread API over the libos scheduler (sched.c): create, join, detach,
// exit, self, once, and thread attributes.
//
// A thread is one malloc'd block: its stack, then its record (struct denali_thread) at
// the top, where a stack overflow cannot reach it. The lowest word of the block is a
// canary the scheduler checks whenever the thread enters it (an overflow that reached
// it ends the VM with a message instead of running on with a corrupted heap). The
// stack of a new thread is built to look like a context saved by denali_ctx_switch
// (switch.S), returning into sched_thread_start:
//
//   top - 4   0                   fake return address of sched_thread_start
//   top - 8   sched_thread_start  popped by switch.S's RET
//   top - 12  EBP = 0             end of the frame-pointer chain
//   top - 24  EBX ESI EDI = 0     <- the saved ESP
//
// top (the record's address) is 16-byte aligned, so ESP + 4 is 16-byte aligned at the
// entry of sched_thread_start, as the i386 SysV ABI wants of every function entry.
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "sched_internal.h"

void sched_thread_start(void);

static uint32_t next_thread_id = 2;

int pthread_attr_init(pthread_attr_t *attr)
{
	attr->stacksize = PTHREAD_STACK_DEFAULT;
	attr->detachstate = PTHREAD_CREATE_JOINABLE;
	return 0;
}

int pthread_attr_destroy(pthread_attr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_attr_setstacksize(pthread_attr_t *attr, size_t stacksize)
{
	if (stacksize < PTHREAD_STACK_MIN || stacksize > 0x40000000u)
		return EINVAL;
	attr->stacksize = stacksize;
	return 0;
}

int pthread_attr_getstacksize(const pthread_attr_t *attr, size_t *stacksize)
{
	*stacksize = attr->stacksize;
	return 0;
}

int pthread_attr_setdetachstate(pthread_attr_t *attr, int state)
{
	if (state != PTHREAD_CREATE_JOINABLE && state != PTHREAD_CREATE_DETACHED)
		return EINVAL;
	attr->detachstate = state;
	return 0;
}

int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state)
{
	*state = attr->detachstate;
	return 0;
}

// Blocks of the default size (stack + record) of exited threads, kept for the next
// thread, linked through their first word. A freed 16 KiB block in the heap is soon
// split by small allocations, so the next stack would have to extend the heap: over a
// long run a server that starts a thread per connection would touch ever more memory.
// Reused blocks keep it at the most threads it ever had at once (docs/guest-sdk.md).
static void *block_cache;

static size_t default_block_size(void)
{
	return ((PTHREAD_STACK_DEFAULT + 15u) & ~(size_t)15u) +
	       ((sizeof(struct denali_thread) + 15u) & ~(size_t)15u);
}

static void *block_get(size_t size)
{
	if (size != default_block_size() || !block_cache)
		return malloc(size);
	void *mem = block_cache;
	block_cache = *(void **)mem;
	return mem;
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
	void *(*start)(void *), void *arg)
{
	size_t stack = attr ? attr->stacksize : PTHREAD_STACK_DEFAULT;
	if (stack < PTHREAD_STACK_MIN || start == NULL)
		return EINVAL;
	stack = (stack + 15u) & ~(size_t)15u;
	size_t rec = (sizeof(struct denali_thread) + 15u) & ~(size_t)15u;
	if (stack > SIZE_MAX - rec)
		return EAGAIN;
	unsigned char *mem = block_get(stack + rec); // 16-byte aligned
	if (mem == NULL)
		return EAGAIN;
	struct denali_thread *t = (struct denali_thread *)(mem + stack);
	*t = (struct denali_thread){ 0 };
	t->block_size = (uint32_t)(stack + rec);
	t->start = start;
	t->arg = arg;
	t->detached = attr && attr->detachstate == PTHREAD_CREATE_DETACHED;
	t->canary = (uint32_t *)mem; // also the block to free
	*t->canary = THREAD_CANARY;
	t->id = next_thread_id++;
	uint32_t *top = (uint32_t *)t;
	top[-1] = 0;
	top[-2] = (uint32_t)(uintptr_t)sched_thread_start;
	for (int i = 3; i <= 6; i++)
		top[-i] = 0; // EBP EBX ESI EDI
	t->esp = (uint32_t)(uintptr_t)(top - 6);
	sched_add_thread(t);
	*thread = t;
	return 0;
}

// Frees an exited thread's memory (never the main thread's record, which is static).
static void release(struct denali_thread *t)
{
	if (t->canary)
		thread_release_block(t);
}

void thread_release_block(struct denali_thread *t)
{
	void *mem = t->canary; // the block starts at the canary
	if (t->block_size != default_block_size()) {
		free(mem);
		return;
	}
	*(void **)mem = block_cache; // the canary's word links the cache
	block_cache = mem;
}

int pthread_join(pthread_t t, void **retval)
{
	struct denali_thread *self = sched_self();
	if (t == NULL)
		return ESRCH;
	if (t == self)
		return EDEADLK;
	if (t->detached || t->joined)
		return EINVAL;
	t->joined = 1;
	if (t->state != THREAD_EXITED) {
		t->joiner = self;
		self->state = THREAD_BLOCKED;
		self->waitq = NULL;
		sched_block(); // sched_exit_current wakes us
	}
	if (retval)
		*retval = t->retval;
	release(t);
	return 0;
}

int pthread_detach(pthread_t t)
{
	if (t == NULL)
		return ESRCH;
	if (t->detached || t->joined)
		return EINVAL;
	if (t->state == THREAD_EXITED)
		release(t); // nobody will join it now
	else
		t->detached = 1;
	return 0;
}

void pthread_exit(void *retval)
{
	sched_self()->retval = retval;
	sched_exit_current();
}

pthread_t pthread_self(void)
{
	return sched_self();
}

int pthread_equal(pthread_t a, pthread_t b)
{
	return a == b;
}

// Cooperative threads cannot race between the test and the call, unless fn itself
// blocks: then a second caller would run fn again, so the state goes to 1 (running)
// first and a concurrent caller waits by yielding until it reaches 2 (done).
int pthread_once(pthread_once_t *once, void (*fn)(void))
{
	if (*once == 0) {
		*once = 1;
		fn();
		*once = 2;
	}
	while (*once != 2)
		sched_yield();
	return 0;
}
