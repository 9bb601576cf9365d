// SPDX-License-Identifier: MIT
// The libos netinet/tcp.h: TCP-level socket options (setsockopt level IPPROTO_TCP).
#ifndef DENALI_LIBOS_NETINET_TCP_H
#define DENALI_LIBOS_NETINET_TCP_H

#define TCP_NODELAY 1 // int: send small segments at once (no Nagle)
#define TCP_MAXSEG 2  // getsockopt only: the segment size this connection sends

#endif
