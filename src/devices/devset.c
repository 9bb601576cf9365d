// SPDX-License-Identifier: MIT
// The devices of one run (devset.h): builds NICs, switch ports, replay, capture and disks
// from a config, routes PIOs to nic.c/disk.c, and moves frames between the switch, the
// NICs and the trace files. Port numbers: VM i is switch port i; the replay port follows.
#include <stdlib.h>
#include <string.h>

#include "denali/abi.h"
#include "devices/devset.h"
#include "devices/live.h"
#include "devices/pcap_in.h"
#include "devices/pcap_out.h"

struct dvm {
	struct devset *d;
	uint32_t id;
	bool ended;
	struct nic nic;
	struct disk_vm *dv;   // the VM's disks; NULL: it has none (most VMs), see disks()
	struct nic_guest_io io;
};

struct devset {
	struct devset_config cfg;
	struct devset_host h;
	struct dvm *vms;
	struct sw *sw;
	uint32_t replay_port;
	struct pcap_in *in;
	struct pcap_in_frame *next;   // the next replayed frame, when have_next
	bool have_next;
	char in_err[512];             // a damaged trace found during the run
	struct pcap_out *out;
	struct disk *disks[DEVSET_MAX_DISKS];
	uint64_t replay_frames;
	struct console_in con;
	struct live *live;             // --tap, else NULL
	uint32_t tap_port;
	uint64_t live_next;           // the next pacing tick already scheduled
	uint64_t live_now;            // the time live_run was called with
	uint32_t uplink_port;         // several machines: the uplink port, else SWITCH_NO_PORT
	struct linkq inbox;           // frames from other machines, not yet in the switch
	uint64_t uplink_in, uplink_drop;
	bool observe;                 // report to h.event (devset_observe)
	uint8_t tx[NIC_FRAME_MAX];    // the frame a NIC_SEND is handing to the switch
	struct disk_vm nodisk;        // what a VM without disks sees: no disk, nothing done
};

// The VM's disk state: its own, or the shared empty one (every disk PIO on it fails with
// DISK_ERR_NODISK or finds nothing done, and changes nothing).
static struct disk_vm *disks(struct dvm *v)
{
	return v->dv ? v->dv : &v->d->nodisk;
}

void devset_config_default(struct devset_config *c)
{
	memset(c, 0, sizeof(*c));
	switch_config_default(&c->sw);
	disk_model_default(&c->disk_model);
	c->ipv4 = true;
	c->pcap_vm = -1;
	c->console_vm = -1;
}

// --- callbacks --------------------------------------------------------------------

static int io_copyin(void *ctx, void *dst, uint32_t addr, uint32_t len)
{
	struct dvm *v = ctx;
	return v->d->h.copyin(v->d->h.ctx, v->id, dst, addr, len);
}

static int io_copyout(void *ctx, uint32_t addr, const void *src, uint32_t len)
{
	struct dvm *v = ctx;
	return v->d->h.copyout(v->d->h.ctx, v->id, addr, src, len);
}

static void schedule(void *ctx, uint64_t t)
{
	struct devset *d = ctx;
	d->h.schedule(d->h.ctx, t);
}

static bool nic_deliver(void *ctx, const uint8_t *f, uint32_t len, uint64_t t)
{
	struct dvm *v = ctx;
	int r = nic_rx_push(&v->nic, f, len);
	if (r == 1 || (r == 0 && v->d->cfg.nic_irq_frame))
		v->d->h.raise_irq(v->d->h.ctx, v->id, DENALI_IRQ_NIC_RX);
	return r >= 0;
}

static bool replay_deliver(void *ctx, const uint8_t *f, uint32_t len, uint64_t t)
{
	return true; // the outside world takes every frame
}

static bool tap_deliver(void *ctx, const uint8_t *f, uint32_t len, uint64_t t)
{
	struct devset *d = ctx;
	return live_send(d->live, f, len);
}

static void tap_in(void *ctx, const uint8_t *f, uint32_t len)
{
	struct devset *d = ctx;
	(void)switch_send(d->sw, d->tap_port, f, len, d->live_now); // drops are counted
}

static void monitor(void *ctx, const uint8_t *f, uint32_t len, uint64_t t, uint32_t in,
		    uint32_t out)
{
	struct devset *d = ctx;
	if (d->cfg.pcap_vm >= 0) {
		uint32_t p = (uint32_t)d->cfg.pcap_vm;
		if (in != p && out != p && !(out == SWITCH_FLOOD && !d->vms[p].ended))
			return;
	}
	(void)pcap_out_write(d->out, t, f, len); // failures are reported at devset_free
}

