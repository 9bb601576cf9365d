// SPDX-License-Identifier: MIT
// Internal to the libos: how unistd.c hands descriptors from 3 up to the socket layer.
// The network stack (net/) implements these three; unistd.c has weak fallbacks that
// fail with EBADF, so programs without the stack still link. Each returns what the
// POSIX call would (-1 with errno set on failure). Descriptors 0..2 are the console
// and never reach these functions.
#ifndef DENALI_LIBOS_FD_H
#define DENALI_LIBOS_FD_H

#define DENALI_FD_FIRST_SOCKET 3

int denali_sock_close(int fd);
long denali_sock_read(int fd, void *buf, unsigned long n);
long denali_sock_write(int fd, const void *buf, unsigned long n);

#endif
