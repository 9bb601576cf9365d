// SPDX-License-Identifier: MIT
// Console output while the run goes (constream.c): the VMs' console bytes (OBS_CONSOLE)
// become whole lines prefixed "[vm N] " ("[mM vm N] " on machine M > 0), written in
// simulated-time order through a hub stream (hub.h) as each line ends; a partial line
// is written when the VM ends or the run does. With a directory (--console-dir DIR),
// every VM that writes to its console also gets DIR/vm-N.txt (DIR/mM-vm-N.txt), all of
// its bytes unchanged: written to a hidden temporary file next to it as they come (in
// 64 KiB pieces) and renamed into place by constream_finish, so an interrupted or
// failed run leaves no half-written file under a final name.
#ifndef DENALI_TRACE_CONSTREAM_H
#define DENALI_TRACE_CONSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/obs.h"

struct hub;
struct constream;

struct constream_config {
	struct hub *hub;         // lines go to stream `stream` (hub NULL: no lines)
	int stream;
	const uint32_t *show;    // per machine: VMs 0..show[m]-1 get their lines printed
	const char *dir;         // --console-dir, or NULL
};

// nvms[m]: VMs of machine m. Returns NULL when out of memory.
struct constream *constream_new(const struct constream_config *cfg, uint32_t nmachines,
				const uint32_t *nvms);
void constream_free(struct constream *c);
void constream_event(void *ctx, const struct obs_event *ev); // OBS_CAT_CONSOLE | VM
#define CONSTREAM_CATS (OBS_CAT_CONSOLE | OBS_CAT_VM)
// Machine m's run ended at time t: its VMs' partial lines are written.
void constream_end_machine(struct constream *c, uint32_t m, uint64_t t);
// Renames the directory's files into place. Returns 0, or -1 with one line in err
// (a file that could not be written; the others are still renamed).
int constream_finish(struct constream *c, char *err, size_t errlen);
// Removes the temporary files (after an error elsewhere).
void constream_abort(struct constream *c);
// Files written into the directory.
uint64_t constream_files(const struct constream *c);

#endif