// The VM behind switch port p, or DEVSET_NO_VM (replay, uplink, TAP, a flood).
static uint32_t port_vm(const struct devset *d, uint32_t p)
{
	return p < d->cfg.nvms ? p : DEVSET_NO_VM;
}

// The switch's observer: every frame event, as a devset_event.
static void sw_observed(void *ctx, enum switch_ev ev, enum switch_drop why,
			const uint8_t *f, uint32_t len, uint64_t t, uint32_t in, uint32_t out)
{
	struct devset *d = ctx;
	struct devset_event e = { .kind = DEVSET_EV_FRAME, .t_ns = t };
	e.u.frame.ev = (uint8_t)ev;
	e.u.frame.drop = (uint8_t)why;
	e.u.frame.in_port = in;
	e.u.frame.out_port = out;
	e.u.frame.from_vm = port_vm(d, in);
	e.u.frame.to_vm = out == SWITCH_NO_PORT || out == SWITCH_FLOOD ? DEVSET_NO_VM
								      : port_vm(d, out);
	e.u.frame.data = f;
	e.u.frame.len = len;
	bool at_receiver = ev == SWITCH_EV_DELIVER ||
			   (ev == SWITCH_EV_DROP && e.u.frame.to_vm != DEVSET_NO_VM);
	e.vm = at_receiver ? e.u.frame.to_vm : ev == SWITCH_EV_FORWARD ? DEVSET_NO_VM
									 : e.u.frame.from_vm;
	d->h.event(d->h.ctx, &e);
}

void devset_observe(struct devset *d, bool on)
{
	d->observe = on && d->h.event;
	switch_set_observer(d->sw, d->observe ? sw_observed : NULL, d);
}

static void disk_event(struct devset *d, uint32_t vm, bool done, bool is_read,
		       uint32_t disk, uint32_t id, uint32_t status, uint64_t block,
		       uint32_t addr, uint64_t t)
{
	struct devset_event e = { .kind = DEVSET_EV_DISK, .vm = vm, .t_ns = t };
	e.u.disk.done = done;
	e.u.disk.is_read = is_read;
	e.u.disk.disk = disk;
	e.u.disk.id = id;
	e.u.disk.status = status;
	e.u.disk.block = block;
	e.u.disk.addr = addr;
	d->h.event(d->h.ctx, &e);
}

static void disk_done(void *ctx, const struct disk_done *x)
{
	struct devset *d = ctx;
	if (x->vm_id >= d->cfg.nvms)
		return;
	struct dvm *v = &d->vms[x->vm_id];
	if (v->ended)
		return;
	uint32_t status = x->status;
	if (x->is_read && status == 0 &&
	    d->h.copyout(d->h.ctx, v->id, x->addr, x->data, DISK_BLOCK) != 0)
		status = DISK_ERR_FAULT;
	if (!v->dv)
		return; // cannot happen: requests come from VMs with disks
	if (d->observe)
		disk_event(d, v->id, true, x->is_read, 0, x->id, status, 0, x->addr, x->t_ns);
	if (disk_vm_complete(v->dv, x->id, status))
		d->h.raise_irq(d->h.ctx, v->id, DENALI_IRQ_DISK);
}

// --- setup ------------------------------------------------------------------------

static int replay_fetch(struct devset *d)
{
	int r = pcap_in_next(d->in, d->next, d->in_err, sizeof(d->in_err));
	d->have_next = r == 1;
	if (d->have_next)
		d->h.schedule(d->h.ctx, d->next->t_ns);
	return r;
}

