// SPDX-License-Identifier: MIT
// What a VM's cell shows (palette.c): the VM's state as the view classifies it, read
// through the control interface (vmm/ctl.h ctl_vm_state) and the public kernel
// structures, and the colours. The palette is Okabe and Ito's (Color Universal Design,
// 2008), safe for the common colour-vision deficiencies, with greys for the states a
// reader needs least (not started, ended); the legend names every colour.
#ifndef DENALI_VIEW_PALETTE_H
#define DENALI_VIEW_PALETTE_H

#include <stdint.h>

struct kernel;

// The classes, in legend order.
enum view_class {
	VIEW_RUNNING = 0,  // in the CPU
	VIEW_RUNNABLE,     // queued for the CPU
	VIEW_IDLE_TIMEOUT, // idle with a timeout (a wake-up is due)
	VIEW_IDLE,         // idle with no timeout: only an interrupt wakes it
	VIEW_SWAP_WAIT,    // waiting for the swap disk to read a block back
	VIEW_SWAPPED,      // swapped out (its blocks are on the swap disk)
	VIEW_TERMINATED,
	VIEW_KILLED,
	VIEW_NEW,          // not started yet
	VIEW_ENDED,        // alive when the run ended (hung or stopped)
	VIEW_NCLASSES
};

// 0xRRGGBB of a class, and its legend name ("idle, timeout").
uint32_t view_class_rgb(enum view_class c);
const char *view_class_name(enum view_class c);
// The class of VM vm of machine k (read only; call where the kernel may be read: a
// sample or a stop).
enum view_class view_class_of(const struct kernel *k, uint32_t vm);

// Other colours of the picture.
#define VIEW_RGB_BG 0x141414u     // background
#define VIEW_RGB_PANEL 0x1e1e1eu  // side panel
#define VIEW_RGB_TEXT 0xe6e6e6u
#define VIEW_RGB_DIM 0x9a9a9au    // secondary text, axes
#define VIEW_RGB_LINK 0xffffffu   // the link between machines
#define VIEW_RGB_MARK 0xffffffu   // overlay marks, the selected VM

#endif
