// SPDX-License-Identifier: MIT
// Console input (console_in.c): bytes given to the run (a file or a string) that a VM
// reads with the CONSOLE_READ PIO (include/denali/abi.h, docs/isa.md 9.4). Every VM (or
// one chosen VM) gets its own copy of the same bytes, all available from time 0, so the
// result is deterministic. Each VM keeps its own read position.
#ifndef DENALI_DEVICES_CONSOLE_IN_H
#define DENALI_DEVICES_CONSOLE_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_IN_MAX (16u << 20)   // bytes of input, at most
#define CONSOLE_IN_READ_MAX 4096u    // bytes per CONSOLE_READ, at most

struct console_in {
	uint8_t *data;
	uint32_t len;
	int64_t vm;        // -1: every VM, else only this one
	uint32_t nvms;
	uint32_t *pos;     // per VM: bytes already read
	bool *signalled;   // per VM: DENALI_IRQ_CONSOLE raised
};

// Loads the input from the file `path` or, when path is NULL, the string `text`, for
// VM `vm` (-1: every VM) of nvms. Returns 0, or -1 with one line naming the file or
// option and the problem.
int console_in_open(struct console_in *ci, const char *path, const char *text, int64_t vm,
		    uint32_t nvms, char *err, size_t errlen);
void console_in_close(struct console_in *ci);
// Bytes VM vm_id has not read yet.
uint32_t console_in_avail(const struct console_in *ci, uint32_t vm_id);
// True once: VM vm_id has input and was not signalled yet (the caller raises the IRQ).
bool console_in_take_signal(struct console_in *ci, uint32_t vm_id);
// CONSOLE_READ: copies up to min(cap, CONSOLE_IN_READ_MAX) unread bytes to guest
// address addr with copyout. Returns the count (0: nothing to read), or 0xffffffff when
// the buffer is not all in guest memory (then nothing is consumed).
uint32_t console_in_read(struct console_in *ci, uint32_t vm_id, uint32_t addr,
			 uint32_t cap,
			 int (*copyout)(void *ctx, uint32_t addr, const void *src, uint32_t len),
			 void *ctx);

#endif
