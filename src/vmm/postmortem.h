// SPDX-License-Identifier: MIT
// What the kernel keeps of a VM that did not end well, for reports (postmortem.c):
// a killed VM's registers, faulting instruction, stack words and frame-pointer chain
// (struct postmortem, captured before its memory is freed), and a hung or stopped VM's
// place and what it waits for (struct postmortem_wait). The kernel captures; front ends
// (src/trace/report.c) add symbols and disassembly and print them. Capturing reads guest
// memory with mem_peek, so it changes nothing: no copy-on-write, no swap-in.
//
// The frame-pointer walk is best effort, as in any debugger without unwind tables: from
// EBP, each frame is [saved EBP, return address]. It stops at the first frame outside
// the stack (below ESP, not above the previous frame, not 4-byte aligned, or past the
// end of guest memory), at a saved EBP of 0 (crt0 starts with EBP = 0), or after
// POSTMORTEM_FRAMES frames. Functions built without frame pointers (gcc -O1 and up)
// do not appear in it; docs/observe.md says so.
#ifndef DENALI_VMM_POSTMORTEM_H
#define DENALI_VMM_POSTMORTEM_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

#define POSTMORTEM_STACK 8     // words at ESP
#define POSTMORTEM_FRAMES 16   // frame-pointer links followed
#define POSTMORTEM_BRANCHES 16 // last branch targets (the CPU's ring, when it has one)

// Why the frame-pointer walk stopped.
enum postmortem_walk_end {
	POSTMORTEM_WALK_ZERO = 0,  // a saved EBP of 0: the outermost frame (crt0)
	POSTMORTEM_WALK_OUTSIDE,   // a frame pointer outside the stack
	POSTMORTEM_WALK_UNREADABLE,// a frame in a hole of guest memory
	POSTMORTEM_WALK_LIMIT,     // POSTMORTEM_FRAMES frames followed
};

struct postmortem_frame {
	uint32_t fp;   // the frame pointer (address of the saved EBP)
	uint32_t ret;  // the return address at fp + 4
};

// A killed VM.
struct postmortem {
	uint64_t time_cycles;     // when it was killed
	uint32_t r[8];            // EAX ECX EDX EBX ESP EBP ESI EDI at the fault
	uint32_t eip;             // the faulting instruction (cpu.fault.eip)
	uint32_t eflags;          // evaluated (lazy flags folded in)
	bool fault;               // a guest fault (the next three are set), else the kernel
				  // killed it (a frame it could not push, host memory)
	uint8_t vector;           // exception vector, or the n of INT n
	uint32_t error_code;      // #PF: CPU_ACC_* of the access
	uint32_t addr;            // #PF: the address
	uint8_t insn[15];         // bytes at eip; ninsn of them readable
	uint8_t ninsn;
	uint32_t stack[POSTMORTEM_STACK]; // words at ESP; nstack readable
	uint8_t nstack;
	struct postmortem_frame frames[POSTMORTEM_FRAMES]; // innermost first
	uint8_t nframes;
	uint8_t walk_end;         // enum postmortem_walk_end
	uint32_t branches[POSTMORTEM_BRANCHES]; // branch targets, oldest first
	uint8_t nbranches;
};

// Fills p from the VM's CPU and memory (memory may be gone: registers only) at time
// now, for the instruction at eip; fault: the CPU's fault record (cpu.fault) applies,
// else the VM was killed by the kernel (exit, vector and address are 0). The branch
// ring is left empty (the kernel fills it when the CPU keeps one).
void postmortem_capture(struct postmortem *p, const struct vm *vm, uint64_t now_cycles,
			uint32_t eip, bool fault);

// What a VM that was still alive at the end of the run was doing.
enum postmortem_wait_kind {
	POSTMORTEM_NEVER_RAN = 0, // never dispatched
	POSTMORTEM_RUNNING,       // in the CPU when the run stopped
	POSTMORTEM_RUNNABLE,      // queued for the CPU
	POSTMORTEM_IDLE,          // idle (see the fields for what can end it)
	POSTMORTEM_SWAP,          // waiting for the swap disk to read a block back
};

struct postmortem_wait {
	uint32_t eip, esp, ebp;
	uint32_t ret;             // the caller, best effort: [EBP + 4], or 0
	uint8_t kind;             // enum postmortem_wait_kind
	bool int_enable;          // vregs int_enable bit 0
	bool handler;             // an interrupt handler is set
	bool devices;             // the machine has devices that may raise interrupts
	uint32_t pending;         // interrupt lines pending
	uint64_t wake_cycles;     // IDLE: its timeout; SWAP: the read's end; 0: none
	uint64_t timer_cycles;    // the armed timer's deadline, 0: none
};

// Fills the registers, caller and interrupt state of w from a live VM (kind and times are
// the kernel's to set).
void postmortem_wait_capture(struct postmortem_wait *w, const struct vm *vm);

// Names for reports: "zero", "outside the stack", ...; "never ran", "idle", ...
const char *postmortem_walk_end_name(enum postmortem_walk_end e);
const char *postmortem_wait_name(enum postmortem_wait_kind k);

#endif
