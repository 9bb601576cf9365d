// SPDX-License-Identifier: MIT
// threadtest: the time-dependent parts of the libos scheduler (libctest has the rest):
// the precise clock, nanosleep/usleep and their wake-up order, software timers in
// deadline order with cancel and re-arm, pthread_cond_timedwait, the idle policy
// (idle-with-timeout vs the "no timeout" spin, denali_sched_stats), interrupt
// callbacks (the hardware timer line), denali_sched_poll, the results ports and,
// when the run has a disk 0, the disk driver with four threads' requests in flight.
// The summary is printed by the last thread after main has called pthread_exit, so
// the VM ends through "the last thread exited" (exit code 0, or F failures).
//
// Under nativerun the clock is the host's TSC and idle returns at once, so the
// checks that need simulated time (exact wake-ups, the interrupt) are skipped there
// with a message; everything else runs the same.
#include <denali.h>
#include <denali_disk.h>
#include <denali_intr.h>
#include <denali_sched.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifndef EXPECT_IDLE_TIMEOUT
#define EXPECT_IDLE_TIMEOUT 1 // 0 in the image built with -DDENALI_IDLE_NO_TIMEOUT=1
#endif

static int checks, failed;
static int simulated; // time_ns moves: running under the simulator, not nativerun

#define CHECK(cond) check((cond), __LINE__, #cond)
#define MS 1000000ull

static void check(int ok, int line, const char *what)
{
	checks++;
	if (!ok) {
		failed++;
		printf("FAIL threadtest.c:%d: %s\n", line, what);
	}
}

static void test_clock(void)
{
	uint64_t a = denali_now_ns();
	volatile uint32_t x = 0;
	for (int i = 0; i < 10000; i++) // ~10^4 instructions: time must move while we compute
		x += (uint32_t)i;
	(void)x;
	uint64_t b = denali_now_ns();
	CHECK(b > a);
	struct timespec rt, mono;
	CHECK(clock_gettime(CLOCK_REALTIME, &rt) == 0 && clock_gettime(CLOCK_MONOTONIC, &mono) == 0);
	uint64_t rt_ns = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec;
	uint64_t mono_ns = (uint64_t)mono.tv_sec * 1000000000u + (uint64_t)mono.tv_nsec;
	CHECK(rt_ns >= b && mono_ns >= rt_ns && rt.tv_nsec < 1000000000L);
	errno = 0;
	CHECK(clock_gettime(99, &rt) == -1 && errno == EINVAL);
	CHECK(clock_getres(CLOCK_MONOTONIC, &rt) == 0 && rt.tv_sec == 0 && rt.tv_nsec == 1);
	struct timeval tv;
	CHECK(gettimeofday(&tv, NULL) == 0 && tv.tv_usec < 1000000);
	CHECK((uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u >= mono_ns - 1000);
	time_t t1 = 0, t0 = time(&t1);
	CHECK(t0 == t1 && t0 >= 0);
	struct timespec bad = { 0, 1000000000L };
	errno = 0;
	CHECK(nanosleep(&bad, NULL) == -1 && errno == EINVAL);
	bad.tv_sec = -1;
	bad.tv_nsec = 0;
	CHECK(nanosleep(&bad, NULL) == -1 && errno == EINVAL);
}

static void test_nanosleep(void)
{
	uint64_t before = denali_now_ns();
	struct timespec req = { 0, 1500000 }, rem = { 9, 9 };
	CHECK(nanosleep(&req, &rem) == 0 && rem.tv_sec == 0 && rem.tv_nsec == 0);
	uint64_t after = denali_now_ns();
	CHECK(after - before >= 1500000);
	simulated = denali_vregs()->time_ns != 0;
	if (simulated) // one idle with the exact timeout: late only by the libos' own work
		CHECK(after - before < 1500000 + 50000);
	before = denali_now_ns();
	CHECK(usleep(2000) == 0);
	CHECK(denali_now_ns() - before >= 2 * MS);
}

// Five sleepers started in one order wake in the order of their deadlines.
static char wake_order[8];
static int wake_len;

static void *sleeper(void *arg)
{
	int ms = (int)(intptr_t)arg;
	usleep((useconds_t)ms * 1000u);
	wake_order[wake_len++] = (char)('0' + ms);
	return NULL;
}

static void test_wake_order(void)
{
	static const int ms[5] = { 5, 1, 3, 2, 4 };
	pthread_t t[5];
	for (int i = 0; i < 5; i++)
		pthread_create(&t[i], NULL, sleeper, (void *)(intptr_t)ms[i]);
	for (int i = 0; i < 5; i++)
		pthread_join(t[i], NULL);
	wake_order[wake_len] = '\0';
	CHECK(strcmp(wake_order, "12345") == 0);
}

// Software timers: deadline order, FIFO among equal deadlines, cancel, re-arm, a
// callback that re-arms itself, and denali_sched_poll.
static char fired[16];
static int fired_len;
static int periodic_left;

static void note(struct denali_timer *t)
{
	fired[fired_len++] = *(const char *)t->arg;
}

static void periodic(struct denali_timer *t)
{
	fired[fired_len++] = 'p';
	if (--periodic_left > 0)
		denali_timer_arm(t, t->deadline_ns + MS);
}

static void test_timers(void)
{
	struct denali_timer a = { .fn = note, .arg = "a" }, b = { .fn = note, .arg = "b" };
	struct denali_timer c = { .fn = note, .arg = "c" }, d = { .fn = note, .arg = "d" };
	struct denali_timer p = { .fn = periodic };
	CHECK(denali_timer_next() == UINT64_MAX);
	uint64_t now = denali_now_ns();
	denali_timer_arm(&a, now + 3 * MS);
	denali_timer_arm(&b, now + 1 * MS);
	denali_timer_arm(&c, now + 2 * MS);
	denali_timer_arm(&d, now + 2 * MS); // same deadline as c, armed later: after c
	CHECK(denali_timer_next() == now + 1 * MS);
	denali_timer_arm(&b, now + 4 * MS); // re-arm moves it
	denali_timer_cancel(&c);
	denali_timer_cancel(&c); // harmless twice
	periodic_left = 3;
	denali_timer_arm(&p, now + 500000); // p at 0.5, 1.5, 2.5 ms
	CHECK(denali_timer_next() == now + 500000);
	usleep(5000);
	fired[fired_len] = '\0';
	CHECK(strcmp(fired, "ppdpab") == 0);
	if (strcmp(fired, "ppdpab") != 0)
		printf("  timers fired \"%s\", want \"ppdpab\"\n", fired);
	CHECK(denali_timer_next() == UINT64_MAX);
	// denali_sched_poll fires a due timer without blocking or switching.
	fired_len = 0;
	denali_timer_arm(&a, denali_now_ns());
	denali_sched_poll();
	CHECK(fired_len == 1 && fired[0] == 'a');
}

// pthread_cond_timedwait: a timeout, a past deadline, and a signal before the timeout.
static pthread_mutex_t tw_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tw_cond = PTHREAD_COND_INITIALIZER;
static int tw_flag;

static void *tw_signaller(void *arg)
{
	(void)arg;
	usleep(1000);
	pthread_mutex_lock(&tw_lock);
	tw_flag = 1;
	pthread_cond_signal(&tw_cond);
	pthread_mutex_unlock(&tw_lock);
	return NULL;
}

static struct timespec abs_after(uint64_t ns)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + ns;
	ts.tv_sec = (time_t)(t / 1000000000u);
	ts.tv_nsec = (long)(t % 1000000000u);
	return ts;
}

