// SPDX-License-Identifier: MIT
// The Denali guest ABI: addresses, virtual registers, instruction encodings and PIO
// ports. Shared by the kernel (src/vmm, src/devices) and guests (guests/libos).
// docs/isa.md is the normative description; this header must match it.
// Plain C99, no host headers beyond <stdint.h>, so it builds freestanding with -m32.
#ifndef DENALI_ABI_H
#define DENALI_ABI_H

#include <stdint.h>

// --- Address space (docs/isa.md "Address space") ---------------------------------
// 0x00000000-0x00000fff  unmapped: any access raises #PF (NULL dereference)
// 0x00001000-0x00001fff  the virtual-register page (struct denali_vregs)
// 0x00002000-mem_size    guest memory, allocated on first touch
// mem_size-0xbfffffff    unmapped: #PF
// 0xc0000000-0xffffffff  the kernel's region: never accessible, #PF
#define DENALI_VREGS_ADDR 0x00001000u
#define DENALI_MEM_BASE 0x00002000u
#define DENALI_LOAD_MIN 0x00002000u   // lowest address an image may load at
#define DENALI_KERNEL_BASE 0xc0000000u
#define DENALI_MEM_MAX 0xc0000000u    // largest memory size
#define DENALI_MEM_MIN (64u * 1024u)  // smallest memory size
#define DENALI_MEM_DEFAULT (4u * 1024u * 1024u)

// --- Virtual registers (docs/isa.md "Virtual registers") -------------------------
// One page at DENALI_VREGS_ADDR, ordinary memory shared with the kernel. RO fields are
// rewritten by the kernel whenever the VM is entered; guest writes to them are lost.
#define DENALI_VREGS_MAGIC 0x494c4e44u // "DNLI" in little-endian bytes
#define DENALI_ABI_VERSION 1u
struct denali_vregs {
	uint32_t magic;        // 0x00 RO DENALI_VREGS_MAGIC
	uint32_t abi_version;  // 0x04 RO DENALI_ABI_VERSION
	uint32_t vm_id;        // 0x08 RO this VM's number, 0-based
	uint32_t cpu_khz;      // 0x0c RO modelled CPU clock in kHz (1700000)
	uint32_t mem_size;     // 0x10 RO bytes of guest memory (top of the address space)
	uint32_t reserved0;    // 0x14
	uint64_t time_ns;      // 0x18 RO simulated time at the last VM entry, ns
	uint32_t int_enable;   // 0x20 RW 1: virtual interrupts may be delivered
	uint32_t int_pending;  // 0x24 RW0C pending-interrupt bitmask (bit n = line n); clearing
	                       //      a bit acknowledges it (docs/isa.md 8.4)
	uint32_t int_handler;  // 0x28 RW guest address of the interrupt handler, 0 = none
	uint32_t exc_handler;  // 0x2c RW guest address of the exception handler, 0 = none
	uint8_t mac[6];        // 0x30 RO the NIC's MAC address
	uint16_t reserved1;    // 0x36
	uint32_t ipv4;         // 0x38 RO configured IPv4 address (network order), 0 = none
	uint32_t reserved2;    // 0x3c
	uint64_t boot_time_ns; // 0x40 RO simulated time when the VM booted
	uint32_t fault_addr;   // 0x48 RO the address of the last #PF delivered to exc_handler
	uint32_t cmdline_len;  // 0x4c RO bytes of the command line at DENALI_CMDLINE_ADDR
	uint64_t tsc_at_entry; // 0x50 RO this VM's RDTSC value at the last VM entry: the
	                       //      current time is time_ns + (RDTSC - tsc_at_entry) *
	                       //      1000000 / cpu_khz (docs/isa.md 6)
	uint32_t machine_id;   // 0x58 RO the simulated machine this VM runs on, 0-based
	uint32_t machine_vms;  // 0x5c RO the number of VMs on this machine
};

// The command line (`denali run --args`, `--client-args`): a NUL-terminated string of at
// most DENALI_CMDLINE_MAX bytes (NUL excluded) in the upper half of the virtual-register
// page, written once at boot. Words are separated by spaces; libos crt0 turns it into
// main's argv (argv[0] is the image's name, "guest").
#define DENALI_CMDLINE_ADDR (DENALI_VREGS_ADDR + 0x800u)
#define DENALI_CMDLINE_MAX 2047u

// --- Denali instructions (docs/isa.md "Denali instructions") ---------------------
// Both use the escape 0F 0C followed by one immediate byte. Compilers never emit it.
//   0F 0C 00   idle-with-timeout: sleep until an interrupt or EDX:EAX ns pass
//              (EDX:EAX = 0xffffffff_ffffffff: no timeout)
//   0F 0C 01   terminate: end this VM with exit code EAX
// Any other immediate raises #UD.
#define DENALI_OP_IDLE 0x00
#define DENALI_OP_TERMINATE 0x01

// --- Interrupt lines (docs/isa.md "Interrupts") ------------------------------------
// Bit n of int_pending is line n.
#define DENALI_IRQ_TIMER 0    // the one-shot timer expired
#define DENALI_IRQ_NIC_RX 1   // the NIC's receive queue became non-empty
#define DENALI_IRQ_DISK 2     // a disk request completed
#define DENALI_IRQ_CONSOLE 3  // console input is available
#define DENALI_IRQ_LINES 32

