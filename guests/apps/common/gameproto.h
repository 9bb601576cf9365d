// SPDX-License-Identifier: MIT
// The wire format between gamesrv and gameclient: a Quake-like protocol over UDP
// (port 27910). All fields big-endian; every message starts with a 4-byte header:
//
//   0  u16 magic 0x4451 ("DQ")   2  u8 type   3  u8 version (1)
//
//   JOIN      4 u32 session, 8 u32 nonce                                   12 bytes
//   WELCOME   4 u32 session, 8 u32 nonce, 12 u16 client id, 14 u16 0       16 bytes
//   UPDATE    4 u16 client id, 6 u16 0, 8 u32 seq, 12 i32 x y z, 24 i32 vx vy vz
//                                                                           36 bytes
//   SNAPSHOT  4 u32 tick, 8 u32 session, 12 u16 n, 14 u16 0, then n entries of
//             0 u16 client id, 2 u16 0, 4 u32 last seq, 8 i32 x y z, 20 i32 vx vy vz
//                                                           16 + 32 n bytes, n <= 16
//   LEAVE     4 u16 client id, 6 u16 0                                      8 bytes
//
// A client joins a session with a random nonce (repeating JOIN until WELCOME: the
// server answers a repeated JOIN with the same id), then streams UPDATEs with growing
// sequence numbers. Every 100 ms the server sends each client a SNAPSHOT of all the
// clients in its session. Positions are world units (|x| <= GP_WORLD), velocities
// units per second (|v| <= GP_VMAX per axis).
#ifndef DENALI_APPS_GAMEPROTO_H
#define DENALI_APPS_GAMEPROTO_H

#include <stddef.h>
#include <stdint.h>

#define GP_PORT 27910
#define GP_MAGIC 0x4451
#define GP_VERSION 1
#define GP_SESSION_MAX 16  // clients per session
#define GP_WORLD (1 << 20)
#define GP_VMAX 4096
#define GP_MSG_MAX (16 + 32 * GP_SESSION_MAX)

enum gp_type { GP_JOIN = 1, GP_WELCOME = 2, GP_UPDATE = 3, GP_SNAPSHOT = 4, GP_LEAVE = 5 };

struct gp_entry {
	uint16_t id;
	uint32_t seq;
	int32_t pos[3];
	int32_t vel[3];
};

struct gp_msg {
	enum gp_type type;
	uint32_t session, nonce, tick;
	struct gp_entry e;                          // JOIN/WELCOME: e.id; UPDATE/LEAVE: all
	uint16_t n;                                 // SNAPSHOT: entries
	struct gp_entry entries[GP_SESSION_MAX];
};

// Encodes m into buf (at least GP_MSG_MAX bytes). Returns the length.
size_t gp_encode(const struct gp_msg *m, uint8_t *buf);

// Decodes buf[0..len). Returns 0, or -1 when it is not exactly a valid message.
int gp_decode(const uint8_t *buf, size_t len, struct gp_msg *m);

#endif
