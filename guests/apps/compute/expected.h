// SPDX-License-Identifier: MIT
// Known-good checksums of the compute workloads, from native runs of the same
// sources on the host: gcc -m64 -O2, gcc -m32 -O0/-O2, clang -m32 -O3 and gcc with
// ASan+UBSan all printed these (2026-11-29). The meson tests compute-native32 and
// compute-native64 keep checking them. After changing a workload, rebuild, read the
// "got" values from the native program's FAIL lines, check 32- and 64-bit agree,
// and paste them here (guests/README.md).
#ifndef DENALI_GUEST_COMPUTE_EXPECTED_H
#define DENALI_GUEST_COMPUTE_EXPECTED_H

#define EXPECT_SORT 0x72ad5347u
#define EXPECT_HASH 0x2fd186d8u
#define EXPECT_CRC 0xbb40eb1du
#define EXPECT_MATRIX 0x5698ecfeu
#define EXPECT_BYTECODE 0xf99a790au
#define EXPECT_STRINGS 0xaa9e7738u
#define EXPECT_ARITH64 0x3a6c465fu
#define EXPECT_BITS 0x303464a8u

#endif