// --- PIO ports (docs/isa.md "Devices") -------------------------------------------
// A PIO is IN or OUT on the port in DX (or an immediate port). Arguments are in
// registers; IN returns a result in EAX. One PIO per operation.
#define DENALI_PORT_DEBUGCON 0x00e9   // OUT: write AL to the console (Bochs convention)
#define DENALI_PORT_CONSOLE_WRITE 0x0100 // ESI = buffer, ECX = length; EAX <- bytes or -1
// Console input (docs/isa.md 9.4), when the run was given some (--console-in): EDI =
// buffer, ECX = capacity; EAX <- bytes read (at most 4096), 0 = none left, or -1 when the
// buffer is not all in guest memory. DENALI_IRQ_CONSOLE is raised once input is there.
#define DENALI_PORT_CONSOLE_READ 0x0101
#define DENALI_PORT_TIMER 0x0130      // IN/OUT: timer deadline ECX:EAX ns (0 = cancel)

// Results (docs/isa.md 9.5): named statistics that go into the run's summary, per
// machine, summed over its VMs. IN; ESI = name, ECX = name length (1..32 bytes of
// [A-Za-z0-9_.-]), EBX:EDI = the 64-bit value (unsigned); EAX <- 0 or an error.
// STAT_ADD adds to a counter; STAT_SAMPLE records one sample (e.g. a latency in ns) in
// a histogram (count, sum, min, max, percentiles). For one VM a name is one kind or the
// other, and a VM uses at most DENALI_STATS_PER_VM names; other VMs never change what a
// VM's reports return.
#define DENALI_PORT_STAT_ADD 0x0140
#define DENALI_PORT_STAT_SAMPLE 0x0141
#define DENALI_STAT_NAME_MAX 32u
#define DENALI_STATS_PER_VM 64u
#define DENALI_STAT_ERR_FAULT 0xffffffffu // name not all in guest memory
#define DENALI_STAT_ERR_NAME 0xfffffffeu  // empty, too long, or a bad character
#define DENALI_STAT_ERR_FULL 0xfffffffdu  // this VM used DENALI_STATS_PER_VM names already
#define DENALI_STAT_ERR_KIND 0xfffffffcu  // this VM used the name as the other kind

// The NIC (docs/isa.md 9, docs/devices.md). IN or OUT; results in EAX. 0x113-0x11f are
// reserved (IN reads 0, OUT is ignored, counted as unknown PIOs).
#define DENALI_PORT_NIC_SEND 0x0110   // ESI = frame, ECX = length; EAX <- 0 or error
#define DENALI_PORT_NIC_RECV 0x0111   // EDI = buffer, ECX = capacity; EAX <- length,
                                      //   0 = queue empty, or error (frame stays queued)
#define DENALI_PORT_NIC_STATUS 0x0112 // EAX <- frames in the receive queue
#define DENALI_NIC_FRAME_MIN 14u      // an Ethernet header
#define DENALI_NIC_FRAME_MAX 1514u    // MTU 1500 + the 14-byte header, no FCS
#define DENALI_NIC_ERR_FAULT 0xffffffffu  // buffer not all in guest memory
#define DENALI_NIC_ERR_LENGTH 0xfffffffeu // NIC_SEND length outside 14..1514
#define DENALI_NIC_ERR_SMALL 0xfffffffdu  // NIC_RECV capacity below the frame's length

// Disks (docs/isa.md 9). Up to 4 per VM (ECX = 0..3), 4096-byte blocks, asynchronous:
// READ/WRITE return a request id (1, 2, ...) at once; completion raises
// DENALI_IRQ_DISK and DISK_DONE collects it. 0x124-0x12f are reserved.
#define DENALI_PORT_DISK_READ 0x0120  // ECX = disk, EBX = block, EDI = buffer; EAX <- id
#define DENALI_PORT_DISK_WRITE 0x0121 // ECX = disk, EBX = block, ESI = buffer; EAX <- id
#define DENALI_PORT_DISK_DONE 0x0122  // EAX <- oldest completed id (0: none), ECX <- status
#define DENALI_PORT_DISK_INFO 0x0123  // ECX = disk; EAX <- blocks (0: none), ECX <- 1 if RO
#define DENALI_DISK_BLOCK 4096u
#define DENALI_DISK_PER_VM 4u
#define DENALI_DISK_OUTSTANDING 64u   // requests queued or uncollected per VM
#define DENALI_DISK_ERR_FAULT 0xffffffffu  // buffer not all in guest memory
#define DENALI_DISK_ERR_RANGE 0xfffffffeu  // block past the end of the disk
#define DENALI_DISK_ERR_RDONLY 0xfffffffdu // write to a read-only disk
#define DENALI_DISK_ERR_NODISK 0xfffffffcu // no disk with that number
#define DENALI_DISK_ERR_BUSY 0xfffffffbu   // DENALI_DISK_OUTSTANDING requests already
#define DENALI_DISK_ERR_IO 0xfffffffau     // the host file failed (completion status)

// --- Exception and interrupt frames (docs/isa.md 8.2, 8.5) ----------------------
// Exception frame, from the new ESP up: vector, error code, EIP, CS, EFLAGS (20 bytes);
// delivery clears int_enable, so the handler restores the interrupted code's setting
// (which the guest must track itself) and returns with `add esp, 8; iret` (docs/isa.md
// 8.2 has a complete handler). Interrupt frame: pending mask, EIP, CS, EFLAGS (16
// bytes); the handler sets int_enable = 1 and returns with `add esp, 4; iret`.
#define DENALI_FRAME_CS 0x1bu
#define DENALI_EXC_FRAME_BYTES 20u
#define DENALI_INT_FRAME_BYTES 16u

#endif
