// SPDX-License-Identifier: MIT
// 32.32 fixed-point logarithm and power of two, integer only (guests have no FPU).
// A value v means v / 2^32. Used to build the Zipf table (zipf.c).
#ifndef DENALI_APPS_FIXQ_H
#define DENALI_APPS_FIXQ_H

#include <stdint.h>

#define FIXQ_ONE ((uint64_t)1 << 32)

// log2(k) for k >= 1, in 32.32 (exact to about 2^-31). fixq_log2(0) returns 0.
uint64_t fixq_log2(uint32_t k);

// 2^-y for y >= 0 in 32.32, as 32.32 (so at most FIXQ_ONE); 0 once y >= 33.
uint64_t fixq_exp2_neg(uint64_t y);

// k^-alpha in 32.32 for k >= 1 and alpha in 32.32 (alpha < 2^35, i.e. below 8).
uint64_t fixq_pow_neg(uint32_t k, uint64_t alpha);

#endif
