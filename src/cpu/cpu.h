// SPDX-License-Identifier: MIT
// The public interface of the IA-32 interpreter.
//
// The CPU knows registers, decoding, execution, cycle costs and a memory interface.
// It knows nothing of VMs, devices or scheduling: the caller (src/vmm) supplies a
// page-mapping callback (struct cpu_mem) and reacts to the exit cpu_run() returns.
//
// Two kinds of state:
//   struct cpu       one per virtual CPU: architectural registers, lazy flags and the
//                    cycle/instruction counters. Small (about 100 bytes); no pointers
//                    into host memory, so a VM can be swapped or copied freely.
//   struct cpu_exec  one per host thread: the software TLB, the decoded-instruction
//                    cache (shared by every VM that runs the same host code page), and
//                    statistics. It runs one struct cpu at a time.
// The decoder is in decode.c, the run loop in exec.c, flags in flags.c, costs in cost.c.
#ifndef DENALI_CPU_CPU_H
#define DENALI_CPU_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// Version of the cycle cost table (cost.c, docs/timing.md). Results record it.
#define CPU_COST_TABLE_VERSION 1

#define CPU_PAGE_SIZE 4096u
#define CPU_PAGE_MASK 0xfffff000u

// General registers, in x86 encoding order.
enum cpu_reg { CPU_EAX, CPU_ECX, CPU_EDX, CPU_EBX, CPU_ESP, CPU_EBP, CPU_ESI, CPU_EDI };

// EFLAGS bits.
#define CPU_CF 0x0001u
#define CPU_PF 0x0004u
#define CPU_AF 0x0010u
#define CPU_ZF 0x0040u
#define CPU_SF 0x0080u
#define CPU_TF 0x0100u
#define CPU_IF 0x0200u
#define CPU_DF 0x0400u
#define CPU_OF 0x0800u
#define CPU_ID 0x200000u
// The arithmetic flags the SDM defines per instruction.
#define CPU_ARITH_FLAGS (CPU_CF | CPU_PF | CPU_AF | CPU_ZF | CPU_SF | CPU_OF)
// Bits a guest can change with POPF/IRET (docs/isa.md "Flags"), as in x86 user mode
// with IOPL 0: the arithmetic flags, DF, NT, AC and ID. IF and IOPL keep their values;
// TF is not writable (no single-step traps).
#define CPU_POPF_MASK (CPU_ARITH_FLAGS | CPU_DF | 0x4000u | 0x40000u | CPU_ID)

// Exception vectors (x86 numbering).
enum cpu_vector {
	CPU_VEC_DE = 0,  // divide error
	CPU_VEC_DB = 1,  // debug (unused)
	CPU_VEC_BP = 3,  // INT3 breakpoint (a trap: EIP is after the instruction)
	CPU_VEC_OF = 4,  // INTO with OF set (a trap)
	CPU_VEC_BR = 5,  // BOUND range exceeded
	CPU_VEC_UD = 6,  // invalid opcode
	CPU_VEC_GP = 13, // general protection: privileged instruction
	CPU_VEC_PF = 14, // page fault: access outside the VM's memory
};

// Why cpu_run() returned.
enum cpu_exit {
	CPU_EXIT_BUDGET = 0, // the cycle budget is spent (checked at block ends)
	CPU_EXIT_PIO,        // IN or OUT: see cpu.pio; EIP is after the instruction
	CPU_EXIT_IDLE,       // Denali idle-with-timeout; EIP is after it
	CPU_EXIT_TERMINATE,  // Denali terminate; EIP is after it
	CPU_EXIT_HLT,        // HLT; EIP is after it (docs/isa.md: idle without timeout)
	CPU_EXIT_FAULT,      // an exception: see cpu.fault; EIP as the vector defines
	CPU_EXIT_INT,        // INT n (n in cpu.fault.vector); EIP is after it
	CPU_EXIT_STEP,       // cpu_step() executed its one instruction
};

