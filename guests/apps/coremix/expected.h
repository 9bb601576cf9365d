// SPDX-License-Identifier: MIT
// Known-good checksums of the coremix workloads, from native runs of the same sources
// (see ../compute/expected.h for how to refresh them after changing a workload).
#ifndef DENALI_GUEST_COREMIX_EXPECTED_H
#define DENALI_GUEST_COREMIX_EXPECTED_H

#define EXPECT_LIST 0x6a7ee549u
#define EXPECT_MATRIX16 0xd8edf19fu
#define EXPECT_FSM 0xd3310706u

#endif
