// SPDX-License-Identifier: MIT
// The GDB remote protocol's commands (stub.c; docs/debugging.md): one machine's VMs as
// gdb threads (thread id = VM id + 1), an i386 target description, registers, memory,
// breakpoints and watchpoints, continue and step, and `monitor` commands, all through
// the control interface (vmm/ctl.h). Packets come from rsp.h already framed and
// checksummed; they are untrusted: every field is checked, every reply is bounded.
// The transport (sockets, when to block) is server.c's.
#ifndef DENALI_GDB_STUB_H
#define DENALI_GDB_STUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/ctl.h"

struct kernel;

// `monitor checkpoint FILE` (the front end's: the gdb layer writes no files): asks for a
// checkpoint of the run into path; writes one line for gdb into msg (saying when it is
// written, or why not). Returns 0, or -1 when refused.
typedef int (*gdb_ckpt_fn)(void *ctx, const char *path, char *msg, size_t len);

// Room for any reply: hex of RSP_MAX_PACKET / 2 bytes of memory, and a little more.
#define GDB_REPLY_MAX 4200

enum gdb_act {
	GDB_REPLY = 0, // send the reply
	GDB_RESUME,    // the run goes on (continue or step set up); reply at the next stop
	GDB_DETACH,    // send the reply ("OK"), then drop the connection; the run goes on
	GDB_KILL,      // no reply; end the run
	GDB_REVERSE,   // go back (rev_kind, rev_vm): the server asks the history (history.h)
};

struct gdb_stub {
	struct kernel *k;
	int64_t gvm, cvm;      // Hg and Hc: the VM for registers/memory and for steps,
			       // or -1 (the current thread)
	uint32_t cur;          // the current thread's VM (the last stop's)
	struct ctl_stop last;  // the last stop
	bool have_stop;        // last is valid (else the run has not stopped yet)
	bool intr;             // the last REQUEST stop came from gdb's Ctrl-C
	bool ended;            // the run has ended: `?` and resumes report status
	int status;            // ... denali's exit status
	int signal;            // ... or the signal that ended it (0: none)
	uint32_t list_next;    // qsThreadInfo: the next VM to list
	bool noack;            // QStartNoAckMode was accepted
	bool reverse_ok;       // reverse execution is offered (history.h)
	char rev_kind;         // GDB_REVERSE: 's' (bs) or 'c' (bc)
	uint32_t rev_vm;       // ... the VM to step back
	bool rev_begin;        // the next stop reply says the history begins there
	bool thread_events;    // QThreadEvents:1: a VM's end is reported (w)
	gdb_ckpt_fn ckpt;      // monitor checkpoint (NULL: not offered)
	void *ckpt_ctx;
};

void gdb_stub_init(struct gdb_stub *s, struct kernel *k);
// Handles one packet (NUL-terminated, len bytes: X packets hold binary data). Writes
// the reply's data (unframed) into out (GDB_REPLY_MAX bytes) and its length to *olen.
enum gdb_act gdb_stub_packet(struct gdb_stub *s, const char *pkt, size_t len, char *out,
			     size_t *olen);
// The stop reply for the last stop (T.., or W/X once the run has ended).
size_t gdb_stub_stop_reply(const struct gdb_stub *s, char *out);
// The thread-exit reply (w) for VM vm's end (an END stop).
size_t gdb_stub_exit_reply(const struct gdb_stub *s, uint32_t vm, char *out);

#endif