// Kinds of memory access, for struct cpu_mem.map.
enum cpu_access { CPU_ACC_READ = 1, CPU_ACC_WRITE = 2, CPU_ACC_EXEC = 4 };

// A programmed I/O request (IN/OUT). The CPU does not perform it: the caller does,
// and for IN writes the result into the low `size` bytes of EAX (cpu_pio_complete).
struct cpu_pio {
	uint16_t port;
	uint8_t size; // 1, 2 or 4 bytes
	bool is_in;   // IN (true) or OUT (false)
	uint32_t value; // OUT: the value written (AL/AX/EAX)
};

// An exception raised by the guest.
struct cpu_fault {
	uint8_t vector;      // enum cpu_vector, or the n of INT n
	uint32_t error_code; // for #PF: CPU_ACC_* of the access; else 0
	uint32_t addr;       // for #PF: the faulting guest address; else 0
	uint32_t eip;        // EIP of the faulting instruction (also for traps)
};

// Lazy flags: the last flag-setting operation, evaluated on demand (flags.c).
struct cpu_lazy {
	uint32_t res; // result, truncated to the operand size
	uint32_t a;   // first operand (destination before the operation)
	uint32_t b;   // second operand (source); for INC/DEC the old CF in bit 0
	uint8_t op;   // enum lf_op (cpu_internal.h); 0 = flags are all in cpu.eflags
};

// One virtual CPU. Everything a VM needs to resume is here.
struct cpu {
	uint32_t r[9];   // EAX ECX EDX EBX ESP EBP ESI EDI; r[8] is always 0 (no register)
	uint32_t eip;
	uint32_t eflags; // authoritative except for the bits lazy.op covers
	struct cpu_lazy lazy;
	uint64_t cycles;  // simulated cycles consumed (cost table, cost.c)
	uint64_t retired; // instructions retired
	struct cpu_pio pio;     // valid after CPU_EXIT_PIO
	struct cpu_fault fault; // valid after CPU_EXIT_FAULT and CPU_EXIT_INT
};

// What a page of guest memory is, as the memory owner reports it.
struct cpu_page_info {
	uint8_t *host;  // the page's 4096 bytes in host memory
	bool writable;  // false: writes must call map(CPU_ACC_WRITE) again (copy-on-write)
	// With writable false: the page is the VM's own, but its host page is shared with
	// other VMs that hold the same bytes (vmm/pageshare.h). The first write calls
	// map(CPU_ACC_WRITE), which gives the VM a copy; the executor counts that write as
	// no new TLB miss, as if the page had been writable, so sharing changes no count.
	bool shared;
};

// The memory owner's interface. map() translates the page containing `addr` for the
// given access. It returns 0 and fills *pi, or -1 when the access must fault (#PF).
// A write access to a copy-on-write page must make the page private first.
// The owner must call cpu_exec_flush_tlb() whenever a mapping it returned before
// becomes invalid, and cpu_exec_page_freed() before freeing or reusing a host page.
struct cpu_mem {
	int (*map)(void *ctx, uint32_t addr, enum cpu_access acc, struct cpu_page_info *pi);
	void *ctx;
};

// Statistics of one cpu_exec (test-only counters let tests assert fast paths).
struct cpu_exec_stats {
	uint64_t blocks_decoded;
	uint64_t dcache_hits;   // block lookups served from the decode cache
	uint64_t dcache_misses;
	uint64_t tlb_misses;
	uint64_t smc_invalidations; // code pages reset by a guest write into decoded code
	uint64_t smc_exits;         // blocks ended early by a write into their own code
	uint64_t code_resets;       // code pages reset (guest writes and device writes)
	uint64_t dcache_drops;      // whole-cache drops at the dcache_max_bytes bound
	uint64_t dcache_bytes;      // host bytes the decode cache holds now
	uint64_t slow_accesses;     // memory accesses that took the slow path
	// Decoded-code allocations that failed (host out of memory). Each ends cpu_run at
	// once with a #PF on the instruction fetch; the caller tells it from a guest fault
	// by this count changing, and must not hand it to the guest.
	uint64_t host_oom;
};