static void test_timedwait(void)
{
	pthread_mutex_lock(&tw_lock);
	struct timespec ts = abs_after(2 * MS);
	uint64_t deadline = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	CHECK(pthread_cond_timedwait(&tw_cond, &tw_lock, &ts) == ETIMEDOUT);
	CHECK(denali_now_ns() >= deadline);
	CHECK(pthread_mutex_trylock(&tw_lock) == EBUSY); // we hold it again
	struct timespec past = { 0, 0 };
	CHECK(pthread_cond_timedwait(&tw_cond, &tw_lock, &past) == ETIMEDOUT);
	struct timespec bad = { 0, -1 };
	CHECK(pthread_cond_timedwait(&tw_cond, &tw_lock, &bad) == EINVAL);
	pthread_t t;
	pthread_create(&t, NULL, tw_signaller, NULL);
	ts = abs_after(1000 * MS);
	int r = 0;
	while (!tw_flag && r == 0)
		r = pthread_cond_timedwait(&tw_cond, &tw_lock, &ts);
	CHECK(r == 0 && tw_flag);
	CHECK(denali_timer_next() == UINT64_MAX); // the wait's timer was cancelled
	pthread_mutex_unlock(&tw_lock);
	pthread_join(t, NULL);
}

// The idle policy: with timeout, a lone sleeper idles; with denali_idle_timeout = 0 the
// scheduler spins until the timer is due.
static void test_idle_policy(void)
{
	CHECK(denali_idle_timeout == EXPECT_IDLE_TIMEOUT);
	struct denali_sched_stats s0, s1, s2;
	denali_idle_timeout = 1;
	denali_sched_stats(&s0);
	usleep(1000);
	denali_sched_stats(&s1);
	CHECK(s1.idles > s0.idles && s1.idle_spins == s0.idle_spins);
	CHECK(s1.timers_fired > s0.timers_fired);
	if (simulated)
		CHECK(s1.idles == s0.idles + 1); // one idle, with the exact timeout
	denali_idle_timeout = 0;
	usleep(1000);
	denali_sched_stats(&s2);
	CHECK(s2.idle_spins > s1.idle_spins && s2.idles == s1.idles);
	denali_idle_timeout = 1;
	CHECK(s2.switches > 0);
}

