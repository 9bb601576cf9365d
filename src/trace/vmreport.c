// SPDX-License-Identifier: MIT
// Fault and wait reports (vmreport.h).
#include "trace/vmreport.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cpu/cpu.h"
#include "trace/dis.h"
#include "vmm/image.h"
#include "vmm/postmortem.h"
#include "vmm/symtab.h"

static const char *const reg_names[8] = { "eax", "ecx", "edx", "ebx",
					  "esp", "ebp", "esi", "edi" };

// Whether a is inside an executable segment's file bytes (code).
static bool in_code(const struct image *img, uint32_t a)
{
	for (uint32_t s = 0; s < img->nsegs; s++) {
		const struct image_segment *sg = &img->segs[s];
		if ((sg->flags & IMAGE_PF_X) && a >= sg->vaddr && a - sg->vaddr < sg->memsz)
			return true;
	}
	return false;
}

void vmreport_backtrace(const struct image *img, const struct postmortem *p,
			struct vmreport_trace *t)
{
	t->n = 0;
	t->pcs[t->n++] = p->eip;
	uint32_t off = 0;
	const struct symtab_sym *f = symtab_lookup(img->syms, SYMTAB_CODE, p->eip, &off);
	uint32_t first = 0; // frames[first..] continue the chain after the first caller
	uint32_t caller = 0;
	uint8_t op = 0;
	if (f && off == 0 && p->nstack >= 1) {
		caller = p->stack[0]; // at the entry: EBP is still the caller's frame
	} else if (f && off == 1 && p->nstack >= 2 && image_read(img, f->addr, &op, 1) == 1 &&
		   op == 0x55) {
		caller = p->stack[1]; // after push ebp, before mov ebp, esp
	} else if (p->nframes) {
		caller = p->frames[0].ret;
		first = 1;
	}
	t->end = postmortem_walk_end_name((enum postmortem_walk_end)p->walk_end);
	if (!caller) {
		if (!p->nframes)
			t->end = postmortem_walk_end_name((enum postmortem_walk_end)p->walk_end);
		return;
	}
	for (uint32_t i = first;; i++) {
		if (!in_code(img, caller)) {
			t->end = "a return address outside the image's code";
			return;
		}
		t->pcs[t->n++] = caller;
		if (i >= p->nframes || t->n == VMREPORT_MAX_FRAMES)
			return;
		caller = p->frames[i].ret;
	}
}

char *vmreport_eflags(uint32_t eflags, char *buf, size_t len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} flags[] = {
		{ CPU_CF, "CF" },
		{ CPU_PF, "PF" },
		{ CPU_AF, "AF" },
		{ CPU_ZF, "ZF" },
		{ CPU_SF, "SF" },
		{ CPU_TF, "TF" },
		{ CPU_IF, "IF" },
		{ CPU_DF, "DF" },
		{ CPU_OF, "OF" },
		{ CPU_ID, "ID" },
	};
	size_t at = 0;
	at += (size_t)snprintf(buf, len, "[");
	for (size_t i = 0; i < sizeof flags / sizeof flags[0] && at < len; i++)
		if (eflags & flags[i].bit)
			at += (size_t)snprintf(buf + at, len - at, " %s", flags[i].name);
	if (at < len)
		snprintf(buf + at, len - at, " ]");
	return buf;
}

// " in sum+0x10" (with the given prefix) or "" when no symbol covers a.
static const char *sym(const struct image *img, uint32_t a, const char *prefix, char *buf,
		       size_t len)
{
	char s[300];
	symtab_format(img->syms, a, s, sizeof s);
	if (!len)
		return buf;
	buf[0] = 0;
	if (s[0]) { // prefix and name, a long name cut to fit
		size_t at = strlen(prefix) < len - 1 ? strlen(prefix) : len - 1;
		memcpy(buf, prefix, at);
		size_t n = strlen(s) < len - 1 - at ? strlen(s) : len - 1 - at;
		memcpy(buf + at, s, n);
		buf[at + n] = 0;
	}
	return buf;
}

// The faulting instruction's text and its bytes as hex.
static void insn_text(struct dis *d, const struct image *img, const struct postmortem *p,
		      char *text, size_t tlen, char *hex, size_t hlen)
{
	snprintf(text, tlen, "(unreadable)");
	hex[0] = 0;
	if (!p->ninsn)
		return;
	int n = d ? dis_insn(d, p->insn, p->ninsn, p->eip, img->syms, text, tlen)
		  : (cpu_disasm(p->insn, p->ninsn, p->eip, text, tlen), 0);
	uint32_t show = n > 0 ? (uint32_t)n : p->ninsn < 8 ? p->ninsn
							   : 8;
	size_t at = 0;
	for (uint32_t i = 0; i < show && at < hlen; i++)
		at += (size_t)snprintf(hex + at, hlen - at, "%s%02x", i ? " " : "", p->insn[i]);
}

