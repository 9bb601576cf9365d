// SPDX-License-Identifier: MIT
// Virtual disks (disk.c): persistent, fixed-size disks in host files, serving 4 KiB block
// reads and writes asynchronously with a modelled service time, and the per-VM side of
// the disk PIO ABI (docs/isa.md section 9).
//
// A disk is opened read-write (attached to one VM at a time) or read-only (attached to
// any number of VMs: a shared boot image). Requests are served in FIFO order, one at a
// time; a request's completion time is fixed when it is queued:
//   start   = max(now, when the disk becomes free)
//   service = seek + rotation + transfer
//     seek      0 on the same track, else seek_min + (seek_max - seek_min) *
//               sqrt(tracks moved / tracks on the disk)
//     rotation  wait for the block's sector angle (block mod blocks_per_track) to come
//               under the head, the platter turning at rpm since time 0
//     transfer  4096 bytes at transfer_bps
// The host file is read or written when the request completes (disk_run), in FIFO order,
// so a read queued after a write sees the write. Like the switch, the disk asks its owner
// to call disk_run at a time through a schedule callback, and never reads a clock.
#ifndef DENALI_DEVICES_DISK_H
#define DENALI_DEVICES_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "denali/abi.h"
#include "devices/nic.h" // struct nic_guest_io

#define DISK_BLOCK DENALI_DISK_BLOCK
#define DISK_PER_VM DENALI_DISK_PER_VM           // disks one VM can have, numbered 0..3
#define DISK_OUTSTANDING DENALI_DISK_OUTSTANDING // requests a VM may have queued or uncollected

// Ports (docs/isa.md section 9; the values are the ABI's, include/denali/abi.h).
#define DISK_PORT_READ DENALI_PORT_DISK_READ   // ECX = disk, EBX = block, EDI = buffer
#define DISK_PORT_WRITE DENALI_PORT_DISK_WRITE // ECX = disk, EBX = block, ESI = buffer
#define DISK_PORT_DONE DENALI_PORT_DISK_DONE   // EAX <- oldest completed id, ECX <- status
#define DISK_PORT_INFO DENALI_PORT_DISK_INFO   // ECX = disk; EAX <- blocks, ECX <- RO flag
#define DISK_PORT_FIRST 0x0120u
#define DISK_PORT_LAST 0x012fu

// Errors in EAX (submission) or ECX (completion status). 0 is success.
#define DISK_ERR_FAULT DENALI_DISK_ERR_FAULT   // the buffer is not all in guest memory
#define DISK_ERR_RANGE DENALI_DISK_ERR_RANGE   // block number past the end of the disk
#define DISK_ERR_RDONLY DENALI_DISK_ERR_RDONLY // write to a read-only disk
#define DISK_ERR_NODISK DENALI_DISK_ERR_NODISK // no disk with that number
#define DISK_ERR_BUSY DENALI_DISK_ERR_BUSY     // DISK_OUTSTANDING requests already
#define DISK_ERR_IO DENALI_DISK_ERR_IO         // the host file failed (completion only)

struct disk_model {
	uint64_t seek_min_ns;        // 800,000: track to track
	uint64_t seek_max_ns;        // 17,000,000: full stroke
	uint32_t rpm;                // 7,200
	uint32_t blocks_per_track;   // 128 (512 KiB per track)
	uint64_t transfer_bps;       // 40,000,000 bytes/s media rate
};
void disk_model_default(struct disk_model *m);

// A finished request, handed to the owner's completion callback by disk_run.
struct disk_done {
	uint32_t vm_id, id;      // who asked, and the id the PIO returned
	bool is_read;
	uint32_t addr;           // guest buffer of a read
	const uint8_t *data;     // a read's DISK_BLOCK bytes (valid during the call)
	uint32_t status;         // 0 or DISK_ERR_IO
	uint64_t t_ns;           // completion time
};
typedef void (*disk_complete_fn)(void *ctx, const struct disk_done *d);
typedef void (*disk_schedule_fn)(void *ctx, uint64_t t_ns);

struct disk_stats {
	uint64_t reads, writes, errors_io;
	uint64_t busy_ns;            // total service time
	uint64_t seeks;
};

struct disk_req;