// Interrupt callbacks: the hardware timer's line wakes a thread blocked on a condvar.
static pthread_mutex_t irq_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t irq_cond = PTHREAD_COND_INITIALIZER;
static int irq_seen;

static void on_timer_irq(void *arg)
{
	irq_seen += (int)(intptr_t)arg;
	pthread_cond_signal(&irq_cond); // allowed in a callback: it does not block
}

static void test_irq(void)
{
	if (!simulated) {
		printf("threadtest: interrupt check skipped (nativerun has no timer)\n");
		return;
	}
	denali_irq_register(DENALI_IRQ_TIMER, on_timer_irq, (void *)7);
	denali_irq_register(99, on_timer_irq, NULL); // no such line: ignored
	uint64_t start = denali_now_ns();
	denali_timer_set(start + 3 * MS);
	pthread_mutex_lock(&irq_lock);
	while (irq_seen == 0)
		pthread_cond_wait(&irq_cond, &irq_lock); // nothing else runs: idles forever
	pthread_mutex_unlock(&irq_lock);
	CHECK(irq_seen == 7 && denali_now_ns() >= start + 3 * MS);
	denali_irq_register(DENALI_IRQ_TIMER, NULL, NULL);
}

static void test_stats_port(void)
{
	CHECK(denali_stat_add("threadtest.runs", 1) == 0);
	CHECK(denali_stat_sample("threadtest.sleep_ns", 1500000) == 0);
	if (simulated) {
		CHECK(denali_stat_add("bad name!", 1) == DENALI_STAT_ERR_NAME);
		CHECK(denali_stat_sample("threadtest.runs", 1) == DENALI_STAT_ERR_KIND);
	}
}

// The disk driver: four threads write and read back their own blocks concurrently.
#define DISK_THREADS 4
#define DISK_BLOCKS 3

static void *disk_worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	static uint8_t bufs[DISK_THREADS][DENALI_DISK_BLOCK];
	uint8_t *buf = bufs[id];
	int ok = 1;
	for (uint32_t b = 0; b < DISK_BLOCKS; b++) {
		uint32_t block = (uint32_t)id * DISK_BLOCKS + b;
		memset(buf, (int)(block * 7 + 1), DENALI_DISK_BLOCK);
		ok &= denali_disk_write(0, block, buf) == 0;
	}
	for (uint32_t b = 0; b < DISK_BLOCKS; b++) {
		uint32_t block = (uint32_t)id * DISK_BLOCKS + b;
		memset(buf, 0, DENALI_DISK_BLOCK);
		ok &= denali_disk_read(0, block, buf) == 0;
		ok &= buf[0] == (uint8_t)(block * 7 + 1) && buf[4095] == buf[0];
	}
	return (void *)(intptr_t)ok;
}

static void test_disk(void)
{
	uint32_t blocks = 0;
	int ro = -1;
	uint32_t r = denali_disk_info(0, &blocks, &ro);
	CHECK(denali_disk_info(3, NULL, NULL) == DENALI_DISK_ERR_NODISK);
	if (r != 0) {
		CHECK(r == DENALI_DISK_ERR_NODISK);
		static uint8_t buf[DENALI_DISK_BLOCK];
		CHECK(denali_disk_read(0, 0, buf) == DENALI_DISK_ERR_NODISK);
		return;
	}
	CHECK(blocks >= DISK_THREADS * DISK_BLOCKS && ro == 0);
	pthread_t t[DISK_THREADS];
	for (int i = 0; i < DISK_THREADS; i++)
		pthread_create(&t[i], NULL, disk_worker, (void *)(intptr_t)i);
	int ok = 1;
	for (int i = 0; i < DISK_THREADS; i++) {
		void *res;
		pthread_join(t[i], &res);
		ok &= res == (void *)1;
	}
	CHECK(ok);
	static uint8_t buf[DENALI_DISK_BLOCK];
	CHECK(denali_disk_read(0, blocks, buf) == DENALI_DISK_ERR_RANGE);
	printf("threadtest: disk of %u blocks: %d threads x %d blocks written and read back\n",
		blocks, DISK_THREADS, DISK_BLOCKS);
}

// Runs after main has gone: prints the summary; the VM then ends with 0 because the
// last thread exited, or with the failure count.
static void *reporter(void *arg)
{
	pthread_t main_thread = arg;
	CHECK(pthread_join(main_thread, NULL) == 0); // main's pthread_exit ends its thread only
	printf("threadtest: %d checks, %d failed\n", checks, failed);
	if (failed)
		exit(failed);
	return NULL;
}

int main(void)
{
	test_clock();
	test_nanosleep();
	test_wake_order();
	test_timers();
	test_timedwait();
	test_idle_policy();
	test_irq();
	test_stats_port();
	test_disk();
	pthread_t t;
	pthread_create(&t, NULL, reporter, pthread_self());
	pthread_exit(NULL);
}
