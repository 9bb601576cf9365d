// SPDX-License-Identifier: MIT
// An "outside" program for the SDK test (tests/sdk/sdk_test.py): ordinary hosted C
// that uses only standard headers, built unchanged by denali-cc into a guest and by
// the host gcc into a Linux program; both runs must print the same lines.
// Four worker threads sort their own slices of pseudo-random numbers and add them up
// under a mutex; the main thread waits for all of them on a condition variable,
// sleeps a little, then checks and prints. Arguments (optional): the count per thread.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WORKERS 4

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_done = PTHREAD_COND_INITIALIZER;
static int finished;
static unsigned long long total;
static int count = 500;

static int cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return (x > y) - (x < y);
}

static void *worker(void *arg)
{
	int id = *(int *)arg;
	unsigned *v = malloc((size_t)count * sizeof *v);
	if (v == NULL)
		return NULL;
	unsigned state = 12345u + (unsigned)id; // a fixed LCG, not rand(): same everywhere
	for (int i = 0; i < count; i++) {
		state = state * 1103515245u + 12345u;
		v[i] = state >> 8;
	}
	qsort(v, (size_t)count, sizeof *v, cmp_uint);
	int sorted = 1;
	unsigned long long sum = 0;
	for (int i = 0; i < count; i++) {
		sorted &= i == 0 || v[i - 1] <= v[i];
		sum += v[i];
	}
	free(v);
	pthread_mutex_lock(&lock);
	total += sorted ? sum : 0;
	finished++;
	pthread_cond_signal(&all_done);
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		count = (int)strtol(argv[1], NULL, 10);
	if (count <= 0 || count > 100000) {
		fprintf(stderr, "outside: bad count\n");
		return 2;
	}
	pthread_t t[WORKERS];
	int ids[WORKERS];
	for (int i = 0; i < WORKERS; i++) {
		ids[i] = i;
		if (pthread_create(&t[i], NULL, worker, &ids[i]) != 0)
			return 1;
	}
	pthread_mutex_lock(&lock);
	while (finished < WORKERS)
		pthread_cond_wait(&all_done, &lock);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(t[i], NULL);
	struct timespec before, after, nap = { 0, 2000000 };
	clock_gettime(CLOCK_MONOTONIC, &before);
	nanosleep(&nap, NULL);
	clock_gettime(CLOCK_MONOTONIC, &after);
	long long slept = (long long)(after.tv_sec - before.tv_sec) * 1000000000LL +
		(after.tv_nsec - before.tv_nsec);
	char line[80];
	snprintf(line, sizeof line, "outside: %d workers x %d numbers, total %llu", WORKERS,
		count, total);
	puts(line);
	printf("outside: slept at least 2 ms: %s\n", slept >= 2000000 ? "yes" : "no");
	printf("outside: %s\n", strcmp(line, "") != 0 ? "done" : "empty");
	return 0;
}
