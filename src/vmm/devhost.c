// SPDX-License-Identifier: MIT
// Host callbacks for the devices of a run (devhost.h): time, interrupts and guest
// memory, all through the kernel. Device times are ns; kernel times are cycles, and a
// device's wish to run at t_ns becomes a KEV_DEVICE event at kernel_ns_to_cycles(t_ns)
// (rounded up, so at that cycle the device sees a time >= t_ns). Spurious device events
// are harmless: devset_run does whatever is due and nothing else. Once every VM has
// ended no more device events are queued, so a long trace does not keep the run going.
#include "vmm/devhost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "denali/abi.h"
#include "vmm/kernel.h"

struct devhost {
	struct devset *set;
	uint64_t last_at;  // cycles of the last KEV_DEVICE pushed, while it may be queued
	bool last_queued;
	bool uplink;       // several machines: frames may still leave for the others
	// A machine that ran in another process (devhost_import_stats): no devices here,
	// only the counters it ended with.
	bool imported;
	struct devset_stats in;
};

static uint64_t now_ns(const struct kernel *k)
{
	return kernel_cycles_to_ns(&k->cfg, k->now);
}

uint64_t devhost_due(const struct kernel_config *cfg, uint64_t now, uint64_t t_ns)
{
	uint64_t at = kernel_ns_to_cycles(cfg, t_ns);
	if (at >= KERNEL_TIME_HORIZON)
		return UINT64_MAX;
	return at < now ? now : at;
}

static void host_schedule(void *ctx, uint64_t t_ns)
{
	struct kernel *k = ctx;
	struct devhost *h = k->dev;
	if (!k->live && !(h && h->uplink))
		return; // every VM has ended: device work can change nothing any more
	uint64_t at = devhost_due(&k->cfg, k->now, t_ns);
	if (at == UINT64_MAX)
		return; // beyond the end of simulated time (kernel.h)
	if (h && h->last_queued && h->last_at == at)
		return; // that event will call devset_run at this time anyway
	if (evq_push(&k->evq, at, KEV_DEVICE, 0, 0) == UINT64_MAX) {
		k->host_oom = true; // the device work waits for the next PIO or event
		return;
	}
	if (h) {
		h->last_at = at;
		h->last_queued = true;
	}
}

static void host_raise_irq(void *ctx, uint32_t vm_id, unsigned line)
{
	intr_raise(ctx, vm_id, line);
}

// The VM's memory, or NULL when it has none (not started, or ended).
static struct mem *vm_mem(struct kernel *k, uint32_t vm_id)
{
	if (vm_id >= k->cfg.nvms || !k->vms[vm_id].has_mem)
		return NULL;
	return &k->vms[vm_id].mem;
}

static int host_copyin(void *ctx, uint32_t vm_id, void *dst, uint32_t addr, uint32_t len)
{
	struct mem *m = vm_mem(ctx, vm_id);
	return m ? mem_copyin(m, dst, addr, len) : -1;
}

static int host_copyout(void *ctx, uint32_t vm_id, uint32_t addr, const void *src,
			uint32_t len)
{
	struct mem *m = vm_mem(ctx, vm_id);
	return m ? mem_copyout(m, addr, src, len) : -1;
}

int devhost_attach(struct kernel *k, const struct devset_config *cfg, char *err,
		   size_t errlen)
{
	struct devhost *h = calloc(1, sizeof *h);
	if (!h) {
		snprintf(err, errlen, "devices: out of memory");
		return -1;
	}
	struct devset_config c = *cfg;
	c.nvms = k->cfg.nvms;
	h->uplink = c.uplink != NULL;
	struct devset_host hi = { host_schedule, host_raise_irq, host_copyin, host_copyout, k };
	// devset_new may schedule (the first replayed frame): k->dev must be set by then.
	k->dev = h;
	if (devset_new(&h->set, &c, &hi, err, errlen) != 0) {
		k->dev = NULL;
		free(h);
		return -1;
	}
	return 0;
}

int devhost_detach(struct kernel *k, char *err, size_t errlen)
{
	struct devhost *h = k->dev;
	if (!h)
		return 0;
	int rc = h->set ? devset_free(h->set, err, errlen) : 0;
	free(h);
	k->dev = NULL;
	return rc;
}

uint64_t devhost_pio(struct kernel *k, struct vm *vm)
{
	struct devhost *h = k->dev;
	uint16_t port = vm->cpu.pio.port;
	if (!h || ((port < DEVHOST_PORT_FIRST || port > DEVHOST_PORT_LAST) &&
		   port != DENALI_PORT_CONSOLE_READ))
		return 0;
	uint32_t regs[8];
	memcpy(regs, vm->cpu.r, sizeof regs); // the same x86 order (DEVSET_EAX..DEVSET_EDI)
	uint32_t n = devset_pio(h->set, vm->id, port, regs, now_ns(k));
	if (n == 0)
		return 0;
	// The whole of EAX is set, whatever the access size (like the console PIO).
	vm->cpu.r[CPU_EAX] = regs[DEVSET_EAX];
	vm->cpu.r[CPU_ECX] = regs[DEVSET_ECX];
	return (uint64_t)n * k->cfg.pio_cycles;
}

void devhost_run(struct kernel *k)
{
	struct devhost *h = k->dev;
	if (!h)
		return;
	if (h->last_queued && k->now >= h->last_at)
		h->last_queued = false; // it is being processed now
	devset_run(h->set, now_ns(k));
}

int devhost_link_in(struct kernel *k, const uint8_t *frame, uint32_t len, uint64_t t_ns,
		    uint32_t src, uint64_t seq)
{
	return k->dev ? devset_link_in(k->dev->set, frame, len, t_ns, src, seq) : -1;
}

void devhost_vregs(struct kernel *k, struct vm *vm)
{
	if (!k->dev)
		return;
	struct denali_vregs *v = mem_vregs(&vm->mem);
	uint8_t mac[6];
	uint32_t ip;
	devset_vregs(k->dev->set, vm->id, mac, &ip);
	memcpy(v->mac, mac, sizeof mac);
	v->ipv4 = ip;
}

void devhost_vm_ended(struct kernel *k, uint32_t vm_id)
{
	if (k->dev)
		devset_vm_ended(k->dev->set, vm_id);
}

bool devhost_stats(const struct kernel *k, struct devset_stats *st)
{
	if (!k->dev) {
		memset(st, 0, sizeof *st);
		return false;
	}
	if (k->dev->imported)
		*st = k->dev->in;
	else
		devset_stats(k->dev->set, st);
	return true;
}

int devhost_import_stats(struct kernel *k, const struct devset_stats *st)
{
	if (k->dev)
		return -1; // a machine with devices here ran here
	struct devhost *h = calloc(1, sizeof *h);
	if (!h)
		return -1;
	h->imported = true;
	h->in = *st;
	k->dev = h;
	return 0;
}
