// SPDX-License-Identifier: MIT
// The control interface into the core (ctl.c; docs/design.md "Controlling a run"): stop
// a run between two instructions of one VM, single-step one VM, run until a breakpoint
// or a watchpoint, and inspect and change registers and guest memory. The gdb stub
// (src/gdb) is its client; the view's pause/step keys and reverse execution would be
// others.
//
// How it works. A client attaches to one machine (ctl_attach) with two callbacks:
//   stop(ctx, k, st)  the run stopped (why: st). Simulated time is frozen for every
//                     machine until it returns: it runs on the machine's thread, inside
//                     the run, and nothing else of the run moves meanwhile. It may read
//                     and change state with the accessors below and set what stops the
//                     run next (breakpoints, watchpoints, ctl_step, ctl_request_stop).
//   poll(ctx, k)      between slices (every dispatch-loop iteration): the client looks
//                     for requests (gdb's Ctrl-C) and may call ctl_request_stop; true
//                     ends the run there (KERNEL_END_INTERRUPTED, as kernel_ctl's poll).
//                     It must not change the run otherwise.
// While a breakpoint or watchpoint is set, a step is pending or a stop is requested,
// the VMs concerned run through the instruction slow path (tracestep.c: one instruction
// at a time through the same handlers, with the fast path's block boundaries and budget
// checks), which checks them between instructions; with none of these the only cost is
// one branch per cpu_run, and nothing inside the instruction loop. Breakpoints never
// appear in guest memory. Stopping and resuming never changes the run: a client that
// only reads (and resumes) leaves the results and the digest exactly as without it.
//
// Stops (enum ctl_why):
//   REQUEST  before the next instruction of whichever VM runs next (ctl_request_stop)
//   BREAK    before the instruction at a breakpoint address (any VM of the machine)
//   STEP     VM v retired one instruction (ctl_step): before its next instruction (if
//            that instruction ends its slice, the other VMs take their turns first, as
//            they would without a debugger: no VM ever runs out of turn)
//   WATCH    after an instruction that changed the bytes of a write watchpoint, or whose
//            explicit memory operand (a ModRM operand or MOV's moffs, taken as 4 bytes)
//            touched a read or access watchpoint (the stack of PUSH/POP/CALL/RET and
//            string instructions' operands are not seen; read and access are the same)
//   FAULT    a guest fault is about to kill VM v (no exception handler): registers and
//            memory are still there; EIP is the faulting instruction's
//   HALT     before an instruction of the VM ctl_halt names
//   END      VM v has just ended (terminated or killed; exit: its enum vm_state), only
//            when the client asked for them (ctl_report_ends): gdb's thread events
// A VM that ends while stepped does not stop the run (it stays listed, TERMINATED).
#ifndef DENALI_VMM_CTL_H
#define DENALI_VMM_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu.h"

struct kernel;
struct vm;

// Kinds of stop points: the numbers of gdb's Z packets.
enum ctl_point_kind {
	CTL_BREAK = 0,        // execution at addr
	CTL_WATCH_WRITE = 2,  // [addr, addr + len) changes
	CTL_WATCH_READ = 3,   // an instruction's memory operand reads it (or touches it)
	CTL_WATCH_ACCESS = 4, // an instruction's memory operand touches it
};

#define CTL_MAX_POINTS 64
#define CTL_MAX_WATCH_LEN 64 // bytes of one watchpoint

enum ctl_why {
	CTL_STOP_REQUEST = 0,
	CTL_STOP_BREAK,
	CTL_STOP_STEP,
	CTL_STOP_WATCH,
	CTL_STOP_FAULT,
	CTL_STOP_HALT,
	CTL_STOP_END,
};

struct ctl_stop {
	uint8_t why;        // enum ctl_why
	uint32_t vm;        // the VM that stopped
	uint32_t addr;      // WATCH: the watchpoint's address; FAULT: cpu.fault.addr
	uint8_t watch;      // WATCH: its kind (enum ctl_point_kind)
	uint8_t exit;       // FAULT: CPU_EXIT_FAULT or CPU_EXIT_INT (vector: cpu.fault)
};

struct ctl_client {
	void (*stop)(void *ctx, struct kernel *k, const struct ctl_stop *st);
	bool (*poll)(void *ctx, struct kernel *k); // may be NULL
	void *ctx;
};

struct ctl_point {
	uint32_t addr, len;
	uint8_t kind;       // enum ctl_point_kind
	uint8_t old[CTL_MAX_WATCH_LEN]; // WRITE: the bytes before the current instruction
	uint32_t got;       // WRITE: how many of them are readable
};

