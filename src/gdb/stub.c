// SPDX-License-Identifier: MIT
// GDB remote protocol commands for one machine (stub.h). Registers follow the target
// description below (gdb's i386 core feature: 16 general, instruction pointer, flags and
// segment registers, then the x87 registers, which the Denali ISA does not have and which
// read as zeros). Segment registers read as the flat selectors' constants.
#include "gdb/stub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/rsp.h"
#include "vmm/intr.h"
#include "vmm/image.h"
#include "vmm/kernel.h"
#include "vmm/sched.h"
#include "vmm/vm.h"

// gdb's register numbers: 0-7 general (x86 order), 8 eip, 9 eflags, 10-15 cs ss ds es fs
// gs, 16-23 st0-st7 (10 bytes each), 24-31 fctrl fstat ftag fiseg fioff foseg fooff fop.
#define NREGS 32
#define G_BYTES (16 * 4 + 8 * 10 + 8 * 4)
static const uint32_t seg_value[6] = { 0x1b, 0x23, 0x23, 0x23, 0x23, 0x23 };

static const char tdesc[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
	"<target version=\"1.0\">\n"
	"<architecture>i386</architecture>\n"
	"<feature name=\"org.gnu.gdb.i386.core\">\n"
	"<flags id=\"i386_eflags\" size=\"4\">\n"
	"<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>\n"
	"<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>\n"
	"<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>\n"
	"<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>\n"
	"<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>\n"
	"<field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>\n"
	"<field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>\n"
	"<field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>\n"
	"<field name=\"ID\" start=\"21\" end=\"21\"/>\n"
	"</flags>\n"
	"<reg name=\"eax\" bitsize=\"32\" type=\"int32\" regnum=\"0\"/>\n"
	"<reg name=\"ecx\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"edx\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ebx\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"esp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
	"<reg name=\"ebp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
	"<reg name=\"esi\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"edi\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"eip\" bitsize=\"32\" type=\"code_ptr\"/>\n"
	"<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\"/>\n"
	"<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"es\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"</feature>\n"
	"</target>\n";

void gdb_stub_init(struct gdb_stub *s, struct kernel *k)
{
	memset(s, 0, sizeof *s);
	s->k = k;
	s->gvm = s->cvm = -1;
}

static uint32_t nvms(const struct gdb_stub *s)
{
	return s->k->cfg.nvms;
}

// The VM of a thread id (VM + 1), or -1. tid -1 (all) and 0 (any) mean the current.
static int64_t vm_of_tid(const struct gdb_stub *s, int64_t tid)
{
	if (tid <= 0)
		return s->cur;
	return (uint64_t)tid <= nvms(s) ? tid - 1 : -1;
}

// Parses a thread id: hex, or "-1". Returns 0 or -1.
static int parse_tid(const char **p, const char *end, int64_t *tid)
{
	if (end - *p >= 2 && (*p)[0] == '-' && (*p)[1] == '1') {
		*p += 2;
		*tid = -1;
		return 0;
	}
	uint32_t v;
	if (rsp_parse_u32(p, end, &v) != 0)
		return -1;
	*tid = v;
	return 0;
}

static bool vm_alive(const struct gdb_stub *s, uint32_t vm)
{
	enum ctl_vm_state st = ctl_vm_state(s->k, vm);
	return vm < nvms(s) && st != CTL_VM_TERMINATED && st != CTL_VM_KILLED &&
	       st != CTL_VM_ENDED;
}

// The registers of VM vm in gdb's numbering (a VM not yet started shows its reset state).
static void regs_of(const struct gdb_stub *s, uint32_t vm, uint32_t r[16])
{
	struct cpu c = *ctl_cpu(s->k, vm);
	if (ctl_vm_state(s->k, vm) == CTL_VM_NEW)
		cpu_reset(&c, kernel_vm_image(s->k, vm)->entry, kernel_vm_group(s->k, vm)->mem_size);
	for (int i = 0; i < 8; i++)
		r[i] = c.r[i];
	r[8] = c.eip;
	r[9] = cpu_get_eflags(&c);
	for (int i = 0; i < 6; i++)
		r[10 + i] = seg_value[i];
}

static char *put_u32(char *o, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	return rsp_hex(b, 4, o);
}

static size_t reg_size(unsigned n)
{
	return n >= 16 && n < 24 ? 10 : 4;
}

static size_t reply_str(char *out, const char *s)
{
	size_t n = strlen(s);
	memcpy(out, s, n);
	return n;
}

static int sig_of_stop(const struct gdb_stub *s)
{
	const struct ctl_stop *st = &s->last;
	if (st->why == CTL_STOP_REQUEST)
		return s->intr ? 2 : 5; // SIGINT for gdb's Ctrl-C
	if (st->why != CTL_STOP_FAULT)
		return 5; // SIGTRAP
	const struct cpu *c = ctl_cpu(s->k, st->vm);
	if (st->exit == CPU_EXIT_INT)
		return 11;
	switch (c->fault.vector) {
	case CPU_VEC_DE: return 8;  // SIGFPE
	case CPU_VEC_UD: return 4;  // SIGILL
	case CPU_VEC_BP: return 5;  // SIGTRAP
	default: return 11;         // SIGSEGV: #PF, #GP, #BR, #OF
	}
}

size_t gdb_stub_stop_reply(const struct gdb_stub *s, char *out)
{
	if (s->ended)
		return (size_t)(s->signal ? sprintf(out, "X%02x", s->signal & 0xff)
					  : sprintf(out, "W%02x", s->status & 0xff));
	if (!s->have_stop)
		return (size_t)sprintf(out, "S05");
	int n = sprintf(out, "T%02x", sig_of_stop(s));
	if (s->rev_begin)
		n += sprintf(out + n, "replaylog:begin;");
	if (s->last.why == CTL_STOP_WATCH) {
		const char *kind = s->last.watch == CTL_WATCH_WRITE  ? "watch"
				   : s->last.watch == CTL_WATCH_READ ? "rwatch"
								     : "awatch";
		n += sprintf(out + n, "%s:%x;", kind, s->last.addr);
	}
	n += sprintf(out + n, "thread:%x;", s->last.vm + 1);
	return (size_t)n;
}

size_t gdb_stub_exit_reply(const struct gdb_stub *s, uint32_t vm, char *out)
{
	const struct vm *v = &s->k->vms[vm];
	// A killed VM's status is 128 + SIGSEGV's number, as a shell reports a crash.
	unsigned code = v->state == VM_KILLED ? 128 + 11 : (unsigned)v->exit_code & 0xff;
	return (size_t)sprintf(out, "w%02x;%x", code & 0xff, vm + 1);
}

// monitor commands (qRcmd): the reply is the output, hex-encoded.
static size_t monitor(struct gdb_stub *s, const char *cmd, char *out)
{
	char text[1800];
	size_t n = 0;
	struct kernel *k = s->k;
#define SAY(...)                                                                       \
	do {                                                                           \
		if (n < sizeof text)                                                   \
			n += (size_t)snprintf(text + n, sizeof text - n, __VA_ARGS__); \
	} while (0)
	while (*cmd == ' ')
		cmd++;
	if (!strcmp(cmd, "time")) {
		uint64_t t = ctl_time(k);
		SAY("simulated time %llu ns (%llu cycles at %u kHz), machine %u\n",
		    (unsigned long long)kernel_cycles_to_ns(&k->cfg, t), (unsigned long long)t,
		    k->cfg.cpu_khz, k->cfg.machine_id);
	} else if (!strncmp(cmd, "vregs", 5) && (cmd[5] == '\0' || cmd[5] == ' ')) {
		uint32_t vm = s->cur;
		const char *a = cmd + 5;
		while (*a == ' ')
			a++;
		if (*a) {
			char *e;
			unsigned long v = strtoul(a, &e, 10);
			if (*e || v >= nvms(s)) {
				SAY("monitor vregs: no VM %s (0..%u)\n", a, nvms(s) - 1);
				goto done;
			}
			vm = (uint32_t)v;
		}
		struct denali_vregs vr;
		if (ctl_read(k, vm, DENALI_VREGS_ADDR, &vr, sizeof vr) != sizeof vr) {
			SAY("vm %u: %s, no memory\n", vm, ctl_vm_state_name(ctl_vm_state(k, vm)));
			goto done;
		}
		SAY("vm %u (%s): vm_id %u, time_ns %llu, int_enable %u, int_pending 0x%x, "
		    "int_handler 0x%08x, exc_handler 0x%08x, fault_addr 0x%08x\n",
		    vm, ctl_vm_state_name(ctl_vm_state(k, vm)), vr.vm_id,
		    (unsigned long long)vr.time_ns, vr.int_enable, vr.int_pending, vr.int_handler,
		    vr.exc_handler, vr.fault_addr);
		if (k->iv)
			SAY("  kernel: pending lines 0x%x (raises since the last delivery %u)\n",
			    k->iv[vm].pending, k->iv[vm].count);
	} else if (!strcmp(cmd, "runq")) {
		SAY("running: ");
		if (k->running >= 0)
			SAY("vm %lld\n", (long long)k->running);
		else
			SAY("none\n");
		SAY("queued (%u):", k->sched.len);
		const struct sched *q = &k->sched;
		static const char *const cls[] = { "urgent", "boosted", "normal" };
		if (q->next) { // round robin: the three lists in order
			for (int l = 0; l < 3; l++)
				for (uint32_t id = q->head[l], i = 0;
				     id != SCHED_NONE && i < q->n; id = q->next[id], i++)
					SAY(" %u(%s)", id, cls[l]);
		} else {
			for (uint32_t id = 0; id < q->n; id++)
				if (sched_queued(q, id))
					SAY(" %u", id);
		}
		SAY("\n");
		for (uint32_t i = 0; i < nvms(s) && i < 64; i++)
			SAY("  vm %u: %s\n", i, ctl_vm_state_name(ctl_vm_state(k, i)));
		if (nvms(s) > 64)
			SAY("  (%u more)\n", nvms(s) - 64);
	} else if (!strncmp(cmd, "checkpoint", 10) && (cmd[10] == '\0' || cmd[10] == ' ')) {
		const char *a = cmd + 10;
		while (*a == ' ')
			a++;
		char msg[800];
		if (!s->ckpt)
			SAY("monitor checkpoint: not offered by this run\n");
		else if (!*a)
			SAY("monitor checkpoint: give a file name (monitor checkpoint FILE)\n");
		else {
			s->ckpt(s->ckpt_ctx, a, msg, sizeof msg);
			SAY("%s\n", msg);
		}
	} else if (!strcmp(cmd, "help") || !*cmd) {
		SAY("denali monitor commands:\n"
		    "  monitor time        the simulated time (frozen while gdb holds the run)\n"
		    "  monitor vregs [N]   VM N's virtual registers and pending interrupts\n"
		    "                      (default: the current thread's VM)\n"
		    "  monitor runq        the VM in the CPU, the run queue, every VM's state\n"
		    "  monitor checkpoint FILE  a checkpoint of the run into FILE, taken at the\n"
		    "                      next point between two dispatches (denali resume FILE)\n"
		    "  monitor help        this list\n"
		    "Threads are VMs: thread N is VM N-1 (docs/debugging.md).\n");
	} else {
		SAY("unknown monitor command \"%.60s\" (monitor help lists them)\n", cmd);
	}
done:
#undef SAY
	if (n >= sizeof text)
		n = sizeof text - 1;
	return (size_t)(rsp_hex((const uint8_t *)text, n, out) - out);
}

// qXfer:features:read:target.xml:OFF,LEN
static size_t xfer_features(const char *p, const char *end, char *out)
{
	static const char pre[] = "qXfer:features:read:target.xml:";
	if ((size_t)(end - p) < sizeof pre - 1 || memcmp(p, pre, sizeof pre - 1))
		return reply_str(out, "E00");
	p += sizeof pre - 1;
	uint32_t off, len;
	if (rsp_parse_u32(&p, end, &off) || p == end || *p++ != ',' ||
	    rsp_parse_u32(&p, end, &len) || p != end)
		return reply_str(out, "E00");
	size_t total = sizeof tdesc - 1;
	if (off >= total)
		return reply_str(out, "l");
	size_t n = total - off;
	if (len > RSP_MAX_PACKET - 1)
		len = RSP_MAX_PACKET - 1;
	if (n > len)
		n = len;
	out[0] = off + n < total ? 'm' : 'l';
	memcpy(out + 1, tdesc + off, n);
	return n + 1;
}

// vCont;ACTION[:TID];... Returns the VM to step, -1 to continue, -2 for a bad packet.
static int64_t parse_vcont(const struct gdb_stub *s, const char *p, const char *end)
{
	int64_t step = -1;
	while (p < end) {
		if (*p++ != ';')
			return -2;
		if (p == end)
			return -2;
		char a = *p++;
		if (a == 'C' || a == 'S') { // the signal is not passed on: skip it
			uint32_t sig;
			if (rsp_parse_u32(&p, end, &sig))
				return -2;
		} else if (a != 'c' && a != 's' && a != 't') {
			return -2;
		}
		int64_t tid = -1;
		if (p < end && *p == ':') {
			p++;
			if (parse_tid(&p, end, &tid))
				return -2;
		}
		if ((a == 's' || a == 'S') && step < 0) {
			int64_t vm = vm_of_tid(s, tid);
			if (vm < 0)
				return -2;
			step = vm;
		}
	}
	return step;
}

static enum gdb_act resume(struct gdb_stub *s, int64_t step_vm)
{
	if (s->ended)
		return GDB_REPLY; // the caller answers with the exit status
	ctl_step(s->k, step_vm);
	s->intr = false;
	return GDB_RESUME;
}

enum gdb_act gdb_stub_packet(struct gdb_stub *s, const char *pkt, size_t len, char *out,
			     size_t *olen)
{
	const char *p = pkt, *end = pkt + len;
	struct kernel *k = s->k;
	size_t n = 0;
	*olen = 0;
	if (len == 0)
		return GDB_REPLY;
	uint32_t gvm = (uint32_t)(s->gvm >= 0 ? s->gvm : s->cur);
	switch (*p++) {
	case '?':
		n = gdb_stub_stop_reply(s, out);
		break;
	case 'g': {
		uint32_t r[16];
		regs_of(s, gvm, r);
		char *o = out;
		for (int i = 0; i < 16; i++)
			o = put_u32(o, r[i]);
		memset(o, '0', 2 * (G_BYTES - 64));
		n = 2 * G_BYTES;
		break;
	}
	case 'G': {
		if ((size_t)(end - p) < 2 * 16 * 4) {
			n = reply_str(out, "E01");
			break;
		}
		uint8_t b[64];
		if (rsp_unhex(p, 64, b)) {
			n = reply_str(out, "E01");
			break;
		}
		int bad = 0;
		for (unsigned i = 0; i < 10; i++) {
			uint32_t v = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
				     (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
			uint32_t r[16];
			regs_of(s, gvm, r);
			if (v != r[i])
				bad |= ctl_set_reg(k, gvm, i, v);
		}
		n = reply_str(out, bad ? "E01" : "OK");
		break;
	}
	case 'p': {
		uint32_t reg;
		if (rsp_parse_u32(&p, end, &reg) || p != end || reg >= NREGS) {
			n = reply_str(out, "E01");
			break;
		}
		if (reg < 16) {
			uint32_t r[16];
			regs_of(s, gvm, r);
			n = (size_t)(put_u32(out, r[reg]) - out);
		} else {
			n = 2 * reg_size(reg);
			memset(out, '0', n);
		}
		break;
	}
	case 'P': {
		uint32_t reg;
		if (rsp_parse_u32(&p, end, &reg) || p == end || *p++ != '=' || reg >= NREGS ||
		    (size_t)(end - p) != 2 * reg_size(reg)) {
			n = reply_str(out, "E01");
			break;
		}
		uint8_t b[10];
		if (rsp_unhex(p, reg_size(reg), b)) {
			n = reply_str(out, "E01");
			break;
		}
		uint32_t v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
			     (uint32_t)b[3] << 24;
		int rc = 0;
		if (reg < 10)
			rc = ctl_set_reg(k, gvm, reg, v);
		else if (reg < 16)
			rc = v == seg_value[reg - 10] ? 0 : -1; // flat segments: constants
		// x87 registers: the ISA has none; writes are ignored.
		n = reply_str(out, rc ? "E01" : "OK");
		break;
	}
	case 'm': {
		uint32_t addr, cnt;
		if (rsp_parse_u32(&p, end, &addr) || p == end || *p++ != ',' ||
		    rsp_parse_u32(&p, end, &cnt) || p != end) {
			n = reply_str(out, "E01");
			break;
		}
		if (cnt > RSP_MAX_PACKET / 2)
			cnt = RSP_MAX_PACKET / 2;
		uint8_t buf[RSP_MAX_PACKET / 2];
		uint32_t got = ctl_read(k, gvm, addr, buf, cnt);
		if (!got && cnt) {
			n = reply_str(out, "E14");
			break;
		}
		n = (size_t)(rsp_hex(buf, got, out) - out);
		break;
	}
	case 'M':
	case 'X': {
		bool bin = pkt[0] == 'X';
		uint32_t addr, cnt;
		if (rsp_parse_u32(&p, end, &addr) || p == end || *p++ != ',' ||
		    rsp_parse_u32(&p, end, &cnt) || p == end || *p++ != ':' ||
		    (size_t)(end - p) != (bin ? cnt : 2 * (size_t)cnt)) {
			n = reply_str(out, "E01");
			break;
		}
		uint8_t buf[RSP_MAX_PACKET / 2];
		if (!bin && rsp_unhex(p, cnt, buf)) {
			n = reply_str(out, "E01");
			break;
		}
		const void *src = bin ? (const void *)p : buf;
		n = reply_str(out, !cnt || ctl_write(k, gvm, addr, src, cnt) == 0 ? "OK" : "E14");
		break;
	}
	case 'c':
	case 'C':
		if (resume(s, -1) == GDB_RESUME)
			return GDB_RESUME;
		n = gdb_stub_stop_reply(s, out);
		break;
	case 's':
	case 'S': {
		int64_t vm = s->cvm >= 0 ? s->cvm : s->cur;
		if (resume(s, vm) == GDB_RESUME)
			return GDB_RESUME;
		n = gdb_stub_stop_reply(s, out);
		break;
	}
	case 'H': {
		if (p == end || (*p != 'g' && *p != 'c')) {
			n = reply_str(out, "E01");
			break;
		}
		char which = *p++;
		int64_t tid;
		if (parse_tid(&p, end, &tid) || p != end ||
		    (tid > 0 && (uint64_t)tid > nvms(s))) {
			n = reply_str(out, "E01");
			break;
		}
		int64_t vm = tid > 0 ? tid - 1 : -1;
		if (which == 'g')
			s->gvm = vm;
		else
			s->cvm = vm;
		n = reply_str(out, "OK");
		break;
	}
	case 'T': {
		int64_t tid;
		if (parse_tid(&p, end, &tid) || p != end || tid <= 0 || (uint64_t)tid > nvms(s))
			n = reply_str(out, "E01");
		else
			n = reply_str(out, vm_alive(s, (uint32_t)(tid - 1)) ? "OK" : "E01");
		break;
	}
	case 'Z':
	case 'z': {
		bool ins = pkt[0] == 'Z';
		uint32_t type, addr, kind;
		if (rsp_parse_u32(&p, end, &type) || p == end || *p++ != ',' ||
		    rsp_parse_u32(&p, end, &addr) || p == end || *p++ != ',' ||
		    rsp_parse_u32(&p, end, &kind) || (p != end && *p != ';')) {
			n = reply_str(out, "E01");
			break;
		}
		if (type > 4)
			break; // unsupported: empty reply
		enum ctl_point_kind pk = type <= 1 ? CTL_BREAK : (enum ctl_point_kind)type;
		if (ins)
			n = reply_str(out, ctl_insert(k, pk, addr, kind) == 0 ? "OK" : "E01");
		else {
			ctl_remove(k, pk, addr, kind);
			n = reply_str(out, "OK");
		}
		break;
	}
	case 'D':
		n = reply_str(out, "OK");
		*olen = n;
		return GDB_DETACH;
	case 'k':
		return GDB_KILL;
	case 'b': // bs, bc: reverse step and continue (history.h)
		if (len != 2 || (pkt[1] != 's' && pkt[1] != 'c') || !s->reverse_ok) {
			n = s->reverse_ok ? reply_str(out, "E01") : 0;
			break;
		}
		if (s->ended) {
			n = gdb_stub_stop_reply(s, out);
			break;
		}
		s->rev_kind = pkt[1];
		s->rev_vm = (uint32_t)(s->cvm >= 0 ? s->cvm : s->cur);
		s->intr = false;
		return GDB_REVERSE;
	case 'v':
		if (len == 6 && !memcmp(pkt, "vCont?", 6)) {
			n = reply_str(out, "vCont;c;C;s;S");
		} else if (len >= 5 && !memcmp(pkt, "vCont", 5)) {
			int64_t step = parse_vcont(s, pkt + 5, end);
			if (step == -2) {
				n = reply_str(out, "E01");
				break;
			}
			if (resume(s, step) == GDB_RESUME)
				return GDB_RESUME;
			n = gdb_stub_stop_reply(s, out);
		} else if (len >= 5 && !memcmp(pkt, "vKill", 5)) {
			return GDB_KILL;
		}
		break; // vMustReplyEmpty and the rest: empty
	case 'q':
		if (len >= 10 && !memcmp(pkt, "qSupported", 10)) {
			n = (size_t)sprintf(out, "PacketSize=%x;qXfer:features:read+;"
						 "vContSupported+;QStartNoAckMode+%s",
					    RSP_MAX_PACKET,
					    s->reverse_ok ? ";ReverseStep+;ReverseContinue+;"
							    "QThreadEvents+"
							  : ";QThreadEvents+");
		} else if (len >= 20 && !memcmp(pkt, "qXfer:features:read:", 20)) {
			n = xfer_features(pkt, end, out);
		} else if (!strcmp(pkt, "qfThreadInfo") || !strcmp(pkt, "qsThreadInfo")) {
			if (pkt[1] == 'f')
				s->list_next = 0;
			out[n++] = 'm';
			while (s->list_next < nvms(s) && n < 1000) {
				uint32_t vm = s->list_next++;
				if (vm_alive(s, vm))
					n += (size_t)sprintf(out + n, "%s%x", n > 1 ? "," : "", vm + 1);
			}
			if (n == 1)
				n = reply_str(out, "l");
		} else if (!strcmp(pkt, "qC")) {
			n = (size_t)sprintf(out, "QC%x", s->cur + 1);
		} else if (!strcmp(pkt, "qAttached")) {
			n = reply_str(out, "1");
		} else if (len > 17 && !memcmp(pkt, "qThreadExtraInfo,", 17)) {
			p = pkt + 17;
			int64_t tid;
			if (parse_tid(&p, end, &tid) || p != end || tid <= 0 ||
			    (uint64_t)tid > nvms(s)) {
				n = reply_str(out, "E01");
				break;
			}
			char text[64];
			int tn = snprintf(text, sizeof text, "vm %u, %s", (uint32_t)(tid - 1),
					  ctl_vm_state_name(ctl_vm_state(k, (uint32_t)(tid - 1))));
			n = (size_t)(rsp_hex((const uint8_t *)text, (size_t)tn, out) - out);
		} else if (len > 6 && !memcmp(pkt, "qRcmd,", 6)) {
			size_t h = len - 6;
			char cmd[256];
			if (h % 2 || h / 2 >= sizeof cmd ||
			    rsp_unhex(pkt + 6, h / 2, (uint8_t *)cmd)) {
				n = reply_str(out, "E01");
				break;
			}
			cmd[h / 2] = '\0';
			if (strlen(cmd) != h / 2) { // a NUL inside
				n = reply_str(out, "E01");
				break;
			}
			n = monitor(s, cmd, out);
		} else if (!strcmp(pkt, "qSymbol::")) {
			n = reply_str(out, "OK");
		}
		break; // qOffsets, qTStatus, ...: empty (not supported)
	case 'Q':
		if (!strcmp(pkt, "QStartNoAckMode")) {
			s->noack = true;
			n = reply_str(out, "OK");
		} else if (!strcmp(pkt, "QThreadEvents:1") || !strcmp(pkt, "QThreadEvents:0")) {
			s->thread_events = pkt[14] == '1';
			ctl_report_ends(k, s->thread_events);
			n = reply_str(out, "OK");
		}
		break;
	default:
		break; // empty: not supported
	}
	*olen = n;
	return GDB_REPLY;
}
