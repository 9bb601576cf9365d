// SPDX-License-Identifier: MIT
// read, write, close, getpid, _exit (<unistd.h>). Descriptors 0..2 are the console:
// writes go through the printf line buffer's flush first (so output stays in order)
// and then one console-write PIO; read(0) is one CONSOLE_READ PIO (docs/isa.md 9.4).
// Descriptors from 3 up belong to the socket layer (fd.h); the weak definitions here
// fail with EBADF and are replaced by the network stack's when it is linked in.
#include <denali.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "fd.h"

__attribute__((weak)) int denali_sock_close(int fd)
{
	(void)fd;
	errno = EBADF;
	return -1;
}

__attribute__((weak)) long denali_sock_read(int fd, void *buf, unsigned long n)
{
	(void)fd;
	(void)buf;
	(void)n;
	errno = EBADF;
	return -1;
}

__attribute__((weak)) long denali_sock_write(int fd, const void *buf, unsigned long n)
{
	(void)fd;
	(void)buf;
	(void)n;
	errno = EBADF;
	return -1;
}

// CONSOLE_READ: EDI = buffer, ECX = capacity; EAX = bytes, 0 none, -1 bad buffer.
static int32_t console_read(void *buf, uint32_t cap)
{
	uint32_t ret;
	__asm__ volatile("inl %%dx, %%eax"
		: "=a"(ret)
		: "d"(DENALI_PORT_CONSOLE_READ), "D"(buf), "c"(cap)
		: "memory");
	return (int32_t)ret;
}

ssize_t read(int fd, void *buf, size_t n)
{
	if (fd >= DENALI_FD_FIRST_SOCKET)
		return (ssize_t)denali_sock_read(fd, buf, n);
	if (fd != STDIN_FILENO) {
		errno = EBADF;
		return -1;
	}
	if (n == 0)
		return 0;
	int32_t got = console_read(buf, n > 4096 ? 4096 : (uint32_t)n);
	if (got < 0) {
		errno = EFAULT;
		return -1;
	}
	return got;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	if (fd >= DENALI_FD_FIRST_SOCKET)
		return (ssize_t)denali_sock_write(fd, buf, n);
	if (fd != STDOUT_FILENO && fd != STDERR_FILENO) {
		errno = EBADF;
		return -1;
	}
	if (n == 0)
		return 0;
	denali_console_flush();
	int w = denali_console_write(buf, n);
	if (w < 0) {
		errno = EFAULT;
		return -1;
	}
	return w;
}

int close(int fd)
{
	if (fd >= DENALI_FD_FIRST_SOCKET)
		return denali_sock_close(fd);
	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	return 0; // the console cannot be closed; pretend, as a daemon expects
}

pid_t getpid(void)
{
	return (pid_t)denali_vm_id();
}

void _exit(int status)
{
	denali_terminate(status);
}