int devset_new(struct devset **out, const struct devset_config *c,
	       const struct devset_host *h, char *err, size_t errlen)
{
	struct devset *d = calloc(1, sizeof(*d));
	if (!d || c->nvms == 0) {
		free(d);
		snprintf(err, errlen, "devices: %s", c->nvms ? "out of memory" : "no VMs");
		return -1;
	}
	d->cfg = *c;
	d->h = *h;
	d->uplink_port = SWITCH_NO_PORT;
	linkq_init(&d->inbox);
	d->vms = calloc(c->nvms, sizeof(*d->vms));
	d->sw = switch_new(&c->sw, schedule, d);
	if (!d->vms || !d->sw)
		goto oom;
	for (uint32_t i = 0; i < c->nvms; i++) {
		struct dvm *v = &d->vms[i];
		v->d = d;
		v->id = i;
		v->io = (struct nic_guest_io){ io_copyin, io_copyout, v };
		if (nic_init_at(&v->nic, c->machine, i, c->nic_rxq, c->ipv4, c->nic_chatty) != 0)
			goto oom;
		if (switch_add_port(d->sw, nic_deliver, v, false) != i ||
		    switch_add_static(d->sw, v->nic.mac, i) != 0 ||
		    (v->nic.ipv4 && switch_add_ipv4(d->sw, v->nic.ipv4, i) != 0))
			goto oom;
		switch_set_lossy(d->sw, i, true);
	}
	d->replay_port = switch_add_port(d->sw, replay_deliver, d, true);
	if (d->replay_port == SWITCH_NO_PORT)
		goto oom;
	if (c->uplink) {
		// After the replay port, so single-machine port numbers stay as they were.
		d->uplink_port = switch_add_port(d->sw, c->uplink, c->uplink_ctx, false);
		if (d->uplink_port == SWITCH_NO_PORT)
			goto oom;
		switch_set_uplink(d->sw, d->uplink_port);
		switch_set_lossy(d->sw, d->uplink_port, true);
	}
	if (c->pcap_out) {
		if (c->pcap_vm >= (int64_t)c->nvms) {
			snprintf(err, errlen, "--pcap-vm %lld: no such VM (%u VMs)",
				 (long long)c->pcap_vm, c->nvms);
			goto fail;
		}
		const char *name = c->pcap_out_name ? c->pcap_out_name : c->pcap_out;
		if (c->pcap_out_append ? pcap_out_open_append(&d->out, c->pcap_out, name,
							      c->pcap_out_frames, err, errlen)
				       : pcap_out_open_as(&d->out, c->pcap_out, name, err, errlen))
			goto fail;
		switch_set_monitor(d->sw, monitor, d);
	}
	for (uint32_t i = 0; i < c->ndisks; i++) {
		const struct devset_disk_spec *s = &c->disks[i];
		if (s->first_vm > s->last_vm || s->last_vm >= c->nvms) {
			snprintf(err, errlen, "%s: VMs %u-%u: outside 0-%u", s->path,
				 s->first_vm, s->last_vm, c->nvms - 1);
			goto fail;
		}
		if (disk_open(&d->disks[i], s->path, s->size_bytes, s->readonly,
			      &c->disk_model, schedule, d, err, errlen) != 0)
			goto fail;
		for (uint32_t v = s->first_vm; v <= s->last_vm; v++) {
			struct dvm *dvm = &d->vms[v];
			if (!dvm->dv) {
				if (!(dvm->dv = malloc(sizeof(*dvm->dv))))
					goto oom;
				disk_vm_init(dvm->dv, v);
			}
			if (disk_attach(dvm->dv, d->disks[i], err, errlen) != 0)
				goto fail;
		}
	}
	if (console_in_open(&d->con, c->console_in, c->console_text, c->console_vm, c->nvms,
			    err, errlen) != 0)
		goto fail;
	if (d->con.len)
		d->h.schedule(d->h.ctx, 0); // devset_run raises DENALI_IRQ_CONSOLE at time 0
	if (c->tap) {
		if (live_open(&d->live, c->tap, err, errlen) != 0)
			goto fail;
		d->tap_port = switch_add_port(d->sw, tap_deliver, d, true);
		if (d->tap_port == SWITCH_NO_PORT)
			goto oom;
		d->h.schedule(d->h.ctx, 0); // the first pacing tick
	}
	if (c->pcap_in) {
		struct pcap_in_config pc = {
			.path = c->pcap_in, .start_ns = c->pcap_start_ns,
			.speed_milli = c->pcap_speed_milli, .loops = c->pcap_loops,
			.rewrite = c->pcap_rewrite, .rewrite_ipv4 = c->pcap_rewrite && c->ipv4,
			.seed = c->pcap_seed, .nvms = c->nvms,
		};
		d->next = malloc(sizeof(*d->next));
		if (!d->next)
			goto oom;
		if (pcap_in_open(&d->in, &pc, err, errlen) != 0)
			goto fail;
		// A trace damaged before its first frame is the user's bad input: say so now.
		if (replay_fetch(d) < 0) {
			snprintf(err, errlen, "%s", d->in_err);
			goto fail;
		}
	}
	*out = d;
	return 0;
oom:
	snprintf(err, errlen, "devices: out of memory");
fail:;
	char e2[8];
	devset_free(d, e2, sizeof(e2));
	return -1;
}

