// SPDX-License-Identifier: MIT
// Virtual disks (disk.h): host-file images, the FIFO request queue with the service-time
// model, and the per-VM PIO side. Host file errors during a run become a request's
// DISK_ERR_IO status, never a crash; errors opening an image are the user's bad input.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/devstate.h"
#include "devices/disk.h"

struct disk_req {
	uint64_t done_ns;
	uint64_t block;
	uint32_t vm_id, id, addr;
	bool is_read;
	uint8_t *data;            // a write's block (owned)
};

void disk_model_default(struct disk_model *m)
{
	*m = (struct disk_model){
		.seek_min_ns = 800000,
		.seek_max_ns = 17000000,
		.rpm = 7200,
		.blocks_per_track = 128,
		.transfer_bps = 40000000,
	};
}

int disk_open(struct disk **out, const char *path, uint64_t size_bytes, bool readonly,
	      const struct disk_model *m, disk_schedule_fn schedule, void *ctx,
	      char *err, size_t errlen)
{
	if (size_bytes % DISK_BLOCK) {
		snprintf(err, errlen, "%s: size %llu is not a multiple of 4096", path,
			 (unsigned long long)size_bytes);
		return -1;
	}
	int fd = open(path, readonly ? O_RDONLY : (O_RDWR | (size_bytes ? O_CREAT : 0)),
		      0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	uint64_t have = (uint64_t)sb.st_size;
	if (size_bytes && have == 0 && !readonly) {
		if (ftruncate(fd, (off_t)size_bytes) != 0) {
			snprintf(err, errlen, "%s: cannot size to %llu bytes: %s", path,
				 (unsigned long long)size_bytes, strerror(errno));
			goto fail;
		}
		have = size_bytes;
	}
	if (size_bytes && have != size_bytes) {
		snprintf(err, errlen, "%s: holds %llu bytes, %llu expected", path,
			 (unsigned long long)have, (unsigned long long)size_bytes);
		goto fail;
	}
	if (have == 0 || have % DISK_BLOCK) {
		snprintf(err, errlen, "%s: size %llu is not a non-zero multiple of 4096",
			 path, (unsigned long long)have);
		goto fail;
	}
	struct disk *d = calloc(1, sizeof(*d));
	if (!d || !(d->path = strdup(path))) {
		free(d);
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	d->fd = fd;
	d->nblocks = have / DISK_BLOCK;
	d->readonly = readonly;
	if (m)
		d->m = *m;
	else
		disk_model_default(&d->m);
	if (!d->m.rpm)
		d->m.rpm = 7200;
	if (!d->m.blocks_per_track)
		d->m.blocks_per_track = 128;
	if (!d->m.transfer_bps)
		d->m.transfer_bps = 40000000;
	d->schedule = schedule;
	d->sched_ctx = ctx;
	*out = d;
	return 0;
fail:
	close(fd);
	return -1;
}

int disk_close(struct disk *d, char *err, size_t errlen)
{
	if (!d)
		return 0;
	int rc = 0;
	for (uint32_t i = 0; i < d->q_len; i++)
		free(d->q[(d->q_head + i) % d->q_cap].data);
	free(d->q);
	for (uint64_t b = 0; d->ov && b < d->nblocks; b++)
		free(d->ov[b]);
	free(d->ov);
	if (!d->readonly && fsync(d->fd) != 0) {
		snprintf(err, errlen, "%s: %s", d->path, strerror(errno));
		rc = -1;
	}
	if (close(d->fd) != 0 && rc == 0) {
		snprintf(err, errlen, "%s: %s", d->path, strerror(errno));
		rc = -1;
	}
	free(d->path);
	free(d);
	return rc;
}

// floor(sqrt(x)) by bisection on integers (no floating point: same on every host).
static uint64_t isqrt(uint64_t x)
{
	uint64_t lo = 0, hi = 1ull << 32;
	while (lo + 1 < hi) {
		uint64_t mid = (lo + hi) / 2;
		if (mid * mid <= x)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

uint64_t disk_service_ns(const struct disk *d, uint64_t head_track, uint64_t block,
			 uint64_t t_ns)
{
	const struct disk_model *m = &d->m;
	uint64_t bpt = m->blocks_per_track;
	uint64_t tracks = (d->nblocks + bpt - 1) / bpt;
	uint64_t track = block / bpt;
	uint64_t dist = track > head_track ? track - head_track : head_track - track;
	uint64_t seek = 0;
	if (dist) {
		uint64_t frac = isqrt(dist * (1ull << 20) / tracks); // 0..1024
		uint64_t span = m->seek_max_ns > m->seek_min_ns ?
				m->seek_max_ns - m->seek_min_ns : 0;
		seek = m->seek_min_ns + span * frac / 1024;
	}
	uint64_t rev_ns = 60000000000ull / m->rpm;
	uint64_t angle = (t_ns + seek) % rev_ns;
	uint64_t target = (block % bpt) * rev_ns / bpt;
	uint64_t rot = (target + rev_ns - angle) % rev_ns;
	uint64_t xfer = ((uint64_t)DISK_BLOCK * 1000000000ull + m->transfer_bps - 1) /
			m->transfer_bps;
	return seek + rot + xfer;
}

// Queues a request: computes its completion time (FIFO service) and tells the owner.
static int enqueue(struct disk *d, struct disk_req *r, uint64_t t_ns)
{
	if (d->q_len == d->q_cap) {
		uint32_t ncap = d->q_cap ? d->q_cap * 2 : 16;
		struct disk_req *nq = malloc(sizeof(*nq) * ncap);
		if (!nq)
			return -1;
		for (uint32_t i = 0; i < d->q_len; i++)
			nq[i] = d->q[(d->q_head + i) % d->q_cap];
		free(d->q);
		d->q = nq;
		d->q_head = 0;
		d->q_cap = ncap;
	}
	uint64_t start = t_ns > d->free_ns ? t_ns : d->free_ns;
	uint64_t svc = disk_service_ns(d, d->head_track, r->block, start);
	uint64_t track = r->block / d->m.blocks_per_track;
	if (track != d->head_track)
		d->st.seeks++;
	d->head_track = track;
	d->free_ns = start + svc;
	d->st.busy_ns += svc;
	r->done_ns = d->free_ns;
	d->q[(d->q_head + d->q_len) % d->q_cap] = *r;
	d->q_len++;
	if (d->q_len == 1 && d->schedule)
		d->schedule(d->sched_ctx, r->done_ns);
	return 0;
}

void disk_run(struct disk *d, uint64_t t_ns, disk_complete_fn done, void *ctx)
{
	uint8_t buf[DISK_BLOCK];
	bool any = false;
	while (d->q_len && d->q[d->q_head].done_ns <= t_ns) {
		struct disk_req r = d->q[d->q_head];
		d->q_head = (d->q_head + 1) % d->q_cap;
		d->q_len--;
		struct disk_done x = { .vm_id = r.vm_id, .id = r.id, .is_read = r.is_read,
				       .addr = r.addr, .t_ns = r.done_ns };
		off_t off = (off_t)(r.block * DISK_BLOCK);
		ssize_t n;
		if (r.is_read && d->ov) { // loaded contents (disk_ckpt_load)
			if (d->ov[r.block])
				memcpy(buf, d->ov[r.block], DISK_BLOCK);
			else
				memset(buf, 0, DISK_BLOCK);
			n = DISK_BLOCK;
			x.data = buf;
			d->st.reads++;
		} else if (r.is_read) {
			n = pread(d->fd, buf, DISK_BLOCK, off);
			x.data = buf;
			d->st.reads++;
		} else {
			if (d->ov) { // the contents in memory first: the file only follows
				if (!d->ov[r.block]) {
					d->ov[r.block] = r.data;
					r.data = NULL;
				} else {
					memcpy(d->ov[r.block], r.data, DISK_BLOCK);
				}
			}
			n = pwrite(d->fd, d->ov ? d->ov[r.block] : r.data, DISK_BLOCK, off);
			d->st.writes++;
		}
		free(r.data);
		if (n != (ssize_t)DISK_BLOCK) {
			x.status = DISK_ERR_IO;
			x.data = NULL;
			d->st.errors_io++;
		}
		done(ctx, &x);
		any = true;
	}
	// The owner already has an event for the head unless it just changed.
	if (any && d->q_len && d->schedule)
		d->schedule(d->sched_ctx, d->q[d->q_head].done_ns);
}

// --- per-VM side ------------------------------------------------------------------

void disk_vm_init(struct disk_vm *v, uint32_t vm_id)
{
	memset(v, 0, sizeof(*v));
	v->vm_id = vm_id;
	v->next_id = 1;
}

int disk_attach(struct disk_vm *v, struct disk *d, char *err, size_t errlen)
{
	if (v->n >= DISK_PER_VM) {
		snprintf(err, errlen, "%s: VM %u already has %u disks", d->path, v->vm_id,
			 DISK_PER_VM);
		return -1;
	}
	if (!d->readonly && d->attached && d->owner != v->vm_id) {
		snprintf(err, errlen, "%s: read-write disk already attached to VM %u "
			 "(share it read-only instead)", d->path, d->owner);
		return -1;
	}
	d->attached++;
	d->owner = v->vm_id;
	v->d[v->n++] = d;
	return 0;
}

void disk_vm_detach(struct disk_vm *v)
{
	for (uint32_t i = 0; i < v->n; i++)
		v->d[i]->attached--;
	v->n = 0;
}

static uint32_t check(struct disk_vm *v, uint32_t disk, uint64_t block)
{
	if (disk >= v->n)
		return DISK_ERR_NODISK;
	if (block >= v->d[disk]->nblocks)
		return DISK_ERR_RANGE;
	if (v->outstanding >= DISK_OUTSTANDING)
		return DISK_ERR_BUSY;
	return 0;
}

static uint32_t submit(struct disk_vm *v, struct disk *d, struct disk_req *r,
		       uint64_t t_ns)
{
	r->vm_id = v->vm_id;
	r->id = v->next_id;
	if (enqueue(d, r, t_ns) != 0) {
		free(r->data);
		return DISK_ERR_BUSY; // host out of memory: the guest may retry
	}
	v->next_id = v->next_id == UINT32_MAX / 2 ? 1 : v->next_id + 1;
	v->outstanding++;
	return r->id;
}

// DISK_READ (docs/isa.md section 9).
uint32_t disk_pio_read(struct disk_vm *v, uint32_t disk, uint64_t block, uint32_t addr,
		       uint64_t t_ns)
{
	uint32_t e = check(v, disk, block);
	if (e)
		return e;
	struct disk_req r = { .block = block, .addr = addr, .is_read = true };
	return submit(v, v->d[disk], &r, t_ns);
}

// DISK_WRITE (docs/isa.md section 9).
uint32_t disk_pio_write(struct disk_vm *v, const struct nic_guest_io *io, uint32_t disk,
			uint64_t block, uint32_t addr, uint64_t t_ns)
{
	uint32_t e = check(v, disk, block);
	if (e)
		return e;
	if (v->d[disk]->readonly)
		return DISK_ERR_RDONLY;
	struct disk_req r = { .block = block, .is_read = false, .data = malloc(DISK_BLOCK) };
	if (!r.data)
		return DISK_ERR_BUSY;
	if (io->copyin(io->ctx, r.data, addr, DISK_BLOCK) != 0) {
		free(r.data);
		return DISK_ERR_FAULT;
	}
	return submit(v, v->d[disk], &r, t_ns);
}

// DISK_DONE (docs/isa.md section 9).
uint32_t disk_pio_done(struct disk_vm *v, uint32_t *status)
{
	if (!v->done_len) {
		*status = 0;
		return 0;
	}
	uint32_t id = v->done_id[v->done_head];
	*status = v->done_status[v->done_head];
	v->done_head = (v->done_head + 1) % DISK_OUTSTANDING;
	v->done_len--;
	v->outstanding--;
	return id;
}

// DISK_INFO (docs/isa.md section 9).
uint32_t disk_pio_info(const struct disk_vm *v, uint32_t disk, uint32_t *ro)
{
	*ro = 0;
	if (disk >= v->n)
		return 0;
	*ro = v->d[disk]->readonly;
	uint64_t n = v->d[disk]->nblocks;
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

bool disk_vm_complete(struct disk_vm *v, uint32_t id, uint32_t status)
{
	if (v->done_len >= DISK_OUTSTANDING)
		return false; // cannot happen: outstanding bounds it
	uint32_t slot = (v->done_head + v->done_len) % DISK_OUTSTANDING;
	v->done_id[slot] = id;
	v->done_status[slot] = status;
	v->done_len++;
	return v->done_len == 1;
}

// --- checkpoints ------------------------------------------------------------------

#define NO_BLOCK UINT64_MAX // ends the list of saved blocks

static bool all_zero(const uint8_t *p)
{
	for (uint32_t i = 0; i < DISK_BLOCK; i++)
		if (p[i])
			return false;
	return true;
}

int disk_ckpt_save(const struct disk *d, struct devstate_w *w, char *err, size_t errlen)
{
	devstate_u64(w, d->nblocks);
	devstate_u8(w, d->readonly);
	devstate_u32(w, d->attached);
	devstate_u32(w, d->owner);
	devstate_u64(w, d->free_ns);
	devstate_u64(w, d->head_track);
	devstate_u64(w, d->st.reads);
	devstate_u64(w, d->st.writes);
	devstate_u64(w, d->st.errors_io);
	devstate_u64(w, d->st.busy_ns);
	devstate_u64(w, d->st.seeks);
	devstate_u32(w, d->q_len);
	for (uint32_t i = 0; i < d->q_len; i++) {
		const struct disk_req *r = &d->q[(d->q_head + i) % d->q_cap];
		devstate_u64(w, r->done_ns);
		devstate_u64(w, r->block);
		devstate_u32(w, r->vm_id);
		devstate_u32(w, r->id);
		devstate_u32(w, r->addr);
		devstate_u8(w, r->is_read);
		if (!r->is_read)
			devstate_raw(w, r->data, DISK_BLOCK);
	}
	if (d->readonly)
		return 0; // the file itself (checked by its SHA-256 at resume, checkpoint.c)
	uint8_t buf[DISK_BLOCK];
	for (uint64_t b = 0; b < d->nblocks; b++) {
		const uint8_t *p = buf;
		if (d->ov) {
			if (!(p = d->ov[b]))
				continue;
		} else if (pread(d->fd, buf, DISK_BLOCK, (off_t)(b * DISK_BLOCK)) != DISK_BLOCK) {
			snprintf(err, errlen, "%s: cannot read block %llu for the checkpoint",
				 d->path, (unsigned long long)b);
			return -1;
		}
		if (all_zero(p))
			continue;
		devstate_u64(w, b);
		devstate_raw(w, p, DISK_BLOCK);
	}
	devstate_u64(w, NO_BLOCK);
	return 0;
}

int disk_ckpt_load(struct disk *d, struct devstate_r *r)
{
	if (devstate_get_u64(r) != d->nblocks || devstate_get_u8(r) != d->readonly || d->q_len ||
	    d->ov)
		return -1;
	d->attached = devstate_get_u32(r);
	d->owner = devstate_get_u32(r);
	d->free_ns = devstate_get_u64(r);
	d->head_track = devstate_get_u64(r);
	d->st.reads = devstate_get_u64(r);
	d->st.writes = devstate_get_u64(r);
	d->st.errors_io = devstate_get_u64(r);
	d->st.busy_ns = devstate_get_u64(r);
	d->st.seeks = devstate_get_u64(r);
	uint32_t n = devstate_get_u32(r);
	uint64_t tracks = (d->nblocks + d->m.blocks_per_track - 1) / d->m.blocks_per_track;
	if (r->bad || n > r->len || d->head_track >= tracks)
		return -1;
	uint64_t last = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct disk_req q = { 0 };
		q.done_ns = devstate_get_u64(r);
		q.block = devstate_get_u64(r);
		q.vm_id = devstate_get_u32(r);
		q.id = devstate_get_u32(r);
		q.addr = devstate_get_u32(r);
		q.is_read = devstate_get_u8(r) != 0;
		const uint8_t *data = q.is_read ? NULL : devstate_get_raw(r, DISK_BLOCK);
		if (r->bad || q.block >= d->nblocks || q.done_ns < last || q.done_ns > d->free_ns ||
		    (!q.is_read && d->readonly))
			return -1;
		last = q.done_ns;
		if (data && !(q.data = malloc(DISK_BLOCK)))
			return -1;
		if (data)
			memcpy(q.data, data, DISK_BLOCK);
		// enqueue() would compute the time again: put it in as saved.
		if (d->q_len == d->q_cap) {
			uint32_t ncap = d->q_cap ? d->q_cap * 2 : 16;
			struct disk_req *nq = realloc(d->q, sizeof(*nq) * ncap);
			if (!nq) {
				free(q.data);
				return -1;
			}
			d->q = nq;
			d->q_cap = ncap;
		}
		d->q[d->q_len++] = q; // q_head is 0: nothing was queued before
	}
	if (d->readonly)
		return 0;
	if (!(d->ov = calloc(d->nblocks, sizeof(*d->ov))))
		return -1;
	uint64_t prev = 0;
	bool first = true;
	for (;;) {
		uint64_t b = devstate_get_u64(r);
		if (r->bad)
			return -1;
		if (b == NO_BLOCK)
			break;
		if (b >= d->nblocks || (!first && b <= prev))
			return -1;
		const uint8_t *p = devstate_get_raw(r, DISK_BLOCK);
		if (!p || !(d->ov[b] = malloc(DISK_BLOCK)))
			return -1;
		memcpy(d->ov[b], p, DISK_BLOCK);
		prev = b;
		first = false;
	}
	return 0;
}

void disk_vm_ckpt_save(const struct disk_vm *v, struct devstate_w *w)
{
	devstate_u32(w, v->n);
	devstate_u32(w, v->next_id);
	devstate_u32(w, v->outstanding);
	devstate_u32(w, v->done_head);
	devstate_u32(w, v->done_len);
	for (uint32_t i = 0; i < DISK_OUTSTANDING; i++) {
		devstate_u32(w, v->done_id[i]);
		devstate_u32(w, v->done_status[i]);
	}
}

int disk_vm_ckpt_load(struct disk_vm *v, struct devstate_r *r)
{
	uint32_t n = devstate_get_u32(r);
	v->next_id = devstate_get_u32(r);
	v->outstanding = devstate_get_u32(r);
	v->done_head = devstate_get_u32(r);
	v->done_len = devstate_get_u32(r);
	for (uint32_t i = 0; i < DISK_OUTSTANDING; i++) {
		v->done_id[i] = devstate_get_u32(r);
		v->done_status[i] = devstate_get_u32(r);
	}
	if (r->bad || (n != v->n && n != 0) || v->next_id == 0 || v->next_id > UINT32_MAX / 2 ||
	    v->outstanding > DISK_OUTSTANDING || v->done_head >= DISK_OUTSTANDING ||
	    v->done_len > v->outstanding)
		return -1;
	v->n = n; // 0: detached (the VM ended); the disks' attach counts are loaded with them
	return 0;
}
