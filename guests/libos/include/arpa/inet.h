// SPDX-License-Identifier: MIT
// The libos arpa/inet.h: IPv4 address text conversions (net/inet.c). Only the
// dotted-quad form "a.b.c.d" with decimal parts 0..255 is accepted (inet_aton's
// shorter and hex/octal forms are not).
#ifndef DENALI_LIBOS_ARPA_INET_H
#define DENALI_LIBOS_ARPA_INET_H

#include <netinet/in.h>

// The address in network order, or INADDR_NONE for bad text.
in_addr_t inet_addr(const char *cp);
// 1 and *inp set, or 0 for bad text.
int inet_aton(const char *cp, struct in_addr *inp);
// "a.b.c.d" in a static buffer that the next call overwrites.
char *inet_ntoa(struct in_addr in);
// AF_INET only: 1 on success, 0 for bad text, -1 with errno EAFNOSUPPORT.
int inet_pton(int af, const char *src, void *dst);
// dst, or NULL with errno EAFNOSUPPORT or ENOSPC (size below INET_ADDRSTRLEN needed).
const char *inet_ntop(int af, const void *src, char *dst, socklen_t size);

#endif