struct cpu_exec;

// Options for a cpu_exec. block_max_insns bounds how many instructions a decoded block
// holds (1..64; test builds use small values to force preemption points).
// dcache_max_bytes bounds the host memory of decoded code; past it the cache is
// dropped and refilled as code runs (no result depends on it; tests use small values).
struct cpu_exec_opts {
	int block_max_insns;     // 0 = default (32)
	size_t dcache_max_bytes; // decode cache bound; 0 = default (128 MiB)
};

// Creates an executor. Returns NULL when out of memory.
struct cpu_exec *cpu_exec_new(const struct cpu_exec_opts *opts);
void cpu_exec_free(struct cpu_exec *x);
// Forgets every TLB entry (call when any mapping changes, or on a VM switch).
void cpu_exec_flush_tlb(struct cpu_exec *x);
// Drops decoded code for a host page that is about to be freed or reused.
void cpu_exec_page_freed(struct cpu_exec *x, const uint8_t *host_page);
// Says that bytes [off, off + len) of a host page changed behind the CPU's back (a
// device or the kernel wrote guest memory): decoded code there is forgotten, so the
// new bytes run. Call it outside cpu_run (or from within a map() callback).
void cpu_exec_code_written(struct cpu_exec *x, const uint8_t *host_page, unsigned off,
			   unsigned len);
// The memory owner moved guest page gaddr of the VM whose entries the TLB holds from
// shared host page `from` to its own copy `to` (same bytes): a TLB entry for it now
// points there and, since the page is now writable, may take writes (no flush, so no
// count changes).
void cpu_exec_page_moved(struct cpu_exec *x, uint32_t gaddr, const uint8_t *from,
			 uint8_t *to);
// Whether the decode cache holds code of this host page.
bool cpu_exec_has_code(struct cpu_exec *x, const uint8_t *host_page);
const struct cpu_exec_stats *cpu_exec_stats(const struct cpu_exec *x);
// Host memory of the executor (the TLBs and the decode cache) in bytes, and the number
// of host code pages with decoded code (for host-memory accounting; docs/memory.md).
uint64_t cpu_exec_host_bytes(const struct cpu_exec *x, uint64_t *code_pages);

// The data TLB's contents by guest page, for checkpoints (tlb.c): the cost model
// charges a context switch's cache refill by TLB misses, so a run resumed from a
// checkpoint must start with the same entries. page[i] is entry i's guest page (or an
// invalid tag, 0xffc); write[i] says how writes through it go.
#define CPU_TLB_ENTRIES 256u
enum { CPU_TLB_W_NONE = 0, CPU_TLB_W_FAST, CPU_TLB_W_CHECKED, CPU_TLB_W_SHARED };
struct cpu_tlb_state {
	uint32_t page[CPU_TLB_ENTRIES];
	uint8_t write[CPU_TLB_ENTRIES];
};
void cpu_exec_tlb_save(const struct cpu_exec *x, struct cpu_tlb_state *s);
// Refills the TLB for CPU c and memory `mem` from s, translating each page again with
// map(READ) (which must not change what the guest sees), counting no miss. Returns 0,
// or -1 when s does not fit the memory (untrusted input; the TLB is then empty).
int cpu_exec_tlb_load(struct cpu_exec *x, const struct cpu *c, const struct cpu_mem *mem,
		      const struct cpu_tlb_state *s);

// Whether a struct cpu read from outside (a checkpoint) is one the interpreter can run:
// its lazy-flag record names a known operation and operand size (flags.c).
bool cpu_state_valid(const struct cpu *c);