int devset_free(struct devset *d, char *err, size_t errlen)
{
	if (!d)
		return 0;
	int rc = 0;
	if (d->in_err[0] && !d->have_next && d->in) {
		snprintf(err, errlen, "%s", d->in_err);
		rc = -1;
	}
	if (d->out && pcap_out_close(d->out, err, errlen) != 0)
		rc = -1;
	for (uint32_t i = 0; i < DEVSET_MAX_DISKS; i++)
		if (d->disks[i] && disk_close(d->disks[i], err, errlen) != 0)
			rc = -1;
	pcap_in_close(d->in);
	console_in_close(&d->con);
	live_close(d->live);
	linkq_free(&d->inbox);
	free(d->next);
	if (d->vms)
		for (uint32_t i = 0; i < d->cfg.nvms; i++) {
			nic_destroy(&d->vms[i].nic);
			free(d->vms[i].dv);
		}
	free(d->vms);
	switch_free(d->sw);
	free(d);
	return rc;
}

// --- running ----------------------------------------------------------------------

int devset_link_in(struct devset *d, const uint8_t *frame, uint32_t len, uint64_t t_ns,
		   uint32_t src, uint64_t seq)
{
	if (d->uplink_port == SWITCH_NO_PORT ||
	    linkq_push(&d->inbox, t_ns, src, seq, frame, len) != 0) {
		d->uplink_drop++;
		return -1;
	}
	d->h.schedule(d->h.ctx, t_ns);
	return 0;
}

void devset_run(struct devset *d, uint64_t now_ns)
{
	// Replayed frames and frames from other machines enter in time order (a replayed
	// frame first at equal times), so the switch never sees time go back.
	for (;;) {
		const struct linkq_frame *in = linkq_peek(&d->inbox);
		bool replay = d->have_next && d->next->t_ns <= now_ns;
		bool link = in && in->t_ns <= now_ns;
		if (replay && (!link || d->next->t_ns <= in->t_ns)) {
			(void)switch_send(d->sw, d->replay_port, d->next->data, d->next->len,
					  d->next->t_ns); // a full queue is counted by the switch
			d->replay_frames++;
			(void)replay_fetch(d); // a damaged record ends the replay (devset_free reports)
		} else if (link) {
			struct linkq_frame f;
			linkq_pop(&d->inbox, &f);
			d->uplink_in++;
			(void)switch_send(d->sw, d->uplink_port, f.data, f.len, f.t_ns);
			free(f.data);
		} else {
			break;
		}
	}
	if (d->live) { // frames from the TAP enter at now_ns (tap_in)
		d->live_now = now_ns;
		live_run(d->live, now_ns, tap_in, d);
		if (d->live_next <= now_ns) {
			d->live_next = now_ns + LIVE_TICK_NS;
			d->h.schedule(d->h.ctx, d->live_next);
		}
	}
	switch_run(d->sw, now_ns);
	for (uint32_t i = 0; i < DEVSET_MAX_DISKS; i++)
		if (d->disks[i])
			disk_run(d->disks[i], now_ns, disk_done, d);
	for (uint32_t i = 0; d->con.len && i < d->cfg.nvms; i++)
		if (!d->vms[i].ended && console_in_take_signal(&d->con, i))
			d->h.raise_irq(d->h.ctx, i, DENALI_IRQ_CONSOLE);
}

