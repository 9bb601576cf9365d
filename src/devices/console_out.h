// SPDX-License-Identifier: MIT
// Console output (console_out.c, docs/isa.md 9): per VM, the bytes written through the
// debug console (OUT 0xE9, one byte) and the console-write PIO (0x100, a buffer in guest
// memory, read through the host's copyin). The first `cap` bytes of each VM are kept,
// every byte is counted. Like every device it never sees the CPU: the kernel's PIO
// dispatch (src/vmm/pio.c) passes the registers' values. Console input is console_in.c.
#ifndef DENALI_DEVICES_CONSOLE_OUT_H
#define DENALI_DEVICES_CONSOLE_OUT_H

#include <stdint.h>

#include "devices/devset.h"

// The most bytes one console write transfers; a longer request writes this many and
// returns the count (a short write).
#define CONSOLE_OUT_WRITE_MAX 65536u

// One VM's output.
struct console_out_vm {
	uint8_t *bytes;   // the first len bytes written (owned)
	uint32_t len;     // bytes kept, at most the device's cap
	uint32_t alloc;   // bytes allocated at `bytes`
	uint64_t total;   // bytes written, kept or not
};

struct console_out;

// Builds the consoles of nvms VMs, keeping at most cap_bytes per VM. The host must
// provide copyin. Returns 0, or -1 when out of memory.
int console_out_new(struct console_out **out, uint32_t nvms, uint32_t cap_bytes,
		    const struct devset_host *h);
void console_out_free(struct console_out *c);

// The debug console: appends one byte. Returns 0, or -1 when out of host memory (the
// byte is still counted).
int console_out_putc(struct console_out *c, uint32_t vm_id, uint8_t byte);
// The console write: appends the len bytes at guest address addr (at most
// CONSOLE_OUT_WRITE_MAX). *written is set to the bytes written, or 0xffffffff when any
// of them is outside guest memory (then nothing is written). Returns 0, or -1 when out
// of host memory (the bytes are still counted).
int console_out_write(struct console_out *c, uint32_t vm_id, uint32_t addr, uint32_t len,
		      uint32_t *written);
// For a VM that ran in another process (vmm/outcome.c): replaces VM vm_id's output with
// the n bytes kept there and the total written there (n at most the cap). Returns 0, or
// -1 (a bad id, more than the cap, out of host memory: the output is then unchanged).
int console_out_restore(struct console_out *c, uint32_t vm_id, const uint8_t *bytes,
			uint32_t n, uint64_t total);
// Host memory the device holds, in bytes (docs/memory.md).
uint64_t console_out_host_bytes(const struct console_out *c);
// VM vm_id's output, or NULL for a bad id.
const struct console_out_vm *console_out_vm(const struct console_out *c, uint32_t vm_id);

#endif