// Sets a CPU to the documented reset state (docs/isa.md "Initial state").
void cpu_reset(struct cpu *c, uint32_t eip, uint32_t esp);

// Runs `c` until it exits or its cycle budget is spent. The budget is checked at
// block ends and taken branches, so a run may overshoot it by one block.
// Updates c->cycles and c->retired exactly.
enum cpu_exit cpu_run(struct cpu_exec *x, struct cpu *c, const struct cpu_mem *mem,
		      int64_t budget_cycles);
// Executes exactly one instruction (a REP string instruction runs to completion).
// Returns CPU_EXIT_STEP, or the exit the instruction caused.
enum cpu_exit cpu_step(struct cpu_exec *x, struct cpu *c, const struct cpu_mem *mem);

// For tracers: cpu_run, one instruction at a time, with the same results. cpu_step with
// a budget: a REP string instruction stops when it is spent, as it would in cpu_run.
enum cpu_exit cpu_step_budget(struct cpu_exec *x, struct cpu *c, const struct cpu_mem *mem,
			      int64_t budget_cycles);
// The number of instructions in the block cpu_run would run next at c->eip (decoding it
// as cpu_run would, so the decode cache and TLBs end up the same), and in *last_ends
// whether its last instruction ends blocks by itself (a branch, a string instruction,
// a PIO...) rather than the block's size or page end. 0 when the code cannot be fetched
// (cpu_run would raise #PF). A tracer steps that many instructions with
// cpu_step_budget and checks the budget only after the last, as cpu_run does; after an
// instruction that wrote into the rest of its own block (cpu_exec_stats smc_exits moved:
// a write into other decoded code, smc_invalidations alone, does not end the block) the
// block ends there and, unless that instruction was the last and *last_ends, the next
// block starts without a budget check (docs/design.md "Instructions are traced by a
// slow path"). cpu_step_budget knows the block cpu_block_info reported last, so its
// instructions see "the rest of the block" as cpu_run does; cpu_run and cpu_step
// forget it.
int cpu_block_info(struct cpu_exec *x, struct cpu *c, const struct cpu_mem *mem,
		   bool *last_ends);

// Completes an IN: writes `value` into the low pio.size bytes of EAX.
void cpu_pio_complete(struct cpu *c, uint32_t value);

// EFLAGS with the lazy bits evaluated.
uint32_t cpu_get_eflags(const struct cpu *c);
// Replaces EFLAGS (the caller's value, bit 1 forced to 1).
void cpu_set_eflags(struct cpu *c, uint32_t eflags);

// The decoder, for tools and tests (decode.c).
struct cpu_decoded_info {
	int len;           // instruction length in bytes; 0 if invalid
	bool valid;        // false: executing it raises #UD
	bool has_mem;      // has a memory operand (ModRM form)
	bool addr16;       // 67 prefix: 16-bit addressing (base + index + disp wraps at 64 KiB)
	int mem_base;      // register number, or -1
	int mem_index;     // register number, or -1
	int mem_scale;     // 1, 2, 4, 8
	uint32_t mem_disp;
	int seg_prefix;    // 0..5 (ES CS SS DS FS GS) or -1
	const char *name;  // the decoder's op name, as in CPU_OPS ("ADDD_RR", "IDLE")
};
// Decodes the instruction at bytes[0..avail). Returns the length, or 0 when the bytes
// are not a valid instruction of the subset (docs/isa.md), or -1 when `avail` is too
// short to hold the instruction.
int cpu_decode_info(const uint8_t *bytes, size_t avail, struct cpu_decoded_info *out);

// Writes a disassembly of the instruction at bytes into buf (Capstone, plus the
// Denali instructions by name). Returns buf.
char *cpu_disasm(const uint8_t *bytes, size_t avail, uint32_t eip, char *buf, size_t bufsz);

// The CPUID values we report (docs/isa.md "CPUID").
void cpu_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

const char *cpu_exit_name(enum cpu_exit e);

#endif
