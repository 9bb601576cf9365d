// SPDX-License-Identifier: MIT
// Workload "fsm": a state machine that classifies comma-separated tokens (integers,
// signed numbers, decimals, scientific notation, garbage) one character at a time,
// counting the final state of every token and every state transition. Each round
// scans the text, corrupts a stride of its characters, scans again and restores it.
// Byte loads and compares, a switch on the state, unpredictable branches.
#include "coremix.h"

#define FSM_LEN 1800
#define FSM_ROUNDS 9

enum state { S_START,
	     S_INVALID,
	     S_SIGN,
	     S_INT,
	     S_DOT,
	     S_FLOAT,
	     S_EXP,
	     S_EXPSIGN,
	     S_SCI,
	     S_COUNT };

static uint8_t fsm_text[FSM_LEN + 1];

static inline int is_digit(uint8_t ch) { return ch >= '0' && ch <= '9'; }

// Scans one token from *p (up to ',' or the end), returns its final state and
// counts each transition (a change of state) in trans.
static enum state scan_token(const uint8_t **p, uint16_t trans[S_COUNT])
{
	const uint8_t *s = *p;
	enum state st = S_START;
	for (; *s && *s != ','; s++) {
		uint8_t ch = *s;
		enum state next = st;
		switch (st) {
		case S_START:
			if (is_digit(ch))
				next = S_INT;
			else if (ch == '+' || ch == '-')
				next = S_SIGN;
			else if (ch == '.')
				next = S_DOT;
			else
				next = S_INVALID;
			break;
		case S_SIGN:
			if (is_digit(ch))
				next = S_INT;
			else if (ch == '.')
				next = S_DOT;
			else
				next = S_INVALID;
			break;
		case S_INT:
			if (ch == '.')
				next = S_DOT;
			else if (!is_digit(ch))
				next = S_INVALID;
			break;
		case S_DOT:
			next = is_digit(ch) ? S_FLOAT : S_INVALID;
			break;
		case S_FLOAT:
			if (ch == 'e' || ch == 'E')
				next = S_EXP;
			else if (!is_digit(ch))
				next = S_INVALID;
			break;
		case S_EXP:
			if (ch == '+' || ch == '-')
				next = S_EXPSIGN;
			else
				next = is_digit(ch) ? S_SCI : S_INVALID;
			break;
		case S_EXPSIGN:
			next = is_digit(ch) ? S_SCI : S_INVALID;
			break;
		case S_SCI:
			if (!is_digit(ch))
				next = S_INVALID;
			break;
		default: // S_INVALID stays
			break;
		}
		if (next != st)
			trans[next]++;
		st = next;
	}
	*p = *s ? s + 1 : s;
	return st;
}

static uint16_t scan_all(uint16_t crc)
{
	uint16_t final[S_COUNT] = { 0 }, trans[S_COUNT] = { 0 };
	const uint8_t *p = fsm_text;
	while (*p)
		final[scan_token(&p, trans)]++;
	for (int i = 0; i < S_COUNT; i++) {
		crc = cm_crc16(final[i], crc);
		crc = cm_crc16(trans[i], crc);
	}
	return crc;
}

// Appends one token of a random kind; returns the new length.
static int put_token(int n, uint32_t *state)
{
	static const char *const kinds[] = { "5012", "1234", "-874", "+122", "35.54400",
					     ".1234500", "-110.700", "+0.64400", "5.500e+3", "-.123e-2", "-87e+832",
					     "+0.6e-12", "T0.3e-1F", "-T.T++Tq", "1T3.4e4z", "34.0e-T^" };
	const char *t = kinds[prng_next(state) & 15];
	while (*t && n < FSM_LEN - 1)
		fsm_text[n++] = (uint8_t)*t++;
	fsm_text[n++] = ',';
	return n;
}

uint32_t wl_fsm(void)
{
	uint32_t state = 0x5eed0103u;
	uint16_t crc = 0;
	int n = 0;
	while (n < FSM_LEN - 10)
		n = put_token(n, &state);
	fsm_text[n] = 0;
	for (int round = 0; round < FSM_ROUNDS; round++) {
		crc = scan_all(crc);
		int stride = 3 + (int)(prng_next(&state) % 17);
		uint8_t mask = (uint8_t)(0x80 | (prng_next(&state) & 0x7f)); // never makes a NUL
		for (int i = round; i < n; i += stride)
			fsm_text[i] ^= mask;
		crc = scan_all(crc);
		for (int i = round; i < n; i += stride)
			fsm_text[i] ^= mask;
	}
	crc = scan_all(crc);
	return (uint32_t)crc << 16 | (uint16_t)n;
}
