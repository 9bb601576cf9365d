// SPDX-License-Identifier: MIT
// The window's inspector (inspect.c): what a click on a VM shows, read through the
// control interface (vmm/ctl.h: ctl_vm_state, ctl_cpu, ctl_read) at a point where the
// kernel may be read: its state, registers, virtual registers, pending interrupts,
// counters, the tail of its console and the disassembly from EIP with symbols
// (Capstone, trace/dis.h). Also the key help (`?`).
#ifndef DENALI_VIEW_INSPECT_H
#define DENALI_VIEW_INSPECT_H

#include <stdint.h>

struct canvas;
struct kernel;
struct inspect;

#define INSPECT_H 232 // pixels

struct inspect *inspect_new(void); // NULL: out of memory (or Capstone cannot start)
void inspect_free(struct inspect *in);
// Draws VM vm of machine m (kernel k) in a box at (x, y), w pixels wide.
void inspect_draw(struct inspect *in, struct canvas *c, const struct kernel *k, uint32_t m,
		  uint32_t vm, int x, int y, int w);
// The keys.
void inspect_help(struct canvas *c, int x, int y);

#endif
