// SPDX-License-Identifier: MIT
// A Linux TAP device (tap.c) for the live bridge (`denali run --tap NAME`): opens
// /dev/net/tun with IFF_TAP | IFF_NO_PI, so each read or write is one Ethernet frame
// without a prefix, non-blocking. It never configures addresses or links: whoever runs
// denali sets the device up (docs/devices.md "Live mode").
#ifndef DENALI_DEVICES_TAP_H
#define DENALI_DEVICES_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TAP_FRAME_MAX 65536u

struct tap;

// Attaches to (or creates) the TAP device `name`. Returns 0, or -1 with one line naming
// the device and the problem.
int tap_open(struct tap **out, const char *name, char *err, size_t errlen);
void tap_close(struct tap *t);
int tap_fd(const struct tap *t);
// Reads one waiting frame into buf. Returns its length, 0 when none is waiting, -1 on
// an error (the device went away).
int tap_read(struct tap *t, uint8_t *buf, uint32_t cap);
// Writes one frame; false when the host did not take it.
bool tap_write(struct tap *t, const uint8_t *frame, uint32_t len);

#endif
