// SPDX-License-Identifier: MIT
// The libos unistd.h (unistd.c, clock.c). File descriptors 0, 1 and 2 are the console
// (write to 1 or 2 prints, read from 0 takes console input); descriptors from 3 up are
// sockets (<sys/socket.h>). getpid returns the VM id, which is unique per machine.
#ifndef DENALI_LIBOS_UNISTD_H
#define DENALI_LIBOS_UNISTD_H

#include <stddef.h>
#include <sys/types.h>

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

// read/write/close return -1 with errno set on failure (EBADF for an unknown fd).
// read(0, ...) never blocks: it returns 0 when no console input is left.
ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
int close(int fd);
// Block the calling thread for at least us microseconds / s seconds (simulated time).
int usleep(useconds_t us);
unsigned sleep(unsigned s); // returns 0
pid_t getpid(void);
// Ends the VM at once with `status`, without flushing the console or running atexit.
__attribute__((noreturn)) void _exit(int status);

#endif