struct disk {
	char *path;
	int fd;
	uint64_t nblocks;
	bool readonly;
	uint32_t attached;           // VMs attached
	uint32_t owner;              // the VM of a read-write disk
	struct disk_model m;
	disk_schedule_fn schedule;
	void *sched_ctx;
	uint64_t free_ns;            // the disk is busy until then
	uint64_t head_track;
	struct disk_req *q;          // FIFO ring of queued requests
	uint32_t q_head, q_len, q_cap;
	struct disk_stats st;
	uint8_t **ov;                // loaded from a checkpoint (disk_ckpt_load): the
				     // contents, block by block (NULL: zeros); else NULL
};

// Opens (creating when missing and size_bytes > 0) the disk image at path.
// size_bytes: 0 = use the file's size; otherwise an existing file must have that size.
// The size must be a non-zero multiple of 4096. Returns 0, or -1 with "PATH: problem".
int disk_open(struct disk **out, const char *path, uint64_t size_bytes, bool readonly,
	      const struct disk_model *m, disk_schedule_fn schedule, void *ctx,
	      char *err, size_t errlen);
// Completes nothing further; flushes and closes the file. Queued requests are discarded.
// Returns 0, or -1 when the host could not flush (message in err).
int disk_close(struct disk *d, char *err, size_t errlen);
// Serves every request that completes by t_ns, calling done for each, in order.
void disk_run(struct disk *d, uint64_t t_ns, disk_complete_fn done, void *ctx);
// The service time the model gives a request for `block` starting at t_ns with the head
// on head_track (exposed for tests and docs).
uint64_t disk_service_ns(const struct disk *d, uint64_t head_track, uint64_t block,
			 uint64_t t_ns);

// --- the per-VM side: attached disks and the PIO ops ------------------------------
struct disk_vm {
	uint32_t vm_id;
	struct disk *d[DISK_PER_VM];
	uint32_t n;
	uint32_t next_id;            // ids run 1, 2, ... (0 is never used)
	uint32_t outstanding;        // queued + completed but not collected
	uint32_t done_id[DISK_OUTSTANDING], done_status[DISK_OUTSTANDING];
	uint32_t done_head, done_len;
};

void disk_vm_init(struct disk_vm *v, uint32_t vm_id);
// Attaches d as the VM's next disk number. Returns 0, or -1 with a message (too many
// disks; a read-write disk already attached to another VM).
int disk_attach(struct disk_vm *v, struct disk *d, char *err, size_t errlen);
// Detaches every disk (the VM ended). Its queued requests still complete; their results
// are dropped by the owner.
void disk_vm_detach(struct disk_vm *v);

// DISK_READ / DISK_WRITE: queue a request at t_ns. Return the EAX value: the request id,
// or DISK_ERR_*. A write's data is copied from guest memory now (io).
uint32_t disk_pio_read(struct disk_vm *v, uint32_t disk, uint64_t block, uint32_t addr,
		       uint64_t t_ns);
uint32_t disk_pio_write(struct disk_vm *v, const struct nic_guest_io *io, uint32_t disk,
			uint64_t block, uint32_t addr, uint64_t t_ns);
// DISK_DONE: the oldest completion not yet collected; *status gets its status.
uint32_t disk_pio_done(struct disk_vm *v, uint32_t *status);
// DISK_INFO: blocks of disk number `disk` (0: none); *ro gets 1 for read-only.
uint32_t disk_pio_info(const struct disk_vm *v, uint32_t disk, uint32_t *ro);
// Records a completion for the VM (called by the owner from its done callback after
// copying a read's data out with io). Returns true when the VM had no uncollected
// completion before (raise DENALI_IRQ_DISK).
bool disk_vm_complete(struct disk_vm *v, uint32_t id, uint32_t status);

// Checkpoints (devset_ckpt_*, docs/debugging.md): the queue, the head, the counters and,
// for a read-write disk, its contents (every block that is not all zeros: from the
// file, or from the loaded contents). Save returns 0, or -1 with one line (the file
// could not be read). Load into a disk opened with the same path, size and mode:
// from then on the disk's contents are the loaded ones, kept in memory and read from
// there; writes go both there and to the file (a resumed run writes its image as a
// run does; what it reads never depends on the file). Returns 0, or -1 (bad bytes).
struct devstate_w;
struct devstate_r;
int disk_ckpt_save(const struct disk *d, struct devstate_w *w, char *err, size_t errlen);
int disk_ckpt_load(struct disk *d, struct devstate_r *r);
// The per-VM side: ids, completions not yet collected, and whether disks are attached.
void disk_vm_ckpt_save(const struct disk_vm *v, struct devstate_w *w);
int disk_vm_ckpt_load(struct disk_vm *v, struct devstate_r *r);

#endif
