// SPDX-License-Identifier: MIT
// Device state in checkpoints (devstate.c): a growing byte writer and a bounds-checked
// reader of little-endian integers and byte strings, for the devices' own save and
// load functions (devset_ckpt_*, switch_ckpt_*, nic_ckpt_*, linkq_ckpt_*). The devices
// layer cannot see the kernel's pack.h; src/vmm/devhost.c puts what is written here
// into the checkpoint (src/vmm/kernel_ckpt.h). A writer that runs out of memory fails
// quietly (oom) and is checked once; a reader that runs past its end sets bad and reads
// zeros from then on.
#ifndef DENALI_DEVICES_DEVSTATE_H
#define DENALI_DEVICES_DEVSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct devstate_w {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

struct devstate_r {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

void devstate_w_free(struct devstate_w *w);
void devstate_raw(struct devstate_w *w, const void *src, size_t n);
void devstate_u8(struct devstate_w *w, uint8_t v);
void devstate_u32(struct devstate_w *w, uint32_t v);
void devstate_u64(struct devstate_w *w, uint64_t v);

uint8_t devstate_get_u8(struct devstate_r *r);
uint32_t devstate_get_u32(struct devstate_r *r);
uint64_t devstate_get_u64(struct devstate_r *r);
// n bytes in the buffer (NULL when bad: fewer than n remain).
const uint8_t *devstate_get_raw(struct devstate_r *r, size_t n);

#endif