void vmreport_fault_text(FILE *f, struct dis *d, const struct image *img,
			 const struct postmortem *p)
{
	char s[300], text[160], hex[64], fl[64];
	insn_text(d, img, p, text, sizeof text, hex, sizeof hex);
	fprintf(f, "  at 0x%08x%s: %s%s%s%s\n", p->eip, sym(img, p->eip, " in ", s, sizeof s),
		text, hex[0] ? " [" : "", hex, hex[0] ? "]" : "");
	static const int order[8] = { CPU_EAX, CPU_EBX, CPU_ECX, CPU_EDX,
				      CPU_ESI, CPU_EDI, CPU_EBP, CPU_ESP };
	for (int row = 0; row < 2; row++) {
		fprintf(f, " ");
		for (int i = 0; i < 4; i++) {
			int r = order[row * 4 + i];
			fprintf(f, " %s 0x%08x", reg_names[r], p->r[r]);
		}
		fprintf(f, "\n");
	}
	fprintf(f, "  eip 0x%08x  eflags 0x%08x %s\n", p->eip, p->eflags,
		vmreport_eflags(p->eflags, fl, sizeof fl));
	struct vmreport_trace t;
	vmreport_backtrace(img, p, &t);
	fprintf(f, "  backtrace (frame pointers, best effort):\n");
	for (uint32_t i = 0; i < t.n; i++)
		fprintf(f, "    #%u 0x%08x%s\n", i, t.pcs[i], sym(img, t.pcs[i], " in ", s, sizeof s));
	fprintf(f, "    (stopped at %s)\n", t.end);
	if (p->nbranches) {
		fprintf(f, "  last %u branch targets, oldest first:\n", p->nbranches);
		for (uint32_t i = 0; i < p->nbranches; i++)
			fprintf(f, "    0x%08x%s\n", p->branches[i],
				sym(img, p->branches[i], " ", s, sizeof s));
	}
}

static json_object *jstr(const char *s) { return json_object_new_string(s); }
static json_object *jint(int64_t v) { return json_object_new_int64(v); }

json_object *vmreport_fault_json(struct dis *d, const struct image *img,
				 const struct postmortem *p, uint32_t cpu_khz)
{
	char s[300], text[160], hex[64];
	json_object *j = json_object_new_object();
	insn_text(d, img, p, text, sizeof text, hex, sizeof hex);
	json_object_object_add(j, "time_ns", jint((int64_t)((unsigned __int128)p->time_cycles * 1000000u / cpu_khz)));
	json_object_object_add(j, "eip", jint(p->eip));
	symtab_format(img->syms, p->eip, s, sizeof s);
	json_object_object_add(j, "function", s[0] ? jstr(s) : NULL);
	json_object_object_add(j, "instruction", jstr(text));
	json_object_object_add(j, "bytes", jstr(hex));
	json_object_object_add(j, "vector", jint(p->vector));
	json_object_object_add(j, "error_code", jint(p->error_code));
	json_object_object_add(j, "address", jint(p->addr));
	json_object *regs = json_object_new_object();
	for (int r = 0; r < 8; r++)
		json_object_object_add(regs, reg_names[r], jint(p->r[r]));
	json_object_object_add(regs, "eip", jint(p->eip));
	json_object_object_add(regs, "eflags", jint(p->eflags));
	json_object_object_add(j, "registers", regs);
	char fl[64];
	vmreport_eflags(p->eflags, fl, sizeof fl);
	json_object *flags = json_object_new_array();
	for (char *tok = strtok(fl, "[ ]"); tok; tok = strtok(NULL, "[ ]"))
		json_object_array_add(flags, jstr(tok));
	json_object_object_add(j, "eflags", flags);
	struct vmreport_trace t;
	vmreport_backtrace(img, p, &t);
	json_object *bt = json_object_new_array();
	for (uint32_t i = 0; i < t.n; i++) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "eip", jint(t.pcs[i]));
		symtab_format(img->syms, t.pcs[i], s, sizeof s);
		json_object_object_add(e, "function", s[0] ? jstr(s) : NULL);
		json_object_array_add(bt, e);
	}
	json_object_object_add(j, "backtrace", bt);
	json_object_object_add(j, "backtrace_end", jstr(t.end));
	json_object *br = json_object_new_array();
	for (uint32_t i = 0; i < p->nbranches; i++)
		json_object_array_add(br, jint(p->branches[i]));
	json_object_object_add(j, "branches", br);
	json_object *st = json_object_new_array();
	for (uint32_t i = 0; i < p->nstack; i++)
		json_object_array_add(st, jint(p->stack[i]));
	json_object_object_add(j, "stack", st);
	return j;
}