uint32_t devset_pio(struct devset *d, uint32_t vm_id, uint16_t port, uint32_t regs[8],
		    uint64_t now_ns)
{
	if (vm_id >= d->cfg.nvms)
		return 0;
	struct dvm *v = &d->vms[vm_id];
	uint32_t r;
	switch (port) {
	case NIC_PORT_SEND:
		devset_run(d, now_ns);
		r = nic_send(&v->nic, &v->io, regs[DEVSET_ESI], regs[DEVSET_ECX], d->tx);
		if (r == 0)
			(void)switch_send(d->sw, vm_id, d->tx, regs[DEVSET_ECX], now_ns);
		regs[DEVSET_EAX] = r;
		break;
	case NIC_PORT_RECV:
		devset_run(d, now_ns);
		regs[DEVSET_EAX] = nic_recv(&v->nic, &v->io, regs[DEVSET_EDI], regs[DEVSET_ECX]);
		if (regs[DEVSET_EAX] == 0)
			return 1; // nothing received: a status read, chatty or not (nic.h)
		break;
	case NIC_PORT_STATUS:
		devset_run(d, now_ns);
		regs[DEVSET_EAX] = nic_status(&v->nic);
		break;
	case DISK_PORT_READ:
		regs[DEVSET_EAX] = disk_pio_read(disks(v), regs[DEVSET_ECX], regs[DEVSET_EBX],
						 regs[DEVSET_EDI], now_ns);
		if (d->observe)
			disk_event(d, vm_id, false, true, regs[DEVSET_ECX], regs[DEVSET_EAX], 0,
				   regs[DEVSET_EBX], regs[DEVSET_EDI], now_ns);
		break;
	case DISK_PORT_WRITE:
		regs[DEVSET_EAX] = disk_pio_write(disks(v), &v->io, regs[DEVSET_ECX],
						  regs[DEVSET_EBX], regs[DEVSET_ESI], now_ns);
		if (d->observe)
			disk_event(d, vm_id, false, false, regs[DEVSET_ECX], regs[DEVSET_EAX], 0,
				   regs[DEVSET_EBX], regs[DEVSET_ESI], now_ns);
		break;
	case DISK_PORT_DONE:
		regs[DEVSET_EAX] = disk_pio_done(disks(v), &regs[DEVSET_ECX]);
		break;
	case DISK_PORT_INFO:
		regs[DEVSET_EAX] = disk_pio_info(disks(v), regs[DEVSET_ECX], &regs[DEVSET_ECX]);
		break;
	case DENALI_PORT_CONSOLE_READ:
		regs[DEVSET_EAX] = console_in_read(&d->con, vm_id, regs[DEVSET_EDI],
						   regs[DEVSET_ECX], io_copyout, v);
		return 1;
	default:
		return 0;
	}
	return nic_pio_cost(&v->nic, port);
}

void devset_vm_ended(struct devset *d, uint32_t vm_id)
{
	if (vm_id >= d->cfg.nvms || d->vms[vm_id].ended)
		return;
	d->vms[vm_id].ended = true;
	switch_port_set_up(d->sw, vm_id, false);
	if (d->vms[vm_id].dv)
		disk_vm_detach(d->vms[vm_id].dv);
}

void devset_vregs(const struct devset *d, uint32_t vm_id, uint8_t mac[6], uint32_t *ipv4)
{
	memset(mac, 0, 6);
	*ipv4 = 0;
	if (vm_id >= d->cfg.nvms)
		return;
	const struct nic *n = &d->vms[vm_id].nic;
	memcpy(mac, n->mac, 6);
	uint8_t b[4] = { (uint8_t)(n->ipv4 >> 24), (uint8_t)(n->ipv4 >> 16),
			 (uint8_t)(n->ipv4 >> 8), (uint8_t)n->ipv4 };
	memcpy(ipv4, b, 4); // network order in memory
}

void devset_host_mem(const struct devset *d, struct devset_mem *m)
{
	m->vm_records = (uint64_t)d->cfg.nvms * sizeof(*d->vms);
	for (uint32_t i = 0; i < d->cfg.nvms; i++)
		m->vm_records += d->vms[i].dv ? sizeof(*d->vms[i].dv) : 0;
	m->nic_queues = m->nic_frames = 0;
	for (uint32_t i = 0; i < d->cfg.nvms; i++) {
		m->nic_queues += nic_host_bytes(&d->vms[i].nic);
		m->nic_frames += d->vms[i].nic.count;
	}
	m->sw = switch_host_bytes(d->sw);
	m->other = sizeof(*d) + linkq_host_bytes(&d->inbox) + d->con.len +
		   (d->con.pos ? (uint64_t)d->con.nvms * (sizeof(*d->con.pos) + 1) : 0) +
		   (d->next ? sizeof(*d->next) : 0);
}

const struct nic_stats *devset_nic_stats(const struct devset *d, uint32_t vm_id)
{
	return vm_id < d->cfg.nvms ? &d->vms[vm_id].nic.st : NULL;
}

