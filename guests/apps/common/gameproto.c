// SPDX-License-Identifier: MIT
// Encoding and decoding of the game protocol (gameproto.h). The decoder checks the
// exact length of every message type before reading a field.
#include "gameproto.h"

#include <string.h>

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

// An entry's 32 bytes (also the UPDATE body from offset 4 on: the same layout).
static void put_entry(uint8_t *p, const struct gp_entry *e)
{
	put16(p, e->id);
	put16(p + 2, 0);
	put32(p + 4, e->seq);
	for (int i = 0; i < 3; i++) {
		put32(p + 8 + 4 * i, (uint32_t)e->pos[i]);
		put32(p + 20 + 4 * i, (uint32_t)e->vel[i]);
	}
}

static void get_entry(const uint8_t *p, struct gp_entry *e)
{
	e->id = get16(p);
	e->seq = get32(p + 4);
	for (int i = 0; i < 3; i++) {
		e->pos[i] = (int32_t)get32(p + 8 + 4 * i);
		e->vel[i] = (int32_t)get32(p + 20 + 4 * i);
	}
}

size_t gp_encode(const struct gp_msg *m, uint8_t *buf)
{
	put16(buf, GP_MAGIC);
	buf[2] = (uint8_t)m->type;
	buf[3] = GP_VERSION;
	switch (m->type) {
	case GP_JOIN:
		put32(buf + 4, m->session);
		put32(buf + 8, m->nonce);
		return 12;
	case GP_WELCOME:
		put32(buf + 4, m->session);
		put32(buf + 8, m->nonce);
		put16(buf + 12, m->e.id);
		put16(buf + 14, 0);
		return 16;
	case GP_UPDATE:
		put_entry(buf + 4, &m->e);
		return 36;
	case GP_SNAPSHOT: {
		uint16_t n = m->n > GP_SESSION_MAX ? GP_SESSION_MAX : m->n;
		put32(buf + 4, m->tick);
		put32(buf + 8, m->session);
		put16(buf + 12, n);
		put16(buf + 14, 0);
		for (uint16_t i = 0; i < n; i++)
			put_entry(buf + 16 + 32 * i, &m->entries[i]);
		return 16 + 32 * (size_t)n;
	}
	case GP_LEAVE:
		put16(buf + 4, m->e.id);
		put16(buf + 6, 0);
		return 8;
	}
	return 0;
}

int gp_decode(const uint8_t *buf, size_t len, struct gp_msg *m)
{
	memset(m, 0, sizeof *m);
	if (len < 4 || get16(buf) != GP_MAGIC || buf[3] != GP_VERSION)
		return -1;
	m->type = (enum gp_type)buf[2];
	switch (buf[2]) {
	case GP_JOIN:
		if (len != 12)
			return -1;
		m->session = get32(buf + 4);
		m->nonce = get32(buf + 8);
		return 0;
	case GP_WELCOME:
		if (len != 16)
			return -1;
		m->session = get32(buf + 4);
		m->nonce = get32(buf + 8);
		m->e.id = get16(buf + 12);
		return 0;
	case GP_UPDATE:
		if (len != 36)
			return -1;
		get_entry(buf + 4, &m->e);
		return 0;
	case GP_SNAPSHOT:
		if (len < 16)
			return -1;
		m->tick = get32(buf + 4);
		m->session = get32(buf + 8);
		m->n = get16(buf + 12);
		if (m->n > GP_SESSION_MAX || len != 16 + 32 * (size_t)m->n)
			return -1;
		for (uint16_t i = 0; i < m->n; i++)
			get_entry(buf + 16 + 32 * i, &m->entries[i]);
		return 0;
	case GP_LEAVE:
		if (len != 8)
			return -1;
		m->e.id = get16(buf + 4);
		return 0;
	}
	return -1;
}