// "2.500 ms" (ns resolution kept where it matters).
static const char *fmt_time(uint64_t cycles, uint32_t cpu_khz, char *buf, size_t len)
{
	uint64_t ns = (uint64_t)((unsigned __int128)cycles * 1000000u / cpu_khz);
	if (ns < 10000)
		snprintf(buf, len, "%" PRIu64 " ns", ns);
	else if (ns < 10000000)
		snprintf(buf, len, "%.3f us", (double)ns / 1e3);
	else if (ns < 10000000000ull)
		snprintf(buf, len, "%.3f ms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.3f s", (double)ns / 1e9);
	return buf;
}

char *vmreport_wait_reason(const struct postmortem_wait *w, bool hung, uint32_t cpu_khz,
			   char *buf, size_t len)
{
	char t1[32], t2[32], ints[96];
	snprintf(ints, sizeof ints, "interrupts %s%s", w->int_enable ? "enabled" : "disabled",
		 w->int_enable && !w->handler ? " but no handler set" : "");
	switch ((enum postmortem_wait_kind)w->kind) {
	case POSTMORTEM_NEVER_RAN:
		snprintf(buf, len, "never ran (still waiting for its first dispatch)");
		break;
	case POSTMORTEM_RUNNING:
		snprintf(buf, len, "running (in the CPU when the run stopped)");
		break;
	case POSTMORTEM_RUNNABLE:
		snprintf(buf, len, "runnable, waiting for the CPU");
		break;
	case POSTMORTEM_SWAP:
		snprintf(buf, len, "waiting for the swap disk to read a block back (done at %s)",
			 fmt_time(w->wake_cycles, cpu_khz, t1, sizeof t1));
		break;
	case POSTMORTEM_IDLE:
		if (w->wake_cycles && w->timer_cycles)
			snprintf(buf, len, "idle until %s (its timeout) or the timer at %s; %s",
				 fmt_time(w->wake_cycles, cpu_khz, t1, sizeof t1),
				 fmt_time(w->timer_cycles, cpu_khz, t2, sizeof t2), ints);
		else if (w->wake_cycles)
			snprintf(buf, len, "idle until %s (its timeout); %s",
				 fmt_time(w->wake_cycles, cpu_khz, t1, sizeof t1), ints);
		else if (w->timer_cycles)
			snprintf(buf, len, "idle without timeout until the timer at %s; %s",
				 fmt_time(w->timer_cycles, cpu_khz, t1, sizeof t1), ints);
		else if (hung && w->pending)
			snprintf(buf, len, "idle without timeout or timer, interrupt lines 0x%x "
					   "pending but never delivered (%s): nothing can end it",
				 w->pending, ints);
		else if (hung || !w->devices)
			snprintf(buf, len, "idle without timeout or timer%s, %s: nothing can end "
					   "it",
				 w->devices ? " and no device work left" : ", no devices", ints);
		else
			snprintf(buf, len, "idle without timeout or timer, until a device raises "
					   "an interrupt; %s",
				 ints);
		break;
	default:
		snprintf(buf, len, "?");
	}
	return buf;
}

char *vmreport_wait_line(const struct image *img, const struct postmortem_wait *w,
			 bool hung, uint32_t cpu_khz, char *buf, size_t len)
{
	char s[300], c[320], why[256];
	sym(img, w->eip, " in ", s, sizeof s);
	c[0] = 0;
	if (w->ret && in_code(img, w->ret)) {
		char r[300];
		sym(img, w->ret, "", r, sizeof r);
		if (r[0])
			snprintf(c, sizeof c, " (called from %s)", r);
	}
	snprintf(buf, len, "at 0x%08x%s%s: %s", w->eip, s, c,
		 vmreport_wait_reason(w, hung, cpu_khz, why, sizeof why));
	return buf;
}

json_object *vmreport_wait_json(const struct image *img, const struct postmortem_wait *w,
				bool hung, uint32_t cpu_khz)
{
	char s[300], why[256];
	json_object *j = json_object_new_object();
	json_object_object_add(j, "eip", jint(w->eip));
	symtab_format(img->syms, w->eip, s, sizeof s);
	json_object_object_add(j, "function", s[0] ? jstr(s) : NULL);
	if (w->ret && in_code(img, w->ret)) {
		symtab_format(img->syms, w->ret, s, sizeof s);
		json_object_object_add(j, "caller", s[0] ? jstr(s) : jint(w->ret));
	}
	json_object_object_add(j, "state", jstr(postmortem_wait_name((enum postmortem_wait_kind)w->kind)));
	json_object_object_add(j, "waiting_for", jstr(vmreport_wait_reason(w, hung, cpu_khz, why, sizeof why)));
	uint64_t k = cpu_khz;
	if (w->wake_cycles)
		json_object_object_add(j, "wake_ns", jint((int64_t)((unsigned __int128)w->wake_cycles * 1000000u / k)));
	if (w->timer_cycles)
		json_object_object_add(j, "timer_ns", jint((int64_t)((unsigned __int128)w->timer_cycles * 1000000u / k)));
	json_object_object_add(j, "interrupts_enabled", json_object_new_boolean(w->int_enable));
	json_object_object_add(j, "pending_lines", jint(w->pending));
	return j;
}