void devset_stats(const struct devset *d, struct devset_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (uint32_t i = 0; i < d->cfg.nvms; i++) {
		const struct nic_stats *n = &d->vms[i].nic.st;
		st->nic_tx += n->tx_frames;
		st->nic_rx += n->rx_frames;
		st->nic_rx_drop_full += n->rx_drop_full + n->rx_drop_nomem;
		st->nic_tx_err += n->tx_err_length + n->tx_err_fault;
	}
	if (d->in) {
		const struct pcap_in_stats *p = pcap_in_stats(d->in);
		st->replay_drop = p->drop_truncated + p->drop_runt + p->drop_oversize;
	}
	st->replay_frames = d->replay_frames;
	st->sw_forwarded = d->sw->st.forwarded;
	st->sw_flooded = d->sw->st.flooded;
	st->sw_arp_steered = d->sw->st.arp_steered;
	st->sw_drop_unknown = d->sw->st.drop_unknown;
	st->sw_drop_down = d->sw->st.drop_down;
	for (uint32_t p = 0; p <= d->replay_port; p++)
		st->sw_drop_queue += switch_port_stats(d->sw, p)->tx_drop_full;
	st->captured = d->out ? pcap_out_frames(d->out) : 0;
	st->sw_lost = d->sw->st.lost;
	st->sw_queued = switch_queued(d->sw);
	if (d->uplink_port != SWITCH_NO_PORT) {
		const struct switch_port_stats *u = switch_port_stats(d->sw, d->uplink_port);
		st->uplink = true;
		st->uplink_out = u->rx_frames;
		st->uplink_lost = u->rx_loss;
		st->uplink_in = d->uplink_in;
		st->uplink_in_drop = d->uplink_drop;
		st->sw_drop_queue += u->tx_drop_full;
	}
	st->live = d->live != NULL;
	if (d->live)
		live_counts(d->live, &st->tap_rx, &st->tap_tx, &st->tap_tx_err);
	for (uint32_t i = 0; i < DEVSET_MAX_DISKS; i++)
		if (d->disks[i]) {
			st->disk_reads += d->disks[i]->st.reads;
			st->disk_writes += d->disks[i]->st.writes;
			st->disk_errors += d->disks[i]->st.errors_io;
		}
}

// --- checkpoints (src/vmm/devhost.c) ----------------------------------------------------

int devset_ckpt_save(const struct devset *d, struct devstate_w *w, char *err, size_t errlen)
{
	if (d->live) {
		snprintf(err, errlen, "checkpoint: not with --tap (a TAP device is the outside "
			 "world: its traffic cannot be replayed)");
		return -1;
	}
	devstate_u32(w, d->cfg.nvms);
	for (uint32_t i = 0; i < d->cfg.nvms; i++) {
		devstate_u8(w, d->vms[i].ended);
		nic_ckpt_save(&d->vms[i].nic, w);
		devstate_u8(w, d->vms[i].dv != NULL);
		if (d->vms[i].dv)
			disk_vm_ckpt_save(d->vms[i].dv, w);
	}
	switch_ckpt_save(d->sw, w);
	linkq_ckpt_save(&d->inbox, w);
	devstate_u64(w, d->replay_frames);
	devstate_u64(w, d->uplink_in);
	devstate_u64(w, d->uplink_drop);
	// Trace replay: where it is in the file, and the frame already read.
	devstate_u8(w, d->in != NULL);
	if (d->in) {
		struct pcap_in_pos pos;
		pcap_in_pos(d->in, &pos);
		const uint64_t v[] = { pos.ts_first, pos.ts_last, pos.last_t, pos.loop_base,
				       pos.loop_records, pos.st.records, pos.st.frames,
				       pos.st.bytes, pos.st.drop_truncated, pos.st.drop_runt,
				       pos.st.drop_oversize, pos.st.ts_backwards };
		devstate_u32(w, pos.loop);
		devstate_u8(w, pos.have_first);
		devstate_u32(w, pos.st.loops_done);
		for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
			devstate_u64(w, v[i]);
		devstate_u8(w, d->have_next);
		if (d->have_next) {
			devstate_u64(w, d->next->t_ns);
			devstate_u32(w, d->next->vm);
			devstate_u32(w, d->next->len);
			devstate_raw(w, d->next->data, d->next->len);
		}
	}
	// Capture: its frames (the file's bytes are the front end's: devset_capture_sync).
	devstate_u8(w, d->out != NULL);
	if (d->out)
		devstate_u64(w, pcap_out_frames(d->out));
	// Console input: every VM's read position.
	devstate_u32(w, d->con.len);
	for (uint32_t i = 0; d->con.len && i < d->cfg.nvms; i++) {
		devstate_u32(w, d->con.pos[i]);
		devstate_u8(w, d->con.signalled[i]);
	}
	// Disks: queues, heads and a read-write disk's contents.
	devstate_u32(w, d->cfg.ndisks);
	for (uint32_t i = 0; i < d->cfg.ndisks; i++)
		if (disk_ckpt_save(d->disks[i], w, err, errlen) != 0)
			return -1;
	if (w->oom) {
		snprintf(err, errlen, "checkpoint: out of memory");
		return -1;
	}
	return 0;
}

