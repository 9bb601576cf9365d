// SPDX-License-Identifier: MIT
// Reports on VMs that did not end well (vmreport.c), from what the kernel captured
// (vmm/postmortem.h), with the image's symbols and Capstone: for a killed VM the
// registers, EFLAGS decoded, the faulting instruction, function+offset, a
// frame-pointer backtrace and the last branch targets; for a hung or stopped VM its
// EIP, function and what it waits for. As text (stderr) and as JSON (summary.json).
//
// The backtrace starts at the faulting EIP. Its first caller comes from the stack when
// the fault is at a function's first instruction (return address at [ESP]) or right
// after its `push ebp` ([ESP + 4]), else from the frame chain; each further caller is
// the next frame's return address. It stops where the chain stops (postmortem.h) or at
// a return address outside the image's code.
#ifndef DENALI_TRACE_VMREPORT_H
#define DENALI_TRACE_VMREPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

struct dis;
struct image;
struct postmortem;
struct postmortem_wait;

#define VMREPORT_MAX_FRAMES 18 // EIP, the first caller and POSTMORTEM_FRAMES more

// The call chain of a fault: pcs[0] is the faulting EIP, pcs[1] its caller, ...
struct vmreport_trace {
	uint32_t pcs[VMREPORT_MAX_FRAMES];
	uint32_t n;
	const char *end; // why it stopped, for the reader
};
void vmreport_backtrace(const struct image *img, const struct postmortem *p,
			struct vmreport_trace *t);

// Writes "[ CF ZF IF ]" for eflags into buf. Returns buf.
char *vmreport_eflags(uint32_t eflags, char *buf, size_t len);

// The lines after a killed VM's one-line diagnostic (each starts with two spaces).
// d may be NULL (no disassembly); img gives symbols and code bounds.
void vmreport_fault_text(FILE *f, struct dis *d, const struct image *img,
			 const struct postmortem *p);
// The same as a JSON object (caller owns it).
json_object *vmreport_fault_json(struct dis *d, const struct image *img,
				 const struct postmortem *p, uint32_t cpu_khz);

// What a hung or stopped VM waits for, one phrase: "idle until 2.5 ms (its timeout)".
// hung: the run ended in a deadlock (nothing could wake anyone). now_cycles: the end.
char *vmreport_wait_reason(const struct postmortem_wait *w, bool hung, uint32_t cpu_khz,
			   char *buf, size_t len);
// "at 0x00012345 sched_idle+0x1a (called from poll+0x40): <reason>" into buf.
char *vmreport_wait_line(const struct image *img, const struct postmortem_wait *w,
			 bool hung, uint32_t cpu_khz, char *buf, size_t len);
json_object *vmreport_wait_json(const struct image *img, const struct postmortem_wait *w,
				bool hung, uint32_t cpu_khz);

#endif
