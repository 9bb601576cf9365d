// SPDX-License-Identifier: MIT
// Live mode (live.c, `denali run --tap NAME`): the TAP bridge plus pacing of simulated
// time to wall time. The ONLY place the simulator reads the host clock for results, so
// a live run is nondeterministic (the summary and summary.json say so). devset calls
// live_run at each device event: it waits (poll on the TAP, bounded by how far
// simulated time is ahead of wall time) until the wall clock has caught up with now_ns,
// and hands every frame read meanwhile to `in` (into the switch at now_ns). The caller
// keeps a device event at most LIVE_TICK_NS ahead, so the wait is bounded by the next
// simulated event.
#ifndef DENALI_DEVICES_LIVE_H
#define DENALI_DEVICES_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIVE_TICK_NS 1000000u // 1 ms of simulated time between device events

struct live;
typedef void (*live_frame_fn)(void *ctx, const uint8_t *frame, uint32_t len);

int live_open(struct live **out, const char *tap_name, char *err, size_t errlen);
void live_close(struct live *l);
// Paces to now_ns and delivers the frames read from the TAP.
void live_run(struct live *l, uint64_t now_ns, live_frame_fn in, void *ctx);
// Sends a frame out of the TAP (counted; false when the host refused it).
bool live_send(struct live *l, const uint8_t *frame, uint32_t len);
void live_counts(const struct live *l, uint64_t *rx, uint64_t *tx, uint64_t *tx_err);

#endif