static int load_replay(struct devset *d, struct devstate_r *r)
{
	struct pcap_in_pos pos = { 0 };
	pos.loop = devstate_get_u32(r);
	pos.have_first = devstate_get_u8(r) != 0;
	pos.st.loops_done = devstate_get_u32(r);
	uint64_t *v[] = { &pos.ts_first, &pos.ts_last, &pos.last_t, &pos.loop_base,
			  &pos.loop_records, &pos.st.records, &pos.st.frames,
			  &pos.st.bytes, &pos.st.drop_truncated, &pos.st.drop_runt,
			  &pos.st.drop_oversize, &pos.st.ts_backwards };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		*v[i] = devstate_get_u64(r);
	bool have_next = devstate_get_u8(r) != 0;
	if (r->bad || pcap_in_seek(d->in, &pos, d->in_err, sizeof d->in_err) != 0)
		return -1;
	d->in_err[0] = 0;
	d->have_next = have_next;
	if (have_next) {
		d->next->t_ns = devstate_get_u64(r);
		d->next->vm = devstate_get_u32(r);
		d->next->len = devstate_get_u32(r);
		const uint8_t *p = d->next->len <= NIC_FRAME_MAX ? devstate_get_raw(r, d->next->len)
								 : NULL;
		if (!p || d->next->vm >= d->cfg.nvms)
			return -1;
		memcpy(d->next->data, p, d->next->len);
	}
	return 0;
}

int devset_ckpt_load(struct devset *d, struct devstate_r *r)
{
	if (d->live)
		return -1;
	if (devstate_get_u32(r) != d->cfg.nvms || r->bad)
		return -1;
	for (uint32_t i = 0; i < d->cfg.nvms; i++) {
		d->vms[i].ended = devstate_get_u8(r) != 0;
		if (nic_ckpt_load(&d->vms[i].nic, r) != 0)
			return -1;
		bool dv = devstate_get_u8(r) != 0;
		if (dv != (d->vms[i].dv != NULL) ||
		    (dv && disk_vm_ckpt_load(d->vms[i].dv, r) != 0))
			return -1;
	}
	if (switch_ckpt_load(d->sw, r) != 0 ||
	    linkq_ckpt_load(&d->inbox, r, NIC_FRAME_MAX) != 0)
		return -1;
	d->replay_frames = devstate_get_u64(r);
	d->uplink_in = devstate_get_u64(r);
	d->uplink_drop = devstate_get_u64(r);
	if ((devstate_get_u8(r) != 0) != (d->in != NULL) || r->bad ||
	    (d->in && load_replay(d, r) != 0))
		return -1;
	if ((devstate_get_u8(r) != 0) != (d->out != NULL) || r->bad)
		return -1;
	if (d->out && devstate_get_u64(r) != pcap_out_frames(d->out))
		return -1; // the front end opened the capture to go on after these frames
	if (devstate_get_u32(r) != d->con.len || r->bad)
		return -1;
	for (uint32_t i = 0; d->con.len && i < d->cfg.nvms; i++) {
		d->con.pos[i] = devstate_get_u32(r);
		d->con.signalled[i] = devstate_get_u8(r) != 0;
		if (d->con.pos[i] > d->con.len)
			return -1;
	}
	if (devstate_get_u32(r) != d->cfg.ndisks || r->bad)
		return -1;
	for (uint32_t i = 0; i < d->cfg.ndisks; i++)
		if (disk_ckpt_load(d->disks[i], r) != 0)
			return -1;
	return r->bad || r->off != r->len ? -1 : 0;
}

bool devset_capture_sync(const struct devset *d, uint64_t *bytes, uint64_t *frames)
{
	if (!d->out)
		return false;
	return pcap_out_sync(d->out, bytes, frames) == 0;
}
