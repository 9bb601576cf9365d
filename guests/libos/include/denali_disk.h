// SPDX-License-Identifier: MIT
// The libos disk driver (disk.c) for the virtual disks of docs/isa.md 9.3: blocking,
// thread-friendly reads and writes of whole 4096-byte blocks.
//
//   denali_disk_read(disk, block, buf)   0, or a DENALI_DISK_ERR_* status
//   denali_disk_write(disk, block, buf)  0, or a DENALI_DISK_ERR_* status
//   denali_disk_info(disk, &blocks, &ro) 0 (fills both), or DENALI_DISK_ERR_NODISK
//
// A call starts the request with one PIO, then blocks the calling thread (other
// threads run; with none runnable the VM idles) until the completion interrupt's
// callback has collected it with DISK_DONE. Many threads may have requests
// outstanding; when the kernel's queue is full (DENALI_DISK_OUTSTANDING) a call waits
// for a completion and retries. buf must stay valid until the call returns (a read's
// data is copied in at completion). The first call registers the DENALI_IRQ_DISK
// callback (denali_irq_register), which enables interrupts.
#ifndef DENALI_LIBOS_DENALI_DISK_H
#define DENALI_LIBOS_DENALI_DISK_H

#include <stdint.h>

#include <denali/abi.h>

uint32_t denali_disk_read(unsigned disk, uint32_t block, void *buf);
uint32_t denali_disk_write(unsigned disk, uint32_t block, const void *buf);
uint32_t denali_disk_info(unsigned disk, uint32_t *blocks, int *read_only);

#endif
