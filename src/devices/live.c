// SPDX-License-Identifier: MIT
// Live mode (live.h): wall-clock pacing with poll() on the TAP device.
#include "devices/live.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "devices/tap.h"

struct live {
	struct tap *tap;
	bool started;
	uint64_t wall0;          // host monotonic ns when simulated time was 0
	uint64_t rx, tx, tx_err;
	uint8_t buf[TAP_FRAME_MAX];
};

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int live_open(struct live **out, const char *tap_name, char *err, size_t errlen)
{
	struct live *l = calloc(1, sizeof *l);
	if (!l) {
		snprintf(err, errlen, "--tap %s: out of memory", tap_name);
		return -1;
	}
	if (tap_open(&l->tap, tap_name, err, errlen) != 0) {
		free(l);
		return -1;
	}
	*out = l;
	return 0;
}

void live_close(struct live *l)
{
	if (!l)
		return;
	tap_close(l->tap);
	free(l);
}

static void drain(struct live *l, live_frame_fn in, void *ctx)
{
	for (int i = 0; i < 1024; i++) { // bounded: a flood cannot stall the simulation
		int n = tap_read(l->tap, l->buf, sizeof l->buf);
		if (n <= 0)
			return;
		l->rx++;
		in(ctx, l->buf, (uint32_t)n);
	}
}

void live_run(struct live *l, uint64_t now_ns, live_frame_fn in, void *ctx)
{
	if (!l->started) {
		l->started = true;
		l->wall0 = wall_ns() - now_ns;
	}
	for (;;) {
		uint64_t w = wall_ns() - l->wall0;
		if (w >= now_ns)
			break;
		uint64_t ms = (now_ns - w + 999999u) / 1000000u; // poll's unit; the caller's
		if (ms > 1000)                                   // tick bounds it anyway
			ms = 1000;
		struct pollfd p = { .fd = tap_fd(l->tap), .events = POLLIN };
		if (poll(&p, 1, (int)ms) > 0)
			drain(l, in, ctx);
	}
	drain(l, in, ctx);
}

bool live_send(struct live *l, const uint8_t *frame, uint32_t len)
{
	bool ok = tap_write(l->tap, frame, len);
	if (ok)
		l->tx++;
	else
		l->tx_err++;
	return ok;
}

void live_counts(const struct live *l, uint64_t *rx, uint64_t *tx, uint64_t *tx_err)
{
	*rx = l->rx;
	*tx = l->tx;
	*tx_err = l->tx_err;
}