struct ctl {
	struct ctl_client cl;
	struct ctl_point pts[CTL_MAX_POINTS];
	uint32_t npts, nbreak, nwatch;
	int64_t step_vm;    // the VM ctl_step asked for, or -1
	int64_t halt_vm[2]; // ctl_halt: stop before every instruction of these VMs, or -1
	bool step_done;     // ... it retired its instruction: stop before its next one
	bool stop_req;      // stop before the next instruction of any VM
	int64_t skip_vm;    // a VM that stopped before eip skip_eip: no breakpoint stop
	uint32_t skip_eip;  // there on its next instruction (the stop was reported)
	uint64_t now;       // during a stop: the simulated time (cycles)
	bool in_stop;       // a stop callback runs
	bool report_ends;   // stop when a VM ends (ctl_report_ends)
};

// Attaches a client to machine k (one per machine). Returns 0, or -1 (out of memory,
// or a client is attached already).
int ctl_attach(struct kernel *k, const struct ctl_client *cl);
// Detaches it: every stop point and request goes; the run goes on as without it.
void ctl_detach(struct kernel *k);

// Stop points. Insert returns 0, or -1 (full, bad length, a watch of more than
// CTL_MAX_WATCH_LEN bytes). Inserting one that exists is no error; so is removing one
// that does not.
int ctl_insert(struct kernel *k, enum ctl_point_kind kind, uint32_t addr, uint32_t len);
void ctl_remove(struct kernel *k, enum ctl_point_kind kind, uint32_t addr, uint32_t len);
void ctl_clear(struct kernel *k);
// Stop after VM vm retires its next instruction (-1: no step). A VM that has ended
// never steps.
void ctl_step(struct kernel *k, int64_t vm);
// Stop before the next instruction any VM runs.
void ctl_request_stop(struct kernel *k);
// Whether a VM's end stops the run (END stops).
void ctl_report_ends(struct kernel *k, bool on);
// Stop before every instruction VMs vm and vm2 run (-1: none), as HALT stops, until
// changed: reverse execution (src/gdb/history.c) replays VMs instruction by instruction
// so. The instruction a stop was reported before runs when the client returns.
void ctl_halt(struct kernel *k, int64_t vm, int64_t vm2);

// What a client may read and change (call during a stop, or before the run).
// The simulated time of the stop, in cycles.
uint64_t ctl_time(const struct kernel *k);
// The VM's registers (r[8] general, eip, eflags evaluated), or NULL for a bad id.
const struct cpu *ctl_cpu(const struct kernel *k, uint32_t vm);
// Sets general register r (enum cpu_reg), 8 = EIP, 9 = EFLAGS. Returns 0, or -1 (bad
// VM, a VM that has ended or not started).
int ctl_set_reg(struct kernel *k, uint32_t vm, unsigned r, uint32_t value);
// Reads guest memory as the guest would see it without touching anything (mem_peek):
// returns the bytes read before the first hole (0 for a VM without memory).
uint32_t ctl_read(const struct kernel *k, uint32_t vm, uint32_t addr, void *buf,
		  uint32_t len);
// Writes guest memory as a guest store would: copy-on-write, and decoded code of the
// bytes forgotten (mem_copyout). Returns 0, or -1 (a hole, or the VM has no memory).
int ctl_write(struct kernel *k, uint32_t vm, uint32_t addr, const void *buf,
	      uint32_t len);

// A VM's state for a debugger.
enum ctl_vm_state {
	CTL_VM_NEW = 0,     // not yet started (no memory yet)
	CTL_VM_RUNNING,     // in the CPU
	CTL_VM_RUNNABLE,
	CTL_VM_IDLE,
	CTL_VM_SWAPPED,     // idle, waiting for the swap disk
	CTL_VM_TERMINATED,
	CTL_VM_KILLED,
	CTL_VM_ENDED,       // the run ended (hung or stopped)
};
enum ctl_vm_state ctl_vm_state(const struct kernel *k, uint32_t vm);
const char *ctl_vm_state_name(enum ctl_vm_state s);

// For the kernel (kernel.c, tracestep.c): whether VM vm must run through the slow path.
static inline bool ctl_wants(const struct ctl *c, uint32_t vm)
{
	return c && (c->npts || c->stop_req || c->step_vm == (int64_t)vm ||
		     c->halt_vm[0] == (int64_t)vm || c->halt_vm[1] == (int64_t)vm);
}
// Before instruction at c->eip of vm (at simulated time now): stops when asked to.
void ctl_before(struct kernel *k, struct vm *vm, uint64_t now);
// After an instruction of vm (it exited with e): watchpoints and steps. di: its
// decoding (NULL: it did not decode), bytes: its first bytes (len of them), regs: the
// general registers before it.
void ctl_after(struct kernel *k, struct vm *vm, enum cpu_exit e, uint64_t now,
	       const struct cpu_decoded_info *di, const uint8_t *bytes, uint32_t len,
	       const uint32_t *regs);
// A guest fault is about to kill vm.
void ctl_fault(struct kernel *k, struct vm *vm, enum cpu_exit e);
// vm has just ended (its state says how), its memory not yet released.
void ctl_vm_ended(struct kernel *k, struct vm *vm);
// Snapshots the write watchpoints' bytes (before an instruction).
void ctl_watch_snapshot(struct kernel *k, struct vm *vm);

#endif
